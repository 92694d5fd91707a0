#!/bin/sh
# A burst of hook events loses none: 2,000 `sbx hook` processes at once in
# one sandbox (its socket takes 16 connections at a time, the rest wait in
# its backlog) all arrive, and so do 300 fired while the server restarts
# (each hook waits until the server has read its line, and for a server
# that is not there yet).
. "$(dirname "$0")/lib-notify.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'bursts' 'bubblewrap is not installed'
	test_done
	exit 0
fi

mkdir -p proj "$XDG_CONFIG_HOME/sbx"
cd proj || exit 1
PROJ=$(pwd -P)
PIDFILE="$XDG_RUNTIME_DIR/sbx/notify.pid"
export PIDFILE
# Filtered, not shown: the burst is about arriving, not about a desktop.
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{"agents": {"probe": {"command": "$PROJ/probe"}}, "agent": "probe", "backend": "bwrap",
 "notify": {"events": ["Stop"]}}
EOF
printf '#!/bin/sh\nexit 0\n' >probe
# In a sandbox: N hooks at once, each in a process of its own; with a FIFO,
# it says so there once they are all started, and waits for them all.
cat >burst.sh <<'EOF'
#!/bin/sh
n=$1
i=0
while [ $i -lt "$n" ]; do
	printf '{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"t%d"}\n' $i |
		sbx hook --agent claude 2>>hook.err &
	i=$((i + 1))
done
[ -n "${2:-}" ] && echo started >"$2"
wait
EOF
chmod +x probe burst.sh
SBX_NOTIFIER=terminal
export SBX_NOTIFIER

start_server >"$TRASH/start.out" 2>&1

test_expect_success '2,000 hooks at once: 2,000 events received' '
	cat "$TRASH/start.out" &&
	: >hook.err &&
	"$SBX" shell -- ./burst.sh 2000 &&
	stats_wait received=2000 &&
	{ test "$(stat_of received)" = 2000 || { cat "$TRASH/stats" hook.err >&2; false; }; } &&
	test "$(stat_of malformed)" = 0 &&
	test_line_count hook.err 0
'

# 300 hooks, and while they are under way the server stops and another starts.
mkfifo started
: >hook.err
"$SBX" shell -- ./burst.sh 300 started >burst.log 2>&1 &
BPID=$!
read -r fired <started
stop_server TERM
start_server >"$TRASH/restart.out" 2>&1
wait "$BPID"
BEXIT=$?
export fired BEXIT
test_expect_success '300 hooks fired while the server restarts: none is lost' '
	cat "$TRASH/restart.out" burst.log &&
	test "$fired" = started &&
	test "$BEXIT" = 0 &&
	before=$(sed -n "s/.*stopping after \([0-9]*\) events$/\1/p" "$NOTIFY_LOG" | tail -n 1) &&
	echo "the first server had $before, 2000 of them from the last burst" &&
	after=$((300 - (before - 2000))) &&
	stats_wait received=$after &&
	test "$(stat_of received)" = "$after" &&
	test_line_count hook.err 0
'

stop_server TERM
test_done
