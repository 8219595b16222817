package clock

import (
	"sync"
	"testing"
	"time"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestFakeMovesOnlyWhenTold(t *testing.T) {
	f := NewFake(start)
	steps := []struct {
		name string
		move func()
		want time.Time
	}{
		{"unmoved", func() {}, start},
		{"advance", func() { f.Advance(90 * time.Second) }, start.Add(90 * time.Second)},
		{"advance by zero", func() { f.Advance(0) }, start.Add(90 * time.Second)},
		{"advance backward", func() { f.Advance(-30 * time.Second) }, start.Add(time.Minute)},
		{"set earlier", func() { f.Set(start.Add(-time.Hour)) }, start.Add(-time.Hour)},
		{"advance after set", func() { f.Advance(time.Millisecond) }, start.Add(-time.Hour + time.Millisecond)},
	}
	for _, s := range steps {
		s.move()
		if got := f.Now(); !got.Equal(s.want) {
			t.Fatalf("%s: Now() = %v, want %v", s.name, got, s.want)
		}
	}
}

func TestFakeAsFunc(t *testing.T) {
	f := NewFake(start)
	now := f.Now
	f.Advance(time.Hour)
	if got := now(); !got.Equal(start.Add(time.Hour)) {
		t.Fatalf("method value reads %v, want %v", got, start.Add(time.Hour))
	}
}

// TestFakeConcurrentAdvance is meant for -race: every Advance must count.
func TestFakeConcurrentAdvance(t *testing.T) {
	f := NewFake(start)
	const goroutines, steps = 8, 1000
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range steps {
				f.Advance(time.Millisecond)
				_ = f.Now()
			}
		}()
	}
	wg.Wait()
	want := start.Add(goroutines * steps * time.Millisecond)
	if got := f.Now(); !got.Equal(want) {
		t.Fatalf("after concurrent advances Now() = %v, want %v", got, want)
	}
}
