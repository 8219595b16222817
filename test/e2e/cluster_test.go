package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/test/opdrill"
)

// defaultWait bounds each wait for the operator; E2E_TIMEOUT overrides it.
// It is a limit for giving up, not a speed the test asserts.
const defaultWait = 3 * time.Minute

// cluster is the cluster under test: a typed client for objects, a plain
// HTTP client for the Table API (what kubectl get prints), and the
// simulator the operator trades on, whose fault API the breaker drill uses.
type cluster struct {
	cfg    *rest.Config
	client client.Client
	http   *http.Client
	wait   time.Duration
	// simURL is the simulator's base URL ("" when unknown: a cluster
	// named by E2E_KUBECONFIG without E2E_SIMULATOR_URL).
	simURL string
	// alive reports an error when the operator the suite started has
	// exited (nil for a cluster named by E2E_KUBECONFIG).
	alive func() error
}

// connect returns the cluster under test. With E2E_KUBECONFIG set (a
// kubeconfig path, or a list of them like KUBECONFIG; make test-e2e sets it
// from KUBECONFIG), it is that cluster, where the operator already runs;
// E2E_SIMULATOR_URL names the simulator it trades on, for the breaker
// drill (make demo prints both). Otherwise the suite starts its own: etcd
// and kube-apiserver (envtest, KUBEBUILDER_ASSETS) with the CRDs, the
// exchange simulator on the loopback and the operator binary built from
// ./cmd, each stopped when the test ends. KUBECONFIG alone never selects
// a cluster, so that go test ./... in a shell pointed at a real cluster
// creates nothing there.
func connect(t *testing.T) cluster {
	t.Helper()
	w := defaultWait
	if s := os.Getenv("E2E_TIMEOUT"); s != "" {
		var err error
		if w, err = time.ParseDuration(s); err != nil {
			t.Fatalf("E2E_TIMEOUT: %v", err)
		}
	}
	var (
		cfg    *rest.Config
		simURL string
		alive  func() error
		err    error
	)
	if paths := os.Getenv("E2E_KUBECONFIG"); paths != "" {
		rules := &clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(paths)}
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			t.Fatalf("loading E2E_KUBECONFIG: %v", err)
		}
		simURL = os.Getenv("E2E_SIMULATOR_URL")
		t.Logf("against the cluster in E2E_KUBECONFIG (API server %s), simulator %q", cfg.Host, simURL)
	} else {
		var kubeconfig string
		kubeconfig, simURL, alive = startLocal(t)
		if cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig); err != nil {
			t.Fatalf("loading %s: %v", kubeconfig, err)
		}
	}
	scheme := newScheme(t)
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatalf("building the HTTP client: %v", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme, HTTPClient: hc})
	if err != nil {
		t.Fatalf("building the client: %v", err)
	}
	return cluster{cfg: cfg, client: c, http: hc, wait: w, simURL: simURL, alive: alive}
}

// startLocal starts the control plane, the simulator and the operator
// binary, the way make demo runs them (without InfluxDB, which
// make demo-check covers), and returns the admin kubeconfig's path, the
// simulator's URL and a check that the operator still runs. Its logs are
// kept when the test fails.
func startLocal(t *testing.T) (kubeconfig, simURL string, alive func() error) {
	t.Helper()
	opdrill.RequireControlPlane(t, "the e2e suite (without E2E_KUBECONFIG)")
	began := time.Now()
	root := opdrill.RepoRoot(t)
	dir := t.TempDir()
	logs := opdrill.LogDir(t, "e2e-logs-")
	bin := opdrill.BuildOperator(t, root, dir)
	built := time.Since(began)
	kubeconfig, _ = opdrill.StartControlPlane(t, root, dir)
	// The simulator's own weight limit (Binance's), as make demo runs it,
	// so that the WEIGHT column shows a real budget.
	_, simURL = opdrill.StartSimulatorWith(t, 0)
	op := &opdrill.Operator{T: t, Bin: bin, Dir: logs, Args: []string{
		"--kubeconfig", kubeconfig,
		"--simulator-url", simURL,
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", "0",
		"--status-interval", "5s",
		"--probe-interval", "5s",
	}}
	t.Cleanup(op.Stop)
	op.Start()
	t.Logf("local cluster: operator built in %s, control plane, simulator (%s) and operator started in %s; logs in %s",
		built.Round(time.Millisecond), simURL, (time.Since(began) - built).Round(time.Millisecond), logs)
	return kubeconfig, simURL, func() error {
		if !op.Running() {
			return fmt.Errorf("the operator exited; its log is %s", op.LogPath(op.Runs()))
		}
		return nil
	}
}

