package controller

import (
	"context"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// SymbolWatchReconciler reconciles SymbolWatch resources into goroutine
// groups; like the TradingBot reconciler, it never waits for a group.
type SymbolWatchReconciler struct {
	client.Client
	Recorder events.EventRecorder
	Settings GroupSettings

	writes statusWrites
}

// Watches are patched only to remove a finalizer left by an older version;
// their status is updated (the whole status at the version it was computed
// from).
// +kubebuilder:rbac:groups=trading.tradebot.dev,resources=symbolwatches,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=trading.tradebot.dev,resources=symbolwatches/status,verbs=update

// Reconcile brings one SymbolWatch's group in line with its spec and reports
// the group's state in status.
func (r *SymbolWatchReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, err error) {
	key := groupKey(kindSymbolWatch, req.NamespacedName)
	var sw tradingv1alpha1.SymbolWatch
	if err := r.Get(ctx, req.NamespacedName, &sw); err != nil {
		if apierrors.IsNotFound(err) {
			return released(ctx, r.Settings, &r.writes, key), nil
		}
		return ctrl.Result{}, err
	}
	if res, done, err := gateShard(ctx, r.Client, r.Settings, &r.writes, &sw, &sw.Status.Replica,
		func() { sw.Status.Phase = tradingv1alpha1.WatchPhasePending }, key); done {
		return res, err
	}
	if !sw.DeletionTimestamp.IsZero() {
		return finalize(ctx, r.Client, r.Settings, &r.writes, &sw, key)
	}
	// No finalizer: a watch never trades, so it holds nothing on the
	// exchange, and its group is stopped when its deletion is seen (one
	// carried from an older version is still removed by finalize).

	end := &reconcileEnd{c: r.Client, writes: &r.writes, interval: r.Settings.StatusInterval,
		now: r.Settings.now(), key: key, obj: &sw}
	defer func() { res, err = end.finish(ctx, err) }()

	spec := *sw.Spec.DeepCopy()
	spec.SetDefaults()
	in := watchInputs{Generation: sw.Generation, Spec: spec, Previous: sw.Status, Now: end.now,
		SinkConfigured: r.Settings.Assembler.Recording()}
	if end.run, err = r.reconcileGroup(ctx, &sw, key, &in); err != nil || end.run == groupStopping {
		return ctrl.Result{}, err
	}
	status := symbolWatchStatus(in)
	status.Replica = sw.Status.Replica
	if in.Group != nil {
		end.hold = startHold(string(sw.Status.Phase), string(status.Phase), in.Group.Supervised.Started, sw.CreationTimestamp.Time, end.now)
	}
	changed, urgent := watchStatusChange(&sw.Status, &status)
	end.status = &statusChange{changed: changed, urgent: urgent, apply: func() func() {
		before := sw.Status
		sw.Status = status
		return func() {
			emitTransitions(r.Recorder, &sw, string(before.Phase), string(status.Phase),
				breakerOf(before.Exchange), breakerOf(status.Exchange), readyMessage(status.Conditions))
		}
	}}
	return ctrl.Result{}, nil
}

// reconcileGroup starts, restarts or stops the watch's group without
// waiting for it, and fills the inputs of its status.
func (r *SymbolWatchReconciler) reconcileGroup(ctx context.Context, sw *tradingv1alpha1.SymbolWatch, key string, in *watchInputs) (groupRun, error) {
	spec := in.Spec
	if spec.Suspend {
		return r.stop(ctx, key), nil
	}
	urls, err := r.Settings.Resolver.Resolve(exchange.EndpointKind(spec.Exchange.Endpoint), spec.Exchange.URL, spec.Exchange.StreamURL)
	if err != nil {
		in.EndpointError = "spec.exchange: " + redact.URLsIn(err.Error())
		return r.stop(ctx, key), nil
	}
	view, stopping, err := r.Settings.ensureGroup(ctx, key, botgroup.Request{
		Owner:      botgroup.Owner{Kind: kindSymbolWatch, Namespace: sw.Namespace, Name: sw.Name},
		Exchange:   string(spec.Exchange.Name),
		URLs:       urls,
		Symbols:    spec.Symbols,
		Streams:    watchStreams(spec),
		Recording:  recordingOptions(spec.Recording),
		MarketData: spec.Recording.MarketData,
		Prices:     true, // status shows each symbol's last price
		Signals:    watchSignalRequest(sw, spec, r.Recorder),
		Extra:      []string{"generation=" + strconv.FormatInt(sw.Generation, 10)},
	})
	switch {
	case err != nil:
		return groupIdle, err
	case stopping:
		return groupStopping, nil
	}
	in.Group = view
	return groupRunning, nil
}

// stop asks for key's group to stop and says whether the watch must wait for it.
func (r *SymbolWatchReconciler) stop(ctx context.Context, key string) groupRun {
	if r.Settings.stopGroup(ctx, key) {
		return groupIdle
	}
	return groupStopping
}

// SetupWithManager registers the reconciler.
func (r *SymbolWatchReconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		For(&tradingv1alpha1.SymbolWatch{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, deletionOrFinalizerChanged()))).
		Named("symbolwatch")
	if r.Settings.Changes != nil {
		b = b.WatchesRawSource(source.Channel(r.Settings.Changes.watches, &handler.TypedEnqueueRequestForObject[*tradingv1alpha1.SymbolWatch]{}))
	}
	return b.Complete(r)
}
