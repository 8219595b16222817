package exchangesim

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// Run advances the market every Tick until ctx ends or Close is called.
func (s *Simulator) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.done:
			return nil
		case <-t.C:
			s.Step(s.cfg.Now())
		}
	}
}

// Step advances the market to now, moves the engine's books with it (which
// may fill resting orders) and publishes the market and user events.
func (s *Simulator) Step(now time.Time) {
	var events []matching.Event
	s.stepMu.Lock()
	for _, u := range s.market.Advance(now) {
		evs, err := s.engine.SetPrice(u.Symbol, u.Price)
		if err == nil {
			events = append(events, evs...)
		}
		s.streams.PublishMarket(u, s.market, s.engine)
	}
	s.stepMu.Unlock()
	s.publishEvents(events)
}

// setPrice is the admin price override: the market continues from price and
// the engine's book moves there now.
func (s *Simulator) setPrice(symbol string, price decimal.Decimal) error {
	s.stepMu.Lock()
	u, err := s.market.SetPrice(symbol, price, s.cfg.Now())
	if err != nil {
		s.stepMu.Unlock()
		return err
	}
	events, err := s.engine.SetPrice(symbol, u.Price)
	if err == nil {
		s.streams.PublishMarket(u, s.market, s.engine)
	}
	s.stepMu.Unlock()
	s.publishEvents(events)
	return err
}

// publishEvents counts order outcomes and sends user events to the
// WebSocket API's subscribers (which drops them while streams are stalled).
func (s *Simulator) publishEvents(events []matching.Event) {
	if len(events) == 0 {
		return
	}
	s.stats.events(events)
	s.wsapi.PublishEvents(events)
}
