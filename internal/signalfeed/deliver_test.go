package signalfeed

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// counter is a subscriber that counts its deliveries and wants Settle
// when told to; it panics on its first delivery if panics is set.
type counter struct {
	delivered atomic.Int64
	settle    bool
	panics    bool
}

func (c *counter) Deliver(*Delivery) bool {
	if c.delivered.Add(1) == 1 && c.panics {
		panic("counter fails")
	}
	return c.settle
}

func (c *counter) Settle(*Delivery) {}

func (c *counter) WarmupFailed() {}

// deliver hands a signal to each of many subscribers exactly once, across
// its pieces and helpers, answers each one's Settle wish at its own index,
// spares the others when one panics, and starts afresh on the next signal.
func TestDeliverManySubscribers(t *testing.T) {
	for _, n := range []int{1, deliverPiece + 1, deliverChunk - 1, deliverChunk, 1000, 1001} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := &feed{fs: New(Options{}), key: Key{Symbol: "BTCUSDT"}}
			counters := make([]*counter, n)
			subs := make([]*Subscription, n)
			for i := range subs {
				counters[i] = &counter{settle: i%3 == 0, panics: n > 1 && i == n/2}
				subs[i] = &Subscription{s: counters[i], done: make(chan struct{})}
			}
			d := &Delivery{Signal: signal.Signal{Symbol: "BTCUSDT", Side: signal.Buy}}
			for round := 1; round <= 2; round++ {
				settle := f.deliver(subs, d)
				if len(settle) != n {
					t.Fatalf("round %d: %d answers for %d subscribers", round, len(settle), n)
				}
				for i, c := range counters {
					want := int64(round)
					if c.panics {
						want = 1 // failed on the first round, skipped after
					}
					if got := c.delivered.Load(); got != want {
						t.Fatalf("round %d: subscriber %d delivered %d times, want %d", round, i, got, want)
					}
					if settle[i] != (c.settle && !c.panics) {
						t.Fatalf("round %d: subscriber %d: settle %v", round, i, settle[i])
					}
					if failed := subs[i].failed.Load(); failed != c.panics {
						t.Fatalf("round %d: subscriber %d failed: %v", round, i, failed)
					}
				}
			}
		})
	}
}
