#!/bin/sh
# The real Codex (npm @openai/codex), started by `sbx run` on the bwrap
# backend, offline against the fake model API (by a name pinned to the host's loopback, through sbx's proxy and the allowlist): no "Trust this folder?" in a
# fresh sandbox, and with the user's own config.toml carried in ("personal")
# its turn end still reaches sbx's notifications (sbx's notify wins over the
# file's). Codex is logged in as `sbx login --agent codex` leaves it: an
# auth.json in sbx's store.
. "$(dirname "$0")/lib-agents.sh"

npm_agent codex @openai/codex codex
start_api

mkdir -p proj "$XDG_CONFIG_HOME/sbx" "$HOME/.codex" "$XDG_DATA_HOME/sbx/credentials/codex"
cd proj || exit 1
# Codex asks to trust a git work tree (sbx gives the sandbox its own git directory).
git init -q
PROJ=$(pwd -P)
TEST_API_KEY="sk-test-codex-$(date +%s)"
export PROJ TEST_API_KEY
# The user's own config.toml, on the host: the fake API as the model
# provider, and a notify program of theirs, which the sandbox does not have.
cat >"$HOME/.codex/config.toml" <<EOF
model_provider = "fake"
notify = ["/nonexistent/my-notifier"]

[model_providers.fake]
name = "fake"
base_url = "http://api.sbx.test:$PORT/v1"
env_key = "OPENAI_API_KEY"
wire_api = "responses"
supports_websockets = false
EOF
printf '{"files": {".codex/auth.json": "{\\"auth_mode\\": \\"apikey\\", \\"OPENAI_API_KEY\\": \\"%s\\"}"}}\n' \
	"$TEST_API_KEY" >"$XDG_DATA_HOME/sbx/credentials/codex/credentials.json"
chmod 700 "$XDG_DATA_HOME/sbx" "$XDG_DATA_HOME/sbx/credentials" "$XDG_DATA_HOME/sbx/credentials/codex"
chmod 600 "$XDG_DATA_HOME/sbx/credentials/codex/credentials.json"
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{
  "backend": "bwrap",
  "agent": "codex",
  "agents": {"codex": {"command": "$AGENT"}},
  "mounts": [{"location": "$CACHE"}],
  "personal": {"codex": ["config.toml"]},
  "network": {"mode": "allowlist", "allow": ["api.sbx.test:$PORT"],
              "hosts": {"api.sbx.test": "127.0.0.1"}},
  "secrets": {"OPENAI_API_KEY": {"env": "TEST_API_KEY"}}
}
EOF

test_expect_success 'codex exec through sbx run prints the API'"'"'s answer and exits 0' '
	: >"$TRASH/api.log" &&
	timeout 120 "$SBX" run -- exec --skip-git-repo-check "say hi" >"$TRASH/out" 2>"$TRASH/err" &&
	test_grep "$REPLY" "$TRASH/out" &&
	test_grep "^POST /v1/responses" "$TRASH/api.log"
'

test_expect_success 'its turn end reached sbx'"'"'s notifications, the personal config.toml notwithstanding' '
	"$SBX" notify stats --wait received=1 --timeout 20000 >"$TRASH/stats" &&
	test_grep "\"received\":1," "$TRASH/stats"
'

test_expect_success 'interactive, in a fresh sandbox: no "Trust this folder?", straight to work' '
	: >"$TRASH/api.log" &&
	in_tmux "\"$SBX\" run -- \"say hi\"" &&
	answered &&
	! grep -i -e "trust this folder" -e "Sign in with ChatGPT" "$TRASH/pane" &&
	test_grep "YOLO mode" "$TRASH/pane"
'

test_expect_success 'the agent ends with /quit, and its sandbox goes with it' '
	tmux -L "$SESSION" send-keys -t agent "/quit" &&
	wait_until 10 on_screen "/quit" &&
	tmux -L "$SESSION" send-keys -t agent Enter &&
	if ! wait_until 30 test -s "$TRASH/exit"; then
		pane >&2
		false
	fi &&
	test "$(cat "$TRASH/exit")" = 0 &&
	ls -A "$XDG_RUNTIME_DIR/sbx/sessions" >"$TRASH/left" &&
	test_line_count "$TRASH/left" 0
'

test_done
