package controller

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// Finalizer keeps a resource until its goroutine group has stopped. Only
// bots that may hold state on the exchange carry it (see
// mayHoldExchangeState); SymbolWatches never do.
const Finalizer = "trading.tradebot.dev/stop-group"

// mayHoldExchangeState says whether a bot with spec may place orders, and
// so leave open orders or a position its group must wind down before the
// object goes: a paper bot on the simulator (its paper account) or a bot
// with credentials. A bot that only computes signals holds nothing there:
// its group is stopped when the deletion is seen, it never stays stuck
// Terminating while the operator is down or uninstalled, and it costs the
// API server one write less when it is created.
func mayHoldExchangeState(spec *tradingv1alpha1.TradingBotSpec) bool {
	return paperOnSimulator(spec) || spec.Exchange.CredentialsSecretRef != nil
}

// paperOnSimulator says whether a bot with spec trades on its own paper
// account at the simulator.
func paperOnSimulator(spec *tradingv1alpha1.TradingBotSpec) bool {
	return spec.Mode == tradingv1alpha1.ModePaper && spec.Exchange.Endpoint == tradingv1alpha1.EndpointSimulator
}

// TradingBotReconciler reconciles TradingBot resources into goroutine groups.
// Its reconciles never wait for a group: starting and stopping are handed to
// the supervisor, and the change feed brings the bot back when they are done.
type TradingBotReconciler struct {
	// Client is the manager's cached client: bots, and Secrets' metadata.
	client.Client
	// APIReader reads a credentials Secret's data straight from the API
	// server (nil: the manager's API reader). Secrets are never cached.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Settings  GroupSettings

	writes      statusWrites
	credentials *credentialsReader
}

// Least privilege: bots are patched (the finalizer), their status is
// updated (the whole status at the version it was computed from);
// Secrets are only read: their metadata is listed and watched, and a bot's
// own Secret is read with get; Events are created and patched (a series).
// +kubebuilder:rbac:groups=trading.tradebot.dev,resources=tradingbots,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=trading.tradebot.dev,resources=tradingbots/status,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one TradingBot's group in line with its spec and reports
// the group's state in status.
func (r *TradingBotReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, err error) {
	key := groupKey(kindTradingBot, req.NamespacedName)
	var bot tradingv1alpha1.TradingBot
	if err := r.Get(ctx, req.NamespacedName, &bot); err != nil {
		if apierrors.IsNotFound(err) {
			// Gone without our finalizer (e.g. it was removed by hand):
			// make sure nothing keeps running for it.
			r.credentials.forget(key)
			return released(ctx, r.Settings, &r.writes, key), nil
		}
		return ctrl.Result{}, err
	}

	if res, done, err := gateShard(ctx, r.Client, r.Settings, &r.writes, &bot, &bot.Status.Replica,
		func() { bot.Status.Phase = tradingv1alpha1.BotPhasePending }, key); done {
		return res, err
	}
	if !bot.DeletionTimestamp.IsZero() {
		r.credentials.forget(key)
		return finalize(ctx, r.Client, r.Settings, &r.writes, &bot, key)
	}
	spec := *bot.Spec.DeepCopy()
	spec.SetDefaults()
	// Before the group starts, so that no order is ever placed for a bot
	// that could go without its group winding down.
	if mayHoldExchangeState(&spec) {
		if err := ensureFinalizer(ctx, r.Client, &bot); err != nil {
			return ctrl.Result{}, err
		}
	}

	end := &reconcileEnd{c: r.Client, writes: &r.writes, interval: r.Settings.StatusInterval,
		now: r.Settings.now(), key: key, obj: &bot}
	defer func() { res, err = end.finish(ctx, err) }()

	in := botInputs{Generation: bot.Generation, Spec: spec, Previous: bot.Status, Now: end.now,
		SinkConfigured: r.Settings.Assembler.Recording()}
	if end.run, err = r.reconcileGroup(ctx, &bot, key, &in); err != nil || end.run == groupStopping {
		return ctrl.Result{}, err
	}
	status := tradingBotStatus(in)
	status.Replica = bot.Status.Replica
	if in.Group != nil {
		end.hold = startHold(string(bot.Status.Phase), string(status.Phase), in.Group.Supervised.Started, bot.CreationTimestamp.Time, end.now)
	}
	changed, urgent := botStatusChange(&bot.Status, &status)
	end.status = &statusChange{changed: changed, urgent: urgent, apply: func() func() {
		before := bot.Status
		bot.Status = status
		return func() {
			emitTransitions(r.Recorder, &bot, string(before.Phase), string(status.Phase),
				breakerOf(before.Exchange), breakerOf(status.Exchange), readyMessage(status.Conditions))
		}
	}}
	return ctrl.Result{}, nil
}

