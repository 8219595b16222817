// Command manager is the tradebot-operator: it reconciles TradingBot and
// SymbolWatch resources into supervised goroutine groups.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"
	// The image has no OS files: the binary carries the time-zone database
	// and the CA roots (the latter used only where the system has none).
	_ "time/tzdata"

	"github.com/prometheus/client_golang/prometheus"
	_ "golang.org/x/crypto/x509roots/fallback"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/controller"
	"github.com/tradebot-operator/tradebot-operator/internal/eventsink"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/marketrecord"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
	"github.com/tradebot-operator/tradebot-operator/internal/signalfeed"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
)

// options are the operator's flags.
type options struct {
	metricsAddr      string
	probeAddr        string
	pprofAddr        string
	leaderElect      bool
	leaderElectionID string
	simulatorURL     string
	statusInterval   time.Duration
	probeInterval    time.Duration
	allowLive        bool
	stopTimeout      time.Duration
	// requestTimeout bounds each attempt of each exchange request.
	requestTimeout time.Duration
	// maxConcurrentReconciles is the workers of each controller.
	maxConcurrentReconciles int
	// kubeAPIQPS and kubeAPIBurst are the one request budget that every
	// client of the manager shares (see clientConfigs).
	kubeAPIQPS   float64
	kubeAPIBurst int
	// eventQPS and eventBurst are the Events' own budget (see eventsink).
	eventQPS    float64
	eventBurst  int
	recording   recording.Flags
	showVersion bool
	shard       shardFlags
}

// The request budget's defaults. Reads come from the manager's cache (but
// for a credentials Secret, read directly once per change), so the budget
// is spent on writes: status (at most once per --status-interval
// per resource, and only when it changed), finalizers and Events. 10 000
// running bots at the default interval would ask for up to 1 000 status
// writes a second; the budget holds the API server's load from this
// operator to 50 a second (bursts of 100), and each bot's figures then
// refresh about every 10 000/50 = 200 s instead.
const (
	defaultKubeAPIQPS   = 50
	defaultKubeAPIBurst = 100
)

func parseFlags(fs *flag.FlagSet, args []string) (options, *zap.Options, error) {
	var o options
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "address of the Prometheus metrics endpoint (\"0\" disables it)")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address of the /healthz and /readyz endpoints")
	fs.StringVar(&o.pprofAddr, "pprof-bind-address", "0", "address of Go's /debug/pprof endpoints, for heap and CPU profiles (\"0\", the default, disables them)")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "enable leader election, so only one replica runs bots")
	fs.StringVar(&o.leaderElectionID, "leader-election-id", "tradebot-operator.trading.tradebot.dev", "name of the leader election lease")
	fs.StringVar(&o.simulatorURL, "simulator-url", "http://127.0.0.1:18090", "REST base URL that the Simulator endpoint resolves to")
	fs.DurationVar(&o.statusInterval, "status-interval", 10*time.Second, "how often a running resource's status is refreshed")
	fs.DurationVar(&o.probeInterval, "probe-interval", 15*time.Second, "how often each exchange endpoint's shared health probe runs")
	fs.BoolVar(&o.allowLive, "allow-live-trading", false, "allow TradingBots with mode Live to run (they trade real money)")
	fs.DurationVar(&o.stopTimeout, "stop-timeout", 10*time.Second, "how long stopping one resource's tasks may take before it is reported as stuck (and the bound on stopping every group at shutdown)")
	fs.DurationVar(&o.requestTimeout, "exchange-request-timeout", 10*time.Second, "how long one attempt of an exchange request may take; an order whose answer does not come within it is looked up, never sent again blindly")
	fs.IntVar(&o.maxConcurrentReconciles, "max-concurrent-reconciles", 4, "how many resources of each kind are reconciled at once")
	fs.Float64Var(&o.kubeAPIQPS, "kube-api-qps", defaultKubeAPIQPS, "requests per second to the Kubernetes API server, shared by every bot and watch (status, finalizers, Events)")
	fs.IntVar(&o.kubeAPIBurst, "kube-api-burst", defaultKubeAPIBurst, "requests allowed at once above --kube-api-qps")
	fs.Float64Var(&o.eventQPS, "event-qps", eventsink.DefaultQPS, "Kubernetes Events per second the operator may emit, on a budget of their own; Events past it are dropped and counted in tradebot_events_dropped_total, never queued in front of status writes")
	fs.IntVar(&o.eventBurst, "event-burst", eventsink.DefaultBurst, "Events allowed at once above --event-qps")
	o.recording.Bind(fs)
	o.shard.bind(fs)
	zo := &zap.Options{Development: false}
	zo.BindFlags(fs)
	fs.BoolVar(&o.showVersion, "version", false, "print the version and revision, then exit")
	if err := fs.Parse(args); err != nil {
		return o, nil, err
	}
	if o.showVersion {
		return o, zo, nil
	}
	if o.statusInterval < time.Second {
		return o, nil, fmt.Errorf("--status-interval must be at least 1s, got %s", o.statusInterval)
	}
	if o.probeInterval < time.Second {
		return o, nil, fmt.Errorf("--probe-interval must be at least 1s, got %s", o.probeInterval)
	}
	if o.requestTimeout < 100*time.Millisecond || o.requestTimeout > 5*time.Minute {
		return o, nil, fmt.Errorf("--exchange-request-timeout must be between 100ms and 5m, got %s", o.requestTimeout)
	}
	if o.maxConcurrentReconciles < 1 {
		return o, nil, fmt.Errorf("--max-concurrent-reconciles must be at least 1, got %d", o.maxConcurrentReconciles)
	}
	if o.kubeAPIQPS <= 0 {
		return o, nil, fmt.Errorf("--kube-api-qps must be above 0, got %v", o.kubeAPIQPS)
	}
	if o.kubeAPIBurst < 1 {
		return o, nil, fmt.Errorf("--kube-api-burst must be at least 1, got %d", o.kubeAPIBurst)
	}
	if o.eventQPS <= 0 {
		return o, nil, fmt.Errorf("--event-qps must be above 0, got %v", o.eventQPS)
	}
	if o.eventBurst < 1 {
		return o, nil, fmt.Errorf("--event-burst must be at least 1, got %d", o.eventBurst)
	}
	if _, err := (exchange.Resolver{SimulatorURL: o.simulatorURL}).Resolve(exchange.EndpointSimulator, "", ""); err != nil {
		return o, nil, fmt.Errorf("--simulator-url: %w", err)
	}
	if err := o.shard.check(o.leaderElect, os.Getenv, os.Hostname); err != nil {
		return o, nil, err
	}
	return o, zo, nil
}

