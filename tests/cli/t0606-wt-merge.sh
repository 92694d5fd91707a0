#!/bin/sh
# sbx wt merge: a branch into the main checkout's, fast-forward, merge commit
# or squash, then with --rm its worktree gone; and every refusal all or
# nothing: the main checkout's HEAD, index, work tree and git directory's
# state files as they were, no MERGE_HEAD, no conflict marker.
. "$(dirname "$0")/lib-git.sh"

make_repo app &&
printf '1\n2\n3\n4\n5\n6\n' >app/f &&
git -C app add f &&
git -C app commit -q -m base || exit 1
APP="$TRASH/app" WTS="$TRASH/app.worktrees"
export APP WTS

# new BRANCH [ARGS...]: a worktree made by sbx wt new, quietly.
new() {
	(cd app && "$SBX" wt new "$@" >/dev/null 2>&1)
}

# work BRANCH FILE TEXT: a commit in BRANCH's worktree.
work() {
	echo "$3" >"$WTS/$1/$2" &&
	git -C "$WTS/$1" add "$2" &&
	git -C "$WTS/$1" commit -q -m "$1: $2"
}

# snapshot NAME: the main checkout as git sees it, to compare after a refusal.
snapshot() {
	{
		git -C app rev-parse HEAD main &&
		git -C app status --porcelain --untracked-files=all &&
		git -C app diff &&
		git -C app diff --cached &&
		ls -A app/.git &&
		(cd app && find . -path ./.git -prune -o -type f -print | sort | xargs cat)
	} >"$1" &&
	cp app/.git/index "$1.index"
}

# unchanged NAME: the main checkout is as snapshot NAME saw it.
unchanged() {
	snapshot "$1.now" &&
	cmp "$1" "$1.now" &&
	cmp "$1.index" "$1.now.index" &&
	! test -e app/.git/MERGE_HEAD &&
	! grep -r -l "^<<<<<<<" app --exclude-dir=.git
}

test_expect_success 'fast-forward when the main branch has not moved' '
	new ff &&
	work ff a one &&
	work ff b two &&
	old=$(git -C app rev-parse HEAD) &&
	(cd app && "$SBX" wt merge ff >../out) &&
	test "$(cat out)" = "merged '"'"'ff'"'"' into '"'"'main'"'"': fast-forward $(echo "$old" | cut -c1-7)..$(git -C app rev-parse --short=7 ff) (2 commits)" &&
	test "$(git -C app rev-parse main)" = "$(git -C app rev-parse ff)" &&
	test "$(git -C app rev-parse ORIG_HEAD)" = "$old" &&
	test "$(cat app/b)" = two &&
	git -C app status --porcelain >st &&
	test_line_count st 0 &&
	git -C app reflog -1 --format=%gs main >log &&
	test_grep "^merge ff: Fast-forward" log &&
	test -d "$WTS/ff"
'

test_expect_success 'merged already: nothing changes, exit 0' '
	snapshot s &&
	(cd app && "$SBX" wt merge ff >../out) &&
	test "$(cat out)" = "'"'"'ff'"'"' is merged into '"'"'main'"'"' already" &&
	unchanged s
'

test_expect_success 'a merge commit when both moved: git'"'"'s tree and message' '
	new mc &&
	work mc c three &&
	sed -i "s/^6$/six/" "$WTS/mc/f" && git -C "$WTS/mc" commit -q -a -m "mc: six" &&
	sed -i "s/^1$/one/" app/f && git -C app commit -q -a -m "main: one" &&
	want=$(git -C app merge-tree --write-tree main mc) &&
	(cd app && "$SBX" wt merge mc >../out) &&
	test_grep "^merged .mc. into .main.: merge commit [0-9a-f]\{7\}\.\.[0-9a-f]\{7\} (2 commits)$" out &&
	test "$(git -C app rev-parse "HEAD^{tree}")" = "$want" &&
	test "$(git -C app rev-parse HEAD^1)" = "$(git -C app rev-parse ORIG_HEAD)" &&
	test "$(git -C app rev-parse HEAD^2)" = "$(git -C app rev-parse mc)" &&
	test "$(git -C app log -1 --format=%s)" = "Merge branch '"'"'mc'"'"'" &&
	test "$(git -C app log -1 --format="%an <%ae>")" = "Sbx Test <test@sbx.invalid>" &&
	printf "one\n2\n3\n4\n5\nsix\n" >want-f && cmp want-f app/f &&
	git -C app status --porcelain >st &&
	test_line_count st 0
