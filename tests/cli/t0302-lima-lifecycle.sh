#!/bin/sh
# The Lima backend's life cycle around sessions: ls, stop, rm, prune, and
# the orphans an sbx killed with SIGKILL leaves for the next run or prune.
. "$(dirname "$0")/lib-lima.sh"

# ls_table: each line of `sbx ls --json` as "name backend kind status project owner?".
ls_table() {
	/usr/bin/python3 -c 'import json, sys
for line in sys.stdin:
    e = json.loads(line)
    print(e["name"], e["backend"], e["kind"], e["status"], e.get("project", "-"),
          "owner" if e.get("owner") else "-")'
}

test_expect_success 'setup, and a persistent VM' '
	cd proj &&
	"$SBX" setup 2>err &&
	"$SBX" run --keep &&
	lima_names | grep -- "-keep$" >"$TRASH/keep" &&
	lima_names | grep -v -- "-keep$" >"$TRASH/template" &&
	test_line_count "$TRASH/template" 1
'

test_expect_success 'ls --json: the template and the persistent VM, with kind, status, project' '
	cd proj &&
	"$SBX" ls --json >out &&
	ls_table <out | sort >table &&
	{
		echo "$(cat "$TRASH/keep") lima persistent Running $TRASH/proj -" &&
		echo "$(cat "$TRASH/template") lima template Stopped $TRASH/proj -"
	} | sort >expect &&
	cmp expect table
'

test_expect_success 'ls leaves out instances that are not sbx'"'"'s' '
	limactl create --tty=false --name other "$LIMA_HOME/$(cat "$TRASH/template")/lima.yaml" 2>/dev/null &&
	"$SBX" ls --json >out &&
	! grep "\"name\":\"other\"" out &&
	"$SBX" ls >out &&
	test_grep "^NAME " out &&
	! grep "^other " out &&
	limactl delete --tty=false other 2>/dev/null
'

test_expect_success 'stop stops it; stopping it again is fine' '
	k=$(cat "$TRASH/keep") &&
	"$SBX" stop "$k" >out &&
	test_grep "^stopped $k$" out &&
	limactl list --json "$k" | test_grep "\"status\":\"Stopped\"" - &&
	"$SBX" stop "$k" >out &&
	test_grep "^stopped $k$" out
'

test_expect_success 'stop --all stops every running sandbox of sbx' '
	cd proj &&
	"$SBX" run --keep &&
	k=$(cat "$TRASH/keep") &&
	"$SBX" stop --all >out &&
	test_grep "^stopped $k$" out &&
	limactl list --json "$k" | test_grep "\"status\":\"Stopped\"" -
'

test_expect_success 'rm of a running VM refuses without -f; rm -f deletes it and its record' '
	cd proj &&
	"$SBX" run --keep &&
	k=$(cat "$TRASH/keep") &&
	test_expect_code 125 "$SBX" rm "$k" 2>err &&
	test_grep "is running: stop it first" err &&
	test -f "$STATE/sessions/$k.json" &&
	"$SBX" rm -f "$k" >out &&
	test_grep "^deleted $k$" out &&
	lima_names >names &&
	! grep -- "-keep$" names &&
	test_must_fail test -f "$STATE/sessions/$k.json"
'

test_expect_success 'rm of a stopped VM needs no -f' '
	cd proj &&
	"$SBX" run --keep &&
	k=$(cat "$TRASH/keep") &&
	"$SBX" stop "$k" >/dev/null &&
	"$SBX" rm "$k" >out &&
	test_grep "^deleted $k$" out
'

test_expect_success 'SIGKILL leaves a clone and its record; ls shows it without owner' '
	kill_run KILL &&
	echo 137 >expect &&
	cmp expect "$TRASH/code" &&
	s=$(cat "$TRASH/sessions") &&
	test -f "$STATE/sessions/$s.json" &&
	"$SBX" ls --json >out &&
	ls_table <out >table &&
	test_grep "^$s lima session Running $TRASH/proj -$" table &&
	stop_probe
'

test_expect_success 'prune --dry-run names the orphan and deletes nothing' '
	s=$(cat "$TRASH/sessions") &&
	"$SBX" prune --dry-run >out &&
	test_grep "^would remove $s$" out &&
	lima_sessions >now &&
	cmp "$TRASH/sessions" now
'

test_expect_success 'prune deletes the orphan and its record, and keeps persistent VMs' '
	cd proj &&
	"$SBX" run --keep &&
	s=$(cat "$TRASH/sessions") &&
	"$SBX" prune >out &&
	test_grep "^removed $s$" out &&
	test_line_count out 1 &&
	test_nothing_left &&
	lima_names | grep -- "-keep$"
'

test_expect_success 'the next run reaps what a killed sbx left' '
	kill_run KILL &&
	s=$(cat "$TRASH/sessions") &&
	stop_probe &&
	: >"$FAKE_LIMACTL_LOG" &&
	(cd proj && "$SBX" run) &&
	test_grep "\"delete\", \"--tty=false\", \"-f\", \"$s\"" "$FAKE_LIMACTL_LOG" &&
	test_nothing_left
'

test_expect_success 'prune also deletes a session clone that no record owns' '
	t=$(cat "$TRASH/template") &&
	limactl clone --tty=false "$t" "$t-zz9zz" 2>/dev/null &&
	"$SBX" prune >out &&
	test_grep "^removed $t-zz9zz$" out &&
	test_nothing_left &&
	lima_names | grep -x "$t"
'

test_expect_success 'a record whose pid was reused by another process is an orphan' '
	t=$(cat "$TRASH/template") &&
	limactl clone --tty=false "$t" "$t-pid01" 2>/dev/null &&
	printf "{\"name\":\"%s\",\"backend\":\"lima\",\"kind\":\"session\",\"project\":\"%s\",\"pid\":%d,\"start\":\"1\",\"created\":0}\n" \
		"$t-pid01" "$TRASH/proj" $$ >"$STATE/sessions/$t-pid01.json" &&
	"$SBX" prune >out &&
	test_grep "^removed $t-pid01$" out &&
	test_nothing_left
'

test_expect_success 'prune with nothing to do says nothing' '
	"$SBX" prune >out &&
	test_line_count out 0
'

test_done
