package controller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/signalfeed"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// The suite's timing. Intervals are short so the suite is quick; waits are
// long because the machine is shared, and a passing run takes far less.
const (
	statusInterval = time.Second
	probeInterval  = 300 * time.Millisecond
	waitTimeout    = 30 * time.Second
	pollInterval   = 100 * time.Millisecond
	// maxConcurrentReconciles is the workers per controller: fewer than the
	// cases running at once, so a reconcile that blocked would hold up
	// others (testSlowStopBlocksNoOne blocks every worker that could).
	maxConcurrentReconciles = 2
	// stopTimeout is longer than any wait of a test, so a reconcile that
	// waited for a stuck stop would fail the test rather than outlast it.
	stopTimeout = 2 * waitTimeout
)

// envSuite is one control plane (kube-apiserver and etcd), one manager
// running both reconcilers and the supervisor, and one exchange
// simulator the Simulator endpoint resolves to. Subtests share it and keep
// apart by namespace.
type envSuite struct {
	// c reads and writes straight to the API server, never through the
	// manager's cache, so what a test sees is what the server holds.
	c          client.Client
	supervisor *supervisor.Supervisor
	changes    *ChangeFeed
	// reads counts the reconcilers' reads of each resource: one per
	// Reconcile call.
	reads *keyCounter
	// notified counts the supervisor's change notifications per group key.
	notified *keyCounter
	// statusWrites records the manager's requests that write a resource's
	// status, as they leave for the API server.
	statusWrites *writeLog
	// secretRequests records the manager's requests for Secrets.
	secretRequests *secretRequestLog
	// cache is the manager's cache, to check what it holds.
	cache cache.Cache
	// logs is everything the manager and the groups log.
	logs *syncBuffer
	// operatorCfg is the operator's identity (see operatorConfig).
	operatorCfg *rest.Config
	// sim is the simulator behind the Simulator endpoint.
	sim *simServer
	// groupTransport is the transport every group's exchange client uses.
	groupTransport *http.Transport
}

// startSuite starts everything and registers its shutdown with t.Cleanup,
// in reverse order: the manager (and with it every group) first, the
// control plane last.
func startSuite(t *testing.T) *envSuite {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("the envtest suite needs kube-apiserver and etcd, and KUBEBUILDER_ASSETS is not set.\n" +
			"Run `make test`, or build them once and point the tests at them:\n" +
			"  export KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane)\n" +
			"  go test ./internal/controller/")
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	// Stopped even when Start fails: it can fail with the control plane
	// already up (a CRD refused), which must not outlive the test.
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}

	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := tradingv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}

	s := &envSuite{
		reads:          newKeyCounter(),
		notified:       newKeyCounter(),
		statusWrites:   &writeLog{},
		secretRequests: &secretRequestLog{},
		logs:           &syncBuffer{},
		groupTransport: &http.Transport{MaxIdleConnsPerHost: 16},
		changes:        NewChangeFeed(),
	}
	s.sim = startSimulator(t)
	t.Cleanup(s.groupTransport.CloseIdleConnections)

	s.c = newDirectClient(t, cfg, scheme)

	skipNameValidation := true
	logger := zap.New(zap.WriteTo(s.logs), zap.UseDevMode(true))
	// controller-runtime's informers log only through its process-wide
	// logger; without one it complains on stderr once the process is 30s old.
	ctrllog.SetLogger(logger)
	// The manager runs as the operator's own identity, bound to nothing
	// but the generated ClusterRole: every case also checks that those
	// permissions suffice.
	s.operatorCfg = operatorConfig(t, env, s.c)
	mgrCfg := rest.CopyConfig(s.operatorCfg)
	mgrCfg.Wrap(s.statusWrites.wrap)
	mgrCfg.Wrap(s.secretRequests.wrap)
	mgr, err := ctrl.NewManager(mgrCfg, ManagerOptions(ctrl.Options{
		Scheme:                 scheme,
		Logger:                 logger,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// controller-runtime refuses a controller name seen before in the
		// process, which `go test -count=N` would otherwise trip over.
		Controller: config.Controller{SkipNameValidation: &skipNameValidation, MaxConcurrentReconciles: maxConcurrentReconciles},
	}))
	if err != nil {
		t.Fatalf("creating the manager: %v", err)
	}
	s.cache = mgr.GetCache()
	registry := exchange.NewRegistry(exchange.RegistryOptions{
		Logger:    logger.WithName("exchange"),
		Transport: s.groupTransport,
		OnChange: func(url string) {
			s.notified.add(endpointNotifyKey(url))
			s.changes.NotifyEndpoint(url)
		},
	})
	hub := marketdata.NewHub(marketdata.Options{Logger: logger.WithName("marketdata"), Backfill: botgroup.KlineBackfill(registry),
		// Short bounds keep the stall drill short; the simulator sends
		// klines and tickers every second.
		StaleAfterByKind: map[marketdata.Kind]time.Duration{marketdata.KindKline: 4 * time.Second, marketdata.KindTicker: 4 * time.Second}})
	if err := mgr.Add(hub); err != nil {
		t.Fatal(err)
	}
	feeds := signalfeed.New(signalfeed.Options{Hub: hub, Logger: logger.WithName("signalfeed")})
	t.Cleanup(feeds.Close)
	resolver := exchange.Resolver{SimulatorURL: s.sim.url}
	assembler := botgroup.NewAssembler(botgroup.AssemblerOptions{
		Registry:      registry,
		Resolver:      resolver,
		Hub:           hub,
		Feeds:         feeds,
		ProbeInterval: probeInterval,
		HealthEvery:   statusInterval,
	})
	// Everything the manager starts logs to the suite's logger, not to
	// controller-runtime's process-wide one.
	ctx, cancel := context.WithCancel(logr.NewContext(context.Background(), logger))
	op, err := Setup(ctx, mgr, Options{
		Assembler: assembler,
		Resolver:  resolver,
		Changes:   s.changes,
		Supervisor: supervisor.Options{
			Logger:      logger.WithName("supervisor"),
			StopTimeout: stopTimeout,
			BackoffBase: 100 * time.Millisecond,
			BackoffMax:  time.Second,
			OnChange:    s.notified.add,
		},
		StatusInterval: statusInterval,
		Client:         &countingClient{Client: mgr.GetClient(), reads: s.reads},
	})
	if err != nil {
		cancel()
		t.Fatalf("setting up the operator: %v", err)
	}
	s.supervisor = op.Supervisor

	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("manager: %v", err)
		}
		if keys := s.supervisor.Keys(); len(keys) != 0 {
			t.Errorf("groups still running after the manager stopped: %v", keys)
		}
		registry.Close()
		// No HTTP goroutine may outlive the suite.
		utilnet.CloseIdleConnectionsFor(mgr.GetHTTPClient().Transport)
	})
	return s
}

