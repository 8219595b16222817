package marketdata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// readLimit is the largest message a session accepts; Binance's events are
// a few hundred bytes.
const readLimit = 1 << 20

// writeTimeout bounds one SUBSCRIBE or UNSUBSCRIBE write.
const writeTimeout = 10 * time.Second

// session is one WebSocket connection of a conn. Its reader goroutine keeps
// a read pending at all times, which is what answers the server's pings.
type session struct {
	conn *conn
	ws   *websocket.Conn

	// Owned by the conn's goroutine: what the server has subscribed on this
	// socket; unanswered SUBSCRIBE requests by id; halves of refused
	// batches still to be tried apart, and the streams in them.
	actual  map[string]struct{}
	pending map[int64][]string
	probes  [][]string
	probing map[string]bool
	limiter *rate.Limiter // paces control messages
	nextID  int64

	refusedMu sync.Mutex
	refused   []int64 // ids of refused requests, from the reader

	opened    int64        // hub clock, unix ns
	lastFrame atomic.Int64 // hub clock, unix ns: last data message or ping

	replied atomic.Int64  // the highest control reply id received
	replyC  chan struct{} // capacity 1: a control reply arrived

	// While holding, the reader keeps messages back instead of
	// dispatching them: a rotation's successor waits until its
	// predecessor has delivered everything it was sent.
	holdMu  sync.Mutex
	holding bool
	held    []heldMessage

	done         chan struct{} // the reader has returned
	firstData    chan struct{} // closed on the first stream event
	firstOnce    sync.Once
	shutdown     chan struct{} // closed on serverShutdown
	shutdownOnce sync.Once
	closeOnce    sync.Once
}

// heldMessage is a message kept back by a holding session.
type heldMessage struct {
	msg []byte
	at  time.Time
}

// maxHeldMessages bounds what a holding session keeps back; beyond it,
// the session stops holding.
const maxHeldMessages = 1 << 16

func newSession(c *conn, inURL []string, hold bool) *session {
	s := &session{
		holding:   hold,
		conn:      c,
		actual:    make(map[string]struct{}, len(inURL)),
		pending:   make(map[int64][]string),
		probing:   make(map[string]bool),
		limiter:   rate.NewLimiter(rate.Limit(c.feed.hub.opts.ControlRate), 1),
		done:      make(chan struct{}),
		firstData: make(chan struct{}),
		shutdown:  make(chan struct{}),
		replyC:    make(chan struct{}, 1),
	}
	for _, n := range inURL {
		s.actual[n] = struct{}{}
	}
	s.opened = c.feed.hub.opts.Now().UnixNano()
	s.lastFrame.Store(s.opened)
	return s
}

func (s *session) touch() {
	s.lastFrame.Store(s.conn.feed.hub.opts.Now().UnixNano())
}

func (s *session) markData() { s.firstOnce.Do(func() { close(s.firstData) }) }

func (s *session) signalShutdown() { s.shutdownOnce.Do(func() { close(s.shutdown) }) }

func (s *session) shutdownSignaled() bool {
	select {
	case <-s.shutdown:
		return true
	default:
		return false
	}
}

// onPing records a server ping and lets the library answer it.
func (s *session) onPing(context.Context, []byte) bool {
	s.touch()
	s.conn.feed.pings.Add(1)
	return true
}

// read reads messages until the socket fails or is closed, dispatching
// each one to the feed on this goroutine.
func (s *session) read() {
	defer close(s.done)
	f := s.conn.feed
	var buf bytes.Buffer
	for {
		// No deadline: close stops a blocked read.
		_, r, err := s.ws.Reader(context.Background())
		if err != nil {
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return
		}
		now := f.hub.opts.Now()
		s.lastFrame.Store(now.UnixNano())
		s.deliver(buf.Bytes(), now)
	}
}

