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
manifests: ## Generate CRDs and RBAC from the API types and kubebuilder markers, and copy them into the Helm chart.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd:allowDangerousTypes=false webhook paths="./api/..." paths="./internal/controller/..." output:crd:artifacts:config=config/crd/bases
	rm -f $(CHART)/crds/*.yaml
	cp config/crd/bases/*.yaml $(CHART)/crds/
	cp config/rbac/role.yaml $(CHART)/files/role.yaml

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
test-e2e: ## Run the e2e suite against the cluster in KUBECONFIG (operator running there; make demo prints the export line).
	@test -n "$$KUBECONFIG" || { echo "KUBECONFIG is not set: start make demo and export what it prints"; exit 1; }
	$(GO) test -tags e2e -race -count=1 -v ./test/e2e/

.PHONY: bench
bench: ## Run the benchmarks (simulator, exchange, market-data hub, recording) and print their figures.
	hack/bench.sh

##@ Build

.PHONY: build
build: ## Build bin/manager and bin/exchange-sim.
	$(GO) build -o $(BIN)/exchange-sim ./cmd/exchange-sim
	@if [ -f cmd/main.go ]; then $(GO) build -o $(BIN)/manager ./cmd; fi

.PHONY: control-plane
control-plane: ## Build (once, cached) kube-apiserver, etcd and kubectl.
	@hack/tools.sh control-plane

##@ Run

.PHONY: demo
demo: build ## Start a local control plane, InfluxDB, the simulator and the operator; apply the samples; keep running.
	hack/demo.sh

.PHONY: demo-check
demo-check: build ## Like demo, but exit 0 once the samples report Running with status filled in and their points are in InfluxDB.
	hack/demo.sh --check
