package eventsink

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tradebot-operator/tradebot-operator/internal/testapiserver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestBudgetDropsPastBurst emits more distinct Events at once than the
// burst allows, against a real API server: the burst's worth are stored,
// the rest are dropped at once and counted, and emitting never blocks.
func TestBudgetDropsPastBurst(t *testing.T) {
	api := testapiserver.Start(t, "event sink", "events")
	cfg, c, scheme, ns := api.Config, api.Client, api.Scheme, api.Namespace
	reg := prometheus.NewPedanticRegistry()
	const burst, emitted = 4, 10
	var logged strings.Builder
	var logMu sync.Mutex
	logger := funcr.New(func(prefix, args string) {
		logMu.Lock()
		defer logMu.Unlock()
		logged.WriteString(args + "\n")
	}, funcr.Options{Verbosity: 1})
	sink, err := New(cfg, Options{QPS: 0.001, Burst: burst, Registerer: reg, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- sink.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Error(err)
		}
	}()

	obj := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "announced", Namespace: ns}}
	if err := c.Create(ctx, obj); err != nil {
		t.Fatal(err)
	}
	rec := sink.Recorder(scheme, "eventsink-test")
	start := time.Now()
	for i := range emitted {
		// Distinct reasons: the broadcaster would fold identical ones into
		// a series, which is not what this test is about.
		rec.Eventf(obj, nil, corev1.EventTypeNormal, fmt.Sprintf("Reason%d", i), "Testing", "event %d", i)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("emitting %d events took %v: the recorder must drop, not wait", emitted, d)
	}
	if got := testutil.ToFloat64(sink.dropped.WithLabelValues(corev1.EventTypeNormal)); got != emitted-burst {
		t.Errorf("dropped %v events, want %d", got, emitted-burst)
	}
	if got := testutil.ToFloat64(sink.emitted.WithLabelValues(corev1.EventTypeNormal)); got != burst {
		t.Errorf("let %v events through, want %d", got, burst)
	}

	var stored eventsv1.EventList
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := c.List(ctx, &stored, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		if len(stored.Items) >= burst || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Give a wrongly sent extra Event the time to arrive before counting.
	time.Sleep(time.Second)
	if err := c.List(ctx, &stored, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(stored.Items) != burst {
		t.Fatalf("%d events stored, want %d", len(stored.Items), burst)
	}
	for _, e := range stored.Items {
		if e.Regarding.Name != obj.Name || e.ReportingController != "eventsink-test" {
			t.Errorf("event %s is about %s by %q, want %s by eventsink-test", e.Name, e.Regarding.Name, e.ReportingController, obj.Name)
		}
	}
	// The log keeps every Event, the dropped ones too.
	logMu.Lock()
	lines := logged.String()
	logMu.Unlock()
	if got := strings.Count(lines, `"sent"=false`); got != emitted-burst {
		t.Errorf("%d dropped events logged, want %d:\n%s", got, emitted-burst, lines)
	}
	if got := strings.Count(lines, `"sent"=true`); got != burst {
		t.Errorf("%d sent events logged, want %d:\n%s", got, burst, lines)
	}
	if !strings.Contains(lines, `"object"="ConfigMap `+ns+`/announced"`) || !strings.Contains(lines, `"note"="event 9"`) {
		t.Errorf("the log does not name the object and the formatted note:\n%s", lines)
	}
	if n, err := testutil.GatherAndCount(reg, "tradebot_events_dropped_total", "tradebot_events_emitted_total"); err != nil || n != 2 {
		t.Errorf("registered series: %d, %v; want the two counters", n, err)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{{QPS: -1}, {Burst: -1}} {
		if _, err := New(&rest.Config{Host: "127.0.0.1:1"}, o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New without a config accepted")
	}
}
