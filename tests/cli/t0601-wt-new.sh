#!/bin/sh
# sbx wt new: the branch and its worktree, where they go, and every refusal.
. "$(dirname "$0")/lib-git.sh"

make_repo app &&
commit_file app second &&
git -C app branch old HEAD~1 || exit 1
APP="$TRASH/app"
WTS="$TRASH/app.worktrees"
export APP WTS

test_expect_success 'new BRANCH: a branch at HEAD in a sibling directory, its path printed' '
	(cd app && "$SBX" wt new one >../out 2>../err) &&
	test "$(cat out)" = "$WTS/one" &&
	test_grep "new branch .one. checked out in .$WTS/one." err &&
	test "$(git -C app rev-parse one)" = "$(git -C app rev-parse HEAD)" &&
	test "$(git -C "$WTS/one" symbolic-ref HEAD)" = refs/heads/one &&
	test -f "$WTS/one/second" &&
	git -C app worktree list --porcelain >list &&
	test_grep -x "worktree $WTS/one" list &&
	git -C "$WTS/one" status --porcelain >status &&
	test_line_count status 0
'

test_expect_success 'a branch name with slashes becomes subdirectories' '
	(cd app && "$SBX" wt new feature/deep/x >../out) &&
	test "$(cat out)" = "$WTS/feature/deep/x" &&
	test "$(git -C "$WTS/feature/deep/x" symbolic-ref --short HEAD)" = feature/deep/x
'

test_expect_success '--base REF starts the branch there' '
	(cd app && "$SBX" wt new based --base HEAD~1 >/dev/null) &&
	test "$(git -C app rev-parse based)" = "$(git -C app rev-parse HEAD~1)" &&
	! test -e "$WTS/based/second"
'

test_expect_success 'an existing branch is checked out as it is' '
	(cd app && "$SBX" wt new old >/dev/null 2>../err) &&
	test_grep "existing branch .old." err &&
	test "$(git -C "$WTS/old" rev-parse HEAD)" = "$(git -C app rev-parse HEAD~1)"
'

test_expect_success 'an existing branch with --base is a usage error, and changes nothing' '
	git -C app branch kept HEAD~1 &&
	(cd app && test_expect_code 2 "$SBX" wt new kept --base HEAD 2>../err) &&
	test_line_count err 1 &&
	test_grep "branch .kept. exists already: drop --base" err &&
	test "$(git -C app rev-parse kept)" = "$(git -C app rev-parse HEAD~1)" &&
	! test -e "$WTS/kept"
'

test_expect_success 'a branch checked out elsewhere is refused, saying where' '
	(cd app && test_expect_code 1 "$SBX" wt new one 2>../err) &&
	test_line_count err 1 &&
	test_grep "branch .one. is checked out at .$WTS/one. already" err &&
	(cd app && test_expect_code 1 "$SBX" wt new main 2>../err) &&
	test_grep "branch .main. is checked out at .$APP. already" err
'

test_expect_success 'a path that exists is refused, and no branch is made' '
	mkdir -p "$WTS/taken" &&
	(cd app && test_expect_code 1 "$SBX" wt new taken 2>../err) &&
	test_grep "$WTS/taken. exists already: remove it, or choose another place with --path DIR" err &&
	test_must_fail git -C app rev-parse --verify -q refs/heads/taken
'

test_expect_success 'an invalid branch name and a REF that names nothing exit 2' '
	(cd app && test_expect_code 2 "$SBX" wt new "bad..name" 2>../err) &&
	test_grep "bad..name. is not a valid branch name" err &&
	(cd app && test_expect_code 2 "$SBX" wt new fine --base no-such-ref 2>../err) &&
	test_grep "no-such-ref. names no commit" err &&
	test_must_fail git -C app rev-parse --verify -q refs/heads/fine &&
	! test -e "$WTS/fine"
'

test_expect_success 'a failed checkout leaves neither branch nor worktree record' '
	echo file >afile &&
	(cd app && test_expect_code 1 "$SBX" wt new broken --path ../afile/sub 2>../err) &&
	test_line_count err 1 &&
	test_must_fail git -C app rev-parse --verify -q refs/heads/broken &&
	git -C app worktree list --porcelain >list &&
	! grep broken list
'

