#!/usr/bin/env bash
# Brings the operator up on a local kind cluster, with the exchange
# simulator, and runs the samples there.
#
#   hack/kind-up.sh [--dry-run] [--name NAME] [--arch amd64|arm64]
#
# Steps, each command printed before it runs:
#   1. make image (only if dist/ lacks the node platform's docker-archives);
#   2. kind create cluster (only if `kind get clusters` does not list NAME);
#   3. kind load image-archive: the operator's and the simulator's;
#   4. helm upgrade --install with simulator.enabled=true, waiting for both
#      Deployments;
#   5. kubectl apply -k config/samples;
#   6. kubectl wait until every TradingBot and SymbolWatch is Running;
#   7. kubectl get tradingbots,symbolwatches -A.
# --dry-run prints the plan and runs nothing (kind, kubectl, helm and a
# container engine need not be installed). NAME defaults to tradebot (or
# KIND_CLUSTER); the architecture to the machine's. KIND, KUBECTL and HELM
# name the binaries (default: on PATH; helm falls back to hack/tools.sh
# helm); DIST the image directory (default dist).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chart="$root/charts/tradebot-operator"
release=tradebot-operator
namespace=tradebot-system
samples_namespace=default

usage() {
	echo "usage: $0 [--dry-run] [--name NAME] [--arch amd64|arm64]" >&2
	exit 2
}

node_arch() {
	case "$(uname -m)" in
	x86_64 | amd64) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	*) uname -m ;;
	esac
}

dry_run=false
name=${KIND_CLUSTER:-tradebot}
arch=""
while (($#)); do
	case "$1" in
	--dry-run) dry_run=true ;;
	--name)
		(($# >= 2)) || usage
		name=$2
		shift
		;;
	--arch)
		(($# >= 2)) || usage
		arch=$2
		shift
		;;
	*) usage ;;
	esac
	shift
done
arch=${arch:-$(node_arch)}
case "$arch" in
amd64 | arm64) ;;
*)
	echo "unsupported architecture $arch: make image builds linux/amd64 and linux/arm64" >&2
	exit 1
	;;
esac

dist=${DIST:-$root/dist}
kind=${KIND:-kind}
kubectl=${KUBECTL:-kubectl}
context="kind-$name"
version=$(sed -n 's/^appVersion: *"*\([^"]*\)"*$/\1/p' "$chart/Chart.yaml")
[[ -n "$version" ]] || {
	echo "no appVersion in $chart/Chart.yaml" >&2
	exit 1
}
operator_archive="$dist/tradebot-operator/linux-$arch.tar"
simulator_archive="$dist/tradebot-exchange-sim/linux-$arch.tar"

# show prints a command as a shell line, quoting the words that need it.
show() {
	local line="" word
	for word in "$@"; do
		if [[ "$word" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
			line+=" $word"
		else
			line+=" '${word//\'/\'\\\'\'}'"
		fi
	done
	printf '+%s\n' "$line"
}

# run prints a command, then runs it (unless --dry-run).
run() {
	show "$@"
	if ! $dry_run; then
		"$@"
	fi
}

step() { printf '==> %s\n' "$*"; }

need() {
	command -v "$1" >/dev/null 2>&1 || {
		echo "$1 is not installed (or set $2 to it): $3" >&2
		exit 1
	}
}

if $dry_run; then
	echo "dry run: printing the plan, running nothing"
	helm=${HELM:-helm}
else
	need "$kind" KIND "kind runs the cluster's nodes in a container engine (docker or podman)"
	need "$kubectl" KUBECTL "kubectl applies the samples and waits for them"
	if [[ -n "${HELM:-}" ]]; then
		helm=$HELM
	elif command -v helm >/dev/null 2>&1; then
		helm=helm
	else
		helm=$("$root/hack/tools.sh" helm)
	fi
fi

step "1/7 images for linux/$arch in $dist"
if [[ -f "$operator_archive" && -f "$simulator_archive" ]]; then
	echo "    present: $operator_archive $simulator_archive"
else
	run make -C "$root" image "DIST=$dist" "PLATFORMS=linux/$arch"
fi

step "2/7 the kind cluster $name"
show "$kind" get clusters
if $dry_run; then
	echo "    (if $name is not listed:)"
	show "$kind" create cluster --name "$name" --wait 2m
elif "$kind" get clusters 2>/dev/null | grep -qx -- "$name"; then
	echo "    $name exists"
else
	run "$kind" create cluster --name "$name" --wait 2m
fi

step "3/7 load the images into the nodes"
run "$kind" load image-archive "$operator_archive" --name "$name"
run "$kind" load image-archive "$simulator_archive" --name "$name"

step "4/7 install the chart with the simulator"
run "$helm" upgrade --install "$release" "$chart" \
	--kube-context "$context" --namespace "$namespace" --create-namespace \
	--set simulator.enabled=true \
	--set "image.tag=$version" --set "simulator.image.tag=$version" \
	--set image.pullPolicy=IfNotPresent --set simulator.image.pullPolicy=IfNotPresent \
	--wait --timeout 5m

step "5/7 apply the samples"
run "$kubectl" --context "$context" apply --namespace "$samples_namespace" -k "$root/config/samples"

step "6/7 wait for the samples to be Running"
run "$kubectl" --context "$context" wait --namespace "$samples_namespace" \
	--for=jsonpath='{.status.phase}'=Running tradingbots,symbolwatches --all --timeout 5m

step "7/7 what runs"
run "$kubectl" --context "$context" get tradingbots,symbolwatches -A
