# shellcheck shell=sh
# A terminal for the tests that need one: the test's own tmux server plays
# the user's terminal (send-keys types, capture-pane reads). TERMINAL is its
# socket. wait_for waits TERMINAL_WAIT seconds (15 unless set) and reads the
# screen with TERMINAL_HISTORY lines above it (100 unless set; 0 for what is
# redrawn in place, where older lines would still match).
TERMINAL="$TRASH/terminal.sock"
export TERMINAL

# open_terminal COLUMNS LINES: a new terminal with a shell, prompt "host$ ".
open_terminal() {
	tmux -S "$TERMINAL" -f /dev/null new-session -d -x "$1" -y "$2" "PS1='host\$ ' sh" &&
	tmux -S "$TERMINAL" set-option -g remain-on-exit off >/dev/null
}
close_terminal() {
	tmux -S "$TERMINAL" kill-server
}
type_line() {
	tmux -S "$TERMINAL" send-keys "$1" Enter
}
# wait_for PATTERN: until the terminal shows a line matching it (in ./screen).
# Lines are as the screen has them: a long typed command wraps (-J would also
# join the lines a full-screen program inside fills to the edge).
wait_for() {
	i=0
	while [ $i -lt $((${TERMINAL_WAIT:-15} * 10)) ]; do
		tmux -S "$TERMINAL" capture-pane -p -S "-${TERMINAL_HISTORY:-100}" >screen 2>/dev/null &&
		grep -q -- "$1" screen && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "the terminal never showed '$1':" >&2
	cat screen >&2
	return 1
}
# session: the one run in tmux that sbx ls lists.
session() {
	"$SBX" ls --json | sed -n 's/.*"name":"\([^"]*\)".*"tmux":"[a-z]*".*/\1/p'
}
