#!/bin/sh
# Every shell file of the project passes shellcheck (where it is installed):
# files ending in .sh or .bash, and any tracked file whose shebang names sh or bash.
. "$(dirname "$0")/lib.sh"

shell_files() {
	git -C "$SRC_DIR" ls-files | while IFS= read -r f; do
		case $f in
		*.sh | *.bash | .ci/run) echo "$f" ;;
		*.md | *.c | *.h | *.json | *.py) ;;
		*) head -n 1 "$SRC_DIR/$f" 2>/dev/null | grep -q '^#!.*[/ ]\(ba\)\{0,1\}sh\b' && echo "$f" ;;
		esac
	done
}

if command -v shellcheck >/dev/null 2>&1; then
	test_expect_success 'shellcheck passes on every shell file' '
		shell_files >files &&
		test -s files &&
		(cd "$SRC_DIR" && xargs shellcheck -x) <files
	'
else
	test_skip 'shellcheck passes on every shell file' 'shellcheck is not installed'
fi

test_done
