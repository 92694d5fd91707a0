#!/bin/sh
# The real Claude Code in three worktrees at once, on the bwrap backend,
# offline against a loopback stand-in for the Messages API that answers the
# first turn with a tool use (Bash) and the next with text
# (tests/fakes/model-api): each agent's state, as `sbx ls --json` and
# `sbx ls --watch --json` have it, passes through working and then done,
# and, in the worktree where Claude asks before running a tool (its
# full-auto flag left out there), waiting with Claude's question until the
# test's keystroke says yes. The npm install is shared with t0421
# (build/claude-code; SBX_CLAUDE_CACHE moves it).
. "$(dirname "$0")/lib.sh"

CACHE=${SBX_CLAUDE_CACHE:-$SRC_DIR/build/claude-code}
CLAUDE="$CACHE/node_modules/.bin/claude"
REPLY="sbx-fake-api-says-done-$$"
TERMINAL="$TRASH/terminal.sock"
export CACHE CLAUDE REPLY TERMINAL

skip_all() {
	test_skip 'the real Claude Code in three worktrees' "$1"
	test_done
	exit 0
}
command -v bwrap >/dev/null 2>&1 || skip_all 'bubblewrap is not installed'
command -v tmux >/dev/null 2>&1 || skip_all 'tmux is not installed'
[ -x /usr/bin/python3 ] || skip_all '/usr/bin/python3 is not installed'
if ! "$CLAUDE" --version >/dev/null 2>&1; then
	command -v npm >/dev/null 2>&1 || skip_all 'npm is not installed'
	mkdir -p "$CACHE"
	if ! timeout 600 npm install --prefix "$CACHE" --no-fund --no-audit --loglevel=error \
		@anthropic-ai/claude-code >"$TRASH/npm.log" 2>&1 ||
		! "$CLAUDE" --version >/dev/null 2>&1; then
		sed 's/^/# /' "$TRASH/npm.log"
		skip_all 'npm could not install @anthropic-ai/claude-code (is its registry reachable?)'
	fi
fi

WATCH=
stop_all() {
	[ -n "$WATCH" ] && kill "$WATCH" 2>/dev/null
	tmux -S "$TERMINAL" kill-server 2>/dev/null
	[ -f "$TRASH/api.pid" ] && kill "$(cat "$TRASH/api.pid")" 2>/dev/null
	"$SBX" stop --all >/dev/null 2>&1
	return 0
}
test_cleanup_hook=stop_all

# The tool's command needs a permission where Claude asks (unlike `echo`).
"$SRC_DIR/tests/fakes/model-api" "$TRASH/api.port" "$TRASH/api.log" "$REPLY" \
	"touch tool-was-here" &
echo $! >"$TRASH/api.pid"
i=0
while [ ! -s "$TRASH/api.port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
PORT=$(cat "$TRASH/api.port")
export PORT

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.com
git init -q -b main app && (cd app && git commit -q --allow-empty -m start) || exit 1
APP=$(cd app && pwd -P)
WTS="$APP.worktrees"
export APP WTS
(cd app && "$SBX" wt new one && "$SBX" wt new two && "$SBX" wt new asks) >/dev/null 2>&1 || exit 1

# Claude, in full-auto mode but in the worktree "asks".
TOOLS="$TRASH/tools"
mkdir -p "$TOOLS" "$XDG_CONFIG_HOME/sbx"
cat >"$TOOLS/claude" <<EOF
#!/bin/sh
case \$PWD in
*/asks)
	for a; do shift; [ "\$a" = --dangerously-skip-permissions ] || set -- "\$@" "\$a"; done ;;
esac
exec "$CLAUDE" "\$@"
EOF
chmod +x "$TOOLS/claude"
TEST_API_KEY="sk-ant-api03-test-$(date +%s)-0123456789abcdefghij"
export TEST_API_KEY SBX_NOTIFIER=terminal
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{
  "backend": "bwrap",
  "agent": "claude",
  "agents": {"claude": {"command": "$TOOLS/claude"}},
  "mounts": [{"location": "$CACHE"}, {"location": "$TOOLS"}],
  "env": {"ANTHROPIC_BASE_URL": "http://api.sbx.test:$PORT",
          "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"},
  "network": {"mode": "allowlist", "allow": ["api.sbx.test:$PORT"],
              "hosts": {"api.sbx.test": "127.0.0.1"}},
  "secrets": {"ANTHROPIC_API_KEY": {"env": "TEST_API_KEY"}}
}
EOF

