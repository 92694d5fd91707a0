#!/bin/sh
# Project detection through libgit2, and what each kind of project mounts:
# a plain repository, a linked worktree (also at a path with spaces and
# non-ASCII), a submodule, a bare repository and a worktree of it, a detached
# HEAD, a directory outside any repository. The sandbox is the fake bwrap's.
# The git directory is always the sandbox's own, bound by descriptor over the
# host's (lib/gitdir.h; t0401 and t0900 look inside it).
. "$(dirname "$0")/lib-git.sh"

make_repo app &&
mkdir -p app/src/deep &&
git -C app worktree add -q -b feature ../feature &&
git -C app worktree add -q -b uni "$TRASH/dir with spaces/wörk tree" &&
make_repo lib &&
make_repo super &&
git -C super submodule add -q ../lib sub &&
git -C super commit -q -m "add sub" &&
git clone -q --bare app bare.git &&
git -C bare.git worktree add -q ../bare-wt main &&
make_repo detached &&
commit_file detached second &&
git -C detached checkout -q HEAD~1 &&
mkdir -p plain/dir || exit 1
APP="$TRASH/app" WT="$TRASH/feature" UNI="$TRASH/dir with spaces/wörk tree"
export APP WT UNI

# mounted KIND HOST: the fake bwrap was asked for that mount at the same path.
mounted() {
	binds >binds.out &&
	test_grep -x -F -e "$1 $2 $2" binds.out
}

# not_mounted PATH: no mount of PATH itself, nor of anything below it but .git dirs named.
not_mounted() {
	binds >binds.out &&
	! grep -F " $1 " binds.out
}

test_expect_success 'a plain repository: its top directory, from any subdirectory' '
	(cd app/src/deep && fake_shell) &&
	mounted --bind "$APP" &&
	mounted --bind-fd "$APP/.git" &&
	grep -x -A1 -e --chdir "$BWRAP_ARGV" | tail -n 1 >chdir &&
	test "$(cat chdir)" = "$APP"
'

test_expect_success 'a linked worktree: itself and the main .git, nothing else of main' '
	(cd feature && fake_shell) &&
	mounted --bind "$WT" &&
	mounted --bind-fd "$APP/.git" &&
	mounted --ro-bind-fd "$WT/.git" &&
	not_mounted "$APP" &&
	binds >binds.out &&
	! grep -F "$APP/src" binds.out
'

test_expect_success 'a worktree at a path with spaces and non-ASCII' '
	(cd "$UNI" && fake_shell) &&
	mounted --bind "$UNI" &&
	mounted --bind-fd "$APP/.git" &&
	not_mounted "$APP"
'

test_expect_success 'a submodule: itself and its git dir in the superproject, nothing else' '
	(cd super/sub && fake_shell) &&
	mounted --bind "$TRASH/super/sub" &&
	mounted --bind-fd "$TRASH/super/.git/modules/sub" &&
	not_mounted "$TRASH/super" &&
	not_mounted "$TRASH/super/.git"
'

test_expect_success 'a bare repository is refused, pointing to a worktree' '
	(cd bare.git && test_expect_code 2 "$SBX" shell --backend bwrap -- true 2>../err) &&
	test_line_count err 1 &&
	test_grep "bare.git. is a bare repository: run sbx in a worktree of it (sbx wt new BRANCH)" err
'

test_expect_success 'a worktree of a bare repository: itself and the repository' '
	(cd bare-wt && fake_shell) &&
	mounted --bind "$TRASH/bare-wt" &&
	mounted --bind-fd "$TRASH/bare.git"
'

test_expect_success 'a detached HEAD is a project like any checkout' '
	(cd detached && fake_shell) &&
	mounted --bind "$TRASH/detached"
'

test_expect_success 'a directory outside any repository is a project by itself' '
	(cd plain/dir && fake_shell) &&
	mounted --bind "$TRASH/plain/dir" &&
	not_mounted "$TRASH/plain"
'

test_expect_success 'GIT_DIR and GIT_WORK_TREE in the environment are ignored' '
	(cd plain/dir && GIT_DIR="$APP/.git" GIT_WORK_TREE="$APP" fake_shell) &&
	mounted --bind "$TRASH/plain/dir" &&
	not_mounted "$APP"
'

if [ "$(id -u)" = 0 ]; then
	test_expect_success 'a repository of another user is refused, naming safe.directory' '
		make_repo foreign &&
		chown -R 12345 foreign &&
		(cd foreign && test_expect_code 2 "$SBX" shell --backend bwrap -- true 2>../err) &&
		test_line_count err 1 &&
		test_grep "repository at .$TRASH/foreign. belongs to another user: run sbx as its owner" err &&
		test_grep "safe.directory" err &&
		(cd foreign && test_expect_code 1 "$SBX" wt ls 2>../err) &&
		test_grep "belongs to another user" err
	'
else
	test_skip 'a repository of another user is refused' 'making one needs root'
fi

test_expect_success 'sbx doctor names the project of a worktree' '
	(cd feature && "$SBX" doctor >../out 2>&1 || true) &&
	test_grep "project: $WT$" out
'

test_expect_success 'the main checkout and its worktrees share one template' '
	make_repo shared &&
	git -C shared worktree add -q -b one ../shared-one &&
	git -C shared worktree add -q -b two ../shared-two &&
	(cd shared && fake_shell) &&
	(cd shared-one && fake_shell) &&
	(cd shared-two && fake_shell) &&
	ls "$XDG_DATA_HOME/sbx/bwrap" | grep "^sbx-shared-" >templates &&
	test_line_count templates 1 &&
	SBX_BACKEND=bwrap "$SBX" ls --json >list &&
	test_grep "\"kind\":\"template\".*\"project\":\"$TRASH/shared\"" list
'

test_expect_success 'a worktree gets its own transcript folder, and only that one' '
	mkdir -p "$XDG_CONFIG_HOME/sbx" &&
	echo "{\"agents\": {\"claude\": {\"command\": \"/bin/true\"}}}" \
		>"$XDG_CONFIG_HOME/sbx/config.json" &&
	(cd feature && SBX_BACKEND=bwrap SBX_BWRAP="$FAKE_BWRAP" "$SBX" run) &&
	rm "$XDG_CONFIG_HOME/sbx/config.json" &&
	enc=$(printf "%s" "$WT" | sed "s/[^A-Za-z0-9]/-/g") &&
	binds | grep -F "/.claude/projects/" >transcripts &&
	test_line_count transcripts 1 &&
	test_grep -F -e "--bind $HOME/.claude/projects/$enc /home/" transcripts &&
	test_grep -e "/.claude/projects/$enc\$" transcripts &&
	test -d "$HOME/.claude/projects/$enc"
'

test_done
