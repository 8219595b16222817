package supervisor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/backoff"
)

// phase is where the Supervisor itself is in its life.
type phase int

const (
	phaseNew     phase = iota // groups may be ensured; none run yet
	phaseRunning              // Start is running: groups run as they are ensured
	phaseClosed               // Start is shutting down or has returned
)

// Supervisor runs goroutine groups keyed by resource. All methods are safe
// for concurrent use. Create one with [NewSupervisor] and run it with Start
// (normally by adding it to a controller-runtime manager).
type Supervisor struct {
	opts   Options
	jitter *backoff.Jitter
	notes  *notifier

	mu     sync.RWMutex // guards the fields below; taken before any group's lock
	phase  phase
	ctx    context.Context // Start's context, the parent of every group's
	groups map[string]*group
}

// NewSupervisor returns a Supervisor that runs nothing until Start.
func New(opts Options) *Supervisor {
	opts = opts.withDefaults()
	return &Supervisor{
		opts:   opts,
		jitter: backoff.NewJitter(opts.JitterSeed),
		notes:  newNotifier(),
		groups: make(map[string]*group),
	}
}

// NeedLeaderElection reports true: only the elected replica runs bots.
func (s *Supervisor) NeedLeaderElection() bool { return true }

// Start launches the groups ensured so far and delivers change notifications
// until ctx is done. Then it stops every group, waiting at most StopTimeout
// for all of them together, and returns. The error names the groups whose
// tasks had not stopped by then. Start may be called once.
func (s *Supervisor) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.phase != phaseNew {
		s.mu.Unlock()
		return ErrAlreadyStarted
	}
	s.phase = phaseRunning
	s.ctx = ctx
	for _, g := range s.groups {
		g.launch(ctx)
	}
	s.mu.Unlock()

	s.notes.dispatch(ctx, s.opts.OnChange)
	return s.shutdown()
}

// shutdown stops every group and waits for them, bounded by StopTimeout.
func (s *Supervisor) shutdown() error {
	s.mu.Lock()
	s.phase = phaseClosed
	groups := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		groups = append(groups, g)
	}
	s.mu.Unlock()
	slices.SortFunc(groups, func(a, b *group) int { return cmp.Compare(a.key, b.key) })

	for _, g := range groups {
		g.beginStop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.StopTimeout)
	defer cancel()
	var errs []error
	for _, g := range groups {
		if err := g.wait(ctx); err != nil {
			errs = append(errs, err)
			continue
		}
		s.forget(g)
	}
	return errors.Join(errs...)
}

// Ensure makes the group key run tasks at version. If the group already runs
// version it does nothing and returns false: the group keeps its tasks and
// its state. Otherwise it stops the group running another version, waits up
// to StopTimeout for it to finish (so two generations of a bot never run at
// once), then starts the new group with state and tasks and returns true.
// state is an opaque value kept with the group and returned by State.
//
// If the old generation does not stop in time, Ensure returns a *StopError
// (wrapped) and starts nothing; calling it again waits again. Before Start,
// the new group's tasks stay Pending until Start launches them.
func (s *Supervisor) Ensure(key, version string, state any, tasks ...Task) (restarted bool, err error) {
	if err := validateTasks(tasks); err != nil {
		return false, err
	}
	for {
		restarted, old, err := s.ensureStep(key, version, state, tasks)
		if old == nil {
			return restarted, err
		}
		// Stop the old generation outside the lock; other keys carry on.
		old.beginStop()
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.StopTimeout)
		err = old.wait(ctx)
		cancel()
		if err != nil {
			return false, fmt.Errorf("supervisor: replacing group %q: %w", key, err)
		}
		s.forget(old)
		// Loop: another caller may have ensured this key meanwhile.
	}
}

// EnsureNoWait is Ensure for callers that must not block, such as a
// reconciler: where Ensure would wait for an older generation to stop, it
// tells that generation to stop and returns ErrGroupStopping (wrapped)
// without starting anything. OnChange(key) is called once the old group has
// left the list; calling EnsureNoWait again then starts the new one.
func (s *Supervisor) EnsureNoWait(key, version string, state any, tasks ...Task) (restarted bool, err error) {
	if err := validateTasks(tasks); err != nil {
		return false, err
	}
	for {
		restarted, old, err := s.ensureStep(key, version, state, tasks)
		if old == nil {
			return restarted, err
		}
		if !s.beginStopGroup(old) {
			return false, fmt.Errorf("%w: %q: waiting for the previous generation", ErrGroupStopping, key)
		}
		// The old group had nothing left to wait for: start the new one.
	}
}

