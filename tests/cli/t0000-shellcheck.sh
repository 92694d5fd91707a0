#!/bin/sh
# Every shell file of the project passes shellcheck (where it is installed).
. "$(dirname "$0")/lib.sh"

if command -v shellcheck >/dev/null 2>&1; then
	test_expect_success 'shellcheck passes on every shell file' '
		cd "$SRC_DIR" &&
		files=$(git ls-files -- "*.sh" ".ci/run" "tests/fakes/*" "share/*.bash" \
			"completions/*.bash" 2>/dev/null) &&
		[ -n "$files" ] &&
		shellcheck -x $files
	'
else
	test_skip 'shellcheck passes on every shell file' 'shellcheck is not installed'
fi

test_done
