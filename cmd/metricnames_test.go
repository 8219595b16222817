package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/tradebot-operator/tradebot-operator/internal/eventsink"
)

// recordingRegisterer registers with a real registry and keeps every
// collector, so that their descriptions can be read afterwards.
type recordingRegisterer struct {
	reg        *prometheus.Registry
	collectors []prometheus.Collector
}

func (r *recordingRegisterer) Register(c prometheus.Collector) error {
	if err := r.reg.Register(c); err != nil {
		return err
	}
	r.collectors = append(r.collectors, c)
	return nil
}

func (r *recordingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

func (r *recordingRegisterer) Unregister(c prometheus.Collector) bool { return r.reg.Unregister(c) }

var descPattern = regexp.MustCompile(`^Desc\{fqName: "([^"]+)", .*constLabels: \{(.*)\}, variableLabels: \{(.*)\}\}$`)

// operatorMetricLabels builds the operator's metrics as run does (its own
// collectors and, as with --influx-url, the recording sink's) and returns
// every metric name with its label names.
func operatorMetricLabels(t *testing.T) map[string][]string {
	t.Helper()
	rec := &recordingRegisterer{reg: prometheus.NewRegistry()}
	if _, err := newOperatorMetrics(rec); err != nil {
		t.Fatal(err)
	}
	// The flags as the operator parses them. Nothing listens at that URL;
	// no point is ever produced, so nothing is sent.
	o, err := parse(t, "--influx-url=http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	sink, err := newRecordingSink(o.recording, rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := sink.Close(ctx); err != nil {
			t.Errorf("closing the sink: %v", err)
		}
	})
	// The Events' counters are registered by controller.Setup, with the
	// registerer main gives it.
	events, err := eventsink.New(&rest.Config{Host: "http://127.0.0.1:1"}, eventsink.Options{Registerer: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Started with an ended context: it stops its broadcaster at once.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := events.Start(ctx); err != nil {
			t.Errorf("stopping the event sink: %v", err)
		}
	})
	names := map[string][]string{}
	for _, c := range rec.collectors {
		_, histogram := c.(prometheus.Histogram)
		if _, ok := c.(*prometheus.HistogramVec); ok {
			histogram = true
		}
		ch := make(chan *prometheus.Desc, 64)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			m := descPattern.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read %s", d)
			}
			var labels []string
			for _, kv := range strings.Split(m[2], ",") {
				if k, _, ok := strings.Cut(kv, "="); ok {
					labels = append(labels, k)
				}
			}
			for _, l := range strings.Split(m[3], ",") {
				if l != "" {
					labels = append(labels, strings.TrimSuffix(strings.TrimPrefix(l, "c("), ")"))
				}
			}
			if !histogram {
				names[m[1]] = labels
				continue
			}
			// A histogram is queried through its series.
			names[m[1]+"_bucket"] = append(slices.Clone(labels), "le")
			names[m[1]+"_sum"] = labels
			names[m[1]+"_count"] = labels
		}
	}
	if len(names) < 40 {
		t.Fatalf("only %d metrics registered: %v", len(names), names)
	}
	return names
}

// lookup finds a metric's labels by the name a query uses.
func lookup(registered map[string][]string, name string) ([]string, bool) {
	labels, ok := registered[name]
	return labels, ok
}

var (
	metricName = regexp.MustCompile(`\btradebot_[a-z0-9_]+`)
	// metric{label="...", ...}
	selector = regexp.MustCompile(`(tradebot_[a-z0-9_]+)\{([^}]*)\}`)
	matcher  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	// agg by (labels) (fn(metric...
	byClause = regexp.MustCompile(`by \(([^)]*)\) \((?:[a-z_]+\()*(tradebot_[a-z0-9_]+)`)
)

