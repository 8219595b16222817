package exchange

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// Health is one resource's view of its endpoint: what the endpoint's shared
// probe learned (reachability, clock offset, the resource's own symbols)
// merged with the endpoint's live state (weight, limits, pause, ban, and
// the breaker of the resource's settings). A Health value is immutable: its
// slices are never modified after it is returned.
type Health struct {
	// Endpoint is the REST base URL probed.
	Endpoint string
	// Probed is true once a probe has finished, successfully or not.
	Probed    bool
	Reachable bool
	LastError string
	// LastContact is when the endpoint last answered a probe.
	LastContact time.Time
	// ClockOffset is server time minus local time, corrected for half the
	// round trip of the time request.
	ClockOffset time.Duration
	RoundTrip   time.Duration
	// UsedWeight1m is the weight used this minute on the endpoint by every
	// bot of the operator (or the server's count when larger).
	UsedWeight1m int
	// WeightLimit1m is REQUEST_WEIGHT per minute from exchangeInfo.
	WeightLimit1m int
	// OrderLimit10s is ORDERS per 10 s from exchangeInfo.
	OrderLimit10s int
	// UnknownSymbols are the resource's symbols the exchange does not list;
	// NotTrading those it lists with a status other than TRADING.
	UnknownSymbols []string
	NotTrading     []string
	// Breaker is the endpoint's breaker for this resource's settings; or,
	// for a resource that trades, its account's when that one is further
	// from closed (see HealthView.UseAccount).
	Breaker BreakerStatus
	// RetryAfterUntil is set after a 429: no request is sent before it.
	RetryAfterUntil time.Time
	// BannedUntil is set after a 418: the IP is banned until then.
	BannedUntil time.Time
	// Throttled counts 429 and 418 responses the endpoint received.
	Throttled int64
	// Waits counts calls the shared weight budget delayed so that the
	// exchange never had reason to answer 429.
	Waits int64
	// Probes counts the rounds of the endpoint's shared probe since it
	// last started.
	Probes int64
}

// Banned reports whether a 418 ban is in force at now.
func (h Health) Banned(now time.Time) bool { return now.Before(h.BannedUntil) }

// defaultProbeInterval is the probe's period when no view asks for another.
const defaultProbeInterval = 15 * time.Second

// HealthOptions configure one resource's HealthView.
type HealthOptions struct {
	// Policy is the resource's call policy. Its breaker settings choose the
	// breaker Health reports, and the probe counts its outcomes in that
	// breaker as the resource's own calls would be. One probe speaks for
	// every resource on the endpoint: it retries as the running view with
	// the fewest attempts asks, so no resource learns of a failure later
	// than its own probe would have told it, and it is charged to no share.
	Policy CallPolicy
	// Symbols whose presence and status in exchangeInfo the resource needs.
	Symbols []string
	// Interval is the period the resource asks for (default 15s). The
	// endpoint probes at the shortest one any running view asks for.
	Interval time.Duration
	// Publish receives the resource's Health after each probe round that
	// has something to say about it. It must not block.
	Publish func(Health)
}

// HealthView is one resource's window on its endpoint's health. The
// endpoint has one probe (ping, server time, and its views' symbols in the
// cached exchangeInfo), which runs while at least one view's Run does, so a
// thousand resources on an endpoint cost what one does. Health and
// ClockOffset may be called from any goroutine, before and after Run.
type HealthView struct {
	e       *Endpoint
	opts    HealthOptions
	symbols []string // unique and sorted
	own     atomic.Pointer[Health]
	account atomic.Pointer[Account] // nil: the resource does not trade
}

// HealthView returns a view for one resource. Nothing is sent, and the view
// does not count as a user of the probe, until its Run starts.
func (e *Endpoint) HealthView(opts HealthOptions) *HealthView {
	if opts.Interval <= 0 {
		opts.Interval = defaultProbeInterval
	}
	v := &HealthView{e: e, opts: opts, symbols: uniqueSymbols(opts.Symbols)}
	v.own.Store(&Health{Endpoint: e.shown})
	return v
}

