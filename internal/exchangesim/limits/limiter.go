package limits

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// sweepEvery is how often, in simulated time, idle IPs and accounts are dropped.
const sweepEvery = time.Minute

// Limiter applies Binance's rate limits and bans. Create it with New.
type Limiter struct {
	cfg Config
	// Refusal messages depend only on the configuration: built once.
	weightMsg, rawMsg, orders10sMsg, ordersDayMsg string

	mu          sync.Mutex
	ips         map[string]*ipState
	accounts    map[string]*accountState
	banAllUntil time.Time
	nextSweep   time.Time
	limited429  int64
	banned418   int64
}

// ipState is what the limiter remembers about one client IP.
type ipState struct {
	weight fixedWindow // 1-minute windows
	raw    fixedWindow // 5-minute windows
	// throttledUntil ends the Retry-After period of the IP's last 429; a request
	// before then earns a ban.
	throttledUntil time.Time
	bannedUntil    time.Time
	// strikes counts the bans the IP earned; it is forgotten at strikesExpire.
	strikes       int
	strikesExpire time.Time
}

// accountState counts one account's new orders.
type accountState struct {
	tenSeconds fixedWindow
	day        fixedWindow
}

// New returns a Limiter; zero Config fields take Binance's values.
func New(cfg Config) *Limiter {
	cfg = cfg.withDefaults()
	return &Limiter{
		cfg: cfg,
		weightMsg: fmt.Sprintf("Too much request weight used; current limit is %d request weight per 1 MINUTE. "+
			"Please use WebSocket Streams for live updates to avoid polling the API.", cfg.WeightPerMinute),
		rawMsg: fmt.Sprintf("Too many requests; current limit is %d requests per 5 MINUTE. "+
			"Please use WebSocket Streams for live updates to avoid polling the API.", cfg.RawRequestsPer5m),
		orders10sMsg: fmt.Sprintf("Too many new orders; current limit is %d orders per 10 SECOND.", cfg.OrdersPer10s),
		ordersDayMsg: fmt.Sprintf("Too many new orders; current limit is %d orders per 1 DAY.", cfg.OrdersPerDay),
		ips:          make(map[string]*ipState),
		accounts:     make(map[string]*accountState),
	}
}

// Limits returns the configuration in force, defaults filled in.
func (l *Limiter) Limits() Config { return l.cfg }

// Decision is the outcome of one request.
type Decision struct {
	// Err is nil when the request may proceed; otherwise a -1003 with status 429
	// (limit exceeded) or 418 (IP banned).
	Err *apierr.Error
	// RetryAfter is for the Retry-After header: whole seconds, at least 1; zero
	// when the request is allowed.
	RetryAfter time.Duration
	// UsedWeight1m is the IP's weight in the current minute, this request
	// included, for the X-MBX-USED-WEIGHT-1M header.
	UsedWeight1m int
}

// Request charges one request of the given weight to ip and decides whether it
// may proceed. The request is charged even when refused, as Binance does.
//
//   - While the IP is banned (by Ban, BanAll or its own behaviour) it gets 418;
//     that does not extend the ban.
//   - A request that arrives while the IP is still inside the Retry-After
//     period of an earlier 429 gets the IP banned: BanBase the first time,
//     doubled for each earlier ban within BanMemory, never above BanMax.
//   - A request that takes the IP over its weight (or raw request) limit gets
//     429, with Retry-After until the window resets.
func (l *Limiter) Request(ip string, weight int) Decision {
	weight = max(weight, 0)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	l.sweepIfDue(now)
	st := l.ipLocked(ip)
	nowMs := now.UnixMilli()
	weightWindow := windowIndex(nowMs, minuteMs)
	rawWindow := windowIndex(nowMs, fiveMinutesMs)
	used := st.weight.add(weightWindow, weight)
	raw := st.raw.add(rawWindow, 1)
	d := Decision{UsedWeight1m: used}

	if until := l.banEnd(st); now.Before(until) {
		return l.refuseBanned(d, ip, now, until)
	}
	if now.Before(st.throttledUntil) {
		return l.refuseBanned(d, ip, now, l.banOffender(st, now))
	}
	// The raw-request window is the longer one, so it wins when both are over.
	switch {
	case raw > l.cfg.RawRequestsPer5m:
		st.throttledUntil = windowEnd(rawWindow, fiveMinutesMs)
		return l.refuseLimited(d, l.rawMsg, now, st.throttledUntil)
	case used > l.cfg.WeightPerMinute:
		st.throttledUntil = windowEnd(weightWindow, minuteMs)
		return l.refuseLimited(d, l.weightMsg, now, st.throttledUntil)
	}
	return d
}

// AddWeight adds weight to ip's request weight in the current minute and
// returns the IP's new total, for the X-MBX-USED-WEIGHT-1M header. It is for
// weight charged after a request was admitted (Binance charges a failed order
// weight 1): it counts no raw request and decides nothing, so a response
// already allowed stays allowed. Weight that takes the IP over its limit
// refuses its next request. weight <= 0 adds nothing.
func (l *Limiter) AddWeight(ip string, weight int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	window := windowIndex(now.UnixMilli(), minuteMs)
	if weight <= 0 {
		if st := l.ips[ip]; st != nil {
			return st.weight.value(window)
		}
		return 0
	}
	l.sweepIfDue(now)
	return l.ipLocked(ip).weight.add(window, weight)
}

