#!/bin/sh
# Many agents at once, each on its own worktree: the notification server
# keeps what each is doing (started, working, waiting with its question,
# done with its last message, exited with its code) from the hook events of
# its session; `sbx ls` (and --json), `sbx wt ls` and `sbx ls --watch` show
# it, the notifications name the repository and the branch, `sbx attach`
# picks the agent that has waited longest, and a sandbox reads no other
# session's messages. A fake agent in real bwrap sandboxes sends Claude
# Code's events when the test says so (FIFOs in its worktree).
. "$(dirname "$0")/lib-notify.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'many agents' 'bubblewrap is not installed'
	test_done
	exit 0
fi
if missing=$(notify_deps); then :; else
	test_skip 'many agents' "$missing is not installed"
	test_done
	exit 0
fi

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.com
TOOLS="$TRASH/tools"
mkdir -p "$TOOLS" "$XDG_CONFIG_HOME/sbx"
export TOOLS

# The fake agent (Claude Code's name, so titles say Claude): each line the
# test writes to the FIFO ctl in its worktree becomes one hook event, handed
# over by `sbx hook` (which returns once the server has read it); then it
# says so on the FIFO ack.
cat >"$TOOLS/agent" <<'EOF'
#!/bin/sh
hook() {
	printf '{"session_id":"s","hook_event_name":"%s"%s}\n' "$1" "$2" | sbx hook --agent claude
}
echo ready >ack
while read -r cmd arg <ctl; do
	case $cmd in
	prompt) hook UserPromptSubmit ',"prompt":"go"' ;;
	tool) hook PreToolUse ',"tool_name":"Bash"' ;;
	ask) hook Notification ",\"message\":\"$arg\",\"notification_type\":\"permission_prompt\"" ;;
	stop) hook Stop ",\"last_assistant_message\":\"$arg\"" ;;
	exit) echo bye >ack; exit "$arg" ;;
	esac
	echo done >ack
done
EOF
chmod +x "$TOOLS/agent"
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{"backend": "bwrap", "agents": {"claude": {"command": "$TOOLS/agent"}},
 "mounts": [{"location": "$TOOLS"}]}
EOF

git init -q -b main app && (cd app && git commit -q --allow-empty -m start) || exit 1
APP=$(cd app && pwd -P)
WTS="$APP.worktrees"
export APP WTS
(cd app && "$SBX" wt new feat/x && "$SBX" wt new fix/x && "$SBX" wt new t1 && "$SBX" wt new t2) \
	>/dev/null 2>&1 || exit 1
for d in "$APP" "$WTS/feat/x" "$WTS/fix/x" "$WTS/t1" "$WTS/t2"; do
	mkfifo "$d/ctl" "$d/ack" || exit 1
done

# to_agent DIR LINE: one command to the agent in DIR, and its answer.
to_agent() {
	timeout 120 sh -c 'echo "$2" >"$1/ctl" && cat "$1/ack"' sh "$1" "$2"
}
from_agent() {
	timeout 120 cat "$1/ack"
}
# state DIR: the state of DIR's agent as `sbx ls --json` has it; message DIR likewise.
agent_field() {
	"$SBX" ls --json | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    a = e.get("agent") or {}
    if a.get("project") == sys.argv[1]:
        print(a[sys.argv[2]])
' "$1" "$2"
}
state() { agent_field "$1" state; }
name_of() { agent_field "$1" name; }

BG=
test_cleanup_hook='agents_cleanup'
agents_cleanup() {
	for pid in $BG; do
		kill "$pid" 2>/dev/null
	done
	tmux -S "$TRASH/terminal.sock" kill-server 2>/dev/null
	"$SBX" stop --all >/dev/null 2>&1
	notify_cleanup
}

start_mock >"$TRASH/setup.out" 2>&1
test_expect_success 'setup: a session bus with the notification daemon' '
	cat "$TRASH/setup.out" &&
	kill -0 "$MOCK_PID"
'

start_server >"$TRASH/start.out" 2>&1

