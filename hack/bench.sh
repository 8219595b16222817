#!/usr/bin/env bash
# Runs the project's benchmarks and prints their figures as `name: value`
# lines (full go test output goes to $BENCH_LOG). Figures that compare two
# ways of doing the same work are measured in the same run.
#
#   sim.*                        the exchange simulator's REST and stream throughput
#                                (go benchmarks: BENCHTIME, default 2s; BENCHCOUNT, default 3)
#   batching.* limits.* pooling.* internal/exchange's scenarios, run once each
#   scale.*                      the weight 10 000 idle bots' health views spend on one
#                                endpoint's shared probe, over ten simulated minutes
#                                (internal/exchange)
#   hub.*                        internal/marketdata's hub against go-binance, run once
#   recording.*                  internal/recording against a throwaway influxd, with and
#                                without its write-ahead spool, and a kill -9 drill of
#                                the recorder alone (INFLUXD, or the one hack/tools.sh
#                                builds); market data recorded once for 1 000 bots, and a
#                                same-millisecond trade burst, through the hub into influxd
#                                (internal/botgroup); the real operator binary killed with
#                                SIGKILL 5 times while it records (test/recdrill)
#   signal.*                     internal/signal's strategies (throughput, against
#                                recomputing each window, memory), and the latency
#                                from a kline's close to its signal through the hub
#                                to 1 000 bots (internal/botgroup)
#   trading.*                    order sizing against every simulator symbol's
#                                filters (internal/ordersize); signal to order
#                                acknowledged, and a burst of 1 000 bots (internal/trading);
#                                duplicate and lost orders when the real operator binary
#                                is killed with SIGKILL 20 times (test/killdrill; needs
#                                the control plane hack/tools.sh builds)
#
# Every figure is printed once; the script fails if one is missing or repeated.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log=${BENCH_LOG:-$(mktemp -t tradebot-bench.XXXXXX)}
benchtime=${BENCHTIME:-2s}
echo "==> benchmarks (full output in $log)" >&2

work=$(mktemp -d -t tradebot-bench-out.XXXXXX)
trap 'rm -rf "$work"' EXIT

# metric BENCH_OUTPUT BENCHMARK_REGEX UNIT: the mean of UNIT over the matching lines.
metric() {
	awk -v re="$2" -v unit="$3" '
		$1 ~ re { for (i = 2; i < NF; i++) if ($(i+1) == unit) { sum += $i; n++ } }
		END { if (n) printf "%.0f\n", sum / n; else print "n/a" }' "$1"
}

# shellcheck source=hack/bench-lib.sh
source hack/bench-lib.sh

# figures FILE: the `name: value` lines a test printed. A figure's name has a
# dot, which keeps go test's own `goos:`, `pkg:` and `cpu:` lines out.
figures() { grep -E '^[a-z0-9_]+(\.[a-z0-9_]+)+: ' "$1" || true; }

influxd=${INFLUXD:-$(hack/tools.sh influxd)}

count=${BENCHCOUNT:-3}
measure sim "exchange simulator: REST (go test -bench, $benchtime x $count)" \
	go test -run '^$' -bench BenchmarkREST -benchtime "$benchtime" -count "$count" ./internal/exchangesim/
measure fan "exchange simulator: stream fan-out (go test -bench, $benchtime x $count)" \
	go test -run '^$' -bench BenchmarkFanOut -benchtime "$benchtime" -count "$count" ./internal/exchangesim/streams/
measure exchange "internal/exchange: batching, limits and pooling scenarios (about 20 s)" \
	go test -run '^$' -bench Figure -benchtime 1x ./internal/exchange/
measure scale "internal/exchange: 10 000 idle health views on one endpoint, ten simulated minutes (about 10 s)" \
	env SCALE_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/exchange/
measure hub "internal/marketdata: the hub against go-binance, 1000 subscribers (about 40 s)" \
	go test -run '^$' -bench '^BenchmarkHubFigures$' -benchtime 1x ./internal/marketdata/
