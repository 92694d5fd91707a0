# shellcheck shell=sh
# Shared setup for the CLI tests, in the manner of git's test-lib.sh.
# Each test file sources this, calls test_expect_success for each case, and
# ends with test_done; the output is TAP, read by prove.
#
# Every file runs isolated: HOME, XDG_*, LIMA_HOME and TMPDIR point into a
# fresh trash directory that a trap removes, LANG=C, no user configuration.

set -u
: "${SBX_BUILD:?run the CLI tests through 'make check'}"
SBX="$SBX_BUILD/sbx"
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(cd "$TESTS_DIR/../.." && pwd)
PATH="$SBX_BUILD:$TESTS_DIR/../fakes:$PATH"
export SBX PATH SRC_DIR

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/sbx-test.XXXXXX")
TRASH=$(cd "$TRASH" && pwd -P)
# test_left_processes: the processes whose environment names this file's
# trash directory (started by its tests, under its XDG directories), but this shell.
test_left_processes() {
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}
		p=${p%/environ}
		[ "$p" != $$ ] && grep -q -a -F "$TRASH/" "$e" 2>/dev/null && echo "$p"
	done
	return 0
}
trap 'test_cleanup' EXIT
test_cleanup() {
	[ -n "${test_cleanup_hook:-}" ] && eval "$test_cleanup_hook"
	[ -f "$TRASH/.socket-pids" ] && xargs kill <"$TRASH/.socket-pids" 2>/dev/null
	# The notification server `sbx run` started for this file's sessions.
	notify_pid=$(cat "$XDG_RUNTIME_DIR/sbx/notify.pid" 2>/dev/null)
	case "$(ps -p "${notify_pid:-0}" -o args= 2>/dev/null)" in
	*"notify serve"*) kill "$notify_pid" ;;
	esac
	# Whatever else a test left running (a watcher whose tracer was killed).
	test_left_processes | xargs kill 2>/dev/null
	chmod -R u+rwx "$TRASH" 2>/dev/null
	rm -rf "$TRASH"
}

export HOME="$TRASH/home" TMPDIR="$TRASH/tmp"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export XDG_STATE_HOME="$HOME/.local/state" XDG_CACHE_HOME="$HOME/.cache"
export XDG_RUNTIME_DIR="$TRASH/run" LIMA_HOME="$TRASH/lima"
export LANG=C LC_ALL=C NO_COLOR=1
for v in $(env | sed -n 's/^\(SBX_[A-Za-z0-9_]*\)=.*/\1/p'); do
	[ "$v" = SBX_BUILD ] || unset "$v"
done
mkdir -p "$HOME" "$TMPDIR" "$XDG_RUNTIME_DIR" "$LIMA_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
cd "$TRASH" || exit 1

test_count=0
test_failures=0

# test_expect_success 'title' 'commands': one TAP line; the commands run in a
# subshell with set -e semantics checked by &&-chains, as in git's suite.
test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failures=$((test_failures + 1))
		echo "not ok $test_count - $1"
		sed 's/^/# /' "$TRASH/.out"
	fi
}

# test_must_fail CMD...: passes when CMD exits non-zero but was not killed
# by a signal or sanitizer (so a crash never counts as the expected failure).
test_must_fail() {
	"$@"
	code=$?
	if [ $code -eq 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif [ $code -gt 128 ] && [ $code -ne 255 ]; then
		echo "test_must_fail: '$*' died of signal $((code - 128))" >&2
		return 1
	fi
	return 0
}

# test_expect_code N CMD...: passes when CMD exits with exactly N.
test_expect_code() {
	want=$1
	shift
	"$@"
	code=$?
	if [ "$code" != "$want" ]; then
		echo "test_expect_code: '$*' exited $code, want $want" >&2
		return 1
	fi
	return 0
}

# test_line_count FILE N: FILE has exactly N lines.
# test_wait_for 'CONDITION': the shell condition, polled for up to 10 s. For
# what no event tells a test: a sandbox's last processes are killed by the
# kernel after sbx and bwrap have exited, a moment later.
test_wait_for() {
	i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ $i -gt 200 ] && { echo "test_wait_for: still not true: $1" >&2; return 1; }
		sleep 0.05
	done
}

# test_socket PATH [dead]: a unix socket at PATH that accepts connections (as an
# ssh agent's does) until this file's tests end; with "dead", one nothing listens on.
test_socket() {
	if [ "${2:-}" = dead ]; then
		/usr/bin/python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$1"
		return
	fi
	/usr/bin/python3 -c "
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
time.sleep(600)" "$1" &
	echo $! >>"$TRASH/.socket-pids"
	test_wait_for "test -S '$1'"
}

test_line_count() {
	n=$(wc -l <"$1" | tr -d ' ')
	[ "$n" = "$2" ] || { echo "'$1' has $n lines, want $2:" >&2; cat "$1" >&2; return 1; }
}

# grep that shows the file on failure.
test_grep() {
	grep "$@" && return 0
	for last; do :; done
	echo "test_grep: no match for '$*'; the file is:" >&2
	cat "$last" >&2
	return 1
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

test_done() {
	echo "1..$test_count"
	[ "$test_failures" -eq 0 ]
}
