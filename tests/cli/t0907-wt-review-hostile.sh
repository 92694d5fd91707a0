#!/bin/sh
# sbx wt diff, log and merge over what a hostile agent wrote: a work tree and
# a branch whose .gitattributes name the filter, textconv and merge drivers
# of the host's git configuration (each would leave a marker), links to host
# files, FIFOs and /dev/zero, hooks in the project, control characters. No
# driver or hook runs on the host, no link is followed out of the work tree
# (a link is diffed, and merged, as a link), nothing blocks or is read
# without a bound, and nothing in the output steers a terminal.
. "$(dirname "$0")/lib-git.sh"
. "$TESTS_DIR/lib-hostile.sh"

OUTSIDE="$TRASH/outside" APP="$TRASH/app" WTS="$TRASH/app.worktrees"
export OUTSIDE APP WTS
mkdir "$OUTSIDE" &&
echo HOST-SECRET-CONTENT >"$OUTSIDE/secret" &&
mkfifo "$OUTSIDE/fifo" &&
echo "*.hidden" >"$OUTSIDE/rules" &&
echo "* binary" >"$OUTSIDE/attrs" &&
make_repo app &&
printf 'one\ntwo\n' >app/data &&
git -C app add data &&
git -C app commit -q -m data &&
(cd app && "$SBX" wt new evil >/dev/null 2>&1) || exit 1

# The host's configuration names drivers that leave a marker when they run;
# the test's own git commands use the configuration without them.
cp "$HOME/.gitconfig" "$TRASH/plain.gitconfig" &&
cat >>"$HOME/.gitconfig" <<EOF || exit 1
[filter "evil"]
	clean = touch '$TRASH/MARK-clean'; cat
	smudge = touch '$TRASH/MARK-smudge'; cat
	process = touch '$TRASH/MARK-process'
	required = true
[diff "evil"]
	textconv = touch '$TRASH/MARK-textconv'; cat
[merge "evil"]
	driver = touch '$TRASH/MARK-merge'; false
EOF
tgit() {
	GIT_CONFIG_GLOBAL="$TRASH/plain.gitconfig" git "$@"
}

# no_marker: no driver or hook has run.
no_marker() {
	! ls "$TRASH"/MARK-* 2>/dev/null
}

test_expect_success 'setup: the agent'"'"'s .gitattributes selects them, and host git runs them' '
	printf "* filter=evil diff=evil merge=evil\n" >"$WTS/evil/.gitattributes" &&
	printf "one\nTWO\n" >"$WTS/evil/data" &&
	git -C "$WTS/evil" diff >/dev/null 2>&1 ;
	ls "$TRASH"/MARK-* >markers &&
	test -s markers &&
	rm -f "$TRASH"/MARK-*
'

test_expect_success 'wt diff and --patch run none of them' '
	(cd app && bounded "$SBX" wt diff evil >../out 2>../err) &&
	test_grep "^ data  *| 2 +-$" out &&
	(cd app && bounded "$SBX" wt diff -p evil >../out 2>../err) &&
	test_grep "^+TWO$" out &&
	no_marker
'

test_expect_success 'a link to a host file is diffed as a link: its target'"'"'s name, never its content' '
	ln -s "$OUTSIDE/secret" "$WTS/evil/leak" &&
	(cd app && bounded "$SBX" wt diff -p evil >../out) &&
	test_grep "^new file mode 120000$" out &&
	test_grep "^+$OUTSIDE/secret$" out &&
	! grep HOST-SECRET-CONTENT out
'

test_expect_success 'links to a FIFO, /dev/zero and a host directory: links, within bounds' '
	ln -s "$OUTSIDE/fifo" "$WTS/evil/to-fifo" &&
	ln -s /dev/zero "$WTS/evil/to-zero" &&
	ln -s "$OUTSIDE" "$WTS/evil/to-dir" &&
	(cd app && bounded "$SBX" wt diff -p evil >../out) &&
	test_grep "^+$OUTSIDE/fifo$" out &&
	test_grep "^+/dev/zero$" out &&
	test_grep "^+$OUTSIDE$" out &&
	! grep -e HOST-SECRET-CONTENT -e "^+\*.hidden" out &&
	no_marker
'