measure recording "internal/recording: ours (with and without a spool) and the official client into a real influxd, an outage and a kill -9 drill (about 50 s)" \
	env RECORDING_BENCH=1 INFLUXD="$influxd" go test -count=1 -run '^TestBenchFigures$' -v ./internal/recording/
measure marketrec "internal/botgroup: market points per event with 1 000 bots, shared and per resource, and a 5 000-trade same-millisecond burst (about 20 s)" \
	env RECORDING_BENCH=1 INFLUXD="$influxd" go test -count=1 -run '^TestRecordingBenchFigures$' -v ./internal/botgroup/
measure recdrill "test/recdrill: the operator killed with SIGKILL 5 times while it records every trade of 8 symbols (about 2 min)" \
	env INFLUXD="$influxd" KUBEBUILDER_ASSETS="$(hack/tools.sh control-plane)" go test -count=1 -timeout 15m -run '^TestKill9Recording$' -v ./test/recdrill/
measure signal "internal/signal: 10 000 strategies over 1 000 symbols, and against recomputation (about 30 s)" \
	env SIGNAL_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/signal/
measure signalpath "internal/botgroup: kline close to signal through the hub to 1 000 bots (about 40 s)" \
	env SIGNAL_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/botgroup/
measure sizing "internal/ordersize: 10 000 random orders across every simulator symbol (about 10 s)" \
	env TRADING_BENCH=1 go test -count=1 -run '^TestDrillNoFilterRejections$' -v ./internal/ordersize/
measure executor "internal/trading: signal to acknowledged order, and 1 000 bots at once (about 60 s)" \
	env TRADING_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/trading/
measure killdrill "test/killdrill: 50 Paper bots, the operator killed with SIGKILL 20 times (about 4 min)" \
	env TRADING_BENCH=1 KUBEBUILDER_ASSETS="$(hack/tools.sh control-plane)" go test -count=1 -timeout 15m -run '^TestKill9Drill$' -v ./test/killdrill/

{
	echo "sim.rest_place_order_per_sec: $(metric "$work/sim" '^BenchmarkRESTPlaceOrder-' req/s)"
	echo "sim.rest_place_order_nethttp_per_sec: $(metric "$work/sim" '^BenchmarkRESTPlaceOrderNetHTTP' req/s)"
	echo "sim.rest_ticker_price_per_sec: $(metric "$work/sim" '^BenchmarkRESTTickerPrice' req/s)"
	echo "sim.stream_msgs_per_sec_1_subscriber: $(metric "$work/fan" 'subscribers=1-' msgs/s)"
	echo "sim.stream_msgs_per_sec_100_subscribers: $(metric "$work/fan" 'subscribers=100-' msgs/s)"
	figures "$work/exchange"
	figures "$work/scale" | grep '^scale\.' || true
	figures "$work/hub"
	figures "$work/recording" | grep '^recording\.' || true
	figures "$work/marketrec" | grep '^recording\.' || true
	figures "$work/recdrill" | grep '^recording\.' || true
	figures "$work/signal" | grep '^signal\.' || true
	figures "$work/signalpath" | grep '^signal\.' || true
	figures "$work/sizing" | grep '^trading\.' || true
	figures "$work/executor" | grep '^trading\.' || true
	figures "$work/killdrill" | grep '^trading\.' || true
} >"$work/figures"

# Each package must have printed its figures, each exactly once.
bad=0
for prefix in sim batching limits pooling scale hub recording signal trading; do
	if ! grep -q "^$prefix\." "$work/figures"; then
		echo "==> FAILED: no $prefix.* figure was printed (see $log)" >&2
		bad=1
	fi
done
if grep -q ': n/a$' "$work/figures"; then
	echo "==> FAILED: some figures have no value: $(grep ': n/a$' "$work/figures" | cut -d: -f1 | tr '\n' ' ')(see $log)" >&2
	bad=1
fi
repeated=$(cut -d: -f1 "$work/figures" | sort | uniq -d)
if [[ -n $repeated ]]; then
	echo "==> FAILED: printed more than once: $(tr '\n' ' ' <<<"$repeated")(see $log)" >&2
	bad=1
fi
cat "$work/figures"
exit "$bad"
