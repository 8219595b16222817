package wsapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/streams/wsconn"
)

// connectWeight is what opening a WebSocket API connection costs, as on
// Binance.
const connectWeight = 2

// Server is the WebSocket API server. It is safe for concurrent use; New
// starts no goroutines, each connection's goroutines live as long as the
// connection, and Close stops and waits for all of them.
type Server struct {
	cfg      Config
	attempts *wsconn.AttemptLimiter
	execSeq  atomic.Int64 // executionReport "I" ids

	mu        sync.RWMutex
	closed    bool
	sessions  map[*session]struct{}
	byAccount map[string][]*subscription // slices are replaced, never changed
	wg        sync.WaitGroup
}

// session is one WebSocket API connection.
type session struct {
	conn             *wsconn.Conn // nil when a test drives requests directly
	ip               string
	returnRateLimits bool // the connection's default, from ?returnRateLimits=

	// Guarded by Server.mu.
	subs    map[int64]*subscription
	nextSub int64
}

// subscription is one account's user-data stream on one session.
type subscription struct {
	id      int64
	account string
	sess    *session
	head    []byte // {"subscriptionId":<id>,"event":
}

// New returns a server; see Config for the defaults.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	return &Server{
		cfg:       cfg,
		attempts:  wsconn.NewAttemptLimiter(cfg.MaxConnAttempts, cfg.ConnAttemptWindow, cfg.Now),
		sessions:  make(map[*session]struct{}),
		byAccount: make(map[string][]*subscription),
	}
}

func newSession(ip string, returnRateLimits bool) *session {
	return &session{ip: ip, returnRateLimits: returnRateLimits, subs: make(map[int64]*subscription)}
}

// ServeHTTP upgrades the request to a WebSocket API session and serves it
// until it ends. Connecting costs request weight like on Binance; attempts
// beyond the per-IP limit, or from a rate-limited or banned IP, are refused
// before the upgrade.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := wsconn.ClientIP(r)
	if allowed, retry := s.attempts.Allow(ip); !allowed {
		seconds := wsconn.RetryAfterSeconds(retry)
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
		writeHTTPError(w, apierr.New(http.StatusTooManyRequests, apierr.CodeTooManyRequests,
			"Too many connection attempts; retry after "+strconv.Itoa(seconds)+" seconds."))
		return
	}
	if s.cfg.Limits != nil {
		if d := s.cfg.Limits.Request(ip, connectWeight); d.Err != nil {
			w.Header().Set("Retry-After", strconv.Itoa(wsconn.RetryAfterSeconds(d.RetryAfter)))
			writeHTTPError(w, d.Err)
			return
		}
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

	sess := newSession(ip, r.URL.Query().Get("returnRateLimits") != "false")
	conn, err := wsconn.Accept(w, r, wsconn.Options{
		PingInterval: s.cfg.PingInterval,
		PongTimeout:  s.cfg.PongTimeout,
		MaxLifetime:  s.cfg.MaxLifetime,
		SendBuffer:   s.cfg.SendBuffer,
		Now:          s.cfg.Now,
		Farewell:     shutdownEvent,
	})
	if err != nil {
		return // Accept has answered the request
	}
	sess.conn = conn

	s.mu.Lock()
	if s.closed {
		conn.Drop()
	}
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()

	conn.Serve(func(msg []byte) {
		reply, ban := s.handle(sess, msg)
		conn.Send(reply)
		if ban {
			// Binance disconnects banned IPs once they have the answer.
			conn.Finish(websocket.StatusPolicyViolation, "IP banned")
		}
	})

	s.mu.Lock()
	s.unsubscribeAllLocked(sess)
	delete(s.sessions, sess)
	s.mu.Unlock()
}

// shutdownEvent is the serverShutdown event sent before a connection
// reaches its maximum lifetime, in the WebSocket API's event wrapper.
func shutdownEvent(now time.Time) []byte {
	return []byte(`{"event":{"e":"serverShutdown","E":` + strconv.FormatInt(now.UnixMilli(), 10) + `}}`)
}

// DropAll closes every connection at once, without a close handshake (a
// fault). New connections are accepted.
func (s *Server) DropAll() {
	for _, sess := range s.snapshot() {
		sess.conn.Drop()
	}
}

// Close closes every connection and waits until their goroutines have
// stopped. Later upgrade requests are refused with 503.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	for _, sess := range s.snapshot() {
		sess.conn.Drop()
	}
	s.wg.Wait()
}

func (s *Server) snapshot() []*session {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		if sess.conn != nil {
			out = append(out, sess)
		}
	}
	return out
}

// Sessions is the number of open connections.
func (s *Server) Sessions() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions)
}

func writeHTTPError(w http.ResponseWriter, e *apierr.Error) {
	body, _ := json.Marshal(e)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
