package botgroup

import (
	"slices"
	"sync"
	"time"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/marketrecord"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/signalfeed"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
)

// Task names, as they appear in status.tasks.
const (
	TaskExchangeHealth = "exchange-health"
	TaskMarketData     = "market-data"
	TaskRecordHealth   = "record-health"
)

// Config is everything a group needs; the controller builds it from a
// resource's spec and the operator's shared state.
type Config struct {
	// Endpoint is the shared endpoint of the resource's exchange.
	Endpoint *exchange.Endpoint
	// Policy is how the resource's calls are made (its breaker, retries,
	// share of the endpoint's budget, batching).
	Policy exchange.CallPolicy
	// Credentials are the account's keys; nil for a SymbolWatch or a bot
	// whose Secret is not needed yet.
	Credentials *exchange.Credentials
	Symbols     []string
	// ProbeInterval is the period the group asks of its endpoint's shared
	// health probe (the endpoint probes at the shortest one asked for).
	ProbeInterval time.Duration
	Now           func() time.Time
	// Hub is the shared market-data hub and Streams the stream names the
	// group subscribes to (no market-data task when either is empty).
	Hub     *marketdata.Hub
	Streams []string
	// Recorder receives the group's points (nil: nothing is recorded), Meta
	// tags them, and HealthEvery is how often the group's own health is
	// recorded (0: never).
	Recorder    *recording.Writer
	Meta        recording.Meta
	HealthEvery time.Duration
	// MarketData says how the group's market data is recorded when it has
	// a Recorder (spec.recording.marketData; empty means Shared): Shared
	// leases the group's streams from SharedMarket, to MarketTarget, while
	// the market-data task runs; PerResource writes the group's own copy
	// through Recorder; None writes none.
	MarketData tradingv1alpha1.MarketDataRecording
	// Prices keeps each symbol's latest prices in the market snapshot
	// (MarketSnapshot.Symbols), for a group whose resource reads them: one
	// that trades sizes its orders from them, a SymbolWatch shows them.
	// Others skip them: copying every group's prices at each publish was a
	// tenth of the operator's CPU with 10 000 signals-only bots.
	// EnableTrading turns it on.
	Prices       bool
	SharedMarket *marketrecord.Recorder
	MarketTarget marketrecord.Target
	// Signals, when set, runs a strategy on the group's symbols (needs Hub
	// and Feeds).
	Signals *SignalOptions
	// Feeds are the process's shared signal feeds.
	Feeds *signalfeed.Feeds
	// Notify is called when something important changes (reachability,
	// symbols) so that status is refreshed at once. It must not block.
	// Changes of the shared endpoint (breaker, pause, ban) are announced
	// by the exchange registry.
	Notify func()
}

// Snapshot is the group's state at one moment. It is immutable: readers may
// keep it as long as they like.
type Snapshot struct {
	Exchange exchange.Health
	Market   MarketSnapshot
	// Recording are the group's recording counters (zero without a
	// recorder), read live.
	Recording recording.Stats
	// Signals is the signal task's part, read live from its SignalState.
	Signals SignalSnapshot
	// Trading is the executor's state (nil when the group does not trade).
	Trading *trading.Snapshot
	// UpdatedAt is when any part last changed.
	UpdatedAt time.Time
}

// Group is the live state of one resource's goroutine group, and the factory
// of its tasks.
type Group struct {
	cfg Config
	// health is the group's view of its endpoint's shared probe; the
	// exchange-health task is the view's Run, so the group uses the probe
	// exactly while that task runs.
	health *exchange.HealthView
	snap   supervisor.Published[Snapshot]
	// market is the market-data task's part of the snapshot, published on
	// its own: the task publishes once a second in every group, and
	// copying the whole snapshot for it each time was most of what the
	// operator allocated with ten thousand bots.
	market  supervisor.Published[publishedMarket]
	trading *groupTrading // nil: the group does not trade

	// sinkMu orders publishHealth's updates of the running signal sink's
	// clock offset after the sink's first read of it.
	sinkMu sync.Mutex
	sink   *signalSink // the running signals task's, if any
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
	g.health = cfg.Endpoint.HealthView(exchange.HealthOptions{
		Policy:   cfg.Policy,
		Symbols:  cfg.Symbols,
		Interval: cfg.ProbeInterval,
		Publish:  g.publishHealth,
	})
	g.snap.Store(&Snapshot{Exchange: g.health.Health()})
	g.market.Store(&publishedMarket{})
	return g
}

// Snapshot returns the latest state, with the shared endpoint's figures
// (weight, limits, breaker, pause, ban) read live.
func (g *Group) Snapshot() Snapshot {
	s := *g.snap.Load()
	m := g.market.Load()
	s.Market = m.MarketSnapshot
	if m.at.After(s.UpdatedAt) {
		s.UpdatedAt = m.at
	}
	s.Exchange = g.health.Health()
	if g.cfg.Recorder != nil {
		s.Recording = g.cfg.Recorder.Stats()
	}
	if g.cfg.Signals != nil {
		s.Signals = g.cfg.Signals.State.snapshot()
	}
	if g.trading != nil {
		ts := g.trading.ex.Snapshot()
		s.Trading = &ts
	}
	return s
}

// Tasks returns the tasks the group runs, in start order.
func (g *Group) Tasks() []supervisor.Task {
	tasks := []supervisor.Task{{Name: TaskExchangeHealth, Run: g.health.Run}}
	if g.cfg.Hub != nil && len(g.cfg.Streams) > 0 {
		tasks = append(tasks, supervisor.Task{Name: TaskMarketData, Run: g.runMarketData})
	}
	if g.cfg.Hub != nil && g.cfg.Signals != nil && len(g.cfg.Symbols) > 0 {
		tasks = append(tasks, supervisor.Task{Name: TaskSignals, Run: g.runSignals})
	}
	if g.trading != nil {
		tasks = append(tasks, supervisor.Task{Name: TaskTrading, Run: g.runTrading},
			supervisor.Task{Name: TaskUserData, Run: g.runUserData})
	}
	if g.cfg.Recorder != nil && g.cfg.HealthEvery > 0 {
		tasks = append(tasks, supervisor.Task{Name: TaskRecordHealth, Run: g.runHealthRecording})
	}
	return tasks
}

func (g *Group) publishHealth(h exchange.Health) {
	g.sinkMu.Lock()
	if g.sink != nil {
		g.sink.clockOffset.Store(int64(h.ClockOffset))
	}
	g.sinkMu.Unlock()
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

// Recording reports whether the group records to InfluxDB.
func (g *Group) Recording() bool { return g.cfg.Recorder != nil }
