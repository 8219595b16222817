package recording

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Measurements written by the operator. docs/recording.md lists every tag
// and field with its type; a field keeps its type forever, in every
// measurement, so no write ever meets a field type conflict.
const (
	MeasurementPrice  = "price"
	MeasurementKline  = "kline"
	MeasurementSignal = "signal"
	MeasurementOrder  = "order"
	MeasurementFill   = "fill"
	MeasurementHealth = "health"
)

// Meta names the resource a point comes from. Its fields become the tags
// every measurement carries: ns, resource, kind and exchange.
type Meta struct {
	Namespace string
	Name      string
	// Kind is "TradingBot" or "SymbolWatch".
	Kind string
	// Exchange is the exchange's name, such as "binance".
	Exchange string
}

// tags returns the resource's tags followed by extra, in key order for the
// common case (InfluxDB sorts them anyway).
func (m Meta) tags(extra ...Tag) []Tag {
	tags := make([]Tag, 0, 4+len(extra))
	tags = append(tags,
		Tag{Key: "exchange", Value: m.Exchange},
		Tag{Key: "kind", Value: m.Kind},
		Tag{Key: "ns", Value: m.Namespace},
		Tag{Key: "resource", Value: m.Name},
	)
	return append(tags, extra...)
}

// money returns the float field for a decimal amount. InfluxDB has no
// decimal type; a float64 keeps any value of up to 15 significant digits
// exactly (its shortest form parses back to the same decimal), which covers
// every price and quantity an exchange quotes today. Where a value feeds
// accounting (orders and fills) the helpers also keep the exact decimal as
// a string field.
func money(key string, d decimal.Decimal) Field {
	return Float(key, d.InexactFloat64())
}

// text returns a string field for free text, with line breaks turned into
// spaces (line protocol cannot carry them).
func text(key, s string) Field {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	}
	return String(key, s)
}

// PricePoint records one price of symbol at t, with no further detail.
func PricePoint(m Meta, symbol string, price decimal.Decimal, t time.Time) Point {
	return TickPoint(m, Tick{Symbol: symbol, Price: price, Time: t})
}

// Tick is a price observation from a market data stream.
type Tick struct {
	Symbol string
	// Source is the stream it came from: "trade", "aggTrade", "ticker",
	// "bookTicker", ... (tag "source"; left out when empty).
	Source string
	// Price is the last trade price, or the mid price for a book ticker.
	Price decimal.Decimal
	// Bid and Ask are the best prices when the stream has them; zero
	// values are left out.
	Bid, Ask decimal.Decimal
	// Quantity is the traded quantity of a trade; zero is left out.
	Quantity decimal.Decimal
	// TradeID is the exchange's id of the trade (the aggregate id for an
	// aggTrade), valid when HasTradeID is set: ticks of trade streams.
	// It is written as field "trade_id" and orders the tick within its
	// millisecond (see TickTime).
	TradeID    int64
	HasTradeID bool
	// Seq ranks a tick without a trade id among the ticks of its series
	// that share its millisecond, in arrival order: 0 for the first (see
	// MilliSeq).
	Seq int
	// Time is the exchange's time of the event; only its millisecond is
	// kept (see TickTime).
	Time time.Time
}

// TickTime is the timestamp of a tick's point. InfluxDB keeps one point
// per series and timestamp, and exchanges stamp events in milliseconds, so
// two trades of one symbol in the same millisecond would replace each
// other. The point's time is therefore the event's millisecond plus, in
// nanoseconds, the trade id modulo a million (distinct for any million
// consecutive trades) or, without an id, the tick's arrival rank within
// the millisecond. Both are deterministic for an event, so a tick written
// twice is still one point.
func TickTime(t Tick) time.Time {
	ms := t.Time.Truncate(time.Millisecond)
	offset := min(max(int64(t.Seq), 0), nsPerMilli-1)
	if t.HasTradeID {
		offset = ((t.TradeID % nsPerMilli) + nsPerMilli) % nsPerMilli
	}
	return ms.Add(time.Duration(offset))
}

const nsPerMilli = int64(time.Millisecond)

// MilliSeq numbers the events of one series within each millisecond, in
// arrival order, for events that carry no id of their own (tickers).
// Events of a series are expected in time order, as a stream delivers
// them. The zero value is ready; it is not safe for concurrent use.
type MilliSeq struct {
	ms   int64
	next int
	used bool
}

// Next returns the rank of an event at t among the events of its
// millisecond seen so far.
func (s *MilliSeq) Next(t time.Time) int {
	ms := t.UnixMilli()
	if !s.used || ms != s.ms {
		s.ms, s.next, s.used = ms, 0, true
	}
	n := s.next
	s.next++
	return n
}

// TickPoint records a tick in measurement "price", tagged by the resource
// that saw it, at TickTime.
func TickPoint(m Meta, t Tick) Point {
	return tickPoint(m.tags(Tag{Key: "source", Value: t.Source}, Tag{Key: "symbol", Value: t.Symbol}), t)
}

