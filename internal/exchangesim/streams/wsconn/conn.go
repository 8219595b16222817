package wsconn

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// writeTimeout bounds the few writes that do not go through the queue (the
// farewell message); queued writes are unblocked by closing the socket.
const writeTimeout = 5 * time.Second

// Conn is one accepted WebSocket connection. Send may be called from any
// goroutine at any time; Serve must be called exactly once after Accept.
type Conn struct {
	ws   *websocket.Conn
	raw  *corkedConn
	opts Options
	rate incomingRate

	// ctx is canceled when the connection must end; end records how.
	ctx      context.Context
	cancel   context.CancelFunc
	endOnce  sync.Once
	graceful bool
	code     websocket.StatusCode
	reason   string

	mu        sync.Mutex // guards the fields up to wake
	queue     [][]byte
	ended     bool
	served    bool
	finishing bool // Finish was called: close once the queue is empty
	finCode   websocket.StatusCode
	finReason string
	wake      chan struct{}

	wg sync.WaitGroup
}

// ErrNotHijackable is returned by Accept when the ResponseWriter cannot hand
// over its connection.
var ErrNotHijackable = errors.New("wsconn: response writer cannot be hijacked")

// Accept upgrades the request to a WebSocket connection. On error the
// response has been written. Every origin is accepted, as Binance does.
func Accept(w http.ResponseWriter, r *http.Request, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	c := &Conn{opts: opts, wake: make(chan struct{}, 1)}
	c.rate = incomingRate{max: opts.MaxIncomingPerSec, now: opts.Now}
	cw := &corkingWriter{ResponseWriter: w}
	ws, err := websocket.Accept(cw, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true,
		OnPingReceived: func(context.Context, []byte) bool {
			c.countIncoming()
			return true
		},
		OnPongReceived: func(context.Context, []byte) { c.countIncoming() },
	})
	if err != nil {
		return nil, err
	}
	if cw.conn == nil { // accepted without our Hijack: cannot batch writes
		_ = ws.CloseNow()
		return nil, ErrNotHijackable
	}
	if opts.TooLarge != nil {
		ws.SetReadLimit(opts.DiscardLimit) // readMessage enforces ReadLimit itself
	} else {
		ws.SetReadLimit(opts.ReadLimit)
	}
	c.ws, c.raw = ws, cw.conn
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Serve runs the connection until it ends: it starts the writer and the
// keepalive goroutines, calls handle for every message the client sends (on
// this goroutine, in order), and returns once everything has stopped and the
// socket is closed.
func (c *Conn) Serve(handle func(msg []byte)) {
	c.mu.Lock()
	if c.served {
		c.mu.Unlock()
		return
	}
	c.served = true
	c.mu.Unlock()

	c.wg.Add(2)
	go c.writeLoop()
	go c.supervise()
	if handle == nil {
		handle = func([]byte) {}
	}
	c.readLoop(handle)
	c.end(false, websocket.StatusNormalClosure, "")
	c.wg.Wait()
}

