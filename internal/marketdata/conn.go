package marketdata

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/coder/websocket"
)

// maxURLLength bounds the dial URL; streams that do not fit are subscribed
// with control messages once the connection is open.
const maxURLLength = 2048

// maxParamsPerMessage bounds the streams named by one control message.
const maxParamsPerMessage = 100

// conn is one logical connection of a feed: a set of at most
// MaxStreamsPerConn streams, kept subscribed across reconnects and
// rotations by one goroutine.
type conn struct {
	feed *feed
	id   int

	desired map[string]*stream // guarded by feed.mu

	ctx    context.Context // set by start, under the hub's lock
	cancel context.CancelFunc

	connected atomic.Bool // a session is open
	wake      chan struct{}

	mu    sync.Mutex
	resub map[string]struct{} // stale streams to resubscribe

	// redialAt is when the watchdog asked for the session to be replaced
	// (hub clock, unix ns; zero for no request).
	redialAt atomic.Int64
}

func newConn(f *feed, id int) *conn {
	return &conn{
		feed:    f,
		id:      id,
		desired: make(map[string]*stream),
		wake:    make(chan struct{}, 1),
		resub:   make(map[string]struct{}),
	}
}

// start runs the connection until ctx ends or stop is called. The caller
// has added one to the hub's WaitGroup.
func (c *conn) start(ctx context.Context) {
	c.ctx, c.cancel = context.WithCancel(ctx)
	go c.run()
}

// stop ends the connection (feed.mu is held); a conn never started has
// nothing to stop.
func (c *conn) stop() {
	if c.cancel != nil {
		c.cancel()
	}
}

// poke tells the goroutine that the desired streams changed.
func (c *conn) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *conn) requestResubscribe(name string) {
	c.mu.Lock()
	c.resub[name] = struct{}{}
	c.mu.Unlock()
	c.poke()
}

// requestRedial asks for the session open at now to be closed and dialled
// again: none of its streams delivers data.
func (c *conn) requestRedial(now time.Time) {
	c.redialAt.Store(now.UnixNano())
	c.poke()
}

// redialDue takes a pending redial request, if it was made while sess was
// open: a request about an earlier session is moot.
func (c *conn) redialDue(sess *session) bool {
	at := c.redialAt.Swap(0)
	return at != 0 && at >= sess.opened
}

// newestMessageLocked is when any stream of c last delivered a message
// (feed.mu held).
func (c *conn) newestMessageLocked() time.Time {
	var newest int64
	for _, st := range c.desired {
		newest = max(newest, st.lastMsg.Load())
	}
	return time.Unix(0, newest)
}

// logRedial is logged, with the backoff wait "in", when a stalled
// connection is closed to be dialled again.
const logRedial = "no stream of the connection delivers data, even resubscribed; redialling"

// sessionEnd says why serve returned.
type sessionEnd int

const (
	sessionStopped sessionEnd = iota // the connection is being stopped
	sessionRotated                   // a successor took over
	sessionLost                      // the socket failed or went idle
	sessionStalled                   // open, but none of its streams delivers data
)

// run dials, serves and redials until the connection is stopped.
func (c *conn) run() {
	defer c.feed.hub.wg.Done()
	f := c.feed
	log := f.hub.log.WithValues("url", f.shown, "conn", c.id)
	bo := f.hub.newBackoff()
	var sess *session
	defer func() {
		if sess != nil {
			sess.close()
		}
		c.setConnected(false)
	}()
	for {
		if sess == nil {
			s, err := c.connect(false)
			if err != nil {
				if c.ctx.Err() != nil {
					return
				}
				wait := bo.NextBackOff()
				log.Info("connection failed; retrying", "error", err.Error(), "in", wait)
				if sleep(c.ctx, wait) != nil {
					return
				}
				continue
			}
			sess = s
		}
		next, end := c.serve(sess, bo)
		if c.ctx.Err() != nil || end == sessionStopped {
			return
		}
		if end == sessionRotated {
			sess = next
			continue
		}
		sess.close()
		sess = nil
		c.setConnected(false)
		// The backoff is reset only by data on a new session, so redials
		// against a server that stays stalled wait longer and longer.
		wait := bo.NextBackOff()
		if end == sessionStalled {
			f.noteRedial(c)
			log.Info(logRedial, "in", wait)
		} else {
			f.noteReconnect(c)
			log.Info("connection lost; reconnecting", "in", wait)
		}
		if sleep(c.ctx, wait) != nil {
			return
		}
	}
}

func (c *conn) setConnected(on bool) {
	if c.connected.Swap(on) != on {
		if on {
			c.feed.fm.connections.Inc()
		} else {
			c.feed.fm.connections.Dec()
		}
	}
}

