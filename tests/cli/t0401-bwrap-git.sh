#!/bin/sh
# A git project in a bwrap sandbox: commits work and reach the host, but what
# git on the host would run or obey (hooks, config) cannot be changed inside.
. "$(dirname "$0")/lib.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'bwrap git projects' 'bubblewrap is not installed'
	test_done
	exit 0
fi
export SBX_BACKEND=bwrap SBX_AGENT=shell
git init -q repo && cd repo || exit 1
git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m first

test_expect_success 'a commit made inside reaches the host repository' '
	"$SBX" shell -- git -c user.name=agent -c user.email=a@example.com \
		commit -q --allow-empty -m "from the sandbox" &&
	git log -1 --format=%s >out &&
	test "$(cat out)" = "from the sandbox"
'

test_expect_success 'a hook cannot be planted from inside' '
	test_must_fail "$SBX" shell -- sh -c "echo \"touch owned\" >.git/hooks/post-commit" &&
	! test -e .git/hooks/post-commit &&
	test_must_fail "$SBX" shell -- sh -c "rm -r .git/hooks" &&
	test -d .git/hooks
'

test_expect_success 'the repository config cannot be changed from inside' '
	cp .git/config before &&
	test_must_fail "$SBX" shell -- git config core.fsmonitor "touch owned" &&
	cmp before .git/config &&
	test_must_fail "$SBX" shell -- sh -c "echo x >>.git/config" &&
	cmp before .git/config
'

test_expect_success 'in a linked worktree the main repository is protected the same way' '
	git worktree add -q ../wt -b side &&
	(cd ../wt && test_must_fail "$SBX" shell -- sh -c "echo x >\"$TRASH/repo/.git/hooks/pre-commit\"") &&
	! test -e .git/hooks/pre-commit &&
	(cd ../wt && "$SBX" shell -- git -c user.name=a -c user.email=a@example.com \
		commit -q --allow-empty -m "from the worktree") &&
	git log -1 --format=%s side >out &&
	test "$(cat out)" = "from the worktree"
'

test_done
