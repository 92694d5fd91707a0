#!/bin/sh
# sbx run and sbx shell on the Lima backend: ephemeral clones that leave
# nothing behind, the persistent VM, arguments and paths byte for byte, the
# environment and secrets, exit codes, and every failing limactl step.
. "$(dirname "$0")/lib-lima.sh"

test_expect_success 'setup' '
	cd proj &&
	"$SBX" setup 2>err
'

test_expect_success 'run: clone --start, the agent in the project, delete; nothing left' '
	cd proj &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run -- one "two words" 2>err &&
	test_line_count err 0 &&
	printf "%s\0" one "two words" >expect &&
	cmp expect "$REC/argv" &&
	echo "$TRASH/proj" >expect &&
	cmp expect "$REC/cwd" &&
	test_grep "^\[\"clone\", \"--tty=false\", \"sbx-proj-[0-9a-f]\{6\}\", \"sbx-proj-[0-9a-f]\{6\}-[0-9a-z]\{5\}\", \"--start\", \"--set\", \".mounts = \[{\\\\\"location\\\\\":\\\\\"$TRASH/proj\\\\\"" "$FAKE_LIMACTL_LOG" &&
	sed "s/\", .*//; s/^\[\"//" "$FAKE_LIMACTL_LOG" >calls &&
	printf "%s\n" clone shell shell delete >expect &&
	cmp expect calls &&
	test_nothing_left
'

test_expect_success 'the exit code is the agent'"'"'s' '
	cd proj &&
	echo 42 >"$REC/exit" &&
	test_expect_code 42 "$SBX" run &&
	echo 125 >"$REC/exit" &&
	test_expect_code 125 "$SBX" run &&
	rm "$REC/exit" &&
	test_nothing_left
'

test_expect_success 'hard arguments and a hard project path reach the agent byte for byte' '
	nl="