// connect dials a session subscribed to the desired streams (as many as
// fit in the URL; reconcile subscribes the rest). A holding session keeps
// its messages back until released.
func (c *conn) connect(hold bool) (*session, error) {
	f := c.feed
	names := f.desiredNames(c)
	if len(names) == 0 {
		return nil, errors.New("no streams") // being stopped
	}
	inURL := names
	for len(combinedURL(f.url, inURL)) > maxURLLength && len(inURL) > 1 {
		inURL = inURL[:len(inURL)/2]
	}
	sess, status, err := c.dial(inURL, hold)
	if err != nil && status == http.StatusBadRequest {
		// One refused stream in the URL refuses them all: dial bare and
		// subscribe in batches, which tells the refused ones apart.
		f.hub.log.Info("the exchange refused the streams in the URL; subscribing them in batches", "url", f.shown, "conn", c.id)
		inURL = nil
		sess, _, err = c.dial(nil, hold)
	}
	if err != nil {
		return nil, err
	}
	if len(inURL) < len(names) {
		c.poke() // subscribe the rest
	}
	return sess, nil
}

// dial waits for an attempt slot and opens a session subscribed to inURL,
// returning the HTTP status of a refused handshake.
func (c *conn) dial(inURL []string, hold bool) (*session, int, error) {
	f := c.feed
	if err := f.hub.attempts.wait(c.ctx); err != nil {
		return nil, 0, err
	}
	sess := newSession(c, inURL, hold)
	dctx, cancel := context.WithTimeout(c.ctx, f.hub.opts.DialTimeout)
	ws, resp, err := f.hub.opts.Dial(dctx, combinedURL(f.url, inURL), &websocket.DialOptions{OnPingReceived: sess.onPing})
	cancel()
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return nil, status, err
	}
	ws.SetReadLimit(readLimit)
	sess.ws = ws
	f.markSubscribed(inURL, f.hub.opts.Now())
	c.setConnected(true) // before any event can be delivered
	go sess.read()
	return sess, http.StatusSwitchingProtocols, nil
}

// serve runs sess until it is lost, stalled, replaced by a rotation (next)
// or the connection is stopped.
func (c *conn) serve(sess *session, bo *backoff.ExponentialBackOff) (next *session, end sessionEnd) {
	opts := c.feed.hub.opts
	lifetime := time.NewTimer(jitterBelow(opts.MaxLifetime))
	defer lifetime.Stop()
	idle := time.NewTicker(max(opts.IdleTimeout/4, time.Millisecond))
	defer idle.Stop()
	firstData := sess.firstData
	c.poke() // reconcile anything that changed while dialling
	for {
		select {
		case <-c.ctx.Done():
			return nil, sessionStopped
		case <-sess.done:
			if sess.shutdownSignaled() {
				// The server said goodbye before closing: replace the
				// connection at once, as a rotation.
				if n := c.rotate(sess); n != nil {
					return n, sessionRotated
				}
			}
			return nil, sessionLost
		case <-firstData:
			bo.Reset()
			firstData = nil
		case <-c.wake:
			if c.redialDue(sess) {
				return nil, sessionStalled
			}
			c.settle(sess)
			if err := c.reconcile(sess); err != nil {
				if c.ctx.Err() != nil {
					return nil, sessionStopped
				}
				return nil, sessionLost
			}
		case <-idle.C:
			if opts.Now().Sub(time.Unix(0, sess.lastFrame.Load())) > opts.IdleTimeout {
				c.feed.hub.log.Info("connection silent, not even pings; redialling", "url", c.feed.shown, "conn", c.id)
				return nil, sessionLost
			}
		case <-sess.shutdown:
			// The server closes the socket right after this notice.
			if n := c.rotate(sess); n != nil {
				return n, sessionRotated
			}
			return nil, sessionLost
		case <-lifetime.C:
			if n := c.rotate(sess); n != nil {
				return n, sessionRotated
			}
			if !sess.alive() {
				return nil, sessionLost
			}
			lifetime.Reset(bo.NextBackOff()) // the old connection still works: try again later
		}
	}
}

