package supervisor

import (
	"context"
	"errors"
	"testing"
	"time"
)

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
