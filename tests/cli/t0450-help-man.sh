#!/bin/sh
# The manual agrees with sbx, as git's t0450 checks: each command's usage
# lines in `sbx help CMD` are the SYNOPSIS of its section in sbx(1), every
# command has one section and every section a command; each option a
# command's help lists is in its section. (That sbx.json(5) names every key
# of the configuration is tests/unit/t-config-man.c.) And both pages render
# without a warning.
. "$(dirname "$0")/lib.sh"

MAN1="$SRC_DIR/share/man/sbx.1.scd"
"$SBX" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' >commands

# usage_of CMD: the usage lines of `sbx help CMD`, without "usage:".
usage_of() {
	"$SBX" help "$1" | sed -n '1,/^$/p' | sed -e '/^$/d' -e 's/^usage: //' -e 's/^       //'
}
# synopsis_of CMD: the lines of the first literal block of "## sbx CMD" in sbx(1).
synopsis_of() {
	awk -v want="## sbx $1" '
		$0 == want { inside = 1; next }
		inside && /^## / { exit }
		inside && /^```/ { if (block) exit; block = 1; next }
		block { print }
	' "$MAN1"
}

test_expect_success 'every command'"'"'s usage lines are its SYNOPSIS in sbx(1)' '
	test -s commands &&
	while read -r c; do
		{ usage_of "$c" >usage && synopsis_of "$c" >synopsis; } || return 1
		if ! cmp -s usage synopsis; then
			echo "sbx $c: sbx help vs sbx(1):" >&2
			diff usage synopsis >&2
			return 1
		fi
	done <commands
'

test_expect_success 'sbx(1) has a section for each command and for nothing else' '
	sed -n "s/^## sbx \([a-z-]*\)$/\1/p" "$MAN1" | sort >sections &&
	sort commands >expected &&
	cmp expected sections
'

test_expect_success 'each option a command'"'"'s help lists is described in its section' '
	while read -r c; do
		"$SBX" help "$c" | sed -n "/^options:/,\$p" |
			sed -n "s/^  \(-., \)\{0,1\} *\(--[a-z-]*\).*/\2/p" >options
		# The section without its SYNOPSIS block.
		awk -v want="## sbx $c" "\$0 == want { on = 1; next } on && /^#/ { exit }
			on && /^\\\`\\\`\\\`/ { block = !block; next } on && !block" "$MAN1" >section
		while read -r o; do
			grep -q -e "$o" section || {
				echo "sbx $c: $o is not in its section of sbx(1)" >&2
				return 1
			}
		done <options || return 1
	done <commands
'

if command -v scdoc >/dev/null 2>&1 && command -v man >/dev/null 2>&1; then
	test_expect_success 'make builds both pages; man -l renders them without a warning' '
		test -s "$SBX_BUILD/man/sbx.1" &&
		test -s "$SBX_BUILD/man/sbx.json.5" &&
		for page in sbx.1 sbx.json.5; do
			MANWIDTH=80 man --warnings -l "$SBX_BUILD/man/$page" 2>warnings >rendered &&
			test_line_count warnings 0 &&
			test_grep "^NAME" rendered &&
			test_grep "^SYNOPSIS" rendered &&
			test_grep "^DESCRIPTION" rendered || return 1
		done &&
		MANWIDTH=80 man -l "$SBX_BUILD/man/sbx.1" 2>/dev/null >rendered &&
		test_grep "^EXIT STATUS" rendered
	'
else
	test_skip 'make builds both pages; man -l renders them without a warning' \
		'scdoc or man is not installed'
fi

test_done
