package runtime

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	const base, limit = time.Second, 10 * time.Second
	lowest := func(int64) int64 { return 0 }
	highest := func(n int64) int64 { return n - 1 }
	tests := []struct {
		failures int
		low      time.Duration // with no jitter: half the ceiling
		high     time.Duration // with the most jitter: the ceiling
	}{
		{failures: 1, low: 500 * time.Millisecond, high: time.Second},
		{failures: 2, low: time.Second, high: 2 * time.Second},
		{failures: 3, low: 2 * time.Second, high: 4 * time.Second},
		{failures: 4, low: 4 * time.Second, high: 8 * time.Second},
		{failures: 5, low: 5 * time.Second, high: 10 * time.Second},  // capped
		{failures: 80, low: 5 * time.Second, high: 10 * time.Second}, // no overflow
	}
	for _, tt := range tests {
		if got := backoffDelay(tt.failures, base, limit, lowest); got != tt.low {
			t.Errorf("failures=%d, least jitter: got %v, want %v", tt.failures, got, tt.low)
		}
		if got := backoffDelay(tt.failures, base, limit, highest); got != tt.high {
			t.Errorf("failures=%d, most jitter: got %v, want %v", tt.failures, got, tt.high)
		}
	}
}

func TestBackoffDelayNearDurationLimit(t *testing.T) {
	const huge = time.Duration(1<<63 - 1)
	got := backoffDelay(70, time.Hour, huge, func(n int64) int64 { return n - 1 })
	if got != huge {
		t.Errorf("got %v, want the cap %v", got, huge)
	}
}

func TestJitterSourceIsSeededPerSupervisor(t *testing.T) {
	draw := func(j *jitterSource) []int64 {
		out := make([]int64, 8)
		for i := range out {
			out[i] = j.Int64N(1 << 40)
		}
		return out
	}
	a, b, c := draw(newJitterSource(7)), draw(newJitterSource(7)), draw(newJitterSource(8))
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed gave different draws: %v vs %v", a, b)
		}
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Errorf("different seeds gave the same draws: %v", a)
	}
}

// backoffsSeen runs a task that always fails and records, at the start of
// each run, the backoff that preceded it. The clock only moves when advance
// says so.
func backoffsSeen(t *testing.T, opts Options, runs int, advance time.Duration) []time.Duration {
	t.Helper()
	clock := newFakeClock()
	opts.Now = clock.Now
	h := startHarness(t, opts)
	var seen []time.Duration // written only by the task, read after it failed
	task := Task{Name: "flaky", Run: func(context.Context) error {
		snap, _ := h.s.Snapshot("ns/flaky")
		st, _ := snap.Task("flaky")
		seen = append(seen, st.Backoff)
		clock.Advance(advance)
		if len(seen) == runs {
			return Permanent(errors.New("enough"))
		}
		return errors.New("exchange unreachable")
	}}
	if _, err := h.s.Ensure("ns/flaky", "1", nil, task); err != nil {
		t.Fatal(err)
	}
	snap := h.waitFor("ns/flaky", taskIs("flaky", TaskFailed))
	if st, _ := snap.Task("flaky"); st.Restarts != int32(runs-1) || st.LastError != "enough" {
		t.Errorf("final status = %+v, want %d restarts and LastError \"enough\"", st, runs-1)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	return seen
}

func TestBackoffGrowsToItsCap(t *testing.T) {
	const base, limit = 2 * time.Millisecond, 8 * time.Millisecond
	seen := backoffsSeen(t, Options{BackoffBase: base, BackoffMax: limit, BackoffResetAfter: time.Minute}, 7, 0)
	ceilings := []time.Duration{0, base, 2 * base, limit, limit, limit, limit}
	if len(seen) != len(ceilings) {
		t.Fatalf("saw %d runs, want %d", len(seen), len(ceilings))
	}
	for i, c := range ceilings {
		if seen[i] < c/2 || seen[i] > c {
			t.Errorf("backoff before run %d = %v, want within [%v, %v]", i+1, seen[i], c/2, c)
		}
	}
}

func TestBackoffResetsAfterALongRun(t *testing.T) {
	const base, limit = 2 * time.Millisecond, time.Second
	// Each run lasts two minutes on the task's clock, longer than the reset
	// threshold, so every failure is treated as the first.
	seen := backoffsSeen(t, Options{BackoffBase: base, BackoffMax: limit, BackoffResetAfter: time.Minute}, 5, 2*time.Minute)
	for i, d := range seen[1:] {
		if d < base/2 || d > base {
			t.Errorf("backoff before run %d = %v, want within [%v, %v]", i+2, d, base/2, base)
		}
	}
}