" &&
	dir="$TRASH/-a dir '"'"'q'"'"' \"dq\" \$(echo x) \`echo y\` é ü${nl}line2" &&
	mkdir -p "$dir" &&
	cd "$dir" &&
	"$SBX" run -- "-n" "a  b" "'"'"'" "\"" "\$(touch pwned)" "\`touch pwned2\`" \
		"x${nl}y" "é ✓" "\$HOME" "*" "" "a=b" "--" 2>err &&
	printf "%s\0" "-n" "a  b" "'"'"'" "\"" "\$(touch pwned)" "\`touch pwned2\`" \
		"x${nl}y" "é ✓" "\$HOME" "*" "" "a=b" "--" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$REC/argv" &&
	printf "%s\n" "$dir" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$REC/cwd" &&
	test_must_fail ls "$dir"/pwned* "$LIMA_HOME"/*/guest-home/pwned* 2>/dev/null &&
	cd "$TRASH" &&
	test_nothing_left
'

test_expect_success 'shell runs one command the same way; its exit code is the result' '
	cd proj &&
	test_expect_code 7 "$SBX" shell -- sh -c "printf %s \"\$1\" >\"$REC/shell\"; exit 7" sh "a b" &&
	printf "a b" >expect &&
	cmp expect "$REC/shell" &&
	test_nothing_left
'

test_expect_success 'env and secrets reach the agent, never argv, lima.yaml, logs or state' '
	cd proj &&
	cat >.sbx.json <<-\EOF &&
	{"secrets": {"TOKEN": {"command": "printf s3cr3t-value"}}, "env": {"PLAIN": "plain-7781"}}
	EOF
	"$SBX" trust >/dev/null &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run 2>err &&
	rm .sbx.json &&
	printf s3cr3t-value >expect &&
	cmp expect "$REC/token" &&
	test_grep "^PLAIN=plain-7781$" "$REC/env" &&
	"$SBX" run --env "TOKEN=flag-s3cr3t '"'"'q\$x" 2>err &&
	printf "%s" "flag-s3cr3t '"'"'q\$x" >expect &&
	cmp expect "$REC/token" &&
	test_grep "\"shell\", \"--tty=false\", \"--workdir\", \"/\"" "$FAKE_LIMACTL_LOG" &&
	! grep -r -e s3cr3t -e plain-7781 "$FAKE_LIMACTL_LOG" "$LIMA_HOME" "$STATE" &&
	sed -n "s|.*\"\(/dev/shm/sbx-env\.[A-Za-z0-9]*\)\".*|\1|p" "$FAKE_LIMACTL_LOG" >envfiles &&
	test_line_count envfiles 2 &&
	for f in $(cat envfiles); do test_must_fail test -e "$f" || return 1; done &&
	test_nothing_left
'

test_expect_success 'runtime scripts run first, in the same shell' '
	cd proj &&
	mkdir -p .sbx &&
	echo "export FROM_RUNTIME=yes-1" >.sbx/runtime.sh &&
	"$SBX" run &&
	test_grep "^FROM_RUNTIME=yes-1$" "$REC/env" &&
	rm -r .sbx
'

test_expect_success '--mount reaches the clone'"'"'s lima.yaml; -A forwards the ssh agent' '
	cd proj &&
	mkdir -p "$TRASH/extra" &&
	: >"$FAKE_LIMACTL_LOG" &&
	test_socket "$TRASH/dead.sock" dead &&
	SSH_AUTH_SOCK="$TRASH/dead.sock" test_expect_code 125 "$SBX" run -A 2>err &&
	test_grep "SSH_AUTH_SOCK) does not answer" err &&
	test_socket "$TRASH/agent.sock" &&
	SSH_AUTH_SOCK="$TRASH/agent.sock" "$SBX" run -A --mount "$TRASH/extra:/mnt/extra:ro" &&
	test_grep "\\\\\"location\\\\\":\\\\\"$TRASH/extra\\\\\",\\\\\"mountPoint\\\\\":\\\\\"/mnt/extra\\\\\",\\\\\"writable\\\\\":false" "$FAKE_LIMACTL_LOG" &&
	test_grep "\"--set\", \".ssh.forwardAgent = true\"" "$FAKE_LIMACTL_LOG" &&
	test_nothing_left
'

test_expect_success 'a ~/ guest path is in the guest user'"'"'s home (claude'"'"'s transcripts)' '
	cd proj &&
	: >"$FAKE_LIMACTL_LOG" &&
	test_expect_code 127 "$SBX" run --agent claude 2>err &&
	user=$(id -un) &&
	enc=$(printf %s "$TRASH/proj" | tr -c "A-Za-z0-9" -) &&
	test_grep "mountPoint\\\\\":\\\\\"{{.Home}}/.claude/projects/$enc\\\\\"" "$FAKE_LIMACTL_LOG" &&
	grep "\"mountPoint\": \"$LIMA_HOME/sbx-proj-[0-9a-f]*-[0-9a-z]*/guest-home/.claude/projects/$enc\"" "$FAKE_LIMACTL_MOUNTS_LOG" >/dev/null &&
	! grep -e "$user.linux" -e "$user.guest" "$FAKE_LIMACTL_LOG" &&
	test -d "$HOME/.claude/projects/$enc" &&
	test_nothing_left
'

test_expect_success '--keep: first use clones and starts sbx-proj-HASH-keep' '
	cd proj &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run --keep -- first &&
	printf "%s\0" first >expect &&
	cmp expect "$REC/argv" &&
	test_grep "\"clone\", \"--tty=false\", \"sbx-proj-[0-9a-f]*\", \"sbx-proj-[0-9a-f]*-keep\"" "$FAKE_LIMACTL_LOG" &&
	! grep "\"delete\".*-keep" "$FAKE_LIMACTL_LOG" &&
	lima_names | grep -- "-keep$" >keep &&
	test_line_count keep 1 &&
	limactl list --json "$(cat keep)" | test_grep "\"status\":\"Running\"" -
'

test_expect_success '--keep again reuses it: list and shell only' '
	cd proj &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run --keep -- again &&
	printf "%s\0" again >expect &&
	cmp expect "$REC/argv" &&
	sed "s/\", .*//; s/^\[\"//" "$FAKE_LIMACTL_LOG" >calls &&
	# A shell hands over the environment (the proxy'"'"'s variables), one runs the agent.
	printf "%s\n" list shell shell >expect &&
	cmp expect calls
'

test_expect_success '--keep starts it when it was stopped' '
	cd proj &&
	k=$(lima_names | grep -- "-keep$") &&
	limactl stop --tty=false "$k" 2>/dev/null &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" shell --keep -- true &&
	sed "s/\", .*//; s/^\[\"//" "$FAKE_LIMACTL_LOG" >calls &&
	printf "%s\n" list start shell shell >expect &&
	cmp expect calls &&
	limactl list --json "$k" | test_grep "\"status\":\"Running\"" -
'

