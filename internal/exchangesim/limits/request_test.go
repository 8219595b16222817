package limits

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

const ip = "1.2.3.4"

func weightMsg(limit int) string {
	return fmt.Sprintf("Too much request weight used; current limit is %d request weight per 1 MINUTE. "+
		"Please use WebSocket Streams for live updates to avoid polling the API.", limit)
}

func banMsg(ip string, until time.Time) string {
	return fmt.Sprintf("Way too many requests; IP(%s) banned until %d. Please use the websocket for live updates to avoid bans.",
		ip, until.UnixMilli())
}

// wantAllowed fails unless d allowed the request with the given used weight.
func wantAllowed(t *testing.T, d Decision, used int) {
	t.Helper()
	if d.Err != nil || d.RetryAfter != 0 || d.UsedWeight1m != used {
		t.Fatalf("decision = {%v %v %d}, want allowed with used weight %d", d.Err, d.RetryAfter, d.UsedWeight1m, used)
	}
}

// wantRefused fails unless d carries exactly this error and Retry-After.
func wantRefused(t *testing.T, d Decision, status int, msg string, retry time.Duration) {
	t.Helper()
	if d.Err == nil {
		t.Fatalf("decision allowed (used %d), want status %d %q", d.UsedWeight1m, status, msg)
	}
	if d.Err.Status != status || d.Err.Code != apierr.CodeTooManyRequests || d.Err.Msg != msg {
		t.Fatalf("error = {%d %d %q}, want {%d -1003 %q}", d.Err.Status, d.Err.Code, d.Err.Msg, status, msg)
	}
	if d.RetryAfter != retry {
		t.Fatalf("RetryAfter = %v, want %v", d.RetryAfter, retry)
	}
}

func TestRequestUnderAndAtTheLimit(t *testing.T) {
	clk := clock.NewFake(at(t, "00:00:05.000"))
	l := newTestLimiter(Config{WeightPerMinute: 100}, clk)
	for i := 1; i <= 10; i++ {
		wantAllowed(t, l.Request(ip, 10), 10*i)
	}
	if got := l.UsedWeight(ip); got != 100 {
		t.Fatalf("UsedWeight = %d, want 100", got)
	}
	// A weightless request at the limit is still fine: only going over is refused.
	wantAllowed(t, l.Request(ip, 0), 100)
	wantAllowed(t, l.Request(ip, -5), 100) // negative weight counts as none
}

func TestRequestOverTheLimitGets429UntilTheMinuteEnds(t *testing.T) {
	tests := []struct {
		name      string
		now       string
		before    int // weight already used in this minute
		weight    int
		wantRetry time.Duration
	}{
		{"one over", "00:00:20.250", 100, 1, 40 * time.Second},        // 39.75 s rounds up
		{"single heavy request", "00:00:00.000", 0, 101, time.Minute}, // whole minute ahead
		{"last millisecond", "00:00:59.999", 100, 1, time.Second},     // at least one second
		{"exact seconds left", "00:00:30.000", 60, 41, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(at(t, tt.now))
			l := newTestLimiter(Config{WeightPerMinute: 100}, clk)
			if tt.before > 0 {
				wantAllowed(t, l.Request(ip, tt.before), tt.before)
			}
			d := l.Request(ip, tt.weight)
			wantRefused(t, d, http.StatusTooManyRequests, weightMsg(100), tt.wantRetry)
			if d.UsedWeight1m != tt.before+tt.weight {
				t.Errorf("UsedWeight1m = %d, want %d (refused requests are charged)", d.UsedWeight1m, tt.before+tt.weight)
			}
			if s := l.Snapshot(); s.RateLimited429 != 1 || s.Banned418 != 0 {
				t.Errorf("counters = 429:%d 418:%d, want 1 and 0", s.RateLimited429, s.Banned418)
			}
		})
	}
}

func TestDefaultWeightMessageNamesTheConfiguredLimit(t *testing.T) {
	clk := clock.NewFake(midnight)
	l := newTestLimiter(Config{}, clk)
	wantRefused(t, l.Request(ip, 6001), http.StatusTooManyRequests,
		"Too much request weight used; current limit is 6000 request weight per 1 MINUTE. "+
			"Please use WebSocket Streams for live updates to avoid polling the API.", time.Minute)
}

