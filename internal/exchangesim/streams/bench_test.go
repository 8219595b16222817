package streams

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
)

// BenchmarkFanOut measures stream messages delivered per second to N
// subscribers of one stream over real loopback WebSockets, each read by a
// client that counts whole messages. The publisher keeps at most a window of
// messages in flight so that no subscriber overflows its queue.
func BenchmarkFanOut(b *testing.B) {
	for _, subscribers := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", subscribers), func(b *testing.B) {
			benchmarkFanOut(b, subscribers)
		})
	}
}

func benchmarkFanOut(b *testing.B, subscribers int) {
	const (
		stream   = "btcusdt@trade"
		inFlight = 2048
	)
	env := newEnv(b, Config{SendBuffer: 2 * inFlight})

	counts := make([]atomic.Int64, subscribers)
	var readers sync.WaitGroup
	// Closing the server ends the readers; a cancelable context would cost
	// every read an allocation and skew the figures.
	defer readers.Wait()
	defer env.srv.Close()
	ctx := context.Background()
	for i := range subscribers {
		c, _, err := websocket.Dial(ctx, env.url("/ws/"+stream), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseNow()
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				_, r, err := c.Reader(ctx)
				if err != nil {
					return
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					return
				}
				counts[i].Add(1)
			}
		}()
	}
	for !subscribed(env.srv, stream, subscribers) {
		time.Sleep(time.Millisecond)
	}

	event := appendTradeEvent(nil, "BTCUSDT", market.Trade{
		ID: 123456789, Price: decimal.RequireFromString("65000.12"), Qty: decimal.RequireFromString("0.01234"),
		Time: time.UnixMilli(1773577800000), BuyerIsMaker: true,
	}, time.UnixMilli(1773577800000))

	slowest := func() int64 {
		low := counts[0].Load()
		for i := range counts {
			low = min(low, counts[i].Load())
		}
		return low
	}
	b.SetBytes(int64(len(event) * subscribers))
	b.ReportAllocs()
	b.ResetTimer()
	start, startCPU := time.Now(), cpuTime()
	for i := range b.N {
		for int64(i)-slowest() >= inFlight {
			time.Sleep(50 * time.Microsecond)
		}
		env.srv.Publish(stream, event)
	}
	for slowest() < int64(b.N) {
		if env.srv.Stats().Connections < subscribers {
			b.Fatal("a subscriber was dropped")
		}
		time.Sleep(50 * time.Microsecond)
	}
	elapsed, cpu := time.Since(start), cpuTime()-startCPU
	b.StopTimer()
	delivered := float64(b.N) * float64(subscribers)
	b.ReportMetric(delivered/elapsed.Seconds(), "msgs/s")
	// Per CPU-second of this process (server and clients together): stable
	// when other work shares the machine.
	b.ReportMetric(delivered/cpu.Seconds(), "msgs/cpu-s")
}

// cpuTime is the user plus system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func subscribed(s *Server, stream string, n int) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.topics[stream]) == n
}
