#!/bin/sh
# Worktrees in real bwrap sandboxes: what a worktree's sandbox sees of the
# repository, commits that reach the main checkout, a submodule, and
# `sbx wt new --run` starting the agent in the new worktree.
. "$(dirname "$0")/lib-git.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'worktrees in bwrap sandboxes' 'bubblewrap is not installed'
	test_done
	exit 0
fi
export SBX_BACKEND=bwrap SBX_AGENT=shell

make_repo app &&
commit_file app main-only.txt "main's working file" &&
git clone -q --bare app upstream.git &&
git -C app remote add origin "$TRASH/upstream.git" &&
(cd app && "$SBX" wt new feature && "$SBX" wt new sibling &&
	"$SBX" wt new uni --path "$TRASH/dir with spaces/wörk tree") >/dev/null 2>&1 &&
make_repo lib &&
make_repo super &&
git -C super submodule add -q ../lib sub &&
git -C super commit -q -m "add sub" &&
git -C super/sub config user.name "Sbx Test" &&
git -C super/sub config user.email "test@sbx.invalid" || exit 1
APP="$TRASH/app" WTS="$TRASH/app.worktrees"
export APP WTS

# in_sandbox DIR SCRIPT: runs SCRIPT with sh in the sandbox of DIR's project.
in_sandbox() {
	(cd "$1" && "$SBX" shell -- sh -c "$2")
}

test_expect_success 'a commit made in the sandbox of a worktree is seen from the main checkout' '
	in_sandbox "$WTS/feature" "echo inside >inside.txt && git add inside.txt &&
		git commit -q -m made-inside && git log -1 --format=%s" >out &&
	test "$(cat out)" = made-inside &&
	test "$(git -C app log -1 --format=%s feature)" = made-inside &&
	git -C app show feature:inside.txt >out &&
	test "$(cat out)" = inside
'

test_expect_success 'the main checkout'"'"'s files and other worktrees are not visible inside' '
	in_sandbox "$WTS/feature" "ls -A \"$APP\"; test -e \"$APP/main-only.txt\" && echo LEAK;
		test -e \"$WTS/sibling\" && echo LEAK; test -e \"$APP/.git/HEAD\" && echo git-dir-ok" >out &&
	printf "%s\n" .git git-dir-ok >want &&
	cmp want out
'

test_expect_success 'branch and fetch (from a mounted remote) work inside; the host sees them' '
	commit_file app later.txt &&
	git -C app push -q origin main &&
	(cd "$WTS/feature" && "$SBX" shell --mount "$TRASH/upstream.git:ro" -- sh -c \
		"git branch made-in-sandbox && git fetch -q origin && git rev-parse origin/main") >out &&
	git -C app rev-parse --verify -q refs/heads/made-in-sandbox &&
	test "$(cat out)" = "$(git -C app rev-parse main)" &&
	test "$(git -C app rev-parse origin/main)" = "$(git -C app rev-parse main)"
'

test_expect_success 'what the sandbox writes belongs to the host user' '
	in_sandbox "$WTS/feature" "echo x >owned.txt" &&
	test "$(stat -c %u "$WTS/feature/owned.txt")" = "$(id -u)" &&
	find app/.git -newer "$WTS/feature/inside.txt" ! -user "$(id -u)" >foreign &&
	test_line_count foreign 0
'

test_expect_success 'a worktree at a path with spaces and non-ASCII commits too' '
	in_sandbox "$TRASH/dir with spaces/wörk tree" "pwd; echo u >u.txt && git add u.txt &&
		git commit -q -m unicode-path" >out &&
	test "$(cat out)" = "$TRASH/dir with spaces/wörk tree" &&
	test "$(git -C app log -1 --format=%s uni)" = unicode-path
'

test_expect_success 'a submodule commits into its git dir in the superproject, sees nothing else' '
	in_sandbox super/sub "echo s >s.txt && git add s.txt && git commit -q -m in-submodule &&
		ls -A \"$TRASH/super\"" >out &&
	printf "%s\n" .git sub >want &&
	cmp want out &&
	test "$(git -C super/sub log -1 --format=%s)" = in-submodule
'

# The probe agent records where it ran and what it got, into its project.
mkdir -p agent &&
{
	echo '#!/bin/sh'
	echo 'pwd >agent-cwd'
	printf '%s\n' 'printf "%s\n" "$@" >agent-args'
	echo 'exit 7'
} >agent/probe &&
chmod +x agent/probe &&
mkdir -p "$XDG_CONFIG_HOME/sbx" &&
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF || exit 1
{"agents": {"probe": {"command": "$TRASH/agent/probe"}}, "agent": "probe",
 "mounts": [{"location": "$TRASH/agent"}]}
EOF

test_expect_success 'wt new --run starts the agent in the new worktree, its exit code back' '
	(unset SBX_AGENT; cd app && test_expect_code 7 "$SBX" wt new task --run -- --flag "a b" >../out 2>../err) &&
	test "$(cat "$WTS/task/agent-cwd")" = "$WTS/task" &&
	printf "%s\n" --flag "a b" >want &&
	cmp want "$WTS/task/agent-args" &&
	test_grep "new branch .task. checked out in .$WTS/task." err &&
	test_line_count out 0
'

test_expect_success 'wt new --run without ARGS, from inside a worktree' '
	(unset SBX_AGENT; cd "$WTS/feature" && test_expect_code 7 "$SBX" wt new task2 --run 2>/dev/null) &&
	test "$(cat "$WTS/task2/agent-cwd")" = "$WTS/task2" &&
	test_line_count "$WTS/task2/agent-args" 1 &&
	test "$(git -C app rev-parse task2)" = "$(git -C app rev-parse feature)"
'

test_expect_success 'wt new --run that cannot create the worktree runs no agent' '
	(unset SBX_AGENT; cd app && test_expect_code 1 "$SBX" wt new task --run 2>../err) &&
	test_grep "branch .task. is checked out at" err
'

test_done