# A plain watcher (no terminal) from the start, under strace: it must only
# wait for the server's lines, never wake up by itself.
if command -v strace >/dev/null 2>&1; then
	strace -f -o "$TRASH/watch.trace" -e trace=poll,ppoll,connect "$SBX" ls --watch \
		>"$TRASH/watch.out" 2>"$TRASH/watch.err" &
else
	"$SBX" ls --watch >"$TRASH/watch.out" 2>"$TRASH/watch.err" &
fi
WATCH=$!
BG="$BG $WATCH"

# Three agents at once: the main checkout and two worktrees whose folders share a name.
for d in "$APP" "$WTS/feat/x" "$WTS/fix/x"; do
	(cd "$d" && exec "$SBX" run >run.log 2>&1) &
	BG="$BG $!"
	from_agent "$d" >/dev/null
done

test_expect_success 'three agents started: sbx ls --json has each, with its repository and branch' '
	test "$(state "$APP")" = started &&
	test "$(state "$WTS/feat/x")" = started &&
	test "$(state "$WTS/fix/x")" = started &&
	test "$(agent_field "$WTS/feat/x" branch)" = feat/x &&
	test "$(agent_field "$WTS/fix/x" repo)" = app &&
	test "$(agent_field "$APP" branch)" = main
'

test_expect_success 'a prompt and a tool: working; another tool changes nothing' '
	to_agent "$WTS/feat/x" prompt &&
	test "$(state "$WTS/feat/x")" = working &&
	since=$(agent_field "$WTS/feat/x" since) &&
	changes=$(stats_wait && stat_of changes) &&
	to_agent "$WTS/feat/x" tool &&
	test "$(agent_field "$WTS/feat/x" since)" = "$since" &&
	test "$(stats_wait && stat_of changes)" = "$changes" &&
	test "$(state "$APP")" = started
'

test_expect_success 'a permission asked: waiting, with its question; a turn ended: done, with its message' '
	to_agent "$WTS/feat/x" "ask Claude needs your permission to use Bash" &&
	to_agent "$WTS/fix/x" prompt &&
	to_agent "$WTS/fix/x" "stop Fixed the parser." &&
	test "$(state "$WTS/feat/x")" = waiting &&
	test "$(agent_field "$WTS/feat/x" message)" = "Claude needs your permission to use Bash" &&
	test "$(state "$WTS/fix/x")" = done &&
	test "$(agent_field "$WTS/fix/x" message)" = "Fixed the parser."
'

test_expect_success 'notifications name the repository and the branch: worktrees x and x told apart' '
	stats_wait received=5 &&
	test_grep -F "\"app feat/x: Claude is waiting\" \"Claude needs your permission to use Bash\"" "$MOCK_LOG" &&
	test_grep -F "\"app fix/x: Claude finished\" \"Fixed the parser.\"" "$MOCK_LOG" &&
	! grep -F "\"x: Claude" "$MOCK_LOG"
'

test_expect_success 'sbx ls: the state, for how long, repository and branch, the message'"'"'s head' '
	"$SBX" ls >out &&
	test_grep "^NAME  *BACKEND  *KIND  *STATUS  *AGENT  *FOR  *PROJECT  *MESSAGE$" out &&
	feat=$(name_of "$WTS/feat/x") && fix=$(name_of "$WTS/fix/x") && main=$(name_of "$APP") &&
	test_grep "^$feat  *bwrap  *session  *Running  *waiting  *[0-9]*s  *app feat/x  *Claude needs your permission to use Bash$" out &&
	test_grep "^$fix  *bwrap  *session  *Running  *done  *[0-9]*s  *app fix/x  *Fixed the parser.$" out &&
	test_grep "^$main  *bwrap  *session  *Running  *started  *[0-9]*s  *app main  *-$" out
'

test_expect_success 'sbx wt ls: the agent of each worktree' '
	(cd app && "$SBX" wt ls) >out &&
	test_grep "^feat/x  *[a-z]*  *.*  *waiting  *$WTS/feat/x$" out &&
	test_grep "^fix/x  *[a-z]*  *.*  *done  *$WTS/fix/x$" out &&
	(cd app && "$SBX" wt ls --json) >json &&
	grep "\"path\":\"$WTS/feat/x\"" json | test_grep "\"agent\":{.*\"state\":\"waiting\""
