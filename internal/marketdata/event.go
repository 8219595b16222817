package marketdata

import (
	"time"

	"github.com/shopspring/decimal"
)

// Kind is the kind of an Event.
type Kind uint8

// Event kinds. KindGap is not a stream: it tells a subscriber that events of
// a stream were lost (see Gap).
const (
	KindKline Kind = iota + 1
	KindTicker
	KindMiniTicker
	KindBookTicker
	KindTrade
	KindAggTrade
	KindGap
)

func (k Kind) String() string {
	switch k {
	case KindKline:
		return "kline"
	case KindTicker:
		return "ticker"
	case KindMiniTicker:
		return "miniTicker"
	case KindBookTicker:
		return "bookTicker"
	case KindTrade:
		return "trade"
	case KindAggTrade:
		return "aggTrade"
	case KindGap:
		return "gap"
	}
	return "unknown"
}

// Event is one market-data event delivered to a subscriber. Exactly one of
// Kline, Ticker, BookTicker, Trade and Gap is set, as Kind says. The pointed-to
// values are shared by every subscriber of the stream and must not be
// modified.
type Event struct {
	// Stream is the stream's name, e.g. "btcusdt@kline_1m".
	Stream string
	// Symbol is the exchange symbol in upper case, e.g. "BTCUSDT".
	Symbol string
	Kind   Kind

	Kline      *Kline
	Ticker     *Ticker // KindTicker and KindMiniTicker
	BookTicker *BookTicker
	Trade      *Trade // KindTrade and KindAggTrade
	Gap        *Gap

	// EventTime is the exchange's time of the event ("E"). Book tickers
	// carry none and use Received; backfilled klines use their close time.
	EventTime time.Time
	// Received is when the hub read the event (or fetched it, if
	// backfilled).
	Received time.Time
	// Backfilled marks a closed kline fetched over REST after a gap.
	Backfilled bool
}

// Kline is a candlestick. Closed is true for the final value of a kline; the
// hub delivers every closed kline of a subscribed stream exactly once, in
// order, backfilling missed ones over REST.
type Kline struct {
	Symbol, Interval    string
	OpenTime, CloseTime time.Time

	Open, High, Low, Close decimal.Decimal
	Volume, QuoteVolume    decimal.Decimal
	// TakerBuyBaseVolume and TakerBuyQuoteVolume are the taker-buy parts of
	// Volume and QuoteVolume.
	TakerBuyBaseVolume, TakerBuyQuoteVolume decimal.Decimal

	Trades                    int64
	FirstTradeID, LastTradeID int64
	Closed                    bool
}

// Ticker is the rolling 24 h statistics of a symbol. A mini ticker sets only
// Symbol, LastPrice, OpenPrice, HighPrice, LowPrice, Volume and QuoteVolume.
type Ticker struct {
	Symbol string

	PriceChange, PriceChangePercent, WeightedAvgPrice decimal.Decimal
	PrevClosePrice, LastPrice, LastQty                decimal.Decimal
	BidPrice, BidQty, AskPrice, AskQty                decimal.Decimal
	OpenPrice, HighPrice, LowPrice                    decimal.Decimal
	Volume, QuoteVolume                               decimal.Decimal

	OpenTime, CloseTime       time.Time
	FirstTradeID, LastTradeID int64
	Count                     int64
}

// BookTicker is the best bid and ask of a symbol.
type BookTicker struct {
	Symbol           string
	UpdateID         int64
	BidPrice, BidQty decimal.Decimal
	AskPrice, AskQty decimal.Decimal
}

// Trade is a trade (KindTrade) or an aggregate trade (KindAggTrade, where ID
// is the aggregate id and FirstTradeID/LastTradeID the trades it covers).
type Trade struct {
	Symbol                    string
	ID                        int64
	Price, Qty                decimal.Decimal
	Time                      time.Time
	BuyerIsMaker              bool
	FirstTradeID, LastTradeID int64
}

// GapReason says why events were lost.
type GapReason string

const (
	// GapOverflow: the subscriber's queue was full, so the hub dropped
	// queued events (closed klines or trades) meant for it.
	GapOverflow GapReason = "Overflow"
	// GapBackfillFailed: closed klines were missed by the stream and could
	// not be fetched over REST (no fetcher, REST failing, or more than
	// Options.MaxBackfill klines).
	GapBackfillFailed GapReason = "BackfillFailed"
	// GapMissed: trade ids jumped, so trades were missed (trades are not
	// backfilled).
	GapMissed GapReason = "Missed"
	// GapRejected: the exchange refused to subscribe the stream (an unknown
	// symbol, say); no events of it will come. The hub does not retry
	// while the stream has subscribers.
	GapRejected GapReason = "Rejected"
)

// Gap reports lost events of one stream; a subscriber that needs them
// resynchronises over REST from From.
type Gap struct {
	Reason GapReason
	// Dropped counts the lost events when known (overflow, missed trades).
	Dropped int64
	// From and To bound the lost events: kline open times or trade times.
	// To is exclusive for backfill gaps.
	From, To time.Time
}
