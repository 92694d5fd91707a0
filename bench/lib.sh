# shellcheck shell=bash
# Shared by the benchmarks: isolated directories and a timer.
# Benchmarks print numbers and ratios against a baseline measured in the same
# run; they never pass or fail on timings.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$BENCH_DIR/.." && pwd)
SBX=${SBX:-$SRC_DIR/build/sbx}
[ -x "$SBX" ] || { echo "build sbx first (make)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbx-bench.XXXXXX")
export HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run" XDG_CONFIG_HOME="$WORK/home/.config"
export XDG_DATA_HOME="$WORK/home/.local/share" XDG_STATE_HOME="$WORK/home/.local/state"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

# At the end: the notification server the sessions started (it would wait 10
# minutes for a client), then the files.
bench_cleanup() {
	local pid
	pid=$(cat "$XDG_RUNTIME_DIR/sbx/notify.pid" 2>/dev/null) || pid=
	case "$(ps -p "${pid:-0}" -o args= 2>/dev/null)" in
	*"notify serve"*) kill "$pid" ;;
	esac
	rm -rf "$WORK"
}
trap bench_cleanup EXIT

# exec_ms [-e] N [FD=PATH | cd=DIR]... CMD [ARG]... [--then ...]...: the mean of N
# rounds in ms (with -e each command's, a line each, the rounds interleaving them), every
# command exec'd directly by bench/exec-time.c, never through a shell: the baselines, and
# what they are compared with, pay the same for starting a program.
EXEC_TIME="$WORK/exec-time"
${CC:-cc} -std=c17 -O2 -D_GNU_SOURCE -o "$EXEC_TIME" "$BENCH_DIR/exec-time.c"
exec_ms() {
	"$EXEC_TIME" "$@"
}

# mean_ms N CMD...: runs CMD N times (after one warm-up), prints the mean wall time in ms.
mean_ms() {
	local n=$1 start end
	shift
	"$@" >/dev/null 2>&1 || true
	start=$EPOCHREALTIME
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 || true
	done
	end=$EPOCHREALTIME
	awk -v s="$start" -v e="$end" -v n="$n" 'BEGIN { printf "%.3f", (e - s) * 1000 / n }'
}

# peak_kib CMD...: the peak resident memory of CMD, in KiB (GNU time).
peak_kib() {
	/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
}

report() { # name baseline_ms measured_ms
	awk -v name="$1" -v b="$2" -v m="$3" 'BEGIN {
		printf "%-28s %9.3f ms  baseline %9.3f ms  overhead %+8.3f ms  ratio %.3f\n",
			name, m, b, m - b, (b > 0 ? m / b : 0) }'
}
