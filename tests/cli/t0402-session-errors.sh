#!/bin/sh
# Mistakes a user can make in what a session is given: each is one line naming
# the thing and the fix, before any sandbox starts.
. "$(dirname "$0")/lib.sh"

export SBX_BACKEND=bwrap SBX_AGENT=shell
mkdir -p proj "$XDG_CONFIG_HOME/sbx" && cd proj || exit 1

config() {
	printf '%s\n' "$1" >"$XDG_CONFIG_HOME/sbx/config.json"
}

test_expect_success 'a relative mount on the command line: exit 2, naming it' '
	test_expect_code 2 "$SBX" shell --mount rel/dir -- true 2>err &&
	test_line_count err 1 &&
	test_grep "mount .rel/dir.: .rel/dir. is relative" err
'

test_expect_success 'a mount whose sandbox path is not absolute: exit 2' '
	test_expect_code 2 "$SBX" shell --mount "$TRASH:inside" -- true 2>err &&
	test_grep "the sandbox path .inside. must be absolute" err
'

test_expect_success 'a malformed --env: exit 2, naming it' '
	test_expect_code 2 "$SBX" shell --env =x -- true 2>err &&
	test_grep "expected NAME=VALUE" err
'

test_expect_success 'an --env name that is no variable name: exit 2' '
	test_expect_code 2 "$SBX" shell --env "a-b=1" -- true 2>err &&
	test_grep "env: found key .a-b., expected a variable name" err
'

test_expect_success 'a secret whose command fails: exit 125, naming the secret' '
	config "{\"secrets\": {\"TOKEN\": {\"command\": \"exit 3\"}}}" &&
	test_expect_code 125 "$SBX" shell -- true 2>err &&
	test_grep "secret .TOKEN.: its command failed (exit 3)" err
'

test_expect_success 'a secret from an unset variable: exit 125, naming both' '
	config "{\"secrets\": {\"TOKEN\": {\"env\": \"SBX_T_NOT_SET\"}}}" &&
	test_expect_code 125 "$SBX" shell -- true 2>err &&
	test_grep "secret .TOKEN.: the variable .SBX_T_NOT_SET. is not set" err
'

test_expect_success 'a secret from a missing file: exit 125, naming the file' '
	config "{\"secrets\": {\"TOKEN\": {\"file\": \"$TRASH/no-such-file\"}}}" &&
	test_expect_code 125 "$SBX" shell -- true 2>err &&
	test_grep "no-such-file" err &&
	rm "$XDG_CONFIG_HOME/sbx/config.json"
'

test_expect_success 'a --mount whose source is missing: exit 125, one line naming it' '
	test_expect_code 125 "$SBX" shell --mount "$TRASH/no-such-dir:/data" -- true 2>err &&
	test_line_count err 1 &&
	test_grep "^sbx shell: cannot mount .$TRASH/no-such-dir.: it does not exist (create it, or drop the mount from --mount)$" err
'

test_expect_success 'the same for a configured mount, naming the file' '
	config "{\"mounts\": [{\"location\": \"$TRASH/gone\", \"mountPoint\": \"/data\"}]}" &&
	test_expect_code 125 "$SBX" shell -- true 2>err &&
	rm "$XDG_CONFIG_HOME/sbx/config.json" &&
	test_line_count err 1 &&
	test_grep "cannot mount .$TRASH/gone.: it does not exist (create it, or drop the mount from $XDG_CONFIG_HOME/sbx/config.json)" err
'

test_expect_success '-A without SSH_AUTH_SOCK: exit 125, saying so' '
	(unset SSH_AUTH_SOCK && test_expect_code 125 "$SBX" shell -A -- true 2>err) &&
	test_line_count err 1 &&
	test_grep "cannot forward the ssh agent: SSH_AUTH_SOCK is not set; start ssh-agent, or run without -A" err
'

test_expect_success '-A with a stale SSH_AUTH_SOCK: exit 125, naming it' '
	SSH_AUTH_SOCK="$TRASH/gone.sock" test_expect_code 125 "$SBX" shell -A -- true 2>err &&
	test_line_count err 1 &&
	test_grep "cannot forward the ssh agent: .$TRASH/gone.sock. (SSH_AUTH_SOCK): No such file or directory" err &&
	test_socket "$TRASH/dead.sock" dead &&
	SSH_AUTH_SOCK="$TRASH/dead.sock" test_expect_code 125 "$SBX" shell -A -- true 2>err &&
	test_line_count err 1 &&
	test_grep "cannot forward the ssh agent: .$TRASH/dead.sock. (SSH_AUTH_SOCK) does not answer: Connection refused" err
'

if command -v bwrap >/dev/null 2>&1; then
	test_expect_success '-A with an agent that answers: its socket is inside' '
		test_socket "$TRASH/agent.sock" &&
		SSH_AUTH_SOCK="$TRASH/agent.sock" "$SBX" shell -A -- \
			sh -c "test -S \"\$SSH_AUTH_SOCK\" && echo \"\$SSH_AUTH_SOCK\"" >out &&
		test "$(cat out)" = /run/sbx/ssh-agent.sock
	'

	# Without npm on PATH: sbx would otherwise install the agent (t0422).
	test_expect_success 'an agent that is not installed: 127, naming it and how to install it' '
		config "{\"agents\": {\"codex\": {\"command\": \"sbx-test-no-codex\"},
			\"mine\": {\"command\": \"sbx-test-no-mine\"}}}" &&
		mkdir -p "$TRASH/no-npm" && ln -sf "$(command -v bwrap)" "$TRASH/no-npm/bwrap" &&
		PATH="$TRASH/no-npm" test_expect_code 127 "$SBX" run --agent codex 2>err &&
		test_line_count err 1 &&
		test_grep "^sbx run: the agent .codex. (.sbx-test-no-codex.) was not found in the sandbox: install it (npm install -g @openai/codex) or name its program in agents.codex.command$" err &&
		test_expect_code 127 "$SBX" run --agent mine 2>err &&
		rm "$XDG_CONFIG_HOME/sbx/config.json" &&
		test_line_count err 1 &&
		test_grep "^sbx run: the agent .mine. (.sbx-test-no-mine.) was not found in the sandbox: install it or name its program in agents.mine.command$" err
	'
else
	test_skip 'sessions that start' 'bubblewrap is not installed'
fi

test_expect_success 'a state directory owned by another user is refused, naming it' '
	if [ "$(id -u)" = 0 ]; then
		mkdir -p "$XDG_STATE_HOME/sbx" &&
		chown 65534 "$XDG_STATE_HOME/sbx" &&
		mkdir -p "$XDG_STATE_HOME/sbx/sessions" && chown 65534 "$XDG_STATE_HOME/sbx/sessions" &&
		test_must_fail "$SBX" shell -- true 2>err &&
		chown -R 0 "$XDG_STATE_HOME/sbx" &&
		test_grep "is owned by uid 65534, not by you" err
	fi
'

test_done
