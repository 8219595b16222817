package exchange

import (
	"context"
	"time"
)

// clock is where an endpoint reads the time and waits. Tests and benchmarks
// hand in a clock that runs faster than real time, or only when told to,
// together with a matching after.
type clock struct {
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

// sleep waits d on the clock, or until ctx ends.
func (c clock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	select {
	case <-c.after(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
