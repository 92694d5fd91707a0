#!/bin/sh
# The real Claude Code (npm @anthropic-ai/claude-code), started by `sbx run`
# on the bwrap backend in a fresh sandbox, goes straight to work: no
# onboarding, theme, trust, bypass-mode or API-key prompt stops it. It runs
# offline against a loopback stand-in for the Messages API
# (tests/fakes/anthropic-api; lima-contract.md), reached through sbx's proxy
# and the allowlist: its base URL is a name pinned to the host's loopback,
# which nothing else in the sandbox reaches. The npm install is cached in
# build/claude-code (SBX_CLAUDE_CACHE moves it), so only the first run waits.
. "$(dirname "$0")/lib.sh"

CACHE=${SBX_CLAUDE_CACHE:-$SRC_DIR/build/claude-code}
CLAUDE="$CACHE/node_modules/.bin/claude"
REPLY="sbx-fake-api-says-hello-$$"
SESSION="sbx-test-claude-$$"
export CACHE CLAUDE REPLY SESSION

skip_all() {
	test_skip 'the real Claude Code in a fresh bwrap sandbox' "$1"
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

stop_all() {
	tmux -L "$SESSION" kill-server 2>/dev/null
	[ -f "$TRASH/api.pid" ] && kill "$(cat "$TRASH/api.pid")" 2>/dev/null
	return 0
}
test_cleanup_hook=stop_all

"$SRC_DIR/tests/fakes/anthropic-api" "$TRASH/api.port" "$TRASH/api.log" "$REPLY" &
echo $! >"$TRASH/api.pid"
i=0
while [ ! -s "$TRASH/api.port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
PORT=$(cat "$TRASH/api.port")
export PORT

mkdir -p proj "$XDG_CONFIG_HOME/sbx"
cd proj || exit 1
PROJ=$(pwd -P)
export PROJ
# The key reaches the sandbox only because "secrets" names it.
TEST_API_KEY="sk-ant-api03-test-$(date +%s)-0123456789abcdefghij"
export TEST_API_KEY
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{
  "backend": "bwrap",
  "agent": "claude",
  "notify": {"enabled": false},
  "agents": {"claude": {"command": "$CLAUDE"}},
  "mounts": [{"location": "$CACHE"}],
  "env": {"ANTHROPIC_BASE_URL": "http://api.sbx.test:$PORT",
          "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"},
  "network": {"mode": "allowlist", "allow": ["api.sbx.test:$PORT"],
              "hosts": {"api.sbx.test": "127.0.0.1"}},
  "secrets": {"ANTHROPIC_API_KEY": {"env": "TEST_API_KEY"}}
}
EOF

# wait_until SECONDS CMD...: CMD succeeds within SECONDS.
wait_until() {
	n=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

pane() {
	tmux -L "$SESSION" capture-pane -p -t claude >"$TRASH/pane" 2>/dev/null
	cat "$TRASH/pane"
}

test_expect_success 'claude -p through sbx run prints the API'"'"'s answer and exits 0' '
	: >"$TRASH/api.log" &&
	timeout 120 "$SBX" run -- -p "say hi" >"$TRASH/out" 2>"$TRASH/err" &&
	test_grep "$REPLY" "$TRASH/out" &&
	test_grep "^POST /v1/messages" "$TRASH/api.log"
'

test_expect_success 'it went through the proxy and the allowlist, which logged it' '
	"$SBX" net log >"$TRASH/netlog" &&
	test_grep "mode allowlist" "$TRASH/netlog" &&
	test_grep " allow POST api.sbx.test:$PORT -> 127.0.0.1 (network.allow, pinned by network.hosts)$" "$TRASH/netlog"
'

test_expect_success 'interactive, in a fresh sandbox: no first-run prompt, straight to work' '
	: >"$TRASH/api.log" &&
	tmux -L "$SESSION" -f /dev/null new-session -d -s claude -x 120 -y 40 \
		"\"$SBX\" run -- \"say hi\"; echo \$? >\"$TRASH/exit\"" &&
	if ! wait_until 90 grep -q "^POST /v1/messages" "$TRASH/api.log" ||
		! wait_until 30 grep -q -F "$REPLY" "$TRASH/pane" -e "$(pane)"; then
		echo "claude did not get to work; its screen:" >&2
		pane >&2
		false
	fi &&
	pane >/dev/null &&
	! grep -i -e "trust this folder" -e "Bypass Permissions mode" \
		-e "Do you want to use this API key" -e "text style" "$TRASH/pane"
'

test_expect_success 'the agent ends with /exit, and its sandbox goes with it' '
	tmux -L "$SESSION" send-keys -t claude "/exit" &&
	sleep 1 &&
	tmux -L "$SESSION" send-keys -t claude Enter &&
	if ! wait_until 30 test -s "$TRASH/exit"; then
		pane >&2
		false
	fi &&
	test "$(cat "$TRASH/exit")" = 0 &&
	ls -A "$XDG_RUNTIME_DIR/sbx/sessions" >"$TRASH/left" &&
	test_line_count "$TRASH/left" 0
'

test_expect_success 'the API key was never on disk' '
	! grep -r -l -F "$TEST_API_KEY" "$HOME" "$XDG_RUNTIME_DIR" "$PROJ" "$TMPDIR" 2>/dev/null
'

test_done
