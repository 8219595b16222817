package exchange

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/adshao/go-binance/v2"

	"github.com/tradebot-operator/tradebot-operator/internal/klineinterval"
)

// MaxRecentKlines is the most klines RecentClosedKlines returns: one
// request carries at most 1000 klines, and the newest is the one still
// open.
const MaxRecentKlines = 999

const (
	pathKlines = "/api/v3/klines"
	// warmupFetchLimit: a request's weight is the same for any limit up to
	// 1000, so every warm-up asks for all of them and serves any n.
	warmupFetchLimit = 1000
	// defaultWarmupConcurrency is RegistryOptions.WarmupConcurrency's
	// default.
	defaultWarmupConcurrency = 4
	// warmupTimeout bounds a shared warm-up from its start, waits for a
	// slot and the weight budget included: long enough to wait out a full
	// weight window and a few retries.
	warmupTimeout = 2 * time.Minute
	// warmupCacheSeries bounds the cache to this many (symbol, interval)
	// series of at most MaxRecentKlines klines, about half a megabyte each.
	warmupCacheSeries = 256
	// warmupCacheMaxAge: a mass restart is over within minutes, so klines
	// of long intervals are not held until their next close.
	warmupCacheMaxAge = 10 * time.Minute
)

// RecentClosedKlines returns the last n closed klines of symbol and
// interval (e.g. "1m") at now, oldest first, for a strategy to warm up on:
// the kline still open at now is never among them. n is at least 1 and is
// capped at MaxRecentKlines; fewer come back when the exchange has fewer.
// now is on the registry's clock; the endpoint moves it to the exchange's
// by the offset ServerTime measured.
//
// Many bots starting at once cost one request per series and kline
// period: concurrent callers for the same symbol and interval share one
// request of weight 2, made on no caller's context (one caller giving up
// fails no other) with the first caller's policy, and charged to the
// endpoint's budget but to no bot's share. Its answer serves later
// callers until the next kline of the interval closes (at most ten
// minutes). At most RegistryOptions.WarmupConcurrency such requests of
// distinct series are in flight per endpoint, so a restart across hundreds
// of symbols is spread out instead of sent at once. An answer in which the
// exchange has not yet opened the kline that now says is open (its clock,
// or a simulator, lagging ours) is trusted only up to the kline before its
// newest, and is not cached.
//
// The klines returned are the caller's own. A malformed answer (a bad
// decimal, klines out of order) is an *Error of class Transient.
func (e *Endpoint) RecentClosedKlines(ctx context.Context, p CallPolicy, symbol, interval string, n int, now time.Time) ([]Kline, error) {
	iv, ok := klineinterval.Parse(interval)
	if !ok {
		return nil, &Error{Class: ClassRejected, Path: pathKlines, Err: fmt.Errorf("unknown kline interval %q", interval)}
	}
	if n < 1 {
		return nil, &Error{Class: ClassRejected, Path: pathKlines, Err: fmt.Errorf("%d klines asked for, want at least 1", n)}
	}
	n = min(n, MaxRecentKlines)
	server := now.Add(time.Duration(e.offset.Load()))
	last := iv.Prev(iv.Open(server))
	key := warmKey{series: seriesKey{symbol: symbol, interval: interval}, last: last.UnixMilli()}
	return e.warm.get(ctx, p, key, iv, n, server)
}

// seriesKey names a kline series.
type seriesKey struct{ symbol, interval string }

// warmKey is a series in one kline period: last is the open time (Unix ms)
// of its newest closed kline.
type warmKey struct {
	series seriesKey
	last   int64
}

// warmups are an endpoint's shared kline warm-ups: requests in flight,
// the slots that bound them, and the cache of their answers.
type warmups struct {
	e     *Endpoint
	slots chan struct{} // one per warm-up request allowed in flight

	mu       sync.Mutex
	inflight map[warmKey]*warmFetch
	cache    warmCache
}

// warmFetch is one shared warm-up request.
type warmFetch struct {
	key warmKey
	f   *flight[[]Kline]
}

func newWarmups(e *Endpoint, concurrency int) *warmups {
	return &warmups{
		e:        e,
		slots:    make(chan struct{}, max(concurrency, 1)),
		inflight: make(map[warmKey]*warmFetch),
		cache:    newWarmCache(warmupCacheSeries),
	}
}

// get serves n klines of key from the cache, from a request in flight, or
// from a new one. server is now on the exchange's clock.
func (w *warmups) get(ctx context.Context, p CallPolicy, key warmKey, iv klineinterval.Interval, n int, server time.Time) ([]Kline, error) {
	w.mu.Lock()
	if ks, ok := w.cache.get(key, n, server); ok {
		w.mu.Unlock()
		w.e.coalesced.Add(1)
		return slices.Clone(ks), nil
	}
	wf := w.inflight[key]
	if wf != nil && wf.f.join() {
		w.mu.Unlock()
		w.e.coalesced.Add(1)
	} else {
		wf = &warmFetch{key: key}
		p.Share = nil // a shared request is charged to no bot's share
		wf.f = startFlight(w.e.reg, func(ctx context.Context) ([]Kline, error) {
			return w.fetch(ctx, p, wf, iv, server)
		})
		w.inflight[key] = wf
		w.mu.Unlock()
	}
	closed, err := wf.f.wait(ctx)
	if err != nil {
		return nil, sharedError(pathKlines, err)
	}
	return slices.Clone(closed[max(len(closed)-n, 0):]), nil
}

