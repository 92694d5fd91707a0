# shellcheck shell=sh
# For the notification tests: a private session bus with python3-dbusmock's
# notification daemon (which logs every Notify call), and the server.
# The cleanup hook stops the bus, the mock and the server.
. "$(dirname "$0")/lib.sh"

MOCK_LOG="$TRASH/mock.log"
NOTIFY_SOCK="$XDG_RUNTIME_DIR/sbx/notify.sock"
NOTIFY_LOG="$XDG_STATE_HOME/sbx/notify.log"
SERVER_PID=
SERVER_EXIT=
DBUS_PID=
MOCK_PID=
export MOCK_LOG NOTIFY_SOCK NOTIFY_LOG SERVER_EXIT
unset DISPLAY WAYLAND_DISPLAY SBX_NOTIFIER
test_cleanup_hook='notify_cleanup'

notify_cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	[ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null
	[ -n "$DBUS_PID" ] && kill "$DBUS_PID" 2>/dev/null
	return 0
}

# Is everything the tests drive installed?
notify_deps() {
	for p in dbus-daemon notify-send gdbus; do
		command -v "$p" >/dev/null 2>&1 || { echo "$p"; return 1; }
	done
	/usr/bin/python3 -c 'import dbusmock' 2>/dev/null || { echo "python3-dbusmock"; return 1; }
}

# start_mock: the bus and the notification daemon, once it owns its name.
start_mock() {
	dbus-daemon --session --fork --print-address=1 --print-pid=1 >"$TRASH/bus" || return 1
	DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p "$TRASH/bus")
	DBUS_PID=$(sed -n 2p "$TRASH/bus")
	export DBUS_SESSION_BUS_ADDRESS
	/usr/bin/python3 -m dbusmock --template notification_daemon -l "$MOCK_LOG" \
		>"$TRASH/mock.out" 2>&1 &
	MOCK_PID=$!
	gdbus wait --session --timeout 30 org.freedesktop.Notifications
}

# start_server: sbx notify serve, once it listens (it says so on a
# fifo). Lifecycle helpers run at the top level of a test file, not inside
# test_expect_success, whose subshell would keep SERVER_PID and the child.
start_server() {
	rm -f "$TRASH/ready" && mkfifo "$TRASH/ready" || return 1
	"$SBX" notify serve --ready-fd 3 3>"$TRASH/ready" &
	SERVER_PID=$!
	read -r said <"$TRASH/ready"
	[ "$said" = ready ] || { echo "the server did not start:" >&2; cat "$NOTIFY_LOG" >&2; return 1; }
}

# stop_server [SIGNAL]: sets SERVER_EXIT to the server's exit code.
stop_server() {
	kill "-${1:-TERM}" "$SERVER_PID"
	# (the shell's own "Killed" for a SIGKILL is not news)
	{ wait "$SERVER_PID"; } 2>/dev/null
	SERVER_EXIT=$?
	SERVER_PID=
}

# stats_wait COUNTER=N...: the server's counters once they are reached and nothing runs.
stats_wait() {
	args=
	for w; do args="$args --wait $w"; done
	# shellcheck disable=SC2086 # one word per flag
	"$SBX" notify stats $args --timeout 30000 >"$TRASH/stats" || return 1
	if grep -q '"timeout":true' "$TRASH/stats"; then
		cat "$TRASH/stats" >&2
		return 1
	fi
}

# stat_of NAME: a counter from the last stats_wait.
stat_of() {
	sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$TRASH/stats"
}

# notify_count: how many Notify calls the mock has logged.
notify_count() {
	grep -c ' Notify ' "$MOCK_LOG" 2>/dev/null || true
}

# claude_event NAME [JSON fields]: a Claude Code hook event as Claude sends it.
claude_event() {
	name=$1
	shift
	printf '{"session_id":"0b8e-4f1c","transcript_path":"%s/.claude/projects/-p/0b8e.jsonl","cwd":"/p","permission_mode":"bypassPermissions","hook_event_name":"%s"%s}\n' \
		"$HOME" "$name" "${1:+,$1}"
}
