#!/bin/sh
# The real Gemini CLI (npm @google/gemini-cli), started by `sbx run` on the
# bwrap backend, offline against the fake model API (by a name pinned to the host's loopback, through sbx's proxy and the allowlist): it trusts the sandbox's
# folder (else it refuses -p, and leaves YOLO mode interactively: "the
# current folder is not trusted"), and a GEMINI_API_KEY passed in signs it in
# without asking how.
. "$(dirname "$0")/lib-agents.sh"

npm_agent gemini-cli @google/gemini-cli gemini
start_api

mkdir -p proj "$XDG_CONFIG_HOME/sbx"
cd proj || exit 1
git init -q
TEST_API_KEY="gemini-test-key-$(date +%s)"
export TEST_API_KEY
# A model named: its automatic routing asks a classifier the fake does not answer.
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{
  "backend": "bwrap",
  "agent": "gemini",
  "notify": {"enabled": false},
  "agents": {"gemini": {"command": "$AGENT", "args": ["-m", "gemini-2.5-flash"]}},
  "mounts": [{"location": "$CACHE"}],
  "env": {"GOOGLE_GEMINI_BASE_URL": "http://api.sbx.test:$PORT"},
  "network": {"mode": "allowlist", "allow": ["api.sbx.test:$PORT"],
              "hosts": {"api.sbx.test": "127.0.0.1"}},
  "secrets": {"GEMINI_API_KEY": {"env": "TEST_API_KEY"}}
}
EOF

test_expect_success 'gemini -p through sbx run prints the API'"'"'s answer and exits 0' '
	: >"$TRASH/api.log" &&
	timeout 120 "$SBX" run -- -p "say hi" >"$TRASH/out" 2>"$TRASH/err" &&
	test_grep "$REPLY" "$TRASH/out" &&
	test_grep "^POST /v1beta/models/gemini-2.5-flash:streamGenerateContent" "$TRASH/api.log" &&
	! grep -i "not trusted" "$TRASH/err"
'

test_expect_success 'interactive, in a fresh sandbox: trusted, signed in, in YOLO mode, straight to work' '
	: >"$TRASH/api.log" &&
	in_tmux "\"$SBX\" run -- -i \"say hi\"" &&
	answered &&
	test_grep "YOLO" "$TRASH/pane" &&
	! grep -i -e "trust the files in this folder" -e "How would you like to authenticate" \
		-e "not trusted" "$TRASH/pane"
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
