package opdrill

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// RequireControlPlane fails the test when KUBEBUILDER_ASSETS is not set.
func RequireControlPlane(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal(what + " needs kube-apiserver and etcd, and KUBEBUILDER_ASSETS is not set.\n" +
			"Run `make test`, or: export KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane)")
	}
}

// RepoRoot is the repository's root, from a package two levels below it.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// LogDir is a directory for the operators' logs that outlives a failed
// test (and is removed after a passing one, unless DRILL_KEEP_LOGS=1).
func LogDir(t testing.TB, prefix string) string {
	t.Helper()
	logs, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("DRILL_KEEP_LOGS") == "1" {
			t.Logf("the operators' logs are kept in %s", logs)
			return
		}
		os.RemoveAll(logs)
	})
	return logs
}

// BuildOperator builds ./cmd into dir.
func BuildOperator(t testing.TB, root, dir string) string {
	t.Helper()
	return build(t, root, filepath.Join(dir, "manager"), "./cmd")
}

// BuildSimulator builds ./cmd/exchange-sim into dir, for drills that run
// the simulator as a process of its own (without the race detector the
// test binary may carry).
func BuildSimulator(t testing.TB, root, dir string) string {
	t.Helper()
	return build(t, root, filepath.Join(dir, "exchange-sim"), "./cmd/exchange-sim")
}

func build(t testing.TB, root, bin, pkg string) string {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// FreeAddr is a loopback address with a port free at the time of the
// call, for a process that must listen on a known one.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// StartControlPlane starts etcd and kube-apiserver with the CRDs and
// writes an admin kubeconfig for the operator into dir.
func StartControlPlane(t testing.TB, root, dir string) (kubeconfig string, c client.WithWatch) {
	t.Helper()
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
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
	admin, err := env.AddUser(envtest.User{Name: "drill-operator", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := tradingv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err = client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return path, c
}

// StartSimulator serves the exchange simulator on the loopback, with a
// weight limit so high that the drills are about orders, not about the
// weight budget (which the exchange layer's own tests cover).
func StartSimulator(t testing.TB) (*exchangesim.Simulator, string) {
	t.Helper()
	return StartSimulatorWith(t, 1_000_000)
}

// StartSimulatorWith serves the simulator with a weight limit per minute
// (0: the simulator's default, Binance's).
func StartSimulatorWith(t testing.TB, weightLimit int) (*exchangesim.Simulator, string) {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.History = 30 * time.Minute
	if weightLimit > 0 {
		cfg.WeightLimit = weightLimit
	}
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sim.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
		sim.Close()
	})
	return sim, srv.URL
}

// ListBots lists the TradingBots of namespace.
func ListBots(t testing.TB, c client.Client, namespace string) []tradingv1alpha1.TradingBot {
	t.Helper()
	var list tradingv1alpha1.TradingBotList
	if err := c.List(context.Background(), &list, client.InNamespace(namespace)); err != nil {
		t.Fatalf("listing the bots: %v", err)
	}
	return list.Items
}

// Describe is what a bot's status says of its state, for a failure.
func Describe(b tradingv1alpha1.TradingBot) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s phase %s;", b.Name, b.Status.Phase)
	for _, c := range b.Status.Conditions {
		fmt.Fprintf(&sb, " %s=%s (%s: %s);", c.Type, c.Status, c.Reason, c.Message)
	}
	for _, tk := range b.Status.Tasks {
		fmt.Fprintf(&sb, " task %s %s, %d restarts;", tk.Name, tk.State, tk.Restarts)
	}
	return sb.String()
}

// PaperBot is drill bot i in namespace: Paper trading on the simulator,
// SMA crossovers on one-second klines of two of symbols, periods varied so
// that the bots' signals do not all fall on the same kline, limits wide
// enough that every BUY fits.
func PaperBot(namespace, name string, i int, symbols []string) *unstructured.Unstructured {
	fast := int64(2 + i%3)
	slow := fast + 2 + int64(i%4)
	syms := []any{symbols[i%len(symbols)], symbols[(i+3)%len(symbols)]}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": tradingv1alpha1.GroupVersion.String(),
		"kind":       "TradingBot",
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec": map[string]any{
			"mode":     "Paper",
			"exchange": map[string]any{"endpoint": "Simulator"},
			"symbols":  syms,
			"strategy": map[string]any{
				"type": "SMACrossover", "interval": "1s", "minConfidence": "0.01",
				"smaCrossover": map[string]any{"fastPeriod": fast, "slowPeriod": slow},
			},
			"risk": map[string]any{
				"maxOrderQuote": "12", "maxPositionQuote": "100000", "maxOrdersPerMinute": int64(120),
				"cooldown": "1s", "maxDailyLossQuote": "100000",
			},
		},
	}}
}
