#!/usr/bin/env bash
# Runs the project's benchmarks and prints their figures as `name: value`
# lines (full go test output goes to $BENCH_LOG). Figures that compare two
# ways of doing the same work are measured in the same run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log=${BENCH_LOG:-$(mktemp -t tradebot-bench.XXXXXX)}
benchtime=${BENCHTIME:-2s}
echo "==> benchmarks (full output in $log)" >&2

# metric BENCH_OUTPUT BENCHMARK_REGEX UNIT: the mean of UNIT over the matching lines.
metric() {
	awk -v re="$2" -v unit="$3" '
		$1 ~ re { for (i = 2; i < NF; i++) if ($(i+1) == unit) { sum += $i; n++ } }
		END { if (n) printf "%.0f\n", sum / n; else print "n/a" }' "$1"
}

run() { go test -run '^$' -bench "$2" -benchtime "$benchtime" -count "${BENCHCOUNT:-3}" "$1" | tee -a "$log"; }

sim=$(mktemp)
run ./internal/exchangesim/ 'BenchmarkREST' >"$sim"
fan=$(mktemp)
run ./internal/exchangesim/streams/ 'BenchmarkFanOut' >"$fan"

echo "sim.rest_place_order_per_sec: $(metric "$sim" '^BenchmarkRESTPlaceOrder-' req/s)"
echo "sim.rest_place_order_nethttp_per_sec: $(metric "$sim" '^BenchmarkRESTPlaceOrderNetHTTP' req/s)"
echo "sim.rest_ticker_price_per_sec: $(metric "$sim" '^BenchmarkRESTTickerPrice' req/s)"
echo "sim.stream_msgs_per_sec_1_subscriber: $(metric "$fan" 'subscribers=1-' msgs/s)"
echo "sim.stream_msgs_per_sec_100_subscribers: $(metric "$fan" 'subscribers=100-' msgs/s)"
rm -f "$sim" "$fan"