// deliver dispatches a message, or keeps a copy back while holding.
func (s *session) deliver(msg []byte, at time.Time) {
	s.holdMu.Lock()
	defer s.holdMu.Unlock()
	if s.holding {
		if len(s.held) < maxHeldMessages {
			if len(msg) > len(streamPrefix) && string(msg[:len(streamPrefix)]) == streamPrefix {
				s.markData()
			}
			s.held = append(s.held, heldMessage{msg: bytes.Clone(msg), at: at})
			return
		}
		s.releaseLocked()
	}
	s.conn.feed.dispatch(s, msg, at)
}

// release stops holding and dispatches what was kept back, in order, before
// the reader dispatches anything newer.
func (s *session) release() {
	s.holdMu.Lock()
	defer s.holdMu.Unlock()
	s.releaseLocked()
}

func (s *session) releaseLocked() {
	s.holding = false
	held := s.held
	s.held = nil
	for _, m := range held {
		s.conn.feed.dispatch(s, m.msg, m.at)
	}
}

// close closes the socket without a handshake and waits for the reader.
func (s *session) close() {
	s.closeOnce.Do(func() { _ = s.ws.CloseNow() })
	<-s.done
}

// alive reports whether the reader is still running.
func (s *session) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// controlRequest is a SUBSCRIBE or UNSUBSCRIBE message.
type controlRequest struct {
	Method string   `json:"method"`
	Params []string `json:"params"`
	ID     int64    `json:"id"`
}

// gotReply records the answer to a control message and wakes the conn to
// act on it. A refusal is recorded before the high-water mark moves, so the
// conn never takes a refused request for an accepted one.
func (s *session) gotReply(id json.RawMessage, refused bool) {
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil {
		return // not one of ours
	}
	if refused {
		s.refusedMu.Lock()
		s.refused = append(s.refused, n)
		s.refusedMu.Unlock()
		s.conn.poke()
	}
	for {
		cur := s.replied.Load()
		if n <= cur || s.replied.CompareAndSwap(cur, n) {
			break
		}
	}
	select {
	case s.replyC <- struct{}{}:
	default:
	}
}

// settled returns the ids of requests answered so far that were refused,
// and forgets the accepted ones.
func (s *session) settled() (refused []int64) {
	answered := s.replied.Load()
	s.refusedMu.Lock()
	refused, s.refused = s.refused, nil
	s.refusedMu.Unlock()
	for id := range s.pending {
		if id <= answered && !slices.Contains(refused, id) {
			delete(s.pending, id)
		}
	}
	return refused
}

// drain unsubscribes every stream of the session and waits for the reply to
// the last request, so every event sent before it has been read.
func (s *session) drain(ctx context.Context) error {
	names := make([]string, 0, len(s.actual))
	for n := range s.actual {
		names = append(names, n)
	}
	slices.Sort(names)
	for len(names) > 0 {
		chunk := names[:min(len(names), maxParamsPerMessage)]
		names = names[len(chunk):]
		if _, err := s.send(ctx, "UNSUBSCRIBE", chunk); err != nil {
			return err
		}
		for _, n := range chunk {
			delete(s.actual, n)
		}
	}
	last := s.nextID
	for s.replied.Load() < last {
		select {
		case <-s.replyC:
		case <-s.done:
			return errors.New("connection closed before the reply")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// send writes one control message after waiting for the pacing limiter,
// and returns its id.
func (s *session) send(ctx context.Context, method string, names []string) (int64, error) {
	if err := s.limiter.Wait(ctx); err != nil {
		return 0, err
	}
	s.nextID++
	msg, err := json.Marshal(controlRequest{Method: method, Params: names, ID: s.nextID})
	if err != nil {
		return 0, err
	}
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := s.ws.Write(wctx, websocket.MessageText, msg); err != nil {
		return 0, err
	}
	s.conn.feed.fm.controls.Inc()
	if method == "SUBSCRIBE" {
		s.pending[s.nextID] = names
	}
	return s.nextID, nil
}