test_expect_success '--path DIR is relative to the current directory, spaces and non-ASCII too' '
	mkdir -p "elsewhere/a b" &&
	(cd app && "$SBX" wt new uni --path "../elsewhere/a b/wörk tree" >../out) &&
	test "$(cat out)" = "$TRASH/elsewhere/a b/wörk tree" &&
	test "$(git -C "$TRASH/elsewhere/a b/wörk tree" symbolic-ref --short HEAD)" = uni
'

test_expect_success 'worktree.path places worktrees, with {repo} and {branch} and ~/' '
	echo "{\"worktree\": {\"path\": \"~/wt/{repo}/{branch}\"}}" >app/.sbx.json &&
	(cd app && "$SBX" trust >/dev/null) &&
	(cd app && "$SBX" wt new configured >../out) &&
	rm app/.sbx.json &&
	test "$(cat out)" = "$HOME/wt/app/configured" &&
	(cd app && SBX_WORKTREE_PATH="../{repo}-{branch}" "$SBX" wt new fromenv >../out) &&
	test "$(cat out)" = "$TRASH/app-fromenv"
'

test_expect_success 'from inside a worktree: its HEAD is the base, paths still beside main' '
	commit_file "$WTS/one" only-in-one &&
	(cd "$WTS/one" && "$SBX" wt new child >"$TRASH/out") &&
	test "$(cat out)" = "$WTS/child" &&
	test "$(git -C app rev-parse child)" = "$(git -C app rev-parse one)"
'

test_expect_success 'a detached HEAD is a fine base' '
	make_repo det &&
	commit_file det two &&
	git -C det checkout -q --detach HEAD~1 &&
	(cd det && "$SBX" wt new from-detached >/dev/null) &&
	test "$(git -C det rev-parse from-detached)" = "$(git -C det rev-parse HEAD)"
'

test_expect_success 'a bare repository gets worktrees beside it' '
	git clone -q --bare app bare.git &&
	(cd bare.git && "$SBX" wt new main >../out && "$SBX" wt new topic >>../out) &&
	printf "%s\n" "$TRASH/bare.worktrees/main" "$TRASH/bare.worktrees/topic" >want &&
	cmp want out &&
	test -f bare.worktrees/main/README
'

test_expect_success 'a repository without commits: HEAD has nothing to start from' '
	git init -q empty &&
	(cd empty && test_expect_code 1 "$SBX" wt new x 2>../err) &&
	test_grep "HEAD has no commit yet: make a first commit or give --base REF" err
'

test_expect_success 'outside any repository: refused, saying so' '
	mkdir -p nogit &&
	(cd nogit && test_expect_code 1 "$SBX" wt new x 2>../err) &&
	test_line_count err 1 &&
	test_grep "nogit. is in no git repository" err
'

test_expect_success 'a worktree made by sbx is one git knows: git can remove it' '
	(cd app && "$SBX" wt new for-git >/dev/null) &&
	git -C app worktree remove "$WTS/for-git" &&
	! test -e "$WTS/for-git"
'

test_expect_success 'usage errors exit 2 with one line' '
	cd app &&
	test_expect_code 2 "$SBX" wt 2>../err && test_line_count ../err 1 &&
	test_expect_code 2 "$SBX" wt new 2>../err && test_grep "needs a BRANCH" ../err &&
	test_expect_code 2 "$SBX" wt new a b 2>../err && test_grep "unexpected argument .b." ../err &&
	test_expect_code 2 "$SBX" wt new a -- x 2>../err && test_grep "add --run" ../err &&
	test_expect_code 2 "$SBX" wt new a --json 2>../err &&
	test_grep "option .--json. is for .sbx wt ls." ../err &&
	test_expect_code 2 "$SBX" wt frob 2>../err && test_grep "unknown subcommand .frob." ../err &&
	test_expect_code 2 "$SBX" wt new a --bogus 2>../err && test_line_count ../err 1 &&
	! test -e "$WTS/a"
'

test_expect_success 'sbx-wt is sbx wt' '
	mkdir -p links &&
	ln -sf "$SBX" links/sbx-wt &&
	(cd app && ../links/sbx-wt new via-link >../out) &&
	test "$(cat out)" = "$WTS/via-link"
'

test_done
