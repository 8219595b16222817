package marketdata

import (
	"fmt"
	"strings"
	"time"
)

// StreamName is a parsed Binance market stream name such as
// "btcusdt@kline_1m".
type StreamName struct {
	// Symbol is the exchange symbol in upper case, as REST wants it.
	Symbol string
	// Kind is the stream's event kind (never KindGap).
	Kind Kind
	// Interval is the kline interval, for KindKline only.
	Interval string
}

// String returns the stream's name as Binance spells it: the symbol in lower
// case, then "@" and the kind.
func (n StreamName) String() string {
	sym := strings.ToLower(n.Symbol)
	switch n.Kind {
	case KindKline:
		return sym + "@kline_" + n.Interval
	case KindTicker:
		return sym + "@ticker"
	case KindMiniTicker:
		return sym + "@miniTicker"
	case KindBookTicker:
		return sym + "@bookTicker"
	case KindTrade:
		return sym + "@trade"
	case KindAggTrade:
		return sym + "@aggTrade"
	}
	return sym + "@?"
}

// Stream name suffixes after "<symbol>@".
var kindSuffixes = map[string]Kind{
	"ticker":     KindTicker,
	"miniTicker": KindMiniTicker,
	"bookTicker": KindBookTicker,
	"trade":      KindTrade,
	"aggTrade":   KindAggTrade,
}

const (
	minSymbolLen = 2
	maxSymbolLen = 20
)

// ParseStream validates a stream name and returns its parts. The symbol may
// be in either case; the kind must be spelled as Binance does (trade,
// aggTrade, ticker, miniTicker, bookTicker or kline_<interval>).
func ParseStream(name string) (StreamName, error) {
	sym, kind, ok := strings.Cut(name, "@")
	if !ok {
		return StreamName{}, fmt.Errorf("stream %q: want <symbol>@<kind>", name)
	}
	if len(sym) < minSymbolLen || len(sym) > maxSymbolLen {
		return StreamName{}, fmt.Errorf("stream %q: symbol must be %d-%d letters or digits", name, minSymbolLen, maxSymbolLen)
	}
	for i := 0; i < len(sym); i++ {
		c := sym[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return StreamName{}, fmt.Errorf("stream %q: symbol must be %d-%d letters or digits", name, minSymbolLen, maxSymbolLen)
		}
	}
	n := StreamName{Symbol: strings.ToUpper(sym)}
	if iv, ok := strings.CutPrefix(kind, "kline_"); ok {
		if !ValidInterval(iv) {
			return StreamName{}, fmt.Errorf("stream %q: unknown kline interval %q", name, iv)
		}
		n.Kind, n.Interval = KindKline, iv
		return n, nil
	}
	k, ok := kindSuffixes[kind]
	if !ok {
		return StreamName{}, fmt.Errorf("stream %q: unknown kind %q", name, kind)
	}
	n.Kind = k
	return n, nil
}

// KlineStream names the kline stream of symbol and interval.
func KlineStream(symbol, interval string) string {
	return StreamName{Symbol: symbol, Kind: KindKline, Interval: interval}.String()
}

// TickerStream names the 24 h ticker stream of symbol.
func TickerStream(symbol string) string { return StreamName{Symbol: symbol, Kind: KindTicker}.String() }

// MiniTickerStream names the 24 h mini ticker stream of symbol.
func MiniTickerStream(symbol string) string {
	return StreamName{Symbol: symbol, Kind: KindMiniTicker}.String()
}

// BookTickerStream names the best bid and ask stream of symbol.
func BookTickerStream(symbol string) string {
	return StreamName{Symbol: symbol, Kind: KindBookTicker}.String()
}

// TradeStream names the trade stream of symbol.
func TradeStream(symbol string) string { return StreamName{Symbol: symbol, Kind: KindTrade}.String() }

// AggTradeStream names the aggregate trade stream of symbol.
func AggTradeStream(symbol string) string {
	return StreamName{Symbol: symbol, Kind: KindAggTrade}.String()
}

// Binance's kline intervals with a fixed width. "1M" (calendar months) is
// handled apart; "1w" buckets start on Mondays, but only the width matters
// for stepping from one open time to the next.
var intervalWidths = map[string]time.Duration{
	"1s": time.Second, "1m": time.Minute, "3m": 3 * time.Minute, "5m": 5 * time.Minute,
	"15m": 15 * time.Minute, "30m": 30 * time.Minute, "1h": time.Hour, "2h": 2 * time.Hour,
	"4h": 4 * time.Hour, "6h": 6 * time.Hour, "8h": 8 * time.Hour, "12h": 12 * time.Hour,
	"1d": 24 * time.Hour, "3d": 72 * time.Hour, "1w": 7 * 24 * time.Hour,
}

const monthInterval = "1M"

// ValidInterval reports whether interval is one of Binance's kline
// intervals.
func ValidInterval(interval string) bool {
	_, ok := intervalWidths[interval]
	return ok || interval == monthInterval
}

// nextOpen is the open time of the kline after the one opening at open.
func nextOpen(interval string, open time.Time) time.Time {
	if interval == monthInterval {
		t := open.UTC()
		return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return open.Add(intervalWidths[interval])
}

// prevOpen is the open time of the kline before the one opening at open.
func prevOpen(interval string, open time.Time) time.Time {
	if interval == monthInterval {
		t := open.UTC()
		return time.Date(t.Year(), t.Month()-1, 1, 0, 0, 0, 0, time.UTC)
	}
	return open.Add(-intervalWidths[interval])
}

// normalizeURL turns a stream endpoint into the base the hub dials, without
// a trailing slash or path: "wss://host:port". A trailing /stream or /ws is
// accepted and dropped, so both exchange.URLs.Stream and a full stream URL
// work.
func normalizeURL(raw string) (string, error) {
	u := strings.TrimRight(strings.TrimSpace(raw), "/")
	u = strings.TrimSuffix(u, "/stream")
	u = strings.TrimSuffix(u, "/ws")
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || rest == "" || strings.ContainsAny(rest, "/?#") || (scheme != "ws" && scheme != "wss") {
		return "", fmt.Errorf("stream URL %q: want ws(s)://host[:port]", raw)
	}
	return u, nil
}
