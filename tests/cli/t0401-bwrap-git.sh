#!/bin/sh
# A git project in a bwrap sandbox: the sandbox has a git directory of its own
# (lib/gitdir.h) that shares objects, refs and logs with the host's: commits
# and branches made inside are the host's at once, and the host's HEAD and
# index follow the sandbox's when the session ends.
. "$(dirname "$0")/lib-git.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'bwrap git projects' 'bubblewrap is not installed'
	test_done
	exit 0
fi
export SBX_BACKEND=bwrap SBX_AGENT=shell
make_repo repo && cd repo || exit 1
# The tests' own files are not the project's.
printf '%s\n' out err before >>.git/info/exclude

test_expect_success 'a commit made inside reaches the host repository' '
	"$SBX" shell -- git commit -q --allow-empty -m "from the sandbox" &&
	git log -1 --format=%s >out &&
	test "$(cat out)" = "from the sandbox"
'

test_expect_success 'the host index follows: git status on the host is clean after a commit inside' '
	"$SBX" shell -- sh -c "echo new >new && git add new && git commit -q -m new" &&
	git status --porcelain >out &&
	! test -s out &&
	git ls-files >out &&
	grep -x new out
'

test_expect_success 'during the session too: the host follows a moment after a commit inside' '
	"$SBX" shell -- sh -c "echo during >during && git add during && git commit -q -m during && : >ready && while ! test -e go; do sleep 0.05; done" &
	test_wait_for "test -e ready" &&
	test_wait_for "git ls-files | grep -qx during"
	git status --porcelain --untracked-files=no >out
	: >go &&
	wait $! &&
	rm ready go &&
	git ls-files | grep -qx during &&
	! test -s out
'

test_expect_success 'staged but not committed inside: staged on the host too' '
	"$SBX" shell -- sh -c "echo staged >staged && git add staged" &&
	git diff --cached --name-only >out &&
	test "$(cat out)" = staged &&
	git commit -q -m staged
'

test_expect_success 'a branch checked out inside is checked out on the host' '
	"$SBX" shell -- git checkout -q -b feature &&
	test "$(git symbolic-ref HEAD)" = refs/heads/feature &&
	"$SBX" shell -- git checkout -q main &&
	test "$(git symbolic-ref HEAD)" = refs/heads/main
'

test_expect_success 'a detached HEAD inside is detached on the host' '
	"$SBX" shell -- git checkout -q HEAD~1 &&
	test "$(cat .git/HEAD)" = "$(git rev-parse main~1)" &&
	git checkout -q main
'

test_expect_success 'git config works inside, on a copy: the host config does not change' '
	cp .git/config before &&
	"$SBX" shell -- sh -c "git config core.fsmonitor \"touch owned\" && git config core.fsmonitor" >out &&
	test "$(cat out)" = "touch owned" &&
	cmp before .git/config &&
	git status >/dev/null &&
	! test -e owned
'

test_expect_success 'the repository hooks run inside but cannot be changed there' '
	printf "#!/bin/sh\necho hook ran >&2\n" >.git/hooks/pre-commit &&
	chmod +x .git/hooks/pre-commit &&
	"$SBX" shell -- git commit -q --allow-empty -m hooked 2>err &&
	grep "hook ran" err &&
	test_must_fail "$SBX" shell -- sh -c "echo \"touch owned\" >>.git/hooks/pre-commit" &&
	! grep owned .git/hooks/pre-commit &&
	rm .git/hooks/pre-commit
'

test_expect_success 'a change made on the host meanwhile is left alone, with a warning' '
	"$SBX" shell -- sh -c "git checkout -q -b inside && : >ready && while ! test -e go; do sleep 0.05; done" 2>err &
	while ! test -e ready; do sleep 0.05; done &&
	git checkout -q -b host-side &&
	: >go &&
	wait $! &&
	rm ready go &&
	grep "left HEAD of .* as it is: it changed on the host" err &&
	test "$(git symbolic-ref HEAD)" = refs/heads/host-side &&
	git checkout -q main
'

test_expect_success 'in a linked worktree: commits reach the host, and its HEAD and index follow' '
	git worktree add -q ../wt -b side &&
	(cd ../wt && "$SBX" shell -- sh -c "echo w >w && git add w && git commit -q -m \"from the worktree\"") &&
	git log -1 --format=%s side >out &&
	test "$(cat out)" = "from the worktree" &&
	(cd ../wt && git status --porcelain >../out) &&
	! test -s ../out &&
	test "$(git symbolic-ref HEAD)" = refs/heads/main
'

test_expect_success 'a linked worktree sees which branches other worktrees have checked out' '
	(cd ../wt && test_must_fail "$SBX" shell -- git checkout -q main 2>err) &&
	(cd ../wt && test "$(git symbolic-ref HEAD)" = refs/heads/side)
'

test_expect_success 'a submodule works inside and its commits reach the host' '
	make_repo "$TRASH/lib" &&
	git submodule add -q "$TRASH/lib" lib &&
	git commit -q -m "add lib" &&
	"$SBX" shell -- sh -c "cd lib && echo s >s && git add s && git -c user.name=a -c user.email=a@sbx.invalid commit -q -m \"in the submodule\"" &&
	git -C lib log -1 --format=%s >out &&
	test "$(cat out)" = "in the submodule" &&
	git -C lib status --porcelain >out &&
	! test -s out
'

test_done
