#!/bin/sh
# sbx wt rm: removal by branch or path, --delete-branch, --merged [REF],
# --dry-run, and the refusals (dirty, locked, running, unmerged) that --force
# overrides.
. "$(dirname "$0")/lib-git.sh"

make_repo app || exit 1
APP="$TRASH/app"
WTS="$TRASH/app.worktrees"

# new BRANCH...: worktrees made by sbx wt new, quietly.
new() {
	for b; do
		(cd "$APP" && "$SBX" wt new "$b" >/dev/null 2>&1) || return 1
	done
}

# gone BRANCH: neither its worktree directory nor git's record of it is left.
gone() {
	! test -e "$WTS/$1" &&
	git -C "$APP" worktree list --porcelain >wtlist &&
	! grep -x "worktree $WTS/$1" wtlist
}

test_expect_success 'rm BRANCH removes its worktree and keeps the branch' '
	new plain &&
	(cd app && "$SBX" wt rm plain >../out) &&
	test "$(cat out)" = "removed worktree '"'"'$WTS/plain'"'"'" &&
	gone plain &&
	git -C app rev-parse --verify -q refs/heads/plain
'

test_expect_success 'a branch with slashes: the directories its name made go too' '
	new feature/deep/x keep &&
	(cd app && "$SBX" wt rm feature/deep/x >/dev/null) &&
	gone feature/deep/x &&
	! test -e "$WTS/feature" &&
	test -d "$WTS/keep"
'

test_expect_success 'a dirty worktree is refused; --force removes it' '
	new dirty &&
	echo wip >"$WTS/dirty/wip" &&
	(cd app && test_expect_code 1 "$SBX" wt rm dirty 2>../err) &&
	test_line_count err 1 &&
	test_grep "$WTS/dirty. has changes: commit or discard them, or use --force" err &&
	test -f "$WTS/dirty/wip" &&
	(cd app && "$SBX" wt rm -f dirty >/dev/null) &&
	gone dirty
'

test_expect_success 'several BRANCHes go all together or not at all' '
	new a b &&
	echo wip >"$WTS/b/wip" &&
	(cd app && test_expect_code 1 "$SBX" wt rm a b 2>../err) &&
	test_grep "$WTS/b. has changes" err &&
	test -d "$WTS/a" && test -d "$WTS/b" &&
	(cd app && "$SBX" wt rm --force a b >../out) &&
	test_line_count out 2 &&
	gone a && gone b
'

test_expect_success 'an unknown branch and the main checkout are refused' '
	(cd app && test_expect_code 1 "$SBX" wt rm nope 2>../err) &&
	test_grep "no worktree has branch .nope. (see .sbx wt ls.)" err &&
	(cd app && test_expect_code 1 "$SBX" wt rm main 2>../err) &&
	test_grep "branch .main. is the main checkout.s (.$APP.), which sbx wt rm never removes" err &&
	test -d app/.git
'

test_expect_success 'a worktree can be named by its path' '
	new bypath &&
	(cd app && "$SBX" wt rm ../app.worktrees/bypath >/dev/null) &&
	gone bypath
'

test_expect_success '--dry-run says what would go and removes nothing' '
	new dry &&
	(cd app && "$SBX" wt rm --dry-run --delete-branch dry >../out) &&
	printf "%s\n" "would remove worktree '"'"'$WTS/dry'"'"'" "would delete branch '"'"'dry'"'"'" >want &&
	cmp want out &&
	test -d "$WTS/dry" &&
	git -C app rev-parse --verify -q refs/heads/dry
'

test_expect_success '--delete-branch deletes a merged branch' '
	(cd app && "$SBX" wt rm --delete-branch dry >../out) &&
	test_grep "^deleted branch .dry.$" out &&
	gone dry &&
	test_must_fail git -C app rev-parse --verify -q refs/heads/dry
'

test_expect_success '--delete-branch refuses an unmerged branch; --force deletes it' '
	new unmerged &&
	commit_file "$WTS/unmerged" work &&
	(cd app && test_expect_code 1 "$SBX" wt rm --delete-branch unmerged 2>../err) &&
	test_grep "branch .unmerged. is not merged into .main.: keep it (drop --delete-branch) or use --force" err &&
	test -d "$WTS/unmerged" &&
	(cd app && "$SBX" wt rm --delete-branch --force unmerged >/dev/null) &&
	gone unmerged &&
	test_must_fail git -C app rev-parse --verify -q refs/heads/unmerged
'