func TestWeightResetsAtTheMinuteBoundary(t *testing.T) {
	clk := clock.NewFake(at(t, "00:00:59.999"))
	l := newTestLimiter(Config{WeightPerMinute: 100}, clk)
	wantAllowed(t, l.Request(ip, 60), 60)
	wantRefused(t, l.Request(ip, 50), http.StatusTooManyRequests, weightMsg(100), time.Second)

	// The Retry-After period ends exactly at the boundary: no ban, a fresh window.
	clk.Set(at(t, "00:01:00.000"))
	wantAllowed(t, l.Request(ip, 7), 7)
	if got := l.UsedWeight(ip); got != 7 {
		t.Errorf("UsedWeight = %d, want 7", got)
	}
	// Not a sliding window: 59.9 s later the old weight is still in the same minute.
	clk.Set(at(t, "00:01:59.900"))
	wantAllowed(t, l.Request(ip, 93), 100)
	clk.Set(at(t, "00:02:00.000"))
	if got := l.UsedWeight(ip); got != 0 {
		t.Errorf("UsedWeight in a new minute = %d, want 0", got)
	}
}

func TestRequestDuringRetryAfterEscalatesTo418(t *testing.T) {
	clk := clock.NewFake(at(t, "00:00:30.000"))
	l := newTestLimiter(Config{WeightPerMinute: 10, BanBase: 2 * time.Minute}, clk)
	wantRefused(t, l.Request(ip, 11), http.StatusTooManyRequests, weightMsg(10), 30*time.Second)

	clk.Set(at(t, "00:00:31.000"))
	banEnd := at(t, "00:02:31.000")
	d := l.Request(ip, 1)
	wantRefused(t, d, http.StatusTeapot, banMsg(ip, banEnd), 2*time.Minute)
	if d.UsedWeight1m != 12 {
		t.Errorf("UsedWeight1m = %d, want 12", d.UsedWeight1m)
	}

	// Requests during the ban are refused and do not extend it.
	clk.Set(at(t, "00:01:10.500"))
	wantRefused(t, l.Request(ip, 1), http.StatusTeapot, banMsg(ip, banEnd), 81*time.Second)
	clk.Set(at(t, "00:02:30.999"))
	wantRefused(t, l.Request(ip, 1), http.StatusTeapot, banMsg(ip, banEnd), time.Second)

	// The ban ends exactly at banEnd.
	clk.Set(banEnd)
	wantAllowed(t, l.Request(ip, 1), 2) // same minute as the refused request at 00:02:30.999

	if s := l.Snapshot(); s.RateLimited429 != 1 || s.Banned418 != 3 {
		t.Errorf("counters = 429:%d 418:%d, want 1 and 3", s.RateLimited429, s.Banned418)
	}
}

// offend makes ip earn a ban starting at the next minute boundary after the
// clock and returns the ban's length, read from the 418's Retry-After.
func offend(t *testing.T, l *Limiter, clk *clock.Fake, ip string) time.Duration {
	t.Helper()
	start := clk.Now().Truncate(time.Minute).Add(time.Minute)
	clk.Set(start)
	d := l.Request(ip, l.Limits().WeightPerMinute+1)
	if d.Err == nil || d.Err.Status != http.StatusTooManyRequests {
		t.Fatalf("overweight request: %+v, want 429", d)
	}
	d = l.Request(ip, 1)
	if d.Err == nil || d.Err.Status != http.StatusTeapot {
		t.Fatalf("request during Retry-After: %+v, want 418", d)
	}
	want := banMsg(ip, start.Add(d.RetryAfter))
	if d.Err.Msg != want {
		t.Fatalf("ban message %q, want %q", d.Err.Msg, want)
	}
	clk.Set(start.Add(d.RetryAfter)) // wait the ban out
	wantAllowed(t, l.Request(ip, 0), 0)
	return d.RetryAfter
}

func TestBansDoubleForRepeatOffendersUpToTheCap(t *testing.T) {
	clk := clock.NewFake(midnight)
	l := newTestLimiter(Config{WeightPerMinute: 10, BanBase: 2 * time.Minute, BanMax: 10 * time.Minute}, clk)
	want := []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i, w := range want {
		if got := offend(t, l, clk, ip); got != w {
			t.Fatalf("ban %d lasted %v, want %v", i+1, got, w)
		}
	}
	// Another IP starts from the base.
	if got := offend(t, l, clk, "5.6.7.8"); got != 2*time.Minute {
		t.Fatalf("first ban of another IP lasted %v, want 2m", got)
	}
}

