package exchange

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// defaultWeightLimit is Binance's REQUEST_WEIGHT per minute, assumed until
// exchangeInfo says otherwise.
const defaultWeightLimit = 6000

// weightBudget is an endpoint's request weight per minute, shared by every
// caller in the process. It keeps its own count of the weight reserved in the
// current window and re-synchronises with X-MBX-USED-WEIGHT-1M, the server's
// count, which wins when larger (other processes on the same IP spend from
// the same budget). A caller whose request would take the window past
// limit×safety waits for the next window, so the server never has reason to
// answer 429. A token bucket (x/time/rate) spreads the window's budget so
// that callers released together at a window's start cannot spend it all in
// one burst.
type weightBudget struct {
	safety float64

	// share is this process's part of the budget when several replicas
	// spend from one IP's (1: all of it).
	share float64

	mu         sync.Mutex
	limit      int  // the server's REQUEST_WEIGHT per minute
	learned    bool // limit came from exchangeInfo, not defaultWeightLimit
	window     int64
	reserved   int // weight reserved in window: the server's count when we reserved, plus ours since
	own        int // weight this process reserved in window (held to its share)
	serverUsed int // the highest X-MBX-USED-WEIGHT-1M seen for window
	bucket     *rate.Limiter
	waits      int64
	waitTime   time.Duration
}

// newWeightBudget starts with a full bucket.
func newWeightBudget(limit int, safety float64) *weightBudget {
	b := &weightBudget{safety: safety, share: 1, limit: limit}
	r, burst := b.bucketShape()
	b.bucket = rate.NewLimiter(r, burst)
	return b
}

// allowed is the weight this process allows itself per window.
func (b *weightBudget) allowed() int {
	return max(int(float64(b.limit)*b.safety*b.share), 1)
}

// allowedTotal is the weight every user of the IP together may spend per
// window, as far as the server's count shows them.
func (b *weightBudget) allowedTotal() int {
	return max(int(float64(b.limit)*b.safety), 1)
}

// setShare gives this process share (0 < share ≤ 1) of the budget.
func (b *weightBudget) setShare(share float64, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if share == b.share {
		return
	}
	b.share = share
	r, burst := b.bucketShape()
	b.bucket.SetLimitAt(now, r)
	b.bucket.SetBurstAt(now, burst)
}

// setLimit applies a new server limit (from exchangeInfo).
func (b *weightBudget) setLimit(limit int, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limit, b.learned = limit, true
	r, burst := b.bucketShape()
	b.bucket.SetLimitAt(now, r)
	b.bucket.SetBurstAt(now, burst)
}

// bucketShape refills the bucket with the window's allowance over a minute
// and lets a quarter of it go at once, never less than the heaviest single
// request, which must always fit.
func (b *weightBudget) bucketShape() (rate.Limit, int) {
	a := b.allowed()
	return rate.Limit(float64(a) / minute.Seconds()), max(a/4, maxRequestWeight)
}

// budgetRecheck is the longest a waiting caller sleeps before it looks at
// the budget again.
const budgetRecheck = time.Second

// maxRequestWeight is the heaviest request the package sends (24 h tickers
// or open orders of every symbol).
const maxRequestWeight = 80

// roll moves to window w, forgetting the older window's counts.
func (b *weightBudget) roll(w int64) {
	if w != b.window {
		b.window, b.reserved, b.own, b.serverUsed = w, 0, 0, 0
	}
}

// used is the weight spent in window w as far as we know.
func (b *weightBudget) used(w int64) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if w != b.window {
		return 0
	}
	return max(b.reserved, b.serverUsed)
}

// weightTicket is a reservation that can be given back if the request was
// never sent.
type weightTicket struct {
	window int64
	n      int
}

// tryReserve reserves n in window w (at time now) or says how long to wait
// before trying again.
func (b *weightBudget) tryReserve(w int64, windowEnds, now time.Time, n int) (weightTicket, time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(w)
	used := max(b.reserved, b.serverUsed)
	// A request heavier than the whole allowance may still go alone into an
	// empty window; anything else waits for the next window. Our own
	// weight keeps to our share, and everyone's (the server's count) to
	// the whole.
	if used > 0 && (used+n > b.allowedTotal() || b.own+n > b.allowed()) {
		return weightTicket{}, windowEnds.Sub(now), false
	}
	r := b.bucket.ReserveN(now, min(n, b.bucket.Burst()))
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return weightTicket{}, d, false
	}
	b.reserved = used + n
	b.own += n
	return weightTicket{window: w, n: n}, 0, true
}

// reserveToLearn reserves n for the request that reads the limit while
// the limit is still the assumed default, without waiting. Without it, a
// process started on an IP whose server count already passes the default
// (another replica, or this process before a restart, on an exchange that
// allows more) would wait for the next window to learn that it need not
// have. Only one such request runs at a time (exchangeInfo is coalesced),
// and at worst it earns one 429, whose pause every caller then honours.
// ok is false once the limit is known: the caller acquires as usual.
func (b *weightBudget) reserveToLearn(w int64, n int) (weightTicket, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.learned {
		return weightTicket{}, false
	}
	b.roll(w)
	b.reserved = max(b.reserved, b.serverUsed) + n
	b.own += n
	return weightTicket{window: w, n: n}, true
}

// refund gives back a reservation whose request was never sent.
func (b *weightBudget) refund(t weightTicket) {
	if t.n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.window == b.window {
		b.reserved = max(b.reserved-t.n, 0)
		b.own = max(b.own-t.n, 0)
	}
}

// observe applies the server's count reported for window w.
func (b *weightBudget) observe(w int64, serverUsed int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if w < b.window {
		return
	}
	b.roll(w)
	b.serverUsed = max(b.serverUsed, serverUsed)
}

// recordWait counts one caller delayed by the budget for d in all.
func (b *weightBudget) recordWait(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.waits++
	b.waitTime += d
}

func (b *weightBudget) snapshot(w int64) (used, limit int, waits int64, waitTime time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if w == b.window {
		used = max(b.reserved, b.serverUsed)
	}
	return used, b.limit, b.waits, b.waitTime
}

// windower maps the clock to our weight and order windows: server time
// (local time plus the measured offset), shifted back by windowGuard.
type windower interface {
	windowTime(now time.Time) time.Time
}

// acquire reserves n, waiting as long as the budget requires.
func (b *weightBudget) acquire(ctx context.Context, clk clock, win windower, n int) (weightTicket, error) {
	var start time.Time
	for {
		now := clk.now()
		wt := win.windowTime(now)
		w := windowIndex(wt, minute)
		t, wait, ok := b.tryReserve(w, now.Add(windowEnd(w, minute).Sub(wt)), now, n)
		if ok {
			if !start.IsZero() {
				b.recordWait(now.Sub(start))
			}
			return t, nil
		}
		if start.IsZero() {
			start = now
		}
		// Waits are checked again at least every budgetRecheck: a limit
		// learned meanwhile from exchangeInfo (larger than the default
		// assumed at start) or a new window releases the caller then,
		// not at the end of a wait computed under the old limit.
		if err := clk.sleep(ctx, min(wait, budgetRecheck)); err != nil {
			b.recordWait(clk.now().Sub(start))
			return weightTicket{}, err
		}
	}
}
