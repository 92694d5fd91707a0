#!/bin/sh
# make install with PREFIX and DESTDIR: the binary, its four links, completions, share/.
. "$(dirname "$0")/lib.sh"

test_expect_success 'make install DESTDIR=... PREFIX=... installs every file' '
	make -s -C "$SRC_DIR" BUILD="$SBX_BUILD" install DESTDIR="$TRASH/dest" PREFIX=/opt/sbx >log 2>&1 &&
	for f in bin/sbx bin/sbx-run bin/sbx-hook bin/sbx-notify bin/sbx-wt lib/sbx/sbx-git.so \
		 share/sbx/src/Makefile share/sbx/src/lib/session.c \
		 share/bash-completion/completions/sbx share/sbx/install-deps.sh; do
		test -e "$TRASH/dest/opt/sbx/$f" || { echo "missing $f"; return 1; }
	done
'

# The paths the README's table under "## Install" lists, one a line.
readme_paths() {
	sed -n "/^## Install/,/^## /p" "$SRC_DIR/README.md" | grep "^| \`" |
		sed "s/^| \([^|]*\)|.*/\1/" | grep -o "\`[^\`]*\`" | tr -d "\`"
}

test_expect_success 'every file the README says make install installs is there' '
	readme_paths >listed &&
	test_line_count listed 17 &&
	while read -r p; do
		case $p in
		share/man/*) command -v scdoc >/dev/null 2>&1 || continue ;;
		esac
		# shellcheck disable=SC2086 # a listed glob (plugins/*.so) expands
		ls -d "$TRASH/dest/opt/sbx/"$p >/dev/null || { echo "missing $p"; return 1; }
	done <listed &&
	cmp "$TRASH/dest/opt/sbx/share/zsh/site-functions/_sbx" "$SRC_DIR/completions/sbx.zsh" &&
	cmp "$TRASH/dest/opt/sbx/share/bash-completion/completions/sbx" "$SRC_DIR/completions/sbx.bash"
'

test_expect_success 'the installed sbx finds its git module' '
	"$TRASH/dest/opt/sbx/bin/sbx" --version >out &&
	test_grep "libgit2 [0-9]" out &&
	mkdir repo && (cd repo && git init -q && "$TRASH/dest/opt/sbx/bin/sbx" config show >out)
'

test_expect_success 'a missing git module is a clear error, not a crash' '
	SBX_GIT_MODULE="$TRASH/nowhere/sbx-git.so" test_expect_code 125 "$TRASH/dest/opt/sbx/bin/sbx" --version 2>err &&
	test_grep "cannot load the git module" err
'

test_expect_success 'the installed links dispatch to their commands' '
	"$TRASH/dest/opt/sbx/bin/sbx-wt" --help >out &&
	test_grep "^usage: sbx wt" out &&
	test -L "$TRASH/dest/opt/sbx/bin/sbx-run"
'

test_expect_success 'bash completion completes commands and flags' '
	bash -c ". \"$TRASH/dest/opt/sbx/share/bash-completion/completions/sbx\" &&
		COMP_WORDS=(\"$SBX\" ru); COMP_CWORD=1; _sbx && echo \"\${COMPREPLY[*]}\"" >out &&
	test "$(cat out)" = run &&
	bash -c ". \"$TRASH/dest/opt/sbx/share/bash-completion/completions/sbx\" &&
		COMP_WORDS=(\"$SBX\" run --ke); COMP_CWORD=2; _sbx && echo \"\${COMPREPLY[*]}\"" >out &&
	test "$(cat out)" = --keep
'

test_expect_success 'make uninstall removes them' '
	make -s -C "$SRC_DIR" BUILD="$SBX_BUILD" uninstall DESTDIR="$TRASH/dest" PREFIX=/opt/sbx >log 2>&1 &&
	! test -e "$TRASH/dest/opt/sbx/bin/sbx" &&
	! test -e "$TRASH/dest/opt/sbx/bin/sbx-run" &&
	find "$TRASH/dest" -type f >left &&
	test_line_count left 0
'

test_done