# states WORKTREE: the states its agent went through, as the watcher saw them.
states() {
	/usr/bin/python3 -c '
import json, sys
seen = []
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["project"] == sys.argv[2] and (not seen or seen[-1] != a["state"]):
        seen.append(a["state"])
print(" ".join(seen))
' "$TRASH/watch.json" "$1"
}
# ls_state WORKTREE [FIELD]: what `sbx ls --json` says of its agent now.
ls_state() {
	"$SBX" ls --json | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    a = json.loads(line).get("agent") or {}
    if a.get("project") == sys.argv[1]:
        print(a[sys.argv[2]])
' "$1" "${2:-state}"
}
# until_watched PATTERN: until the watcher has written a line matching it.
until_watched() {
	timeout 180 tail -n +1 -f "$TRASH/watch.json" | grep -q -m 1 -- "$1"
}
pane() {
	tmux -S "$TERMINAL" capture-pane -p >"$TRASH/pane" 2>/dev/null
	cat "$TRASH/pane"
}

"$SBX" ls --watch --json >"$TRASH/watch.json" 2>"$TRASH/watch.err" &
WATCH=$!
tmux -S "$TERMINAL" -f /dev/null new-session -d -x 120 -y 40 -c "$WTS/asks" \
	"\"$SBX\" run -- \"do it\"; echo \$? >\"$TRASH/asks.exit\"; sleep 600"
(cd "$WTS/one" && timeout 300 "$SBX" run -- -p "do it" >"$TRASH/one.out" 2>&1; echo $? >"$TRASH/one.exit") &
ONE=$!
(cd "$WTS/two" && timeout 300 "$SBX" run -- -p "do it" >"$TRASH/two.out" 2>&1; echo $? >"$TRASH/two.exit") &
TWO=$!
wait $ONE $TWO

test_expect_success 'claude -p in two worktrees: each ran the tool and answered' '
	cat "$TRASH/one.out" "$TRASH/two.out" &&
	test "$(cat "$TRASH/one.exit")" = 0 &&
	test "$(cat "$TRASH/two.exit")" = 0 &&
	test_grep "$REPLY" "$TRASH/one.out" &&
	test_grep "$REPLY" "$TRASH/two.out" &&
	test -e "$WTS/one/tool-was-here" &&
	test -e "$WTS/two/tool-was-here"
'

test_expect_success 'the one that asks: waiting, with Claude'"'"'s question, in sbx ls --json' '
	if ! until_watched "\"project\":\"$WTS/asks\".*\"state\":\"waiting\""; then
		pane >&2
		false
	fi &&
	test "$(ls_state "$WTS/asks")" = waiting &&
	ls_state "$WTS/asks" message | test_grep "^Claude needs your permission" &&
	test "$(ls_state "$WTS/asks" branch)" = asks &&
	! test -e "$WTS/asks/tool-was-here"
'

test_expect_success 'yes: it runs the tool and ends its turn, done with its last message' '
	tmux -S "$TERMINAL" send-keys Enter &&
	if ! until_watched "\"project\":\"$WTS/asks\".*\"state\":\"done\""; then
		pane >&2
		false
	fi &&
	test "$(ls_state "$WTS/asks")" = done &&
	test "$(ls_state "$WTS/asks" message)" = "$REPLY" &&
	test -e "$WTS/asks/tool-was-here"
'

test_expect_success 'each went through working, then done (and exited 0, for those that ended)' '
	tmux -S "$TERMINAL" send-keys "/exit" &&
	sleep 1 &&
	tmux -S "$TERMINAL" send-keys Enter &&
	until_watched "\"project\":\"$WTS/asks\".*\"state\":\"exited\"" &&
	test_wait_for "test -s \"$TRASH/asks.exit\"" &&
	test "$(cat "$TRASH/asks.exit")" = 0 &&
	kill "$WATCH" && WATCH= &&
	cat "$TRASH/watch.err" &&
	test "$(states "$WTS/one")" = "started working done exited" &&
	test "$(states "$WTS/two")" = "started working done exited" &&
	test "$(states "$WTS/asks")" = "started working waiting working done exited" &&
	grep "\"project\":\"$WTS/one\".*\"state\":\"exited\"" "$TRASH/watch.json" |
		test_grep "\"code\":0"
'

test_done
