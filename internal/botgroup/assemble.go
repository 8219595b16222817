package botgroup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/marketrecord"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/signalfeed"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
)

// Owner names the resource a group belongs to.
type Owner struct {
	Kind, Namespace, Name string
}

// String is "Kind/namespace/name", the form the controller keys groups by.
func (o Owner) String() string { return o.Kind + "/" + o.Namespace + "/" + o.Name }

// Request is everything one resource's group is built from: the controller
// derives it from the resource's spec, its credentials and its endpoint.
type Request struct {
	Owner Owner
	// Exchange is spec.exchange.name, for recorded points.
	Exchange string
	URLs     exchange.URLs
	Symbols  []string
	// Policy is the resource's call policy, without its Share (built from
	// ShareLimits on the shared endpoint).
	Policy      exchange.CallPolicy
	ShareLimits exchange.ShareLimits
	Credentials *exchange.Credentials
	// Streams are the market-data streams to subscribe to.
	Streams []string
	// Recording is the resource's writer options; nil when its recording
	// is disabled.
	Recording *recording.WriterOptions
	// MarketData is spec.recording.marketData: how the resource's market
	// data is recorded (empty means Shared).
	MarketData tradingv1alpha1.MarketDataRecording
	// Prices: the resource reads its symbols' latest prices (a
	// SymbolWatch's status shows them); a group that trades keeps them
	// regardless (see Config.Prices).
	Prices bool
	// Signals, when set, runs the resource's strategy.
	Signals *SignalRequest
	// Trading, when set, turns the strategy's signals into orders.
	Trading *TradingRequest
	// Extra are version inputs that are not part of the config: the
	// resource's generation, the credentials Secret's resourceVersion.
	Extra []string
	// Notify is the group's "something important changed" callback; it
	// must not block.
	Notify func()
}

// SignalRequest is the signal part of a request.
type SignalRequest struct {
	Spec     tradingv1alpha1.StrategySpec // defaulted
	Previous *tradingv1alpha1.SignalsStatus
	// Announce emits an Event about a signal (nil: none); see
	// SignalOptions.Announce.
	Announce func(reason, action, note string)
}

// TradingRequest is the trading part of a TradingBot's request.
type TradingRequest struct {
	Spec tradingv1alpha1.TradingBotSpec // defaulted
	UID  string
	// Paper: the bot trades on its own simulator paper account.
	Paper    bool
	Previous *tradingv1alpha1.TradingStatus
	// ResumeToken is the resume annotation's value.
	ResumeToken string
	// Announce emits an Event about the executor (nil: none).
	Announce func(warning bool, reason, action, note string)
}

// versionText is what restarts the group when it changes: the limits and
// order settings, never the resume token (that is handed to the running
// executor).
func (r *TradingRequest) versionText() string {
	b, _ := json.Marshal(struct {
		Risk   tradingv1alpha1.RiskSpec
		Orders tradingv1alpha1.OrderSpec
		Paper  bool
	}{r.Spec.Risk, r.Spec.Orders, r.Paper})
	return string(b)
}

