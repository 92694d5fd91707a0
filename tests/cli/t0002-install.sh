#!/bin/sh
# make install and uninstall: the binary, its four links, completions, the man
# pages, share/sbx/dist; a manifest of every file install wrote, which is all
# that uninstall (or a later install) removes: with PREFIX=~/.local, share/sbx
# is where sbx keeps your credentials and homes. A PREFIX that changes rebuilds
# what has it compiled in.
. "$(dirname "$0")/lib.sh"

# The build under test is installed as it is, with the PREFIX it was made for
# (DESTDIR stages it): another PREFIX would rebuild part of it.
PREFIX0=$(cat "$SBX_BUILD/prefix" 2>/dev/null || echo /usr/local)
DEST="$TRASH/dest"
ROOT="$DEST$PREFIX0"
export PREFIX0 DEST ROOT

# make_in BUILD ARGS...: make in the source tree with the flags the build under
# test was made with (make asan's, or the defaults), into BUILD.
make_in() {
	b=$1
	shift
	if nm -D "$SBX" 2>/dev/null | grep -q __asan_init; then
		make -s -C "$SRC_DIR" BUILD="$b" OPT="-O1 -g -fno-omit-frame-pointer" \
			SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" "$@"
	else
		make -s -C "$SRC_DIR" BUILD="$b" "$@"
	fi
}

# build_copy DIR: what make install needs of the build under test, so that a
# build for another PREFIX leaves the one the other tests use alone.
build_copy() {
	mkdir -p "$1" &&
	for f in cmd gen lib plugins man libsbx.a sbx sbx-git.so prefix; do
		[ ! -e "$SBX_BUILD/$f" ] || cp -a "$SBX_BUILD/$f" "$1/" || return 1
	done
}

# installed_files DIR: the files and links under DIR, relative to it, sorted.
installed_files() {
	(cd "$1" && find . \( -type f -o -type l \) | sed "s|^\./||" | sort)
}

test_expect_success 'make install DESTDIR=... installs every file' '
	make_in "$SBX_BUILD" install DESTDIR="$DEST" PREFIX="$PREFIX0" >log 2>&1 &&
	for f in bin/sbx bin/sbx-run bin/sbx-hook bin/sbx-notify bin/sbx-wt lib/sbx/sbx-git.so \
		 share/sbx/dist/src/Makefile share/sbx/dist/src/lib/session.c \
		 share/bash-completion/completions/sbx share/sbx/dist/install-deps.sh \
		 share/sbx/dist/manifest; do
		test -e "$ROOT/$f" || { echo "missing $f"; return 1; }
	done
'

# The paths the README's table under "## Install" lists, one a line.
readme_paths() {
	sed -n "/^## Install/,/^## /p" "$SRC_DIR/README.md" | grep "^| \`" |
		sed "s/^| \([^|]*\)|.*/\1/" | grep -o "\`[^\`]*\`" | tr -d "\`"
}

