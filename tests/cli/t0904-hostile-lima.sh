#!/bin/sh
# A hostile agent in tmux on the Lima backend (the fake limactl runs the
# guest on the host) against the status the keeper and the foreground ask
# the guest for: the agent keeps replacing its status file, after the pane
# wrote it, by a link to /dev/zero, a FIFO or a 20 GB file. Host sbx must
# end in time without running out of memory, and remove the clone.
. "$(dirname "$0")/lib-lima.sh"
# shellcheck source=tests/cli/lib-hostile.sh
. "$TESTS_DIR/lib-hostile.sh"

if ! command -v tmux >/dev/null 2>&1; then
	test_skip 'hostile tmux status on lima' 'tmux is not installed'
	test_done
	exit 0
fi

export SBX_AGENT=shell
cd proj || exit 1
# shellcheck source=tests/cli/lib-terminal.sh
. "$TESTS_DIR/lib-terminal.sh"
test_cleanup_hook='tmux -S "$TERMINAL" kill-server 2>/dev/null; kill "$(cat "$TRASH/attacker.pid" 2>/dev/null)" 2>/dev/null; for n in $(lima_names); do limactl delete -f "$n" >/dev/null 2>&1; done'

# 90 s: longer than bounded's 60, so that a hang shows as a timeout, not as this.
TERMINAL_WAIT=90 TERMINAL_HISTORY=200

# attack LINE: the agent starts, in the guest, a process that runs LINE on
# its status file ($1) every 0.1 s for 20 s, then exits 3. The run must end
# in time (its keeper too), with no 'out of memory' anywhere, with 3 or, once
# the status is replaced, 129 (no status), and leave nothing.
attack() {
	rm -f "$TRASH/attacker.pid" &&
	type_line "clear; \"$TRASH/bounded\" \"$SBX\" run --tmux; echo \"run exited \$?\"" &&
	type_line "f=~/.cache/sbx-tmux/\$(tmux display -p \"#S\").status; setsid sh -c 'echo \$\$ >\"$TRASH/attacker.pid\"; for i in \$(seq 200); do $1; sleep 0.1; done' sbx-attack \"\$f\" </dev/null >/dev/null 2>&1 & sleep 0.5; exit 3" &&
	wait_for "^run exited" &&
	! grep "out of memory" screen &&
	test_grep -E "^run exited (3|129)$" screen &&
	test_wait_for "test -z \"\$(lima_sessions)\"" &&
	test_nothing_left &&
	! grep -r "out of memory" "$STATE/logs"
	attack_code=$?
	kill "$(cat "$TRASH/attacker.pid")" 2>/dev/null
	return $attack_code
}

test_expect_success 'setup: a template and a terminal' '
	"$SBX" setup 2>err &&
	open_terminal 150 40
'

test_expect_success 'a status that links to /dev/zero is not read without bound' '
	attack "ln -sf /dev/zero \"\$1\""
'

test_expect_success 'a FIFO in its place does not hold sbx' '
	attack "rm -f \"\$1\"; mkfifo \"\$1\""
'

test_expect_success 'nor does a 20 GB one' '
	attack "rm -f \"\$1\"; truncate -s 20G \"\$1\""
'

test_expect_success 'a mount from the project that the sandbox made a link: refused before Lima follows it' '
	mkdir -p shared "$HOME/.ssh" && echo data >shared/f &&
	bounded "$SBX" shell --mount "$(pwd -P)/shared:/opt/shared:ro" -- true &&
	"$SBX" shell -- sh -c "rm -r shared && ln -s \"$HOME/.ssh\" shared" &&
	test_must_fail bounded "$SBX" shell --mount "$(pwd -P)/shared:/opt/shared:ro" -- true 2>err &&
	test_grep "cannot mount .*/proj/shared.: it goes through a symbolic link in .*/proj., which the sandbox can write; remove the link" err &&
	rm shared &&
	test_nothing_left
'

test_expect_success 'an honest agent'"'"'s status still comes through' '
	type_line "clear; \"$TRASH/bounded\" \"$SBX\" run --tmux; echo \"run exited \$?\"" &&
	type_line "exit 7" &&
	wait_for "^run exited" &&
	test_grep "^run exited 7" screen &&
	test_nothing_left &&
	tmux -S "$TERMINAL" kill-server
'

test_done
