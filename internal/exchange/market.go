package exchange

import (
	"context"
	"slices"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
)

// Request weights (Binance's documented values).
const (
	weightPing   = 1
	weightTime   = 1
	weightKlines = 2
)

// Ping checks that the endpoint answers.
func (e *Endpoint) Ping(ctx context.Context, p CallPolicy) error {
	return e.ping(ctx, p, e.publicCaller(p))
}

func (e *Endpoint) ping(ctx context.Context, p CallPolicy, c caller) error {
	return e.run(ctx, p.withDefaults(), Call{Path: "/api/v3/ping", Weight: weightPing, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error { return c.NewPingService().Do(ctx) }}, c)
}

// ServerTime measures the server's clock against ours: offset is server
// time minus local time, corrected by half the round trip rtt. The
// endpoint keeps it to align its limit windows with the server's, and
// accounts sign with it.
func (e *Endpoint) ServerTime(ctx context.Context, p CallPolicy) (offset, rtt time.Duration, err error) {
	_, offset, rtt, err = e.readServerTime(ctx, p)
	return offset, rtt, err
}

// readServerTime is ServerTime that also returns the time the server read
// from its clock while answering.
func (e *Endpoint) readServerTime(ctx context.Context, p CallPolicy) (server time.Time, offset, rtt time.Duration, err error) {
	return e.readServerTimeVia(ctx, p, e.publicCaller(p))
}

// readServerTimeVia is readServerTime made by c. Every measurement, whoever
// makes it, sets the endpoint's one offset: the accounts on an endpoint talk
// to the same server clock, so they all sign with it.
func (e *Endpoint) readServerTimeVia(ctx context.Context, p CallPolicy, c caller) (server time.Time, offset, rtt time.Duration, err error) {
	var serverMs int64
	var start, end, wallStart, wallEnd time.Time
	err = e.run(ctx, p.withDefaults(), Call{Path: "/api/v3/time", Weight: weightTime, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			start, wallStart = e.clock.now(), time.Now()
			var err error
			serverMs, err = c.NewServerTimeService().Do(ctx)
			end, wallEnd = e.clock.now(), time.Now()
			return err
		}}, c)
	if err != nil {
		return time.Time{}, 0, 0, err
	}
	server = time.UnixMilli(serverMs)
	rtt = end.Sub(start)
	offset = server.Sub(start.Add(rtt / 2))
	e.offset.Store(int64(offset))
	// go-binance stamps signed requests with the wall clock, whatever
	// clock this endpoint runs on, so signing needs the offset to it.
	e.signOffset.Store(int64(server.Sub(wallStart.Add(wallEnd.Sub(wallStart) / 2))))
	return server, offset, rtt, nil
}

// serverNow estimates the server's clock from ours and the offset last
// measured. It is only an estimate: what must hold on the server's clock is
// checked with readServerTime.
func (e *Endpoint) serverNow() time.Time {
	return e.clock.now().Add(time.Duration(e.offset.Load()))
}

// Kline is one candle, in exact decimals.
type Kline struct {
	OpenTime, CloseTime    time.Time
	Open, High, Low, Close decimal.Decimal
	Volume, QuoteVolume    decimal.Decimal
	TakerBuyVolume         decimal.Decimal
	TakerBuyQuoteVolume    decimal.Decimal
	Trades                 int64
}

// Klines returns up to limit klines of symbol and interval (e.g. "1m")
// opening at or after start (the zero time: the latest). Binance returns
// the candle in progress too; it is closed once CloseTime has passed on
// the server's clock. limit is 1 to 1000 (zero: 500).
func (e *Endpoint) Klines(ctx context.Context, p CallPolicy, symbol, interval string, start time.Time, limit int) ([]Kline, error) {
	raw, err := e.rawKlines(ctx, p, symbol, interval, start, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Kline, 0, len(raw))
	for _, k := range raw {
		kl, err := klineFromBinance(k)
		if err != nil {
			return nil, badResponse(pathKlines, err)
		}
		out = append(out, kl)
	}
	slices.SortFunc(out, func(a, b Kline) int { return a.OpenTime.Compare(b.OpenTime) })
	return out, nil
}

// rawKlines is the klines request behind Klines and the warm-ups, through
// the endpoint's budget and breaker; its answer is not converted yet.
func (e *Endpoint) rawKlines(ctx context.Context, p CallPolicy, symbol, interval string, start time.Time, limit int) ([]*binance.Kline, error) {
	var raw []*binance.Kline
	err := e.Do(ctx, p, Call{Path: pathKlines, Weight: weightKlines, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			s := c.NewKlinesService().Symbol(symbol).Interval(interval)
			if !start.IsZero() {
				s = s.StartTime(start.UnixMilli())
			}
			if limit > 0 {
				s = s.Limit(min(limit, 1000))
			}
			var err error
			raw, err = s.Do(ctx)
			return err
		}})
	return raw, err
}

// klineFromBinance converts one kline of a REST answer.
func klineFromBinance(k *binance.Kline) (Kline, error) {
	var d decimals
	out := Kline{
		OpenTime:            time.UnixMilli(k.OpenTime).UTC(),
		CloseTime:           time.UnixMilli(k.CloseTime).UTC(),
		Open:                d.parse("open", k.Open),
		High:                d.parse("high", k.High),
		Low:                 d.parse("low", k.Low),
		Close:               d.parse("close", k.Close),
		Volume:              d.parse("volume", k.Volume),
		QuoteVolume:         d.parse("quote volume", k.QuoteAssetVolume),
		TakerBuyVolume:      d.parse("taker buy volume", k.TakerBuyBaseAssetVolume),
		TakerBuyQuoteVolume: d.parse("taker buy quote volume", k.TakerBuyQuoteAssetVolume),
		Trades:              k.TradeNum,
	}
	return out, d.err
}
