#!/bin/sh
# A hostile agent in tmux on the bwrap backend against the status file sbx
# reads on the host (the sandbox's tmux directory is writable inside): a
# link to /dev/zero, a FIFO, a 20 GB file. Through a terminal (the test's own
# tmux server), the user detaches, attaches again and stops the run; host
# sbx must neither block nor grow, and the keeper must remove everything,
# also a home the agent made hard to remove.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-hostile.sh
. "$TESTS_DIR/lib-hostile.sh"

if ! command -v bwrap >/dev/null 2>&1 || ! command -v tmux >/dev/null 2>&1; then
	test_skip 'hostile tmux status on bwrap' 'bubblewrap or tmux is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap SBX_AGENT=shell
mkdir -p proj
cd proj || exit 1
# shellcheck source=tests/cli/lib-terminal.sh
. "$TESTS_DIR/lib-terminal.sh"
test_cleanup_hook='tmux -S "$TERMINAL" kill-server 2>/dev/null; "$SBX" stop --all >/dev/null 2>&1'
# 90 s: longer than bounded's 60, so that a hang shows as a timeout, not as this.
TERMINAL_WAIT=90 TERMINAL_HISTORY=200

# attack WHAT: a run in tmux whose agent leaves WHAT (a shell line) as its
# status, then detaches; run says it detached and exits 0 in time; attach
# reads the status again and detaches; stop ends the run and nothing is left.
attack() {
	type_line "clear; \"$TRASH/bounded\" \"$SBX\" run --tmux; echo \"run exited \$?\"" &&
	type_line "cd /run/sbx/tmux && $1 && echo planted-\$((6 * 7))" &&
	wait_for "^planted-42" &&
	tmux -S "$TERMINAL" send-keys C-b d &&
	wait_for "^run exited" &&
	name=$(session) &&
	test_grep "^sbx: detached from $name" screen &&
	test_grep "^run exited 0" screen &&
	type_line "clear; \"$TRASH/bounded\" \"$SBX\" attach $name; echo \"attach exited \$?\"" &&
	type_line "echo attached-\$((7 * 7))" &&
	wait_for "^attached-49" &&
	tmux -S "$TERMINAL" send-keys C-b d &&
	wait_for "^attach exited" &&
	test_grep "^attach exited 0" screen &&
	bounded "$SBX" stop --all >out &&
	test_wait_for "test -z \"\$(sessions_left)\"" &&
	test -z "$(session)"
}

test_expect_success 'setup: a terminal' '
	open_terminal 150 40
'

test_expect_success 'a status that links to /dev/zero is no status, and is not read' '
	attack "ln -sf /dev/zero status"
'

test_expect_success 'a FIFO in its place does not hold sbx' '
	attack "rm -f status && mkfifo status"
'

test_expect_success 'nor does a 20 GB one' '
	attack "truncate -s 20G status"
'

test_expect_success 'a link at the pane'"'"'s temporary name: the agent'"'"'s status still comes through' '
	type_line "clear; \"$TRASH/bounded\" \"$SBX\" run --tmux; echo \"run exited \$?\"" &&
	type_line "ln -sf /dev/zero /run/sbx/tmux/status.tmp; exit 3" &&
	wait_for "^run exited" &&
	test_grep "^run exited 3" screen &&
	test_wait_for "test -z \"\$(sessions_left)\""
'

test_expect_success 'a persistent run'"'"'s keeper killed: sbx prune removes its tmux directory' '
	"$SBX" run --keep --tmux </dev/null 2>err &&
	keeper=$("$SBX" ls --json | sed -n "s/.*-keep\".*\"owner\":\([0-9]*\).*/\1/p") &&
	test -n "$keeper" &&
	test -n "$(sessions_left)" &&
	kill -9 "$keeper" &&
	test_wait_for "! kill -0 $keeper 2>/dev/null" &&
	bounded "$SBX" prune >out 2>err &&
	test -z "$(sessions_left)"
'

test_expect_success 'the keeper removes a home the agent made unreadable and deep' '
	type_line "clear; \"$TRASH/bounded\" \"$SBX\" run --tmux; echo \"run exited \$?\"" &&
	type_line "mkdir -p ~/a/b ~/r && touch ~/r/f && chmod 000 ~/a/b ~/a && chmod 500 ~/r && cd ~ && for i in \$(seq 200); do mkdir n1234567890123456789012345678901234567890 && cd -P n1234567890123456789012345678901234567890 || exit 1; done; exit 5" &&
	wait_for "^run exited" &&
	test_grep "^run exited 5" screen &&
	test_wait_for "test -z \"\$(sessions_left)\"" &&
	! grep -r "cannot remove" "$XDG_STATE_HOME/sbx/logs" &&
	tmux -S "$TERMINAL" kill-server
'

test_done
