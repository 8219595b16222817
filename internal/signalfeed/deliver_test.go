package signalfeed

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// counter is a subscriber that counts its deliveries, keeps the last now
// it was given and returns outcome; it panics on its first delivery if
// panics is set.
type counter struct {
	delivered atomic.Int64
	now       time.Time
	outcome   Outcome
	panics    bool
}

func (c *counter) Deliver(_ *Delivery, now time.Time) Outcome {
	if c.delivered.Add(1) == 1 && c.panics {
		panic("counter fails")
	}
	c.now = now
	return c.outcome
}

func (c *counter) Settle(*Delivery, Outcome, time.Time) {}

func (c *counter) WarmupFailed() {}

// deliver hands a signal to each of many subscribers exactly once, across
// its pieces and helpers, returns each one's outcome at its own index and
// a stored time no earlier than the clock its Deliver was given, spares
// the others (of its piece too) when one panics, and starts afresh on the
// next signal.
func TestDeliverManySubscribers(t *testing.T) {
	for _, n := range []int{1, deliverPiece + 1, deliverChunk - 1, deliverChunk, 1000, 1001} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := &feed{fs: New(Options{}), key: Key{Symbol: "BTCUSDT"}}
			counters := make([]*counter, n)
			subs := make([]*Subscription, n)
			for i := range subs {
				counters[i] = &counter{outcome: Outcome(i % 3), panics: n > 1 && i == n/2}
				subs[i] = &Subscription{s: counters[i], done: make(chan struct{})}
			}
			d := &Delivery{Signal: signal.Signal{Symbol: "BTCUSDT", Side: signal.Buy}}
			for round := 1; round <= 2; round++ {
				start := time.Now()
				outcomes, stored := f.deliver(newMembers(subs), d)
				end := time.Now()
				if len(outcomes) != n {
					t.Fatalf("round %d: %d outcomes for %d subscribers", round, len(outcomes), n)
				}
				if want := (n + deliverPiece - 1) / deliverPiece; len(stored) != want {
					t.Fatalf("round %d: %d stored times for %d pieces", round, len(stored), want)
				}
				for i, c := range counters {
					times := int64(round)
					if c.panics {
						times = 1 // failed on the first round, skipped after
					}
					if got := c.delivered.Load(); got != times {
						t.Fatalf("round %d: subscriber %d delivered %d times, want %d", round, i, got, times)
					}
					want := c.outcome
					if c.panics {
						want = Skip
					}
					if outcomes[i] != want {
						t.Fatalf("round %d: subscriber %d: outcome %d, want %d", round, i, outcomes[i], want)
					}
					if at := stored[i/deliverPiece]; at.Before(start) || at.After(end) || (!c.panics && (c.now.Before(start) || c.now.After(at))) {
						t.Fatalf("round %d: subscriber %d given now %v, stored at %v, not within %v–%v", round, i, c.now, at, start, end)
					}
					if failed := subs[i].failed.Load(); failed != c.panics {
						t.Fatalf("round %d: subscriber %d failed: %v", round, i, failed)
					}
				}
			}
		})
	}
}
