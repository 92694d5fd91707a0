#!/bin/sh
# tmux on the bwrap backend, through a terminal: a private tmux server of the
# test plays the user's terminal (send-keys types, capture-pane reads); sbx
# run --tmux starts the agent in a tmux server inside the sandbox; detaching
# or closing the terminal leaves it running, `sbx ls` shows it Detached,
# `sbx attach` brings it back, and its exit code comes through.
. "$(dirname "$0")/lib.sh"

if ! command -v bwrap >/dev/null 2>&1 || ! command -v tmux >/dev/null 2>&1; then
	test_skip 'tmux on bwrap' 'bubblewrap or tmux is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap SBX_AGENT=shell
mkdir -p proj
cd proj || exit 1
# shellcheck source=tests/cli/lib-terminal.sh
. "$TESTS_DIR/lib-terminal.sh"
test_cleanup_hook='tmux -S "$TERMINAL" kill-server 2>/dev/null; "$SBX" stop --all >/dev/null 2>&1'

status_of() {
	"$SBX" ls | awk -v n="$1" '$1 == n { print $4 }'
}

test_expect_success 'run --tmux: the agent runs in tmux inside the sandbox' '
	open_terminal 100 30 &&
	type_line "\"$SBX\" run --tmux" &&
	type_line "echo \"inside \$(hostname) \$((6 * 7)) [\$TMUX]\"" &&
	wait_for "^inside sbx 42 \[/run/sbx/tmux/sock," &&
	name=$(session) &&
	test -n "$name" &&
	test "$(status_of "$name")" = Running
'

test_expect_success 'detaching (C-b d) returns to the shell; ls shows the run Detached' '
	name=$(session) &&
	tmux -S "$TERMINAL" send-keys C-b d &&
	wait_for "^sbx: detached from $name; .sbx attach $name. reattaches" &&
	test "$(status_of "$name")" = Detached &&
	"$SBX" ls --json >ls.json &&
	test_grep "\"tmux\":\"detached\"" ls.json
'

test_expect_success 'closing the terminal while attached leaves the agent running' '
	name=$(session) &&
	type_line "clear; \"$SBX\" attach $name" &&
	type_line "touch still-here; echo attached-again" &&
	wait_for "^attached-again" &&
	test "$(status_of "$name")" = Running &&
	close_terminal &&
	sleep 1 &&
	test "$(status_of "$name")" = Detached &&
	test -e still-here
'

test_expect_success 'sbx attach (no name: the project'"'"'s only one) and the agent'"'"'s exit code' '
	name=$(session) &&
	open_terminal 100 30 &&
	type_line "\"$SBX\" attach; echo \"attach exited \$?\"" &&
	type_line "echo back-\$((2 * 21))" &&
	wait_for "^back-42" &&
	type_line "exit 7" &&
	wait_for "^attach exited 7" &&
	"$SBX" ls >out &&
	! grep "$name" out &&
	! test -e "$XDG_RUNTIME_DIR/sbx/sessions/$name"
'

test_expect_success 'an agent that ends while attached: run returns its code, nothing is left' '
	type_line "clear; \"$SBX\" run --tmux; echo \"run exited \$?\"" &&
	type_line "echo ready-\$((1 + 1))" &&
	wait_for "^ready-2" &&
	type_line "exit 3" &&
	wait_for "^run exited 3" &&
	test -z "$(session)" &&
	ls "$XDG_RUNTIME_DIR/sbx/sessions" >left &&
	test_line_count left 0
'

test_expect_success 'a persistent sandbox in tmux: listed and attached by its own name' '
	type_line "clear; \"$SBX\" run --keep --tmux" &&
	type_line "echo keep-\$((5 * 5))" &&
	wait_for "^keep-25" &&
	tmux -S "$TERMINAL" send-keys C-b d &&
	wait_for "^sbx: detached" &&
	keep=$("$SBX" ls | awk "/-keep / { print \$1 }") &&
	test "$(status_of "$keep")" = Detached &&
	type_line "clear; \"$SBX\" attach $keep; echo \"attach exited \$?\"" &&
	type_line "echo keep-again" &&
	wait_for "^keep-again" &&
	type_line "exit 0" &&
	wait_for "^attach exited 0" &&
	test "$(status_of "$keep")" = Stopped
'

test_expect_success 'sbx stop ends a detached run' '
	type_line "clear; \"$SBX\" run --tmux" &&
	type_line "echo to-stop" &&
	wait_for "^to-stop" &&
	tmux -S "$TERMINAL" send-keys C-b d &&
	wait_for "^sbx: detached" &&
	name=$(session) &&
	"$SBX" stop --all >out &&
	test_grep "stopped $name" out &&
	i=0 && while [ -n "$(session)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done &&
	test -z "$(session)"
'

test_expect_success 'attach: nothing to attach to, or no such sandbox' '
	test_expect_code 1 "$SBX" attach 2>err &&
	test_grep "no agent runs in tmux" err &&
	test_expect_code 2 "$SBX" attach sbx-nosuch 2>err &&
	test_grep "no sandbox named" err
'

test_expect_success 'without a terminal run --tmux starts the agent detached; attach needs one' '
	"$SBX" run --tmux </dev/null >out 2>err &&
	name=$(session) &&
	test_grep "^sbx: detached from $name" err &&
	test "$(status_of "$name")" = Detached &&
	test_expect_code 1 "$SBX" attach "$name" </dev/null 2>err &&
	test_grep "needs a terminal" err &&
	"$SBX" -q run --tmux </dev/null 2>err &&
	test_line_count err 0 &&
	"$SBX" stop --all >out &&
	test_line_count out 2
'

test_expect_success 'sbx shell never runs in tmux, whatever the configuration says' '
	echo "{ \"tmux\": true }" >.sbx.json &&
	"$SBX" shell -- sh -c "echo \"[\${TMUX-none}]\"" </dev/null >out &&
	rm .sbx.json &&
	test "$(cat out)" = "[none]"
'

test_expect_success '"tmux": true in the configuration does the same as --tmux' '
	echo "{ \"tmux\": true }" >.sbx.json &&
	type_line "clear; \"$SBX\" run; echo \"run exited \$?\"" &&
	type_line "echo \"configured [\$TMUX]\"" &&
	wait_for "^configured \[/run/sbx/tmux/sock," &&
	type_line "exit 0" &&
	wait_for "^run exited 0" &&
	rm .sbx.json &&
	close_terminal
'

test_done
