#!/bin/sh
# Agent accounts on the Lima backend, against the fake limactl: sbx login
# keeps a fake agent's credentials file and printed token, a later run has
# them, and no argv, lima.yaml, log or file left behind holds them; personal
# configuration arrives as read-only copies; logout removes them.
. "$(dirname "$0")/lib-lima.sh"

STORE="$XDG_DATA_HOME/sbx/credentials"
AGENT="$SRC_DIR/tests/fakes/fake-agent"
SEED="seed-$$-$(date +%s)"
SECRET=$(printf 'sbx-fake-%s' "$SEED" | sha256sum | cut -c1-32)
export STORE AGENT SEED SECRET
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{
  "backend": "lima",
  "agent": "fake",
  "notify": {"enabled": false},
  "agents": {"fake": {"command": "$AGENT", "login": {
    "args": ["login", "$SEED"], "files": [".fake/credentials.json"],
    "token": "FAKE_TOKEN", "tokenPrefix": "fake-tok-", "check": ["status"]}}}
}
EOF
cd proj || exit 1

# Files that hold the value, outside sbx's store; the guests' tmpfs included.
leaks() {
	grep -r -l -F -e "$SECRET" "$HOME" "$XDG_RUNTIME_DIR" "$TRASH/proj" "$LIMA_HOME" \
		"$TMPDIR" "$FAKE_LIMACTL_LOG" /dev/shm 2>/dev/null | grep -v "^$STORE/"
}

# wait_gone: up to 5 s for the watcher to remove the session's tmpfs copies.
wait_gone() {
	i=0
	while leaks >"$TRASH/leaks"; do
		i=$((i + 1))
		[ $i -le 50 ] || { cat "$TRASH/leaks" >&2; return 1; }
		sleep 0.1
	done
}

test_expect_success 'setup' '
	"$SBX" setup 2>err
'

test_expect_success 'login runs the flow in a clone and keeps both in the store' '
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" login </dev/null >"$TRASH/login.out" 2>"$TRASH/login.err" &&
	test_grep "fake-tok-$SECRET" "$TRASH/login.out" &&
	test_grep "kept FAKE_TOKEN, ~/.fake/credentials.json of .fake." "$TRASH/login.err" &&
	test "$(stat -c %a "$STORE/fake/credentials.json")" = 600 &&
	test_grep -F "fake-tok-$SECRET" "$STORE/fake/credentials.json" &&
	test_grep -F "file-cred-$SECRET" "$STORE/fake/credentials.json" &&
	test_grep "^\[\"delete\", \"--tty=false\", \"-f\", \"sbx-proj-" "$FAKE_LIMACTL_LOG" &&
	test_nothing_left
'

test_expect_success 'nothing of the login is left: clone, login directory, logs' '
	wait_gone &&
	ls -A "$XDG_RUNTIME_DIR/sbx" >"$TRASH/runtime" &&
	! grep "^login" "$TRASH/runtime"
'

test_expect_success 'a later run has the token and the file' '
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run >"$TRASH/run.out" &&
	printf "token=fake-tok-%s\nfile=file-cred-%s\n" "$SECRET" "$SECRET" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$TRASH/run.out" &&
	test_nothing_left
'

test_expect_success 'they never were in an argv, lima.yaml or a log, nor left on disk' '
	! grep -F "$SECRET" "$FAKE_LIMACTL_LOG" &&
	wait_gone
'

test_expect_success 'a persistent sandbox: the file goes from the home when the agent ends' '
	"$SBX" run --keep >"$TRASH/run.out" &&
	cmp "$TRASH/expect" "$TRASH/run.out" &&
	wait_gone &&
	home=$(echo "$LIMA_HOME"/sbx-proj-*-keep/guest-home) &&
	test -d "$home/.fake" &&
	! test -e "$home/.fake/credentials.json" &&
	! test -L "$home/.fake/credentials.json" &&
	"$SBX" rm --force "$(basename "$(dirname "$home")")"
'

test_expect_success 'logout removes them; a later run has none' '
	"$SBX" logout 2>"$TRASH/err" &&
	! test -e "$STORE/fake" &&
	"$SBX" run >"$TRASH/run.out" &&
	printf "token=\nfile=\n" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$TRASH/run.out"
'

mkdir -p "$HOME/.claude/skills/demo"
echo "personal memory" >"$HOME/.claude/CLAUDE.md"
echo "a skill" >"$HOME/.claude/skills/demo/SKILL.md"
echo '{"claudeAiOauth": "HOST-OAUTH-CREDENTIAL"}' >"$HOME/.claude/.credentials.json"
(cd "$HOME" && find .claude -type f | sort | xargs sha256sum) >"$TRASH/host.sums"

test_expect_success 'personal files arrive as read-only copies, never as mounts' '
	: >"$FAKE_LIMACTL_LOG" &&
	SBX_AGENT=claude "$SBX" shell -- sh -c "cat ~/.claude/CLAUDE.md ~/.claude/skills/demo/SKILL.md; stat -c %A ~/.claude/CLAUDE.md ~/.claude/skills/demo/SKILL.md ~/.claude/skills; ls -A ~/.claude" >"$TRASH/out" &&
	printf "personal memory\na skill\n-r--r--r--\n-r--r--r--\ndr-xr-xr-x\n" >"$TRASH/expect" &&
	head -n 5 "$TRASH/out" | cmp "$TRASH/expect" - &&
	! grep credentials "$TRASH/out" &&
	! grep -F -e "$HOME/.claude/CLAUDE.md" -e "$HOME/.claude/skills" "$FAKE_LIMACTL_LOG" &&
	(cd "$HOME" && sha256sum -c --quiet "$TRASH/host.sums")
'

test_expect_success 'the first-run answers are in the template'"'"'s provisioning' '
	t=$(lima_names | grep -v -e -keep -e "-[0-9a-z]\{5\}$" | head -n 1) &&
	/usr/bin/python3 - "$STATE/templates/$t.yaml" <<-\EOF
	import json, sys
	prov = json.load(open(sys.argv[1]))["provision"]
	text = {p["mode"]: p["script"] for p in prov if "first-run answers" in p["script"]}
	assert "skipDangerousModePermissionPrompt" in text["system"], text
	assert "/etc/claude-code/managed-settings.json" in text["system"], text
	assert "hasCompletedOnboarding" in text["user"], text
	EOF
'

test_done
