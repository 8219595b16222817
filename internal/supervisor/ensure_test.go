package supervisor

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestEnsureIsIdempotentForTheSameVersion(t *testing.T) {
	h := startHarness(t, Options{})
	var runs atomic.Int32
	entered := make(chan struct{}, 1)
	task := Task{Name: "trader", Run: func(ctx context.Context) error {
		runs.Add(1)
		entered <- struct{}{}
		return blockUntilDone(ctx)
	}}
	first, second := new(int), new(int)

	restarted, err := h.s.Ensure("ns/bot", "7", first, task)
	if err != nil || !restarted {
		t.Fatalf("first Ensure = %v, %v; want true, nil", restarted, err)
	}
	<-entered
	for range 3 {
		restarted, err = h.s.Ensure("ns/bot", "7", second, task)
		if err != nil || restarted {
			t.Fatalf("repeated Ensure = %v, %v; want false, nil", restarted, err)
		}
	}
	if state, _ := h.s.State("ns/bot"); state != first {
		t.Errorf("State after a no-op Ensure is not the first state")
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("task ran %d times, want 1", n)
	}

	restarted, err = h.s.Ensure("ns/bot", "8", second, task)
	if err != nil || !restarted {
		t.Fatalf("Ensure with a new version = %v, %v; want true, nil", restarted, err)
	}
	<-entered
	snap := h.waitFor("ns/bot", taskIs("trader", TaskRunning))
	if state, _ := h.s.State("ns/bot"); state != second {
		t.Errorf("State after a new version is not the new state")
	}
	if v, _ := h.s.Version("ns/bot"); v != "8" || snap.Version != "8" {
		t.Errorf("Version = %q, snapshot version %q; want 8", v, snap.Version)
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("task ran %d times, want 2", n)
	}
}

// Each generation's task counts itself while running; a new version must
// never start while the previous one is still inside Run.
func TestNewVersionNeverOverlapsTheOld(t *testing.T) {
	h := startHarness(t, Options{})
	var running, maxRunning atomic.Int32
	entered := make(chan string, 1)
	task := func(version string) Task {
		return Task{Name: "trader", Run: func(ctx context.Context) error {
			n := running.Add(1)
			for cur := maxRunning.Load(); n > cur && !maxRunning.CompareAndSwap(cur, n); cur = maxRunning.Load() {
			}
			entered <- version
			<-ctx.Done()
			// Linger after cancellation so an Ensure that did not wait
			// would start the next generation right here.
			for range 100 {
				runtime.Gosched()
			}
			running.Add(-1)
			return ctx.Err()
		}}
	}
	var order []string
	for i := range 20 {
		version := string(rune('a' + i))
		restarted, err := h.s.Ensure("ns/bot", version, nil, task(version))
		if err != nil || !restarted {
			t.Fatalf("Ensure(%s) = %v, %v", version, restarted, err)
		}
		order = append(order, <-entered)
	}
	if n := maxRunning.Load(); n != 1 {
		t.Errorf("at most %d generations ran at once, want 1", n)
	}
	want := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"}
	if !slices.Equal(order, want) {
		t.Errorf("generations ran in order %v, want %v", order, want)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := running.Load(); n != 0 {
		t.Errorf("%d tasks still running after Start returned", n)
	}
}

// Concurrent Ensures for one key with different versions settle on one of
// them, still without overlap.
func TestConcurrentEnsuresForOneKeyNeverOverlap(t *testing.T) {
	h := startHarness(t, Options{})
	var running, overlaps atomic.Int32
	task := Task{Name: "trader", Run: func(ctx context.Context) error {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer running.Add(-1)
		return blockUntilDone(ctx)
	}}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			_, err := h.s.Ensure("ns/bot", string(rune('a'+i)), nil, task)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Errorf("Ensure: %v", err)
		}
	}
	if keys := h.s.Keys(); !slices.Equal(keys, []string{"ns/bot"}) {
		t.Errorf("Keys = %v, want [ns/bot]", keys)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d generations started while another ran", n)
	}
}

