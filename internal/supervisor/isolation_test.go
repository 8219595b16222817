package supervisor

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
)

// A task that keeps panicking is restarted inside its own group while a task
// in another group runs on, never restarted and never told.
func TestPanickingGroupDoesNotDisturbOthers(t *testing.T) {
	h := startHarness(t, Options{BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond})

	var steadyRuns atomic.Int32
	steadyEntered := make(chan struct{}, 1)
	if _, err := h.s.Ensure("ns/steady", "1", nil, Task{Name: "loop", Run: func(ctx context.Context) error {
		steadyRuns.Add(1)
		steadyEntered <- struct{}{}
		return blockUntilDone(ctx)
	}}); err != nil {
		t.Fatal(err)
	}
	<-steadyEntered

	if _, err := h.s.Ensure("ns/crashy", "1", nil, Task{Name: "loop", Run: func(context.Context) error {
		panic("boom")
	}}); err != nil {
		t.Fatal(err)
	}
	crashy := h.waitFor("ns/crashy", func(s GroupSnapshot) bool {
		st, _ := s.Task("loop")
		return st.Restarts >= 3 && st.Panics >= 4
	})

	got, _ := crashy.Task("loop")
	if got.LastError != "panic: boom" {
		t.Errorf("crashy LastError = %q, want %q", got.LastError, "panic: boom")
	}
	steady, _ := h.s.Snapshot("ns/steady")
	if st, _ := steady.Task("loop"); st.State != TaskRunning || st.Restarts != 0 || st.Panics != 0 || st.LastError != "" {
		t.Errorf("steady task = %+v, want running, never restarted, no error", st)
	}
	if n := steadyRuns.Load(); n != 1 {
		t.Errorf("steady task ran %d times, want 1", n)
	}
	if err := h.stop(); err != nil {
		t.Fatalf("Start returned %v", err)
	}
}

// explodeOnPurpose is named so the logged stack can be checked for it.
func explodeOnPurpose(context.Context) error {
	var m map[string]int
	m["x"] = 1 //nolint:staticcheck // the panic is the point: assignment to entry in nil map
	return nil
}

func TestPanicIsLoggedWithItsStack(t *testing.T) {
	var (
		mu   sync.Mutex
		logs []string
	)
	logger := funcr.New(func(prefix, args string) {
		mu.Lock()
		logs = append(logs, args)
		mu.Unlock()
	}, funcr.Options{})
	h := startHarness(t, Options{Logger: logger, BackoffBase: time.Hour})

	if _, err := h.s.Ensure("ns/bot", "1", nil, Task{Name: "trader", Run: explodeOnPurpose}); err != nil {
		t.Fatal(err)
	}
	snap := h.waitFor("ns/bot", taskIs("trader", TaskBackoff))
	st, _ := snap.Task("trader")
	if st.Panics != 1 || st.LastError != "panic: assignment to entry in nil map" {
		t.Errorf("status = %+v, want 1 panic with the runtime error text", st)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	var panicLog string
	for _, l := range logs {
		if strings.Contains(l, "recovered a panic in task") {
			panicLog = l
		}
	}
	for _, want := range []string{`"group"="ns/bot"`, `"task"="trader"`, "explodeOnPurpose", "runtime/debug.Stack"} {
		if !strings.Contains(panicLog, want) {
			t.Errorf("panic log lacks %q:\n%s", want, panicLog)
		}
	}
}
