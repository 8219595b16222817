package supervisor

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrStopped is returned by Ensure and AddTask once Start has returned or
	// is shutting down.
	ErrStopped = errors.New("supervisor: stopped")
	// ErrAlreadyStarted is returned by a second call to Start.
	ErrAlreadyStarted = errors.New("supervisor: already started")
	// ErrUnknownGroup is returned by AddTask for a key with no group.
	ErrUnknownGroup = errors.New("supervisor: no such group")
	// ErrGroupStopping is returned by AddTask for a group being stopped.
	ErrGroupStopping = errors.New("supervisor: group is stopping")
	// ErrInvalidTask is returned for a task without a name or Run function,
	// or whose name is already used in its group.
	ErrInvalidTask = errors.New("supervisor: invalid task")
)

// StopError reports a group whose tasks did not return in time after being
// told to stop. The group stays listed, marked Stopping, until they do.
type StopError struct {
	Key string
	// Tasks are the names of the tasks still running, in the order added.
	Tasks []string
	// Err is why the wait ended: context.DeadlineExceeded when StopTimeout
	// passed, or the caller's context error.
	Err error
}

func (e *StopError) Error() string {
	return fmt.Sprintf("supervisor: group %q: tasks did not stop: %s: %v",
		e.Key, strings.Join(e.Tasks, ", "), e.Err)
}

func (e *StopError) Unwrap() error { return e.Err }

// panicError carries a value recovered from a task's Run and the stack at
// the panic.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }
