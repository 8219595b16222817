package helm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestObservabilityOffByDefault checks that neither the dashboard nor the
// rules are rendered unless asked for.
func TestObservabilityOffByDefault(t *testing.T) {
	if n := render(t).kinds(); n["ConfigMap"] != 0 || n["PrometheusRule"] != 0 {
		t.Errorf("rendered by default: %v", n)
	}
}

// TestGrafanaDashboard checks the dashboard's ConfigMap: the sidecar's
// label, the namespace, and the dashboard JSON that hack/dashgen committed.
func TestGrafanaDashboard(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(chartDir, "files", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		args      []string
		namespace string
		labels    map[string]string
	}{
		{"defaults", []string{"--set", "grafana.dashboard.enabled=true"}, namespace, map[string]string{"grafana_dashboard": "1"}},
		{"namespace and labels", []string{"--set", "grafana.dashboard.enabled=true,grafana.dashboard.namespace=monitoring",
			"--set", "grafana.dashboard.labels.grafana_dashboard=null,grafana.dashboard.labels.dashboards=trading"},
			"monitoring", map[string]string{"dashboards": "trading"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cm corev1.ConfigMap
			render(t, tc.args...).named(t, "ConfigMap", release+"-dashboard", &cm)
			if cm.Namespace != tc.namespace {
				t.Errorf("namespace = %q, want %q", cm.Namespace, tc.namespace)
			}
			for k, v := range tc.labels {
				if cm.Labels[k] != v {
					t.Errorf("labels %v, want %s=%s", cm.Labels, k, v)
				}
			}
			if tc.labels["grafana_dashboard"] == "" && cm.Labels["grafana_dashboard"] != "" {
				t.Errorf("labels %v: the default sidecar label was not removed", cm.Labels)
			}
			got := cm.Data["tradebot-operator.json"]
			if len(cm.Data) != 1 || got != strings.TrimSpace(string(want)) {
				t.Errorf("ConfigMap data (%d keys) is not files/dashboard.json", len(cm.Data))
			}
			var d struct {
				UID    string            `json:"uid"`
				Panels []json.RawMessage `json:"panels"`
			}
			if err := json.Unmarshal([]byte(got), &d); err != nil || d.UID != "tradebot-operator" || len(d.Panels) < 10 {
				t.Errorf("dashboard JSON: uid %q, %d panels, err %v", d.UID, len(d.Panels), err)
			}
		})
	}
}

// TestPrometheusRule checks the PrometheusRule: the Prometheus Operator's
// kind, the labels, and the rule groups that hack/dashgen committed.
func TestPrometheusRule(t *testing.T) {
	var want any
	readYAML(t, "charts/tradebot-operator/files/prometheus-rules.yaml", &want)
	var pr struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec any `json:"spec"`
	}
	r := render(t, "--set", "prometheusRule.enabled=true,prometheusRule.labels.release=prometheus,prometheusRule.namespace=monitoring")
	r.one(t, "PrometheusRule", &pr)
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Metadata.Name != release || pr.Metadata.Namespace != "monitoring" ||
		pr.Metadata.Labels["release"] != "prometheus" {
		t.Errorf("PrometheusRule %s %s/%s labels %v", pr.APIVersion, pr.Metadata.Namespace, pr.Metadata.Name, pr.Metadata.Labels)
	}
	if !reflect.DeepEqual(pr.Spec, want) {
		got, _ := yaml.Marshal(pr.Spec)
		t.Errorf("spec is not files/prometheus-rules.yaml:\n%s", got)
	}
	// The alerts' templates reach Prometheus untouched by Helm.
	if !strings.Contains(r.raw, "{{ $labels.endpoint }}") {
		t.Error("the rules' {{ $labels... }} templates were rendered by Helm")
	}
}
