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
