package supervisor

import (
	"context"
	"sync"
	"testing"
	"time"
)

// hangGuard only stops a broken test from hanging; no test asserts speed.
const hangGuard = 30 * time.Second

// harness runs a Supervisor for one test and tells it when anything changed.
type harness struct {
	t       *testing.T
	s       *Supervisor
	changed chan struct{} // coalesced: "some group changed, look again"
	cancel  context.CancelFunc
	done    chan error
}

// newHarness builds a Supervisor without starting it. Its OnChange calls back
// into the Supervisor, which would deadlock if OnChange ran under a lock.
func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, changed: make(chan struct{}, 1)}
	user := opts.OnChange
	opts.OnChange = func(key string) {
		h.s.Snapshot(key)
		h.s.Keys()
		if user != nil {
			user(key)
		}
		select {
		case h.changed <- struct{}{}:
		default:
		}
	}
	h.s = New(opts)
	t.Cleanup(func() {
		if h.cancel != nil {
			h.cancel()
			<-h.done //nolint:errcheck // cleanup: the test already checked what it needs
		}
	})
	return h
}

// startHarness builds and starts a Supervisor.
func startHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	h := newHarness(t, opts)
	h.start()
	return h
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.s.Start(ctx) }()
}

// stop cancels Start's context and returns what Start returned.
func (h *harness) stop() error {
	h.cancel()
	err := <-h.done
	h.cancel = nil
	return err
}

// waitFor waits until group key exists and ok accepts its snapshot.
func (h *harness) waitFor(key string, ok func(GroupSnapshot) bool) GroupSnapshot {
	h.t.Helper()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	for {
		snap, found := h.s.Snapshot(key)
		if found && ok(snap) {
			return snap
		}
		select {
		case <-h.changed:
		case <-guard.C:
			h.t.Fatalf("group %q never reached the expected state; last snapshot (found=%v): %+v", key, found, snap)
		}
	}
}

// waitGone waits until group key is no longer listed.
func (h *harness) waitGone(key string) {
	h.t.Helper()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	for {
		if _, found := h.s.Snapshot(key); !found {
			return
		}
		select {
		case <-h.changed:
		case <-guard.C:
			h.t.Fatalf("group %q is still listed", key)
		}
	}
}

// taskIs returns a snapshot predicate: task name is in state.
func taskIs(name string, state TaskState) func(GroupSnapshot) bool {
	return func(s GroupSnapshot) bool {
		st, ok := s.Task(name)
		return ok && st.State == state
	}
}

// blockUntilDone is a well-behaved task body.
func blockUntilDone(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// fakeClock is a settable clock for the times recorded in snapshots.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