'

test_expect_success 'a message with escape sequences and bidirectional overrides shows stripped' '
	to_agent "$APP" "ask red \\u001b[31m\\u009b0m \\u202eevil\\u202c end" &&
	"$SBX" ls >out &&
	test_grep "  *waiting  *[0-9]*s  *app main  *red \[31m 0m evil end$" out &&
	! grep "$(printf "\\033")" out &&
	! grep -F "$(printf "\\342\\200\\256")" out &&
	! grep -F "$(printf "\\302\\233")" out
'

test_expect_success 'the agents end: exited, with their exit codes' '
	to_agent "$WTS/feat/x" "exit 3" &&
	to_agent "$WTS/fix/x" "exit 0" &&
	to_agent "$APP" "exit 0" &&
	for pid in $BG; do [ "$pid" = "$WATCH" ] || wait "$pid"; done;
	stats_wait closed=3 &&
	(cd app && "$SBX" wt ls) >out &&
	test_grep "^feat/x  *[a-z]*  *.*  *exited 3  *$WTS/feat/x$" out &&
	"$SBX" ls >out &&
	! grep "app feat/x" out
'

test_expect_success 'sbx ls --watch, not on a terminal: each change in order, one line each' '
	cat "$TRASH/watch.err" &&
	kill "$WATCH" && { wait "$WATCH"; true; } &&
	cut -d" " -f2- "$TRASH/watch.out" >changes &&
	cat changes &&
	feat=$(sed -n "s/^\(sbx-[^ ]*\) started app feat\/x$/\1/p" changes) &&
	test -n "$feat" &&
	grep "^$feat " changes >feat &&
	printf "%s\n" "$feat started app feat/x" "$feat working app feat/x" \
		"$feat waiting app feat/x: Claude needs your permission to use Bash" \
		"$feat exited 3 app feat/x: Claude needs your permission to use Bash" >want &&
	diff -u want feat &&
	fix=$(sed -n "s/^\(sbx-[^ ]*\) started app fix\/x$/\1/p" changes) &&
	grep "^$fix " changes >fix &&
	printf "%s\n" "$fix started app fix/x" "$fix working app fix/x" \
		"$fix done app fix/x: Fixed the parser." "$fix exited 0 app fix/x: Fixed the parser." >want &&
	diff -u want fix
'

