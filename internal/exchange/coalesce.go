package exchange

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// coalescer serves many bots' requests for per-symbol data (prices, 24 h
// tickers) with as few requests as possible: a caller takes what a request
// made in the last PriceTTL left in the cache, joins a request already in
// flight that asks for its symbols, and puts the rest into the open batch,
// which is sent as one symbols=[…] request when BatchWait has passed or it
// holds its maximum of symbols. The first caller's policy shapes the batch;
// the request is charged to the endpoint's budget and to no bot's share.
type coalescer[V any] struct {
	e     *Endpoint
	path  string
	chunk int // the most symbols one request may carry whatever BatchMax says
	fetch func(ctx context.Context, p CallPolicy, symbols []string) (map[string]V, error)

	mu       sync.Mutex
	open     *batch[V]
	inflight map[*batch[V]]struct{}
	cache    map[string]cached[V]
}

type cached[V any] struct {
	v  V
	at time.Time
}

// batch is one shared request and the symbols it asks for.
type batch[V any] struct {
	f       *flight[map[string]V]
	symbols map[string]struct{}
	list    []string
	max     int
	full    chan struct{} // closed when list reaches max: send at once
}

func newCoalescer[V any](e *Endpoint, path string, chunk int,
	fetch func(context.Context, CallPolicy, []string) (map[string]V, error)) *coalescer[V] {
	return &coalescer[V]{
		e: e, path: path, chunk: chunk, fetch: fetch,
		inflight: make(map[*batch[V]]struct{}),
		cache:    make(map[string]cached[V]),
	}
}

// get returns a value for every symbol (which must be listed by the
// exchange) or an error.
func (c *coalescer[V]) get(ctx context.Context, p CallPolicy, symbols []string) (map[string]V, error) {
	out := make(map[string]V, len(symbols))
	var joined []*batch[V]
	opened := false
	now := c.e.clock.now()
	ttl := c.e.reg.opts.PriceTTL

	c.mu.Lock()
	for _, s := range symbols {
		if _, ok := out[s]; ok || covers(joined, s) {
			continue
		}
		if v, ok := c.cache[s]; ok && now.Sub(v.at) < ttl {
			out[s] = v.v
			continue
		}
		if b := c.inflightWith(s); b != nil && b.f.join() {
			joined = append(joined, b)
			continue
		}
		b, created := c.openBatch(p, joined)
		if created {
			opened = true
		}
		if !slices.Contains(joined, b) {
			joined = append(joined, b)
		}
		if _, has := b.symbols[s]; has {
			continue
		}
		b.symbols[s] = struct{}{}
		b.list = append(b.list, s)
		if len(b.list) >= b.max {
			close(b.full)
			c.open = nil
		}
	}
	c.mu.Unlock()

	if !opened {
		c.e.coalesced.Add(1)
	}
	for i, b := range joined {
		res, err := b.f.wait(ctx)
		if err != nil {
			for _, rest := range joined[i+1:] {
				rest.f.leave()
			}
			return nil, sharedError(c.path, err)
		}
		for _, s := range symbols {
			if _, ok := out[s]; !ok {
				if v, ok := res[s]; ok {
					out[s] = v
				}
			}
		}
	}
	for _, s := range symbols {
		if _, ok := out[s]; !ok {
			return nil, badResponse(c.path, fmt.Errorf("no data for %s in the answer", s))
		}
	}
	return out, nil
}

func covers[V any](bs []*batch[V], s string) bool {
	for _, b := range bs {
		if _, ok := b.symbols[s]; ok {
			return true
		}
	}
	return false
}

// inflightWith finds a request in flight that asks for s. Called with c.mu.
func (c *coalescer[V]) inflightWith(s string) *batch[V] {
	for b := range c.inflight {
		if _, ok := b.symbols[s]; ok {
			return b
		}
	}
	return nil
}

// openBatch returns the open batch, joining it unless already joined, or
// starts a new one (created) with the caller joined. Called with c.mu.
func (c *coalescer[V]) openBatch(p CallPolicy, joined []*batch[V]) (b *batch[V], created bool) {
	if b := c.open; b != nil && (slices.Contains(joined, b) || b.f.join()) {
		return b, false
	}
	b = &batch[V]{symbols: make(map[string]struct{}), max: p.BatchMax, full: make(chan struct{})}
	if c.chunk > 0 {
		b.max = min(b.max, c.chunk)
	}
	p.Share = nil // a shared request is charged to no bot's share
	wait := max(p.BatchWait, 0)
	b.f = startFlight(c.e.reg, func(ctx context.Context) (map[string]V, error) {
		return c.send(ctx, p, b, wait)
	})
	c.open = b
	return b, true
}

// send waits for the batch to fill, then makes its request and caches the
// answer. It runs on the batch's flight goroutine.
func (c *coalescer[V]) send(ctx context.Context, p CallPolicy, b *batch[V], wait time.Duration) (map[string]V, error) {
	if wait > 0 {
		select {
		case <-c.e.clock.after(wait):
		case <-b.full:
		case <-ctx.Done():
		}
	}
	c.mu.Lock()
	if c.open == b {
		c.open = nil
	}
	list := slices.Clone(b.list)
	c.inflight[b] = struct{}{}
	c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		c.mu.Lock()
		delete(c.inflight, b)
		c.mu.Unlock()
		return nil, err
	}

	slices.Sort(list)
	res, err := c.fetch(ctx, p, list)
	now := c.e.clock.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.inflight, b)
	if err != nil {
		return nil, err
	}
	for s, v := range res {
		c.cache[s] = cached[V]{v: v, at: now}
	}
	return res, nil
}
