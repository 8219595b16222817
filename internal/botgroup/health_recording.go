package botgroup

import (
	"context"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/recording"
)

// runHealthRecording writes the group's own health to InfluxDB every
// HealthEvery, so users can chart the weight, breaker and lag of each bot.
func (g *Group) runHealthRecording(ctx context.Context) error {
	t := time.NewTicker(g.cfg.HealthEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			g.record(recording.HealthPoint(g.cfg.Meta, healthPoint(g.Snapshot(), g.cfg.Now())))
		}
	}
}

// healthPoint turns a snapshot into the recorded health figures.
func healthPoint(s Snapshot, now time.Time) recording.Health {
	h := s.Exchange
	return recording.Health{
		UsedWeight1m:      int64(h.UsedWeight1m),
		WeightLimit1m:     int64(h.WeightLimit1m),
		ThrottledRequests: h.Waits,
		Breaker:           string(h.Breaker.State),
		BreakerFailures:   int64(h.Breaker.Failures),
		Reachable:         h.Reachable,
		Banned:            h.Banned(now),
		StreamLag:         s.Market.Lag,
		ClockOffset:       h.ClockOffset,
		Streams:           int64(s.Market.Streams),
		Reconnects:        s.Market.Reconnects,
		Time:              now,
	}
}
