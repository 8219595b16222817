#!/usr/bin/env bash
# Packages the Helm chart in charts/tradebot-operator and pushes it to an OCI
# registry as an OCI artefact.
#
#   hack/chart-push.sh [--plain-http] [--out DIR] oci://REGISTRY/PATH
#
# The chart lands at oci://REGISTRY/PATH/tradebot-operator:<chart version>,
# and installs with
#   helm install tradebot-operator oci://REGISTRY/PATH/tradebot-operator --version <chart version>
# The push uses helm's registry credentials (helm registry login).
# --plain-http talks HTTP instead of HTTPS (a registry on the loopback);
# --out keeps the packaged .tgz there (default: a temporary directory).
# HELM names the helm binary (default: the pinned one, hack/tools.sh helm).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chart="$root/charts/tradebot-operator"

usage() {
	echo "usage: $0 [--plain-http] [--out DIR] oci://REGISTRY/PATH" >&2
	exit 2
}

plain_http=()
out=""
repo=""
while (($#)); do
	case "$1" in
	--plain-http) plain_http=(--plain-http) ;;
	--out)
		(($# >= 2)) || usage
		out=$2
		shift
		;;
	-h | --help) usage ;;
	oci://*)
		[[ -z "$repo" ]] || usage
		repo=${1%/}
		;;
	*) usage ;;
	esac
	shift
done
[[ -n "$repo" ]] || usage

# run prints a command, then runs it.
run() {
	printf '+ %s\n' "$*"
	"$@"
}

helm=${HELM:-$("$root/hack/tools.sh" helm)}
if [[ -z "$out" ]]; then
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

version=$(sed -n 's/^version: *"*\([^"]*\)"*$/\1/p' "$chart/Chart.yaml")
[[ -n "$version" ]] || {
	echo "no version in $chart/Chart.yaml" >&2
	exit 1
}
package="$out/tradebot-operator-$version.tgz"

run "$helm" package "$chart" --destination "$out"
[[ -f "$package" ]] || {
	echo "helm package did not write $package" >&2
	exit 1
}
run "$helm" push "$package" "$repo" "${plain_http[@]}"
echo "pushed $repo/tradebot-operator:$version"
