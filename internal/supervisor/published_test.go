package supervisor

import (
	"sync"
	"testing"
)

type botFigures struct {
	Orders int
	Last   string
}

func TestPublishedLoadBeforeStore(t *testing.T) {
	var p Published[botFigures]
	if got := p.Load(); got != nil {
		t.Errorf("Load before Store = %+v, want nil", got)
	}
	p.Store(&botFigures{Orders: 2, Last: "BTCUSDT"})
	if got := p.Load(); got == nil || got.Orders != 2 || got.Last != "BTCUSDT" {
		t.Errorf("Load = %+v, want the stored value", got)
	}
}

// Concurrent Updates each build on the latest value: none is lost, and the
// values readers hold are never changed under them.
func TestPublishedUpdateLosesNothing(t *testing.T) {
	var p Published[botFigures]
	first := &botFigures{}
	p.Store(first)
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				p.Update(func(old *botFigures) *botFigures {
					next := *old
					next.Orders++
					return &next
				})
			}
		})
	}
	wg.Wait()
	if got := p.Load().Orders; got != writers*each {
		t.Errorf("Orders = %d, want %d", got, writers*each)
	}
	if first.Orders != 0 {
		t.Errorf("the first published value was changed: %+v", first)
	}
}
