// Package helm holds the tests of the Helm chart in charts/tradebot-operator:
// it runs the pinned helm binary (named by the HELM environment variable,
// which hack/test.sh exports) to lint and render the chart, parses what it
// renders, and checks the Deployment's flags, security context and volumes,
// that no secret value is ever rendered, and that the chart's copies of the
// CRDs and RBAC rules equal the generated ones in config/; the exchange
// simulator that simulator.enabled deploys and the --simulator-url it gives
// the operator; the Grafana dashboard's ConfigMap and the PrometheusRule.
// TestInstall also runs helm install and helm uninstall against a real
// kube-apiserver (envtest, KUBEBUILDER_ASSETS), and TestChartPush runs
// hack/chart-push.sh against an OCI registry served in the test process. It
// has no non-test code besides this comment.
package helm
