package supervisor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"testing"
	"time"
)

func TestTaskOutcomes(t *testing.T) {
	// failFirst returns a Run that calls first on its first run and returns
	// nil afterwards.
	failFirst := func(first func() error) func(context.Context) error {
		var runs atomic.Int32
		return func(context.Context) error {
			if runs.Add(1) == 1 {
				return first()
			}
			return nil
		}
	}
	tests := []struct {
		name string
		run  func(context.Context) error
		want TaskStatus
	}{
		{
			name: "nil return succeeds",
			run:  func(context.Context) error { return nil },
			want: TaskStatus{State: TaskSucceeded},
		},
		{
			name: "permanent error fails without restart",
			run:  func(context.Context) error { return Permanent(errors.New("invalid API key")) },
			want: TaskStatus{State: TaskFailed, LastError: "invalid API key"},
		},
		{
			name: "wrapped permanent error fails",
			run: func(context.Context) error {
				return fmt.Errorf("login: %w", Permanent(errors.New("invalid API key")))
			},
			want: TaskStatus{State: TaskFailed, LastError: "login: invalid API key"},
		},
		{
			name: "error is retried",
			run:  failFirst(func() error { return errors.New("503 from exchange") }),
			want: TaskStatus{State: TaskSucceeded, Restarts: 1, LastError: "503 from exchange"},
		},
		{
			name: "panic is recovered and retried",
			run:  failFirst(func() error { panic(fmt.Sprintf("index %d out of range", 3)) }),
			want: TaskStatus{State: TaskSucceeded, Restarts: 1, Panics: 1, LastError: "panic: index 3 out of range"},
		},
		{
			name: "panic with an error value",
			run:  failFirst(func() error { panic(errors.New("nil strategy")) }),
			want: TaskStatus{State: TaskSucceeded, Restarts: 1, Panics: 1, LastError: "panic: nil strategy"},
		},
		{
			name: "Goexit fails the task",
			run:  func(context.Context) error { runtime.Goexit(); return nil },
			want: TaskStatus{State: TaskFailed, LastError: "task called runtime.Goexit"},
		},
	}
	h := startHarness(t, Options{BackoffBase: time.Millisecond})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.s.Ensure(tt.name, "1", nil, Task{Name: "t", Run: tt.run}); err != nil {
				t.Fatal(err)
			}
			snap := h.waitFor(tt.name, func(s GroupSnapshot) bool {
				st, _ := s.Task("t")
				return st.State == TaskSucceeded || st.State == TaskFailed
			})
			got, _ := snap.Task("t")
			if got.State != tt.want.State || got.Restarts != tt.want.Restarts ||
				got.Panics != tt.want.Panics || got.LastError != tt.want.LastError {
				t.Errorf("status = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestInvalidTasksAreRefused(t *testing.T) {
	run := func(context.Context) error { return nil }
	tests := []struct {
		name  string
		tasks []Task
	}{
		{name: "no name", tasks: []Task{{Run: run}}},
		{name: "no Run", tasks: []Task{{Name: "feed"}}},
		{name: "duplicate name", tasks: []Task{{Name: "feed", Run: run}, {Name: "feed", Run: run}}},
	}
	h := startHarness(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.s.Ensure("ns/bad", "1", nil, tt.tasks...); !errors.Is(err, ErrInvalidTask) {
				t.Errorf("Ensure = %v, want ErrInvalidTask", err)
			}
			if _, ok := h.s.Snapshot("ns/bad"); ok {
				t.Errorf("a refused Ensure created a group")
			}
		})
	}
}

func TestAddTask(t *testing.T) {
	h := startHarness(t, Options{})
	if _, err := h.s.Ensure("ns/bot", "1", nil, Task{Name: "feed", Run: blockUntilDone}); err != nil {
		t.Fatal(err)
	}
	if err := h.s.AddTask("ns/bot", Task{Name: "recorder", Run: blockUntilDone}); err != nil {
		t.Fatalf("AddTask = %v", err)
	}
	snap := h.waitFor("ns/bot", taskIs("recorder", TaskRunning))
	if len(snap.Tasks) != 2 || snap.Tasks[0].Name != "feed" || snap.Tasks[1].Name != "recorder" {
		t.Errorf("tasks = %+v, want feed then recorder", snap.Tasks)
	}

	tests := []struct {
		name string
		key  string
		task Task
		want error
	}{
		{name: "unknown group", key: "ns/none", task: Task{Name: "x", Run: blockUntilDone}, want: ErrUnknownGroup},
		{name: "name taken", key: "ns/bot", task: Task{Name: "feed", Run: blockUntilDone}, want: ErrInvalidTask},
		{name: "no Run", key: "ns/bot", task: Task{Name: "y"}, want: ErrInvalidTask},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.s.AddTask(tt.key, tt.task); !errors.Is(err, tt.want) {
				t.Errorf("AddTask = %v, want %v", err, tt.want)
			}
		})
	}
}

// Goroutine profiles of thousands of bots must say which bot each goroutine
// serves.
func TestTaskContextCarriesProfilerLabels(t *testing.T) {
	h := startHarness(t, Options{})
	got := make(chan [2]string, 1)
	if _, err := h.s.Ensure("ns/bot", "1", nil, Task{Name: "trader", Run: func(ctx context.Context) error {
		group, _ := pprof.Label(ctx, "group")
		task, _ := pprof.Label(ctx, "task")
		got <- [2]string{group, task}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if labels := <-got; labels != [2]string{"ns/bot", "trader"} {
		t.Errorf("labels = %v, want [ns/bot trader]", labels)
	}
}
