package clock

import (
	"sync"
	"time"
)

// Fake is a clock that moves only when told to. Its methods may be called
// from any goroutine; pass its Now method wherever a func() time.Time is
// wanted.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a clock that reads t until it is moved.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// Now returns the clock's current time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d (backward when d is negative).
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// Set moves the clock to t, which may be earlier than its current time.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}