// newDirectClient is an uncached client whose connections are closed when
// the test ends.
func newDirectClient(t *testing.T, cfg *rest.Config, scheme *k8sruntime.Scheme) client.Client {
	t.Helper()
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { utilnet.CloseIdleConnectionsFor(httpClient.Transport) })
	c, err := client.New(cfg, client.Options{Scheme: scheme, HTTPClient: httpClient})
	if err != nil {
		t.Fatalf("creating the client: %v", err)
	}
	return c
}

// operatorUser is the identity the suite's manager runs as.
const operatorUser = "tradebot-operator-envtest"

// operatorConfig returns the config of a user whose only permissions are
// config/rbac/role.yaml, the ClusterRole generated from the reconcilers'
// RBAC markers that kustomize and the Helm chart grant the operator. admin
// creates the role and its binding; the config is returned once the API
// server honours them.
func operatorConfig(t *testing.T, env *envtest.Environment, admin client.Client) *rest.Config {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(raw, &role); err != nil {
		t.Fatalf("config/rbac/role.yaml: %v", err)
	}
	role.ObjectMeta = metav1.ObjectMeta{Name: operatorUser}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: operatorUser},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: operatorUser},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: operatorUser}},
	}
	ctx := context.Background()
	for _, obj := range []client.Object{&role, binding} {
		if err := admin.Create(ctx, obj); err != nil {
			t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
		}
	}
	user, err := env.AddUser(envtest.User{Name: operatorUser}, nil)
	if err != nil {
		t.Fatalf("adding the operator's user: %v", err)
	}
	cfg := user.Config()
	// The API server's authorizer learns of the binding through its own
	// watch: wait until the user may list what the operator lists.
	c := newDirectClient(t, cfg, admin.Scheme())
	eventually(t, "the operator's permissions in force", func() (bool, string) {
		err := c.List(ctx, &tradingv1alpha1.TradingBotList{})
		return err == nil, fmt.Sprintf("listing TradingBots as %s: %v", operatorUser, err)
	})
	return rest.CopyConfig(cfg)
}

