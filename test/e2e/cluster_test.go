//go:build e2e

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
)

// defaultWait bounds each wait for the operator; E2E_TIMEOUT overrides it.
// It is a limit for giving up, not a speed the test asserts.
const defaultWait = 3 * time.Minute

// cluster is the cluster under test: a typed client for objects and a plain
// HTTP client for the Table API (what kubectl get prints).
type cluster struct {
	cfg    *rest.Config
	client client.Client
	http   *http.Client
	wait   time.Duration
}

// connect reaches the cluster named by KUBECONFIG (a path or a list of
// them). It refuses to fall back to ~/.kube/config, because the suite
// creates and deletes objects.
func connect(t *testing.T) cluster {
	t.Helper()
	if os.Getenv("KUBECONFIG") == "" {
		t.Fatal("KUBECONFIG is not set: point it at a cluster where the operator runs (make demo prints the export line)")
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		t.Fatalf("loading KUBECONFIG: %v", err)
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
	w := defaultWait
	if s := os.Getenv("E2E_TIMEOUT"); s != "" {
		if w, err = time.ParseDuration(s); err != nil {
			t.Fatalf("E2E_TIMEOUT: %v", err)
		}
	}
	return cluster{cfg: cfg, client: c, http: hc, wait: w}
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
		if err := c.client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return false, nil // transient: try again until the deadline
		}
		return done(obj), nil
	})
	if err != nil {
		t.Fatalf("%s %s/%s: gave up after %s waiting until %s; %s",
			kindOf(obj), obj.GetNamespace(), obj.GetName(), c.wait, what, lastState(c, obj, describe))
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
		return apierrors.IsNotFound(c.client.Get(ctx, client.ObjectKeyFromObject(obj), obj)), nil
	})
	if err != nil {
		t.Fatalf("%s %s/%s is still there %s after its deletion; %s", kindOf(obj), obj.GetNamespace(), obj.GetName(),
			c.wait, lastState(c, obj, func(o client.Object) string {
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
