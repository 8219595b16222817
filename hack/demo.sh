#!/usr/bin/env bash
# Runs the whole operator on this machine, offline: a throwaway control plane
# (etcd and kube-apiserver as local processes, via hack/localcluster), a
# throwaway InfluxDB 1.8 (hack/influxdb.sh), the exchange simulator and the
# operator recording to that InfluxDB, then applies config/samples and shows
# them with kubectl.
#
#   hack/demo.sh           # keep running, refreshing the table, until Ctrl-C
#   hack/demo.sh --check   # exit 0 once every sample is Running and records to InfluxDB,
#                          # and the sample bot's signal and fill points, and its symbol's shared
#                          # price points, are there
#
# Everything the demo starts is stopped by PID when it exits (TERM, then KILL
# after a bound; the operator before InfluxDB, so it can flush), and its
# temporary directory (cluster state, InfluxDB data, kubeconfig, logs,
# kubectl cache) is removed. On a failure the tail of every log is printed
# first.
#
# Environment:
#   DEMO_TIMEOUT   seconds each wait may take before the demo gives up (default 180)
#   INFLUX_FLUX    "true" to turn InfluxDB's Flux endpoint on (slower start; default "false")
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

check=false
case "${1:-}" in
"") ;;
--check) check=true ;;
-h | --help)
	usage
	exit 0
	;;
*)
	usage >&2
	exit 2
	;;
esac

timeout_s=${DEMO_TIMEOUT:-180}
# Signals need warmed-up strategies and a crossing: the samples read 1s klines.
# Their points in InfluxDB are what --check waits for with these bounds.
signal_timeout_s=${DEMO_SIGNAL_TIMEOUT:-150}
trade_timeout_s=${DEMO_TRADE_TIMEOUT:-180}
stop_bound_s=20
began=$SECONDS

step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
took() { printf '%d s' "$((SECONDS - began))"; }
die() {
	printf '\n==> FAILED: %s\n' "$*" >&2
	exit 1
}

# ---- what the demo owns, and how it is given back -------------------------

tmp=""
logs=""
pids=()          # processes the demo started, in start order
names=()         # their names, for messages and log files
cluster_pids=()  # etcd and kube-apiserver, children of localcluster
refresh_pid=""   # the sleep of the refresh loop
influx_dir=""    # hack/influxdb.sh's directory, once it was asked to start
influx_url=""    # its URL, once it answers
interrupted=false
cleaned=false