func TestBanHistoryIsForgottenAfterBanMemory(t *testing.T) {
	clk := clock.NewFake(midnight)
	l := newTestLimiter(Config{WeightPerMinute: 10, BanBase: time.Minute, BanMemory: time.Hour}, clk)
	if got := offend(t, l, clk, ip); got != time.Minute {
		t.Fatalf("first ban %v, want 1m", got)
	}
	// The clock sits at the ban's end (00:02); the next offence, at 01:01, is
	// within the hour and so a repeat.
	clk.Advance(58 * time.Minute)
	if got := offend(t, l, clk, ip); got != 2*time.Minute {
		t.Fatalf("repeat ban %v, want 2m", got)
	}
	clk.Advance(time.Hour)
	if got := offend(t, l, clk, ip); got != time.Minute {
		t.Fatalf("ban after BanMemory %v, want the base 1m", got)
	}
}

func TestBanBaseAboveBanMaxIsCapped(t *testing.T) {
	clk := clock.NewFake(midnight)
	l := newTestLimiter(Config{WeightPerMinute: 10, BanBase: time.Hour, BanMax: 5 * time.Minute}, clk)
	if got := offend(t, l, clk, ip); got != 5*time.Minute {
		t.Fatalf("ban %v, want the 5m cap", got)
	}
}

func TestIPsAreIsolated(t *testing.T) {
	clk := clock.NewFake(at(t, "00:00:10.000"))
	l := newTestLimiter(Config{WeightPerMinute: 10}, clk)
	wantRefused(t, l.Request("10.0.0.1", 11), http.StatusTooManyRequests, weightMsg(10), 50*time.Second)
	if d := l.Request("10.0.0.1", 1); d.Err == nil || d.Err.Status != http.StatusTeapot {
		t.Fatalf("offender: %+v, want 418", d)
	}
	wantAllowed(t, l.Request("10.0.0.2", 4), 4)
	wantAllowed(t, l.Request("10.0.0.2", 6), 10)
	if got := l.UsedWeight("10.0.0.1"); got != 12 {
		t.Errorf("offender's weight = %d, want 12", got)
	}
	if got := l.UsedWeight("10.0.0.3"); got != 0 {
		t.Errorf("unknown IP's weight = %d, want 0", got)
	}
}

func TestRawRequestLimit(t *testing.T) {
	clk := clock.NewFake(at(t, "00:03:00.000"))
	l := newTestLimiter(Config{RawRequestsPer5m: 5}, clk)
	for range 5 {
		wantAllowed(t, l.Request(ip, 0), 0)
	}
	wantRefused(t, l.Request(ip, 0), http.StatusTooManyRequests,
		"Too many requests; current limit is 5 requests per 5 MINUTE. "+
			"Please use WebSocket Streams for live updates to avoid polling the API.",
		2*time.Minute) // until 00:05:00
	// The next minute is a new weight window but still the same raw window and
	// Retry-After period: that earns a ban.
	clk.Set(at(t, "00:04:00.000"))
	if d := l.Request(ip, 0); d.Err == nil || d.Err.Status != http.StatusTeapot {
		t.Fatalf("request during raw Retry-After: %+v, want 418", d)
	}
}

func TestAdminBanOfOneIP(t *testing.T) {
	clk := clock.NewFake(midnight)
	l := newTestLimiter(Config{}, clk)
	l.Ban(ip, 90*time.Second)
	until := midnight.Add(90 * time.Second)
	wantRefused(t, l.Request(ip, 1), http.StatusTeapot, banMsg(ip, until), 90*time.Second)
	wantAllowed(t, l.Request("9.9.9.9", 1), 1)

	l.Ban(ip, 0) // lift
	wantAllowed(t, l.Request(ip, 1), 2)

	l.Ban(ip, time.Minute)
	clk.Advance(time.Minute)
	wantAllowed(t, l.Request(ip, 1), 1)
}

func TestBanAllAffectsSeenAndNewIPs(t *testing.T) {
	clk := clock.NewFake(midnight)
	l := newTestLimiter(Config{WeightPerMinute: 10, BanBase: 2 * time.Minute}, clk)
	wantAllowed(t, l.Request("10.0.0.1", 1), 1)

	clk.Set(at(t, "00:00:10.000"))
	l.BanAll(5 * time.Minute)
	until := at(t, "00:05:10.000")
	wantRefused(t, l.Request("10.0.0.1", 1), http.StatusTeapot, banMsg("10.0.0.1", until), 5*time.Minute)
	wantRefused(t, l.Request("10.0.0.2", 1), http.StatusTeapot, banMsg("10.0.0.2", until), 5*time.Minute)

	clk.Set(until)
	wantAllowed(t, l.Request("10.0.0.2", 1), 1)
	// The global ban was not the IPs' offence: their first earned ban is the base.
	if got := offend(t, l, clk, "10.0.0.1"); got != 2*time.Minute {
		t.Errorf("first earned ban after BanAll = %v, want 2m", got)
	}

	l.BanAll(time.Hour)
	l.BanAll(0) // lift
	wantAllowed(t, l.Request("10.0.0.3", 1), 1)
}