// Version fingerprints the request: the supervisor restarts a group when
// it changes. Credentials enter only through the Secret's resourceVersion
// in Extra, never by value; callbacks and previous status do not enter.
func (r Request) Version() string {
	h := sha256.New()
	p := r.Policy
	p.Share = nil
	fmt.Fprintf(h, "%s\n%s\n%q\n%+v\n%+v\n%q\n", r.URLs.REST, r.URLs.Stream, r.Symbols, p, r.ShareLimits, r.Streams)
	if r.Recording != nil {
		fmt.Fprintf(h, "recording %+v %s\n", *r.Recording, r.MarketData)
	}
	if r.Signals != nil {
		// JSON, not %+v: the spec holds pointers, whose addresses change
		// from one read to the next.
		spec, _ := json.Marshal(r.Signals.Spec)
		fmt.Fprintf(h, "signals %s\n", spec)
	}
	if r.Trading != nil {
		fmt.Fprintf(h, "trading %s\n", r.Trading.versionText())
	}
	for _, e := range r.Extra {
		fmt.Fprintf(h, "%s\n", e)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// AssemblerOptions are the operator-wide parts every group is built with.
type AssemblerOptions struct {
	// Registry holds the process's shared endpoints and accounts.
	Registry *exchange.Registry
	// Resolver gives the simulator's and the WebSocket API's URLs.
	Resolver exchange.Resolver
	// Hub is the shared market-data stream hub (nil: no market data).
	Hub *marketdata.Hub
	// Feeds runs each distinct strategy once per market for every group
	// that needs it (required for signals).
	Feeds *signalfeed.Feeds
	// Sink records points to InfluxDB (nil: the operator has none).
	Sink *recording.Sink
	// SharedMarket records market streams once for every resource that
	// shares them (nil: resources in Shared mode record no market data).
	SharedMarket *marketrecord.Recorder
	// SignalMetrics receives the signal figures (nil: none).
	SignalMetrics *SignalMetrics
	// TradingMetrics receives the executors' figures.
	TradingMetrics *trading.Metrics
	// ProbeInterval is the period groups ask of their endpoint's shared
	// health probe; HealthEvery how often a group records its own health.
	ProbeInterval time.Duration
	HealthEvery   time.Duration
	Now           func() time.Time
}

// Assembler builds groups from requests, and keeps what a resource carries
// from one generation of its group to the next: its signal state and its
// recording writer.
type Assembler struct {
	o AssemblerOptions

	mu sync.Mutex
	// signals is each resource's signal state, by Owner.String().
	signals map[string]*SignalState
}

// NewAssembler returns an assembler of o.
func NewAssembler(o AssemblerOptions) *Assembler {
	return &Assembler{o: o, signals: make(map[string]*SignalState)}
}

// Recording reports whether groups can record at all (the operator has an
// InfluxDB sink).
func (a *Assembler) Recording() bool { return a.o.Sink != nil }

// Assemble builds req's group. Nothing runs until its Tasks are started.
func (a *Assembler) Assemble(req Request) (*Group, error) {
	key := req.Owner.String()
	ep := a.o.Registry.Endpoint(req.URLs)
	policy := req.Policy
	if req.ShareLimits != (exchange.ShareLimits{}) {
		policy.Share = ep.NewShare(key, req.ShareLimits)
	}
	meta := recording.Meta{Namespace: req.Owner.Namespace, Name: req.Owner.Name, Kind: req.Owner.Kind, Exchange: req.Exchange}
	var writer *recording.Writer
	if req.Recording != nil && a.o.Sink != nil {
		// The same key across generations keeps the writer's counters.
		writer = a.o.Sink.Writer(recordingKey(req.Owner), *req.Recording)
	}
	signals, err := a.signalOptions(key, req.Signals)
	if err != nil {
		return nil, fmt.Errorf("strategy: %w", err)
	}
	g := New(Config{
		Endpoint:      ep,
		Policy:        policy,
		Credentials:   req.Credentials,
		Symbols:       req.Symbols,
		ProbeInterval: a.o.ProbeInterval,
		Hub:           a.o.Hub,
		Feeds:         a.o.Feeds,
		Streams:       req.Streams,
		Recorder:      writer,
		Meta:          meta,
		MarketData:    req.MarketData,
		Prices:        req.Prices,
		SharedMarket:  a.o.SharedMarket,
		MarketTarget:  marketTarget(req),
		HealthEvery:   a.o.HealthEvery,
		Signals:       signals,
		Now:           a.o.Now,
		Notify:        req.Notify,
	})
	if req.Trading != nil {
		if err := a.enableTrading(g, ep, req.Owner, req.Credentials, req.Trading); err != nil {
			return nil, fmt.Errorf("trading: %w", err)
		}
	}
	return g, nil
}

// Release forgets what is kept for owner, whose resource is gone and whose
// group has stopped: its recording writer goes once it has delivered what
// it holds, its signal state and its metric series go at once.
func (a *Assembler) Release(owner Owner) {
	if a.o.Sink != nil {
		a.o.Sink.Release(recordingKey(owner))
	}
	a.mu.Lock()
	delete(a.signals, owner.String())
	a.mu.Unlock()
	a.o.SignalMetrics.Forget(owner.Namespace, owner.Kind, owner.Name)
	a.o.TradingMetrics.Forget(owner.Namespace + "/" + owner.Name)
}

// marketTarget is where req's shared market data goes: its endpoint's
// streams, to its own database.
func marketTarget(req Request) marketrecord.Target {
	t := marketrecord.Target{Exchange: req.Exchange, StreamURL: req.URLs.Stream}
	if req.Recording != nil {
		t.Writer = *req.Recording
	}
	return t
}

// recordingKey names a group's recording writer "namespace/Kind/name", so
// its metrics carry the namespace and the kind with the name.
func recordingKey(o Owner) string { return o.Namespace + "/" + o.Kind + "/" + o.Name }

// signalState returns key's state, creating it with retention the first
// time. A state created for a resource whose status already counts signals
// (the operator restarted) starts from those counts, so totals never go
// back.
func (a *Assembler) signalState(key string, retention time.Duration, previous *tradingv1alpha1.SignalsStatus) *SignalState {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, ok := a.signals[key]
	if !ok {
		st = NewSignalState(retention, a.o.Now)
		if previous != nil {
			st.Store.SeedCounts(signal.Counts{Total: previous.Total, Buy: previous.Buy, Sell: previous.Sell})
			st.SeedIgnored(previous.Ignored)
		}
		a.signals[key] = st
	}
	st.Store.SetTTL(retention)
	return st
}

// signalOptions builds a group's signal options from its request.
func (a *Assembler) signalOptions(key string, req *SignalRequest) (*SignalOptions, error) {
	if req == nil {
		return nil, nil
	}
	cfg, err := signal.ConfigFromSpec(req.Spec)
	if err != nil {
		return nil, err
	}
	var retention time.Duration // zero: the store's default, the schema's too
	if req.Spec.SignalRetention != nil {
		retention = req.Spec.SignalRetention.Duration
	}
	return &SignalOptions{
		Strategy: cfg,
		Interval: string(req.Spec.Interval),
		State:    a.signalState(key, retention, req.Previous),
		Metrics:  a.o.SignalMetrics,
		Announce: req.Announce,
	}, nil
}
