#!/bin/sh
# A bwrap sandbox's resource limits ("resources": pids, memory, cpus): a fork
# loop stops at the limit while the host goes on, too much memory kills the
# sandbox's process, nothing of the sandbox is left after the run, and a
# killed run's cgroup is reaped. Where no cgroup can be made (a user without
# a delegated one: share/cgroup-delegate.sh), the run says so once and doctor
# every time.
. "$(dirname "$0")/lib.sh"

if ! command -v bwrap >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	test_skip 'resource limits on bwrap' 'bubblewrap or python3 is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap SBX_AGENT=shell
# A project name of this run's own: the sandboxes' cgroups are named after it,
# and other runs of sbx on the machine (other tests at once) make theirs beside.
PROJ=lim$$
# What the sandboxes' processes sleep for, to tell them from any other's.
MARK=61.$$
export MARK
mkdir -p "$PROJ"
cd "$PROJ" || exit 1
test_cleanup_hook='"$SBX" stop --all >/dev/null 2>&1'

# Forks children that sleep (a marker in their argv) until a fork fails; says how far it got.
cat >forks.py <<'PY'
import os, sys, time
n = 0
for i in range(int(sys.argv[1])):
    try:
        pid = os.fork()
    except OSError as e:
        print("stopped at", n, "errno", e.errno, flush=True)
        break
    if pid == 0:
        os.execvp("sleep", ["sleep", sys.argv[3]])
    n += 1
else:
    print("never stopped", n, flush=True)
time.sleep(float(sys.argv[2]))
PY

# The directories sbx makes cgroups in: below its own cgroup, or ROOT/sbx from a root one.
bases() {
	awk '/ - cgroup2? / { print $5, $NF }' /proc/self/mountinfo | while read -r mnt opts; do
		for c in pids memory cpu; do
			case ",$opts," in *",$c,"*) ;; *) continue ;; esac
			own=$(awk -F: -v c="$c" '{ n = split($2, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $3 }' /proc/self/cgroup)
			if [ "$own" = / ]; then echo "$mnt/sbx"; else echo "$mnt$own"; fi
		done
	done
}
# The sandbox cgroups (sbx-PROJ-*) sbx made there for this file's runs.
sandbox_cgroups() {
	for b in $(bases); do
		ls -d "$b/sbx-$PROJ-"* 2>/dev/null
	done
}

"$SBX" doctor >doctor.out 2>&1
if grep -q "^warn limits" doctor.out; then
	limited=
else
	limited=yes
fi

if [ -z "$limited" ]; then
	test_expect_success 'no cgroup here: doctor says why, the first run warns, later ones do not' '
		test_grep "limits" doctor.out &&
		test_grep "delegate a cgroup" doctor.out &&
		"$SBX" shell -- true 2>err &&
		test_grep "limits do not hold" err &&
		test_line_count err 1 &&
		"$SBX" shell -- true 2>err &&
		test_line_count err 0 &&
		"$SBX" doctor >doctor.out 2>&1 &&
		test_grep "delegate a cgroup" doctor.out
	'
	test_skip 'the limits themselves' 'could not test: sbx can make no cgroup here (share/cgroup-delegate.sh)'
	test_done
	exit 0
fi

test_expect_success 'doctor names the limits and how they hold' '
	test_grep "limits.*pids 4096, memory [0-9.]*GiB, cpus all (cgroup v[12]" doctor.out
'

test_expect_success 'a fork loop stops at the pids limit while the host goes on' '
	SBX_RESOURCES_PIDS=32 "$SBX" shell -- python3 forks.py 200 3 "$MARK" >forks.out 2>&1 &
	test_wait_for "grep -q stopped forks.out"
	sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do sh -c true || exit 1; done; echo host-ok" >host.out
	wait &&
	test_grep "^host-ok$" host.out &&
	test_grep "^stopped at [0-9]* errno 11$" forks.out &&
	n=$(sed -n "s/^stopped at \([0-9]*\) .*/\1/p" forks.out) &&
	test "$n" -gt 10 && test "$n" -lt 32 &&
	test_wait_for "! pgrep -f \"sleep $MARK\" >/dev/null"
