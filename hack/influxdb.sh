#!/usr/bin/env bash
# Starts and stops a throwaway InfluxDB OSS 1.8 on loopback, for tests and the
# demo. influxd is built once from the Go module proxy by hack/tools.sh into a
# cache outside the repository; nothing needs a hand-installed server.
#
#   hack/influxdb.sh start DIR   # start an instance that lives in DIR, print its URL
#   hack/influxdb.sh stop DIR    # stop it by PID (TERM, bounded wait, KILL), remove DIR
#
# start writes DIR/influxdb.conf, keeps data, WAL and meta under DIR, logs to
# DIR/influxd.log, and writes DIR/pid and DIR/url. influxd binds port 0 for
# HTTP and RPC and the URL is read from its log, so two instances never race
# for a port. It waits for /health, then creates the databases. On a failure
# it prints the log's tail, stops the process and exits non-zero.
#
# Environment:
#   INFLUX_DATABASES  databases to create, space or comma separated (default "tradebot")
#   INFLUX_FLUX       "false" to turn Flux off: starts in ~0.3 s instead of several
#                     seconds; InfluxQL on /query still works (default "true")
#   INFLUX_TIMEOUT    seconds to wait for /health (default 60)
#   INFLUXD           an influxd binary to use instead of hack/tools.sh influxd
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
log() { printf '[influxdb] %s\n' "$*" >&2; }

# is_ours PID DIR: the process is an influxd run with DIR's config, so a PID
# reused by something else after influxd died is never signalled.
is_ours() {
	local cmdline
	cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *influxd*"$2/influxdb.conf"* ]]
}

stop() {
	local dir=$1 pid
	if [[ -f "$dir/pid" ]]; then
		pid=$(<"$dir/pid")
		if is_ours "$pid" "$dir"; then
			kill -TERM "$pid" 2>/dev/null || true
			for _ in $(seq 1 100); do # 10 s
				is_ours "$pid" "$dir" || break
				sleep 0.1
			done
			if is_ours "$pid" "$dir"; then
				log "influxd $pid did not stop after TERM; killing it"
				kill -KILL "$pid" 2>/dev/null || true
			fi
		fi
	fi
	# Only remove a directory this script set up.
	if [[ -f "$dir/influxdb.conf" ]]; then
		rm -rf "$dir"
	fi
}

start() {
	local dir=$1
	local timeout_s=${INFLUX_TIMEOUT:-60}
	local flux=${INFLUX_FLUX:-true}
	local influxd=${INFLUXD:-}
	if [[ -z $influxd ]]; then
		influxd=$("$root/hack/tools.sh" influxd)
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [[ -f "$dir/pid" ]] && is_ours "$(<"$dir/pid")" "$dir"; then
		log "an instance already runs in $dir"
		return 1
	fi
	cat >"$dir/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:0"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  index-version = "inmem"
  query-log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[http]
  bind-address = "127.0.0.1:0"
  auth-enabled = false
  flux-enabled = $flux
  log-enabled = false
EOF
	"$influxd" run -config "$dir/influxdb.conf" </dev/null >"$dir/influxd.log" 2>&1 &
	local child=$!
	echo "$child" >"$dir/pid"

	# While starting, the process is this script's own child: kill -0 tells
	# whether it lives. (is_ours would be wrong for the moment between the
	# fork and the exec, when the child is not influxd yet.)
	fail() {
		log "$*; last lines of $dir/influxd.log:"
		tail -n 20 "$dir/influxd.log" >&2 || true
		kill -TERM "$child" 2>/dev/null || true
		stop "$dir"
		exit 1
	}

	local url="" deadline=$((SECONDS + timeout_s))
	while [[ -z $url ]]; do
		kill -0 "$child" 2>/dev/null || fail "influxd exited during start"
		((SECONDS < deadline)) || fail "influxd did not listen within $timeout_s s"
		url=$(sed -n 's/.*msg="Listening on HTTP".* addr=\([^ ]*\).*/http:\/\/\1/p' "$dir/influxd.log" | head -n 1)
		[[ -n $url ]] || sleep 0.1
	done
	until curl -fsS -o /dev/null "$url/health" 2>/dev/null; do
		kill -0 "$child" 2>/dev/null || fail "influxd exited during start"
		((SECONDS < deadline)) || fail "$url/health did not answer within $timeout_s s"
		sleep 0.1
	done
	local db
	for db in ${INFLUX_DATABASES:-tradebot}; do
		db=${db//,/ }
		for d in $db; do
			curl -fsS -o /dev/null -XPOST "$url/query" --data-urlencode "q=CREATE DATABASE \"$d\"" ||
				fail "could not create database $d"
		done
	done
	echo "$url" >"$dir/url"
	echo "$url"
}

case "${1:-}" in
start | stop)
	[[ $# -eq 2 ]] || {
		usage >&2
		exit 2
	}
	"$1" "$2"
	;;
-h | --help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
