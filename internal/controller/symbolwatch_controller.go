package controller

import (
	"context"
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
)

// SymbolWatchReconciler reconciles SymbolWatch resources into goroutine groups.
type SymbolWatchReconciler struct {
	client.Client
	Recorder events.EventRecorder
	Settings GroupSettings
}

// +kubebuilder:rbac:groups=trading.tradebot.dev,resources=symbolwatches,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=trading.tradebot.dev,resources=symbolwatches/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=trading.tradebot.dev,resources=symbolwatches/finalizers,verbs=update

// Reconcile brings one SymbolWatch's group in line with its spec and reports
// the group's state in status.
func (r *SymbolWatchReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	key := groupKey(kindSymbolWatch, req.NamespacedName)
	var sw tradingv1alpha1.SymbolWatch
	if err := r.Get(ctx, req.NamespacedName, &sw); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.Settings.releaseGroup(ctx, key)
		}
		return ctrl.Result{}, err
	}
	if !sw.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, finalize(ctx, r.Client, r.Settings, &sw, key)
	}
	if err := ensureFinalizer(ctx, r.Client, &sw); err != nil {
		return ctrl.Result{}, err
	}

	spec := *sw.Spec.DeepCopy()
	spec.SetDefaults()
	in := watchInputs{Generation: sw.Generation, Spec: spec, Previous: sw.Status, Now: r.Settings.now(),
		SinkConfigured: r.Settings.Sink != nil}
	running := false
	if spec.Suspend {
		if err := r.Settings.stopGroup(ctx, key); err != nil {
			return ctrl.Result{}, err
		}
	} else {
		urls, err := r.Settings.Resolver.Resolve(exchange.EndpointKind(spec.Exchange.Endpoint), spec.Exchange.URL, spec.Exchange.StreamURL)
		if err != nil {
			in.EndpointError = "spec.exchange: " + err.Error()
			if err := r.Settings.stopGroup(ctx, key); err != nil {
				return ctrl.Result{}, err
			}
		} else {
			view, err := r.Settings.ensureGroup(key, groupRequest{
				URLs:      urls,
				Symbols:   spec.Symbols,
				Streams:   watchStreams(spec),
				Recording: recordingOptions(spec.Recording),
				Meta:      recordingMeta(kindSymbolWatch, sw.Namespace, sw.Name, spec.Exchange),
				Signals:   watchSignalRequest(&sw, spec, r.Recorder),
				Extra:     []string{"generation=" + strconv.FormatInt(sw.Generation, 10)},
			})
			if err != nil {
				return ctrl.Result{}, err
			}
			in.Group, running = view, true
		}
	}

	status := symbolWatchStatus(in)
	if !equality.Semantic.DeepEqual(sw.Status, status) {
		before := sw.Status
		patch := client.MergeFromWithOptions(sw.DeepCopy(), client.MergeFromWithOptimisticLock{})
		sw.Status = status
		if err := r.Status().Patch(ctx, &sw, patch); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{RequeueAfter: staleRetryDelay}, nil
			}
			return ctrl.Result{}, fmt.Errorf("patching status: %w", err)
		}
		emitTransitions(r.Recorder, &sw, string(before.Phase), string(status.Phase),
			breakerOf(before.Exchange), breakerOf(status.Exchange), readyMessage(status.Conditions))
	}
	if running {
		return ctrl.Result{RequeueAfter: r.Settings.StatusInterval}, nil
	}
	return ctrl.Result{}, nil
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
