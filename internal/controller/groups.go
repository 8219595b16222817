package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// GroupAssembler builds the goroutine group of a TradingBot or a
// SymbolWatch from the request the reconciler derived from its spec. The
// reconcilers decide whether a group runs and hand it to the supervisor;
// what a group is made of (endpoint, market data, signals, trading,
// recording) is the assembler's business. The operator's is
// botgroup.Assembler.
type GroupAssembler interface {
	// Assemble builds the group of req.Owner. Nothing runs until the
	// supervisor starts its tasks.
	Assemble(req botgroup.Request) (*botgroup.Group, error)
	// Release forgets what the assembler keeps for owner across its
	// groups (signal state, recording writer, metric series): the
	// resource is gone and its group has stopped.
	Release(owner botgroup.Owner)
	// Recording reports whether groups can record at all (the operator
	// has an InfluxDB sink).
	Recording() bool
}

// GroupSettings are the operator-wide settings shared by both reconcilers.
type GroupSettings struct {
	Supervisor *supervisor.Supervisor
	Assembler  GroupAssembler
	Resolver   exchange.Resolver
	// Changes wakes reconcilers; it also learns which groups use which
	// endpoint, so an endpoint's breaker, pause or ban wakes them all.
	Changes *ChangeFeed
	// AllowLiveTrading is --allow-live-trading.
	AllowLiveTrading bool
	// StatusInterval is --status-interval: how often a running resource's
	// status is refreshed when nothing important happens.
	StatusInterval time.Duration
	Now            func() time.Time
	// Shards is the replicas' ring when the operator runs sharded (nil:
	// this replica runs every resource).
	Shards ShardRing
}

func (s GroupSettings) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ensureGroup makes the supervisor run key's group as req describes,
// without waiting for anything: an unchanged request returns the running
// group untouched; a changed one first stops the old generation and, while
// that is still stopping, returns stopping (and no view) so the caller can
// return and be woken by the change feed once the old group has gone.
func (s GroupSettings) ensureGroup(ctx context.Context, key string, req botgroup.Request) (view *groupView, stopping bool, err error) {
	version := req.Version()
	if cur, ok := s.Supervisor.Version(key); ok {
		// A group that is still stopping (an earlier stop has not finished)
		// is not running: it must be gone before this one starts.
		if v := s.view(key); cur == version && v != nil && !v.Supervised.Stopping {
			return v, false, nil
		}
		if !s.stopGroup(ctx, key) {
			return nil, true, nil
		}
	}
	req.Notify = func() { s.Supervisor.Notify(key) }
	g, err := s.Assembler.Assemble(req)
	if err != nil {
		return nil, false, err
	}
	if _, err := s.Supervisor.EnsureNoWait(key, version, g, g.Tasks()...); err != nil {
		if errors.Is(err, supervisor.ErrGroupStopping) {
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
	return &groupView{Supervised: rs, Health: snap.Exchange, Market: snap.Market, Recording: snap.Recording,
		Recorded: g.Recording(), Signals: snap.Signals, Trading: snap.Trading, Executor: g.Executor()}
}

// releaseGroup stops key's group and, once it has gone, has the assembler
// forget what it kept for the resource: the resource is being deleted.
// It never waits: it reports whether the group has gone, and if not, the
// change feed wakes the reconciler when it has.
func (s GroupSettings) releaseGroup(ctx context.Context, key string) (gone bool) {
	if !s.stopGroup(ctx, key) {
		return false
	}
	if kind, nn, ok := parseGroupKey(key); ok {
		s.Assembler.Release(botgroup.Owner{Kind: kind, Namespace: nn.Namespace, Name: nn.Name})
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
				if t.State == supervisor.TaskRunning || t.State == supervisor.TaskBackoff {
					stuck = append(stuck, t.Name)
				}
			}
			log.FromContext(ctx).Error(nil, "the group's tasks have not stopped within --stop-timeout; waiting for them",
				"group", key, "stopping", took.Truncate(time.Second).String(), "tasks", stuck)
		}
	}
	return false
}