func main() {
	o, zo, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if o.showVersion {
		fmt.Println(versionLine("tradebot-operator"))
		return
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(zo)))
	if err := run(ctrl.SetupSignalHandler(), o); err != nil {
		ctrl.Log.Error(err, "operator stopped")
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	log := ctrl.Log.WithName("setup")
	scheme := k8sruntime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(tradingv1alpha1.AddToScheme(scheme))

	cfg, leaderCfg := clientConfigs(ctrl.GetConfigOrDie(), o)
	electionCfg := leaderCfg
	if !o.leaderElect {
		electionCfg = nil
	}
	mgr, err := ctrl.NewManager(cfg, controller.ManagerOptions(ctrl.Options{
		Scheme:                 scheme,
		Controller:             config.Controller{MaxConcurrentReconciles: o.maxConcurrentReconciles},
		Metrics:                metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress: o.probeAddr,
		PprofBindAddress:       o.pprofAddr,
		LeaderElection:         o.leaderElect,
		LeaderElectionID:       o.leaderElectionID,
		// Stop running bots promptly when leadership is lost.
		LeaderElectionReleaseOnCancel: true,
		LeaderElectionConfig:          electionCfg,
	}))
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}

	changes := controller.NewChangeFeed()
	resolver := exchange.Resolver{SimulatorURL: o.simulatorURL}
	om, err := newOperatorMetrics(metrics.Registry)
	if err != nil {
		return err
	}
	registry := exchange.NewRegistry(exchange.RegistryOptions{
		Transport:      exchange.NewTransport(exchange.TransportOptions{}),
		RequestTimeout: o.requestTimeout,
		Logger:         ctrl.Log.WithName("exchange"),
		Metrics:        om.exchange,
		OnChange:       changes.NotifyEndpoint,
	})
	defer registry.Close()
	hub := marketdata.NewHub(marketdata.Options{
		Logger:   ctrl.Log.WithName("marketdata"),
		Metrics:  om.hub,
		Backfill: botgroup.KlineBackfill(registry),
	})
	if err := mgr.Add(hub); err != nil {
		return fmt.Errorf("adding the market-data hub: %w", err)
	}
	// Signal feeds end with their last subscriber; Close only waits for
	// feeds still running when the manager has stopped every group.
	feeds := signalfeed.New(signalfeed.Options{Hub: hub, Logger: ctrl.Log.WithName("signalfeed")})
	defer feeds.Close()
	sink, err := newRecordingSink(o.recording, metrics.Registry)
	if err != nil {
		return err
	}
	var shared *marketrecord.Recorder
	if sink != nil {
		defer closeRecordingSink(sink)
		// Stopped before the sink closes, so its last points are sent.
		shared = marketrecord.New(hub, sink)
		defer shared.Close()
	}
	assembler := botgroup.NewAssembler(botgroup.AssemblerOptions{
		Registry:       registry,
		Resolver:       resolver,
		Hub:            hub,
		Feeds:          feeds,
		Sink:           sink,
		SharedMarket:   shared,
		SignalMetrics:  om.signals,
		TradingMetrics: om.trading,
		ProbeInterval:  o.probeInterval,
		HealthEvery:    o.statusInterval,
	})
	var op *controller.Operator
	ring, err := o.shard.ring(leaderCfg, scheme, registry, func() {
		if op != nil {
			op.Reshard()
		}
	})
	if err != nil {
		return err
	}
	copts := controller.Options{
		Assembler:        assembler,
		Resolver:         resolver,
		Changes:          changes,
		Supervisor:       supervisor.Options{Logger: ctrl.Log.WithName("supervisor"), StopTimeout: o.stopTimeout},
		AllowLiveTrading: o.allowLive,
		StatusInterval:   o.statusInterval,
		Events:           eventsink.Options{QPS: o.eventQPS, Burst: o.eventBurst, Registerer: metrics.Registry},
	}
	if ring != nil {
		copts.Shards = ring
	}
	if op, err = controller.Setup(ctx, mgr, copts); err != nil {
		return err
	}
	if ring != nil {
		if err := mgr.Add(ringRunnable{ring}); err != nil {
			return fmt.Errorf("adding the shard ring: %w", err)
		}
		// Once every group has stopped (mgr.Start has returned), the
		// others may take this replica's resources over at once.
		defer releaseRing(ring)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	if o.allowLive {
		log.Info("live trading is ALLOWED: TradingBots with mode Live trade real money")
	}
	log.Info("starting the operator", "simulatorURL", redact.URL(o.simulatorURL), "statusInterval", o.statusInterval,
		"maxConcurrentReconciles", o.maxConcurrentReconciles, "kubeAPIQPS", o.kubeAPIQPS, "kubeAPIBurst", o.kubeAPIBurst,
		"eventQPS", o.eventQPS, "eventBurst", o.eventBurst,
		"sharding", o.shard.enabled, "replica", o.shard.identity)
	if err := mgr.Start(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// clientConfigs returns the manager's config, whose clients all draw on one
// token bucket of --kube-api-qps and --kube-api-burst (client-go would
// otherwise give each resource type's client a bucket of its own), and the
// leader election's, which keeps base's limits: renewing the lease must not
// queue behind status writes, or a busy operator would lose it.
func clientConfigs(base *rest.Config, o options) (mgr, leader *rest.Config) {
	leader = rest.CopyConfig(base)
	mgr = rest.CopyConfig(base)
	mgr.QPS = float32(o.kubeAPIQPS)
	mgr.Burst = o.kubeAPIBurst
	mgr.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(mgr.QPS, mgr.Burst)
	return mgr, leader
}

// operatorMetrics are the operator's own Prometheus collectors (the
// recording sink registers its own, with --influx-url).
type operatorMetrics struct {
	exchange *exchange.Metrics
	hub      *marketdata.Metrics
	signals  *botgroup.SignalMetrics
	trading  *trading.Metrics
}

// newOperatorMetrics creates the operator's collectors and registers them
// with reg: controller-runtime's metrics.Registry, served on /metrics.
func newOperatorMetrics(reg prometheus.Registerer) (operatorMetrics, error) {
	om := operatorMetrics{exchange: exchange.NewMetrics(reg)}
	var err error
	if om.hub, err = marketdata.NewMetrics(reg); err != nil {
		return om, fmt.Errorf("market-data metrics: %w", err)
	}
	if om.signals, err = botgroup.NewSignalMetrics(reg); err != nil {
		return om, fmt.Errorf("signal metrics: %w", err)
	}
	if om.trading, err = trading.NewMetrics(reg); err != nil {
		return om, fmt.Errorf("trading metrics: %w", err)
	}
	return om, nil
}

// newRecordingSink returns the process's InfluxDB sink, registering its
// metrics with reg, or nil when the operator runs without --influx-url
// (resources then report that nothing is recorded).
func newRecordingSink(f recording.Flags, reg prometheus.Registerer) (*recording.Sink, error) {
	if f.URL == "" {
		return nil, nil
	}
	so, err := f.SinkOptions(os.Getenv)
	if err != nil {
		return nil, err
	}
	so.Registry = reg
	so.Logger = ctrl.Log.WithName("recording")
	sink, err := recording.NewSink(so)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	return sink, nil
}

// closeRecordingSink delivers what is buffered (or spools it) within a
// bounded time, and says how many points could not be kept.
func closeRecordingSink(sink *recording.Sink) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	undelivered, err := sink.Close(ctx)
	log := ctrl.Log.WithName("recording")
	if err != nil || undelivered > 0 {
		log.Error(err, "closing the recorder", "undeliveredPoints", undelivered)
		return
	}
	log.Info("recorder closed; every point was delivered or spooled")
}