// Health returns the latest probe results for the resource merged with the
// endpoint's live shared state.
func (v *HealthView) Health() Health {
	h := *v.own.Load()
	ep := v.e
	st := ep.State()
	h.UsedWeight1m, h.WeightLimit1m, h.OrderLimit10s = st.UsedWeight1m, st.WeightLimit1m, st.OrderLimit10s
	h.Throttled, h.Waits = st.Throttled, st.Waits
	h.RetryAfterUntil, h.BannedUntil = st.PausedUntil, st.BannedUntil
	h.Breaker = ep.BreakerStatus(v.opts.Policy.Breaker)
	if a := v.account.Load(); a != nil {
		if ab := a.BreakerStatus(v.opts.Policy.Breaker); breakerRank(ab.State) > breakerRank(h.Breaker.State) {
			h.Breaker = ab
		}
	}
	return h
}

// UseAccount makes Health report acct's breaker (for the view's settings)
// whenever it is further from closed than the endpoint's. A resource that
// trades calls the exchange through both: while its account's breaker is
// open, its orders and their lookups wait, and its status must say so even
// though the endpoint's breaker is closed.
func (v *HealthView) UseAccount(acct *Account) { v.account.Store(acct) }

// breakerRank orders breaker states from closed to open.
func breakerRank(s BreakerState) int {
	switch s {
	case BreakerOpen:
		return 2
	case BreakerHalfOpen:
		return 1
	}
	return 0
}

// ClockOffset is the last measured server time minus local time: Health's
// ClockOffset without reading the endpoint's state, for hot paths.
func (v *HealthView) ClockOffset() time.Duration { return v.own.Load().ClockOffset }