test_expect_success 'FIFOs in the work tree are never opened, a tracked file turned FIFO is gone' '
	mkfifo "$WTS/evil/fifo" &&
	rm "$WTS/evil/README" && mkfifo "$WTS/evil/README" &&
	(cd app && bounded "$SBX" wt diff evil >../out 2>../err) &&
	test_grep "^ README  *| 1 -$" out &&
	! grep " fifo " out &&
	rm "$WTS/evil/README" && tgit -C "$WTS/evil" checkout README
'

test_expect_success '.gitignore and .gitattributes as FIFOs: not opened, said so' '
	mkfifo "$WTS/evil/sub-fifo" &&
	mkdir "$WTS/evil/d" && mkfifo "$WTS/evil/d/.gitignore" "$WTS/evil/d/.gitattributes" &&
	echo x >"$WTS/evil/d/x" &&
	(cd app && bounded "$SBX" wt diff evil >../out 2>../err) &&
	test_grep "cannot read .$WTS/evil/d/.gitignore.: not a regular file: its rules do not apply" err &&
	test_grep "cannot read .$WTS/evil/d/.gitattributes.: not a regular file" err &&
	test_grep "^ d/x  *| 1 +$" out &&
	rm -r "$WTS/evil/d" "$WTS/evil/sub-fifo"
'

test_expect_success '.gitignore and .gitattributes that are links to host files are not read' '
	echo visible >"$WTS/evil/x.hidden" &&
	ln -s "$OUTSIDE/rules" "$WTS/evil/.gitignore" &&
	mkdir "$WTS/evil/bin" &&
	ln -s "$OUTSIDE/attrs" "$WTS/evil/bin/.gitattributes" &&
	printf "text\n" >"$WTS/evil/bin/t" &&
	(cd app && bounded "$SBX" wt diff -p evil >../out 2>../err) &&
	test_grep "cannot read .$WTS/evil/.gitignore.: it is a symbolic link: its rules do not apply" err &&
	test_grep "cannot read .$WTS/evil/bin/.gitattributes.: it is a symbolic link" err &&
	test_grep "^+visible$" out &&
	test_grep "^+text$" out &&
	! grep "^Binary files" out
'

test_expect_success 'a huge file is not read: left out, or taken as staged when tracked' '
	truncate -s 100M "$WTS/evil/huge" &&
	truncate -s 100M "$WTS/evil/data" &&
	(cd app && bounded "$SBX" wt diff evil >../out 2>../err) &&
	test_grep "$WTS/evil/huge. is larger than 64 MiB: left out" err &&
	test_grep "$WTS/evil/data. is larger than 64 MiB: taken as staged" err &&
	! grep " huge " out &&
	rm "$WTS/evil/huge" && printf "one\nTWO\n" >"$WTS/evil/data"
'

test_expect_success 'a directory that cannot be read: what git tracks there is taken as staged' '
	mkdir -p "$WTS/evil/locked" && echo l >"$WTS/evil/locked/f" &&
	tgit -C "$WTS/evil" add locked/f &&
	chmod 000 "$WTS/evil/locked" &&
	(cd app && bounded "$SBX" wt diff evil >../out 2>../err) ;
	code=$? ;
	chmod 755 "$WTS/evil/locked" &&
	test $code = 0 &&
	test_grep "^ locked/f  *| 1 +$" out &&
	if [ "$(id -u)" != 0 ]; then
		test_grep "cannot read .$WTS/evil/locked/.: Permission denied; what git tracks there is taken as staged" err
	fi
'

ESC=$(printf '\033')
RLO=$(printf '\342\200\256')
export ESC RLO
test_expect_success 'setup: control characters in a name, in lines and in a subject' '
	printf "ok\n${ESC}]0;pwned\007\nevil ${RLO}txt.exe\n" >"$WTS/evil/ctl" &&
	printf x >"$WTS/evil/name${ESC}[31m" &&
	tgit -C "$WTS/evil" add -A &&
	tgit -C "$WTS/evil" commit -q -m "subject ${ESC}]0;pwned${ESC}\\ ${RLO}done"
'

