package marketdata

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/go-logr/logr"
)

// Errors returned by the Hub.
var (
	// ErrAlreadyStarted: Start was called twice.
	ErrAlreadyStarted = errors.New("marketdata: hub already started")
	// ErrHubStopped: the hub has stopped and takes no more subscriptions.
	ErrHubStopped = errors.New("marketdata: hub stopped")
)

type hubPhase int

const (
	hubNew     hubPhase = iota // subscriptions are recorded; nothing is dialled
	hubRunning                 // connections run
	hubStopped                 // Start has returned or is returning
)

// Hub shares market-data WebSocket streams among every subscriber in the
// process. Its methods are safe for concurrent use. Subscriptions may be
// made before Start; their connections open when it runs.
type Hub struct {
	opts     Options
	bounds   staleBounds // fixed at NewHub
	log      logr.Logger
	attempts *attemptLimiter

	mu     sync.Mutex // guards phase, ctx and feeds; taken before any feed's lock
	phase  hubPhase
	ctx    context.Context // Start's context; parent of every connection and backfill
	cancel context.CancelFunc
	feeds  map[string]*feed

	wg sync.WaitGroup // connections and backfills
}

// NewHub returns a hub that dials nothing until Start.
func NewHub(opts Options) *Hub {
	opts = opts.withDefaults()
	return &Hub{
		opts:     opts,
		bounds:   opts.staleBounds(),
		log:      opts.Logger.WithName("marketdata"),
		attempts: newAttemptLimiter(opts.ConnAttempts, opts.ConnAttemptWindow, opts.Now),
		feeds:    make(map[string]*feed),
	}
}

// NeedLeaderElection reports true: the hub feeds bots, which only the
// elected replica runs.
func (h *Hub) NeedLeaderElection() bool { return true }

// Start opens the connections of every subscription and runs the staleness
// watchdog until ctx ends. Then it closes every connection and
// subscription, waits for all of the hub's goroutines and returns. Start may
// be called once.
func (h *Hub) Start(ctx context.Context) error {
	h.mu.Lock()
	if h.phase != hubNew {
		h.mu.Unlock()
		return ErrAlreadyStarted
	}
	h.phase = hubRunning
	h.ctx, h.cancel = context.WithCancel(ctx)
	for _, f := range h.feeds {
		f.mu.Lock()
		for _, c := range f.conns {
			h.startConnLocked(c)
		}
		f.mu.Unlock()
	}
	h.mu.Unlock()

	h.watch(h.ctx)
	h.shutdown()
	return nil
}

// startConnLocked starts c if the hub runs (h.mu held).
func (h *Hub) startConnLocked(c *conn) {
	if h.phase != hubRunning {
		return
	}
	h.wg.Add(1)
	c.start(h.ctx)
}

// watch checks every feed's streams for silence until ctx ends.
func (h *Hub) watch(ctx context.Context) {
	every := max(min(h.bounds.shortest(), h.opts.IdleTimeout)/4, 10*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := h.opts.Now()
			for _, f := range h.feedList() {
				f.checkStale(now)
			}
		}
	}
}

// shutdown stops every connection and backfill, then closes every
// subscription.
func (h *Hub) shutdown() {
	h.mu.Lock()
	h.phase = hubStopped
	h.cancel()
	h.mu.Unlock()
	h.wg.Wait()
	for _, f := range h.feedList() {
		f.mu.RLock()
		subs := make([]*Subscription, 0, len(f.subs))
		for sub := range f.subs {
			subs = append(subs, sub)
		}
		f.mu.RUnlock()
		for _, sub := range subs {
			sub.Close()
		}
	}
}

func (h *Hub) feedList() []*feed {
	h.mu.Lock()
	defer h.mu.Unlock()
	feeds := make([]*feed, 0, len(h.feeds))
	for _, f := range h.feeds {
		feeds = append(feeds, f)
	}
	return feeds
}

// Subscribe subscribes to streams (names such as "btcusdt@kline_1m"; see
// ParseStream) on the endpoint streamURL (ws(s)://host[:port], as
// exchange.URLs.Stream gives it). Streams already subscribed by anyone on
// that endpoint are shared. When changing a subscriber's streams, subscribe
// the new set before closing the old one, so shared streams stay
// subscribed.
func (h *Hub) Subscribe(streamURL string, streams []string, opts SubscribeOptions) (*Subscription, error) {
	base, err := normalizeURL(streamURL)
	if err != nil {
		return nil, err
	}
	if len(streams) == 0 {
		return nil, errors.New("marketdata: no streams to subscribe")
	}
	names := make([]StreamName, 0, len(streams))
	seen := make(map[string]bool, len(streams))
	var errs []error
	for _, s := range streams {
		n, err := ParseStream(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if key := n.String(); !seen[key] {
			seen[key] = true
			names = append(names, n)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("marketdata: %w", err)
	}
	if opts.Buffer <= 0 {
		opts.Buffer = h.opts.SubscriberBuffer
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.phase == hubStopped {
		return nil, ErrHubStopped
	}
	f := h.feeds[base]
	if f == nil {
		f = newFeed(h, base)
		h.feeds[base] = f
	}
	sub := newSubscription(f, opts)
	f.subscribe(sub, names)
	sub.start()
	return sub, nil
}

// Stats returns the figures of every stream URL the hub has served,
// ordered by URL.
func (h *Hub) Stats() []FeedStats {
	feeds := h.feedList()
	out := make([]FeedStats, 0, len(feeds))
	for _, f := range feeds {
		out = append(out, f.stats())
	}
	slices.SortFunc(out, func(a, b FeedStats) int { return strings.Compare(a.URL, b.URL) })
	return out
}

// FeedStats returns the figures of one stream URL, if the hub has served
// it.
func (h *Hub) FeedStats(streamURL string) (FeedStats, bool) {
	base, err := normalizeURL(streamURL)
	if err != nil {
		return FeedStats{}, false
	}
	h.mu.Lock()
	f := h.feeds[base]
	h.mu.Unlock()
	if f == nil {
		return FeedStats{}, false
	}
	return f.stats(), true
}

// newBackoff returns the jittered exponential backoff of reconnects and
// backfill retries.
func (h *Hub) newBackoff() *backoff.ExponentialBackOff {
	return &backoff.ExponentialBackOff{
		InitialInterval:     h.opts.ReconnectBase,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         h.opts.ReconnectMax,
	}
}
