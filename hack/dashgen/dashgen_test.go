package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// committed is where the chart keeps what dashgen writes.
const committed = "../../charts/tradebot-operator/files"

// TestCommittedFilesAreGenerated checks that the chart's dashboard and
// rules are exactly what dashgen writes now: change the Go code and run
// make manifests, never edit them by hand.
func TestCommittedFilesAreGenerated(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("generate wrote %d files, want the dashboard and the rules", len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(filepath.FromSlash(committed), name))
		if err != nil {
			t.Errorf("%v: run make manifests", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("charts/tradebot-operator/files/%s differs from what hack/dashgen writes: run make manifests", name)
		}
	}
}

// TestGenerateIsStable checks that two runs give the same bytes (no map
// order or time leaks into the files).
func TestGenerateIsStable(t *testing.T) {
	a, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := generate()
		if err != nil {
			t.Fatal(err)
		}
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Fatalf("%s differs between two runs", name)
			}
		}
	}
}

// TestRunWritesFiles runs the command as make manifests does, into a
// temporary directory.
func TestRunWritesFiles(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	if err := run([]string{"-out", dir}, &stderr); err != nil {
		t.Fatalf("dashgen -out %s: %v\n%s", dir, err, stderr.String())
	}
	for _, name := range []string{dashboardFile, rulesFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	if err := run([]string{"extra"}, &stderr); err == nil {
		t.Error("dashgen accepted a stray argument")
	}
}

// TestDashboardPanels checks the dashboard's shape: the Prometheus
// datasource variable, unique panel ids, and the panels the operator's
// users look for, each with at least one query on the chosen datasource.
func TestDashboardPanels(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID    string `json:"uid"`
		Panels []struct {
			ID         int    `json:"id"`
			Type       string `json:"type"`
			Title      string `json:"title"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(files[dashboardFile], &d); err != nil {
		t.Fatal(err)
	}
	if d.UID != dashboardUID {
		t.Errorf("uid = %q", d.UID)
	}
	if len(d.Templating.List) == 0 || d.Templating.List[0].Name != "datasource" || d.Templating.List[0].Query != "prometheus" {
		t.Errorf("variables = %+v, want $datasource (prometheus) first", d.Templating.List)
	}
	ids := map[int]bool{}
	titles := map[string]string{}
	for _, p := range d.Panels {
		if ids[p.ID] || p.ID == 0 {
			t.Errorf("panel %q has id %d, zero or taken", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: datasource %q, %d queries", p.Title, p.Datasource.UID, len(p.Targets))
		}
		var exprs []string
		for _, q := range p.Targets {
			exprs = append(exprs, q.Expr)
		}
		titles[p.Title] = strings.Join(exprs, "\n")
	}
	for title, metric := range map[string]string{
		"Request weight used vs limit": "tradebot_exchange_weight_limit",
		"429 and 418 responses":        "tradebot_exchange_throttled_total",
		"Circuit breakers":             "tradebot_exchange_breaker_state",
		"Streams":                      "tradebot_marketdata_streams",
		"Stream lag":                   "tradebot_marketdata_lag_seconds",
		"Reconnects and gaps":          "tradebot_marketdata_reconnects_total",
		"Points written":               "tradebot_recording_points_written_total",
		"Points pending":               "tradebot_recording_points_pending",
		"Points dropped":               "tradebot_recording_points_dropped_total",
		"Spool":                        "tradebot_recording_spool_bytes",
		"Spool commits and replays":    "tradebot_recording_spool_commits_total",
		"Signals":                      "tradebot_signals_total",
		"Orders":                       "tradebot_orders_total",
		"PnL":                          "tradebot_pnl_quote",
		"Risk halted":                  "tradebot_risk_halted",
		"Signal to order acknowledged": "tradebot_signal_to_ack_seconds_bucket",
		"Kubernetes Events":            "tradebot_events_dropped_total",
	} {
		if !strings.Contains(titles[title], metric) {
			t.Errorf("panel %q: queries %q, want %s", title, titles[title], metric)
		}
	}
}

// TestRules checks the alerts: each named one present, with an
// expression, a severity and a summary.
func TestRules(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.UnmarshalStrict(files[rulesFile], &rf); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"TradebotBreakerOpen":           "5m",
		"TradebotIPBanned":              "",
		"TradebotRecordingDropping":     "5m",
		"TradebotRecordingSpoolFilling": "5m",
		"TradebotRiskHalted":            "",
		"TradebotMarketDataStale":       "2m",
	}
	got := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			got[r.Alert] = true
			f, ok := want[r.Alert]
			if !ok {
				t.Errorf("unexpected alert %s", r.Alert)
				continue
			}
			if r.For != f || r.Expr == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("alert %+v: want for %q, an expression, a severity and a summary", r, f)
			}
		}
	}
	for name := range want {
		if !got[name] {
			t.Errorf("alert %s missing", name)
		}
	}
}