// ensureStep does the part of Ensure that needs no waiting: it starts the
// group if none is listed under key, or leaves a group at version alone.
// Otherwise it returns the group in the way, which the caller must stop.
func (s *Supervisor) ensureStep(key, version string, state any, tasks []Task) (restarted bool, old *group, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase == phaseClosed {
		return false, nil, ErrStopped
	}
	old = s.groups[key]
	if old == nil {
		g := newGroup(s, key, version, state, tasks)
		s.groups[key] = g
		if s.phase == phaseRunning {
			g.launch(s.ctx)
		}
		return true, nil, nil
	}
	if old.version == version && !old.isStopping() {
		return false, nil, nil
	}
	return false, old, nil
}

// AddTask adds task to the running group key. It starts at once if the
// supervisor is running, otherwise it stays Pending until Start.
func (s *Supervisor) AddTask(key string, task Task) error {
	if err := validateTasks([]Task{task}); err != nil {
		return err
	}
	s.mu.RLock()
	g := s.groups[key]
	closed := s.phase == phaseClosed
	s.mu.RUnlock()
	switch {
	case closed:
		return ErrStopped
	case g == nil:
		return fmt.Errorf("%w: %q", ErrUnknownGroup, key)
	}
	return g.addTask(task)
}

// Stop cancels the group key and waits for its tasks, at most StopTimeout
// and no longer than ctx allows. It returns a *StopError naming the tasks
// that did not return; the group then stays listed, marked Stopping, until
// they do. Stopping an unknown key does nothing.
func (s *Supervisor) Stop(ctx context.Context, key string) error {
	s.mu.RLock()
	g := s.groups[key]
	s.mu.RUnlock()
	if g == nil {
		return nil
	}
	g.beginStop()
	ctx, cancel := context.WithTimeout(ctx, s.opts.StopTimeout)
	defer cancel()
	if err := g.wait(ctx); err != nil {
		return err
	}
	s.forget(g)
	return nil
}

// BeginStop cancels the group key without waiting for its tasks, and
// reports whether no group is listed under key any more. When it reports
// false, the group leaves the list once its last task returns, and
// OnChange(key) says so. Stopping an unknown key does nothing and reports
// true.
func (s *Supervisor) BeginStop(key string) (gone bool) {
	g := s.group(key)
	if g == nil {
		return true
	}
	return s.beginStopGroup(g)
}

// beginStopGroup cancels g and, if it has no task left running, removes it
// from the list at once. It reports whether g has left the list.
func (s *Supervisor) beginStopGroup(g *group) bool {
	g.beginStop()
	select {
	case <-g.done:
		s.forget(g)
		return true
	default:
		return false
	}
}

// StopTimeout is how long a stop may take before it counts as stuck.
func (s *Supervisor) StopTimeout() time.Duration { return s.opts.StopTimeout }

// Snapshot returns the latest published state of group key. It takes no
// lock a task could hold, so it never waits on tasks.
func (s *Supervisor) Snapshot(key string) (GroupSnapshot, bool) {
	g := s.group(key)
	if g == nil {
		return GroupSnapshot{}, false
	}
	return g.snap.Load().clone(), true
}

// State returns the value passed to Ensure when group key was started.
func (s *Supervisor) State(key string) (any, bool) {
	g := s.group(key)
	if g == nil {
		return nil, false
	}
	return g.state, true
}

// Version returns the version group key runs.
func (s *Supervisor) Version(key string) (string, bool) {
	g := s.group(key)
	if g == nil {
		return "", false
	}
	return g.version, true
}

// Keys returns the keys of all groups, including those still stopping, sorted.
func (s *Supervisor) Keys() []string {
	s.mu.RLock()
	keys := make([]string, 0, len(s.groups))
	for k := range s.groups {
		keys = append(keys, k)
	}
	s.mu.RUnlock()
	slices.Sort(keys)
	return keys
}

// Notify signals that something important changed for key, such as a
// breaker trip or a risk halt, so OnChange is called for it soon. Calls
// before that are coalesced into one. It never blocks.
func (s *Supervisor) Notify(key string) { s.notes.notify(key) }

func (s *Supervisor) group(key string) *group {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.groups[key]
}

// forget removes g from the map if it is still the group for its key, and
// notifies: a group disappearing is a change readers must see.
func (s *Supervisor) forget(g *group) {
	s.mu.Lock()
	removed := s.groups[g.key] == g
	if removed {
		delete(s.groups, g.key)
	}
	s.mu.Unlock()
	if removed {
		s.notes.notify(g.key)
	}
}

func validateTasks(tasks []Task) error {
	seen := make(map[string]struct{}, len(tasks))
	for i, t := range tasks {
		switch {
		case t.Name == "":
			return fmt.Errorf("%w: task %d has no name", ErrInvalidTask, i)
		case t.Run == nil:
			return fmt.Errorf("%w: task %q has no Run function", ErrInvalidTask, t.Name)
		}
		if _, dup := seen[t.Name]; dup {
			return fmt.Errorf("%w: task name %q used twice", ErrInvalidTask, t.Name)
		}
		seen[t.Name] = struct{}{}
	}
	return nil
}
