package streams

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
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
	conns     *wsconn.Group
	sent      atomic.Int64
	stalled   atomic.Bool
	bookSeq   atomic.Int64 // bookTicker update ids

	mu     sync.RWMutex
	subs   map[*subscriber]struct{}
	topics map[string][]*subscriber // stream → subscribers; slices are replaced, never changed

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
		conns:     wsconn.NewGroup(),
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
	if !s.attempts.Admit(w, r) {
		return
	}
	names = dedupe(names)
	for _, name := range names {
		if !s.validStream(name) {
			wsconn.Refuse(w, apierr.New(http.StatusBadRequest, codeInvalidRequest, msgInvalidStream), 0)
			return
		}
	}
	if len(names) > s.cfg.MaxStreamsPerConn {
		wsconn.Refuse(w, apierr.New(http.StatusBadRequest, codeInvalidRequest, msgTooManyStreams), 0)
		return
	}

	sub := newSubscriber(combined)
	opts := wsconn.Options{
		PingInterval:      s.cfg.PingInterval,
		PongTimeout:       s.cfg.PongTimeout,
		MaxLifetime:       s.cfg.MaxLifetime,
		MaxIncomingPerSec: s.cfg.MaxIncomingPerSec,
		SendBuffer:        s.cfg.SendBuffer,
		Now:               s.cfg.Now,
		Farewell:          func(now time.Time) []byte { return shutdownEvent(now, sub.combined.Load()) },
		Sent:              &s.sent,
	}
	s.conns.Serve(w, r, opts,
		func(conn *wsconn.Conn) func([]byte) { return s.attach(sub, conn, names) },
		func() { s.detach(sub) })
}

// attach subscribes a new connection to its initial streams and returns the
// handler of its control messages.
func (s *Server) attach(sub *subscriber, conn *wsconn.Conn, names []string) func(msg []byte) {
	sub.conn = conn
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.subscribeLocked(sub, names)
	s.mu.Unlock()
	return func(msg []byte) {
		if reply := s.handleControl(sub, msg); reply != nil {
			conn.Send(reply)
		}
	}
}

// detach forgets a connection that has ended.
func (s *Server) detach(sub *subscriber) {
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
func (s *Server) DropAll() { s.conns.DropAll() }

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
func (s *Server) Close() { s.conns.Close() }

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
