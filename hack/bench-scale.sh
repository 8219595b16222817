#!/usr/bin/env bash
# Runs the scale figures (`make bench-scale`) and prints them as `name: value`
# lines, with each figure's target; full go test output goes to $BENCH_LOG.
#
#   scale.bots, scale.all_running_s, scale.manager_rss_mib,
#   scale.status_writes_per_bot_per_10s   test/scalebench: the real operator,
#                                one replica, SCALE_BOTS idle TradingBots
#                                (default 10 000, 2-5 symbols each) applied at once
#   scale.idle_weight_share      internal/exchange: 10 000 idle bots' health views on
#                                one endpoint's shared probe, ten simulated minutes
#   scale.failover_s, scale.max_concurrent_owners
#                                test/sharding: three operator processes, 300 Paper
#                                bots, one replica killed with SIGKILL
#
# Needs the control plane hack/tools.sh builds. The scale run takes tens of
# minutes and several GiB of memory for 10 000 bots.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log=${BENCH_LOG:-$(mktemp -t tradebot-bench-scale.XXXXXX)}
echo "==> scale benchmarks (full output in $log)" >&2
KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane)
export KUBEBUILDER_ASSETS
work=$(mktemp -d -t tradebot-bench-scale-out.XXXXXX)
trap 'rm -rf "$work"' EXIT

# shellcheck source=hack/bench-lib.sh
source hack/bench-lib.sh

bots=${SCALE_BOTS:-10000}
measure scale "test/scalebench: $bots idle TradingBots on one replica" \
	env SCALE_BOTS="$bots" go test -count=1 -run '^$' -bench '^BenchmarkScale$' -benchtime 1x -timeout 120m ./test/scalebench/
measure weight "internal/exchange: 10 000 idle health views on one endpoint (about 10 s)" \
	env SCALE_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/exchange/
measure sharding "test/sharding: 3 replicas, 300 Paper bots, one killed (a few minutes)" \
	env SCALE_BENCH=1 go test -count=1 -timeout 30m -run '^TestShardingFailover$' -v ./test/sharding/

figures() { grep -E '^scale\.[a-z0-9_.]+: ' "$1" || true; }
{
	figures "$work/scale"
	figures "$work/weight" | grep '^scale\.idle_weight_share:' || true
	figures "$work/sharding"
} >"$work/figures"

# target NAME OP LIMIT: prints whether the figure meets its target.
bad=0
target() {
	local v
	v=$(awk -F': ' -v n="$1" '$1 == n { print $2 }' "$work/figures")
	if [[ -z $v ]]; then
		echo "==> FAILED: $1 was not printed (see $log)" >&2
		bad=1
		return
	fi
	if awk -v v="$v" -v l="$3" -v op="$2" 'BEGIN { exit !((op == "<=" && v <= l) || (op == "==" && v == l)) }'; then
		echo "$1: $v (target $2 $3: met)"
	else
		echo "$1: $v (target $2 $3: NOT met)"
	fi
}
target scale.all_running_s "<=" 120
target scale.manager_rss_mib "<=" 2048
target scale.status_writes_per_bot_per_10s "<=" 1
target scale.idle_weight_share "<=" 0.05
target scale.failover_s "<=" 30
target scale.max_concurrent_owners "==" 0
echo "--- every figure"
cat "$work/figures"
exit "$bad"