test_expect_success 'every file the README says make install installs is there' '
	readme_paths >listed &&
	test_line_count listed 18 &&
	while read -r p; do
		case $p in
		share/man/*) command -v scdoc >/dev/null 2>&1 || continue ;;
		esac
		# shellcheck disable=SC2086 # a listed glob (plugins/*.so) expands
		ls -d "$ROOT/"$p >/dev/null || { echo "missing $p"; return 1; }
	done <listed &&
	cmp "$ROOT/share/zsh/site-functions/_sbx" "$SRC_DIR/completions/sbx.zsh" &&
	cmp "$ROOT/share/bash-completion/completions/sbx" "$SRC_DIR/completions/sbx.bash"
'

test_expect_success 'the manifest names every file install wrote, and nothing else' '
	installed_files "$ROOT" >wrote &&
	sort "$ROOT/share/sbx/dist/manifest" >manifest &&
	cmp wrote manifest &&
	! grep -e "^/" -e "\.\." manifest
'

test_expect_success 'the installed sbx finds its git module' '
	"$ROOT/bin/sbx" --version >out &&
	test_grep "libgit2 [0-9]" out &&
	mkdir repo && (cd repo && git init -q && "$ROOT/bin/sbx" config show >out)
'

test_expect_success 'a missing git module is a clear error, not a crash' '
	SBX_GIT_MODULE="$TRASH/nowhere/sbx-git.so" test_expect_code 125 "$ROOT/bin/sbx" --version 2>err &&
	test_grep "cannot load the git module" err
'

test_expect_success 'the installed links dispatch to their commands' '
	"$ROOT/bin/sbx-wt" --help >out &&
	test_grep "^usage: sbx wt" out &&
	test -L "$ROOT/bin/sbx-run"
'

test_expect_success 'bash completion completes commands and flags' '
	bash -c ". \"$ROOT/share/bash-completion/completions/sbx\" &&
		COMP_WORDS=(\"$SBX\" ru); COMP_CWORD=1; _sbx && echo \"\${COMPREPLY[*]}\"" >out &&
	test "$(cat out)" = run &&
	bash -c ". \"$ROOT/share/bash-completion/completions/sbx\" &&
		COMP_WORDS=(\"$SBX\" run --ke); COMP_CWORD=2; _sbx && echo \"\${COMPREPLY[*]}\"" >out &&
	test "$(cat out)" = --keep
'

test_expect_success 'install again: what the old manifest names and the new one does not goes, nothing else' '
	mkdir -p "$ROOT/share/sbx/credentials/x" "$ROOT/share/sbx/dist/old" &&
	echo kept >"$ROOT/share/sbx/credentials/x/credentials.json" &&
	echo mine >"$ROOT/share/sbx/dist/not-listed" &&
	echo old >"$ROOT/share/sbx/dist/old/file" &&
	echo share/sbx/dist/old/file >>"$ROOT/share/sbx/dist/manifest" &&
	make_in "$SBX_BUILD" install DESTDIR="$DEST" PREFIX="$PREFIX0" >log 2>&1 &&
	! test -e "$ROOT/share/sbx/dist/old" &&
	test "$(cat "$ROOT/share/sbx/credentials/x/credentials.json")" = kept &&
	test "$(cat "$ROOT/share/sbx/dist/not-listed")" = mine
'

test_expect_success 'make uninstall removes what install wrote, and nothing else' '
	make_in "$SBX_BUILD" uninstall DESTDIR="$DEST" PREFIX="$PREFIX0" >log 2>&1 &&
	installed_files "$DEST" >left &&
	printf "%s\n" "${PREFIX0#/}/share/sbx/credentials/x/credentials.json" \
		"${PREFIX0#/}/share/sbx/dist/not-listed" >expect &&
	cmp expect left &&
	! test -e "$ROOT/lib/sbx" &&
	rm "$ROOT/share/sbx/dist/not-listed" &&
	make_in "$SBX_BUILD" uninstall DESTDIR="$DEST" PREFIX="$PREFIX0" >log 2>&1 &&
	test "$(cat "$ROOT/share/sbx/credentials/x/credentials.json")" = kept
'

test_expect_success 'a build for another PREFIX rebuilds what has it compiled in' '
	build_copy "$TRASH/build" &&
	mkdir -p alone &&
	make_in "$TRASH/build" PREFIX=/opt/sbx-one "$TRASH/build/sbx" >log 2>&1 &&
	cp "$TRASH/build/sbx" alone/sbx &&
	test_expect_code 125 alone/sbx --version 2>err &&
	test_grep "nor in ./opt/sbx-one/lib/sbx.: reinstall sbx" err &&
	make_in "$TRASH/build" PREFIX=/opt/sbx-two "$TRASH/build/sbx" >log 2>&1 &&
	cp "$TRASH/build/sbx" alone/sbx &&
	test_expect_code 125 alone/sbx --version 2>err &&
	test_grep "nor in ./opt/sbx-two/lib/sbx.: reinstall sbx" err
'

# The store as `sbx login` leaves it, through the fake agent (tests/fakes) on
# bwrap where it can run; written as the login writes it elsewhere.
CRED="$XDG_DATA_HOME/sbx/credentials/fake/credentials.json"
login() {
	if command -v bwrap >/dev/null 2>&1; then
		mkdir -p "$XDG_DATA_HOME/sbx/bwrap/tools/bin" "$XDG_CONFIG_HOME/sbx" &&
		cp "$SRC_DIR/tests/fakes/fake-agent" "$XDG_DATA_HOME/sbx/bwrap/tools/bin/" &&
		cat >"$XDG_CONFIG_HOME/sbx/config.json" <<-EOF &&
		{"backend": "bwrap", "notify": {"enabled": false},
		 "agents": {"fake": {"command": "fake-agent", "login": {"args": ["login", "seed-$$"],
		   "files": [".fake/credentials.json"], "token": "FAKE_TOKEN", "tokenPrefix": "fake-tok-"}}}}
		EOF
		"$1" login --agent fake </dev/null >/dev/null 2>&1
	else
		mkdir -p "${CRED%/*}" && echo "{\"env\": {\"FAKE_TOKEN\": \"x\"}}" >"$CRED"
	fi
}

test_expect_success 'with PREFIX=~/.local, uninstall after a login keeps the credentials' '
	test "$XDG_DATA_HOME" = "$HOME/.local/share" &&
	make_in "$TRASH/build" PREFIX="$HOME/.local" install >log 2>&1 &&
	test -x "$HOME/.local/bin/sbx" &&
	mkdir -p proj && (cd proj && login "$HOME/.local/bin/sbx") &&
	test -s "$CRED" &&
	cp "$CRED" cred.before &&
	make_in "$TRASH/build" PREFIX="$HOME/.local" install >log 2>&1 &&
	cmp cred.before "$CRED" &&
	make_in "$TRASH/build" PREFIX="$HOME/.local" uninstall >log 2>&1 &&
	cmp cred.before "$CRED" &&
	! test -e "$HOME/.local/bin/sbx" &&
	! test -e "$HOME/.local/share/sbx/dist" &&
	! test -e "$HOME/.local/lib/sbx"
'

test_done
