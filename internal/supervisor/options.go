package supervisor

import (
	"time"

	"github.com/go-logr/logr"
)

// Options configure a [Supervisor]. Zero fields take the defaults below.
type Options struct {
	// Logger receives task failures and recovered panics (with stacks).
	Logger logr.Logger
	// BackoffBase is the first restart delay (default 1s).
	BackoffBase time.Duration
	// BackoffMax caps the restart delay (default 2m).
	BackoffMax time.Duration
	// BackoffResetAfter: a task that ran this long before failing restarts
	// from BackoffBase again (default 1m).
	BackoffResetAfter time.Duration
	// StopTimeout bounds how long stopping a group waits for its tasks
	// (default 10s).
	StopTimeout time.Duration
	// Now is the clock for the times in snapshots and for measuring how long
	// a task ran (default time.Now).
	Now func() time.Time
	// OnChange is called with a group's key when one of its tasks changes
	// state, the group starts, stops or leaves the list, or Notify(key) is
	// called. Calls are
	// coalesced per key, made one at a time from the goroutine running Start,
	// and never while a lock is held, so OnChange may call the Supervisor.
	// It should not block: a slow OnChange delays every later notification.
	OnChange func(key string)
	// JitterSeed seeds this supervisor's backoff jitter; 0 seeds it from the
	// system's entropy.
	JitterSeed uint64
}

func (o Options) withDefaults() Options {
	if o.Logger.GetSink() == nil {
		o.Logger = logr.Discard()
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 2 * time.Minute
	}
	o.BackoffMax = max(o.BackoffMax, o.BackoffBase)
	if o.BackoffResetAfter <= 0 {
		o.BackoffResetAfter = time.Minute
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