// Run makes the view a user of the endpoint's probe until ctx ends, and
// publishes the resource's Health after each round. A result the probe
// already has is published at once; otherwise the probe (started by the
// first view) sends its first round now, as a resource's own probe did. It
// returns nil when ctx ends; the last view to leave stops the probe and
// waits for it.
func (v *HealthView) Run(ctx context.Context) error {
	hp := v.e.health
	hp.join(v)
	defer hp.leave(v)
	var seen *probeResult
	for {
		r := hp.result.Load()
		if r != seen && v.accept(r) {
			seen = r
			if v.opts.Publish != nil {
				v.opts.Publish(v.Health())
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.next:
		}
	}
}

// accept takes what r says about the resource; false when it says nothing
// yet: no round has finished, or the resource's symbols joined after the
// last check and the next one (already asked for) may still succeed.
func (v *HealthView) accept(r *probeResult) bool {
	covered := r.covers(v.symbols)
	if !r.probed || (!covered && !r.symbolsStale) {
		return false
	}
	h := *v.own.Load()
	h.Probed, h.Reachable, h.LastError = true, r.reachable, r.lastError
	h.LastContact, h.ClockOffset, h.RoundTrip, h.Probes = r.lastContact, r.clockOffset, r.roundTrip, r.probes
	if covered {
		// Only the resource's own symbols: another resource's unknown
		// symbol is none of its business.
		var unknown, notTrading []string
		for _, s := range v.symbols {
			switch st := r.checked[s]; {
			case !st.listed:
				unknown = append(unknown, s)
			case st.status != "TRADING":
				notTrading = append(notTrading, s)
			}
		}
		h.UnknownSymbols, h.NotTrading = unknown, notTrading
	}
	v.own.Store(&h)
	return true
}

// symbolState is what exchangeInfo says of one symbol.
type symbolState struct {
	listed bool
	status string
}

// probeResult is one round's findings, shared by every view. It is
// immutable once published; next is closed when a newer one replaces it.
type probeResult struct {
	probed, reachable bool
	lastError         string
	lastContact       time.Time
	clockOffset       time.Duration
	roundTrip         time.Duration
	probes            int64
	// checked holds every symbol of the last successful symbol check.
	checked map[string]symbolState
	// symbolsStale: the latest round could not check the symbols.
	symbolsStale bool
	next         chan struct{}
}

func (r *probeResult) covers(symbols []string) bool {
	for _, s := range symbols {
		if _, ok := r.checked[s]; !ok {
			return false
		}
	}
	return true
}

// healthProber is an endpoint's one health probe. It runs on a goroutine of
// its own from the moment the first view's Run joins until the last one
// leaves (or the registry closes); what it checks is the union of what the
// running views ask for.
type healthProber struct {
	e      *Endpoint
	result atomic.Pointer[probeResult]

	mu        sync.Mutex // guards the fields below
	views     int
	symbols   map[string]int // symbol → views that need it
	breakers  map[string]*breakerUse
	retries   map[RetryPolicy]int   // retry policy (with defaults) → views
	intervals map[time.Duration]int // interval → views that ask for it
	run       *probeRun             // nil while no view runs
}

type breakerUse struct {
	b *breaker
	n int
}

// probeRun is one life of the probe's goroutine, from the first view's
// join to the last one's leave.
type probeRun struct {
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{} // new symbols or a shorter interval; capacity 1
}

func newHealthProber(e *Endpoint) *healthProber {
	hp := &healthProber{
		e:         e,
		symbols:   make(map[string]int),
		breakers:  make(map[string]*breakerUse),
		retries:   make(map[RetryPolicy]int),
		intervals: make(map[time.Duration]int),
	}
	hp.result.Store(&probeResult{next: make(chan struct{})})
	return hp
}

// join counts v as a user, starting the probe for the first one and waking
// it when v needs symbols nobody needed or a shorter interval.
func (hp *healthProber) join(v *HealthView) {
	hp.mu.Lock()
	defer hp.mu.Unlock()
	before := hp.interval()
	hp.views++
	fresh := false
	for _, s := range v.symbols {
		if hp.symbols[s] == 0 {
			fresh = true
		}
		hp.symbols[s]++
	}
	key := v.opts.Policy.Breaker.Key()
	use := hp.breakers[key]
	if use == nil {
		use = &breakerUse{b: hp.e.breakers.get(v.opts.Policy.Breaker)}
		hp.breakers[key] = use
	}
	use.n++
	hp.retries[v.retry()]++
	hp.intervals[v.opts.Interval]++
	switch {
	case hp.run == nil:
		hp.start()
	case fresh || hp.interval() < before:
		select {
		case hp.run.wake <- struct{}{}:
		default:
		}
	}
}

// leave undoes v's join; the last view out stops the probe and waits for
// its goroutine to end.
func (hp *healthProber) leave(v *HealthView) {
	hp.mu.Lock()
	hp.views--
	for _, s := range v.symbols {
		if hp.symbols[s]--; hp.symbols[s] <= 0 {
			delete(hp.symbols, s)
		}
	}
	key := v.opts.Policy.Breaker.Key()
	if use := hp.breakers[key]; use != nil {
		if use.n--; use.n <= 0 {
			delete(hp.breakers, key)
		}
	}
	if hp.retries[v.retry()]--; hp.retries[v.retry()] <= 0 {
		delete(hp.retries, v.retry())
	}
	if hp.intervals[v.opts.Interval]--; hp.intervals[v.opts.Interval] <= 0 {
		delete(hp.intervals, v.opts.Interval)
	}
	var stopped *probeRun
	if hp.views == 0 && hp.run != nil {
		stopped, hp.run = hp.run, nil
		stopped.cancel()
	}
	hp.mu.Unlock()
	if stopped != nil {
		<-stopped.done
	}
}

// start begins a run; hp.mu is held. A result from an earlier run is not
// current, so views start again from "not probed". Once the registry is
// closed no run starts, and views wait for their context to end.
func (hp *healthProber) start() {
	ctx, ok := hp.e.reg.startWork()
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	run := &probeRun{cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	hp.run = run
	hp.replace(&probeResult{next: make(chan struct{})})
	go func() {
		defer hp.e.reg.workDone()
		defer close(run.done)
		defer cancel()
		hp.loop(ctx, run)
	}()
}

// interval is the shortest period a running view asks for; hp.mu is held.
func (hp *healthProber) interval() time.Duration {
	if len(hp.intervals) == 0 {
		return defaultProbeInterval
	}
	return slices.Min(slices.Collect(maps.Keys(hp.intervals)))
}

// loop probes every interval (stretched to the end of a 429 pause or a
// ban), and checks new views' symbols as soon as they join.
func (hp *healthProber) loop(ctx context.Context, run *probeRun) {
	clk := hp.e.clock
	var last time.Time // when the last full round began
	for {
		if now := clk.now(); last.IsZero() || !now.Before(hp.due(last)) {
			last = now
			hp.round(ctx, run, true)
		} else if hp.uncovered() {
			hp.round(ctx, run, false)
		}
		select {
		case <-ctx.Done():
			return
		case <-clk.after(hp.due(last).Sub(clk.now())):
		case <-run.wake:
		}
	}
}

// due is when the round after one begun at last is.
func (hp *healthProber) due(last time.Time) time.Time {
	hp.mu.Lock()
	at := last.Add(hp.interval())
	hp.mu.Unlock()
	st := hp.e.State()
	for _, until := range []time.Time{st.PausedUntil, st.BannedUntil} {
		if until.After(at) {
			at = until
		}
	}
	return at
}

// uncovered reports whether a view needs a symbol the last check did not
// cover.
func (hp *healthProber) uncovered() bool {
	r := hp.result.Load()
	hp.mu.Lock()
	defer hp.mu.Unlock()
	for s := range hp.symbols {
		if _, ok := r.checked[s]; !ok {
			return true
		}
	}
	return false
}

// retry is the view's retry policy with its defaults filled in.
func (v *HealthView) retry() RetryPolicy {
	return CallPolicy{Retry: v.opts.Policy.Retry}.withDefaults().Retry
}

// users returns what the running views need: a caller that counts each
// outcome in every breaker they use, the policy of the most impatient of
// them, and the union of their symbols.
func (hp *healthProber) users() (caller, CallPolicy, []string) {
	hp.mu.Lock()
	defer hp.mu.Unlock()
	observers := make([]*breaker, 0, len(hp.breakers))
	for _, use := range hp.breakers {
		observers = append(observers, use.b)
	}
	var pol CallPolicy
	first := true
	for r := range hp.retries {
		if first || r.MaxAttempts < pol.Retry.MaxAttempts ||
			(r.MaxAttempts == pol.Retry.MaxAttempts && r.BaseDelay < pol.Retry.BaseDelay) {
			pol.Retry, first = r, false
		}
	}
	return hp.e.probeCaller(observers), pol, slices.Collect(maps.Keys(hp.symbols))
}

// round probes and publishes the result: a full round pings, reads the
// server's time (the endpoint's one clock sync) and checks the symbols; a
// symbols round only checks the symbols, which costs nothing while the
// exchangeInfo cache is fresh.
func (hp *healthProber) round(ctx context.Context, run *probeRun, full bool) {
	e := hp.e
	c, pol, symbols := hp.users()
	prev := hp.result.Load()
	next := *prev
	next.next = make(chan struct{})
	if st, now := e.State(), e.clock.now(); st.Paused(now) || st.Banned(now) {
		// Sending now would only wait (a 429 pause) or fail (a ban); the
		// shared state already says why.
		next.probed = next.probed || full
		next.symbolsStale = true
		hp.publish(run, &next)
		return
	}
	var err error
	var offset, rtt time.Duration
	if full {
		err = e.ping(ctx, pol, c)
		if err == nil {
			_, offset, rtt, err = e.readServerTimeVia(ctx, pol, c)
		}
	}
	var checked map[string]symbolState
	if err == nil {
		checked, err = hp.check(ctx, pol, c, symbols)
	}
	if ctx.Err() != nil {
		return
	}
	if checked != nil {
		next.checked, next.symbolsStale = checked, false
	} else {
		next.symbolsStale = true
	}
	if full {
		next.probed = true
		next.probes++
		// A refusal, an auth error or a rate limit proves the exchange
		// answers; only failures of the exchange itself make it unreachable.
		next.reachable = err == nil || ClassOf(err) != ClassTransient
		if err != nil {
			// Transport errors quote the URL they failed on.
			next.lastError = shorten(redact.URLsIn(err.Error()))
		} else {
			next.lastError = ""
			next.clockOffset, next.roundTrip = offset, rtt
		}
		if next.reachable {
			next.lastContact = e.clock.now()
		}
	}
	hp.publish(run, &next)
}

// check looks symbols up in the endpoint's exchangeInfo cache, refreshing it
// when stale. The result is nil on failure.
func (hp *healthProber) check(ctx context.Context, pol CallPolicy, c caller, symbols []string) (map[string]symbolState, error) {
	entry, err := hp.e.exchangeInfo(ctx, pol, c)
	if err != nil {
		return nil, err
	}
	out := make(map[string]symbolState, len(symbols))
	for _, s := range symbols {
		st, ok := entry.status[s]
		out[s] = symbolState{listed: ok, status: st}
	}
	return out, nil
}

// publish makes r the current result, unless run has been stopped since
// (a late result of a stopped run must not reach the next run's views).
func (hp *healthProber) publish(run *probeRun, r *probeResult) {
	hp.mu.Lock()
	defer hp.mu.Unlock()
	if hp.run == run {
		hp.replace(r)
	}
}

// replace swaps the current result for r and wakes the views; hp.mu is held.
func (hp *healthProber) replace(r *probeResult) {
	old := hp.result.Swap(r)
	close(old.next)
}

// shorten keeps error texts (which may hold a whole HTML error page) small
// enough for a status field.
func shorten(s string) string {
	const limit = 256
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "…"
}
