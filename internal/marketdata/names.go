package marketdata

import (
	"fmt"
	"strings"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/klineinterval"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
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
// case, then "@" and the kind (whose names are Binance's stream suffixes).
func (n StreamName) String() string {
	sym := strings.ToLower(n.Symbol)
	if n.Kind == KindKline {
		return sym + "@kline_" + n.Interval
	}
	return sym + "@" + n.Kind.String()
}

// streamKind maps a stream suffix other than kline_<interval> to its kind.
func streamKind(suffix string) (Kind, bool) {
	for _, k := range []Kind{KindTicker, KindMiniTicker, KindBookTicker, KindTrade, KindAggTrade} {
		if suffix == k.String() {
			return k, true
		}
	}
	return 0, false
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
	k, ok := streamKind(kind)
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

// intervalWidth is the width of Binance's fixed-width kline intervals;
// calendar months ("1M") have none.
func intervalWidth(interval string) (time.Duration, bool) {
	iv, _ := klineinterval.Parse(interval)
	return iv.Width()
}

// ValidInterval reports whether interval is one of Binance's kline
// intervals.
func ValidInterval(interval string) bool {
	_, ok := klineinterval.Parse(interval)
	return ok
}

// nextOpen is the open time of the kline after the one opening at open.
func nextOpen(interval string, open time.Time) time.Time {
	iv, _ := klineinterval.Parse(interval)
	return iv.Next(open)
}

// prevOpen is the open time of the kline before the one opening at open.
func prevOpen(interval string, open time.Time) time.Time {
	iv, _ := klineinterval.Parse(interval)
	return iv.Prev(open)
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
		return "", fmt.Errorf("stream URL %q: want ws(s)://host[:port]", redact.URL(raw))
	}
	return u, nil
}
