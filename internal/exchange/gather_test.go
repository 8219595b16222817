package exchange

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// TestGatherBoundsConcurrency: never more than limit at once, and exactly
// limit once enough are waiting; results keep the order of fns.
func TestGatherBoundsConcurrency(t *testing.T) {
	for _, limit := range []int{1, 3, 8} {
		const n = 20
		var running, peak atomic.Int64
		release := make(chan struct{})
		var started sync.WaitGroup
		started.Add(limit)
		fns := make([]func(context.Context) (int, error), n)
		for i := range fns {
			fns[i] = func(context.Context) (int, error) {
				now := running.Add(1)
				for {
					p := peak.Load()
					if now <= p || peak.CompareAndSwap(p, now) {
						break
					}
				}
				if i < limit {
					started.Done()
				}
				<-release
				running.Add(-1)
				return i * i, nil
			}
		}
		type result struct {
			out []int
			err error
		}
		done := make(chan result, 1)
		go func() {
			out, err := Gather(context.Background(), limit, fns...)
			done <- result{out, err}
		}()
		started.Wait()
		if got := running.Load(); got != int64(limit) {
			t.Fatalf("limit %d: %d running while all wait, want %d", limit, got, limit)
		}
		close(release)
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i * i
		}
		if !slices.Equal(r.out, want) {
			t.Fatalf("limit %d: results %v, want %v", limit, r.out, want)
		}
		if peak.Load() != int64(limit) {
			t.Fatalf("limit %d: peak concurrency %d", limit, peak.Load())
		}
	}
}

// TestGatherFirstErrorStops: the first error cancels the running fns and
// no further fn starts.
func TestGatherFirstErrorStops(t *testing.T) {
	boom := errors.New("boom")
	var started [4]atomic.Bool
	fns := []func(context.Context) (string, error){
		func(ctx context.Context) (string, error) { started[0].Store(true); <-ctx.Done(); return "", ctx.Err() },
		func(context.Context) (string, error) { started[1].Store(true); return "", boom },
		func(context.Context) (string, error) { started[2].Store(true); return "never", nil },
		func(context.Context) (string, error) { started[3].Store(true); return "never", nil },
	}
	out, err := Gather(context.Background(), 2, fns...)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	// fns[0] may or may not have started before fns[1] failed; the
	// later ones wait for a slot that only frees once the failure is known.
	if !started[1].Load() || started[2].Load() || started[3].Load() || out[2] != "" || out[3] != "" {
		t.Fatalf("started %v, results %q: want fns[1] run and fns[2:] never", []bool{started[0].Load(), started[1].Load(),
			started[2].Load(), started[3].Load()}, out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Gather(ctx, 2, fns[2:]...); !errors.Is(err, context.Canceled) {
		t.Fatalf("with a canceled context: %v, want context.Canceled", err)
	}
}
