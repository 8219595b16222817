package supervisor

import "testing"

func TestSnapshotIsACopy(t *testing.T) {
	h := startHarness(t, Options{})
	if _, err := h.s.Ensure("ns/bot", "1", nil, Task{Name: "feed", Run: blockUntilDone}); err != nil {
		t.Fatal(err)
	}
	first := h.waitFor("ns/bot", taskIs("feed", TaskRunning))
	first.Tasks[0].Name = "mutated"
	first.Tasks[0].State = TaskFailed
	first.Tasks = append(first.Tasks, TaskStatus{Name: "extra"})
	first.Version = "9"

	next, _ := h.s.Snapshot("ns/bot")
	if len(next.Tasks) != 1 || next.Tasks[0].Name != "feed" || next.Tasks[0].State != TaskRunning || next.Version != "1" {
		t.Errorf("snapshot changed by mutating an earlier copy: %+v", next)
	}
}

func TestSnapshotOfUnknownKey(t *testing.T) {
	s := New(Options{})
	if snap, ok := s.Snapshot("ns/none"); ok || snap.Key != "" {
		t.Errorf("Snapshot = %+v, %v; want zero, false", snap, ok)
	}
	if _, ok := s.State("ns/none"); ok {
		t.Errorf("State of unknown key reported found")
	}
	if _, ok := s.Version("ns/none"); ok {
		t.Errorf("Version of unknown key reported found")
	}
}

func TestSnapshotTaskLookup(t *testing.T) {
	snap := GroupSnapshot{Tasks: []TaskStatus{{Name: "feed", State: TaskRunning}, {Name: "trader", State: TaskBackoff}}}
	tests := []struct {
		name   string
		want   TaskState
		wantOK bool
	}{
		{name: "feed", want: TaskRunning, wantOK: true},
		{name: "trader", want: TaskBackoff, wantOK: true},
		{name: "recorder", want: "", wantOK: false},
	}
	for _, tt := range tests {
		got, ok := snap.Task(tt.name)
		if got.State != tt.want || ok != tt.wantOK {
			t.Errorf("Task(%q) = %v, %v; want %v, %v", tt.name, got.State, ok, tt.want, tt.wantOK)
		}
	}
}
