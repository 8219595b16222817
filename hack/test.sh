#!/usr/bin/env bash
# Runs every test with -race, the e2e suite (test/e2e) included. Builds
# (once, cached outside the repository) the control-plane binaries that the
# envtest suites and the e2e suite need and points
# KUBEBUILDER_ASSETS at them, and InfluxDB's influxd for the recording tests
# (internal/recording/influxtest), pointing INFLUXD at it, and helm for the
# chart's tests (test/helm), pointing HELM at it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "==> control plane for envtest (built once, then cached)"
KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane)
export KUBEBUILDER_ASSETS
echo "    KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"

# Built here, once, so that no test package builds it under its own timeout.
# An INFLUXD already set is used as it is.
echo "==> influxd for the recording tests (built once, then cached; the first build takes a few minutes)"
INFLUXD=${INFLUXD:-$(hack/tools.sh influxd)}
export INFLUXD
echo "    INFLUXD=$INFLUXD"

# test/helm runs helm lint and helm template on charts/tradebot-operator and
# checks what they render.
echo "==> helm for the chart tests (built once, then cached; the first build takes about 3 minutes)"
HELM=${HELM:-$(hack/tools.sh helm)}
export HELM
echo "    HELM=$HELM"

# The image tests cross-compile the operator and the simulator for two
# platforms; on a cold Go build cache that alone takes many minutes, so it
# is done here, once, outside any test's timeout (make image builds exactly
# what the tests build, and they then find it in the cache).
echo "==> make image (warms the Go build cache for the image tests; the first run takes several minutes)"
make --no-print-directory image >/dev/null

# ./... includes the e2e suite (test/e2e): it starts a control plane, the
# simulator and the operator binary of its own, whatever cluster the shell
# points at (E2E_KUBECONFIG, which would point it elsewhere, is dropped).
unset E2E_KUBECONFIG E2E_SIMULATOR_URL
echo "==> go test -race ./..."
go test -race -count=1 -timeout 20m ./... "$@"

# The main job must keep working from a fresh clone: run it unattended.
echo "==> make demo-check"
make --no-print-directory demo-check
