package supervisor

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// BenchmarkEnsureStop1000 starts 1,000 one-task groups and stops them all:
// the cost of a fleet of bots coming and going in one process.
func BenchmarkEnsureStop1000(b *testing.B) {
	const groups = 1000
	keys := make([]string, groups)
	for i := range keys {
		keys[i] = fmt.Sprintf("ns/bot-%04d", i)
	}
	task := Task{Name: "trader", Run: blockUntilDone}
	s := New(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()

	b.ReportAllocs()
	for b.Loop() {
		for _, k := range keys {
			if _, err := s.Ensure(k, "1", nil, task); err != nil {
				b.Fatal(err)
			}
		}
		for _, k := range keys {
			if err := s.Stop(ctx, k); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*groups), "ns/group")
}

// BenchmarkSnapshot measures the reconciler's read of one group's state
// while 1,000 groups run.
func BenchmarkSnapshot(b *testing.B) {
	s := New(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	var entered sync.WaitGroup
	run := func(ctx context.Context) error {
		entered.Done()
		return blockUntilDone(ctx)
	}
	for i := range 1000 {
		entered.Add(2)
		if _, err := s.Ensure(fmt.Sprintf("ns/bot-%04d", i), "1", nil,
			Task{Name: "feed", Run: run}, Task{Name: "trader", Run: run}); err != nil {
			b.Fatal(err)
		}
	}
	entered.Wait() // measure reads, not the fleet starting up
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Snapshot("ns/bot-0500"); !ok {
			b.Fatal("missing group")
		}
	}
}
