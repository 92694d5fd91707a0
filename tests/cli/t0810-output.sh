#!/bin/sh
# Output conventions: colour only on a terminal and never with NO_COLOR;
# --json on every listing, one object per line; -q and -v before the command
# or among its options.
. "$(dirname "$0")/lib.sh"

unset NO_COLOR
export TERM=xterm SBX_BACKEND=bwrap SBX_AGENT=shell
mkdir -p proj
cd proj || exit 1
ESC=$(printf '\033')
export ESC

# on_tty CMD...: runs CMD on a pseudo-terminal (script(1)), its output in tty.out.
on_tty() {
	script -qec "$*" /dev/null >tty.out 2>&1 </dev/null
}

if command -v script >/dev/null 2>&1; then
	test_expect_success 'doctor: colour on a terminal' '
		on_tty "\"$SBX\" doctor" ;
		test_grep "${ESC}\[32mok${ESC}\[m" tty.out
	'

	test_expect_success 'no colour with NO_COLOR, with TERM=dumb, or into a pipe' '
		on_tty "NO_COLOR=1 \"$SBX\" doctor" ;
		! grep "$ESC" tty.out &&
		on_tty "TERM=dumb \"$SBX\" doctor" ;
		! grep "$ESC" tty.out &&
		"$SBX" doctor >out ;
		test_grep "^ok " out &&
		! grep "$ESC" out
	'

	if command -v bwrap >/dev/null 2>&1; then
		test_expect_success 'ls: the status in colour on a terminal only' '
			"$SBX" setup 2>/dev/null &&
			on_tty "\"$SBX\" ls" &&
			test_grep "${ESC}\[32mReady${ESC}\[m" tty.out &&
			"$SBX" ls >out &&
			test_grep " Ready " out &&
			! grep "$ESC" out
		'
	fi
else
	test_skip 'colour on a terminal' 'script(1) is not installed'
fi

# json_lines FILE: every line is one JSON object.
json_lines() {
	test -s "$1" &&
	/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    assert isinstance(json.loads(line), dict), line
' "$1"
}

test_expect_success 'every listing takes --json: one object per line' '
	git init -q . &&
	"$SBX" ls --json >ls.json &&
	json_lines ls.json &&
	{ "$SBX" doctor --json >doctor.json; true; } &&
	json_lines doctor.json &&
	test_grep "\"level\":\"ok\",\"check\":\"project\"" doctor.json &&
	{ "$SBX" plugins --json >plugins.json; true; } &&
	{ [ ! -s plugins.json ] || json_lines plugins.json; } &&
	git -c user.name=t -c user.email=t@t commit -q --allow-empty -m x &&
	"$SBX" wt ls --json >wt.json &&
	json_lines wt.json &&
	"$SBX" config show --json >config.json &&
	/usr/bin/python3 -c "import json, sys; json.load(open(sys.argv[1]))" config.json
'

if command -v bwrap >/dev/null 2>&1; then
	test_expect_success '-q: no notes, before the command or among its options' '
		"$SBX" setup --force 2>err &&
		test_grep "building template" err &&
		"$SBX" -q setup --force 2>err &&
		test_line_count err 0 &&
		"$SBX" setup --force -q 2>err &&
		test_line_count err 0 &&
		"$SBX" -q shell -- echo result >out 2>err &&
		test "$(cat out)" = result
	'
fi

test_expect_success '-v is accepted everywhere -q is; an unknown global option is refused' '
	"$SBX" -v ls >/dev/null &&
	"$SBX" ls --verbose >/dev/null &&
	"$SBX" --quiet version >/dev/null &&
	test_expect_code 2 "$SBX" -x ls 2>err &&
	test_grep "unknown option" err &&
	"$SBX" --help >out &&
	test_grep "^usage: sbx .*\[-q | -v\] COMMAND" out
'

test_done