// TestReconcilers runs the envtest cases in parallel against one suite.
func TestReconcilers(t *testing.T) {
	s := startSuite(t)
	cases := []struct {
		name string
		run  func(t *testing.T, s *envSuite)
	}{
		{"TradingBot/CreateAndUpdate", testBotCreateAndUpdate},
		{"TradingBot/UnknownSymbol", testBotUnknownSymbol},
		{"TradingBot/SuspendAndResume", testBotSuspendAndResume},
		{"TradingBot/Delete", testBotDelete},
		{"TradingBot/SignalsOnlyNoFinalizer", testBotSignalsOnlyNoFinalizer},
		{"TradingBot/Credentials", testBotCredentials},
		{"Secrets/NeverLeak", testCredentialsNeverLeak},
		{"RBAC/LeaderElectionRole", testLeaderElectionRole},
		{"TradingBot/LiveRefused", testBotLiveRefused},
		{"TradingBot/CircuitBreaker", testBotCircuitBreaker},
		{"SymbolWatch/Lifecycle", testWatchLifecycle},
		{"Signals/ReplayAndStall", testSignals},
		{"Trading/HaltAndResume", testTrading},
		{"NonBlocking/SlowStopBlocksNoOne", testSlowStopBlocksNoOne},
		{"NonBlocking/DeleteWaitsForStop", testDeleteWaitsForStop},
		{"StatusWrites/Steady", testSteadyStatusWrites},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, s)
		})
	}
}

// namespace creates a namespace of its own for a test.
func (s *envSuite) namespace(t *testing.T, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := s.c.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	return ns.Name
}

// eventually polls check until it reports done, failing the test with the
// last explanation check gave if waitTimeout passes first.
func eventually(t *testing.T, what string, check func() (done bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		done, state := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v; last seen: %s", what, waitTimeout, state)
		}
		time.Sleep(pollInterval)
	}
}

// get reads the object named nn into a fresh obj from the API server.
func get[T client.Object](t *testing.T, s *envSuite, nn types.NamespacedName, newObj func() T) T {
	t.Helper()
	obj := newObj()
	if err := s.c.Get(context.Background(), nn, obj); err != nil {
		t.Fatalf("reading %T %s: %v", obj, nn, err)
	}
	return obj
}

// waitFor polls the object named nn until ok accepts it, and returns that
// version of it; describe says what was last seen when it times out.
func waitFor[T client.Object](t *testing.T, s *envSuite, nn types.NamespacedName, newObj func() T, what string,
	ok func(T) bool, describe func(T) string) T {
	t.Helper()
	var last T
	eventually(t, fmt.Sprintf("%T %s: %s", newObj(), nn, what), func() (bool, string) {
		last = get(t, s, nn, newObj)
		return ok(last), describe(last)
	})
	return last
}

// update applies change to the latest version of the object, retrying on
// conflicts with the reconciler's writes.
func update[T client.Object](t *testing.T, s *envSuite, nn types.NamespacedName, newObj func() T, change func(T)) T {
	t.Helper()
	for {
		obj := get(t, s, nn, newObj)
		change(obj)
		err := s.c.Update(context.Background(), obj)
		if err == nil {
			return obj
		}
		if !apierrors.IsConflict(err) {
			t.Fatalf("updating %T %s: %v", obj, nn, err)
		}
	}
}

// deleteAndWait deletes the object and waits until it is gone, finalizers
// and all.
func deleteAndWait[T client.Object](t *testing.T, s *envSuite, nn types.NamespacedName, newObj func() T) {
	t.Helper()
	if err := s.c.Delete(context.Background(), get(t, s, nn, newObj)); err != nil {
		t.Fatalf("deleting %s: %v", nn, err)
	}
	waitGone(t, s, nn, newObj)
	// A resource without the finalizer is gone before its group: wait for
	// that too, so that nothing it ran outlives the test.
	var key string
	switch any(newObj()).(type) {
	case *tradingv1alpha1.TradingBot:
		key = groupKey(kindTradingBot, nn)
	case *tradingv1alpha1.SymbolWatch:
		key = groupKey(kindSymbolWatch, nn)
	default:
		return
	}
	eventually(t, fmt.Sprintf("the group of %s stopped", nn), func() (bool, string) {
		if v, ok := s.supervisor.Version(key); ok {
			return false, "still listed at version " + v
		}
		return true, ""
	})
}