// If the old generation will not stop, Ensure starts nothing and says why.
func TestEnsureRefusesToReplaceAStuckGeneration(t *testing.T) {
	h := startHarness(t, Options{StopTimeout: 5 * time.Millisecond})
	release, entered := make(chan struct{}), make(chan struct{})
	deaf := Task{Name: "deaf", Run: func(context.Context) error {
		close(entered)
		<-release // ignores its context
		return nil
	}}
	if _, err := h.s.Ensure("ns/bot", "1", nil, deaf); err != nil {
		t.Fatal(err)
	}
	<-entered

	var newRuns atomic.Int32
	nextEntered := make(chan struct{}, 1)
	next := Task{Name: "deaf", Run: func(ctx context.Context) error {
		newRuns.Add(1)
		nextEntered <- struct{}{}
		return blockUntilDone(ctx)
	}}
	restarted, err := h.s.Ensure("ns/bot", "2", nil, next)
	var stopErr *StopError
	if restarted || !errors.As(err, &stopErr) || !slices.Equal(stopErr.Tasks, []string{"deaf"}) {
		t.Fatalf("Ensure over a stuck group = %v, %v; want false and a StopError naming deaf", restarted, err)
	}
	if v, _ := h.s.Version("ns/bot"); v != "1" {
		t.Errorf("Version = %q, want the old generation 1 still listed", v)
	}
	if snap, _ := h.s.Snapshot("ns/bot"); !snap.Stopping {
		t.Errorf("old generation not marked Stopping: %+v", snap)
	}
	if n := newRuns.Load(); n != 0 {
		t.Errorf("new generation ran %d times while the old one was stuck", n)
	}

	close(release)
	h.waitGone("ns/bot")
	if restarted, err := h.s.Ensure("ns/bot", "2", nil, next); err != nil || !restarted {
		t.Fatalf("Ensure after the old generation ended = %v, %v", restarted, err)
	}
	<-nextEntered
	if n := newRuns.Load(); n != 1 {
		t.Errorf("new generation ran %d times, want 1", n)
	}
}

func TestEnsureBeforeStart(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Options{Now: clock.Now})
	var runs atomic.Int32
	task := func(name string) Task {
		return Task{Name: name, Run: func(ctx context.Context) error {
			runs.Add(1)
			return blockUntilDone(ctx)
		}}
	}
	state := new(int)
	restarted, err := h.s.Ensure("ns/early", "1", state, task("feed"))
	if err != nil || !restarted {
		t.Fatalf("Ensure before Start = %v, %v; want true, nil", restarted, err)
	}
	if err := h.s.AddTask("ns/early", task("trader")); err != nil {
		t.Fatalf("AddTask before Start: %v", err)
	}

	snap, ok := h.s.Snapshot("ns/early")
	if !ok || !snap.Started.IsZero() || len(snap.Tasks) != 2 {
		t.Fatalf("snapshot before Start = %+v, %v", snap, ok)
	}
	for _, st := range snap.Tasks {
		if st.State != TaskPending || !st.Since.Equal(clock.Now()) {
			t.Errorf("task %s before Start = %+v, want Pending since now", st.Name, st)
		}
	}
	if got, _ := h.s.State("ns/early"); got != state {
		t.Errorf("State before Start is not the state passed to Ensure")
	}
	if n := runs.Load(); n != 0 {
		t.Errorf("%d tasks ran before Start", n)
	}

	clock.Advance(time.Minute)
	h.start()
	snap = h.waitFor("ns/early", func(s GroupSnapshot) bool {
		return taskIs("feed", TaskRunning)(s) && taskIs("trader", TaskRunning)(s)
	})
	if !snap.Started.Equal(clock.Now()) {
		t.Errorf("Started = %v, want %v", snap.Started, clock.Now())
	}
	if names := []string{snap.Tasks[0].Name, snap.Tasks[1].Name}; !slices.Equal(names, []string{"feed", "trader"}) {
		t.Errorf("tasks in order %v, want [feed trader]", names)
	}
}