// operatorAlive is an error once the operator the suite started has
// exited; nil while it runs, and always for a cluster named by
// E2E_KUBECONFIG.
func (c cluster) operatorAlive() error {
	if c.alive == nil {
		return nil
	}
	return c.alive()
}

func newScheme(t *testing.T) *k8sruntime.Scheme {
	t.Helper()
	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := tradingv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return scheme
}

// cleanupContext is for t.Cleanup functions, which run after t.Context()
// is cancelled.
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// namespace creates a namespace of the test's own, so that the samples
// never collide with objects already in the cluster (make demo's own
// copies live in "default"), and deletes it afterwards.
func (c cluster) namespace(ctx context.Context, t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tradebot-e2e-"}}
	if err := c.client.Create(ctx, ns); err != nil {
		t.Fatalf("creating the test namespace: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := cleanupContext()
		defer cancel()
		if err := c.client.Delete(ctx, ns); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

// deleteOnCleanup removes obj after the test if the test left it behind.
func (c cluster) deleteOnCleanup(t *testing.T, obj client.Object) {
	t.Cleanup(func() {
		ctx, cancel := cleanupContext()
		defer cancel()
		if err := c.client.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting %s: %v", obj.GetName(), err)
		}
	})
}

// waitUntil re-reads obj every second until done accepts it. When c.wait
// runs out it fails the test with obj's state as last read (describe).
func waitUntil[T client.Object](ctx context.Context, t *testing.T, c cluster, obj T, what string,
	done func(T) bool, describe func(T) string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, time.Second, c.wait, true, func(ctx context.Context) (bool, error) {
		if err := c.operatorAlive(); err != nil {
			return false, err
		}
		if err := c.client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return false, nil // transient: try again until the deadline
		}
		return done(obj), nil
	})
	if err != nil {
		t.Fatalf("%s %s/%s: gave up waiting until %s (%v, limit %s); %s",
			kindOf(obj), obj.GetNamespace(), obj.GetName(), what, err, c.wait, lastState(c, obj, describe))
	}
}

// lastState reads obj once more, outside the expired poll, for a failure
// message.
func lastState[T client.Object](c cluster, obj T, describe func(T) string) string {
	ctx, cancel := cleanupContext()
	defer cancel()
	if err := c.client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		return "reading it: " + err.Error()
	}
	return "last state: " + describe(obj)
}

// waitGone polls until obj no longer exists.
func waitGone(ctx context.Context, t *testing.T, c cluster, obj client.Object) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, time.Second, c.wait, true, func(ctx context.Context) (bool, error) {
		if err := c.operatorAlive(); err != nil {
			return false, err
		}
		return apierrors.IsNotFound(c.client.Get(ctx, client.ObjectKeyFromObject(obj), obj)), nil
	})
	if err != nil {
		t.Fatalf("%s %s/%s is still there after its deletion (%v, limit %s); %s", kindOf(obj), obj.GetNamespace(), obj.GetName(),
			err, c.wait, lastState(c, obj, func(o client.Object) string {
				return fmt.Sprintf("deletionTimestamp %v, finalizers %v", o.GetDeletionTimestamp(), o.GetFinalizers())
			}))
	}
}

func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *tradingv1alpha1.TradingBot:
		return "TradingBot"
	case *tradingv1alpha1.SymbolWatch:
		return "SymbolWatch"
	}
	return fmt.Sprintf("%T", obj)
}

// printedRow fetches one object as the API server's Table, the form that
// kubectl get prints with the CRD's printer columns, and returns the row
// keyed by column name.
func (c cluster) printedRow(ctx context.Context, resource, namespace, name string) (map[string]string, []string, error) {
	u, err := url.JoinPath(c.cfg.Host, "apis", tradingv1alpha1.GroupVersion.Group, tradingv1alpha1.GroupVersion.Version,
		"namespaces", namespace, resource, name)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, body)
	}
	var table metav1.Table
	if err := json.Unmarshal(body, &table); err != nil {
		return nil, nil, fmt.Errorf("decoding the table: %w", err)
	}
	if len(table.Rows) != 1 {
		return nil, nil, fmt.Errorf("table of %s/%s has %d rows, want 1", namespace, name, len(table.Rows))
	}
	cells := table.Rows[0].Cells
	if len(cells) != len(table.ColumnDefinitions) {
		return nil, nil, errors.New("table row and column definitions differ in length")
	}
	row := make(map[string]string, len(cells))
	columns := make([]string, 0, len(cells))
	for i, col := range table.ColumnDefinitions {
		columns = append(columns, col.Name)
		if cells[i] != nil {
			row[col.Name] = fmt.Sprint(cells[i])
		}
	}
	return row, columns, nil
}

// statusJSON renders a status for failure messages.
func statusJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}