'

test_expect_success 'the limits are on the sandbox'"'"'s cgroup while it runs; it is gone after' '
	mkdir -p "$XDG_CONFIG_HOME/sbx" &&
	echo "{\"resources\": {\"pids\": 77, \"memory\": \"300MiB\"}}" >"$XDG_CONFIG_HOME/sbx/config.json" &&
	"$SBX" shell -- sleep $MARK &
	test_wait_for "pgrep -f \"^sleep $MARK\" >/dev/null" &&
	pid=$(pgrep -n -f "^sleep $MARK") &&
	grep -E ":(pids|memory):" /proc/$pid/cgroup >cg &&
	test_grep "/sbx-" cg &&
	sandbox_cgroups >dirs &&
	test -s dirs &&
	for d in $(cat dirs); do
		if test -e "$d/pids.max"; then test "$(cat "$d/pids.max")" = 77 || exit 1; fi &&
		if test -e "$d/memory.limit_in_bytes"; then test "$(cat "$d/memory.limit_in_bytes")" = 314572800 || exit 1; fi &&
		if test -e "$d/memory.max"; then test "$(cat "$d/memory.max")" = 314572800 || exit 1; fi
	done &&
	kill "$pid" &&
	wait &&
	rm "$XDG_CONFIG_HOME/sbx/config.json" &&
	for d in $(cat dirs); do ! test -e "$d" || exit 1; done
'

test_expect_success 'too much memory kills the sandbox'"'"'s process, not the host'"'"'s' '
	test_expect_code 137 env SBX_RESOURCES_MEMORY=128MiB "$SBX" shell -- \
		python3 -c "b = bytearray(512 << 20); print(len(b))" >out 2>&1 &&
	! grep 536870912 out &&
	"$SBX" shell -- python3 -c "b = bytearray(512 << 20); print(len(b))" >out &&
	test_grep "^536870912$" out
'

if sandbox_dir_cpu=$(bases | grep -m1 "/cpu[,/]"); [ -z "$sandbox_dir_cpu" ]; then
	test_skip 'resources.cpus sets a CPU quota' 'could not test: no cpu controller sbx can use here'
else
	test_expect_success 'resources.cpus sets a CPU quota' '
		SBX_RESOURCES_CPUS=1 "$SBX" shell -- sleep $MARK &
		test_wait_for "pgrep -f \"^sleep $MARK\" >/dev/null" &&
		for f in "$sandbox_dir_cpu/sbx-$PROJ-"*/cpu.cfs_quota_us "$sandbox_dir_cpu/sbx-$PROJ-"*/cpu.max; do
			test ! -e "$f" || cat "$f"
		done >quota &&
		kill "$(pgrep -n -f "^sleep $MARK")" &&
		wait &&
		test_grep "^100000" quota
	'
fi

test_expect_success 'a killed run'"'"'s cgroup is reaped by the next run' '
	"$SBX" shell -- sleep $MARK &
	sbx_pid=$! &&
	test_wait_for "pgrep -f \"^sleep $MARK\" >/dev/null" &&
	sandbox_cgroups >dirs &&
	test -s dirs &&
	kill -KILL "$sbx_pid" &&
	test_wait_for "! pgrep -f \"^sleep $MARK\" >/dev/null" &&
	for d in $(cat dirs); do test -e "$d" || exit 1; done &&
	"$SBX" shell -- true &&
	for d in $(cat dirs); do ! test -e "$d" || exit 1; done
'

test_expect_success 'resources 0 is no limit: no cgroup, no warning' '
	SBX_RESOURCES_PIDS=0 SBX_RESOURCES_MEMORY=0 "$SBX" shell -- sleep $MARK 2>err &
	test_wait_for "pgrep -f \"^sleep $MARK\" >/dev/null" &&
	pid=$(pgrep -n -f "^sleep $MARK") &&
	grep -E ":(pids|memory):" /proc/$pid/cgroup >cg &&
	kill "$pid" &&
	wait &&
	! grep "/sbx-" cg &&
	test_line_count err 0
'

test_done
