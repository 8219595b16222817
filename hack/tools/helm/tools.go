// Package helm pins Helm, which lints, renders and installs the chart in
// charts/tradebot-operator (hack/tools.sh helm, make test).
package helm