// rotate opens a successor to old and makes it take over without a gap or
// a reordering: the successor holds its messages back while old, once the
// successor has data, is unsubscribed and read to the end (the reply to
// the UNSUBSCRIBE comes after every event old was sent); then old is closed
// and the successor releases what it held. Events both delivered are
// de-duplicated by the streams. It returns nil if the successor could not
// be opened.
func (c *conn) rotate(old *session) *session {
	next, err := c.connect(true)
	if err != nil {
		if c.ctx.Err() == nil {
			c.feed.hub.log.Info("rotation: new connection failed", "url", c.feed.shown, "conn", c.id, "error", err.Error())
		}
		return nil
	}
	if old.alive() {
		ctx, cancel := context.WithTimeout(c.ctx, c.feed.hub.opts.RotationOverlap)
		select {
		case <-next.firstData:
		case <-next.done:
		case <-ctx.Done():
		}
		if next.alive() && old.alive() {
			if err := old.drain(ctx); err != nil && c.ctx.Err() == nil {
				c.feed.hub.log.V(1).Info("rotation: old connection not drained", "url", c.feed.shown, "conn", c.id, "error", err.Error())
			}
		}
		cancel()
	}
	old.close()
	next.release()
	if c.ctx.Err() != nil || !next.alive() {
		next.close()
		return nil
	}
	c.feed.noteRotation()
	return next
}

// settle acts on refused SUBSCRIBE requests: a refused batch is split in
// halves, tried apart, until the refused stream stands alone and is marked
// rejected, so one bad stream never keeps the others of its connection
// down.
func (c *conn) settle(sess *session) {
	for _, id := range sess.settled() {
		names, ok := sess.pending[id]
		if !ok {
			continue // an UNSUBSCRIBE: nothing to undo
		}
		delete(sess.pending, id)
		for _, n := range names {
			delete(sess.actual, n)
		}
		if len(names) == 1 {
			c.feed.reject(c, names[0])
			continue
		}
		half := len(names) / 2
		sess.probes = append(sess.probes, names[:half], names[half:])
		for _, n := range names {
			sess.probing[n] = true
		}
	}
}

// reconcile sends at most one control message moving the server's
// subscriptions on sess towards the desired ones: UNSUBSCRIBE first
// (dropped streams, and stale ones to be subscribed again), then the halves
// of refused batches, then SUBSCRIBE. After a message it pokes itself, and
// the next call finds what remains.
func (c *conn) reconcile(sess *session) error {
	f := c.feed
	// Stale streams are unsubscribed, then subscribed again like new ones;
	// a request for a stream this session does not carry is moot.
	c.mu.Lock()
	resub := c.resub
	c.resub = make(map[string]struct{})
	c.mu.Unlock()

	var unsub, sub []string
	method := "UNSUBSCRIBE"
	f.mu.RLock()
	for name := range sess.actual {
		_, want := c.desired[name]
		_, stale := resub[name]
		if !want || stale {
			unsub = append(unsub, name)
		}
	}
	if len(unsub) == 0 {
		method = "SUBSCRIBE"
		if sub = c.nextProbeLocked(sess); sub == nil {
			for name, st := range c.desired {
				if _, ok := sess.actual[name]; !ok && !st.rejected.Load() && !sess.probing[name] {
					sub = append(sub, name)
				}
			}
		}
	}
	f.mu.RUnlock()

	names := unsub
	if method == "SUBSCRIBE" {
		names = sub
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	names = names[:min(len(names), maxParamsPerMessage)]
	// Resubscribe requests not served by this message wait for the next.
	c.mu.Lock()
	for name := range resub {
		if _, carried := sess.actual[name]; carried && (method != "UNSUBSCRIBE" || !slices.Contains(names, name)) {
			c.resub[name] = struct{}{}
		}
	}
	c.mu.Unlock()
	if _, err := sess.send(c.ctx, method, names); err != nil {
		return err
	}
	if method == "UNSUBSCRIBE" {
		resubscribed := 0
		for _, n := range names {
			delete(sess.actual, n)
			if _, ok := resub[n]; ok {
				resubscribed++
			}
		}
		if resubscribed > 0 {
			f.resubscribes.Add(int64(resubscribed))
			f.fm.resubscribes.Add(float64(resubscribed))
			f.hub.log.Info("resubscribing silent streams", "url", f.shown, "conn", c.id, "streams", resubscribed)
		}
	} else {
		for _, n := range names {
			sess.actual[n] = struct{}{}
		}
		f.markSubscribed(names, f.hub.opts.Now())
	}
	c.poke()
	return nil
}

// nextProbeLocked takes the next half of a refused batch, keeping only the
// streams still wanted and not yet subscribed (feed.mu held for reading).
func (c *conn) nextProbeLocked(sess *session) []string {
	for len(sess.probes) > 0 {
		batch := sess.probes[0]
		sess.probes = sess.probes[1:]
		var names []string
		for _, n := range batch {
			delete(sess.probing, n)
			st := c.desired[n]
			if _, subscribed := sess.actual[n]; st != nil && !subscribed && !st.rejected.Load() {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			return names
		}
	}
	return nil
}

// jitterBelow returns d shortened by up to 2%, so connections opened
// together do not all rotate at the same moment.
func jitterBelow(d time.Duration) time.Duration {
	return d - time.Duration(rand.Int64N(int64(d)/50+1))
}
