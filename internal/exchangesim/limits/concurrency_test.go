package limits

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
)

// TestConcurrentUse hammers one IP and one account from many goroutines; the
// outcome does not depend on the interleaving, so it is asserted exactly.
func TestConcurrentUse(t *testing.T) {
	const (
		goroutines = 8
		perG       = 200
		limit      = 1000
	)
	clk := clock.NewFake(at(t, "00:00:01.000"))
	l := newTestLimiter(Config{WeightPerMinute: limit, OrdersPer10s: 500}, clk)

	var allowed, limited, banned, orders, orderRefusals atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range perG {
				switch d := l.Request(ip, 1); {
				case d.Err == nil:
					allowed.Add(1)
				case d.Err.Status == http.StatusTooManyRequests:
					limited.Add(1)
				case d.Err.Status == http.StatusTeapot:
					banned.Add(1)
				}
				if d := l.Order("acct"); d.Err == nil {
					orders.Add(1)
				} else {
					orderRefusals.Add(1)
				}
				l.Snapshot()
				l.UsedWeight(ip)
			}
		})
	}
	wg.Wait()

	// Exactly the limit passes, the next request is the 429, every later one
	// arrives during its Retry-After and is banned.
	if allowed.Load() != limit || limited.Load() != 1 || banned.Load() != goroutines*perG-limit-1 {
		t.Errorf("allowed/429/418 = %d/%d/%d, want %d/1/%d",
			allowed.Load(), limited.Load(), banned.Load(), limit, goroutines*perG-limit-1)
	}
	if orders.Load() != 500 || orderRefusals.Load() != goroutines*perG-500 {
		t.Errorf("orders placed/refused = %d/%d, want 500/%d", orders.Load(), orderRefusals.Load(), goroutines*perG-500)
	}
	s := l.Snapshot()
	if s.UsedWeight[ip] != goroutines*perG || s.RateLimited429 != 1+goroutines*perG-500 || s.Banned418 != banned.Load() {
		t.Errorf("snapshot = %+v", s)
	}
}

func BenchmarkRequest(b *testing.B) {
	ips := make([]string, 1024)
	for i := range ips {
		ips[i] = fmt.Sprintf("10.%d.%d.1", i/256, i%256)
	}
	l := New(Config{WeightPerMinute: 1 << 30, RawRequestsPer5m: 1 << 30})
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(97))
		for pb.Next() {
			if d := l.Request(ips[i%len(ips)], 2); d.Err != nil {
				b.Fatal(d.Err)
			}
			i++
		}
	})
}

func BenchmarkOrder(b *testing.B) {
	l := New(Config{OrdersPer10s: 1 << 30, OrdersPerDay: 1 << 30})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if d := l.Order("acct"); d.Err != nil {
				b.Fatal(d.Err)
			}
		}
	})
}
