#!/bin/sh
# Agent accounts on the bwrap backend, for real: sbx login keeps a fake
# agent's credentials file and printed token in a private store, every later
# session has them (in memory only) and nothing else does; personal
# configuration is read-only inside; the host's own credentials stay out.
. "$(dirname "$0")/lib.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'accounts on bwrap' 'bubblewrap is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap
STORE="$XDG_DATA_HOME/sbx/credentials"
TOOLS="$XDG_DATA_HOME/sbx/bwrap/tools/bin"
SEED="seed-$$-$(date +%s)"
SECRET=$(printf 'sbx-fake-%s' "$SEED" | sha256sum | cut -c1-32)
TOKEN="fake-tok-$SECRET"
FILECRED="file-cred-$SECRET"
export STORE SEED SECRET TOKEN FILECRED
mkdir -p proj "$TOOLS" "$XDG_CONFIG_HOME/sbx"
# The sandbox finds the agent on its PATH, in sbx's tools prefix.
cp "$SRC_DIR/tests/fakes/fake-agent" "$TOOLS/fake-agent"
cd proj || exit 1
PROJ=$(pwd -P)

config() {
	cat >"$XDG_CONFIG_HOME/sbx/config.json" <<-EOF
	{
	  "agent": "fake",
	  "notify": {"enabled": false},
	  "agents": {"fake": {"command": "fake-agent", "login": {
	    "args": ["login", "$SEED"], "files": [".fake/credentials.json"],
	    "token": "FAKE_TOKEN", "tokenPrefix": "fake-tok-", "check": ["status"]}}}
	  ${1:+, $1}
	}
	EOF
}
config ""

# Files outside sbx's store that hold either value (the store itself is allowed).
leaks() {
	grep -r -l -F -e "$SECRET" "$HOME" "$XDG_RUNTIME_DIR" "$PROJ" "$LIMA_HOME" "$TMPDIR" \
		2>/dev/null | grep -v "^$STORE/"
}

test_expect_success 'login runs the flow in a sandbox and keeps both in a private store' '
	"$SBX" login </dev/null >"$TRASH/login.out" 2>"$TRASH/login.err" &&
	test_grep "$TOKEN" "$TRASH/login.out" &&
	test_grep "kept FAKE_TOKEN, ~/.fake/credentials.json of .fake." "$TRASH/login.err" &&
	test "$(stat -c %a "$STORE")" = 700 &&
	test "$(stat -c %a "$STORE/fake")" = 700 &&
	test "$(stat -c %a "$STORE/fake/credentials.json")" = 600 &&
	test_grep -F "$TOKEN" "$STORE/fake/credentials.json" &&
	test_grep -F "$FILECRED" "$STORE/fake/credentials.json"
'

test_expect_success 'nothing of the login is left outside the store' '
	leaks >"$TRASH/leaks" || true &&
	test_line_count "$TRASH/leaks" 0 &&
	ls -A "$XDG_RUNTIME_DIR/sbx" >"$TRASH/runtime" &&
	! grep "^login" "$TRASH/runtime"
'

test_expect_success 'a later run has the token and the file' '
	"$SBX" run >"$TRASH/run.out" &&
	printf "token=%s\nfile=%s\n" "$TOKEN" "$FILECRED" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$TRASH/run.out"
'

test_expect_success 'the file is in tmpfs, linked from the home; no command line holds them' '
	"$SBX" shell -- sh -c "readlink ~/.fake/credentials.json; df -P \"\$(readlink ~/.fake/credentials.json)\" | tail -n 1; cat /proc/[0-9]*/cmdline | tr \"\\0\" \" \"" >"$TRASH/inside" &&
	test_grep "^/dev/shm/sbx-cred\.[A-Za-z0-9]*/1$" "$TRASH/inside" &&
	test_grep "^tmpfs\|^none" "$TRASH/inside" &&
	! grep -F "$SECRET" "$TRASH/inside"
'

test_expect_success 'nothing of a session is left on disk' '
	leaks >"$TRASH/leaks" || true &&
	test_line_count "$TRASH/leaks" 0
'

test_expect_success 'a variable configured by the user wins over the stored token' '
	"$SBX" run --env FAKE_TOKEN=mine >"$TRASH/run.out" &&
	test_grep "^token=mine$" "$TRASH/run.out"
'

test_expect_success 'doctor: stored, and the agent'"'"'s check says they work' '
	"$SBX" doctor >"$TRASH/doctor" 2>&1 || true &&
	test_grep "^ok   login fake: stored in $STORE/fake/credentials.json; .fake-agent status. says they work" "$TRASH/doctor"
