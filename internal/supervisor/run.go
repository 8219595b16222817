package supervisor

import (
	"context"
	"errors"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/backoff"
)

// run is the goroutine of one task: it calls Run, recovers its panics and
// restarts it with backoff until it succeeds, fails permanently or the group
// stops. The group owns it through g.live and g.done.
func (g *group) run(t *taskRun) {
	returned := false
	defer func() { g.exited(t, !returned) }()

	// Label the goroutine (and those it starts) so a goroutine profile of
	// thousands of bots says which bot and task each one belongs to.
	ctx := pprof.WithLabels(g.ctx, pprof.Labels("group", g.key, "task", t.Name))
	pprof.SetGoroutineLabels(ctx)

	opts := &g.sup.opts
	log := opts.Logger.WithValues("group", g.key, "task", t.Name)
	failures := 0 // consecutive, for the backoff
	for restart := false; ; restart = true {
		g.update(t, func(st *TaskStatus) {
			st.State = TaskRunning
			if restart {
				st.Restarts++
			}
		})
		began := opts.Now()
		err := call(ctx, t.Run)
		var pe *panicError
		panicked := errors.As(err, &pe)
		if panicked {
			log.Error(err, "recovered a panic in task", "stack", string(pe.stack))
		}

		if ctx.Err() != nil {
			// Stopping: whatever Run returned, do not restart. Keep only
			// errors that are not the cancellation itself.
			if err != nil && !errors.Is(err, context.Canceled) {
				g.update(t, func(st *TaskStatus) { recordError(st, err, panicked) })
			}
			returned = true
			return
		}
		switch {
		case err == nil:
			g.update(t, func(st *TaskStatus) { st.State = TaskSucceeded })
			returned = true
			return
		case isPermanent(err):
			log.Error(err, "task failed permanently; not restarting")
			g.update(t, func(st *TaskStatus) {
				st.State = TaskFailed
				recordError(st, err, panicked)
			})
			returned = true
			return
		}

		if opts.Now().Sub(began) >= opts.BackoffResetAfter {
			failures = 0 // it ran well for a while: start the backoff over
		}
		failures++
		delay := backoff.Delay(failures, opts.BackoffBase, opts.BackoffMax, g.sup.jitter.Int64N)
		if !panicked {
			log.Error(err, "task failed; restarting after backoff", "backoff", delay)
		}
		g.update(t, func(st *TaskStatus) {
			st.State = TaskBackoff
			st.Backoff = delay
			recordError(st, err, panicked)
		})
		if !sleep(ctx, delay) {
			returned = true
			return
		}
	}
}

// call runs fn, turning a panic into a *panicError with the panic's stack.
// This is the only recover in the operator.
func call(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return fn(ctx)
}

func recordError(st *TaskStatus, err error, panicked bool) {
	st.LastError = err.Error()
	if panicked {
		st.Panics++
	}
}

// sleep waits for d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