// reconcileGroup starts, restarts or stops the bot's group and fills the
// inputs of its status. It never waits for a group: it reports whether one
// runs, or is still stopping (then the status is left as it is until the
// group has gone, so it never claims a stop that has not happened).
func (r *TradingBotReconciler) reconcileGroup(ctx context.Context, bot *tradingv1alpha1.TradingBot, key string, in *botInputs) (groupRun, error) {
	spec := in.Spec
	switch {
	case spec.Suspend:
		return r.stop(ctx, key), nil
	case spec.Mode == tradingv1alpha1.ModeLive && !r.Settings.AllowLiveTrading:
		in.LiveRefused = true
		in.Credentials = credentialsResult{OK: false, Reason: tradingv1alpha1.ReasonLiveTradingDisabled,
			Message: "credentials are not read while live trading is disabled"}
		return r.stop(ctx, key), nil
	}

	creds, err := r.credentials.resolve(ctx, key, bot.Namespace, spec.Exchange)
	if err != nil {
		return groupIdle, err
	}
	in.Credentials = creds
	urls, err := r.Settings.Resolver.Resolve(exchange.EndpointKind(spec.Exchange.Endpoint), spec.Exchange.URL, spec.Exchange.StreamURL)
	if err != nil {
		in.EndpointError = "spec.exchange: " + redact.URLsIn(err.Error())
	} else if msg := liveTransportProblem(spec, urls); msg != "" {
		in.EndpointError = msg
	}
	if !creds.OK || in.EndpointError != "" {
		return r.stop(ctx, key), nil
	}

	policy, share := botPolicy(spec)
	view, stopping, err := r.Settings.ensureGroup(ctx, key, botgroup.Request{
		Owner:       botgroup.Owner{Kind: kindTradingBot, Namespace: bot.Namespace, Name: bot.Name},
		Exchange:    string(spec.Exchange.Name),
		URLs:        urls,
		Symbols:     spec.Symbols,
		Policy:      policy,
		ShareLimits: share,
		Credentials: creds.Credentials,
		Streams:     botStreams(spec),
		Recording:   recordingOptions(spec.Recording),
		MarketData:  spec.Recording.MarketData,
		Signals: &botgroup.SignalRequest{Spec: spec.Strategy, Previous: bot.Status.Signals,
			Announce: signalAnnounce(r.Recorder, bot.DeepCopy())},
		Trading: &botgroup.TradingRequest{Spec: spec, UID: string(bot.UID),
			Paper:    paperOnSimulator(&spec),
			Previous: bot.Status.Trading, ResumeToken: bot.Annotations[ResumeAnnotation],
			Announce: tradingAnnounce(r.Recorder, bot.DeepCopy())},
		Extra: []string{"generation=" + strconv.FormatInt(bot.Generation, 10), "secret=" + creds.Version},
	})
	switch {
	case err != nil:
		return groupIdle, err
	case stopping:
		return groupStopping, nil
	}
	in.Group = view
	if view != nil && view.Executor != nil {
		if token := bot.Annotations[ResumeAnnotation]; token != "" {
			view.Executor.Resume(token)
		}
	}
	return groupRunning, nil
}

// stop asks for key's group to stop and says whether the bot must wait for
// it. The keys read for the group are forgotten with it.
func (r *TradingBotReconciler) stop(ctx context.Context, key string) groupRun {
	r.credentials.forget(key)
	if r.Settings.stopGroup(ctx, key) {
		return groupIdle
	}
	return groupStopping
}

// SetupWithManager registers the reconciler: it watches TradingBots, the
// metadata of Secrets, mapped to the bots naming them (through a field
// index), and the change feed. Only metadata: the cache never holds a
// Secret's data (see ManagerOptions).
func (r *TradingBotReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	api := r.APIReader
	if api == nil {
		api = mgr.GetAPIReader()
	}
	r.credentials = newCredentialsReader(r.Client, api)
	if err := mgr.GetFieldIndexer().IndexField(ctx, &tradingv1alpha1.TradingBot{}, credentialsIndexKey, credentialsSecretName); err != nil {
		return fmt.Errorf("indexing bots by credentials Secret: %w", err)
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&tradingv1alpha1.TradingBot{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, deletionOrFinalizerChanged()))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.botsForSecret), builder.OnlyMetadata).
		Named("tradingbot")
	if r.Settings.Changes != nil {
		b = b.WatchesRawSource(source.Channel(r.Settings.Changes.bots, &handler.TypedEnqueueRequestForObject[*tradingv1alpha1.TradingBot]{}))
	}
	return b.Complete(r)
}

// botsForSecret maps a Secret (its metadata) to the bots in its namespace
// that use it.
func (r *TradingBotReconciler) botsForSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	var bots tradingv1alpha1.TradingBotList
	if err := r.List(ctx, &bots, client.InNamespace(obj.GetNamespace()), client.MatchingFields{credentialsIndexKey: obj.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "listing bots that use a Secret", "secret", obj.GetName())
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(bots.Items))
	for _, b := range bots.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: b.Namespace, Name: b.Name}})
	}
	return reqs
}

// liveTransportProblem repeats the schema's rule that a Live bot reaches a
// Custom endpoint over TLS only (https and wss), for bots stored before the
// rule existed: such a bot is not started. Empty when nothing is wrong.
func liveTransportProblem(spec tradingv1alpha1.TradingBotSpec, urls exchange.URLs) string {
	if spec.Mode != tradingv1alpha1.ModeLive || spec.Exchange.Endpoint != tradingv1alpha1.EndpointCustom {
		return ""
	}
	if u, err := url.Parse(urls.REST); err != nil || u.Scheme != "https" {
		return "spec.exchange.url: a Live bot must reach its exchange over https, not plain http"
	}
	if u, err := url.Parse(urls.Stream); err != nil || u.Scheme != "wss" {
		return "spec.exchange.streamURL: a Live bot must read market data over wss, not plain ws"
	}
	return ""
}
