package supervisor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// A task that ignores its context cannot hold Stop beyond StopTimeout; Stop
// names it, and the group leaves the list once the task finally returns.
func TestStopIsBoundedByStopTimeout(t *testing.T) {
	h := startHarness(t, Options{StopTimeout: 5 * time.Millisecond})
	release, entered := make(chan struct{}), make(chan struct{})
	if _, err := h.s.Ensure("ns/stuck", "1", nil, Task{Name: "deaf", Run: func(context.Context) error {
		close(entered)
		<-release
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	<-entered

	err := h.s.Stop(context.Background(), "ns/stuck")
	var stopErr *StopError
	if !errors.As(err, &stopErr) {
		t.Fatalf("Stop = %v, want a *StopError", err)
	}
	if stopErr.Key != "ns/stuck" || !slices.Equal(stopErr.Tasks, []string{"deaf"}) ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("StopError = %+v, want key ns/stuck, tasks [deaf], deadline exceeded", stopErr)
	}
	want := `supervisor: group "ns/stuck": tasks did not stop: deaf: context deadline exceeded`
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
	snap, ok := h.s.Snapshot("ns/stuck")
	if !ok || !snap.Stopping || snap.Tasks[0].State != TaskRunning {
		t.Errorf("after a timed-out Stop: %+v (listed=%v), want listed, Stopping, task still Running", snap, ok)
	}
	if err := h.s.AddTask("ns/stuck", Task{Name: "late", Run: blockUntilDone}); !errors.Is(err, ErrGroupStopping) {
		t.Errorf("AddTask to a stopping group = %v, want ErrGroupStopping", err)
	}

	close(release)
	h.waitGone("ns/stuck")
	if err := h.s.Stop(context.Background(), "ns/stuck"); err != nil {
		t.Errorf("Stop of a gone group = %v, want nil", err)
	}
}

// The caller's context bounds Stop too, and only the tasks still running are
// named.
func TestStopNamesOnlyTasksStillRunning(t *testing.T) {
	h := startHarness(t, Options{StopTimeout: time.Hour})
	release, entered := make(chan struct{}), make(chan struct{})
	defer close(release)
	if _, err := h.s.Ensure("ns/bot", "1", nil,
		Task{Name: "polite", Run: blockUntilDone},
		Task{Name: "deaf", Run: func(context.Context) error {
			close(entered)
			<-release
			return nil
		}},
	); err != nil {
		t.Fatal(err)
	}
	<-entered

	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- h.s.Stop(ctx, "ns/bot") }()
	snap := h.waitFor("ns/bot", taskIs("polite", TaskStopped))
	if !snap.Stopping {
		t.Errorf("snapshot during Stop not marked Stopping: %+v", snap)
	}
	cancel()
	err := <-result
	var stopErr *StopError
	if !errors.As(err, &stopErr) || !slices.Equal(stopErr.Tasks, []string{"deaf"}) || !errors.Is(err, context.Canceled) {
		t.Errorf("Stop = %v, want a StopError naming only deaf, caused by cancellation", err)
	}
}

func TestStopOfUnknownKeyIsANoOp(t *testing.T) {
	h := startHarness(t, Options{})
	if err := h.s.Stop(context.Background(), "ns/nothing"); err != nil {
		t.Errorf("Stop = %v, want nil", err)
	}
}

func TestStopRemovesTheGroup(t *testing.T) {
	h := startHarness(t, Options{})
	var exited atomic.Int32
	if _, err := h.s.Ensure("ns/bot", "1", nil, Task{Name: "trader", Run: func(ctx context.Context) error {
		defer exited.Add(1)
		return blockUntilDone(ctx)
	}}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("ns/bot", taskIs("trader", TaskRunning))
	if err := h.s.Stop(context.Background(), "ns/bot"); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if n := exited.Load(); n != 1 {
		t.Errorf("task returned %d times before Stop returned, want 1", n)
	}
	if _, ok := h.s.Snapshot("ns/bot"); ok {
		t.Errorf("group still listed after Stop")
	}
	if keys := h.s.Keys(); len(keys) != 0 {
		t.Errorf("Keys = %v, want none", keys)
	}
}

func TestStartReturnsWithEveryGroupStopped(t *testing.T) {
	h := startHarness(t, Options{})
	var exited atomic.Int32
	task := func(name string) Task {
		return Task{Name: name, Run: func(ctx context.Context) error {
			defer exited.Add(1)
			return blockUntilDone(ctx)
		}}
	}
	for i := range 5 {
		key := fmt.Sprintf("ns/bot-%d", i)
		if _, err := h.s.Ensure(key, "1", nil, task("feed"), task("trader")); err != nil {
			t.Fatal(err)
		}
		h.waitFor(key, func(s GroupSnapshot) bool {
			return taskIs("feed", TaskRunning)(s) && taskIs("trader", TaskRunning)(s)
		})
	}
	if err := h.stop(); err != nil {
		t.Fatalf("Start = %v, want nil", err)
	}
	if n := exited.Load(); n != 10 {
		t.Errorf("%d of 10 tasks returned before Start did", n)
	}
	if keys := h.s.Keys(); len(keys) != 0 {
		t.Errorf("Keys after Start returned = %v, want none", keys)
	}
	if _, err := h.s.Ensure("ns/late", "1", nil, task("feed")); !errors.Is(err, ErrStopped) {
		t.Errorf("Ensure after Start returned = %v, want ErrStopped", err)
	}
	if err := h.s.AddTask("ns/bot-0", task("x")); !errors.Is(err, ErrStopped) {
		t.Errorf("AddTask after Start returned = %v, want ErrStopped", err)
	}
	if err := h.s.Start(context.Background()); !errors.Is(err, ErrAlreadyStarted) {
		t.Errorf("second Start = %v, want ErrAlreadyStarted", err)
	}
}

// Start's shutdown is bounded too, and reports the group that overstayed.
func TestStartShutdownIsBounded(t *testing.T) {
	h := startHarness(t, Options{StopTimeout: 5 * time.Millisecond})
	release, entered := make(chan struct{}), make(chan struct{})
	if _, err := h.s.Ensure("ns/stuck", "1", nil, Task{Name: "deaf", Run: func(context.Context) error {
		close(entered)
		<-release
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Ensure("ns/fine", "1", nil, Task{Name: "polite", Run: blockUntilDone}); err != nil {
		t.Fatal(err)
	}
	<-entered

	err := h.stop()
	var stopErr *StopError
	if !errors.As(err, &stopErr) || stopErr.Key != "ns/stuck" || !slices.Equal(stopErr.Tasks, []string{"deaf"}) {
		t.Fatalf("Start = %v, want a StopError for ns/stuck naming deaf", err)
	}
	close(release)
	// Waits for the stuck group to drain, so no goroutine outlives the test.
	if err := h.s.Stop(context.Background(), "ns/stuck"); err != nil {
		t.Errorf("Stop after release = %v", err)
	}
}