test_expect_success '"persistent": true in the configuration works as --keep' '
	cd proj &&
	echo "{\"persistent\": true}" >.sbx.json &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run &&
	! grep "\"clone\"" "$FAKE_LIMACTL_LOG" &&
	rm .sbx.json
'

for step in clone:clone start:clone delete:delete; do
	call=${step#*:} step=${step%:*}
	test_expect_success "run with a failing $step: one line naming it, exit 125, nothing left" "
		cd proj &&
		rm -f \"\$REC/started\" &&
		test_expect_code 125 env FAKE_LIMACTL_FAIL=$step \"\$SBX\" run 2>err &&
		test_line_count err 1 &&
		test_grep \"^sbx run: .*limactl $call failed: .*(log: .*/sbx/logs/sbx-proj-.*\\.log)\" err &&
		if [ $step = delete ]; then
			test -f \"\$REC/started\" &&
			test_grep \"left behind for 'sbx prune'\" err &&
			\"\$SBX\" prune >out &&
			test_grep '^removed sbx-proj-' out
		else
			test_must_fail test -f \"\$REC/started\"
		fi &&
		test_nothing_left
	"
done

test_expect_success 'run with a failing shell (handing over the environment): exit 125, nothing left' '
	cd proj &&
	rm -f "$REC/started" &&
	test_expect_code 125 env FAKE_LIMACTL_FAIL=shell "$SBX" run --env K=v 2>err &&
	test_line_count err 1 &&
	test_grep "^sbx run: cannot hand the environment to .sbx-proj-.*: limactl shell failed: \"ssh: connect to host" err &&
	test_grep "(exit 255; log: \|(exit 255) (log: " err &&
	test_must_fail test -f "$REC/started" &&
	test_nothing_left
'

test_expect_success 'a failing shell without environment: limactl'"'"'s 255 with a warning, nothing left' '
	cd proj &&
	test_expect_code 255 env SBX_NETWORK_MODE=none FAKE_LIMACTL_FAIL=shell "$SBX" run 2>err &&
	test_grep "warning: limactl shell exited 255" err &&
	test_nothing_left
'

test_expect_success 'a --mount of a file is refused on Lima in one line, before anything starts' '
	cd proj &&
	echo "{}" >"$TRASH/claude.json" &&
	: >"$FAKE_LIMACTL_LOG" &&
	test_expect_code 125 "$SBX" run --mount "$TRASH/claude.json:~/.claude.json:ro" 2>err &&
	test_line_count err 1 &&
	test_grep "^sbx run: cannot mount .$TRASH/claude.json. on Lima: it is not a directory, and Lima mounts directories only" err &&
	! grep "\"clone\"" "$FAKE_LIMACTL_LOG" &&
	test_nothing_left
'

test_expect_success 'the fake refuses a file mount as Lima does' '
	t=$(lima_names | grep -v -- "-keep$" | head -n 1) &&
	test_expect_code 1 limactl clone --tty=false "$t" filemount \
		--set ".mounts = [{\"location\": \"$TRASH/claude.json\"}]" 2>err &&
	test_grep "refers to a non-directory path" err &&
	limactl delete --tty=false -f filemount 2>/dev/null
'

test_expect_success 'run --agent shell -- CMD runs CMD, as sbx shell -- CMD does' '
	cd proj &&
	test_expect_code 3 "$SBX" run --agent shell -- sh -c "exit 3" &&
	"$SBX" run --agent shell -- true &&
	test_nothing_left
'

test_expect_success 'no VM ever started with the home mounted' '
	test_home_never_mounted
'

test_expect_success 'a failing start of the persistent VM leaves it, stopped' '
	cd proj &&
	k=$(lima_names | grep -- "-keep$") &&
	limactl stop --tty=false "$k" 2>/dev/null &&
	test_expect_code 125 env FAKE_LIMACTL_FAIL=start "$SBX" run --keep 2>err &&
	test_grep "cannot start .$k.: limactl start failed" err &&
	lima_names | grep -- "-keep$"
'

test_expect_success 'a failing first clone of the persistent VM leaves nothing' '
	cd proj &&
	k=$(lima_names | grep -- "-keep$") &&
	"$SBX" rm -f "$k" >/dev/null &&
	test_expect_code 125 env FAKE_LIMACTL_FAIL=clone "$SBX" run --keep 2>err &&
	test_grep "limactl clone failed" err &&
	lima_names >names &&
	! grep -- "-keep$" names &&
	test_must_fail test -f "$STATE/sessions/$k.json"
'

test_done
