package exchange

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// RegistryOptions configure a Registry; zero fields take defaults.
type RegistryOptions struct {
	// Transport carries every request (NewTransport's pooled transport,
	// shared by the whole process). Nil: the registry builds one and closes
	// its idle connections on Close.
	Transport http.RoundTripper
	// Now is the clock (default time.Now).
	Now func() time.Time
	// After waits on the same clock (default time.After). Set both to run
	// the limits on a clock faster than real time.
	After  func(time.Duration) <-chan time.Time
	Logger logr.Logger
	// Metrics, if set, receives every endpoint's and account's figures.
	Metrics *Metrics
	// WeightSafety is the fraction of the server's weight and order limits
	// we allow ourselves (default 0.95): the rest absorbs requests that
	// cross a window boundary and other users of the IP.
	WeightSafety float64
	// RequestTimeout bounds each attempt of each request (default 10s).
	RequestTimeout time.Duration
	// ExchangeInfoTTL is how long exchangeInfo is cached (default 5m).
	ExchangeInfoTTL time.Duration
	// PriceTTL is how long a price or 24 h ticker fetched for one bot
	// serves the others (default 1s).
	PriceTTL time.Duration
	// WarmupConcurrency is how many kline warm-up requests
	// (RecentClosedKlines) of distinct series an endpoint has in flight at
	// once (default 4).
	WarmupConcurrency int
	// OnChange is called when an endpoint's or account's breaker changes
	// state or a 429 pause or 418 ban begins, so the owners of bots on that
	// endpoint can refresh their status at once. It is called with no lock
	// held, from the goroutine whose call (or State) saw the change; an open
	// breaker turns half-open lazily, when a call or State next looks. It
	// must not block.
	OnChange func(restURL string)
}

// Registry owns the process's shared exchange state: one Endpoint per REST
// base URL and one Account per API key on it, so that every bot in the
// operator spends from the same weight and order budgets. It is safe for
// concurrent use.
type Registry struct {
	opts          RegistryOptions
	transport     http.RoundTripper
	ownsTransport bool
	root          context.Context
	cancel        context.CancelFunc

	mu        sync.Mutex
	closed    bool
	share     float64 // of each endpoint's weight budget; see SetWeightShare
	endpoints map[string]*Endpoint
	accounts  map[accountKey]*Account
	work      sync.WaitGroup // goroutines of flights in progress
}

type accountKey struct{ url, apiKey string }

// NewRegistry returns an empty Registry. Close it when done.
func NewRegistry(opts RegistryOptions) *Registry {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if !(opts.WeightSafety > 0 && opts.WeightSafety <= 1) {
		opts.WeightSafety = 0.95
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.ExchangeInfoTTL <= 0 {
		opts.ExchangeInfoTTL = 5 * time.Minute
	}
	if opts.PriceTTL <= 0 {
		opts.PriceTTL = time.Second
	}
	if opts.WarmupConcurrency <= 0 {
		opts.WarmupConcurrency = defaultWarmupConcurrency
	}
	r := &Registry{
		opts:      opts,
		share:     1,
		transport: opts.Transport,
		endpoints: make(map[string]*Endpoint),
		accounts:  make(map[accountKey]*Account),
	}
	if r.transport == nil {
		r.transport = NewTransport(TransportOptions{})
		r.ownsTransport = true
	}
	r.root, r.cancel = context.WithCancel(context.Background())
	if opts.Metrics != nil {
		opts.Metrics.attach(r)
	}
	return r
}

// Endpoint returns the endpoint for urls.REST, creating it on first use.
func (r *Registry) Endpoint(urls URLs) *Endpoint {
	key := strings.TrimRight(urls.REST, "/")
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.endpoints[key]; ok {
		return e
	}
	urls.REST = key
	e := newEndpoint(r, urls)
	e.budget.setShare(r.share, r.opts.Now())
	r.endpoints[key] = e
	return e
}

// SetWeightShare gives this process share (0 < share ≤ 1; anything else
// counts as 1) of every endpoint's request weight: operator replicas that
// send from one IP split the IP's budget between them, each taking
// 1/replicas, so that together they stay within it even before the
// server's count of their weight reaches them.
func (r *Registry) SetWeightShare(share float64) {
	if !(share > 0 && share <= 1) {
		share = 1
	}
	r.mu.Lock()
	r.share = share
	eps := make([]*Endpoint, 0, len(r.endpoints))
	for _, e := range r.endpoints {
		eps = append(eps, e)
	}
	r.mu.Unlock()
	now := r.opts.Now()
	for _, e := range eps {
		e.budget.setShare(share, now)
	}
}

// Account returns the account for creds on ep, creating it on first use.
// Given new credentials for a known API key (a rotated secret), it signs
// with them from now on.
func (r *Registry) Account(ep *Endpoint, creds Credentials) *Account {
	key := accountKey{ep.urls.REST, creds.APIKey}
	r.mu.Lock()
	a, ok := r.accounts[key]
	if !ok {
		a = newAccount(ep, creds)
		r.accounts[key] = a
	}
	r.mu.Unlock()
	if ok {
		a.setCredentials(creds)
	}
	return a
}

// Endpoints returns every endpoint, sorted by URL.
func (r *Registry) Endpoints() []*Endpoint {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Endpoint, 0, len(r.endpoints))
	for _, e := range r.endpoints {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *Endpoint) int { return strings.Compare(a.urls.REST, b.urls.REST) })
	return out
}

// Accounts returns every account, sorted by endpoint and ID.
func (r *Registry) Accounts() []*Account {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Account, 0, len(r.accounts))
	for _, a := range r.accounts {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *Account) int {
		if c := strings.Compare(a.e.urls.REST, b.e.urls.REST); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

// Close cancels the shared requests in flight, waits for their goroutines,
// and closes the idle connections of a transport the registry built. Calls
// after Close fail with ErrClosed where they would share work.
func (r *Registry) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.work.Wait()
	if r.opts.Metrics != nil {
		r.opts.Metrics.detach(r)
	}
	if r.ownsTransport {
		if t, ok := r.transport.(interface{ CloseIdleConnections() }); ok {
			t.CloseIdleConnections()
		}
	}
}

// startWork registers a shared piece of work; false once closed.
func (r *Registry) startWork() (context.Context, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, false
	}
	r.work.Add(1)
	return r.root, true
}

func (r *Registry) workDone() { r.work.Done() }

func (r *Registry) clock() clock { return clock{now: r.opts.Now, after: r.opts.After} }
