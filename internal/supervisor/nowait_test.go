package supervisor

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// deafTask returns a task that ignores cancellation until release is closed;
// canceled is closed once it has seen its context end.
func deafTask(name string, release <-chan struct{}) (Task, <-chan struct{}) {
	canceled := make(chan struct{})
	var once sync.Once
	return Task{Name: name, Run: func(ctx context.Context) error {
		<-ctx.Done()
		once.Do(func() { close(canceled) })
		<-release
		return nil
	}}, canceled
}

// BeginStop returns while a task still ignores its context; the group leaves
// the list, with a notification, only once that task returns.
func TestBeginStopDoesNotWait(t *testing.T) {
	var mu sync.Mutex
	var notified []string
	// StopTimeout is far longer than the test: nothing may wait for it.
	h := startHarness(t, Options{StopTimeout: time.Hour, OnChange: func(key string) {
		mu.Lock()
		notified = append(notified, key)
		mu.Unlock()
	}})
	release := make(chan struct{})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	deaf, canceled := deafTask("deaf", release)
	if _, err := h.s.Ensure("ns/stuck", "1", nil, deaf, Task{Name: "polite", Run: blockUntilDone}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("ns/stuck", taskIs("deaf", TaskRunning))

	if gone := h.s.BeginStop("ns/stuck"); gone {
		t.Fatal("BeginStop reported the group gone while a task still runs")
	}
	<-canceled
	snap := h.waitFor("ns/stuck", taskIs("polite", TaskStopped))
	if !snap.Stopping || snap.StopAt.IsZero() {
		t.Errorf("snapshot after BeginStop = %+v, want Stopping with StopAt", snap)
	}
	// Asking again neither waits nor forgets the group.
	if gone := h.s.BeginStop("ns/stuck"); gone {
		t.Error("a second BeginStop reported the group gone while a task still runs")
	}
	mu.Lock()
	before := len(notified)
	mu.Unlock()

	close(release)
	h.waitGone("ns/stuck")
	// The notification that reports the group gone comes after it left.
	deadline := time.NewTimer(hangGuard)
	defer deadline.Stop()
	for {
		mu.Lock()
		n := len(notified)
		last := ""
		if n > 0 {
			last = notified[n-1]
		}
		mu.Unlock()
		if n > before && last == "ns/stuck" {
			break
		}
		select {
		case <-h.changed:
		case <-deadline.C:
			t.Fatal("no notification after the group left the list")
		}
	}
	if gone := h.s.BeginStop("ns/stuck"); !gone {
		t.Error("BeginStop of a gone group reported it still listed")
	}
}

// A group whose tasks all return at once is gone when BeginStop returns.
func TestBeginStopOfAPoliteGroup(t *testing.T) {
	h := newHarness(t, Options{StopTimeout: time.Hour})
	// Not started: its tasks are Pending, so nothing is left to wait for.
	if _, err := h.s.Ensure("ns/idle", "1", nil, Task{Name: "t", Run: blockUntilDone}); err != nil {
		t.Fatal(err)
	}
	if gone := h.s.BeginStop("ns/idle"); !gone {
		t.Error("BeginStop of a group with no running task did not remove it")
	}
	if keys := h.s.Keys(); len(keys) != 0 {
		t.Errorf("keys = %v, want none", keys)
	}
}

// EnsureNoWait never starts a new generation while the old one is still
// inside Run, and never waits for it either.
func TestEnsureNoWaitReplacesWithoutWaiting(t *testing.T) {
	h := startHarness(t, Options{StopTimeout: time.Hour})
	release := make(chan struct{})
	deaf, canceled := deafTask("trader", release)
	if _, err := h.s.EnsureNoWait("ns/bot", "1", "first", deaf); err != nil {
		t.Fatal(err)
	}
	h.waitFor("ns/bot", taskIs("trader", TaskRunning))

	next := Task{Name: "trader", Run: blockUntilDone}
	for range 2 {
		restarted, err := h.s.EnsureNoWait("ns/bot", "2", "second", next)
		if !errors.Is(err, ErrGroupStopping) || restarted {
			t.Fatalf("EnsureNoWait while the old generation stops = %v, %v; want false, ErrGroupStopping", restarted, err)
		}
	}
	<-canceled
	if v, _ := h.s.Version("ns/bot"); v != "1" {
		t.Errorf("version while the old generation stops = %q, want 1", v)
	}

	close(release)
	h.waitGone("ns/bot")
	restarted, err := h.s.EnsureNoWait("ns/bot", "2", "second", next)
	if err != nil || !restarted {
		t.Fatalf("EnsureNoWait after the old generation left = %v, %v; want true, nil", restarted, err)
	}
	h.waitFor("ns/bot", taskIs("trader", TaskRunning))
	if st, _ := h.s.State("ns/bot"); st != "second" {
		t.Errorf("state = %v, want the second generation's", st)
	}
	// The same version again is a no-op.
	if restarted, err := h.s.EnsureNoWait("ns/bot", "2", "third", next); err != nil || restarted {
		t.Errorf("EnsureNoWait of the running version = %v, %v; want false, nil", restarted, err)
	}
}

// An invalid task is refused before anything is stopped, and a closed
// supervisor starts nothing.
func TestEnsureNoWaitRefusesInvalidTasks(t *testing.T) {
	h := startHarness(t, Options{StopTimeout: time.Hour})
	if _, err := h.s.EnsureNoWait("ns/bot", "1", nil, Task{Name: "a", Run: blockUntilDone}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("ns/bot", taskIs("a", TaskRunning))
	if _, err := h.s.EnsureNoWait("ns/bot", "2", nil, Task{Name: "a"}); !errors.Is(err, ErrInvalidTask) {
		t.Fatalf("EnsureNoWait with a task without Run = %v, want ErrInvalidTask", err)
	}
	snap, ok := h.s.Snapshot("ns/bot")
	if !ok || snap.Stopping || snap.Version != "1" {
		t.Errorf("after a refused EnsureNoWait: %+v (listed %v), want version 1 still running", snap, ok)
	}
	if keys := h.s.Keys(); !slices.Equal(keys, []string{"ns/bot"}) {
		t.Errorf("keys = %v", keys)
	}
	if err := h.stop(); err != nil {
		t.Errorf("Start returned %v", err)
	}
	if _, err := h.s.EnsureNoWait("ns/bot", "3", nil, Task{Name: "a", Run: blockUntilDone}); !errors.Is(err, ErrStopped) {
		t.Errorf("EnsureNoWait after shutdown = %v, want ErrStopped", err)
	}
}
