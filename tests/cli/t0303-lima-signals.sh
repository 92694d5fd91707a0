#!/bin/sh
# Ctrl-C, SIGTERM and SIGHUP sent to `sbx run` while the agent runs delete
# the clone before sbx dies of the signal; eight runs at once in one project
# get eight clones and leave none.
. "$(dirname "$0")/lib-lima.sh"

test_expect_success 'setup' '
	cd proj &&
	"$SBX" setup 2>err
'

for sig in INT:130 TERM:143 HUP:129; do
	code=${sig#*:} sig=${sig%:*}
	test_expect_success "SIG$sig to sbx while the agent runs deletes the clone; sbx dies of it" "
		kill_run $sig &&
		echo $code >expect &&
		cmp expect \"\$TRASH/code\" &&
		s=\$(cat \"\$TRASH/sessions\") &&
		test_grep '\"delete\", \"--tty=false\", \"-f\", \"'\"\$s\"'\"' \"\$FAKE_LIMACTL_LOG\" &&
		test_nothing_left &&
		stop_probe
	"
done

# Starts sbx run (agent sleeping) in a session of its own, so that its whole
# process group can be signalled as timeout(1) does; waits for the agent.
start_own_group() {
	stop_probe
	echo 20 >"$REC/sleep"
	(cd proj && FAKE_LIMACTL_DELAY_DELETE=2 exec setsid "$SBX" run) >"$TRASH/run.out" 2>"$TRASH/run.err" &
	pid=$!
	wait_for "$REC/started"
}

# wait_call CMD: waits until the fake has been asked to run CMD (and has started it).
wait_call() {
	i=0
	until grep "^\[\"$1\"" "$FAKE_LIMACTL_LOG" >/dev/null; do
		i=$((i + 1)) && [ $i -le 200 ] && sleep 0.05 || return 1
	done
	sleep 0.3
}

# Waits until the fake has been asked to delete (the cleanup is under way).
wait_delete() {
	wait_call delete
}

test_expect_success 'two Ctrl-C (SIGINT) in a row: the delete survives the second, no clone left' '
	: >"$FAKE_LIMACTL_LOG" &&
	start_own_group &&
	kill -s INT $pid &&
	wait_delete &&
	kill -s INT -- -$pid &&
	{ wait $pid; echo $? >code; } &&
	echo 130 >expect &&
	cmp expect code &&
	test_nothing_left &&
	stop_probe
'

test_expect_success 'SIGTERM to sbx, then to its whole process group (timeout(1)): no clone left' '
	: >"$FAKE_LIMACTL_LOG" &&
	start_own_group &&
	kill -s TERM $pid &&
	wait_delete &&
	kill -s TERM -- -$pid &&
	{ wait $pid; echo $? >code; } &&
	echo 143 >expect &&
	cmp expect code &&
	test_nothing_left &&
	stop_probe
'

test_expect_success 'a signal while the clone starts deletes it too' '
	stop_probe &&
	(cd proj && FAKE_LIMACTL_DELAY_START=3 exec "$SBX" run) 2>"$TRASH/run.err" &
	pid=$! &&
	i=0 &&
	until lima_sessions | grep . >/dev/null; do
		i=$((i + 1)) && [ $i -le 200 ] && sleep 0.05 || return 1
	done &&
	sleep 0.3 &&
	kill -s TERM $pid &&
	{ wait $pid; echo $? >code; } &&
	echo 143 >expect &&
	cmp expect code &&
	test_must_fail test -f "$REC/started" &&
	test_nothing_left
'

test_expect_success 'eight runs at once: eight distinct clones, none left' '
	: >"$FAKE_LIMACTL_LOG" &&
	for i in 1 2 3 4 5 6 7 8; do
		(cd proj && exec "$SBX" run -- "$i") >"out.$i" 2>"err.$i" &
		echo $! >>pids
	done &&
	for p in $(cat pids); do
		wait "$p" || { echo "run $p failed:" >&2; cat err.* >&2; return 1; }
	done &&
	sed -n "s/^\[\"clone\", \"--tty=false\", \"[^\"]*\", \"\([^\"]*\)\".*/\1/p" \
		"$FAKE_LIMACTL_LOG" | sort -u >clones &&
	test_line_count clones 8 &&
	test_nothing_left
'

test_expect_success 'a signal during a setup step says the build was interrupted, not how limactl exited' '
	cd proj &&
	: >"$FAKE_LIMACTL_LOG" &&
	(FAKE_LIMACTL_DELAY_CREATE=10 exec "$SBX" setup --force) 2>"$TRASH/setup.err" &
	pid=$! &&
	wait_call create &&
	kill -s TERM $pid &&
	{ wait $pid; echo $? >code; } &&
	echo 143 >expect &&
	cmp expect code &&
	test_grep "^sbx setup: cannot build the template .sbx-proj-[0-9a-f]*.: step 1/5 (create): interrupted by signal 15 (Terminated)\$" "$TRASH/setup.err" &&
	! grep "exit 143" "$TRASH/setup.err"
'

test_done
