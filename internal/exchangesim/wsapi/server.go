package wsapi

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/streams/wsconn"
)

// connectWeight is what opening a WebSocket API connection costs, as on
// Binance.
const connectWeight = 2

// MaxMessageSize is the longest request message the server reads, in bytes:
// 64 KiB, the limit the simulator's REST API puts on a request body. Binance
// documents no figure; real requests are well under 2 KiB. A longer message
// (up to maxDiscardSize) is answered with a 400 -1101 error, with the
// request's id when the first MaxMessageSize bytes contain it and null
// otherwise, and the connection stays open.
const MaxMessageSize = 64 << 10

// maxDiscardSize is the longest message that is read to its end and
// answered; a longer one closes the connection with status 1009, since the
// server has to receive every byte of it.
const maxDiscardSize = 1 << 20

// Server is the WebSocket API server. It is safe for concurrent use; New
// starts no goroutines, each connection's goroutines live as long as the
// connection, and Close stops and waits for all of them.
type Server struct {
	cfg      Config
	attempts *wsconn.AttemptLimiter
	conns    *wsconn.Group
	execSeq  atomic.Int64 // executionReport "I" ids
	stalled  atomic.Bool

	mu        sync.RWMutex
	sessions  map[*session]struct{}
	byAccount map[string][]*subscription // slices are replaced, never changed
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
		conns:     wsconn.NewGroup(),
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
	if !s.attempts.Admit(w, r) {
		return
	}
	ip := wsconn.ClientIP(r)
	if s.cfg.Limits != nil {
		if d := s.cfg.Limits.Request(ip, connectWeight); d.Err != nil {
			wsconn.Refuse(w, d.Err, d.RetryAfter)
			return
		}
	}

	sess := newSession(ip, r.URL.Query().Get("returnRateLimits") != "false")
	opts := wsconn.Options{
		PingInterval: s.cfg.PingInterval,
		PongTimeout:  s.cfg.PongTimeout,
		MaxLifetime:  s.cfg.MaxLifetime,
		SendBuffer:   s.cfg.SendBuffer,
		ReadLimit:    MaxMessageSize,
		DiscardLimit: maxDiscardSize,
		TooLarge: func(head []byte) {
			reply, ban := s.handleTooLarge(sess, head)
			s.answer(sess, reply, ban)
		},
		Now:      s.cfg.Now,
		Farewell: shutdownEvent,
	}
	s.conns.Serve(w, r, opts,
		func(conn *wsconn.Conn) func([]byte) { return s.attach(sess, conn) },
		func() { s.detach(sess) })
}

// attach registers a new session and returns the handler of its requests.
func (s *Server) attach(sess *session, conn *wsconn.Conn) func(msg []byte) {
	sess.conn = conn
	s.mu.Lock()
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	return func(msg []byte) {
		reply, ban := s.handle(sess, msg)
		s.answer(sess, reply, ban)
	}
}

// answer sends a reply on the session's connection; attach has set it
// before any message is read.
func (s *Server) answer(sess *session, reply []byte, ban bool) {
	sess.conn.Send(reply)
	if ban {
		// Binance disconnects banned IPs once they have the answer.
		sess.conn.Finish(websocket.StatusPolicyViolation, "IP banned")
	}
}

// detach ends the subscriptions of a session that has ended.
func (s *Server) detach(sess *session) {
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
func (s *Server) DropAll() { s.conns.DropAll() }

// SetStalled turns the stall fault on or off. While on, connections stay
// open, answer requests and pings, and accept subscriptions, but no user-data
// event is sent: the events of that time are dropped, never delivered later,
// as from a stream that has gone silent. A client learns what it missed over
// REST.
func (s *Server) SetStalled(on bool) { s.stalled.Store(on) }

// Close closes every connection and waits until their goroutines have
// stopped. Later upgrade requests are refused with 503.
func (s *Server) Close() { s.conns.Close() }

// Sessions is the number of open connections.
func (s *Server) Sessions() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions)
}
