package streams

import (
	"net/http"
	"strings"
)

// klineIntervals are the kline stream intervals, as Binance names them.
var klineIntervals = [...]string{
	"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M",
}

// eventKinds are the stream suffixes after "<symbol>@" that the simulator
// publishes, besides kline_<interval>.
var eventKinds = [...]string{"trade", "aggTrade", "ticker", "miniTicker", "bookTicker"}

const maxSymbolLen = 20

// validStream reports whether name is a stream the simulator serves:
// "<symbol>@<kind>" with a lowercase symbol this server knows.
func (s *Server) validStream(name string) bool {
	sym, kind, ok := strings.Cut(name, "@")
	if !ok || !s.knownSymbol(sym) {
		return false
	}
	if iv, ok := strings.CutPrefix(kind, "kline_"); ok {
		for _, v := range klineIntervals {
			if iv == v {
				return true
			}
		}
		return false
	}
	for _, k := range eventKinds {
		if kind == k {
			return true
		}
	}
	return false
}

func (s *Server) knownSymbol(sym string) bool {
	if len(sym) == 0 || len(sym) > maxSymbolLen {
		return false
	}
	for i := 0; i < len(sym); i++ {
		if c := sym[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	if s.symbols == nil {
		return true
	}
	_, ok := s.symbols[sym]
	return ok
}

// streamsFromRequest reads the streams named by the URL: /ws/<a>/<b> for raw
// streams, /stream?streams=<a>/<b> for combined ones. ok is false for any
// other path.
func streamsFromRequest(r *http.Request) (names []string, combined, ok bool) {
	path := r.URL.Path
	switch {
	case path == "/stream" || path == "/stream/":
		list := r.URL.Query().Get("streams")
		if list == "" {
			return nil, true, true
		}
		return strings.Split(list, "/"), true, true
	case path == "/ws" || path == "/ws/":
		return nil, false, true
	case strings.HasPrefix(path, "/ws/"):
		return strings.Split(strings.TrimPrefix(path, "/ws/"), "/"), false, true
	}
	return nil, false, false
}
