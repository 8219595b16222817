package scalebench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/test/opdrill"
)

const (
	namespace      = "default"
	statusInterval = 10 * time.Second
	// window is how long status writes and weight are counted once every
	// bot runs: one whole weight minute at least.
	window = 70 * time.Second
)

var symbols = []string{"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"}

// idleBot is bot i: signals only (a Custom endpoint at the simulator and
// no credentials: no account, no orders), SMA crossover on one-minute
// klines of 2 to 5 symbols.
func idleBot(i int, restURL string) *unstructured.Unstructured {
	n := 2 + i%4
	syms := make([]any, 0, n)
	for k := range n {
		syms = append(syms, symbols[(i+k)%len(symbols)])
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": tradingv1alpha1.GroupVersion.String(),
		"kind":       "TradingBot",
		"metadata":   map[string]any{"name": fmt.Sprintf("idle-%05d", i), "namespace": namespace},
		"spec": map[string]any{
			"mode":     "Paper",
			"exchange": map[string]any{"endpoint": "Custom", "url": restURL},
			"symbols":  syms,
			"strategy": map[string]any{
				"type": "SMACrossover", "interval": "1m",
				"smaCrossover": map[string]any{"fastPeriod": int64(5 + i%5), "slowPeriod": int64(20 + i%7)},
			},
		},
	}}
}

func BenchmarkScale(b *testing.B) {
	opdrill.RequireControlPlane(b, "the scale run")
	bots := countFromEnv(b, "SCALE_BOTS", 10000)
	root := opdrill.RepoRoot(b)
	dir := b.TempDir()
	logs := opdrill.LogDir(b, "scalebench-logs-")
	bin := opdrill.BuildOperator(b, root, dir)
	kubeconfig, c := opdrill.StartControlPlane(b, root, dir)
	sim, simURL := opdrill.StartSimulatorWith(b, 0) // Binance's own weight limit

	pprofAddr := opdrill.FreeAddr(b)
	op := &opdrill.Operator{T: b, Bin: bin, Dir: logs, Args: []string{
		"--pprof-bind-address", pprofAddr,
		"--kubeconfig", kubeconfig,
		"--simulator-url", simURL,
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", "0",
		"--status-interval", statusInterval.String(),
		"--max-concurrent-reconciles", "16",
		"--kube-api-qps", "400", "--kube-api-burst", "800",
	}}
	b.Cleanup(op.Stop)
	op.Start()

	watchCtx, stopWatch := context.WithCancel(context.Background())
	b.Cleanup(stopWatch)
	hc, host := httpClient(b, kubeconfig)
	running := watchRunning(watchCtx, b, c, hc, host)
	start := time.Now()
	createAll(b, c, bots, simURL)
	b.Logf("%d bots created in %s", bots, time.Since(start).Round(time.Millisecond))
	lastLog := time.Now()
	opdrill.WaitForEvery(b, []*opdrill.Operator{op}, 30*time.Minute, 500*time.Millisecond, "every bot Running", func() (bool, string) {
		n, err := running.count()
		if err != nil {
			b.Fatalf("watching the bots: %v", err)
		}
		state := fmt.Sprintf("%d of %d Running after %s", n, bots, time.Since(start).Round(time.Second))
		if time.Since(lastLog) > 10*time.Second {
			b.Log(state)
			lastLog = time.Now()
		}
		return n == bots, state
	})
	stopWatch()
	allRunning := time.Since(start)
	b.Logf("all %d bots Running after %s", bots, allRunning.Round(time.Millisecond))
	restarts, lists := running.watchStats()
	b.Logf("the bench's watch was closed by the API server and resumed %d times; it listed the bots %d times", restarts, lists)
	rampWrites := statusWritesServed(b, hc, host)

	// Steady state, after one status interval: status writes and weight
	// over the window.
	time.Sleep(statusInterval)
	writes := countStatusWrites(b, c, sim, window)
	rss, peak := memory(b, op.Pid())
	heapProfile(b, bin, pprofAddr, logs)
	fmt.Printf("scale.bots: %d\n", bots)
	fmt.Printf("scale.all_running_s: %.1f\n", allRunning.Seconds())
	fmt.Printf("scale.ramp_status_writes_per_bot: %.2f\n", float64(rampWrites)/float64(bots))
	fmt.Printf("scale.manager_rss_mib: %.0f\n", rss)
	fmt.Printf("scale.manager_peak_rss_mib: %.0f\n", peak)
	fmt.Printf("scale.status_writes_per_bot_per_10s: %.3f\n", float64(writes.statusWrites)/float64(bots)/(window.Seconds()/10))
	fmt.Printf("scale.idle_weight_used_per_min: %d\n", writes.maxWeight)
	fmt.Printf("scale.idle_weight_share_operator: %.4f\n", float64(writes.maxWeight)/float64(exchangesim.DefaultWeightLimit))
}