if command -v script >/dev/null 2>&1; then
	# on_tty CMD: CMD's output on a pseudo-terminal, in tty.out.
	on_tty() {
		(cd app && TERM=xterm script -qec "$1" /dev/null) >tty.out 2>&1 </dev/null
	}
	test_expect_success 'on a terminal they are shown, never sent' '
		on_tty "\"$SBX\" wt diff -p evil" &&
		! grep "${ESC}[]P^_X]" tty.out &&
		! grep "$RLO" tty.out &&
		test_grep -F "+^[]0;pwned^G" tty.out &&
		test_grep -F "+evil <U+202E>txt.exe" tty.out &&
		on_tty "\"$SBX\" wt diff evil" &&
		test_grep -F " \"name\\033[31m\" " tty.out &&
		! grep "name${ESC}" tty.out &&
		on_tty "\"$SBX\" wt log evil" &&
		test_grep -F "subject ^[]0;pwned^[\\ <U+202E>done" tty.out &&
		! grep "$RLO" tty.out
	'
else
	test_skip 'on a terminal they are shown, never sent' 'script(1) is not installed'
fi

test_expect_success 'into a pipe the patch is exact (git apply takes it); log --json escapes' '
	(cd app && "$SBX" wt diff -p evil >../patch) &&
	test_grep "${ESC}]0;pwned" patch &&
	tgit clone -q app copy &&
	tgit -C copy apply --check "$TRASH/patch" &&
	(cd app && "$SBX" wt log --json evil >../out) &&
	test_grep -F "\\u001b]0;pwned" out &&
	! grep "$ESC" out &&
	(cd app && "$SBX" wt log evil >../out) &&
	! grep "$ESC" out
'

test_expect_success 'setup: the branch brings hooks for a project that runs them (core.hooksPath)' '
	mkdir -p "$WTS/evil/.husky" &&
	for h in pre-merge-commit post-merge post-checkout post-commit reference-transaction; do
		printf "#!/bin/sh\ntouch \"%s/MARK-hook-%s\"\n" "$TRASH" "$h" >"$WTS/evil/.husky/$h" &&
		chmod +x "$WTS/evil/.husky/$h" || return 1
	done &&
	rm -f "$WTS/evil/to-fifo" "$WTS/evil/to-zero" "$WTS/evil/to-dir" "$WTS/evil/fifo" &&
	tgit -C "$WTS/evil" add -A &&
	tgit -C "$WTS/evil" commit -q -m "hooks, links, attributes" &&
	git -C app config core.hooksPath .husky &&
	commit_file app main-moved &&
	rm -f "$TRASH"/MARK-*
'

test_expect_success 'wt merge runs no driver, filter or hook; links stay links; files as committed' '
	(cd app && bounded "$SBX" wt merge evil >../out 2>../err) &&
	test_grep "^merged .evil. into .main.: merge commit" out &&
	test_grep "files with filter .evil. were written as committed, not through the filter$" err &&
	no_marker &&
	test -x app/.husky/post-merge &&
	test "$(readlink app/leak)" = "$OUTSIDE/secret" &&
	test "$(cat "$OUTSIDE/secret")" = HOST-SECRET-CONTENT &&
	test "$(cat app/data)" = "$(printf "one\nTWO")" &&
	tgit -C app status --porcelain >st &&
	test_line_count st 0
'

test_expect_success 'a link in the main checkout on the way to what the merge writes: refused' '
	(cd app && "$SBX" wt new more >/dev/null 2>&1) &&
	mkdir "$WTS/more/out" && echo planted >"$WTS/more/out/planted" &&
	tgit -C "$WTS/more" add out/planted &&
	tgit -C "$WTS/more" -c core.hooksPath=/nonexistent commit -q -m out &&
	ln -s "$OUTSIDE" app/out &&
	echo out >>app/.git/info/exclude &&
	head=$(tgit -C app rev-parse HEAD) &&
	(cd app && test_expect_code 1 bounded "$SBX" wt merge more 2>../err) &&
	test_line_count err 1 &&
	test_grep "a symbolic link in the main checkout .$APP. is on the way to .out/planted., which the merge writes: remove it" err &&
	! test -e "$OUTSIDE/planted" &&
	test "$(tgit -C app rev-parse HEAD)" = "$head"
'

test_expect_success 'the host git directory is as the merge left it: no MERGE_HEAD, no driver ran' '
	! test -e app/.git/MERGE_HEAD &&
	! test -e app/.git/MERGE_MSG &&
	no_marker
'

test_done
