#!/bin/sh
# The terminal of a bwrap sandbox: the agent keeps the user's terminal (a
# resize reaches it, Ctrl-C and Ctrl-Z work) but cannot type into it for the
# host shell (TIOCSTI refused by seccomp), gets it back as it was, and the
# tmux client of --tmux runs on a pty of its own that sbx relays. A private
# tmux server of the test plays the user's terminal: its pane is the pty.
. "$(dirname "$0")/lib.sh"

if ! command -v bwrap >/dev/null 2>&1 || ! command -v tmux >/dev/null 2>&1 ||
	! command -v python3 >/dev/null 2>&1; then
	test_skip 'the terminal on bwrap' 'bubblewrap, tmux or python3 is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap SBX_AGENT=shell
mkdir -p proj
cd proj || exit 1
# shellcheck source=tests/cli/lib-terminal.sh
. "$TESTS_DIR/lib-terminal.sh"
test_cleanup_hook='tmux -S "$TERMINAL" kill-server 2>/dev/null; "$SBX" stop --all >/dev/null 2>&1'

# Types "echo INJECT$((40 + 2))" and Enter into its terminal, as an attack on the shell that reads it next.
cat >sti.py <<'PY'
import errno, fcntl, sys, termios
try:
    for c in "echo INJECT$((40 + 2))\n":
        fcntl.ioctl(0, termios.TIOCSTI, c.encode())
    print("typed")
except OSError as e:
    print("refused", errno.errorcode.get(e.errno, e.errno))
PY
# How many bytes of whole lines wait in the terminal's input queue.
cat >queue.py <<'PY'
import fcntl, struct, termios
print("queued", struct.unpack("i", fcntl.ioctl(0, termios.FIONREAD, b"\0\0\0\0"))[0])
PY

resize() {
	tmux -S "$TERMINAL" resize-window -x "$1" -y "$2"
}
# wait_file FILE: until FILE exists and is not empty (15 s at most).
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	test -s "$1" || { echo "'$1' was never written" >&2; return 1; }
}

open_terminal 100 30

# Whether TIOCSTI types into a terminal here at all: the kernel may refuse it
# to everyone (dev.tty.legacy_tiocsti=0), and then nothing can be shown.
tiocsti=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo unknown)
if [ "$tiocsti" = 0 ]; then
	can_type="dev.tty.legacy_tiocsti is 0: no process can use TIOCSTI here"
else
	type_line "clear; python3 sti.py >control.out; python3 queue.py >control-queue.out"
	wait_file control-queue.out
	if grep -q typed control.out && ! grep -q "queued 0" control-queue.out; then
		wait_for "INJECT42"
		can_type=
	else
		can_type="TIOCSTI does not type into a terminal here ($(cat control.out))"
	fi
fi

if [ -n "$can_type" ]; then
	test_skip 'run: TIOCSTI inside leaves nothing for the host shell' "could not test: $can_type"
else
	test_expect_success 'run: TIOCSTI inside is refused and leaves nothing for the host shell' '
		type_line "clear; \"\$SBX\" shell -- python3 sti.py >sti.out; python3 queue.py >queue.out" &&
		wait_file queue.out &&
		test_grep "^refused EPERM" sti.out &&
		test_grep "^queued 0$" queue.out &&
		sleep 0.5 &&
		tmux -S "$TERMINAL" capture-pane -p >screen &&
		! grep "INJECT42" screen
	'
fi

# An i386 program makes its syscalls through another ABI: the filter has rules for it too.
cat >sti32.s <<'ASM'
	.globl _start
	.text
_start:
	movl $54, %eax
	xorl %ebx, %ebx
	movl $0x5412, %ecx
	movl $ch, %edx
	int $0x80
	movl %eax, %ebx
	negl %ebx
	movl $1, %eax
	int $0x80
	.data
ch:	.byte 'X'
ASM
i386=0
if as --32 -o sti32.o sti32.s 2>/dev/null && ld -m elf_i386 -o sti32 sti32.o 2>/dev/null; then
	# On /dev/null: ENOTTY (25). A kernel without i386 emulation cannot even start it.
	(./sti32 </dev/null) 2>/dev/null
	i386=$?
fi
if [ $i386 = 0 ]; then
	test_skip 'an i386 program: TIOCSTI refused' 'could not test: binutils cannot make an i386 program'
elif [ $i386 -ge 126 ]; then
	test_skip 'an i386 program: TIOCSTI refused' 'could not test: this kernel runs no i386 programs'
elif [ -n "$can_type" ]; then
	test_skip 'an i386 program: TIOCSTI refused' "could not test: $can_type"
else
	test_expect_success 'an i386 program: TIOCSTI refused (exit 1: EPERM)' '
		type_line "clear; \"\$SBX\" shell -- ./sti32; echo \"i386 exit \$?\"; python3 queue.py >queue32.out" &&
		wait_for "^i386 exit 1$" &&
		wait_file queue32.out &&
		test_grep "^queued 0$" queue32.out
	'
fi

