package supervisor

import (
	"maps"
	"sync"
	"testing"
)

// countingOnChange counts OnChange calls per key and signals each call.
type countingOnChange struct {
	mu     sync.Mutex
	counts map[string]int
	calls  chan string
}

func newCountingOnChange() *countingOnChange {
	return &countingOnChange{counts: make(map[string]int), calls: make(chan string, 64)}
}

func (c *countingOnChange) OnChange(key string) {
	c.mu.Lock()
	c.counts[key]++
	c.mu.Unlock()
	c.calls <- key
}

func (c *countingOnChange) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

// Notifications made before the dispatcher runs collapse to one per key.
func TestNotifyCoalescesBeforeDispatch(t *testing.T) {
	c := newCountingOnChange()
	h := newHarness(t, Options{OnChange: c.OnChange})
	for range 100 {
		h.s.Notify("ns/a")
	}
	h.s.Notify("ns/b")
	h.start()
	for range 2 {
		<-c.calls
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got, want := c.snapshot(), map[string]int{"ns/a": 1, "ns/b": 1}; !maps.Equal(got, want) {
		t.Errorf("OnChange calls = %v, want %v", got, want)
	}
}

// Notifications made while OnChange is busy are delivered once afterwards.
func TestNotifyCoalescesDuringDispatch(t *testing.T) {
	c := newCountingOnChange()
	inside, gate := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h := newHarness(t, Options{OnChange: func(key string) {
		once.Do(func() {
			close(inside)
			<-gate // hold the dispatcher inside the first call
		})
		c.OnChange(key)
	}})
	h.start()
	h.s.Notify("ns/a")
	<-inside
	for range 50 {
		h.s.Notify("ns/a")
		h.s.Notify("ns/b")
	}
	close(gate)
	for range 3 {
		<-c.calls
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got, want := c.snapshot(), map[string]int{"ns/a": 2, "ns/b": 1}; !maps.Equal(got, want) {
		t.Errorf("OnChange calls = %v, want %v", got, want)
	}
}

func TestNotifyNeverBlocksWithoutADispatcher(t *testing.T) {
	s := New(Options{OnChange: func(string) { t.Error("OnChange called without Start") }})
	for range 1000 {
		s.Notify("ns/a")
	}
	if got := s.notes.take(nil); len(got) != 1 || got[0] != "ns/a" {
		t.Errorf("pending keys = %v, want [ns/a]", got)
	}
}