func TestSnapshotAndReset(t *testing.T) {
	clk := clock.NewFake(at(t, "00:00:01.000"))
	l := newTestLimiter(Config{WeightPerMinute: 10}, clk)
	l.Request("a", 3)
	l.Request("b", 11) // 429
	l.Request("b", 1)  // 418
	l.Request("c", 0)
	l.BanAll(time.Minute)

	s := l.Snapshot()
	if len(s.UsedWeight) != 2 || s.UsedWeight["a"] != 3 || s.UsedWeight["b"] != 12 {
		t.Errorf("UsedWeight = %v, want map[a:3 b:12]", s.UsedWeight)
	}
	if s.RateLimited429 != 1 || s.Banned418 != 1 {
		t.Errorf("counters = 429:%d 418:%d, want 1 and 1", s.RateLimited429, s.Banned418)
	}
	s.UsedWeight["a"] = 999 // a copy: the limiter must not see this
	if got := l.UsedWeight("a"); got != 3 {
		t.Errorf("UsedWeight after editing the snapshot = %d, want 3", got)
	}

	l.Reset()
	s = l.Snapshot()
	if len(s.UsedWeight) != 0 || s.RateLimited429 != 0 || s.Banned418 != 0 {
		t.Errorf("after Reset: %+v, want empty", s)
	}
	wantAllowed(t, l.Request("b", 1), 1) // ban and BanAll forgotten
}

func TestIdleIPsAreForgotten(t *testing.T) {
	clk := clock.NewFake(midnight)
	l := newTestLimiter(Config{WeightPerMinute: 10, BanBase: time.Minute, BanMemory: time.Hour}, clk)
	for i := range 1000 {
		l.Request(fmt.Sprintf("10.0.%d.%d", i/256, i%256), 1)
	}
	offend(t, l, clk, "6.6.6.6") // remembered for its strike
	if got := trackedIPs(l); got != 1001 {
		t.Fatalf("tracked IPs = %d, want 1001", got)
	}
	clk.Set(midnight.Add(6 * time.Minute)) // every 1m and 5m window is over
	l.Request("1.1.1.1", 1)
	if got := trackedIPs(l); got != 2 {
		t.Fatalf("tracked IPs after the windows ended = %d, want 2 (the new one and the offender)", got)
	}
	clk.Set(midnight.Add(2 * time.Hour))
	l.Request("1.1.1.1", 1)
	if got := trackedIPs(l); got != 1 {
		t.Fatalf("tracked IPs after BanMemory = %d, want 1", got)
	}
}

func TestRetryAfterRounding(t *testing.T) {
	now := midnight
	tests := []struct {
		left time.Duration
		want time.Duration
	}{
		{-time.Second, time.Second},
		{0, time.Second},
		{time.Millisecond, time.Second},
		{time.Second, time.Second},
		{time.Second + time.Nanosecond, 2 * time.Second},
		{59*time.Second + 999*time.Millisecond, time.Minute},
		{72 * time.Hour, 72 * time.Hour},
	}
	for _, tt := range tests {
		if got := retryAfter(now, now.Add(tt.left)); got != tt.want {
			t.Errorf("retryAfter(%v left) = %v, want %v", tt.left, got, tt.want)
		}
	}
}

func TestDefaultsAndRateLimits(t *testing.T) {
	cfg := New(Config{}).Limits()
	if cfg.WeightPerMinute != 6000 || cfg.RawRequestsPer5m != 300000 || cfg.OrdersPer10s != 100 ||
		cfg.OrdersPerDay != 200000 || cfg.BanBase != 2*time.Minute || cfg.BanMax != 72*time.Hour ||
		cfg.BanMemory != 24*time.Hour || cfg.Now == nil {
		t.Fatalf("defaults = %+v", cfg)
	}
	got := cfg.RateLimits()
	want := []RateLimit{
		{"REQUEST_WEIGHT", "MINUTE", 1, 6000},
		{"ORDERS", "SECOND", 10, 100},
		{"ORDERS", "DAY", 1, 200000},
		{"RAW_REQUESTS", "MINUTE", 5, 300000},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("RateLimits = %v, want %v", got, want)
	}
	custom := New(Config{WeightPerMinute: 1200, BanBase: time.Second}).Limits()
	if custom.WeightPerMinute != 1200 || custom.BanBase != time.Second || custom.OrdersPer10s != 100 {
		t.Fatalf("custom config = %+v", custom)
	}
}