// exprProblems lists what is wrong in a PromQL expression: a metric the
// operator does not register, or a label matched on or aggregated by that
// the metric lacks. It adds the names it reads to used.
func exprProblems(where, expr string, registered map[string][]string, used map[string]bool) []string {
	var problems []string
	for _, name := range metricName.FindAllString(expr, -1) {
		used[name] = true
		if _, ok := lookup(registered, name); !ok {
			problems = append(problems, fmt.Sprintf("%s: %s is not a metric the operator registers (in %q)", where, name, expr))
		}
	}
	check := func(name, label string) {
		labels, ok := lookup(registered, name)
		if ok && !slices.Contains(labels, label) {
			problems = append(problems, fmt.Sprintf("%s: %s has no label %q (it has %q; in %q)", where, name, label, labels, expr))
		}
	}
	for _, m := range selector.FindAllStringSubmatch(expr, -1) {
		for _, l := range matcher.FindAllStringSubmatch(m[2], -1) {
			check(m[1], l[1])
		}
	}
	for _, m := range byClause.FindAllStringSubmatch(expr, -1) {
		for _, l := range strings.Split(m[1], ",") {
			check(m[2], strings.TrimSpace(l))
		}
	}
	return problems
}

// checkExpr reports exprProblems as test errors.
func checkExpr(t *testing.T, where, expr string, registered map[string][]string, used map[string]bool) {
	t.Helper()
	for _, p := range exprProblems(where, expr, registered, used) {
		t.Error(p)
	}
}

// TestDashboardAndRulesUseRegisteredMetrics checks every metric name (and
// the labels matched or grouped by) in the chart's Grafana dashboard and
// alerting rules against the metrics the operator registers.
func TestDashboardAndRulesUseRegisteredMetrics(t *testing.T) {
	registered := operatorMetricLabels(t)
	files := filepath.Join("..", "charts", "tradebot-operator", "files")

	b, err := os.ReadFile(filepath.Join(files, "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	dashUsed := map[string]bool{}
	for _, p := range dash.Panels {
		for _, q := range p.Targets {
			checkExpr(t, "dashboard panel "+p.Title, q.Expr, registered, dashUsed)
		}
	}
	for _, v := range dash.Templating.List {
		if q, ok := v.Query.(string); ok {
			checkExpr(t, "dashboard variable "+v.Name, q, registered, dashUsed)
		}
	}
	// Every name anywhere in the file, not only in the fields read above.
	for _, name := range metricName.FindAllString(string(b), -1) {
		if _, ok := lookup(registered, name); !ok {
			t.Errorf("dashboard.json names %s, which the operator does not register", name)
		}
	}
	if len(dashUsed) < 20 {
		t.Errorf("the dashboard uses only %d metrics: %v", len(dashUsed), dashUsed)
	}

	b, err = os.ReadFile(filepath.Join(files, "prometheus-rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `json:"alert"`
				Expr  string `json:"expr"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	rulesUsed := map[string]bool{}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			n++
			checkExpr(t, "alert "+r.Alert, r.Expr, registered, rulesUsed)
			if len(metricName.FindAllString(r.Expr, -1)) == 0 {
				t.Errorf("alert %s reads no operator metric: %q", r.Alert, r.Expr)
			}
		}
	}
	if n < 5 {
		t.Errorf("%d alerts, want at least 5", n)
	}
}

// TestCheckExprCatchesMistakes makes sure the check above can fail: an
// unknown name, a label the metric lacks, a by clause on a foreign label.
func TestCheckExprCatchesMistakes(t *testing.T) {
	registered := operatorMetricLabels(t)
	for _, expr := range []string{
		`tradebot_exchange_weight_used_total`,
		`tradebot_orders_total{symbol="BTCUSDT"}`,
		`sum by (account) (rate(tradebot_exchange_throttled_total[5m]))`,
		`histogram_quantile(0.99, sum by (le) (rate(tradebot_pnl_quote_bucket[5m])))`,
		`rate(tradebot_signal_to_ack_seconds[5m])`,
	} {
		if p := exprProblems("probe", expr, registered, map[string]bool{}); len(p) == 0 {
			t.Errorf("exprProblems accepted %q", expr)
		}
	}
}
