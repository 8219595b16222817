# shellcheck shell=bash
# Shared by hack/bench.sh and hack/bench-scale.sh (sourced, not run). The
# caller sets $log (the full output) and $work (one file per step).

# measure NAME WHAT COMMAND...: runs COMMAND with its output in $work/NAME
# and appended to the log; on a failure prints the output's tail and exits.
measure() {
	: "${log:?}" "${work:?}" # set by the caller
	local name=$1 what=$2 t0=$SECONDS
	shift 2
	echo "==> $what" >&2
	printf '\n==> %s\n$ %s\n' "$what" "$*" >>"$log"
	if ! "$@" >"$work/$name" 2>&1; then
		cat "$work/$name" >>"$log"
		echo "==> FAILED: $*; last lines of its output:" >&2
		tail -n 30 "$work/$name" >&2
		exit 1
	fi
	cat "$work/$name" >>"$log"
	echo "    done in $((SECONDS - t0)) s" >&2
}
