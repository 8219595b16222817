#!/usr/bin/env bash
# Builds the pinned tools the project needs (kube-apiserver, etcd, kubectl,
# controller-gen, helm, golangci-lint) from the Go module proxy into a cache directory outside the
# repository, keyed by version, and prints the directory that holds them.
#
#   hack/tools.sh control-plane   # dir with kube-apiserver, etcd, kubectl (KUBEBUILDER_ASSETS)
#   hack/tools.sh controller-gen  # path of the controller-gen binary
#   hack/tools.sh influxd         # path of the InfluxDB OSS influxd binary
#   hack/tools.sh helm            # path of the helm binary
#   hack/tools.sh golangci-lint   # path of the golangci-lint binary
#   hack/tools.sh shellcheck      # path of shellcheck (installed with apt-get if missing)
#
# A finished build is marked by a stamp file, so a second call returns at once.
# Progress goes to stderr; only the result goes to stdout.
set -euo pipefail

KUBE_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
CONTROLLER_GEN_VERSION=v0.23.0
INFLUXDB_VERSION=v1.8.10
HELM_VERSION=v3.22.0
GOLANGCI_LINT_VERSION=v2.15.0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${TRADEBOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tradebot-operator}

log() { printf '[tools] %s\n' "$*" >&2; }

build_control_plane() {
	local out="$cache/k8s/$KUBE_VERSION-etcd-$ETCD_VERSION"
	if [[ -f "$out/.complete" ]]; then
		echo "$out"
		return
	fi
	mkdir -p "$out"
	local ldf=""
	local minor=${KUBE_VERSION#v1.}
	minor=${minor%%.*}
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldf+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
		ldf+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
	done
	local start=$SECONDS
	for cmd in kube-apiserver kubectl; do
		if [[ ! -x "$out/$cmd" ]]; then
			log "building $cmd $KUBE_VERSION from the Go module proxy (first run only: about 10 minutes on 2 cores)..."
			(cd "$root/hack/tools/kube" && CGO_ENABLED=0 go build -trimpath \
				-tags=selinux,notest,grpcnotrace -ldflags="all=$ldf -s -w" \
				-o "$out/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd")
			mv "$out/$cmd.tmp" "$out/$cmd"
			log "built $cmd ($((SECONDS - start)) s so far)"
		fi
	done
	if [[ ! -x "$out/etcd" ]]; then
		log "building etcd $ETCD_VERSION..."
		(cd "$root/hack/tools/etcd" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" \
			-o "$out/etcd.tmp" go.etcd.io/etcd/server/v3)
		mv "$out/etcd.tmp" "$out/etcd"
		log "built etcd ($((SECONDS - start)) s so far)"
	fi
	touch "$out/.complete"
	echo "$out"
}

build_controller_gen() {
	local out="$cache/controller-gen/$CONTROLLER_GEN_VERSION"
	if [[ ! -x "$out/controller-gen" ]]; then
		mkdir -p "$out"
		log "building controller-gen $CONTROLLER_GEN_VERSION..."
		(cd "$root/hack/tools/controller-gen" && CGO_ENABLED=0 go build -trimpath \
			-o "$out/controller-gen.tmp" sigs.k8s.io/controller-tools/cmd/controller-gen)
		mv "$out/controller-gen.tmp" "$out/controller-gen"
	fi
	echo "$out/controller-gen"
}

build_influxd() {
	local out="$cache/influxdb/$INFLUXDB_VERSION"
	if [[ ! -x "$out/influxd" ]]; then
		mkdir -p "$out"
		log "building influxd $INFLUXDB_VERSION from the Go module proxy (first run only: a few minutes)..."
		local gobin
		gobin=$(mktemp -d)
		GOBIN="$gobin" GOFLAGS=-mod=mod CGO_ENABLED=0 go install -trimpath \
			-ldflags "-s -w -X main.version=${INFLUXDB_VERSION#v}" \
			"github.com/influxdata/influxdb/cmd/influxd@$INFLUXDB_VERSION"
		mv "$gobin/influxd" "$out/influxd"
		rmdir "$gobin"
	fi
	echo "$out/influxd"
}

# The -X flags make helm report its real version (a plain build says v3.22) and
# render and lint against the Kubernetes version we run (a plain build assumes
# 1.20 for .Capabilities.KubeVersion).
build_helm() {
	local out="$cache/helm/$HELM_VERSION-k8s-$KUBE_VERSION"
	if [[ ! -x "$out/helm" ]]; then
		mkdir -p "$out"
		local minor=${KUBE_VERSION#v1.}
		minor=${minor%%.*}
		local ldf="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
		for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
			ldf+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"
		done
		log "building helm $HELM_VERSION from the Go module proxy (first run only: about 3 minutes)..."
		(cd "$root/hack/tools/helm" && CGO_ENABLED=0 go build -trimpath -ldflags="$ldf" \
			-o "$out/helm.tmp" helm.sh/helm/v3/cmd/helm)
		mv "$out/helm.tmp" "$out/helm"
	fi
	echo "$out/helm"
}

build_golangci_lint() {
	local out="$cache/golangci-lint/$GOLANGCI_LINT_VERSION"
	if [[ ! -f "$out/.complete" ]]; then
		mkdir -p "$out"
		log "building golangci-lint $GOLANGCI_LINT_VERSION from the Go module proxy (first run only: a few minutes)..."
		(cd "$root/hack/tools/golangci-lint" && CGO_ENABLED=0 go build -trimpath \
			-ldflags="-s -w -X main.version=${GOLANGCI_LINT_VERSION#v}" \
			-o "$out/golangci-lint.tmp" github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
		mv "$out/golangci-lint.tmp" "$out/golangci-lint"
		touch "$out/.complete"
	fi
	echo "$out/golangci-lint"
}

# The shellcheck binary is a Haskell program, not a Go module: use the one on PATH, or
# install Debian's package (with sudo when not root).
find_shellcheck() {
	if ! command -v shellcheck >/dev/null; then
		local sudo=()
		if [[ $(id -u) -ne 0 ]]; then
			sudo=(sudo)
		fi
		log "shellcheck is not on PATH: installing Debian's package with ${sudo[*]:+${sudo[*]} }apt-get..."
		"${sudo[@]}" apt-get update -qq >&2
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >&2
	fi
	command -v shellcheck
}

case "${1:-}" in
control-plane) build_control_plane ;;
controller-gen) build_controller_gen ;;
influxd) build_influxd ;;
helm) build_helm ;;
golangci-lint) build_golangci_lint ;;
shellcheck) find_shellcheck ;;
*)
	echo "usage: $0 control-plane|controller-gen|influxd|helm|golangci-lint|shellcheck" >&2
	exit 2
	;;
esac
