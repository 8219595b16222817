package scalebench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/controller"
	"github.com/tradebot-operator/tradebot-operator/test/opdrill"
)

// BenchmarkAPIWrites prints what each kind of write of a new bot costs the
// API server and etcd, in CPU milliseconds per write, with no operator
// running: APIWRITES_BOTS (default 2000) idle bots are created, given the
// finalizer, and given a typical first status (a Running bot's, as the
// operator writes it), 16 writes at a time, as the scale run's bench and
// operator do. It is a diagnostic for docs/scale.md, not a target:
//
//	go test -count=1 -run '^$' -bench '^BenchmarkAPIWrites$' -benchtime 1x -v ./test/scalebench/ | grep '^apiwrites\.'
//
// The CPU is read from /proc for the control plane's own kube-apiserver and
// etcd, found as this process's descendants.
func BenchmarkAPIWrites(b *testing.B) {
	opdrill.RequireControlPlane(b, "the API write costs")
	bots := countFromEnv(b, "APIWRITES_BOTS", 2000)
	_, c := opdrill.StartControlPlane(b, opdrill.RepoRoot(b), b.TempDir())
	api, etcd := descendant(b, "kube-apiserver"), descendant(b, "etcd")
	ctx := context.Background()
	status := runningStatus()
	phase := func(name string, write func(i int) error) {
		api0, etcd0, start := cpuTime(b, api), cpuTime(b, etcd), time.Now()
		if err := inParallel(bots, write); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		wall := time.Since(start)
		perWrite := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(bots) }
		fmt.Printf("apiwrites.%s_apiserver_cpu_ms: %.2f\n", name, perWrite(cpuTime(b, api)-api0))
		fmt.Printf("apiwrites.%s_etcd_cpu_ms: %.2f\n", name, perWrite(cpuTime(b, etcd)-etcd0))
		fmt.Printf("apiwrites.%s_per_sec: %.0f\n", name, float64(bots)/wall.Seconds())
	}
	// Each bot is kept as the last write returned it, as the operator's
	// cache would hold it: the status is written at that version.
	objs := make([]*unstructured.Unstructured, bots)
	phase("create", func(i int) error {
		objs[i] = idleBot(i, "http://127.0.0.1:1")
		return c.Create(ctx, objs[i])
	})
	phase("finalizer", func(i int) error {
		patch := fmt.Sprintf(`{"metadata":{"finalizers":[%q]}}`, controller.Finalizer)
		return c.Patch(ctx, objs[i], client.RawPatch(types.MergePatchType, []byte(patch)))
	})
	phase("status", func(i int) error {
		objs[i].Object["status"] = status
		objs[i].SetManagedFields(nil)
		return c.Status().Update(ctx, objs[i])
	})
	var one unstructured.Unstructured
	one.SetGroupVersionKind(tradingv1alpha1.GroupVersion.WithKind("TradingBot"))
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "idle-00000"}, &one); err != nil {
		b.Fatal(err)
	}
	size := func(v any) int {
		raw, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return len(raw)
	}
	fmt.Printf("apiwrites.object_bytes: %d\n", size(one.Object))
	fmt.Printf("apiwrites.managed_fields_bytes: %d\n", size(one.GetManagedFields()))
}

// countFromEnv is the positive number in the environment variable name, or
// def when it is unset.
func countFromEnv(b *testing.B, name string, def int) int {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q is not a positive number", name, s)
	}
	return n
}

// runningStatus is the first status the operator writes for an idle bot:
// Running, with its conditions, exchange, market data and tasks.
func runningStatus() map[string]any {
	now := time.Now().UTC().Format(time.RFC3339)
	cond := func(typ, status, reason, message string) map[string]any {
		return map[string]any{"type": typ, "status": status, "reason": reason, "message": message,
			"observedGeneration": 1, "lastTransitionTime": now}
	}
	task := func(name string) map[string]any {
		return map[string]any{"name": name, "state": "Running", "since": now}
	}
	return map[string]any{
		"observedGeneration": 1,
		"phase":              "Running",
		"conditions": []any{
			cond("LiveTradingAllowed", "True", "PaperMode", "paper trading: orders never reach real money"),
			cond("CredentialsResolved", "True", "NoCredentials", "no credentialsSecretRef: public market data only (paper orders use the simulator's demo account)"),
			cond("Recording", "False", "RecordingDisabled", "the operator runs without --influx-url: nothing is recorded"),
			cond("ExchangeReachable", "True", "Reachable", "http://127.0.0.1:40147 answered; clock offset -3 ms"),
			cond("RateLimited", "False", "WithinBudget", "request weight 38/6000 this minute"),
			cond("CircuitOpen", "False", "BreakerClosed", "circuit breaker closed"),
			cond("SymbolsValid", "True", "SymbolsListed", "every symbol is listed and trading"),
			cond("MarketDataFresh", "True", "StreamsFresh", "10 stream(s); lag 36 ms; 0 reconnect(s)"),
			cond("Ready", "True", "Running", "running on 5 symbol(s) against http://127.0.0.1:40147"),
		},
		"exchange": map[string]any{
			"breaker": map[string]any{"state": "Closed"}, "clockOffsetMs": -3, "endpoint": "http://127.0.0.1:40147",
			"lastContactTime": now,
			"rateLimit":       map[string]any{"usedWeight1m": 38, "weight": "38/6000", "weightLimit1m": 6000},
		},
		"marketData": map[string]any{"lagMs": 36, "lastEventTime": now, "streams": 10},
		"signals":    map[string]any{"summary": "none yet"},
		"tasks":      []any{task("exchange-health"), task("market-data"), task("signals")},
	}
}

// inParallel runs write for 0..n-1, 16 at a time, and returns the first
// error.
func inParallel(n int, write func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				if err := write(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// descendant finds the process named comm among this process's
// descendants (envtest starts the control plane as children).
func descendant(b *testing.B, comm string) int {
	b.Helper()
	parents := map[int]int{}
	names := map[int]string{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		parents[pid], names[pid] = ppid, s[open+1:closing]
	}
	self := os.Getpid()
	for pid, name := range names {
		if name != comm {
			continue
		}
		for p := parents[pid]; p > 1; p = parents[p] {
			if p == self {
				return pid
			}
		}
	}
	b.Fatalf("no %s process under this one", comm)
	return 0
}

// cpuTime is the user and system CPU time pid has used.
func cpuTime(b *testing.B, pid int) time.Duration {
	b.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// utime and stime are fields 14 and 15 of stat, 12 and 13 after the
	// name; in clock ticks, 100 a second on Linux.
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("reading the CPU time of %d from %q", pid, s)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