func tickPoint(tags []Tag, t Tick) Point {
	fields := make([]Field, 1, 5)
	fields[0] = money("price", t.Price)
	if !t.Bid.IsZero() {
		fields = append(fields, money("bid", t.Bid))
	}
	if !t.Ask.IsZero() {
		fields = append(fields, money("ask", t.Ask))
	}
	if !t.Quantity.IsZero() {
		fields = append(fields, money("qty", t.Quantity))
	}
	if t.HasTradeID {
		fields = append(fields, Int("trade_id", t.TradeID))
	}
	return Point{
		Measurement: MeasurementPrice,
		Tags:        tags,
		Fields:      fields,
		Time:        TickTime(t),
	}
}

// MarketMeta names the stream a shared market point comes from: market
// data is recorded once per exchange endpoint, not once per resource that
// subscribes to it. Its fields become the tags exchange and endpoint.
type MarketMeta struct {
	// Exchange is the exchange's name, such as "binance".
	Exchange string
	// Endpoint is the stream endpoint's host and port, which tells apart
	// deployments of one exchange (simulator, testnet, production).
	Endpoint string
}

func (m MarketMeta) tags(extra ...Tag) []Tag {
	tags := make([]Tag, 0, 2+len(extra))
	tags = append(tags, Tag{Key: "endpoint", Value: m.Endpoint}, Tag{Key: "exchange", Value: m.Exchange})
	return append(tags, extra...)
}

// MarketTickPoint records a tick of a shared stream in measurement
// "price", tagged by endpoint rather than by resource, at TickTime.
func MarketTickPoint(m MarketMeta, t Tick) Point {
	return tickPoint(m.tags(Tag{Key: "source", Value: t.Source}, Tag{Key: "symbol", Value: t.Symbol}), t)
}

// Kline is a closed candlestick.
type Kline struct {
	Symbol   string
	Interval string // "1m", "1h", ...
	// OpenTime is the candle's start; it is the point's time, so the same
	// candle recorded twice (after a restart, a backfill) is one point.
	OpenTime               time.Time
	Open, High, Low, Close decimal.Decimal
	Volume, QuoteVolume    decimal.Decimal
	Trades                 int64
}

// KlinePoint records a closed kline in measurement "kline", tagged by the
// resource that saw it.
func KlinePoint(m Meta, k Kline) Point {
	return klinePoint(m.tags(Tag{Key: "interval", Value: k.Interval}, Tag{Key: "symbol", Value: k.Symbol}), k)
}

// MarketKlinePoint records a closed kline of a shared stream in measurement
// "kline", tagged by endpoint rather than by resource.
func MarketKlinePoint(m MarketMeta, k Kline) Point {
	return klinePoint(m.tags(Tag{Key: "interval", Value: k.Interval}, Tag{Key: "symbol", Value: k.Symbol}), k)
}

func klinePoint(tags []Tag, k Kline) Point {
	return Point{
		Measurement: MeasurementKline,
		Tags:        tags,
		Fields: []Field{
			money("open", k.Open),
			money("high", k.High),
			money("low", k.Low),
			money("close", k.Close),
			money("volume", k.Volume),
			money("quote_volume", k.QuoteVolume),
			Int("trades", k.Trades),
		},
		Time: k.OpenTime,
	}
}

// Signal is a BUY or SELL signal from a strategy.
type Signal struct {
	Symbol   string
	Strategy string
	Side     string // "BUY" or "SELL"
	// Confidence is in [0, 1]; a probability, not money, so a float.
	Confidence float64
	// Price is the price the signal was computed at.
	Price  decimal.Decimal
	Reason string
	Time   time.Time
}

// SignalPoint records a signal in measurement "signal". Field "direction"
// is +1 for BUY and -1 for SELL, for charts.
func SignalPoint(m Meta, s Signal) Point {
	direction := int64(0)
	switch s.Side {
	case "BUY":
		direction = 1
	case "SELL":
		direction = -1
	}
	fields := []Field{
		Float("confidence", s.Confidence),
		Int("direction", direction),
		money("price", s.Price),
	}
	if s.Reason != "" {
		fields = append(fields, text("reason", s.Reason))
	}
	return Point{
		Measurement: MeasurementSignal,
		Tags: m.tags(Tag{Key: "side", Value: s.Side}, Tag{Key: "strategy", Value: s.Strategy},
			Tag{Key: "symbol", Value: s.Symbol}),
		Fields: fields,
		Time:   s.Time,
	}
}

// Order is a change of one order's state: placed, filled, canceled,
// rejected, ...
type Order struct {
	Symbol string
	Side   string // "BUY" or "SELL"
	Type   string // "LIMIT", "MARKET", ...
	// Status is the exchange's order status after the change ("NEW",
	// "FILLED", "CANCELED", "REJECTED", "EXPIRED", ...).
	Status        string
	ClientOrderID string
	OrderID       int64
	Price         decimal.Decimal
	Quantity      decimal.Decimal
	ExecutedQty   decimal.Decimal
	Reason        string
	// Time should be the operator's nanosecond clock when it saw the
	// change: two changes of one series at the same timestamp would
	// replace each other, and exchange times have only milliseconds.
	Time time.Time
}

