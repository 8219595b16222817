package streams

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/streams/wsconn"
)

// Server is the market-data WebSocket server. It is safe for concurrent use;
// New starts no goroutines, each connection's goroutines live as long as the
// connection, and Close stops and waits for all of them.
type Server struct {
	cfg       Config
	symbols   map[string]struct{} // lowercase; nil accepts any symbol
	intervals []string            // kline intervals, as the market names them
	attempts  *wsconn.AttemptLimiter
	sent      atomic.Int64
	stalled   atomic.Bool
	bookSeq   atomic.Int64 // bookTicker update ids

	mu     sync.RWMutex
	closed bool
	subs   map[*subscriber]struct{}
	topics map[string][]*subscriber // stream → subscribers; slices are replaced, never changed
	wg     sync.WaitGroup           // one per ServeHTTP past the upgrade checks

	klineMu   sync.Mutex
	klineOpen map[string]time.Time // kline stream → open time of the kline last published
}

// subscriber is one connection's view of the server.
type subscriber struct {
	conn     *wsconn.Conn // nil when a test drives control messages directly
	combined atomic.Bool  // wrap events as {"stream":..,"data":..}

	// Guarded by Server.mu.
	streams map[string]struct{}
	order   []string // subscription order, for LIST_SUBSCRIPTIONS
}

func newSubscriber(combined bool) *subscriber {
	sub := &subscriber{streams: make(map[string]struct{})}
	sub.combined.Store(combined)
	return sub
}

// New returns a server with cfg's rules; zero fields take Binance's values.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:       cfg,
		intervals: market.IntervalNames(),
		attempts:  wsconn.NewAttemptLimiter(cfg.MaxConnAttempts, cfg.ConnAttemptWindow, cfg.Now),
		subs:      make(map[*subscriber]struct{}),
		topics:    make(map[string][]*subscriber),
		klineOpen: make(map[string]time.Time),
	}
	if len(cfg.Symbols) > 0 {
		s.symbols = make(map[string]struct{}, len(cfg.Symbols))
		for _, sym := range cfg.Symbols {
			s.symbols[strings.ToLower(sym)] = struct{}{}
		}
	}
	return s
}

// ServeHTTP upgrades /ws/<stream>[/<stream>...] (raw events) and
// /stream?streams=<a>/<b> (combined events) to WebSocket connections and
// serves them until they end.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	names, combined, ok := streamsFromRequest(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if allowed, retry := s.attempts.Allow(wsconn.ClientIP(r)); !allowed {
		seconds := wsconn.RetryAfterSeconds(retry)
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
		writeHTTPError(w, http.StatusTooManyRequests, codeTooManyRequests,
			"Too many connection attempts; retry after "+strconv.Itoa(seconds)+" seconds.")
		return
	}
	names = dedupe(names)
	for _, name := range names {
		if !s.validStream(name) {
			writeHTTPError(w, http.StatusBadRequest, codeInvalidRequest, msgInvalidStream)
			return
		}
	}
	if len(names) > s.cfg.MaxStreamsPerConn {
		writeHTTPError(w, http.StatusBadRequest, codeInvalidRequest, msgTooManyStreams)
		return
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	sub := newSubscriber(combined)
	conn, err := wsconn.Accept(w, r, wsconn.Options{
		PingInterval:      s.cfg.PingInterval,
		PongTimeout:       s.cfg.PongTimeout,
		MaxLifetime:       s.cfg.MaxLifetime,
		MaxIncomingPerSec: s.cfg.MaxIncomingPerSec,
		SendBuffer:        s.cfg.SendBuffer,
		Now:               s.cfg.Now,
		Farewell:          func(now time.Time) []byte { return shutdownEvent(now, sub.combined.Load()) },
		Sent:              &s.sent,
	})
	if err != nil {
		return // Accept has answered the request
	}
	sub.conn = conn

	s.mu.Lock()
	if s.closed {
		conn.Drop()
	}
	s.subs[sub] = struct{}{}
	s.subscribeLocked(sub, names)
	s.mu.Unlock()

	conn.Serve(func(msg []byte) {
		if reply := s.handleControl(sub, msg); reply != nil {
			conn.Send(reply)
		}
	})

	s.mu.Lock()
	s.removeLocked(sub)
	s.mu.Unlock()
}

// shutdownEvent is Binance's serverShutdown event, sent before a connection
// reaches its maximum lifetime.
func shutdownEvent(now time.Time, combined bool) []byte {
	ev := `{"e":"serverShutdown","E":` + strconv.FormatInt(now.UnixMilli(), 10) + `}`
	if combined {
		return []byte(`{"stream":"!serverShutdown","data":` + ev + `}`)
	}
	return []byte(ev)
}

// DropAll closes every connection at once, without a close handshake (a
// fault: clients see the connection reset). New connections are accepted.
func (s *Server) DropAll() {
	for _, sub := range s.snapshot() {
		sub.conn.Drop()
	}
}

// SetStalled turns the stall fault on or off: while on, connections stay open
// and keep answering pings and control messages, but no market data is sent.
func (s *Server) SetStalled(on bool) { s.stalled.Store(on) }

// Stats is a point-in-time summary of the server.
type Stats struct {
	Connections  int   // open connections
	Streams      int   // distinct streams with at least one subscriber
	MessagesSent int64 // data messages written to sockets since New
}

// Stats returns the server's current counts.
func (s *Server) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Stats{Connections: len(s.subs), Streams: len(s.topics), MessagesSent: s.sent.Load()}
}

// Close closes every connection and waits until their goroutines have
// stopped. Later upgrade requests are refused with 503.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	for _, sub := range s.snapshot() {
		sub.conn.Drop()
	}
	s.wg.Wait()
}

func (s *Server) snapshot() []*subscriber {
	s.mu.RLock()
	defer s.mu.RUnlock()
	subs := make([]*subscriber, 0, len(s.subs))
	for sub := range s.subs {
		if sub.conn != nil {
			subs = append(subs, sub)
		}
	}
	return subs
}

func dedupe(names []string) []string {
	seen := make(map[string]struct{}, len(names))
	out := names[:0]
	for _, n := range names {
		if _, dup := seen[n]; !dup {
			seen[n] = struct{}{}
			out = append(out, n)
		}
	}
	return out
}

func writeHTTPError(w http.ResponseWriter, status, code int, msg string) {
	body, _ := json.Marshal(struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}{code, msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
