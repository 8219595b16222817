package exchange

import (
	"context"
	"sync"
)

// flight is one piece of work shared by every caller that joined it
// (exchangeInfo, a coalesced batch). It runs on its own goroutine, owned by
// the flight: the goroutine ends when the work does, and the work's context
// is canceled when the last caller has left or the registry closes. No
// caller's cancellation can fail the others.
type flight[T any] struct {
	done   chan struct{}
	val    T
	err    error
	cancel context.CancelFunc

	mu        sync.Mutex
	waiters   int
	abandoned bool
}

// startFlight runs work on a new goroutine tracked by the registry, with one
// caller joined. If the registry is closed, the flight fails at once.
func startFlight[T any](r *Registry, work func(ctx context.Context) (T, error)) *flight[T] {
	f := &flight[T]{done: make(chan struct{}), waiters: 1}
	ctx, ok := r.startWork()
	if !ok {
		f.err = ErrClosed
		f.cancel = func() {}
		close(f.done)
		return f
	}
	ctx, f.cancel = context.WithCancel(ctx)
	go func() {
		defer r.workDone()
		defer f.cancel()
		f.val, f.err = work(ctx)
		close(f.done)
	}()
	return f
}

// join adds a caller; false means the flight was abandoned and a new one
// must be started.
func (f *flight[T]) join() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.abandoned {
		return false
	}
	f.waiters++
	return true
}

// leave removes a caller that stopped waiting; the last one out cancels
// the work.
func (f *flight[T]) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		select {
		case <-f.done:
		default:
			f.abandoned = true
			f.cancel()
		}
	}
}

// wait returns the flight's result, or ctx's error if ctx ends first (the
// caller then has left).
func (f *flight[T]) wait(ctx context.Context) (T, error) {
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		select {
		case <-f.done: // both ready: prefer the result
			return f.val, f.err
		default:
		}
		f.leave()
		var zero T
		return zero, ctx.Err()
	}
}
