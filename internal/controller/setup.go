package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"

	"github.com/tradebot-operator/tradebot-operator/internal/eventsink"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// eventSource names the operator as the reporting controller of its Events.
const eventSource = "tradebot-operator"

// ManagerOptions returns o with the cache settings the reconcilers rely on;
// the operator's main and the envtest suite both build their manager with
// it. A cached read of a kind nothing watches fails instead of quietly
// starting an informer: for Secrets, that informer would copy every Secret
// in the cluster into the operator's memory. The Secrets' metadata that is
// watched keeps no annotations (kubectl apply's last-applied-configuration
// holds a Secret's data) and no managed fields, and a whole Secret reaching
// the cache anyway would lose its data.
func ManagerOptions(o ctrl.Options) ctrl.Options {
	o.Cache.ReaderFailOnMissingInformer = true
	// managedFields are a large share of each cached object and nothing
	// here reads them (the operator patches; it never applies).
	if o.Cache.DefaultTransform == nil {
		o.Cache.DefaultTransform = cache.TransformStripManagedFields()
	}
	byObject := make(map[client.Object]cache.ByObject, len(o.Cache.ByObject)+1)
	maps.Copy(byObject, o.Cache.ByObject)
	byObject[&corev1.Secret{}] = cache.ByObject{Transform: stripSecret}
	o.Cache.ByObject = byObject
	return o
}

// stripSecret is the cache's transform of Secrets (their metadata, as the
// cache is meant to hold them, or whole ones).
func stripSecret(in any) (any, error) {
	switch obj := in.(type) {
	case *metav1.PartialObjectMetadata:
		obj.Annotations = nil
		obj.ManagedFields = nil
	case *corev1.Secret:
		obj.Annotations = nil
		obj.ManagedFields = nil
		obj.Data = nil
		obj.StringData = nil
	}
	return in, nil
}

// Options are what Setup needs besides the manager.
type Options struct {
	// Assembler builds the groups (required).
	Assembler GroupAssembler
	// Resolver turns spec.exchange into URLs.
	Resolver exchange.Resolver
	// Changes is the change feed; the exchange registry's OnChange feeds it
	// too, which is why the caller makes it (nil: Setup makes one).
	Changes *ChangeFeed
	// Supervisor are the supervisor's options; Setup chains the change
	// feed after Supervisor.OnChange.
	Supervisor supervisor.Options
	// AllowLiveTrading is --allow-live-trading.
	AllowLiveTrading bool
	// StatusInterval is --status-interval.
	StatusInterval time.Duration
	// Client is the reconcilers' client (nil: the manager's). The suite
	// wraps the manager's to count reads.
	Client client.Client
	// Now is the reconcilers' clock (nil: time.Now).
	Now func() time.Time
	// Shards is the replicas' ring when the operator runs sharded (nil:
	// this replica runs every resource). Call Operator.Reshard when it
	// changes.
	Shards ShardRing
	// Events is the Events' budget (--event-qps, --event-burst) and where
	// their counters are registered.
	Events eventsink.Options
}

// Operator is what Setup built and registered with the manager.
type Operator struct {
	Supervisor *supervisor.Supervisor
	Changes    *ChangeFeed

	shards  ShardRing
	reshard chan struct{}
}

// Reshard has every resource reconciled again, because the replicas' ring
// changed and any resource's owner may have moved. It never blocks;
// several calls before the resources are listed count as one.
func (o *Operator) Reshard() {
	select {
	case o.reshard <- struct{}{}:
	default:
	}
}

// reshardLoop wakes, each time Reshard is called, the resources whose
// owner may change here, reading them from the manager's cache: those the
// ring now gives this replica that it has not claimed or does not run, and
// those it claims or runs that the ring now gives another. The rest (most
// of them) stay as they are, so a failover's claims do not wait in the
// work queue behind every other resource's reconcile.
func (o *Operator) reshardLoop(c client.Reader) manager.RunnableFunc {
	return func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-o.reshard:
			}
			var bots tradingv1alpha1.TradingBotList
			if err := c.List(ctx, &bots); err != nil {
				log.FromContext(ctx).Error(err, "listing TradingBots after the shard ring changed")
			}
			for _, b := range bots.Items {
				o.notifyIfMoving(groupKey(kindTradingBot, client.ObjectKeyFromObject(&b)), b.Status.Replica)
			}
			var watches tradingv1alpha1.SymbolWatchList
			if err := c.List(ctx, &watches); err != nil {
				log.FromContext(ctx).Error(err, "listing SymbolWatches after the shard ring changed")
			}
			for _, w := range watches.Items {
				o.notifyIfMoving(groupKey(kindSymbolWatch, client.ObjectKeyFromObject(&w)), w.Status.Replica)
			}
		}
	}
}

// notifyIfMoving wakes the resource of group key, claimed by replica, if
// what this replica holds of it differs from what the ring says it should.
func (o *Operator) notifyIfMoving(key, replica string) {
	if o.shards == nil {
		o.Changes.Notify(key)
		return
	}
	ours := o.shards.Owns(key)
	_, running := o.Supervisor.Version(key)
	if ours != running || ours != (replica == o.shards.Identity()) {
		o.Changes.Notify(key)
	}
}

// Setup builds the supervisor and both reconcilers and registers them with
// mgr; the operator's main and the envtest suite both start through it, so
// the suite runs the production wiring. ctx bounds the field indexes'
// registration.
func Setup(ctx context.Context, mgr ctrl.Manager, o Options) (*Operator, error) {
	if o.Assembler == nil {
		return nil, errors.New("controller.Setup: no group assembler")
	}
	changes := o.Changes
	if changes == nil {
		changes = NewChangeFeed()
	}
	so := o.Supervisor
	also := so.OnChange
	so.OnChange = func(key string) {
		if also != nil {
			also(key)
		}
		changes.Notify(key)
	}
	sup := supervisor.New(so)
	if err := mgr.Add(sup); err != nil {
		return nil, fmt.Errorf("adding the supervisor: %w", err)
	}
	settings := GroupSettings{
		Supervisor:       sup,
		Assembler:        o.Assembler,
		Resolver:         o.Resolver,
		Changes:          changes,
		AllowLiveTrading: o.AllowLiveTrading,
		StatusInterval:   o.StatusInterval,
		Now:              o.Now,
		Shards:           o.Shards,
	}
	c := o.Client
	if c == nil {
		c = mgr.GetClient()
	}
	eo := o.Events
	if eo.Logger.GetSink() == nil {
		eo.Logger = mgr.GetLogger().WithName("events")
	}
	events, err := eventsink.New(mgr.GetConfig(), eo)
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(events); err != nil {
		return nil, fmt.Errorf("adding the event sink: %w", err)
	}
	recorder := events.Recorder(mgr.GetScheme(), eventSource)
	if err := (&TradingBotReconciler{Client: c, Recorder: recorder, Settings: settings}).SetupWithManager(ctx, mgr); err != nil {
		return nil, fmt.Errorf("setting up the TradingBot controller: %w", err)
	}
	if err := (&SymbolWatchReconciler{Client: c, Recorder: recorder, Settings: settings}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the SymbolWatch controller: %w", err)
	}
	op := &Operator{Supervisor: sup, Changes: changes, shards: o.Shards, reshard: make(chan struct{}, 1)}
	if err := mgr.Add(op.reshardLoop(mgr.GetClient())); err != nil {
		return nil, fmt.Errorf("adding the reshard loop: %w", err)
	}
	return op, nil
}
