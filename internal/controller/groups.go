package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/runtime"
	"github.com/tradebot-operator/tradebot-operator/internal/signalfeed"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
)

// GroupSettings are the operator-wide settings shared by both reconcilers.
type GroupSettings struct {
	Supervisor *runtime.Supervisor
	Resolver   exchange.Resolver
	// Registry holds the process's shared endpoints and accounts.
	Registry *exchange.Registry
	// Changes wakes reconcilers; it also learns which groups use which
	// endpoint, so an endpoint's breaker, pause or ban wakes them all.
	Changes *ChangeFeed
	// Hub is the shared market-data stream hub (nil: no market data).
	Hub *marketdata.Hub
	// Feeds runs each distinct strategy once per market for every group
	// that needs it (required for signals).
	Feeds *signalfeed.Feeds
	// Sink records points to InfluxDB (nil: the operator has none).
	Sink *recording.Sink
	// SignalStates keeps each resource's signals across its groups (nil:
	// no signal tasks); SignalMetrics receives their figures.
	SignalStates  *SignalStates
	SignalMetrics *botgroup.SignalMetrics
	// TradingMetrics receives the executors' figures.
	TradingMetrics *trading.Metrics
	// AllowLiveTrading is --allow-live-trading.
	AllowLiveTrading bool
	// StatusInterval is --status-interval: how often a running resource's
	// status is refreshed when nothing important happens.
	StatusInterval time.Duration
	// ProbeInterval is the period groups ask of their endpoint's shared
	// health probe.
	ProbeInterval time.Duration
	Now           func() time.Time
}

func (s GroupSettings) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// groupRequest is everything a resource's group is built from.
type groupRequest struct {
	URLs    exchange.URLs
	Symbols []string
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
	// Meta names the resource in recorded points.
	Meta recording.Meta
	// Signals, when set, runs the resource's strategy.
	Signals *signalRequest
	// Trading, when set, turns the strategy's signals into orders.
	Trading *tradingRequest
	// Extra are version inputs that are not part of the config: the
	// resource's generation, the credentials Secret's resourceVersion.
	Extra []string
}