'

test_expect_success 'a store open to others is refused, not used' '
	chmod 755 "$STORE/fake" &&
	test_expect_code 125 "$SBX" run 2>"$TRASH/err" &&
	chmod 700 "$STORE/fake" &&
	test_grep "credential store.s .*fake. is open to others (mode 0755)" "$TRASH/err" &&
	chmod 644 "$STORE/fake/credentials.json" &&
	test_expect_code 125 "$SBX" run 2>"$TRASH/err" &&
	chmod 600 "$STORE/fake/credentials.json" &&
	test_grep "open to others (mode 0644)" "$TRASH/err"
'

test_expect_success 'logout removes them; a later run has none' '
	"$SBX" logout 2>"$TRASH/err" &&
	test_grep "removed the credentials of .fake." "$TRASH/err" &&
	! test -e "$STORE/fake" &&
	"$SBX" run >"$TRASH/run.out" &&
	printf "token=\nfile=\n" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$TRASH/run.out" &&
	"$SBX" doctor >"$TRASH/doctor" 2>&1 || true &&
	test_grep "^warn login fake: no credentials stored" "$TRASH/doctor"
'

test_expect_success 'a login that fails keeps nothing and says so' '
	echo "{\"agents\": {\"fake\": {\"command\": \"false\", \"login\": {\"files\": [\".x\"]}}}}" \
		>"$XDG_CONFIG_HOME/sbx/config.json" &&
	test_expect_code 1 "$SBX" login --agent fake </dev/null 2>"$TRASH/err" &&
	config &&
	test_grep "the login of .fake. failed (exit 1)" "$TRASH/err" &&
	! test -e "$STORE/fake"
'

test_expect_success 'the login sandbox gets env, but neither envPass nor secrets' '
	cat >"$XDG_CONFIG_HOME/sbx/config.json" <<-EOF &&
	{
	  "notify": {"enabled": false},
	  "envPass": ["SBX_T_PASSED"],
	  "env": {"SBX_T_SET": "set-by-env"},
	  "secrets": {"SBX_T_SECRET": {"command": "touch \"$TRASH/secret-ran\"; echo s3cret"}},
	  "agents": {"envdump": {"command": "sh", "login": {
	    "args": ["-c", "env >\"$PROJ/login-env\""], "files": [".x"]}}}
	}
	EOF
	SBX_T_PASSED=from-the-host test_must_fail "$SBX" login --agent envdump </dev/null 2>"$TRASH/err" &&
	config &&
	test_grep "^SBX_T_SET=set-by-env$" login-env &&
	! grep -e SBX_T_PASSED -e SBX_T_SECRET login-env &&
	! test -e "$TRASH/secret-ran" &&
	rm login-env
'

test_expect_success 'an agent without a login is told how to give it credentials' '
	test_expect_code 125 "$SBX" login --agent shell 2>"$TRASH/err" &&
	test_grep "the agent .shell. has no login" "$TRASH/err"
'