// Send queues msg for the client without blocking. msg must not change
// afterwards; the same slice may be sent to many connections. It reports
// false when the connection has ended, or when the queue is full, in which
// case the connection is dropped.
func (c *Conn) Send(msg []byte) bool {
	c.mu.Lock()
	if c.ended || c.finishing {
		c.mu.Unlock()
		return false
	}
	if len(c.queue) >= c.opts.SendBuffer {
		c.mu.Unlock()
		c.Drop()
		return false
	}
	c.queue = append(c.queue, msg)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// Close ends the connection with a close handshake carrying code and reason.
func (c *Conn) Close(code websocket.StatusCode, reason string) {
	c.end(true, code, reason)
}

// Finish closes the connection like Close once every message queued so far
// has been written; later Sends are refused.
func (c *Conn) Finish(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.ended || c.finishing {
		c.mu.Unlock()
		return
	}
	c.finishing, c.finCode, c.finReason = true, code, reason
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Drop ends the connection at once, without a close handshake.
func (c *Conn) Drop() {
	c.end(false, websocket.StatusNormalClosure, "")
}

// Done is closed when the connection has started to end.
func (c *Conn) Done() <-chan struct{} { return c.ctx.Done() }

// end records the first way the connection was asked to end and wakes the
// goroutines that act on it. It never blocks.
func (c *Conn) end(graceful bool, code websocket.StatusCode, reason string) {
	c.endOnce.Do(func() {
		c.mu.Lock()
		c.ended = true
		c.queue = nil
		c.mu.Unlock()
		c.graceful, c.code, c.reason = graceful, code, reason
		c.cancel()
	})
}

func (c *Conn) countIncoming() bool {
	if c.rate.allow() {
		return true
	}
	c.Close(websocket.StatusPolicyViolation, "Too many messages")
	return false
}

func (c *Conn) readLoop(handle func(msg []byte)) {
	for {
		msg, tooLarge, err := c.readMessage()
		if err != nil {
			return
		}
		if !c.countIncoming() {
			return
		}
		if tooLarge {
			c.opts.TooLarge(msg)
			continue
		}
		handle(msg)
	}
}

// readMessage reads the next data message. With a TooLarge callback, a
// message longer than ReadLimit yields its first ReadLimit bytes and
// tooLarge; the rest of it is consumed, so the next message can be read.
func (c *Conn) readMessage() (msg []byte, tooLarge bool, err error) {
	// No deadline: the socket is closed to stop a blocked read.
	_, r, err := c.ws.Reader(context.Background())
	if err != nil {
		return nil, false, err
	}
	if c.opts.TooLarge == nil {
		msg, err = io.ReadAll(r) // the socket's own limit is ReadLimit
		return msg, false, err
	}
	msg, err = io.ReadAll(io.LimitReader(r, c.opts.ReadLimit+1))
	if err != nil || int64(len(msg)) <= c.opts.ReadLimit {
		return msg, false, err
	}
	// Past DiscardLimit the socket's limit fails this copy and closes the
	// connection with 1009.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, false, err
	}
	return msg[:c.opts.ReadLimit], true, nil
}

func (c *Conn) writeLoop() {
	defer c.wg.Done()
	var batch [][]byte
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wake:
		}
		c.mu.Lock()
		batch, c.queue = c.queue, batch[:0]
		finishing, code, reason := c.finishing, c.finCode, c.finReason
		c.mu.Unlock()
		if err := c.writeBatch(batch); err != nil {
			c.Drop()
			return
		}
		clear(batch)
		// Sends stopped when finishing was set, so this batch was the last.
		if finishing {
			c.Close(code, reason)
			return
		}
	}
}

// writeBatch writes every message of batch with as few socket writes as the
// cork allows.
func (c *Conn) writeBatch(batch [][]byte) error {
	if len(batch) == 0 {
		return nil
	}
	c.raw.cork()
	for _, msg := range batch {
		// No deadline: a stuck client is dropped by closing the socket.
		if err := c.ws.Write(context.Background(), websocket.MessageText, msg); err != nil {
			_ = c.raw.uncork()
			return err
		}
	}
	if err := c.raw.uncork(); err != nil {
		return err
	}
	if c.opts.Sent != nil {
		c.opts.Sent.Add(int64(len(batch)))
	}
	return nil
}

// supervise pings the client, enforces the lifetime and, once the connection
// has been asked to end, closes the socket, which stops the other goroutines.
func (c *Conn) supervise() {
	defer c.wg.Done()
	var pings, lifetime <-chan time.Time
	if c.opts.PingInterval > 0 {
		t := time.NewTicker(c.opts.PingInterval)
		defer t.Stop()
		pings = t.C
	}
	if c.opts.MaxLifetime > 0 {
		t := time.NewTimer(c.opts.MaxLifetime)
		defer t.Stop()
		lifetime = t.C
	}
	for {
		select {
		case <-c.ctx.Done():
			c.closeSocket()
			return
		case <-pings:
			if !c.ping() {
				c.Drop()
			}
		case <-lifetime:
			c.farewell()
			c.Close(websocket.StatusGoingAway, "Connection lifetime reached")
		}
	}
}

// ping sends a ping frame and reports whether its pong came back in time.
func (c *Conn) ping() bool {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.PongTimeout)
	defer cancel()
	return c.ws.Ping(ctx) == nil
}

func (c *Conn) farewell() {
	if c.opts.Farewell == nil {
		return
	}
	msg := c.opts.Farewell(c.opts.Now())
	ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
	defer cancel()
	if c.ws.Write(ctx, websocket.MessageText, msg) == nil && c.opts.Sent != nil {
		c.opts.Sent.Add(1)
	}
}

func (c *Conn) closeSocket() {
	if c.graceful {
		_ = c.ws.Close(c.code, c.reason)
		return
	}
	_ = c.ws.CloseNow()
}
