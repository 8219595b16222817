package supervisor

import (
	"slices"
	"time"
)

// GroupSnapshot is a group's state at one moment. A published snapshot is
// never modified; [Supervisor.Snapshot] hands out copies, so callers may keep
// or change what they get.
type GroupSnapshot struct {
	Key     string
	Version string
	// Started is when the group's tasks were launched; zero while the
	// supervisor has not started.
	Started time.Time
	// Stopping is true once the group has been told to stop, at StopAt.
	Stopping bool
	StopAt   time.Time
	// Tasks are in the order they were added.
	Tasks []TaskStatus
}

// Task returns the status of the task called name.
func (s GroupSnapshot) Task(name string) (TaskStatus, bool) {
	for _, t := range s.Tasks {
		if t.Name == name {
			return t, true
		}
	}
	return TaskStatus{}, false
}

func (s *GroupSnapshot) clone() GroupSnapshot {
	c := *s
	c.Tasks = slices.Clone(s.Tasks)
	return c
}