test_expect_success 'a locked worktree is refused; --force removes it' '
	new locked &&
	git -C app worktree lock "$WTS/locked" &&
	(cd app && test_expect_code 1 "$SBX" wt rm locked 2>../err) &&
	test_grep "$WTS/locked. is locked: unlock it (git worktree unlock) or use --force" err &&
	(cd app && "$SBX" wt rm --force locked >/dev/null) &&
	gone locked
'

test_expect_success 'a worktree whose directory is gone: its record is removed' '
	new vanished &&
	rm -rf "$WTS/vanished" &&
	(cd app && "$SBX" wt rm vanished >/dev/null) &&
	gone vanished
'

test_expect_success '--merged removes the worktrees merged into the main branch only' '
	(cd app && "$SBX" wt rm keep >/dev/null) &&
	new m1 m2 open &&
	commit_file "$WTS/m1" m1-file &&
	git -C app merge -q --no-edit m1 &&
	commit_file "$WTS/open" open-file &&
	(cd app && "$SBX" wt rm --merged --dry-run >../out) &&
	printf "%s\n" "would remove worktree '"'"'$WTS/m1'"'"'" "would remove worktree '"'"'$WTS/m2'"'"'" >want &&
	cmp want out &&
	(cd app && "$SBX" wt rm --merged --delete-branch >../out) &&
	gone m1 && gone m2 && test -d "$WTS/open" &&
	test_must_fail git -C app rev-parse --verify -q refs/heads/m1 &&
	git -C app rev-parse --verify -q refs/heads/open
'

test_expect_success '--merged REF compares with REF; nothing merged is no error' '
	(cd app && "$SBX" wt rm --merged open >../out 2>../err) &&
	test_grep "no worktree has a branch merged into .open." err &&
	new later &&
	git -C app branch target &&
	(cd app && "$SBX" wt rm --merged target >../out) &&
	gone later && test -d "$WTS/open"
'

test_expect_success '--merged skips a dirty one, removes the rest, exits 1' '
	new clean-merged dirty-merged &&
	echo wip >"$WTS/dirty-merged/wip" &&
	(cd app && test_expect_code 1 "$SBX" wt rm --merged >../out 2>../err) &&
	test_grep "$WTS/dirty-merged. has changes" err &&
	gone clean-merged &&
	test -f "$WTS/dirty-merged/wip" &&
	(cd app && "$SBX" wt rm -f dirty-merged >/dev/null)
'

test_expect_success 'usage errors exit 2' '
	cd app &&
	test_expect_code 2 "$SBX" wt rm 2>../err && test_grep "name the BRANCH" ../err &&
	test_expect_code 2 "$SBX" wt rm --merged a b 2>../err &&
	test_grep "at most one REF" ../err &&
	test_expect_code 2 "$SBX" wt rm --merged no-such-ref 2>../err &&
	test_grep "no-such-ref. names no commit" ../err &&
	test_expect_code 2 "$SBX" wt rm open --base x 2>../err &&
	test_grep "option .--base. is for .sbx wt new." ../err &&
	test -d "$WTS/open"
'

test_expect_success 'from inside one worktree, another goes; from a bare repository too' '
	new other &&
	(cd "$WTS/open" && "$SBX" wt rm other >/dev/null) &&
	gone other &&
	git clone -q --bare app bare.git &&
	(cd bare.git && "$SBX" wt new topic >/dev/null 2>&1 && "$SBX" wt rm topic >/dev/null) &&
	! test -e bare.worktrees/topic
'

if command -v bwrap >/dev/null 2>&1; then
	test_expect_success 'a running sandbox is refused; --force stops it and removes' '
		new busy &&
		(cd "$WTS/busy" && SBX_BACKEND=bwrap SBX_AGENT=shell "$SBX" shell -- \
			sh -c "touch \"$TRASH/started\"; exec sleep 3262") &
		pid=$! &&
		i=0 && while ! test -e started; do
			i=$((i + 1)); test $i -lt 200 || break; sleep 0.05; done &&
		(cd app && test_expect_code 1 "$SBX" wt rm busy 2>../err) &&
		test_grep "a sandbox is running in .$WTS/busy.: end it" err &&
		test -d "$WTS/busy" &&
		(cd app && "$SBX" wt rm --force busy >../out 2>../err) &&
		test_grep "stopped sandbox .sbx-app-" err &&
		{ wait $pid; code=$?; } ;
		test "$code" -gt 128 &&
		test_wait_for "! pgrep -f \"sleep 3262\"" &&
		gone busy
	'
else
	test_skip 'a running sandbox is refused' 'bubblewrap is not installed'
fi

test_done