// waitGone waits until the object, whose deletion was asked for, is gone,
// finalizers and all.
func waitGone[T client.Object](t *testing.T, s *envSuite, nn types.NamespacedName, newObj func() T) {
	t.Helper()
	eventually(t, fmt.Sprintf("%T %s deleted", newObj(), nn), func() (bool, string) {
		obj := newObj()
		err := s.c.Get(context.Background(), nn, obj)
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		return false, fmt.Sprintf("still there (err %v, deletionTimestamp %v, finalizers %v)", err, obj.GetDeletionTimestamp(), obj.GetFinalizers())
	})
}

// events lists the events.k8s.io Events about the object of kind and name.
func (s *envSuite) events(t *testing.T, kind string, nn types.NamespacedName) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	if err := s.c.List(context.Background(), &list, client.InNamespace(nn.Namespace)); err != nil {
		t.Fatalf("listing events: %v", err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Kind == kind && e.Regarding.Name == nn.Name {
			out = append(out, e)
		}
	}
	return out
}

// waitForEvent polls until an Event of type and reason whose note contains
// noteFragment exists for the object.
func (s *envSuite) waitForEvent(t *testing.T, kind string, nn types.NamespacedName, eventType, reason, noteFragment string) eventsv1.Event {
	t.Helper()
	var found eventsv1.Event
	eventually(t, fmt.Sprintf("%s Event %s %q for %s %s", eventType, reason, noteFragment, kind, nn), func() (bool, string) {
		evs := s.events(t, kind, nn)
		var seen []string
		for _, e := range evs {
			if e.Type == eventType && e.Reason == reason && strings.Contains(e.Note, noteFragment) {
				found = e
				return true, ""
			}
			seen = append(seen, e.Type+"/"+e.Reason+": "+e.Note)
		}
		return false, fmt.Sprintf("events %q", seen)
	})
	return found
}

// keyCounter counts events by group key ("Kind/namespace/name").
type keyCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func newKeyCounter() *keyCounter { return &keyCounter{counts: make(map[string]int)} }

func (r *keyCounter) add(key string) {
	r.mu.Lock()
	r.counts[key]++
	r.mu.Unlock()
}

func (r *keyCounter) get(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[key]
}

// countingClient is the reconcilers' client, counting their reads of
// TradingBots and SymbolWatches. Every Reconcile starts with one such read,
// so the count is the number of reconciles: the way to see a hot loop.
type countingClient struct {
	client.Client
	reads *keyCounter
}

func (c *countingClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	switch obj.(type) {
	case *tradingv1alpha1.TradingBot:
		c.reads.add(groupKey(kindTradingBot, key))
	case *tradingv1alpha1.SymbolWatch:
		c.reads.add(groupKey(kindSymbolWatch, key))
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

// syncBuffer is a bytes.Buffer that the manager's goroutines may log to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// simServer is an exchange simulator behind a loopback HTTP server.
type simServer struct {
	url    string
	client *http.Client
	// started is when the simulator was built: its market's start time.
	started time.Time
}

// startSimulator starts a simulator that lives until the test ends.
func startSimulator(t *testing.T) *simServer {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Minute // enough for the default strategies' warm-up to start
	return startSimulatorWith(t, cfg)
}

// startSimulatorWith starts a simulator of cfg that lives until the test
// ends.
func startSimulatorWith(t *testing.T, cfg exchangesim.Config) *simServer {
	t.Helper()
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatalf("exchangesim.New: %v", err)
	}
	started := time.Now()
	srv := httptest.NewServer(sim)
	tr := &http.Transport{}
	// The market moves (and its streams publish) every simulated tick.
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); _ = sim.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-ran
		tr.CloseIdleConnections()
		srv.Close()
		sim.Close()
	})
	return &simServer{url: srv.URL, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, started: started}
}

// setFaults replaces the simulator's faults (POST /sim/v1/faults).
func (s *simServer) setFaults(t *testing.T, faultsJSON string) {
	t.Helper()
	res, err := s.client.Post(s.url+"/sim/v1/faults", "application/json", strings.NewReader(faultsJSON))
	if err != nil {
		t.Fatalf("setting faults %s: %v", faultsJSON, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("setting faults %s: HTTP %d", faultsJSON, res.StatusCode)
	}
}

// endpointNotifyKey is where the suite counts the exchange registry's
// change notifications for an endpoint.
func endpointNotifyKey(restURL string) string { return "endpoint " + restURL }
