package limits

import (
	"net/http"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
)

func TestAddWeightChargesWeightOnly(t *testing.T) {
	tests := []struct {
		name     string
		before   int // weight of an earlier request in this minute
		add      int
		wantUsed int
	}{
		{"to an unseen IP", 0, 1, 1},
		{"on top of a request", 10, 1, 11},
		{"several at once", 10, 5, 15},
		{"zero adds nothing", 10, 0, 10},
		{"negative adds nothing", 10, -3, 10},
		{"up to the limit", 99, 1, 100},
		{"over the limit, no decision", 100, 4, 104},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(at(t, "00:00:10.000"))
			l := newTestLimiter(Config{WeightPerMinute: 100}, clk)
			if tt.before > 0 {
				wantAllowed(t, l.Request(ip, tt.before), tt.before)
			}
			if got := l.AddWeight(ip, tt.add); got != tt.wantUsed {
				t.Fatalf("AddWeight = %d, want %d", got, tt.wantUsed)
			}
			if got := l.UsedWeight(ip); got != tt.wantUsed {
				t.Fatalf("UsedWeight = %d, want %d", got, tt.wantUsed)
			}
			if s := l.Snapshot(); s.RateLimited429 != 0 || s.Banned418 != 0 {
				t.Fatalf("AddWeight decided something: 429:%d 418:%d", s.RateLimited429, s.Banned418)
			}
		})
	}
}

func TestAddWeightUnseenIPWithNothingToAddIsNotTracked(t *testing.T) {
	l := newTestLimiter(Config{}, clock.NewFake(midnight))
	if got := l.AddWeight(ip, 0); got != 0 {
		t.Fatalf("AddWeight(0) = %d, want 0", got)
	}
	if n := trackedIPs(l); n != 0 {
		t.Fatalf("tracking %d IPs after adding nothing, want 0", n)
	}
}

// The 5-minute raw window allows 3 requests; added weight must not use them up.
func TestAddWeightCountsNoRawRequest(t *testing.T) {
	clk := clock.NewFake(at(t, "00:00:10.000"))
	l := newTestLimiter(Config{RawRequestsPer5m: 3}, clk)
	for i := range 3 {
		wantAllowed(t, l.Request(ip, 0), i)
		l.AddWeight(ip, 1)
	}
	if d := l.Request(ip, 0); d.Err == nil {
		t.Fatal("fourth raw request allowed, want 429: the raw limit is 3")
	}
}

// Weight added over the limit refuses the IP's next request, with the
// Retry-After of an ordinary 429, and does not turn into a ban by itself.
func TestAddWeightOverTheLimitRefusesTheNextRequest(t *testing.T) {
	clk := clock.NewFake(at(t, "00:00:30.000"))
	l := newTestLimiter(Config{WeightPerMinute: 10}, clk)
	wantAllowed(t, l.Request(ip, 10), 10)
	if got := l.AddWeight(ip, 1); got != 11 {
		t.Fatalf("AddWeight = %d, want 11", got)
	}
	d := l.Request(ip, 1)
	wantRefused(t, d, http.StatusTooManyRequests, weightMsg(10), 30*time.Second)
	if d.UsedWeight1m != 12 {
		t.Fatalf("UsedWeight1m = %d, want 12", d.UsedWeight1m)
	}
	clk.Set(at(t, "00:01:00.000")) // the Retry-After ends with the minute
	wantAllowed(t, l.Request(ip, 1), 1)
}

func TestAddWeightLandsInTheCurrentMinute(t *testing.T) {
	clk := clock.NewFake(at(t, "00:00:59.000"))
	l := newTestLimiter(Config{}, clk)
	l.AddWeight(ip, 5)
	clk.Set(at(t, "00:01:00.000"))
	if got := l.AddWeight(ip, 2); got != 2 {
		t.Fatalf("AddWeight in a new minute = %d, want 2", got)
	}
}
