#!/bin/sh
# sbx wt ls: branch, path, dirty or clean, ahead/behind of the base, and
# whether a sandbox runs there; as a table and as JSON lines.
. "$(dirname "$0")/lib-git.sh"

make_repo app &&
(cd app && "$SBX" wt new ahead && "$SBX" wt new dirty && "$SBX" wt new feature/x) >/dev/null 2>&1 &&
commit_file "$TRASH/app.worktrees/ahead" a1 &&
commit_file "$TRASH/app.worktrees/ahead" a2 &&
commit_file app m1 &&
echo scratch >"$TRASH/app.worktrees/dirty/untracked" &&
git -C app worktree add -q --detach ../detached &&
git -C app worktree add -q -b gone ../gone &&
rm -rf gone &&
git -C app worktree add -q -b locked ../locked &&
git -C app worktree lock --reason "on a usb disk" ../locked || exit 1
WTS="$TRASH/app.worktrees"
export WTS

# row BRANCH: that line of the table.
row() {
	grep "^$1 " out
}

test_expect_success 'the table: one line per worktree, the main one first' '
	(cd app && "$SBX" wt ls >../out) &&
	head -n 1 out >header &&
	test_grep "^BRANCH  *STATE  *AHEAD/BEHIND  *AGENT  *PATH$" header &&
	sed -n 2p out >first &&
	test_grep "^main  *clean  *-  *-  *$TRASH/app (main)$" first &&
	test_line_count out 8
'

test_expect_success 'ahead and behind count against the main checkout'"'"'s branch' '
	row ahead >line &&
	test_grep "^ahead  *clean  *+2 -1 main  *-  *$WTS/ahead$" line &&
	row feature/x >line &&
	test_grep "^feature/x  *clean  *+0 -1 main  *-  *$WTS/feature/x$" line
'

test_expect_success 'an untracked file makes a worktree dirty' '
	row dirty >line &&
	test_grep "^dirty  *dirty  *+0 -1 main " line
'

test_expect_success 'detached, missing and locked worktrees say so' '
	row "(detached)" >line &&
	test_grep "clean .* $TRASH/detached$" line &&
	row gone >line &&
	test_grep "^gone  *missing .* $TRASH/gone$" line &&
	row locked >line &&
	test_grep "$TRASH/locked (locked)$" line
'

test_expect_success '--json: one valid object per line with every field' '
	(cd app && "$SBX" wt ls --json >../json) &&
	test_line_count json 7 &&
	/usr/bin/python3 -c "
import json, sys
rows = [json.loads(l) for l in open(\"json\")]
by = {r[\"path\"]: r for r in rows}
m = rows[0]
assert m[\"main\"] and m[\"branch\"] == \"main\" and m[\"state\"] == \"clean\", m
a = by[\"$WTS/ahead\"]
assert (a[\"branch\"], a[\"base\"], a[\"ahead\"], a[\"behind\"]) == (\"ahead\", \"main\", 2, 1), a
assert a[\"dirty\"] is False and a[\"running\"] is False and a[\"sandboxes\"] == [], a
assert len(a[\"head\"]) == 40
assert by[\"$WTS/dirty\"][\"dirty\"] is True
assert by[\"$TRASH/detached\"][\"branch\"] is None
assert by[\"$TRASH/gone\"][\"state\"] == \"missing\"
assert by[\"$TRASH/locked\"][\"locked\"] is True
"
'

test_expect_success 'the base is the upstream when the branch has one' '
	git clone -q app down &&
	git -C down config user.name T && git -C down config user.email t@e &&
	git -C down worktree add -q -b tracked ../down-tracked origin/main &&
	commit_file down-tracked t1 &&
	(cd down && "$SBX" wt ls >../out) &&
	row tracked >line &&
	test_grep "^tracked  *clean  *+1 -0 origin/main " line
'

test_expect_success 'the same list from a worktree and from a bare repository' '
	(cd app && "$SBX" wt ls >../from-main) &&
	(cd app.worktrees/feature/x && "$SBX" wt ls >"$TRASH/from-wt") &&
	cmp from-main from-wt &&
	git clone -q --bare app bare.git &&
	(cd bare.git && "$SBX" wt new topic >/dev/null 2>&1 && "$SBX" wt ls >../out) &&
	test_grep "^main  *bare  *-  *-  *$TRASH/bare.git (main)$" out &&
	test_grep "^topic  *clean  *+0 -0 main  *-  *$TRASH/bare.worktrees/topic$" out
'

test_expect_success 'refusals: outside a repository 1, a stray argument 2' '
	mkdir -p nogit &&
	(cd nogit && test_expect_code 1 "$SBX" wt ls 2>../err) &&
	test_grep "in no git repository" err &&
	(cd app && test_expect_code 2 "$SBX" wt ls extra 2>../err) &&
	test_grep "unexpected argument .extra." err
'

if command -v bwrap >/dev/null 2>&1; then
	test_expect_success 'a sandbox running in a worktree shows, with its agent'"'"'s state, and only there' '
		(cd app.worktrees/ahead && SBX_BACKEND=bwrap SBX_AGENT=shell "$SBX" shell -- \
			sh -c "touch started; exec sleep 3261") &
		pid=$! &&
		i=0 && while ! test -e app.worktrees/ahead/started; do
			i=$((i + 1)); test $i -lt 200 || break; sleep 0.05; done &&
		(cd app && "$SBX" wt ls >../out && "$SBX" wt ls --json >../json) &&
		kill $pid && wait $pid;
		rm -f app.worktrees/ahead/started &&
		row ahead >line &&
		test_grep "^ahead  *[a-z]*  *+2 -1 main  *started  *$WTS/ahead$" line &&
		row dirty >line &&
		test_grep " -  *$WTS/dirty$" line &&
		grep "\"path\":\"$WTS/ahead\"" json >line &&
		test_grep "\"running\":true,\"sandboxes\":\[\"sbx-app-[0-9a-f]*-[0-9a-z]*\"\]" line &&
		test_grep "\"agent\":{\"name\":\"sbx-app-[0-9a-f]*-[0-9a-z]*\",.*\"repo\":\"app\",\"branch\":\"ahead\",\"state\":\"started\"" line &&
		(cd app && "$SBX" wt ls >../out) &&
		row ahead >line &&
		test_grep "^ahead  *[a-z]*  *+2 -1 main  *exited[ 0-9]*  *$WTS/ahead$" line
	'
else
	test_skip 'a sandbox running in a worktree shows' 'bubblewrap is not installed'
fi

test_done
