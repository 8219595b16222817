package streams

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
)

// Binance prints spot prices and quantities with 8 decimals and percentages
// with 3.
const (
	amountDecimals  = 8
	percentDecimals = 3
)

// The encoders below append one event's JSON to b, with the field names and
// types go-binance's Ws*Event structs decode. They are hand-written because
// they run for every event of every subscribed stream.

func appendTradeEvent(b []byte, symbol string, t market.Trade, eventTime time.Time) []byte {
	b = append(b, `{"e":"trade","E":`...)
	b = appendMillis(b, eventTime)
	b = appendStringField(b, "s", symbol)
	b = appendIntField(b, "t", t.ID)
	b = appendAmountField(b, "p", t.Price)
	b = appendAmountField(b, "q", t.Qty)
	b = appendTimeField(b, "T", t.Time)
	b = appendBoolField(b, "m", t.BuyerIsMaker)
	return append(b, `,"M":true}`...)
}

// appendAggTradeEvent encodes a trade as an aggregate of itself: the
// simulator's trades each come from a different taker order.
func appendAggTradeEvent(b []byte, symbol string, t market.Trade, eventTime time.Time) []byte {
	b = append(b, `{"e":"aggTrade","E":`...)
	b = appendMillis(b, eventTime)
	b = appendStringField(b, "s", symbol)
	b = appendIntField(b, "a", t.ID)
	b = appendAmountField(b, "p", t.Price)
	b = appendAmountField(b, "q", t.Qty)
	b = appendIntField(b, "f", t.ID)
	b = appendIntField(b, "l", t.ID)
	b = appendTimeField(b, "T", t.Time)
	b = appendBoolField(b, "m", t.BuyerIsMaker)
	return append(b, `,"M":true}`...)
}

func appendKlineEvent(b []byte, symbol, interval string, k market.Kline, closed bool, eventTime time.Time) []byte {
	b = append(b, `{"e":"kline","E":`...)
	b = appendMillis(b, eventTime)
	b = appendStringField(b, "s", symbol)
	b = append(b, `,"k":{"t":`...)
	b = appendMillis(b, k.OpenTime)
	b = appendTimeField(b, "T", k.CloseTime)
	b = appendStringField(b, "s", symbol)
	b = appendStringField(b, "i", interval)
	b = appendIntField(b, "f", k.FirstTradeID)
	b = appendIntField(b, "L", k.LastTradeID)
	b = appendAmountField(b, "o", k.Open)
	b = appendAmountField(b, "c", k.Close)
	b = appendAmountField(b, "h", k.High)
	b = appendAmountField(b, "l", k.Low)
	b = appendAmountField(b, "v", k.Volume)
	b = appendIntField(b, "n", k.TradeCount)
	b = appendBoolField(b, "x", closed)
	b = appendAmountField(b, "q", k.QuoteVolume)
	b = appendAmountField(b, "V", k.TakerBuyBaseVolume)
	b = appendAmountField(b, "Q", k.TakerBuyQuoteVolume)
	return append(b, `,"B":"0"}}`...)
}

// bookTop is the best bid and ask with their quantities.
type bookTop struct{ bid, bidQty, ask, askQty decimal.Decimal }

func appendTickerEvent(b []byte, t market.Ticker24h, top bookTop, eventTime time.Time) []byte {
	b = append(b, `{"e":"24hrTicker","E":`...)
	b = appendMillis(b, eventTime)
	b = appendStringField(b, "s", t.Symbol)
	b = appendAmountField(b, "p", t.PriceChange)
	b = appendDecimalField(b, "P", t.PriceChangePercent, percentDecimals)
	b = appendAmountField(b, "w", t.WeightedAvgPrice)
	b = appendAmountField(b, "x", t.PrevClosePrice)
	b = appendAmountField(b, "c", t.LastPrice)
	b = appendAmountField(b, "Q", t.LastQty)
	b = appendAmountField(b, "b", top.bid)
	b = appendAmountField(b, "B", top.bidQty)
	b = appendAmountField(b, "a", top.ask)
	b = appendAmountField(b, "A", top.askQty)
	b = appendAmountField(b, "o", t.OpenPrice)
	b = appendAmountField(b, "h", t.HighPrice)
	b = appendAmountField(b, "l", t.LowPrice)
	b = appendAmountField(b, "v", t.Volume)
	b = appendAmountField(b, "q", t.QuoteVolume)
	b = appendTimeField(b, "O", t.OpenTime)
	b = appendTimeField(b, "C", t.CloseTime)
	b = appendIntField(b, "F", t.FirstID)
	b = appendIntField(b, "L", t.LastID)
	b = appendIntField(b, "n", t.Count)
	return append(b, '}')
}

func appendMiniTickerEvent(b []byte, t market.Ticker24h, eventTime time.Time) []byte {
	b = append(b, `{"e":"24hrMiniTicker","E":`...)
	b = appendMillis(b, eventTime)
	b = appendStringField(b, "s", t.Symbol)
	b = appendAmountField(b, "c", t.LastPrice)
	b = appendAmountField(b, "o", t.OpenPrice)
	b = appendAmountField(b, "h", t.HighPrice)
	b = appendAmountField(b, "l", t.LowPrice)
	b = appendAmountField(b, "v", t.Volume)
	b = appendAmountField(b, "q", t.QuoteVolume)
	return append(b, '}')
}

// appendBookTickerEvent encodes Binance's spot bookTicker, which has no
// event type or time.
func appendBookTickerEvent(b []byte, symbol string, updateID int64, top bookTop) []byte {
	b = append(b, `{"u":`...)
	b = strconv.AppendInt(b, updateID, 10)
	b = appendStringField(b, "s", symbol)
	b = appendAmountField(b, "b", top.bid)
	b = appendAmountField(b, "B", top.bidQty)
	b = appendAmountField(b, "a", top.ask)
	b = appendAmountField(b, "A", top.askQty)
	return append(b, '}')
}

func appendMillis(b []byte, t time.Time) []byte {
	return strconv.AppendInt(b, t.UnixMilli(), 10)
}

func appendKey(b []byte, key string) []byte {
	b = append(b, `,"`...)
	b = append(b, key...)
	return append(b, `":`...)
}

func appendStringField(b []byte, key, value string) []byte {
	return appendJSONString(appendKey(b, key), value)
}

func appendIntField(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(appendKey(b, key), v, 10)
}

func appendTimeField(b []byte, key string, t time.Time) []byte {
	return appendMillis(appendKey(b, key), t)
}

func appendBoolField(b []byte, key string, v bool) []byte {
	return strconv.AppendBool(appendKey(b, key), v)
}

func appendAmountField(b []byte, key string, d decimal.Decimal) []byte {
	return appendDecimalField(b, key, d, amountDecimals)
}

func appendDecimalField(b []byte, key string, d decimal.Decimal, places int32) []byte {
	b = append(appendKey(b, key), '"')
	b = append(b, d.StringFixed(places)...)
	return append(b, '"')
}

// appendJSONString appends s as a JSON string. Symbols and intervals never
// need escaping, but a malformed name must not break the event.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