# alive reports whether a process exists and is not a zombie.
alive() {
	local st
	if [[ -r /proc/$1/stat ]]; then
		{ st=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
		st=${st##*) }
		[[ ${st%% *} != Z ]]
	else
		st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
		[[ -n $st && $st != Z* ]]
	fi
}

# stop_pid sends TERM, waits up to stop_bound_s for the process to go, then
# sends KILL.
stop_pid() {
	local pid=$1 name=$2 deadline
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	deadline=$((SECONDS + stop_bound_s))
	while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
	if alive "$pid"; then
		info "$name (pid $pid) still running after ${stop_bound_s} s: sending KILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

show_logs() {
	[[ -n $logs && -d $logs ]] || return 0
	local f
	for f in "$logs"/*.log ${influx_dir:+"$influx_dir/influxd.log"}; do
		[[ -e $f ]] || continue
		printf '\n---- last 40 lines of %s\n' "${f##*/}" >&2
		tail -n 40 "$f" >&2
	done
}

# influx_alive reports whether the demo's influxd runs.
influx_alive() {
	[[ -n $influx_dir && -f $influx_dir/pid ]] && alive "$(<"$influx_dir/pid")"
}

# recorder_outcome shows what the operator said about the points it still
# held when it stopped.
recorder_outcome() {
	local line
	line=$(grep -E '"msg":"(recorder closed|closing the recorder)' "$logs/manager.log" 2>/dev/null | tail -n 1)
	[[ -n $line ]] || return 0
	info "operator: $(sed -n 's/.*"msg":"\([^"]*\)".*/\1/p' <<<"$line")$(sed -n 's/.*\("undeliveredPoints":[0-9]*\).*/ (\1)/p' <<<"$line")"
}

cleanup() {
	local rc=$? i pid want t0
	set +e
	$cleaned && return
	cleaned=true
	# A second Ctrl-C must not cut the shutdown short; every step is bounded.
	trap '' INT TERM
	if ((rc != 0)) && ! $interrupted; then show_logs; fi
	[[ -n $refresh_pid ]] && kill "$refresh_pid" 2>/dev/null
	if ((${#pids[@]} > 0)); then
		step "stopping the demo's processes"
		# Newest first: the operator goes while the API server still answers.
		for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
			t0=$SECONDS
			stop_pid "${pids[i]}" "${names[i]}"
			info "stopped ${names[i]} (pid ${pids[i]}) in $((SECONDS - t0)) s"
			[[ ${names[i]} == manager ]] && recorder_outcome
		done
		# localcluster stops etcd and kube-apiserver itself; if it was killed,
		# they are still here (in process groups of their own).
		# The API server first: it waits for etcd while shutting down.
		for want in kube-apiserver etcd; do
			for pid in "${cluster_pids[@]}"; do
				if [[ $(ps -o comm= -p "$pid" 2>/dev/null) == "$want" ]] && alive "$pid"; then
					info "$want (pid $pid) outlived localcluster: stopping it"
					stop_pid "$pid" "$want"
				fi
			done
		done
	fi
	# After the operator, which delivers what it buffered while stopping.
	if [[ -n $influx_dir ]]; then
		t0=$SECONDS
		hack/influxdb.sh stop "$influx_dir"
		info "stopped InfluxDB in $((SECONDS - t0)) s"
	fi
	if [[ -n $tmp ]]; then
		rm -rf "$tmp"
		info "removed $tmp"
	fi
	return "$rc"
}
trap cleanup EXIT
trap 'interrupted=true; exit 130' INT
trap 'interrupted=true; exit 143' TERM

# start runs a command in the background, in a session of its own (so a
# Ctrl-C in the terminal reaches only this script, which then stops things in
# order), with its output in $logs/<name>.log.
start() {
	local name=$1
	shift
	if command -v setsid >/dev/null; then
		setsid "$@" >"$logs/$name.log" 2>&1 </dev/null &
	else
		"$@" >"$logs/$name.log" 2>&1 </dev/null &
	fi
	pids+=("$!")
	names+=("$name")
	info "started $name (pid $!), log: $logs/$name.log"
}

# require_running fails the demo if a process it started has exited.
require_running() {
	local i
	for i in "${!pids[@]}"; do
		alive "${pids[i]}" || die "${names[i]} (pid ${pids[i]}) exited unexpectedly; its log is below"
	done
	if [[ -n $influx_url ]] && ! influx_alive; then
		die "influxd exited unexpectedly; its log is below"
	fi
}

# ---- ports -----------------------------------------------------------------

picked=() # ports free_port has handed out
free=""   # free_port's result

# free_port sets free to a loopback port that nothing
# listens on (a connection to it is refused), below Linux's ephemeral range
# (where port-0 listeners and outgoing connections take theirs), and not
# picked before. It runs in this shell, not in $(...), so picked persists.
free_port() {
	local p i q
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 12000))
		for q in "${picked[@]}"; do [[ $q == "$p" ]] && continue 2; done
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			picked+=("$p")
			free=$p
			return 0
		fi
	done
	die "found no free loopback port between 20000 and 32000"
}

# http_ok reports whether GET http://127.0.0.1:<port><path> answers 200.
http_ok() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$2" "$1" >&3
		IFS= read -r -t 5 line <&3 || exit 1
		[[ $line == HTTP/1.?' 200'* ]]
	) 2>/dev/null
}

# wait_for polls a command once a second until it succeeds, while every
# process the demo started keeps running; it fails after timeout_s.
wait_for() {
	local what=$1 deadline=$((SECONDS + timeout_s))
	shift
	until "$@"; do
		require_running
		((SECONDS < deadline)) || die "timed out after ${timeout_s} s waiting for $what"
		sleep 1
	done
}

# ---- build -----------------------------------------------------------------

step "building bin/manager, bin/exchange-sim and bin/localcluster (go build; quick when nothing changed)"
go build -o bin/manager ./cmd
go build -o bin/exchange-sim ./cmd/exchange-sim
go build -o bin/localcluster ./hack/localcluster

step "control-plane binaries: kube-apiserver, etcd, kubectl (built once and cached; the first build takes about 10 minutes)"
assets=$(hack/tools.sh control-plane)
info "$assets"

step "InfluxDB 1.8 influxd (built once and cached; the first build takes a few minutes)"
INFLUXD=$(hack/tools.sh influxd)
export INFLUXD
info "$INFLUXD"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tradebot-demo.XXXXXX")
logs=$tmp/logs
mkdir -p "$logs" "$tmp/cluster" "$tmp/kube-cache"
kubeconfig=$tmp/kubeconfig
# kubectl's discovery cache goes here, not to ~/.kube.
export KUBECACHEDIR=$tmp/kube-cache

# kc is the control plane's own kubectl (the machine's may be too old for
# this API server), always against the demo's cluster.
kc() {
	"$assets/kubectl" --kubeconfig "$kubeconfig" --cache-dir "$KUBECACHEDIR" --request-timeout=20s "$@"
}

# The simulator listens on port 0 and prints the port it got; the
# operator's two ports are picked here.
free_port
metrics_port=$free
free_port
probe_port=$free
info "state in $tmp; operator ports: metrics $metrics_port, probes $probe_port"

# ---- start -----------------------------------------------------------------

step "starting etcd and kube-apiserver, installing the CRDs ($(took))"
# TMPDIR: envtest keeps etcd's data and the API server's certificates there,
# so they live (and die) in the demo's directory.
start localcluster env KUBEBUILDER_ASSETS="$assets" TMPDIR="$tmp/cluster" \
	bin/localcluster --kubeconfig "$kubeconfig" --crds config/crd/bases

step "starting the exchange simulator"
start exchange-sim bin/exchange-sim --listen 127.0.0.1:0

step "starting InfluxDB, database tradebot (while the control plane starts)"
influx_dir=$tmp/influxdb
# A session of its own, like the other processes: Ctrl-C reaches only this
# script, which stops InfluxDB after the operator has flushed.
own_session=()
command -v setsid >/dev/null && own_session=(setsid -w)
start_influx() {
	INFLUX_DATABASES=tradebot INFLUX_FLUX=${INFLUX_FLUX:-false} INFLUX_TIMEOUT=$timeout_s \
		"${own_session[@]}" hack/influxdb.sh start "$influx_dir"
}
# A second attempt: under load, hack/influxdb.sh can take influxd for dead
# in the instant between its fork and its exec (it then stops it and says
# "influxd exited during start" with an empty log).
if ! influx_url=$(start_influx); then
	info "InfluxDB did not start (its output is above); trying once more"
	influx_url=$(start_influx) || die "InfluxDB did not start twice (hack/influxdb.sh start $influx_dir)"
fi
info "InfluxDB ready at $influx_url (pid $(<"$influx_dir/pid")), log: $influx_dir/influxd.log ($(took))"

wait_for "the control plane (kubeconfig $kubeconfig)" test -s "$kubeconfig"
read -r -a cluster_pids <<<"$(pgrep -P "${pids[0]}" | tr '\n' ' ')"
info "control plane ready ($(took)): $(sed -n 's/^localcluster: //p' "$logs/localcluster.log" | head -n 1)"

# sim_listening sets sim_port from the simulator's "listening on" line.
sim_port=""
sim_listening() {
	sim_port=$(sed -n 's|^exchange-sim listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$logs/exchange-sim.log")
	[[ -n $sim_port ]]
}
wait_for "the simulator to print its address" sim_listening
wait_for "the simulator to answer /api/v3/ping on port $sim_port" http_ok "$sim_port" /api/v3/ping
info "simulator ready at http://127.0.0.1:$sim_port ($(took))"

step "starting the operator"
start manager bin/manager --kubeconfig "$kubeconfig" \
	--simulator-url "http://127.0.0.1:$sim_port" \
	--metrics-bind-address "127.0.0.1:$metrics_port" \
	--health-probe-bind-address "127.0.0.1:$probe_port" \
	--influx-url "$influx_url" --recording-spool-dir "$tmp/spool" \
	--status-interval 5s --probe-interval 5s
wait_for "the operator to answer /readyz on port $probe_port" http_ok "$probe_port" /readyz
info "operator ready ($(took))"

# ---- samples ---------------------------------------------------------------

step "applying config/samples"
mapfile -t samples < <(kc apply -k config/samples -o name)
((${#samples[@]} > 0)) || die "kubectl apply -k config/samples applied nothing"
info "${samples[*]}"

# sample_fields prints "phase|breaker|weight" of one sample.
sample_fields() {
	kc get "$1" -o jsonpath='{.status.phase}|{.status.exchange.breaker.state}|{.status.exchange.rateLimit.weight}' 2>/dev/null
}

# sample_ready: Running, a breaker state, and (TradingBots) a weight "N/M".
sample_ready() {
	local phase breaker weight
	IFS='|' read -r phase breaker weight <<<"$(sample_fields "$1")"
	[[ $phase == Running && -n $breaker ]] || return 1
	[[ $1 != tradingbot.* ]] || [[ $weight =~ ^[0-9]+/[0-9]+$ ]]
}

step "waiting for the samples to report Running with breaker and weight filled in (up to ${timeout_s} s each)"
for ref in "${samples[@]}"; do
	deadline=$((SECONDS + timeout_s))
	until sample_ready "$ref"; do
		require_running
		if ((SECONDS >= deadline)); then
			IFS='|' read -r phase breaker weight <<<"$(sample_fields "$ref")"
			printf '\n---- kubectl describe %s\n' "$ref" >&2
			kc describe "$ref" >&2 || true
			die "$ref did not become ready within ${timeout_s} s: phase '${phase:-<none>}' (want Running), breaker '${breaker:-<none>}', weight '${weight:-<none>}'"
		fi
		sleep 1
	done
	info "$ref is Running ($(took))"
done

# The sample bot, whose points (and its symbol's shared price points) the
# check queries.
bot=btc-eth-sma
for ref in "${samples[@]}"; do
	if [[ $ref == tradingbot.* ]]; then
		bot=${ref##*/}
		break
	fi
done

# influx_query prints InfluxDB's JSON answer to one InfluxQL query.
influx_query() {
	curl -sS --max-time 10 -G "$influx_url/query" --data-urlencode db=tradebot --data-urlencode "q=$1"
}

# first_value prints the first value of the first series of an InfluxQL
# JSON answer on stdin (nothing when there is none).
first_value() {
	sed -n 's/.*"values":\[\["[^"]*",\([^],]*\)[],].*/\1/p'
}

step "kubectl get tradingbots,symbolwatches -A ($(took) since the start)"
kc get tradingbots,symbolwatches -A

if $check; then
	# What status and the printer columns show (Running, breaker, weight,
	# signals, a filled paper order and its PnL, the breaker opening and
	# closing, the finalizer) is the e2e suite's (test/e2e, in make test),
	# against the same operator binary. The demo's own check is what only
	# the demo runs: the operator recording to InfluxDB, end to end.

	# recording_fields prints "pointsWritten|Recording status|reason|message".
	recording_fields() {
		kc get "$1" -o jsonpath='{.status.recording.pointsWritten}|{.status.conditions[?(@.type=="Recording")].status}|{.status.conditions[?(@.type=="Recording")].reason}|{.status.conditions[?(@.type=="Recording")].message}' 2>/dev/null
	}
	step "waiting for every sample to record to InfluxDB: status.recording.pointsWritten > 0 (status refreshes every 5 s; up to ${timeout_s} s each)"
	for ref in "${samples[@]}"; do
		deadline=$((SECONDS + timeout_s))
		while true; do
			IFS='|' read -r written rstatus rreason rmessage <<<"$(recording_fields "$ref")"
			[[ $written =~ ^[0-9]+$ ]] && ((written > 0)) && break
			require_running
			if ((SECONDS >= deadline)); then
				printf '\n---- kubectl describe %s\n' "$ref" >&2
				kc describe "$ref" >&2 || true
				die "$ref wrote no points to InfluxDB within ${timeout_s} s: pointsWritten '${written:-<none>}', Recording condition '${rstatus:-<none>}' (${rreason:-no reason}: ${rmessage:-no message})"
			fi
			sleep 1
		done
		info "ok   $ref: pointsWritten $written, Recording $rstatus ($rreason) ($(took))"
	done

	# wait_for_points WHAT LIMIT QUERY: polls an InfluxQL count query until
	# it counts more than zero, for up to LIMIT seconds; sets answer and
	# count. On a failure it shows the bot as kubectl describes it.
	wait_for_points() {
		local what=$1 limit=$2 query=$3 deadline
		deadline=$((SECONDS + limit))
		step "querying InfluxDB for $bot's $what points (up to ${limit} s)"
		info "curl -sG '$influx_url/query' --data-urlencode db=tradebot --data-urlencode \"q=$query\""
		while true; do
			answer=$(influx_query "$query" 2>&1) || answer="curl failed: $answer"
			count=$(first_value <<<"$answer")
			[[ $count =~ ^[0-9]+$ ]] && ((count > 0)) && break
			require_running
			if ((SECONDS >= deadline)); then
				printf '\n---- kubectl describe tradingbot/%s\n' "$bot" >&2
				kc describe "tradingbot/$bot" >&2 || true
				die "InfluxDB holds no $what points for $bot after ${limit} s; its last answer: $answer"
			fi
			sleep 1
		done
		info "ok   InfluxDB holds $count $what points of $bot ($(took))"
	}
	# A signal, then (the sample bot trades on its own paper account) a
	# filled order, from the real executor and the simulator's matching
	# engine, each as the operator recorded it.
	wait_for_points signal "$signal_timeout_s" "SELECT count(confidence) FROM signal WHERE resource='$bot'"
	wait_for_points fill "$trade_timeout_s" "SELECT count(qty) FROM fill WHERE resource='$bot'"
	step "kubectl get tradingbots,symbolwatches -A ($(took) since the start)"
	kc get tradingbots,symbolwatches -A

	# Market data is recorded once per endpoint and stream, tagged by
	# endpoint and symbol, not by the bots sharing it (marketData: Shared,
	# the default): the bot's first symbol must have such price points.
	sym=$(kc get "tradingbot/$bot" -o jsonpath='{.spec.symbols[0]}')
	[[ -n $sym ]] || die "tradingbot/$bot has no symbol"
	wait_for_points "shared $sym price" "$timeout_s" "SELECT count(price) FROM price WHERE symbol='$sym' AND endpoint != '' AND resource = ''"
	info "$answer"
	step "demo-check passed in $(took)"
	exit 0
fi

cat <<EOF
==> the demo is running; Ctrl-C stops everything and removes $tmp
    Use the demo's cluster from another terminal (its kubectl matches the API server):
      export KUBECONFIG=$kubeconfig KUBECACHEDIR=$KUBECACHEDIR
      alias kubectl=$assets/kubectl
      kubectl get tradingbots,symbolwatches -A
      kubectl describe tradingbot btc-eth-sma
    The recorded data is in InfluxDB at $influx_url (database tradebot), e.g.:
      curl -sG '$influx_url/query' -H 'Accept: application/csv' --data-urlencode db=tradebot --data-urlencode "q=SELECT count(price), last(price) FROM price GROUP BY endpoint, symbol"
      curl -sG '$influx_url/query' -H 'Accept: application/csv' --data-urlencode db=tradebot --data-urlencode "q=SELECT side, confidence, price, reason FROM signal ORDER BY time DESC LIMIT 10"
    Signals also come as Events: kubectl events --for tradingbot/btc-eth-sma
    Simulator:  http://127.0.0.1:$sim_port (its demo API key is in logs/exchange-sim.log)
    The e2e suite against this demo (from another terminal, with the export above):
      E2E_SIMULATOR_URL=http://127.0.0.1:$sim_port make test-e2e
    Metrics:    http://127.0.0.1:$metrics_port/metrics
    Logs:       $logs
EOF

while true; do
	# A background sleep, so that Ctrl-C is handled at once.
	sleep 10 &
	refresh_pid=$!
	wait "$refresh_pid" || true
	refresh_pid=""
	require_running
	printf '\n==> %s\n' "$(date +%H:%M:%S)"
	kc get tradingbots,symbolwatches -A || info "kubectl get failed; retrying in 10 s"
done
