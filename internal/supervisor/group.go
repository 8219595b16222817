package supervisor

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// group is one resource's set of tasks and the goroutines running them.
type group struct {
	sup     *Supervisor
	key     string
	version string
	state   any

	snap atomic.Pointer[GroupSnapshot] // replaced, never modified

	mu       sync.Mutex // guards the fields below; taken after Supervisor.mu
	ctx      context.Context
	cancel   context.CancelFunc
	started  time.Time
	tasks    []*taskRun
	live     int  // task goroutines not yet returned
	stopping bool // beginStop was called
	stopAt   time.Time
	done     chan struct{}
}

// taskRun is a task and its status; status is guarded by the group's mu.
type taskRun struct {
	Task
	status TaskStatus
	live   bool // its goroutine has been started and not yet returned
}

func newGroup(s *Supervisor, key, version string, state any, tasks []Task) *group {
	g := &group{
		sup:     s,
		key:     key,
		version: version,
		state:   state,
		tasks:   make([]*taskRun, 0, len(tasks)),
		done:    make(chan struct{}),
	}
	now := s.opts.Now()
	for _, t := range tasks {
		g.tasks = append(g.tasks, newTaskRun(t, now))
	}
	g.mu.Lock()
	g.publishLocked()
	g.mu.Unlock()
	s.notes.notify(key)
	return g
}

func newTaskRun(t Task, now time.Time) *taskRun {
	return &taskRun{Task: t, status: TaskStatus{Name: t.Name, State: TaskPending, Since: now}}
}

// launch starts the group's tasks under a context derived from parent.
func (g *group) launch(parent context.Context) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ctx != nil || g.stopping {
		return
	}
	g.ctx, g.cancel = context.WithCancel(parent)
	g.started = g.sup.opts.Now()
	for _, t := range g.tasks {
		g.startLocked(t)
	}
	g.publishLocked()
	g.sup.notes.notify(g.key)
}

func (g *group) startLocked(t *taskRun) {
	t.live = true
	g.live++
	go g.run(t)
}

func (g *group) addTask(task Task) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopping {
		return fmt.Errorf("%w: %q", ErrGroupStopping, g.key)
	}
	for _, t := range g.tasks {
		if t.Name == task.Name {
			return fmt.Errorf("%w: group %q already has a task %q", ErrInvalidTask, g.key, task.Name)
		}
	}
	t := newTaskRun(task, g.sup.opts.Now())
	g.tasks = append(g.tasks, t)
	if g.ctx != nil {
		g.startLocked(t)
	}
	g.publishLocked()
	g.sup.notes.notify(g.key)
	return nil
}

func (g *group) isStopping() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stopping
}

// beginStop cancels the group's context. It does not wait; see wait.
func (g *group) beginStop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopping {
		return
	}
	g.stopping = true
	if g.cancel != nil {
		g.cancel()
	}
	now := g.sup.opts.Now()
	g.stopAt = now
	for _, t := range g.tasks {
		if !t.live && t.status.State == TaskPending {
			t.status.State, t.status.Since = TaskStopped, now
		}
	}
	if g.live == 0 {
		close(g.done)
	}
	g.publishLocked()
	g.sup.notes.notify(g.key)
}

// wait blocks until every task of a stopping group has returned or ctx is
// done, and then reports the tasks still running.
func (g *group) wait(ctx context.Context) error {
	select {
	case <-g.done:
		return nil
	case <-ctx.Done():
	}
	select {
	case <-g.done: // finished just as the wait ended
		return nil
	default:
	}
	g.mu.Lock()
	var names []string
	for _, t := range g.tasks {
		if t.live {
			names = append(names, t.Name)
		}
	}
	g.mu.Unlock()
	return &StopError{Key: g.key, Tasks: names, Err: ctx.Err()}
}

// update applies f to t's status, stamps Since if the state changed, and
// publishes a new snapshot.
func (g *group) update(t *taskRun, f func(st *TaskStatus)) {
	g.mu.Lock()
	prev := t.status.State
	f(&t.status)
	if t.status.State != prev {
		t.status.Since = g.sup.opts.Now()
	}
	g.publishLocked()
	g.mu.Unlock()
	g.sup.notes.notify(g.key)
}

// exited records that t's goroutine is returning. Unless t reached a final
// state on its own it is marked Stopped, or Failed if it left through
// runtime.Goexit. The last task of a stopping group to return closes done.
func (g *group) exited(t *taskRun, viaGoexit bool) {
	g.mu.Lock()
	switch {
	case viaGoexit:
		t.status.State, t.status.Since = TaskFailed, g.sup.opts.Now()
		t.status.LastError = "task called runtime.Goexit"
	case t.status.State != TaskSucceeded && t.status.State != TaskFailed:
		if t.status.State != TaskStopped {
			t.status.State, t.status.Since = TaskStopped, g.sup.opts.Now()
		}
	}
	t.live = false
	g.live--
	drained := g.live == 0 && g.stopping
	if drained {
		close(g.done)
	}
	g.publishLocked()
	g.mu.Unlock()
	if drained {
		// A group whose Stop timed out leaves the list once it is done.
		g.sup.forget(g)
	}
	g.sup.notes.notify(g.key) // after forget, so a woken reader sees the group gone
}

func (g *group) publishLocked() {
	s := &GroupSnapshot{
		Key:      g.key,
		Version:  g.version,
		Started:  g.started,
		Stopping: g.stopping,
		StopAt:   g.stopAt,
		Tasks:    make([]TaskStatus, len(g.tasks)),
	}
	for i, t := range g.tasks {
		s.Tasks[i] = t.status
	}
	g.snap.Store(s)
}
