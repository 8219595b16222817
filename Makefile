# tradebot-operator
#
# Every tool this Makefile needs is built from pinned versions by hack/tools.sh
# into a cache outside the repository (TRADEBOT_CACHE, default
# ~/.cache/tradebot-operator), so a fresh clone needs only Go.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

GO ?= go
BIN ?= $(CURDIR)/bin
# Packages whose tests need no control plane or database.
GOTEST_FLAGS ?= -race -count=1
CONTROLLER_GEN = $(shell hack/tools.sh controller-gen)
CHART = charts/tradebot-operator

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Generate CRDs and RBAC from the API types and kubebuilder markers, copy them into the Helm chart, and generate the chart's Grafana dashboard and alerts (hack/dashgen).
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd:allowDangerousTypes=false webhook paths="./api/..." paths="./internal/controller/..." output:crd:artifacts:config=config/crd/bases
	rm -f $(CHART)/crds/*.yaml
	cp config/crd/bases/*.yaml $(CHART)/crds/
	cp config/rbac/role.yaml $(CHART)/files/role.yaml
	$(GO) run ./hack/dashgen -out $(CHART)/files

.PHONY: generate
generate: ## Generate deepcopy code for the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run gofmt on the tree.
	gofmt -l -w $$(git ls-files '*.go' | grep -v '^hack/tools/')

.PHONY: vet
vet: ## Run go vet.
	$(GO) vet ./...

.PHONY: tidy
tidy: ## Run go mod tidy.
	$(GO) mod tidy

.PHONY: lint
lint: ## Run golangci-lint (.golangci.yml) on the module, e2e files included, and shellcheck on the shell scripts.
	$$(hack/tools.sh golangci-lint) run --build-tags e2e ./...
	$$(hack/tools.sh shellcheck) $$(git ls-files '*.sh' .ci/run)

.PHONY: verify
verify: manifests generate tidy fmt vet ## Regenerate everything and fail if the tree changed.
	@if [ -n "$$(git status --porcelain)" ]; then \
		echo "make verify: generated files, the chart's copies of them, or formatting are out of date:"; \
		git status --porcelain; git --no-pager diff --stat; exit 1; \
	fi

##@ Test

.PHONY: test
test: ## Run every test (unit, simulator, envtest against a real control plane, the Helm chart) with -race.
	hack/test.sh

.PHONY: test-e2e
test-e2e: ## Run the e2e suite (make test runs it too): against the cluster in KUBECONFIG if set (operator running there; E2E_SIMULATOR_URL names its simulator, as make demo prints), else against a local control plane, the simulator and the operator built from ./cmd, all its own.
	@if [ -n "$$KUBECONFIG" ]; then \
		echo "==> e2e against the cluster in KUBECONFIG=$$KUBECONFIG"; \
		E2E_KUBECONFIG="$$KUBECONFIG" $(GO) test -race -count=1 -v ./test/e2e/; \
	else \
		echo "==> e2e against a local control plane (KUBECONFIG is not set)"; \
		assets=$$(hack/tools.sh control-plane); \
		KUBEBUILDER_ASSETS="$$assets" $(GO) test -race -count=1 -v ./test/e2e/; \
	fi

.PHONY: bench
bench: ## Run the benchmarks (simulator, exchange, market-data hub, recording) and print their figures.
	hack/bench.sh

.PHONY: bench-scale
bench-scale: ## Run the scale figures: 10 000 bots on one replica (SCALE_BOTS), idle weight, sharding failover; print them against their targets.
	hack/bench-scale.sh

##@ Build

.PHONY: build
build: ## Build bin/manager and bin/exchange-sim.
	$(GO) build -o $(BIN)/exchange-sim ./cmd/exchange-sim
	@if [ -f cmd/main.go ]; then $(GO) build -o $(BIN)/manager ./cmd; fi

# What make image stamps: the chart's appVersion is the tag (the chart's
# default image tag), the commit is the revision (marked -dirty when the tree
# has uncommitted changes) and its time the creation time of everything in
# the image, so a commit always gives the same digests.
VERSION ?= $(shell sed -n 's/^appVersion: *"*\([^"]*\)"*$$/\1/p' $(CHART)/Chart.yaml)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
PLATFORMS ?= linux/amd64,linux/arm64
DIST ?= dist

.PHONY: image
image: ## Build the operator's and the simulator's images (linux/amd64, linux/arm64) into dist/: OCI layouts and docker-archives, no container engine needed.
	$(GO) run ./hack/imagebuild build -out $(DIST) -version $(VERSION) -revision $(REVISION) \
		-created $(SOURCE_DATE_EPOCH) -platforms $(PLATFORMS)

.PHONY: image-push
image-push: image-push-check image ## Build, then push the operator's image index to IMAGE=registry/repo:tag (and the simulator's to SIM_IMAGE, if set).
	$(GO) run ./hack/imagebuild push -image $(IMAGE) $(DIST)/tradebot-operator/oci
	@if [ -n "$(SIM_IMAGE)" ]; then $(GO) run ./hack/imagebuild push -image $(SIM_IMAGE) $(DIST)/tradebot-exchange-sim/oci; fi

.PHONY: image-push-check
image-push-check:
	@test -n "$(IMAGE)" || { echo "make image-push: set IMAGE=registry/repository:tag"; exit 1; }

.PHONY: chart-push
chart-push: ## Package the Helm chart and push it to CHART_REPO=oci://registry/path (PLAIN_HTTP=1 for a registry without TLS).
	@test -n "$(CHART_REPO)" || { echo "make chart-push: set CHART_REPO=oci://registry/path"; exit 1; }
	hack/chart-push.sh $(if $(PLAIN_HTTP),--plain-http) $(CHART_REPO)

.PHONY: control-plane
control-plane: ## Build (once, cached) kube-apiserver, etcd and kubectl.
	@hack/tools.sh control-plane

##@ Run

.PHONY: demo
demo: build ## Start a local control plane, InfluxDB, the simulator and the operator; apply the samples; keep running.
	hack/demo.sh

.PHONY: kind-up
kind-up: ## Run the operator and the simulator on a kind cluster (KIND_CLUSTER, default tradebot) with the samples; KIND_UP_FLAGS=--dry-run prints the plan.
	hack/kind-up.sh $(KIND_UP_FLAGS)

.PHONY: demo-check
demo-check: build ## Like demo, but exit 0 once the samples are Running and record to InfluxDB, and the sample bot's signal, fill and price points are there.
	hack/demo.sh --check