test_expect_success 'run: a resize of the terminal reaches the agent (SIGWINCH, stty size)' '
	resize 100 30 &&
	type_line "clear; \"\$SBX\" shell -- sh -c '"'"'echo \"before \$(stty size)\"; trap \"echo after \\\$(stty size); exit 0\" WINCH; while :; do sleep 0.1; done'"'"'; echo \"shell exited \$?\"" &&
	wait_for "^before 30 100" &&
	resize 120 40 &&
	wait_for "^after 40 120" &&
	wait_for "^shell exited 0"
'

test_expect_success 'run: Ctrl-C reaches the agent as SIGINT' '
	type_line "clear; \"\$SBX\" shell -- sh -c '"'"'trap \"echo got-int; exit 3\" INT; echo waiting-for-int; while :; do sleep 0.1; done'"'"'; echo \"shell exited \$?\"" &&
	wait_for "^waiting-for-int" &&
	tmux -S "$TERMINAL" send-keys C-c &&
	wait_for "got-int" &&
	wait_for "^shell exited 3"
'

test_expect_success 'run: Ctrl-Z stops the sandbox and fg goes on, as on the host' '
	type_line "clear; \"\$SBX\" shell -- sh -c '"'"'echo waiting-for-a-line; read line; echo \"read \$line\"'"'"'" &&
	wait_for "^waiting-for-a-line" &&
	tmux -S "$TERMINAL" send-keys C-z &&
	wait_for "Stopped" &&
	type_line "fg" &&
	type_line "resumed-line" &&
	wait_for "^read resumed-line" &&
	type_line "echo \"shell back \$((40 + 2))\"" &&
	wait_for "shell back 42$"
'

test_expect_success 'the terminal gets its settings back, whatever the agent left' '
	type_line "clear; stty -a | tr -s \"; \" \"\\\\n\" | grep -x -e echo -e -echo -e icanon -e -icanon >stty-before" &&
	wait_file stty-before &&
	type_line "\"\$SBX\" shell -- stty -echo -icanon; stty -a | tr -s \"; \" \"\\\\n\" | grep -x -e echo -e -echo -e icanon -e -icanon >stty-after" &&
	wait_file stty-after &&
	diff stty-before stty-after &&
	printf "icanon\necho\n" >want &&
	diff want stty-after
'

test_expect_success 'the sandbox cannot put programs where sbx runs them (a read-only root)' '
	test_must_fail "$SBX" shell -- touch /opt/sbx/bin/tmux 2>err &&
	test_grep "Read-only file system" err &&
	test_must_fail "$SBX" shell -- mkdir /usr2 2>err &&
	"$SBX" shell -- sh -c "touch /tmp/x ~/x /run/sbx/x && echo writable" >out &&
	test_grep "^writable$" out
'

# in_pane LINE PATTERN: types LINE until the pane shows PATTERN: what is typed
# before the pane's shell reads (a slow start) may not reach it.
in_pane() {
	for _ in 1 2 3 4 5 6; do
		type_line "$1"
		(TERMINAL_WAIT=5 && wait_for "$2" 2>/dev/null) && return 0
	done
	wait_for "$2"
}

test_expect_success 'tmux: the client runs under the filter, in the sandbox'"'"'s cgroup' '
	type_line "clear; \"\$SBX\" run --tmux; python3 queue.py >queue-tmux.out" &&
	in_pane "echo in-tmux-\$((2 * 3))" "^in-tmux-6" &&
	type_line "c=\$(pgrep -f \"tmux -S /run/sbx/tmux/sock attach\"); grep Seccomp: /proc/\$c/status >client.out; cut -d: -f2- /proc/\$c/cgroup | sort -u >>client.out" &&
	wait_file client.out &&
	test_grep "^Seccomp:	2$" client.out &&
	test_grep "^pids:/$" client.out &&
	test_grep "^memory:/$" client.out
'

if [ -n "$can_type" ]; then
	test_skip 'tmux: detach-client -E cannot type into the terminal' "could not test: $can_type"
else
	test_expect_success 'tmux: detach-client -E cannot type into the terminal' '
		type_line "tmux detach-client -E \"python3 \$PWD/sti.py >\$PWD/sti-client.out\"" &&
		wait_file queue-tmux.out &&
		test_grep "^refused EPERM" sti-client.out &&
		test_grep "^queued 0$" queue-tmux.out &&
		sleep 0.5 &&
		tmux -S "$TERMINAL" capture-pane -p >screen &&
		! grep "INJECT42" screen
	'
fi
"$SBX" stop --all >/dev/null 2>&1

test_expect_success 'tmux: a resize of the terminal reaches the pane' '
	resize 100 30 &&
	type_line "clear; \"\$SBX\" run --tmux; echo \"run exited \$?\"" &&
	type_line "echo \"pane \$(stty size)\"" &&
	wait_for "^pane 29 100" &&
	resize 120 40 &&
	sleep 0.5 &&
	type_line "clear; echo \"pane \$(stty size)\"" &&
	wait_for "^pane 39 120" &&
	type_line "exit 0" &&
	wait_for "^run exited 0"
'

test_done
