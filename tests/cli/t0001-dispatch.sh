#!/bin/sh
# The multi-call binary: command table, help, version, links, usage errors.
. "$(dirname "$0")/lib.sh"

test_expect_success 'sbx --version names sbx and its libraries' '
	"$SBX" --version >out &&
	test_grep "^sbx [0-9][0-9.]* (libgit2 [0-9.]*, cJSON [0-9.]*, nettle [0-9.]*)$" out
'

test_expect_success 'sbx --help lists every command of the table' '
	"$SBX" --help >out &&
	for c in run shell setup ls stop rm prune attach doctor config hook notify wt \
		 plugins login logout completion init help version; do
		test_grep "^  $c " out || return 1
	done
'

test_expect_success 'sbx with no command prints help and exits 2' '
	test_expect_code 2 "$SBX" >out &&
	test_grep "^usage: sbx" out
'

test_expect_success 'sbx help CMD and sbx CMD --help print the same text' '
	"$SBX" help run >a &&
	"$SBX" run --help >b &&
	cmp a b &&
	test_grep "^usage: sbx run " a &&
	test_grep -- "--agent A" a
'

test_expect_success 'an unknown command exits 2 with one line naming the nearest' '
	test_expect_code 2 "$SBX" rn 2>err &&
	test_line_count err 1 &&
	test_grep "unknown command .rn. (did you mean .run.?)" err
'

test_expect_success 'a command nothing resembles gets no suggestion' '
	test_expect_code 2 "$SBX" zzzzzzzzz 2>err &&
	test_line_count err 1 &&
	test_grep "see .sbx --help." err
'

test_expect_success 'an unknown flag exits 2 naming the nearest flag' '
	test_expect_code 2 "$SBX" run --kep 2>err &&
	test_line_count err 1 &&
	test_grep "sbx run: unknown option .--kep. (did you mean .--keep.?)" err
'

test_expect_success 'an unknown short flag exits 2' '
	test_expect_code 2 "$SBX" ls -z 2>err &&
	test_grep "sbx ls: unknown option .-z." err
'

test_expect_success 'a value option without its value exits 2' '
	test_expect_code 2 "$SBX" run --agent 2>err &&
	test_grep "needs a value" err
'

test_expect_success 'a flag given a value exits 2' '
	test_expect_code 2 "$SBX" ls --json=yes 2>err &&
	test_grep "takes no value" err
'

test_expect_success 'an unknown global option exits 2' '
	test_expect_code 2 "$SBX" --frobnicate 2>err &&
	test_grep "unknown option" err
'

test_expect_success 'sbx help of an unknown command exits 2' '
	test_expect_code 2 "$SBX" help nope 2>err &&
	test_grep "no such command" err
'

for link in run hook notify wt; do
	test_expect_success "a link named sbx-$link behaves as sbx $link" "
		mkdir -p links &&
		ln -sf \"\$SBX\" links/sbx-$link &&
		links/sbx-$link --help >a &&
		\"\$SBX\" $link --help >b &&
		cmp a b
	"
done

test_expect_success 'a link with an unknown command name acts as sbx itself' '
	mkdir -p links &&
	ln -sf "$SBX" links/sbx-bogus &&
	links/sbx-bogus --version >out &&
	test_grep "^sbx " out
'

test_expect_success 'writing to a full device is an error, not success' '
	if [ -w /dev/full ]; then
		test_must_fail "$SBX" --help >/dev/full
	fi
'

test_done