// httpClient is an HTTP client with the credentials of kubeconfig, and the
// API server's address.
func httpClient(b *testing.B, kubeconfig string) (*http.Client, string) {
	b.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		b.Fatal(err)
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return hc, cfg.Host
}

// statusWritesServed is how many TradingBot status writes (updates of the
// status subresource) the API server has answered, by its own request
// counter.
func statusWritesServed(b *testing.B, hc *http.Client, host string) int {
	b.Helper()
	resp, err := hc.Get(host + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		b.Fatalf("reading the API server's metrics: %v", err)
	}
	total := 0
	writes := map[string]int{}
	for _, m := range families["apiserver_request_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		n := int(m.GetCounter().GetValue())
		if labels["resource"] == "tradingbots" && labels["subresource"] == "status" && labels["verb"] == "PUT" {
			total += n
		}
		switch labels["verb"] {
		case "POST", "PUT", "PATCH", "DELETE", "APPLY":
			key := labels["resource"]
			if labels["subresource"] != "" {
				key += "/" + labels["subresource"]
			}
			writes[key+" "+labels["verb"]+" "+labels["code"]] += n
		}
	}
	// Every write the API server has answered, to see what a bot costs
	// besides its create and status write.
	b.Logf("API server writes so far, by resource, verb and code: %v", writes)
	return total
}

// createAll creates the bots, a few at a time.
func createAll(b *testing.B, c client.Client, bots int, restURL string) {
	b.Helper()
	if err := inParallel(bots, func(i int) error { return c.Create(context.Background(), idleBot(i, restURL)) }); err != nil {
		b.Fatalf("creating the bots: %v", err)
	}
}

type steady struct {
	statusWrites int
	maxWeight    int
}

// countStatusWrites watches the bots for d and counts the changes that
// touched status (the operator writes nothing else in steady state), and
// samples the simulator's weight count for the operator every second.
func countStatusWrites(b *testing.B, c client.WithWatch, sim *exchangesim.Simulator, d time.Duration) steady {
	b.Helper()
	var list tradingv1alpha1.TradingBotList
	if err := c.List(context.Background(), &list, client.InNamespace(namespace)); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	w, err := c.Watch(ctx, &tradingv1alpha1.TradingBotList{}, client.InNamespace(namespace),
		&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	var out steady
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return out
		case <-tick.C:
			for _, used := range sim.Stats().UsedWeight {
				out.maxWeight = max(out.maxWeight, used)
			}
		case ev, ok := <-w.ResultChan():
			if !ok {
				return out
			}
			if ev.Type == watch.Modified {
				out.statusWrites++
			}
		}
	}
}

// memory reads the process's resident and peak resident memory, in MiB.
func memory(b *testing.B, pid int) (rss, peak float64) {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kib, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kib / 1024
		case "VmHWM:":
			peak = kib / 1024
		}
	}
	return rss, peak
}

// heapProfile saves the operator's heap profile next to its log and logs
// where the live memory goes (go tool pprof -top), for docs/memory.md.
func heapProfile(b *testing.B, bin, addr, dir string) {
	b.Helper()
	res, err := http.Get("http://" + addr + "/debug/pprof/heap")
	if err != nil {
		b.Fatalf("reading the heap profile: %v", err)
	}
	defer res.Body.Close()
	path := filepath.Join(dir, "heap.pprof")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		b.Fatal(err)
	}
	f.Close()
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=25", "-sample_index=inuse_space", bin, path).CombinedOutput()
	if err != nil {
		b.Fatalf("go tool pprof: %v\n%s", err, out)
	}
	b.Logf("heap profile %s; live memory by function:\n%s", path, out)
	out, err = exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=40", "-sample_index=inuse_space", bin, path).CombinedOutput()
	if err == nil {
		b.Logf("live memory, cumulative:\n%s", out)
	}
}