'

test_expect_success 'into another branch than main, the message says which' '
	git -C app checkout -q -b dev &&
	new todev &&
	work todev d dev-work &&
	commit_file app on-dev &&
	(cd app && "$SBX" wt merge todev >/dev/null) &&
	test "$(git -C app log -1 --format=%s)" = "Merge branch '"'"'todev'"'"' into dev" &&
	test "$(git -C app rev-parse main)" != "$(git -C app rev-parse dev)" &&
	git -C app checkout -q main
'

test_expect_success '--squash: one commit with one parent, the branch'"'"'s commits in its message' '
	new sq &&
	work sq s1 one &&
	work sq s2 two &&
	(cd app && "$SBX" wt merge --squash sq >../out) &&
	test_grep "^merged .sq. into .main.: squash commit .* (2 commits)$" out &&
	test "$(git -C app rev-parse HEAD^1)" = "$(git -C app rev-parse ORIG_HEAD)" &&
	test_must_fail git -C app rev-parse -q --verify HEAD^2 &&
	git -C app log -1 --format=%B >msg &&
	printf "%s\n" "Squashed branch '"'"'sq'"'"' (2 commits)" "" "* sq: s1" "* sq: s2" "" >want &&
	cmp want msg &&
	test "$(git -C app rev-parse "HEAD^{tree}")" = "$(git -C app merge-tree --write-tree ORIG_HEAD sq)" &&
	new sq1 &&
	work sq1 only "the one" &&
	(cd app && "$SBX" wt merge --squash sq1 >/dev/null) &&
	test "$(git -C app log -1 --format=%s)" = "sq1: only"
'

test_expect_success '--squash of a branch that could fast-forward is still one new commit' '
	new sqff &&
	work sqff x1 one &&
	work sqff x2 two &&
	(cd app && "$SBX" wt merge --squash sqff >/dev/null) &&
	test "$(git -C app rev-list --count ORIG_HEAD..HEAD)" = 1 &&
	test "$(git -C app rev-parse "HEAD^{tree}")" = "$(git -C app rev-parse "sqff^{tree}")"
'

test_expect_success '--rm removes the worktree after the merge, keeps the branch' '
	new gone &&
	work gone g gone &&
	(cd app && "$SBX" wt merge --rm gone >../out) &&
	test_grep "^merged .gone. into .main.: fast-forward" out &&
	test_grep "^removed worktree .$WTS/gone.$" out &&
	! test -e "$WTS/gone" &&
	git -C app rev-parse -q --verify refs/heads/gone >/dev/null
'