// ipLocked returns ip's state, creating it on first use.
func (l *Limiter) ipLocked(ip string) *ipState {
	st := l.ips[ip]
	if st == nil {
		st = &ipState{}
		l.ips[ip] = st
	}
	return st
}

// banEnd is when the IP's current ban, its own or everyone's, ends.
func (l *Limiter) banEnd(st *ipState) time.Time {
	if l.banAllUntil.After(st.bannedUntil) {
		return l.banAllUntil
	}
	return st.bannedUntil
}

// banOffender bans an IP that kept sending during its Retry-After period and
// returns when the ban ends.
func (l *Limiter) banOffender(st *ipState, now time.Time) time.Time {
	if !now.Before(st.strikesExpire) {
		st.strikes = 0
	}
	d := l.cfg.BanBase
	for i := 0; i < st.strikes && d < l.cfg.BanMax; i++ {
		d *= 2
	}
	d = min(d, l.cfg.BanMax)
	st.strikes++
	st.bannedUntil = now.Add(d)
	st.strikesExpire = st.bannedUntil.Add(l.cfg.BanMemory)
	st.throttledUntil = time.Time{}
	return st.bannedUntil
}

func (l *Limiter) refuseBanned(d Decision, ip string, now, until time.Time) Decision {
	l.banned418++
	d.Err = apierr.New(http.StatusTeapot, apierr.CodeTooManyRequests, fmt.Sprintf(
		"Way too many requests; IP(%s) banned until %d. Please use the websocket for live updates to avoid bans.",
		ip, until.UnixMilli()))
	d.RetryAfter = retryAfter(now, until)
	return d
}

func (l *Limiter) refuseLimited(d Decision, msg string, now, until time.Time) Decision {
	l.limited429++
	d.Err = apierr.New(http.StatusTooManyRequests, apierr.CodeTooManyRequests, msg)
	d.RetryAfter = retryAfter(now, until)
	return d
}

// UsedWeight is the IP's request weight in the current minute.
func (l *Limiter) UsedWeight(ip string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.ips[ip]
	if st == nil {
		return 0
	}
	return st.weight.value(windowIndex(l.cfg.Now().UnixMilli(), minuteMs))
}

// Ban bans ip for d from now, replacing any ban it has; d <= 0 lifts its ban.
// It is a fault injected by an operator, so it does not count as an offence.
func (l *Limiter) Ban(ip string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.ipLocked(ip)
	if d <= 0 {
		st.bannedUntil = time.Time{}
		return
	}
	st.bannedUntil = l.cfg.Now().Add(d)
}

// BanAll bans every IP, seen or new, for d from now; d <= 0 lifts this global
// ban (bans of single IPs stay). Like Ban, it is not an offence.
func (l *Limiter) BanAll(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d <= 0 {
		l.banAllUntil = time.Time{}
		return
	}
	l.banAllUntil = l.cfg.Now().Add(d)
}

// Reset forgets every IP, account, ban and counter.
func (l *Limiter) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.ips)
	clear(l.accounts)
	l.banAllUntil = time.Time{}
	l.nextSweep = time.Time{}
	l.limited429, l.banned418 = 0, 0
}

// Snapshot is the limiter's state for metrics and the admin API.
type Snapshot struct {
	UsedWeight map[string]int // IP → weight in the current minute, IPs with none left out
	// RateLimited429 counts 429 responses decided so far (request limits and
	// order limits); Banned418 counts 418 responses.
	RateLimited429, Banned418 int64
}

// Snapshot returns a copy of the current counters.
func (l *Limiter) Snapshot() Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	window := windowIndex(l.cfg.Now().UnixMilli(), minuteMs)
	s := Snapshot{UsedWeight: make(map[string]int), RateLimited429: l.limited429, Banned418: l.banned418}
	for ip, st := range l.ips {
		if w := st.weight.value(window); w > 0 {
			s.UsedWeight[ip] = w
		}
	}
	return s
}

// sweepIfDue drops IPs and accounts with nothing left to remember, at most once
// per sweepEvery, so memory stays bounded without a background goroutine.
func (l *Limiter) sweepIfDue(now time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	l.nextSweep = now.Add(sweepEvery)
	nowMs := now.UnixMilli()
	weightWindow := windowIndex(nowMs, minuteMs)
	rawWindow := windowIndex(nowMs, fiveMinutesMs)
	for ip, st := range l.ips {
		if st.weight.value(weightWindow) == 0 && st.raw.value(rawWindow) == 0 &&
			!now.Before(st.throttledUntil) && !now.Before(st.bannedUntil) && !now.Before(st.strikesExpire) {
			delete(l.ips, ip)
		}
	}
	tenSecondWindow := windowIndex(nowMs, tenSecondsMs)
	dayWindow := windowIndex(nowMs, dayMs)
	for account, st := range l.accounts {
		if st.tenSeconds.value(tenSecondWindow) == 0 && st.day.value(dayWindow) == 0 {
			delete(l.accounts, account)
		}
	}
}
