#!/bin/sh
# sbx wt diff and sbx wt log: a branch against where sbx wt new started it
# (kept in $XDG_STATE_HOME, never in the repository), else its merge-base
# with the main checkout's branch; with its worktree, what is not committed
# too. git itself is the oracle: the work tree staged whole into a private
# index (git add -A) and diffed against the same base.
. "$(dirname "$0")/lib-git.sh"

make_repo app &&
printf '1\n2\n3\n' >app/a &&
mkdir app/d &&
echo x >app/d/x &&
echo keep >app/k &&
echo '*.o' >app/.gitignore &&
git -C app add . &&
git -C app commit -q -m base || exit 1
APP="$TRASH/app" WTS="$TRASH/app.worktrees"
export APP WTS

# new BRANCH [ARGS...]: a worktree made by sbx wt new, quietly.
new() {
	(cd app && "$SBX" wt new "$@" >/dev/null 2>&1)
}

# as_git BRANCH BASE OUT [--stat]: what git shows for BRANCH's worktree as a
# whole (untracked files added, ignored ones not) against BASE.
as_git() {
	(cd "$WTS/$1" &&
	 cp "$(git rev-parse --git-dir)/index" "$TRASH/oracle-index" &&
	 GIT_INDEX_FILE="$TRASH/oracle-index" git add -A &&
	 GIT_INDEX_FILE="$TRASH/oracle-index" git diff --cached ${4:+"$4"} "$2") >"$3"
}

test_expect_success 'wt new records where the branch starts, on the host and not in the repository' '
	new feat &&
	ls "$XDG_STATE_HOME/sbx/worktrees" >records &&
	test_line_count records 1 &&
	test_grep -F "\"repository\":\"$APP/.git\",\"branch\":\"feat\",\"base\":\"$(git -C app rev-parse main)\",\"from\":\"HEAD\"" \
		"$XDG_STATE_HOME/sbx/worktrees/$(cat records)" &&
	! grep -r -l "$(git -C app rev-parse main)" app/.git/worktrees/feat | grep -v -e /HEAD -e /ORIG_HEAD -e /index &&
	test "$(stat -c %a "$XDG_STATE_HOME/sbx/worktrees")" = 700
'

test_expect_success 'a branch with nothing new: no output, a note' '
	(cd app && "$SBX" wt diff feat >../out 2>../err) &&
	test_line_count out 0 &&
	test_grep "no changes on .feat. since $(git -C app rev-parse --short=7 main)" err &&
	(cd app && "$SBX" wt log feat >../out 2>../err) &&
	test_line_count out 0 &&
	test_grep "no commits on .feat." err
'

test_expect_success 'diff: commits, staged, unstaged and untracked files; not ignored ones' '
	(cd "$WTS/feat" && printf "1\nTWO\n3\n" >a && git commit -q -a -m "change a" &&
	 echo staged >s && git add s && echo more >>k && echo new >u && echo obj >x.o &&
	 git rm -q d/x && mkdir -p deep/er && echo deep >deep/er/f) &&
	(cd app && "$SBX" wt diff feat >../out) &&
	as_git feat main want --stat &&
	cmp want out &&
	test_grep "^ deep/er/f | 1 +$" out &&
	! grep x.o out &&
	test_grep "^ 6 files changed, 5 insertions(+), 2 deletions(-)$" out
'

test_expect_success 'diff --patch is git'"'"'s patch, and -p the same' '
	(cd app && "$SBX" wt diff --patch feat >../out) &&
	as_git feat main want &&
	cmp want out &&
	(cd app && "$SBX" wt diff -p feat >../out2) &&
	cmp out out2
'

test_expect_success 'a renamed file, a link and an executable bit, as git has them' '
	(cd "$WTS/feat" && git mv k kept && ln -s a link && chmod +x s) &&
	(cd app && "$SBX" wt diff feat >../out) &&
	as_git feat main want --stat &&
	cmp want out &&
	test_grep "^ k => kept " out &&
	(cd app && "$SBX" wt diff -p feat >../out) &&
	test_grep "^new file mode 120000$" out &&
	test_grep "^new file mode 100755$" out