// fetch makes wf's request on its flight's goroutine and caches the answer
// if the exchange has moved past the key's period.
func (w *warmups) fetch(ctx context.Context, p CallPolicy, wf *warmFetch, iv klineinterval.Interval, server time.Time) ([]Kline, error) {
	ks, err := w.request(ctx, p, wf.key.series)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inflight[wf.key] == wf {
		delete(w.inflight, wf.key)
	}
	if err != nil {
		return nil, err
	}
	open := iv.Next(time.UnixMilli(wf.key.last)) // the kline open at the caller's now
	closed, current := closedBefore(ks, open)
	if current {
		// All of them, whatever the callers so far asked for: the next may
		// want more.
		w.cache.put(wf.key, warmEntry{
			klines:  closed,
			all:     len(ks) < warmupFetchLimit,
			expires: earliest(iv.Next(open), server.Add(warmupCacheMaxAge)),
		}, server)
	}
	return closed, nil
}

// closedBefore returns the klines of ks (ordered) that opened before open,
// and whether the exchange has opened the kline at open yet (current). If
// it has not, its newest kline may still be open there and is left out.
func closedBefore(ks []Kline, open time.Time) (closed []Kline, current bool) {
	i, _ := slices.BinarySearchFunc(ks, open, func(k Kline, t time.Time) int { return k.OpenTime.Compare(t) })
	closed, current = ks[:i], i < len(ks)
	if !current && len(closed) > 0 {
		closed = closed[:len(closed)-1]
	}
	return closed, current
}

// request asks for the latest warmupFetchLimit klines of s, in a slot and
// through the endpoint's budget, within warmupTimeout.
func (w *warmups) request(ctx context.Context, p CallPolicy, s seriesKey) ([]Kline, error) {
	tctx, cancel := context.WithTimeout(ctx, warmupTimeout)
	defer cancel()
	select {
	case w.slots <- struct{}{}:
	case <-tctx.Done():
		return nil, timedOut(ctx, tctx, tctx.Err())
	}
	raw, err := w.e.rawKlines(tctx, p, s.symbol, s.interval, time.Time{}, warmupFetchLimit)
	<-w.slots
	if err != nil {
		return nil, timedOut(ctx, tctx, err)
	}
	ks, err := orderedKlines(raw)
	if err != nil {
		return nil, badResponse(pathKlines, err)
	}
	return ks, nil
}

// timedOut turns an error caused by warmupTimeout (tctx's deadline, and
// not ctx, the flight's own context, ending) into a transient failure: the
// exchange or the budget was too slow, no caller gave up.
func timedOut(ctx, tctx context.Context, err error) error {
	if ctx.Err() != nil || !errors.Is(tctx.Err(), context.DeadlineExceeded) {
		return err
	}
	return &Error{Class: ClassTransient, Path: pathKlines, Err: fmt.Errorf("no klines within %v: %w", warmupTimeout, err)}
}

// orderedKlines converts an answer, refusing one that is not a plain
// series: klines strictly in order and not overlapping, positive prices
// with the open and close between the low and the high.
func orderedKlines(raw []*binance.Kline) ([]Kline, error) {
	out := make([]Kline, 0, len(raw))
	for i, r := range raw {
		k, err := klineFromBinance(r)
		if err != nil {
			return nil, fmt.Errorf("kline %d: %w", i, err)
		}
		switch {
		case !k.CloseTime.After(k.OpenTime):
			return nil, fmt.Errorf("kline %d closes at %v, not after it opens at %v", i, k.CloseTime, k.OpenTime)
		case i > 0 && !k.OpenTime.After(out[i-1].CloseTime):
			return nil, fmt.Errorf("kline %d opens at %v, not after kline %d closes at %v", i, k.OpenTime, i-1, out[i-1].CloseTime)
		case !k.Low.IsPositive() || k.High.LessThan(k.Low):
			return nil, fmt.Errorf("kline %d has low %s and high %s", i, k.Low, k.High)
		case k.Open.LessThan(k.Low) || k.Open.GreaterThan(k.High) || k.Close.LessThan(k.Low) || k.Close.GreaterThan(k.High):
			return nil, fmt.Errorf("kline %d opens at %s and closes at %s, outside its range %s–%s", i, k.Open, k.Close, k.Low, k.High)
		}
		out = append(out, k)
	}
	return out, nil
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