// version fingerprints the request. Credentials enter only through the
// Secret's resourceVersion in Extra, never by value.
func (r groupRequest) version() string {
	h := sha256.New()
	p := r.Policy
	p.Share = nil
	fmt.Fprintf(h, "%s\n%s\n%q\n%+v\n%+v\n%q\n", r.URLs.REST, r.URLs.Stream, r.Symbols, p, r.ShareLimits, r.Streams)
	if r.Recording != nil {
		fmt.Fprintf(h, "recording %+v\n", *r.Recording)
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

// ensureGroup makes the supervisor run key's group as req describes,
// without waiting for anything: an unchanged request returns the running
// group untouched; a changed one first stops the old generation and, while
// that is still stopping, returns stopping (and no view) so the caller can
// return and be woken by the change feed once the old group has gone.
func (s GroupSettings) ensureGroup(ctx context.Context, key string, req groupRequest) (view *groupView, stopping bool, err error) {
	version := req.version()
	if cur, ok := s.Supervisor.Version(key); ok {
		// A group that is still stopping (an earlier stop has not finished)
		// is not running: it must be gone before this one starts.
		if v := s.view(key); cur == version && v != nil && !v.Runtime.Stopping {
			return v, false, nil
		}
		if !s.stopGroup(ctx, key) {
			return nil, true, nil
		}
	}
	ep := s.Registry.Endpoint(req.URLs)
	policy := req.Policy
	if req.ShareLimits != (exchange.ShareLimits{}) {
		policy.Share = ep.NewShare(key, req.ShareLimits)
	}
	var writer *recording.Writer
	if req.Recording != nil && s.Sink != nil {
		// The same key across generations keeps the writer's counters.
		writer = s.Sink.Writer(recordingKey(key), *req.Recording)
	}
	signals, err := s.signalOptions(key, req.Signals)
	if err != nil {
		return nil, false, fmt.Errorf("strategy: %w", err)
	}
	g := botgroup.New(botgroup.Config{
		Endpoint:      ep,
		Policy:        policy,
		Credentials:   req.Credentials,
		Symbols:       req.Symbols,
		ProbeInterval: s.ProbeInterval,
		Hub:           s.Hub,
		Feeds:         s.Feeds,
		Streams:       req.Streams,
		Recorder:      writer,
		Meta:          req.Meta,
		HealthEvery:   s.StatusInterval,
		Signals:       signals,
		Now:           s.Now,
		Notify:        func() { s.Supervisor.Notify(key) },
	})
	if req.Trading != nil {
		if err := s.enableTrading(g, ep, req.Credentials, req.Trading); err != nil {
			return nil, false, fmt.Errorf("trading: %w", err)
		}
	}
	if _, err := s.Supervisor.EnsureNoWait(key, version, g, g.Tasks()...); err != nil {
		if errors.Is(err, runtime.ErrGroupStopping) {
			// Only another caller for the same key could have started a
			// group since the check above; reconciles of one key do not
			// overlap, so this is a safety net.
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("starting group %s: %w", key, err)
	}
	if s.Changes != nil {
		s.Changes.track(key, req.URLs.REST)
	}
	return s.view(key), false, nil
}

// view reads a group's snapshots; nil when no group runs under key.
func (s GroupSettings) view(key string) *groupView {
	rs, ok := s.Supervisor.Snapshot(key)
	if !ok {
		return nil
	}
	state, _ := s.Supervisor.State(key)
	g, ok := state.(*botgroup.Group)
	if !ok {
		return nil
	}
	snap := g.Snapshot()
	return &groupView{Runtime: rs, Health: snap.Exchange, Market: snap.Market, Recording: snap.Recording,
		Recorded: g.Recording(), Signals: snap.Signals, Trading: snap.Trading, Executor: g.Executor()}
}

// releaseGroup stops key's group and, once it has gone, lets its
// recording writer go (after it has delivered what it holds) and forgets
// the resource's signal state and metrics: the resource is being deleted.
// It never waits: it reports whether the group has gone, and if not, the
// change feed wakes the reconciler when it has.
func (s GroupSettings) releaseGroup(ctx context.Context, key string) (gone bool) {
	if !s.stopGroup(ctx, key) {
		return false
	}
	if s.Sink != nil {
		s.Sink.Release(recordingKey(key))
	}
	if s.SignalStates != nil {
		s.SignalStates.release(key)
	}
	if kind, nn, ok := parseGroupKey(key); ok {
		s.SignalMetrics.Forget(nn.Namespace, kind, nn.Name)
		s.TradingMetrics.Forget(nn.Namespace + "/" + nn.Name)
	}
	return true
}

// stopGroup tells key's group, if any, to stop, and reports whether no
// group is listed for key any more. It does not wait: the supervisor's
// change notification when the group leaves the list wakes the reconciler.
// A stop that has taken longer than --stop-timeout is logged with the tasks
// that ignore their cancellation.
func (s GroupSettings) stopGroup(ctx context.Context, key string) (gone bool) {
	if s.Changes != nil {
		s.Changes.untrack(key)
	}
	if s.Supervisor.BeginStop(key) {
		return true
	}
	if snap, ok := s.Supervisor.Snapshot(key); ok && !snap.StopAt.IsZero() {
		if took := time.Since(snap.StopAt); took > s.Supervisor.StopTimeout() {
			var stuck []string
			for _, t := range snap.Tasks {
				if t.State == runtime.TaskRunning || t.State == runtime.TaskBackoff {
					stuck = append(stuck, t.Name)
				}
			}
			log.FromContext(ctx).Error(nil, "the group's tasks have not stopped within --stop-timeout; waiting for them",
				"group", key, "stopping", took.Truncate(time.Second).String(), "tasks", stuck)
		}
	}
	return false
}

// recordingKey names a group's recording writer "namespace/Kind/name", so
// its metrics carry the namespace and the kind with the name.
func recordingKey(groupKey string) string {
	kind, nn, ok := parseGroupKey(groupKey)
	if !ok {
		return groupKey
	}
	return nn.Namespace + "/" + kind + "/" + nn.Name
}
