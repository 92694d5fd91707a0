#!/bin/sh
# sbx wt rm and sbx wt ls trust a worktree only when git's own records on the
# host agree: the record under .git/worktrees/NAME and the directory's .git
# file name each other. Records rewritten as a hostile agent would leave them
# (pointing at the main checkout, at another checkout, through a link, as a
# FIFO) are listed as broken and never removed, with or without --force or a
# path; and removal never follows a link out of the worktree.
. "$(dirname "$0")/lib-git.sh"

make_repo app &&
make_repo other &&
echo secret >other/MARKER || exit 1
APP="$TRASH/app" OTHER="$TRASH/other" WTS="$TRASH/app.worktrees"
export APP OTHER WTS

# new BRANCH: a worktree made by sbx wt new, quietly.
new() {
	(cd app && "$SBX" wt new "$1" >/dev/null 2>&1)
}

# intact: the main checkout and the other repository are as they were.
intact() {
	test -f app/README && git -C app rev-parse -q --verify HEAD >/dev/null &&
	test "$(cat other/MARKER)" = secret && git -C other rev-parse -q --verify HEAD >/dev/null
}

# refused ARGS...: sbx wt rm ARGS (from the main checkout) exits 1 with one line
# naming the record's gitdir file, and removes nothing.
refused() {
	(cd app && test_expect_code 1 timeout 20 "$SBX" wt rm "$@" >../out 2>../err) &&
	test_line_count err 1 &&
	test_grep -F "sbx wt: cannot remove the worktree recorded as '" err &&
	test_grep -F "'$APP/.git/worktrees/evil/gitdir'" err &&
	test_line_count out 0 &&
	intact
}

test_expect_success 'a record turned to the main checkout: listed as broken' '
	new evil &&
	echo "$APP/.git" >app/.git/worktrees/evil/gitdir &&
	(cd app && "$SBX" wt ls >../out 2>../err) &&
	test_grep "^evil  *broken .* $APP\$" out &&
	test_line_count err 1 &&
	test_grep -F "sbx: warning: '"'"'$APP/.git/worktrees/evil/gitdir'"'"' points at '"'"'$APP'"'"', which holds the repository" err &&
	(cd app && "$SBX" wt ls --json >../out) &&
	test_grep "\"branch\":\"evil\",\"path\":\"$APP\",\"main\":false,\"state\":\"broken\"" out
'

test_expect_success 'and never removed: by branch, with --force, by either path' '
	refused evil &&
	refused --force evil &&
	refused --force --delete-branch evil &&
	(cd app && test_expect_code 1 "$SBX" wt rm --force "$APP" 2>../err) &&
	test_line_count err 1 &&
	intact &&
	(cd app && test_expect_code 1 "$SBX" wt rm --force "$WTS/evil" 2>../err) &&
	test_grep -F "no worktree has branch" err &&
	test -f "$WTS/evil/.git" &&
	git -C app rev-parse -q --verify refs/heads/evil >/dev/null
'

test_expect_success 'nor by --merged' '
	(cd app && test_expect_code 1 "$SBX" wt rm --merged 2>../err) &&
	test_grep -F "'"'"'$APP/.git/worktrees/evil/gitdir'"'"' points at" err &&
	intact
'

test_expect_success 'a record turned to another checkout (its .git a directory)' '
	echo "$OTHER/.git" >app/.git/worktrees/evil/gitdir &&
	(cd app && "$SBX" wt ls >../out 2>../err) &&
	test_grep "^evil  *broken .* $OTHER\$" out &&
	test_grep -F "'"'"'$OTHER'"'"', a checkout of its own (its .git is a directory)" err &&
	refused --force evil &&
	refused --force "$OTHER"
'

test_expect_success 'a directory whose .git file names another record' '
	mkdir decoy &&
	echo "gitdir: $APP/.git/worktrees/nope" >decoy/.git &&
	echo "$TRASH/decoy/.git" >app/.git/worktrees/evil/gitdir &&
	refused --force evil &&
	test -f decoy/.git
'

test_expect_success 'a record that is a link or a FIFO: broken, never followed or blocked on' '
	rm app/.git/worktrees/evil/gitdir &&
	echo "$APP/.git" >planted &&
	ln -s "$TRASH/planted" app/.git/worktrees/evil/gitdir &&
	refused --force evil &&
	(cd app && timeout 20 "$SBX" wt ls >../out 2>../err) &&
	test_grep "^evil  *broken " out &&
	test_grep -F "it is a symbolic link" err &&
	rm app/.git/worktrees/evil/gitdir &&
	mkfifo app/.git/worktrees/evil/gitdir &&
	refused --force evil &&
	(cd app && timeout 20 "$SBX" wt ls >../out 2>../err) &&
	test_grep "^evil  *broken " out &&
	test_grep -F "not a regular file" err
'

test_expect_success 'put right (git worktree repair), it is removed as any other' '
	rm app/.git/worktrees/evil/gitdir &&
	git -C "$WTS/evil" worktree repair &&
	(cd app && "$SBX" wt ls >../out) &&
	test_grep "^evil  *clean " out &&
	(cd app && "$SBX" wt rm evil >../out) &&
	! test -e "$WTS/evil" &&
	! test -e app/.git/worktrees/evil &&
	intact
'

test_expect_success 'removal never follows a link out of the worktree' '
	new links &&
	ln -s "$OTHER" "$WTS/links/to-other" &&
	ln -s "$OTHER/MARKER" "$WTS/links/to-marker" &&
	mkdir -p "$WTS/links/locked/deep" &&
	chmod 000 "$WTS/links/locked" &&
	(cd app && "$SBX" wt rm --force links >/dev/null) &&
	! test -e "$WTS/links" &&
	test -d other/.git &&
	intact
'

test_expect_success 'a FIFO where git reads a .gitignore: ls and rm give up in time, rm refuses' '
	new fifo &&
	mkfifo "$WTS/fifo/.gitignore" &&
	(cd app && timeout 60 "$SBX" wt ls >../out 2>../err) &&
	test_grep "cannot tell whether .$WTS/fifo. has changes" err &&
	test_grep "fifo" out &&
	(cd app && test_expect_code 1 timeout 60 "$SBX" wt rm fifo 2>../err) &&
	test_grep "cannot tell whether .$WTS/fifo. has changes: look at it, then use --force" err &&
	test -p "$WTS/fifo/.gitignore" &&
	(cd app && "$SBX" wt rm --force fifo >/dev/null) &&
	! test -e "$WTS/fifo"
'

test_expect_success 'the main checkout by its path is never removed' '
	(cd app && test_expect_code 1 "$SBX" wt rm --force "$APP" 2>../err) &&
	test_grep -F "'"'"'$APP'"'"' is the main checkout, which sbx wt rm never removes" err &&
	(cd app && test_expect_code 1 "$SBX" wt rm --force . 2>../err) &&
	test_line_count err 1 &&
	intact
'

test_done
