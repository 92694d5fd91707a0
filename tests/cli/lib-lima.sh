# shellcheck shell=sh
# Shared by the Lima backend's tests (t03NN-lima-*.sh): the fake limactl,
# a configuration choosing lima, a probe agent that records what reached it,
# and helpers to look at Lima's instances and sbx's records.
. "$(dirname "$0")/lib.sh"

# Tests and CI run as root, which limactl (and so the fake) refuses unless told.
export FAKE_LIMACTL_ALLOW_ROOT=1 FAKE_LIMACTL_SKIP_PROVISION=1
export FAKE_LIMACTL_LOG="$TRASH/limactl.log"
# What each start of a VM mounted (test_home_never_mounted).
export FAKE_LIMACTL_MOUNTS_LOG="$TRASH/mounts.log"
unset FAKE_LIMACTL_FAIL FAKE_LIMACTL_VERSION FAKE_LIMACTL_RUN_PROVISION SBX_SOURCE_DIR
STATE="$XDG_STATE_HOME/sbx"
REC="$TRASH/rec"
PROBE="$TRASH/probe"
export STATE REC PROBE

# The probe agent runs "in the guest" (on the host, under the fake) and leaves
# what it got in $REC: argv (NUL-separated), cwd, TOKEN's value, its whole
# environment. $REC/exit sets its exit code; $REC/sleep makes it wait (for
# the signal tests), after it has touched $REC/started.
mkdir -p "$REC"
{
	echo '#!/bin/sh'
	echo "rec='$REC'"
	cat <<'EOF'
printf '%s\0' "$@" >"$rec/argv"
pwd >"$rec/cwd"
printf '%s' "${TOKEN-}" >"$rec/token"
env >"$rec/env"
if [ -f "$rec/sleep" ]; then
	sleep "$(cat "$rec/sleep")" &
	echo $! >"$rec/sleep.pid"
	: >"$rec/started"
	wait
else
	: >"$rec/started"
fi
exit "$(cat "$rec/exit" 2>/dev/null || echo 0)"
EOF
} >"$PROBE"
chmod +x "$PROBE"

# The fake's guest is the host: claude's command is one no host has, so that
# a claude installed there (which exits 1 as root) changes no outcome.
mkdir -p "$XDG_CONFIG_HOME/sbx" proj
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{
  "backend": "lima",
  "agents": {"probe": {"command": "$PROBE", "npm": "@example/probe-cli"},
             "claude": {"command": "sbx-test-no-claude"}},
  "agent": "probe"
}
EOF

# The names of Lima's instances, one a line (list --json puts "name" first).
lima_names() {
	limactl list --json 2>/dev/null | sed -n 's/^{"name":"\([^"]*\)".*/\1/p'
}

# The ephemeral clones (sbx-NAME-HASH-RANDOM) that exist.
lima_sessions() {
	lima_names | grep -E -- '-[0-9a-f]{6}-[0-9a-z]{5}$'
}

# Session records of sbx (sessions/NAME.json), one name a line.
sbx_records() {
	for f in "$STATE"/sessions/*.json; do
		[ -e "$f" ] || continue
		f=${f##*/}
		echo "${f%.json}"
	done
}

# Nothing of an ephemeral session is left: no clone, no record.
test_nothing_left() {
	lima_sessions >left &&
	sbx_records | grep -v -- '-keep$' >>left
	if [ -s left ]; then
		echo "left behind:" >&2
		cat left >&2
		return 1
	fi
	return 0
}

# wait_for FILE: up to 10 s for FILE to appear.
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -le 200 ] || { echo "timed out waiting for $1" >&2; return 1; }
		sleep 0.05
	done
}

# kill_run SIG: starts `sbx run` with the agent sleeping, sends SIG to sbx once
# the agent runs (and the clone is listed); leaves the exit code in $TRASH/code.
kill_run() {
	stop_probe
	echo 20 >"$REC/sleep"
	(cd "$TRASH/proj" && exec "$SBX" run) >"$TRASH/run.out" 2>"$TRASH/run.err" &
	pid=$!
	wait_for "$REC/started" || return 1
	lima_sessions >"$TRASH/sessions"
	test_line_count "$TRASH/sessions" 1 || return 1
	kill -s "$1" $pid
	wait $pid
	echo $? >"$TRASH/code"
	rm -f "$REC/sleep"
}

# No VM has started with the home (or a directory above it) mounted; at least one started.
test_home_never_mounted() {
	/usr/bin/python3 - "$FAKE_LIMACTL_MOUNTS_LOG" <<-\EOF
	import json, os, sys
	starts = [json.loads(l) for l in open(sys.argv[1])]
	assert starts, "no VM started"
	for st in starts:
	    home = os.path.realpath(st["home"])
	    for m in st["mounts"]:
	        loc = os.path.realpath(m["location"])
	        assert not (home == loc or home.startswith(loc.rstrip("/") + "/")), (st["name"], m)
	EOF
}

# Ends a probe agent left sleeping by a killed sbx.
stop_probe() {
	[ -f "$REC/sleep.pid" ] && kill "$(cat "$REC/sleep.pid")" 2>/dev/null
	rm -f "$REC/sleep.pid" "$REC/sleep" "$REC/started"
	return 0
}
test_cleanup_hook=stop_probe
