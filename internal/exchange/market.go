package exchange

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
)

// Request weights (Binance's documented values).
const (
	weightPing         = 1
	weightTime         = 1
	weightExchangeInfo = 20
	weightKlines       = 2
)

const pathExchangeInfo = "/api/v3/exchangeInfo"

// Ping checks that the endpoint answers.
func (e *Endpoint) Ping(ctx context.Context, p CallPolicy) error {
	return e.Do(ctx, p, Call{Path: "/api/v3/ping", Weight: weightPing, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error { return c.NewPingService().Do(ctx) }})
}

// ServerTime measures the server's clock against ours: offset is server
// time minus local time, corrected by half the round trip rtt. The
// endpoint keeps it to align its limit windows with the server's, and
// accounts sign with it.
func (e *Endpoint) ServerTime(ctx context.Context, p CallPolicy) (offset, rtt time.Duration, err error) {
	var serverMs int64
	var start, end, wallStart, wallEnd time.Time
	err = e.Do(ctx, p, Call{Path: "/api/v3/time", Weight: weightTime, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			start, wallStart = e.clock.now(), time.Now()
			var err error
			serverMs, err = c.NewServerTimeService().Do(ctx)
			end, wallEnd = e.clock.now(), time.Now()
			return err
		}})
	if err != nil {
		return 0, 0, err
	}
	server := time.UnixMilli(serverMs)
	rtt = end.Sub(start)
	offset = server.Sub(start.Add(rtt / 2))
	e.offset.Store(int64(offset))
	// go-binance stamps signed requests with the wall clock, whatever
	// clock this endpoint runs on, so signing needs the offset to it.
	e.signOffset.Store(int64(server.Sub(wallStart.Add(wallEnd.Sub(wallStart) / 2))))
	return offset, rtt, nil
}

// infoCache holds an endpoint's exchangeInfo.
type infoCache struct {
	mu     sync.Mutex
	info   *binance.ExchangeInfo
	at     time.Time
	flight *flight[*binance.ExchangeInfo]
	gen    uint64 // numbers flights, so an abandoned one never clears its successor
}

// ExchangeInfo returns the full exchangeInfo, cached for the registry's
// ExchangeInfoTTL; concurrent callers share one request. A refresh applies
// the rate limits it lists to the endpoint. The result is shared: do not
// modify it.
func (e *Endpoint) ExchangeInfo(ctx context.Context, p CallPolicy) (*binance.ExchangeInfo, error) {
	c := &e.info
	c.mu.Lock()
	if c.info != nil && e.clock.now().Sub(c.at) < e.reg.opts.ExchangeInfoTTL {
		info := c.info
		c.mu.Unlock()
		return info, nil
	}
	f := c.flight
	if f == nil || !f.join() {
		c.gen++
		gen := c.gen
		f = startFlight(e.reg, func(ctx context.Context) (*binance.ExchangeInfo, error) {
			return e.fetchExchangeInfo(ctx, p, gen)
		})
		c.flight = f
	}
	c.mu.Unlock()
	info, err := f.wait(ctx)
	return info, sharedError(pathExchangeInfo, err)
}

func (e *Endpoint) fetchExchangeInfo(ctx context.Context, p CallPolicy, gen uint64) (*binance.ExchangeInfo, error) {
	var info *binance.ExchangeInfo
	err := e.Do(ctx, p, Call{Path: pathExchangeInfo, Weight: weightExchangeInfo, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			var err error
			info, err = c.NewExchangeInfoService().Do(ctx)
			return err
		}})
	c := &e.info
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.flight = nil
	}
	if err != nil {
		return nil, err
	}
	c.info, c.at = info, e.clock.now()
	e.setLimits(rateLimitsOf(info))
	return info, nil
}

// rateLimitsOf reads REQUEST_WEIGHT per minute and ORDERS per 10 seconds
// and per day; zero when not listed.
func rateLimitsOf(info *binance.ExchangeInfo) (weight1m, orders10s, orders1d int) {
	for _, rl := range info.RateLimits {
		switch {
		case rl.RateLimitType == "REQUEST_WEIGHT" && rl.Interval == "MINUTE" && rl.IntervalNum == 1:
			weight1m = int(rl.Limit)
		case rl.RateLimitType == "ORDERS" && rl.Interval == "SECOND" && rl.IntervalNum == 10:
			orders10s = int(rl.Limit)
		case rl.RateLimitType == "ORDERS" && rl.Interval == "DAY" && rl.IntervalNum == 1:
			orders1d = int(rl.Limit)
		}
	}
	return weight1m, orders10s, orders1d
}

// Symbols checks symbols against the cached exchangeInfo: unknown are not
// listed, notTrading are listed with a status other than TRADING. Both are
// sorted.
func (e *Endpoint) Symbols(ctx context.Context, p CallPolicy, symbols []string) (unknown, notTrading []string, err error) {
	info, err := e.ExchangeInfo(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	_, _, unknown, notTrading = summarizeExchangeInfo(info, symbols)
	return unknown, notTrading, nil
}

// checkSymbols refuses unknown symbols before they reach a coalesced
// request, where Binance would refuse the whole list (-1121) and fail
// every bot sharing it.
func (e *Endpoint) checkSymbols(ctx context.Context, p CallPolicy, path string, symbols []string) error {
	unknown, _, err := e.Symbols(ctx, p, symbols)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		return &Error{Class: ClassRejected, Path: path, Code: codeBadSymbol, Err: fmt.Errorf("unknown symbols %v", unknown)}
	}
	return nil
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
	var raw []*binance.Kline
	err := e.Do(ctx, p, Call{Path: "/api/v3/klines", Weight: weightKlines, Idempotent: true,
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
	if err != nil {
		return nil, err
	}
	out := make([]Kline, 0, len(raw))
	for _, k := range raw {
		var d decimals
		out = append(out, Kline{
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
		})
		if d.err != nil {
			return nil, badResponse("/api/v3/klines", d.err)
		}
	}
	slices.SortFunc(out, func(a, b Kline) int { return a.OpenTime.Compare(b.OpenTime) })
	return out, nil
}
