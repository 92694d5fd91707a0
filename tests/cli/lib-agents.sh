# shellcheck shell=sh
# Shared by the tests that run the real agents (t0421 Claude Code, t0423 Codex,
# t0424 Gemini CLI) through sbx on the bwrap backend, offline: each agent's npm
# package, installed once into a cache under build/ (SBX_AGENT_CACHE moves
# it); the fake model API (tests/fakes/model-api) on the loopback; a tmux
# server for the interactive runs; helpers to wait for them.
. "$(dirname "$0")/lib.sh"

CACHE_ROOT=${SBX_AGENT_CACHE:-$SRC_DIR/build}
SESSION="sbx-test-agent-$$"
REPLY="sbx-fake-api-says-hello-$$"
export SESSION REPLY

# skip_all REASON
skip_all() {
	test_skip 'the real agent in a fresh bwrap sandbox' "$1"
	test_done
	exit 0
}

# npm_agent DIR PACKAGE BIN: sets AGENT to the cached agent's program, installing
# PACKAGE with npm into CACHE_ROOT/DIR first when it is not there; skips the file
# when that cannot be done here.
npm_agent() {
	CACHE="$CACHE_ROOT/$1"
	AGENT="$CACHE/node_modules/.bin/$3"
	export CACHE AGENT
	command -v bwrap >/dev/null 2>&1 || skip_all 'bubblewrap is not installed'
	command -v tmux >/dev/null 2>&1 || skip_all 'tmux is not installed'
	[ -x /usr/bin/python3 ] || skip_all '/usr/bin/python3 is not installed'
	"$AGENT" --version >/dev/null 2>&1 && return 0
	command -v npm >/dev/null 2>&1 || skip_all 'npm is not installed'
	mkdir -p "$CACHE"
	if ! timeout 600 npm install --prefix "$CACHE" --no-fund --no-audit --loglevel=error "$2" \
		>"$TRASH/npm.log" 2>&1 || ! "$AGENT" --version >/dev/null 2>&1; then
		sed 's/^/# /' "$TRASH/npm.log"
		skip_all "npm could not install $2 (is its registry reachable?)"
	fi
}

# start_api: the fake model API, answering REPLY; sets PORT, logs to $TRASH/api.log.
start_api() {
	"$SRC_DIR/tests/fakes/model-api" "$TRASH/api.port" "$TRASH/api.log" "$REPLY" &
	echo $! >"$TRASH/api.pid"
	test_wait_for "test -s '$TRASH/api.port'" || return 1
	PORT=$(cat "$TRASH/api.port")
	export PORT
}

stop_all() {
	tmux -L "$SESSION" kill-server 2>/dev/null
	[ -f "$TRASH/api.pid" ] && kill "$(cat "$TRASH/api.pid")" 2>/dev/null
	return 0
}
test_cleanup_hook=stop_all

# wait_until SECONDS CMD...: CMD succeeds within SECONDS.
wait_until() {
	n=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

# in_tmux 'COMMAND': runs it in the tmux server's window "agent", 120x40;
# its exit code goes to $TRASH/exit.
in_tmux() {
	rm -f "$TRASH/exit"
	tmux -L "$SESSION" -f /dev/null new-session -d -s agent -x 120 -y 40 \
		"$1; echo \$? >\"$TRASH/exit\""
}

# pane: what the window shows now (also left in $TRASH/pane).
pane() {
	tmux -L "$SESSION" capture-pane -p -t agent >"$TRASH/pane" 2>/dev/null
	cat "$TRASH/pane"
}

# on_screen TEXT: the window shows TEXT now.
on_screen() {
	pane >/dev/null
	grep -q -F -- "$1" "$TRASH/pane"
}

# answered: the agent asked the fake API, and its answer is on the screen.
answered() {
	if ! wait_until 90 grep -q "^POST " "$TRASH/api.log" || ! wait_until 30 on_screen "$REPLY"; then
		echo "the agent did not get to work; its screen:" >&2
		pane >&2
		return 1
	fi
}
