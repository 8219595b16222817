// Command dashgen writes the operator's Grafana dashboard and Prometheus
// alerting rules into the Helm chart, from Go code, so that both are
// reviewed as code and regenerated instead of edited by hand.
//
//	go run ./hack/dashgen [-out charts/tradebot-operator/files]
//
// It writes OUT/dashboard.json (built with the Grafana Foundation SDK; the
// chart ships it in a ConfigMap for Grafana's dashboard sidecar when
// grafana.dashboard.enabled is set) and OUT/prometheus-rules.yaml (the rule
// groups of the chart's PrometheusRule, prometheusRule.enabled). Every
// query uses the metric names the operator registers; cmd's tests check
// each one against the operator's registry, and this package's tests check
// that the committed files are what dashgen writes. make manifests runs it.
package main