# The host's own Claude configuration, personal files and credentials.
mkdir -p "$HOME/.claude/skills/demo" "$HOME/.claude/projects/-other-project"
echo "personal memory" >"$HOME/.claude/CLAUDE.md"
echo "a skill" >"$HOME/.claude/skills/demo/SKILL.md"
cat >"$HOME/.claude/settings.json" <<'EOF'
{"model": "opus", "hooks": {"Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "host-only-hook"}]}]}}
EOF
echo '{"claudeAiOauth": "HOST-OAUTH-CREDENTIAL"}' >"$HOME/.claude/.credentials.json"
echo '{"host": "HOST-GLOBAL-STATE"}' >"$HOME/.claude.json"
echo "other transcript" >"$HOME/.claude/projects/-other-project/t.jsonl"
(cd "$HOME" && find .claude .claude.json -type f | sort | xargs sha256sum) >"$TRASH/host.sums"

claude_sh() {
	SBX_AGENT=claude "$SBX" shell -- sh -c "$1"
}

test_expect_success 'personal files are readable inside' '
	claude_sh "cat ~/.claude/CLAUDE.md ~/.claude/skills/demo/SKILL.md" >"$TRASH/out" &&
	printf "personal memory\na skill\n" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$TRASH/out"
'

test_expect_success 'and not writable: every write fails, the host files are unchanged' '
	test_must_fail claude_sh "echo changed >>~/.claude/CLAUDE.md" &&
	test_must_fail claude_sh "echo changed >~/.claude/skills/demo/SKILL.md" &&
	test_must_fail claude_sh "touch ~/.claude/skills/new" &&
	test_must_fail claude_sh "rm -f ~/.claude/CLAUDE.md" &&
	(cd "$HOME" && sha256sum -c --quiet "$TRASH/host.sums")
'

test_expect_success 'settings.json: the user'"'"'s settings without their hooks' '
	claude_sh "cat ~/.claude/settings.json" >"$TRASH/out" &&
	test_grep "\"model\":.*\"opus\"" "$TRASH/out" &&
	! grep host-only-hook "$TRASH/out"
'

test_expect_success 'the host'"'"'s credentials, state and other transcripts stay out' '
	claude_sh "ls -A ~/.claude; cat ~/.claude.json; ls ~/.claude/projects 2>/dev/null || :" >"$TRASH/out" &&
	! grep -e .credentials.json -e HOST-GLOBAL-STATE -e -other-project "$TRASH/out" &&
	test_must_fail claude_sh "cat ~/.claude/.credentials.json" 2>/dev/null
'

test_expect_success 'unless asked: a mount the user names brings ~/.claude.json in' '
	SBX_AGENT=claude "$SBX" shell --mount "$HOME/.claude.json:~/.claude.json:ro" \
		-- cat "/home/$(id -un 2>/dev/null | sed "s/^root$/sbx/")/.claude.json" >"$TRASH/out" &&
	test_grep HOST-GLOBAL-STATE "$TRASH/out"
'

test_expect_success '"personal" chooses the entries; credentials and history are refused' '
	config "\"personal\": {\"claude\": [\"skills\"]}" &&
	claude_sh "ls -A ~/.claude" >"$TRASH/out" &&
	test_grep "^skills$" "$TRASH/out" &&
	! grep "^CLAUDE.md$" "$TRASH/out" &&
	config "\"personal\": {\"claude\": [\".credentials.json\"]}" &&
	test_expect_code 2 claude_sh true 2>"$TRASH/err" &&
	config "\"personal\": {\"claude\": [\"projects/-other-project\"]}" &&
	test_expect_code 2 claude_sh true 2>>"$TRASH/err" &&
	config &&
	test_grep "personal.claude: .\.credentials\.json. is not carried into a sandbox" "$TRASH/err" &&
	test_grep "personal.claude: .projects/-other-project. is not carried" "$TRASH/err"
'

test_expect_success 'env-based auth passes only when named in envPass or secrets' '
	ANTHROPIC_API_KEY=host-api-key OPENAI_API_KEY=host-openai-key \
		"$SBX" shell -- env >"$TRASH/out" &&
	! grep -e host-api-key -e host-openai-key "$TRASH/out" &&
	config "\"envPass\": [\"ANTHROPIC_API_KEY\"], \"secrets\": {\"OPENAI_API_KEY\": {\"env\": \"MY_OPENAI\"}}" &&
	ANTHROPIC_API_KEY=host-api-key MY_OPENAI=host-openai-key \
		"$SBX" shell -- env >"$TRASH/out" &&
	config &&
	test_grep "^ANTHROPIC_API_KEY=host-api-key$" "$TRASH/out" &&
	test_grep "^OPENAI_API_KEY=host-openai-key$" "$TRASH/out"
'

# macOS keeps them in the login Keychain, through security(1) (a fake here).
test_expect_success 'the Keychain store: the value reaches security on its stdin only' '
	export SBX_CREDENTIAL_STORE=keychain FAKE_SECURITY_LOG="$TRASH/security.log" &&
	"$SBX" login </dev/null >/dev/null 2>"$TRASH/err" &&
	test_grep "kept .* in the Keychain (service sbx, account fake)" "$TRASH/err" &&
	! test -e "$STORE/fake" &&
	test -s "$HOME/.fake-keychain/sbx.fake" &&
	test_grep "^-i$" "$TRASH/security.log" &&
	! grep -F "$SECRET" "$TRASH/security.log" &&
	"$SBX" run >"$TRASH/run.out" &&
	printf "token=%s\nfile=%s\n" "$TOKEN" "$FILECRED" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$TRASH/run.out" &&
	"$SBX" logout 2>"$TRASH/err" &&
	test_grep "removed the credentials of .fake. from the Keychain" "$TRASH/err" &&
	! test -e "$HOME/.fake-keychain/sbx.fake"
'

test_done
