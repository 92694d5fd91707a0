#!/bin/sh
# The real Claude Code (npm @anthropic-ai/claude-code), started by `sbx run`
# on the bwrap backend in a fresh sandbox, goes straight to work: no
# onboarding, theme, trust, bypass-mode or API-key prompt stops it. It runs
# offline against a loopback stand-in for the Messages API
# (tests/fakes/model-api), reached through sbx's proxy and the allowlist: its
# base URL is a name pinned to the host's loopback, which nothing else in the
# sandbox reaches. The npm install is cached in build/claude-code
# (lib-agents.sh), so only the first run waits.
. "$(dirname "$0")/lib-agents.sh"

npm_agent claude-code @anthropic-ai/claude-code claude
start_api

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
  "agents": {"claude": {"command": "$AGENT"}},
  "mounts": [{"location": "$CACHE"}],
  "env": {"ANTHROPIC_BASE_URL": "http://api.sbx.test:$PORT",
          "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"},
  "network": {"mode": "allowlist", "allow": ["api.sbx.test:$PORT"],
              "hosts": {"api.sbx.test": "127.0.0.1"}},
  "secrets": {"ANTHROPIC_API_KEY": {"env": "TEST_API_KEY"}}
}
EOF

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
	in_tmux "\"$SBX\" run -- \"say hi\"" &&
	answered &&
	! grep -i -e "trust this folder" -e "Bypass Permissions mode" \
		-e "Do you want to use this API key" -e "text style" "$TRASH/pane"
'

test_expect_success 'the agent ends with /exit, and its sandbox goes with it' '
	tmux -L "$SESSION" send-keys -t agent "/exit" &&
	wait_until 10 on_screen "/exit" &&
	tmux -L "$SESSION" send-keys -t agent Enter &&
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