'

# listing DIR: every file below DIR with its size and time, to the nanosecond.
listing() {
	find "$1" -exec stat -c "%n %s %y" {} + | sort
}

test_expect_success 'diff writes nothing to the repository: no object made or touched' '
	find app/.git/objects -type f -exec touch -d "2000-01-01" {} + &&
	listing app/.git >before &&
	(cd app && "$SBX" wt diff -p feat >/dev/null && "$SBX" wt diff feat >/dev/null) &&
	listing app/.git >after &&
	cmp before after
'

test_expect_success 'log: the commits since the start, newest first, one line each' '
	(cd "$WTS/feat" && git add -A && git commit -q -m "second line" &&
	 git commit -q --allow-empty -m "third") &&
	(cd app && "$SBX" wt log feat >../out) &&
	git -C app log --format="%h %s" main..feat >want &&
	cmp want out &&
	test_line_count out 3
'

test_expect_success 'log --json: one object per line' '
	(cd app && "$SBX" wt log --json feat >../out) &&
	test_line_count out 3 &&
	python3 -c "
import json, sys, subprocess
lines = [json.loads(l) for l in open(\"out\")]
want = subprocess.run([\"git\", \"-C\", \"app\", \"log\", \"--format=%H %an %ae %at %s\", \"main..feat\"],
                      capture_output=True, text=True).stdout.splitlines()
got = [\" \".join([o[\"commit\"], o[\"author\"], o[\"email\"], str(o[\"time\"]), o[\"subject\"]]) for o in lines]
assert got == want, (got, want)
assert all(o[\"commit\"].startswith(o[\"short\"]) for o in lines)
"
'

test_expect_success 'commits on the main branch since are not the branch'"'"'s' '
	commit_file app main-later &&
	(cd app && "$SBX" wt diff feat >../out) &&
	! grep main-later out &&
	as_git feat "$(git -C app merge-base main feat)" want --stat &&
	cmp want out &&
	(cd app && "$SBX" wt log feat >../out) &&
	test_line_count out 3
'

test_expect_success 'once the branch merged the main one, its merge-base is the base' '
	(cd "$WTS/feat" && git merge -q --no-edit main) &&
	(cd app && "$SBX" wt diff feat >../out) &&
	! grep main-later out &&
	as_git feat main want --stat &&
	cmp want out &&
	(cd app && "$SBX" wt log feat >../out) &&
	git -C app log --format="%h %s" main..feat >want &&
	cmp want out
'

test_expect_success 'a branch started elsewhere (--base) is compared with where it started' '
	git -C app branch other &&
	commit_file app on-other-only &&
	git -C app branch -f other HEAD &&
	git -C app reset -q --hard HEAD~1 &&
	new fromother --base other &&
	test_grep -F "\"from\":\"other\"" "$XDG_STATE_HOME"/sbx/worktrees/*.json &&
	(cd "$WTS/fromother" && echo mine >mine && git add mine && git commit -q -m mine) &&
	(cd app && "$SBX" wt diff fromother >../out) &&
	! grep on-other-only out &&
	test_grep "^ 1 file changed, 1 insertion(+)$" out &&
	(cd app && "$SBX" wt log fromother >../out) &&
	test_line_count out 1
'

test_expect_success 'a branch sbx did not make: its merge-base with the main branch' '
	git -C app branch plain &&
	git -C app worktree add -q "$WTS/plain" plain &&
	(cd "$WTS/plain" && echo p >p && git add p && git commit -q -m p) &&
	(cd app && "$SBX" wt diff plain >../out) &&
	as_git plain main want --stat &&
	cmp want out &&
	(cd app && "$SBX" wt log plain >../out) &&
	test_line_count out 1
'

test_expect_success 'a branch without a worktree: its commits only; from a worktree too' '
	git -C app branch solo plain &&
	(cd app && "$SBX" wt diff solo >../out) &&
	git -C app diff --stat main...solo >want &&
	cmp want out &&
	(cd "$WTS/feat" && "$SBX" wt diff solo >"$TRASH/out") &&
	cmp want out
'

test_expect_success 'a deleted branch forgets its start; made again, it starts anew' '
	(cd app && "$SBX" wt rm --force --delete-branch fromother >/dev/null) &&
	! grep -l "\"branch\":\"fromother\"" "$XDG_STATE_HOME"/sbx/worktrees/*.json &&
	new fromother &&
	grep -l "\"branch\":\"fromother\"" "$XDG_STATE_HOME"/sbx/worktrees/*.json >rec &&
	test_grep -F "\"base\":\"$(git -C app rev-parse main)\"" $(cat rec)
'

test_expect_success 'refused: no such branch, the main branch (1); no BRANCH, a bad name, an option of another (2)' '
	cd app &&
	test_expect_code 1 "$SBX" wt diff nope 2>../err &&
	test_line_count ../err 1 && test_grep "sbx wt: there is no branch .nope." ../err &&
	test_expect_code 1 "$SBX" wt log nope 2>../err &&
	test_expect_code 1 "$SBX" wt diff main 2>../err &&
	test_grep "branch .main. is the main checkout.s" ../err &&
	test_expect_code 2 "$SBX" wt diff 2>../err &&
	test_grep "needs the BRANCH" ../err &&
	test_expect_code 2 "$SBX" wt diff "a..b" 2>../err &&
	test_grep "not a valid branch name" ../err &&
	test_expect_code 2 "$SBX" wt diff feat extra 2>../err &&
	test_expect_code 2 "$SBX" wt log feat --patch 2>../err &&
	test_grep "option .--patch. is for .sbx wt diff." ../err &&
	test_expect_code 2 "$SBX" wt diff feat --json 2>../err &&
	test_grep "option .--json. is for .sbx wt ls. and .sbx wt log." ../err
'

test_expect_success 'the worktree of a broken record is not read' '
	new broken &&
	echo changed >"$WTS/broken/f" &&
	echo "$APP/.git" >app/.git/worktrees/broken/gitdir &&
	(cd app && test_expect_code 1 "$SBX" wt diff broken 2>../err) &&
	test_line_count err 1 &&
	test_grep "cannot read the worktree recorded as .$APP.: " err
'

ESC=$(printf '\033')
export ESC
if command -v script >/dev/null 2>&1; then
	test_expect_success 'colour on a terminal only, never with NO_COLOR' '
		(cd app && TERM=xterm NO_COLOR= script -qec "\"$SBX\" wt diff -p feat" /dev/null) >tty.out &&
		test_grep "${ESC}\[32m+TWO${ESC}\[m" tty.out &&
		test_grep "${ESC}\[36m@@ " tty.out &&
		test_grep "${ESC}\[1mdiff --git" tty.out &&
		(cd app && TERM=xterm NO_COLOR= script -qec "\"$SBX\" wt diff feat" /dev/null) >tty.out &&
		test_grep "${ESC}\[32m+" tty.out &&
		(cd app && TERM=xterm NO_COLOR= script -qec "\"$SBX\" wt log feat" /dev/null) >tty.out &&
		test_grep "${ESC}\[33m[0-9a-f]\{7\}${ESC}\[m third" tty.out &&
		(cd app && TERM=xterm NO_COLOR=1 script -qec "\"$SBX\" wt diff -p feat" /dev/null) >tty.out &&
		! grep "$ESC" tty.out &&
		(cd app && TERM=xterm NO_COLOR= "$SBX" wt diff -p feat) >out &&
		! grep "$ESC" out
	'
else
	test_skip 'colour on a terminal only' 'script(1) is not installed'
fi

test_done
