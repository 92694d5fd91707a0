#!/bin/sh
# tmux on the Lima backend (the fake limactl runs the guest's tmux on the
# host): a private tmux server of the test is the user's terminal; the agent
# runs in the guest's tmux, survives a detach and a closed terminal, `sbx ls`
# shows it Detached, `sbx attach` brings it back, and when it ends its exit
# code comes through and the clone is deleted.
. "$(dirname "$0")/lib-lima.sh"

if ! command -v tmux >/dev/null 2>&1; then
	test_skip 'tmux on lima' 'tmux is not installed'
	test_done
	exit 0
fi

export SBX_AGENT=shell
cd proj || exit 1
# shellcheck source=tests/cli/lib-terminal.sh
. "$TESTS_DIR/lib-terminal.sh"
test_cleanup_hook='tmux -S "$TERMINAL" kill-server 2>/dev/null; for n in $(lima_names); do limactl delete -f "$n" >/dev/null 2>&1; done'

TERMINAL_WAIT=20 TERMINAL_HISTORY=100
status_of() {
	"$SBX" ls | awk -v n="$1" '$1 == n { print $4 }'
}

test_expect_success 'setup' '
	"$SBX" setup 2>err
'

test_expect_success 'run --tmux: the agent in the guest'"'"'s tmux; a detach leaves it Detached' '
	open_terminal 100 30 &&
	type_line "\"$SBX\" run --tmux" &&
	type_line "echo \"in tmux \$((6 * 7)) [\$TMUX]\"" &&
	wait_for "^in tmux 42 \[/.*/sbx," &&
	name=$(lima_sessions) &&
	test -n "$name" &&
	test "$(status_of "$name")" = Running &&
	tmux -S "$TERMINAL" send-keys C-b d &&
	wait_for "^sbx: detached from $name" &&
	test "$(status_of "$name")" = Detached
'

test_expect_success 'a closed terminal leaves it running; attach brings it back; its exit code' '
	name=$(lima_sessions) &&
	type_line "clear; \"$SBX\" attach $name" &&
	type_line "echo attached-again" &&
	wait_for "^attached-again" &&
	tmux -S "$TERMINAL" kill-server &&
	sleep 1 &&
	test "$(status_of "$name")" = Detached &&
	open_terminal 100 30 &&
	type_line "\"$SBX\" attach; echo \"attach exited \$?\"" &&
	type_line "echo back" &&
	wait_for "^back" &&
	type_line "exit 9" &&
	wait_for "^attach exited 9" &&
	test_nothing_left
'

test_expect_success 'an agent that ends while attached: run returns its code, the clone goes' '
	type_line "clear; \"$SBX\" run --tmux; echo \"run exited \$?\"" &&
	type_line "echo up" &&
	wait_for "^up" &&
	type_line "exit 4" &&
	wait_for "^run exited 4" &&
	test_nothing_left
'

test_expect_success 'the persistent VM in tmux, attached by its name' '
	type_line "clear; \"$SBX\" run --keep --tmux" &&
	type_line "echo kept" &&
	wait_for "^kept" &&
	tmux -S "$TERMINAL" send-keys C-b d &&
	wait_for "^sbx: detached" &&
	keep=$(lima_names | grep -- "-keep\$") &&
	test "$(status_of "$keep")" = Detached &&
	type_line "clear; \"$SBX\" attach $keep; echo \"attach exited \$?\"" &&
	type_line "echo kept-again" &&
	wait_for "^kept-again" &&
	type_line "exit 0" &&
	wait_for "^attach exited 0" &&
	test "$(status_of "$keep")" = Running
'

test_done