// OrderPoint records an order change in measurement "order", with the
// exact decimals as string fields next to the floats.
func OrderPoint(m Meta, o Order) Point {
	fields := []Field{
		String("client_order_id", o.ClientOrderID),
		Int("order_id", o.OrderID),
		money("price", o.Price),
		String("price_exact", o.Price.String()),
		money("qty", o.Quantity),
		String("qty_exact", o.Quantity.String()),
		money("executed_qty", o.ExecutedQty),
		String("executed_qty_exact", o.ExecutedQty.String()),
	}
	if o.Reason != "" {
		fields = append(fields, text("reason", o.Reason))
	}
	return Point{
		Measurement: MeasurementOrder,
		Tags: m.tags(Tag{Key: "side", Value: o.Side}, Tag{Key: "status", Value: o.Status},
			Tag{Key: "symbol", Value: o.Symbol}, Tag{Key: "type", Value: o.Type}),
		Fields: fields,
		Time:   o.Time,
	}
}

// Fill is one trade of one of the bot's orders.
type Fill struct {
	Symbol          string
	Side            string // "BUY" or "SELL"
	TradeID         int64
	OrderID         int64
	ClientOrderID   string
	Price           decimal.Decimal
	Quantity        decimal.Decimal
	QuoteQuantity   decimal.Decimal
	Commission      decimal.Decimal
	CommissionAsset string
	Maker           bool
	// Time: as for Order, the operator's nanosecond clock.
	Time time.Time
}

// FillPoint records a fill in measurement "fill", with the exact decimals
// as string fields next to the floats.
func FillPoint(m Meta, f Fill) Point {
	return Point{
		Measurement: MeasurementFill,
		Tags:        m.tags(Tag{Key: "side", Value: f.Side}, Tag{Key: "symbol", Value: f.Symbol}),
		Fields: []Field{
			Int("trade_id", f.TradeID),
			Int("order_id", f.OrderID),
			String("client_order_id", f.ClientOrderID),
			money("price", f.Price),
			String("price_exact", f.Price.String()),
			money("qty", f.Quantity),
			String("qty_exact", f.Quantity.String()),
			money("quote_qty", f.QuoteQuantity),
			String("quote_qty_exact", f.QuoteQuantity.String()),
			money("commission", f.Commission),
			String("commission_exact", f.Commission.String()),
			String("commission_asset", f.CommissionAsset),
			Bool("maker", f.Maker),
		},
		Time: f.Time,
	}
}

// Health is the bot's own state at one status interval.
type Health struct {
	// UsedWeight1m and WeightLimit1m are the endpoint's request weight used
	// in the current minute and its limit.
	UsedWeight1m, WeightLimit1m int64
	// Orders10s is the account's order count in the current 10 s window.
	Orders10s int64
	// ThrottledRequests counts requests that waited for rate budget, since
	// the bot started.
	ThrottledRequests int64
	// Breaker is "Closed", "HalfOpen" or "Open".
	Breaker         string
	BreakerFailures int64
	Reachable       bool
	Banned          bool
	// StreamLag is how far the newest market data event trails the clock.
	StreamLag   time.Duration
	ClockOffset time.Duration
	Streams     int64
	Reconnects  int64
	Time        time.Time
}

// BreakerCode is the breaker state as a number for charts: 0 Closed,
// 1 HalfOpen, 2 Open, -1 anything else.
func BreakerCode(state string) int64 {
	switch state {
	case "Closed":
		return 0
	case "HalfOpen":
		return 1
	case "Open":
		return 2
	}
	return -1
}

// HealthPoint records the bot's health in measurement "health". The
// breaker is written twice: "breaker" (the name) and "breaker_code" (a
// number to chart).
func HealthPoint(m Meta, h Health) Point {
	return Point{
		Measurement: MeasurementHealth,
		Tags:        m.tags(),
		Fields: []Field{
			Int("used_weight", h.UsedWeight1m),
			Int("weight_limit", h.WeightLimit1m),
			Int("orders_10s", h.Orders10s),
			Int("throttled", h.ThrottledRequests),
			String("breaker", h.Breaker),
			Int("breaker_code", BreakerCode(h.Breaker)),
			Int("breaker_failures", h.BreakerFailures),
			Bool("reachable", h.Reachable),
			Bool("banned", h.Banned),
			Int("lag_ms", h.StreamLag.Milliseconds()),
			Int("clock_offset_ms", h.ClockOffset.Milliseconds()),
			Int("streams", h.Streams),
			Int("reconnects", h.Reconnects),
		},
		Time: h.Time,
	}
}
