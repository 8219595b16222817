package streams

import (
	"net/http"
	"strings"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
)

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
		return market.ValidInterval(iv)
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