test_expect_success '--rm --delete-branch: the branch and its recorded start go too' '
	new gone2 &&
	work gone2 g2 gone &&
	grep -l "\"branch\":\"gone2\"" "$XDG_STATE_HOME"/sbx/worktrees/*.json &&
	(cd app && "$SBX" wt merge --squash --rm --delete-branch gone2 >../out) &&
	test_grep "^deleted branch .gone2.$" out &&
	! test -e "$WTS/gone2" &&
	test_must_fail git -C app rev-parse -q --verify refs/heads/gone2 &&
	! grep -l "\"branch\":\"gone2\"" "$XDG_STATE_HOME"/sbx/worktrees/*.json
'

test_expect_success 'a dirty main checkout is refused in one line, nothing changed' '
	new later &&
	work later l later &&
	echo local >>app/f &&
	snapshot s &&
	(cd app && test_expect_code 1 "$SBX" wt merge later >../out 2>../err) &&
	test_line_count err 1 &&
	test_grep "sbx wt: the main checkout .$APP. has changes (.f.): commit or stash them" err &&
	test_line_count out 0 &&
	unchanged s &&
	git -C app checkout -q f &&
	git -C app add README && echo staged >>app/README && git -C app add README &&
	(cd app && test_expect_code 1 "$SBX" wt merge later 2>../err) &&
	test_grep "has changes (.README.)" err &&
	git -C app reset -q --hard
'

test_expect_success 'an untracked file in the way is refused, nothing changed' '
	echo mine >app/l &&
	snapshot s &&
	(cd app && test_expect_code 1 "$SBX" wt merge later 2>../err) &&
	test_line_count err 1 &&
	test_grep "the merge would overwrite .l. in the main checkout .$APP." err &&
	unchanged s &&
	test "$(cat app/l)" = mine &&
	rm app/l &&
	echo untracked >app/elsewhere &&
	(cd app && "$SBX" wt merge later >/dev/null) &&
	test "$(cat app/elsewhere)" = untracked && rm app/elsewhere
'

test_expect_success 'a conflict is refused: no MERGE_HEAD, no marker, index and work tree as before' '
	new clash &&
	sed -i "s/^3$/theirs/" "$WTS/clash/f" && git -C "$WTS/clash" commit -q -a -m theirs &&
	work clash other-file fine &&
	sed -i "s/^3$/ours/" app/f && git -C app commit -q -a -m ours &&
	snapshot s &&
	(cd app && test_expect_code 1 "$SBX" wt merge clash >../out 2>../err) &&
	test_line_count err 1 &&
	test_grep "sbx wt: merging .clash. into .main. conflicts in .f.: nothing was changed; merge it yourself (git merge clash), or have the agent rebase it onto .main." err &&
	unchanged s &&
	! test -e app/other-file &&
	(cd app && test_expect_code 1 "$SBX" wt merge --squash --rm clash 2>../err) &&
	unchanged s &&
	test -d "$WTS/clash"
'

test_expect_success 'conflicts in several files are counted' '
	sed -i "s/^fine$/theirs/" "$WTS/clash/other-file" && git -C "$WTS/clash" commit -q -a -m more &&
	echo ours >app/other-file && git -C app add other-file && git -C app commit -q -m "ours too" &&
	(cd app && test_expect_code 1 "$SBX" wt merge clash 2>../err) &&
	test_grep "conflicts in .f. and 1 more:" err
'

test_expect_success '--rm refuses a dirty or locked worktree before merging anything' '
	new wip &&
	work wip w1 done &&
	echo unfinished >"$WTS/wip/w2" &&
	snapshot s &&
	(cd app && test_expect_code 1 "$SBX" wt merge --rm wip 2>../err) &&
	test_line_count err 1 &&
	test_grep "$WTS/wip. has changes: commit or discard them" err &&
	unchanged s &&
	rm "$WTS/wip/w2" &&
	git -C app worktree lock "$WTS/wip" &&
	(cd app && test_expect_code 1 "$SBX" wt merge --rm wip 2>../err) &&
	test_grep "is locked" err &&
	unchanged s &&
	git -C app worktree unlock "$WTS/wip"
'

test_expect_success 'a branch without a worktree merges; --rm of it is refused' '
	git -C app branch nowt wip &&
	snapshot s &&
	(cd app && test_expect_code 1 "$SBX" wt merge --rm nowt 2>../err) &&
	test_grep "branch .nowt. has no worktree to remove: drop --rm" err &&
	unchanged s &&
	(cd app && "$SBX" wt merge nowt >../out) &&
	test_grep "^merged .nowt. into .main.: fast-forward" out
'

test_expect_success 'refused: a missing branch, the main branch (1); a bad name, --delete-branch alone (2)' '
	snapshot s &&
	cd app &&
	test_expect_code 1 "$SBX" wt merge nope 2>../err &&
	test_line_count ../err 1 && test_grep "sbx wt: there is no branch .nope." ../err &&
	test_expect_code 1 "$SBX" wt merge main 2>../err &&
	test_grep "branch .main. is the main checkout.s" ../err &&
	test_expect_code 2 "$SBX" wt merge "-x" 2>../err &&
	test_expect_code 2 "$SBX" wt merge "a..b" 2>../err &&
	test_grep "not a valid branch name" ../err &&
	test_expect_code 2 "$SBX" wt merge wip --delete-branch 2>../err &&
	test_grep "delete-branch goes with --rm" ../err &&
	test_expect_code 2 "$SBX" wt merge 2>../err &&
	test_expect_code 2 "$SBX" wt rm wip --squash 2>../err &&
	test_grep "option .--squash. is for .sbx wt merge." ../err &&
	cd .. && unchanged s
'

test_expect_success 'a detached main checkout, an operation under way: refused' '
	new side && work side sd side &&
	git -C app checkout -q --detach &&
	(cd app && test_expect_code 1 "$SBX" wt merge side 2>../err) &&
	test_grep "has no branch checked out (a detached HEAD)" err &&
	git -C app checkout -q main &&
	git -C app rev-parse HEAD >app/.git/MERGE_HEAD &&
	(cd app && test_expect_code 1 "$SBX" wt merge side 2>../err) &&
	test_grep "a merge is under way in the main checkout" err &&
	rm app/.git/MERGE_HEAD
'

test_expect_success 'what libgit2 1.5 would merge otherwise than git is refused' '
	new drv &&
	sed -i "s/^5$/five/" "$WTS/drv/f" && git -C "$WTS/drv" commit -q -a -m drv &&
	sed -i "s/^2$/two/" app/f && git -C app commit -q -a -m "main: two" &&
	echo "f merge=mine" >app/.gitattributes &&
	git config --global merge.mine.driver "touch \"$TRASH/driver-ran\"; false" &&
	snapshot s &&
	(cd app && test_expect_code 1 "$SBX" wt merge drv 2>../err) &&
	test_line_count err 1 &&
	test_grep "sbx wt: .f. is merged with the driver .mine. of your git configuration (merge.mine.driver), which sbx does not run" err &&
	unchanged s &&
	! test -e driver-ran &&
	rm app/.gitattributes &&
	snapshot s &&
	git config --global merge.default mine &&
	(cd app && test_expect_code 1 "$SBX" wt merge drv 2>../err) &&
	test_grep "driver .mine." err &&
	git config --global --unset merge.default &&
	git config --global --unset merge.mine.driver &&
	git -C app config commit.gpgSign true &&
	(cd app && test_expect_code 1 "$SBX" wt merge drv 2>../err) &&
	test_grep "commit.gpgSign is set and sbx cannot sign the merge commit" err &&
	git -C app config --unset commit.gpgSign &&
	git -C app config merge.renormalize true &&
	(cd app && test_expect_code 1 "$SBX" wt merge drv 2>../err) &&
	test_grep "merge.renormalize is set" err &&
	git -C app config --unset merge.renormalize &&
	git -C app config core.sparseCheckout true &&
	(cd app && test_expect_code 1 "$SBX" wt merge drv 2>../err) &&
	test_grep "is a sparse checkout, which libgit2 1.5 cannot keep" err &&
	git -C app config --unset core.sparseCheckout &&
	unchanged s &&
	want=$(git -C app merge-tree --write-tree main drv) &&
	(cd app && "$SBX" wt merge drv >/dev/null) &&
	test "$(git -C app rev-parse "HEAD^{tree}")" = "$want"
'

test_expect_success 'a file added in a directory the other side moved: refused, as git stops; removed: merged' '
	mkdir app/olddir &&
	for i in 1 2 3; do
		echo "line $i of a file long enough to be found again" >app/olddir/f$i || return 1
	done &&
	git -C app add olddir && git -C app commit -q -m olddir &&
	new dirmove &&
	work dirmove olddir/added new &&
	git -C app mv olddir newdir && git -C app commit -q -m "move olddir" &&
	snapshot s &&
	(cd app && test_expect_code 1 "$SBX" wt merge dirmove 2>../err) &&
	test_line_count err 1 &&
	test_grep "sbx wt: .olddir/added. is added in .olddir., which the other side moved: git would follow the directory or stop" err &&
	unchanged s &&
	git -C app rm -q -r newdir && git -C app commit -q -m "drop newdir" &&
	want=$(git -C app merge-tree --write-tree main dirmove) &&
	(cd app && "$SBX" wt merge dirmove >/dev/null) &&
	test "$(git -C app rev-parse "HEAD^{tree}")" = "$want" &&
	test -f app/olddir/added
'

test_expect_success 'a branch that shares no history is refused, as git merge does' '
	git -C app checkout -q --orphan lone &&
	git -C app rm -q -r --cached . &&
	echo lone >app/lone-file && git -C app add lone-file && git -C app commit -q -m lone &&
	git -C app clean -q -f && git -C app checkout -q -f main &&
	snapshot s &&
	(cd app && test_expect_code 1 "$SBX" wt merge lone 2>../err) &&
	test_grep "sbx wt: .lone. shares no history with .main.: merge it yourself (git merge --allow-unrelated-histories lone)" err &&
	unchanged s
'

test_expect_success 'no identity: refused before anything changes' '
	new anon && work anon an anon &&
	commit_file app main-moves &&
	git -C app config --unset user.name &&
	git config --global --unset user.name &&
	snapshot s &&
	(cd app && test_expect_code 1 "$SBX" wt merge anon 2>../err) &&
	test_grep "cannot make the merge commit: no identity" err &&
	unchanged s &&
	git config --global user.name "Sbx Test" &&
	git -C app config user.name "Sbx Test"
'

test_expect_success 'a bare repository has no main checkout to merge into' '
	git clone -q --bare app bare.git &&
	(cd bare.git && "$SBX" wt new topic >/dev/null 2>&1) &&
	(cd bare.git && test_expect_code 1 "$SBX" wt merge topic 2>../err) &&
	test_grep "the repository is bare: there is no main checkout to merge into" err
'

if command -v bwrap >/dev/null 2>&1; then
	# sessions: the sandbox sessions sbx knows of (this file's own: its XDG directories).
	sessions() {
		"$SBX" ls --json | sed -n "s/.*\"name\":\"\([^\"]*\)\",\"backend\":\"bwrap\",\"kind\":\"session\".*/\1/p"
	}
	# running DIR: starts a sandbox in DIR that lives until stopped, once it runs.
	running() {
		{ (cd "$1" && SBX_BACKEND=bwrap SBX_AGENT=shell "$SBX" shell -- sleep 3263) \
			>/dev/null 2>&1 & } &&
		test_wait_for "sessions | grep -q ."
	}
	# stopped: the sandboxes of running have ended.
	stopped() {
		for name in $(sessions); do
			"$SBX" stop "$name" >/dev/null || return 1
		done
		test_wait_for "! sessions | grep -q ."
	}
	test_cleanup_hook=stopped

	test_expect_success 'a sandbox running in the worktree refuses the merge, nothing changed' '
		new busy && work busy bz busy &&
		running "$WTS/busy" &&
		snapshot s &&
		(cd app && test_expect_code 1 "$SBX" wt merge busy 2>../err) &&
		test_line_count err 1 &&
		test_grep "sbx wt: a sandbox is running in .$WTS/busy.: end it (sbx stop NAME, see .sbx ls.), then merge" err &&
		(cd app && test_expect_code 1 "$SBX" wt merge --rm busy 2>../err) &&
		unchanged s &&
		stopped &&
		(cd app && "$SBX" wt merge --rm busy >/dev/null) &&
		! test -e "$WTS/busy"
	'

	test_expect_success 'and so does one running in the main checkout' '
		new busy2 && work busy2 bz2 busy &&
		running app &&
		snapshot s &&
		(cd app && test_expect_code 1 "$SBX" wt merge busy2 2>../err) &&
		test_grep "a sandbox is running in the main checkout .$APP." err &&
		stopped &&
		unchanged s
	'
else
	test_skip 'a running sandbox refuses the merge' 'bubblewrap is not installed'
fi

test_done
