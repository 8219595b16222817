package supervisor

import "sync/atomic"

// Published holds the latest immutable value of some state that one writer
// produces and many readers read without locks, such as a bot's live figures.
// Values stored must not be changed afterwards; publish a new one instead.
// The zero value is ready to use.
type Published[T any] struct {
	p atomic.Pointer[T]
}

// Load returns the latest value, or nil before the first Store.
func (p *Published[T]) Load() *T { return p.p.Load() }

// Store publishes v.
func (p *Published[T]) Store(v *T) { p.p.Store(v) }

// Update publishes f(old), retrying with the newer value if another writer
// published in between, so f may run more than once. f must not mutate old.
func (p *Published[T]) Update(f func(old *T) *T) {
	for {
		old := p.p.Load()
		if p.p.CompareAndSwap(old, f(old)) {
			return
		}
	}
}
