package supervisor

import (
	"context"
	"errors"
	"time"
)

// TaskState is where a task is in its life cycle.
type TaskState string

// The states a task moves through. Succeeded, Failed and Stopped are final.
const (
	// TaskPending: added but not launched yet (the supervisor has not started).
	TaskPending TaskState = "Pending"
	// TaskRunning: Run is executing.
	TaskRunning TaskState = "Running"
	// TaskBackoff: Run failed or panicked; waiting to restart it.
	TaskBackoff TaskState = "Backoff"
	// TaskSucceeded: Run returned nil; the task is not restarted.
	TaskSucceeded TaskState = "Succeeded"
	// TaskFailed: Run returned a [Permanent] error; the task is not restarted.
	TaskFailed TaskState = "Failed"
	// TaskStopped: the group was stopped.
	TaskStopped TaskState = "Stopped"
)

// Task is one named unit of work in a group.
type Task struct {
	// Name identifies the task within its group; it must be unique and non-empty.
	Name string
	// Run does the work. It must return soon after ctx is done. A non-nil
	// error or a panic restarts it with backoff; a nil return means the task
	// finished (Succeeded) and it is not restarted; an error wrapped with
	// [Permanent] marks it Failed and it is not restarted either.
	Run func(ctx context.Context) error
}

// TaskStatus is a task's state as published in a [GroupSnapshot].
type TaskStatus struct {
	Name      string
	State     TaskState
	Restarts  int32
	LastError string
	// Since is when State last changed.
	Since time.Time
	// Panics counts the panics recovered from Run.
	Panics int32
	// Backoff is the delay chosen after the latest failure: the wait before
	// the pending restart while State is Backoff. Zero before any failure.
	Backoff time.Duration
}

// Permanent wraps err so that a task returning it ends in TaskFailed instead
// of being restarted: for errors no retry can fix, such as rejected
// credentials. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
