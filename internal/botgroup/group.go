package botgroup

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/runtime"
)

// Task names, as they appear in status.tasks.
const (
	TaskExchangeHealth = "exchange-health"
)

// Config is everything a group needs; the controller builds it from a
// resource's spec and the operator's settings.
type Config struct {
	// URLs of the resource's exchange endpoint.
	URLs exchange.URLs
	// Credentials are the account's keys; nil for a SymbolWatch or a bot
	// whose Secret is not needed yet.
	Credentials *exchange.Credentials
	Symbols     []string
	Breaker     exchange.BreakerSettings
	// ProbeInterval is the exchange health task's period.
	ProbeInterval time.Duration
	// Transport is the pooled transport shared by everything that talks to
	// the endpoint.
	Transport http.RoundTripper
	Now       func() time.Time
	// Notify is called when something important changes (reachability,
	// breaker, ban, symbols) so that status is refreshed at once. It must
	// not block.
	Notify func()
}

// Snapshot is the group's state at one moment. It is immutable: readers may
// keep it as long as they like.
type Snapshot struct {
	Exchange exchange.Health
	// UpdatedAt is when any part last changed.
	UpdatedAt time.Time
}

// Group is the live state of one resource's goroutine group, and the factory
// of its tasks.
type Group struct {
	cfg  Config
	snap runtime.Published[Snapshot]
}

// New returns a Group for cfg. Nothing runs until its Tasks are started.
func New(cfg Config) *Group {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Notify == nil {
		cfg.Notify = func() {}
	}
	g := &Group{cfg: cfg}
	g.snap.Store(&Snapshot{Exchange: exchange.Health{
		Endpoint: cfg.URLs.REST,
		Breaker:  exchange.BreakerStatus{State: exchange.BreakerClosed},
	}})
	return g
}

// Snapshot returns the latest state.
func (g *Group) Snapshot() Snapshot { return *g.snap.Load() }

// Tasks returns the tasks the group runs, in start order.
func (g *Group) Tasks() []runtime.Task {
	return []runtime.Task{{Name: TaskExchangeHealth, Run: g.runExchangeHealth}}
}

func (g *Group) runExchangeHealth(ctx context.Context) error {
	prober := exchange.NewProber(exchange.ProberOptions{
		URLs:      g.cfg.URLs,
		Transport: g.cfg.Transport,
		Symbols:   g.cfg.Symbols,
		Interval:  g.cfg.ProbeInterval,
		Breaker:   g.cfg.Breaker,
		Now:       g.cfg.Now,
		Publish:   g.publishHealth,
	})
	return prober.Run(ctx)
}

func (g *Group) publishHealth(h exchange.Health) {
	var important bool
	now := g.cfg.Now()
	g.snap.Update(func(old *Snapshot) *Snapshot {
		next := *old
		next.Exchange = h
		next.UpdatedAt = now
		important = HealthChangeIsImportant(old.Exchange, h, now)
		return &next
	})
	if important {
		g.cfg.Notify()
	}
}

// HealthChangeIsImportant reports whether going from a to b is worth an
// immediate status update rather than waiting for the next periodic one.
func HealthChangeIsImportant(a, b exchange.Health, now time.Time) bool {
	return a.Probed != b.Probed ||
		a.Reachable != b.Reachable ||
		a.Breaker.State != b.Breaker.State ||
		a.Banned(now) != b.Banned(now) ||
		now.Before(a.RetryAfterUntil) != now.Before(b.RetryAfterUntil) ||
		!slices.Equal(a.UnknownSymbols, b.UnknownSymbols) ||
		!slices.Equal(a.NotTrading, b.NotTrading)
}