if command -v strace >/dev/null 2>&1; then
	test_expect_success 'sbx ls --watch asks once, then only waits for the server (strace)' '
		grep "connect(.*notify.sock" "$TRASH/watch.trace" >connects &&
		test_line_count connects 2 &&
		grep -e "poll(" "$TRASH/watch.trace" >polls &&
		! grep -v -e ", -1)" -e ", -1$" -e "<unfinished" -e "resumed>" polls &&
		test "$(grep -c "resumed>\|= 1 (\[{fd=" polls)" -le "$(($(wc -l <"$TRASH/watch.out") + 5))"
	'
else
	test_skip 'sbx ls --watch asks once, then only waits (strace)' 'strace is not installed'
fi

# The server with a watcher connected and nothing else to do: it waits, it
# does not poll with no timeout in a loop (it did, at 60% of a CPU).
# (strace that can attach runs until timeout ends it: 124)
can_trace_server() {
	timeout 1 strace -p "$SERVER_PID" -o /dev/null 2>/dev/null
	[ $? = 124 ]
}
if command -v strace >/dev/null 2>&1 && [ -n "$SERVER_PID" ] && can_trace_server; then
	test_expect_success 'the server with a watcher alone waits for its next event (strace)' '
		"$SBX" ls --watch >/dev/null 2>&1 &
		IDLE_WATCH=$! &&
		BG="$BG $IDLE_WATCH" &&
		test_wait_for "\"$SBX\" notify stats | grep -q \"\\\"watchers\\\":[1-9]\"" &&
		{ timeout 2 strace -p "$SERVER_PID" -e trace=poll,ppoll -o "$TRASH/server.trace" 2>/dev/null; true; } &&
		kill "$IDLE_WATCH" &&
		test "$(grep -c "poll(" "$TRASH/server.trace")" -le 5
	'
else
	test_skip 'the server with a watcher alone waits for its next event' 'strace cannot trace the server here'
fi

# A terminal (the test's own tmux server) for what needs one.
# shellcheck source=tests/cli/lib-terminal.sh
. "$TESTS_DIR/lib-terminal.sh"
# ls --watch redraws in place: only the screen counts.
TERMINAL_WAIT=60 TERMINAL_HISTORY=0
open_terminal 160 30

test_expect_success 'sbx ls --watch on a terminal: the table, redrawn on each change' '
	type_line "clear; cd \"$APP\" && \"$SBX\" ls --watch" &&
	wait_for "^NAME  *AGENT  *FOR  *PROJECT  *MESSAGE" &&
	wait_for "exited 3  *[0-9]*[smhd]  *app feat/x" &&
	(cd "$WTS/t1" && "$SBX" run --tmux </dev/null >run.log 2>&1) &&
	from_agent "$WTS/t1" >/dev/null &&
	wait_for "started  *[0-9]*s  *app t1 *-\$" &&
	to_agent "$WTS/t1" prompt &&
	wait_for "working  *[0-9]*s  *app t1 *-\$" &&
	to_agent "$WTS/t1" "ask May I run make?" &&
	wait_for "waiting  *[0-9]*s  *app t1  *May I run make?\$" &&
	sed -n 2p screen | test_grep "waiting  *[0-9]*s  *app t1"
'

test_expect_success 'sbx attach without a name: the agent that has waited longest' '
	(cd "$WTS/t2" && "$SBX" run --tmux </dev/null >run.log 2>&1) &&
	from_agent "$WTS/t2" >/dev/null &&
	to_agent "$WTS/t2" "ask And may I run make install?" &&
	t1=$(name_of "$WTS/t1") &&
	tmux -S "$TERMINAL" send-keys C-c &&
	type_line "clear; cd \"$WTS/t2\" && \"$SBX\" attach; echo \"attach exited \$?\"" &&
	test_wait_for "ls \"$XDG_RUNTIME_DIR/sbx/attached\" | grep -q \"^$t1\\.\"" &&
	to_agent "$WTS/t1" "exit 5" &&
	wait_for "^attach exited 5" &&
	to_agent "$WTS/t2" "exit 0" &&
	stats_wait closed=5
'

# A watcher while the server stops, and the next run starts another.
"$SBX" ls --watch >"$TRASH/rewatch.out" 2>&1 &
REWATCH=$!
BG="$BG $REWATCH"
test_wait_for "grep -q \"exited 5 app t1\" \"$TRASH/rewatch.out\""
stop_server TERM
(cd "$APP" && "$SBX" shell -- true) >"$TRASH/shell.out" 2>&1
test_expect_success 'a watcher outlives the server: watched again, the next run'"'"'s changes shown' '
	test_wait_for "grep -q \" exited 0 app main\\$\" \"$TRASH/rewatch.out\"" &&
	kill -0 "$REWATCH" &&
	kill "$REWATCH"
'

test_expect_success 'a sandbox cannot watch the agents, nor read their messages' '
	cat >"$TOOLS/peek" <<-\EOF &&
	#!/usr/bin/python3
	import os, socket
	s = socket.socket(socket.AF_UNIX)
	s.connect(os.environ["SBX_NOTIFY_SOCKET"])
	s.sendall(b"{\"watch\":true}\n{\"stats\":true}\n")
	f = s.makefile()
	print(f.readline().strip())
	print(f.readline().strip())
	EOF
	chmod +x "$TOOLS/peek" &&
	(cd "$APP" && "$SBX" shell -- "$TOOLS/peek") >peek &&
	sed -n 1p peek | test_grep -F "{\"error\":\"agents are watched on the user" &&
	sed -n 2p peek | test_grep "\"received\":" &&
	! grep -e "permission" -e "parser" -e "make" -e "\"agents\"" -e "\"desktop\"" peek
'

test_done
