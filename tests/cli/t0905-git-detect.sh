#!/bin/sh
# Project detection trusts nothing a sandbox could have written: repositories
# left as a hostile agent (or a tarball) would leave them, then what the user
# does on the host. Each refusal is one line naming the file, exits 2, starts
# no sandbox and mounts nothing; the other repository a file points at is
# never seen from inside (a real bwrap sandbox looks for its marker). And host
# git configuration that runs files of the project is warned of.
. "$(dirname "$0")/lib-git.sh"

make_repo other &&
echo secret >other/MARKER &&
echo secret >other/.git/MARKER &&
make_repo lib || exit 1
OTHER="$TRASH/other"
export OTHER

# refused DIR FILE [TEXT]: sbx shell in DIR exits 2 with one line naming FILE
# (and TEXT), runs no bwrap, and the other repository is as it was.
refused() {
	rm -f "$BWRAP_ARGV" &&
	(cd "$1" && test_expect_code 2 timeout 20 env SBX_BACKEND=bwrap SBX_AGENT=shell \
		SBX_BWRAP="$FAKE_BWRAP" "$SBX" shell -- true 2>"$TRASH/err") &&
	test_line_count "$TRASH/err" 1 &&
	test_grep -F "sbx shell: '$2" "$TRASH/err" &&
	test_grep -F "${3:-$2}" "$TRASH/err" &&
	! test -e "$BWRAP_ARGV" &&
	test "$(cat "$OTHER/MARKER")" = secret
}

# A real bwrap sandbox, where the machine can make one.
if command -v bwrap >/dev/null 2>&1 && bwrap --ro-bind / / true 2>/dev/null; then
	HAVE_BWRAP=1
fi

# sees_marker DIR: a real sandbox in DIR is asked to print the other repository's markers,
# in its work tree and in its git directory.
sees_marker() {
	(cd "$1" && SBX_BACKEND=bwrap SBX_AGENT=shell timeout 60 "$SBX" shell -- \
		sh -c "cat '$OTHER/MARKER'; cat '$OTHER/.git/MARKER'; true" >"$TRASH/seen" 2>"$TRASH/seen.err")
}

test_expect_success 'a commondir in the main checkout naming another repository' '
	make_repo app &&
	echo "$OTHER/.git" >app/.git/commondir &&
	refused app "$TRASH/app/.git/commondir" "git writes one only in a linked worktree'"'"'s record (.git/worktrees/NAME): remove it (rm '"'"'$TRASH/app/.git/commondir'"'"')" &&
	refused app/.git "$TRASH/app/.git/commondir"
'

if [ -n "${HAVE_BWRAP:-}" ]; then
	test_expect_success 'a real sandbox there never sees the other repository' '
		{ sees_marker app; echo $? >code; } &&
		! grep secret seen &&
		test "$(cat code)" = 2 &&
		test_grep -F "$TRASH/app/.git/commondir" seen.err
	'
else
	test_skip 'a real sandbox there never sees the other repository' 'no usable bwrap'
fi

test_expect_success 'sbx doctor names it too' '
	(cd app && test_expect_code 1 "$SBX" doctor >../out 2>&1) &&
	test_grep "^fail project: .$TRASH/app/.git/commondir. points git at another repository" out
'

test_expect_success 'a symbolic link or a FIFO as the commondir: refused, never read' '
	make_repo app2 &&
	mkfifo app2/.git/commondir &&
	refused app2 "$TRASH/app2/.git/commondir" &&
	rm app2/.git/commondir &&
	ln -s "$OTHER/.git" app2/.git/commondir &&
	refused app2 "$TRASH/app2/.git/commondir"
'

test_expect_success 'a .git file in a plain directory naming another repository' '
	mkdir plain &&
	echo "gitdir: $OTHER/.git" >plain/.git &&
	refused plain "$TRASH/plain/.git" "names '"'"'$OTHER/.git'"'"', which is neither inside"
'

if [ -n "${HAVE_BWRAP:-}" ]; then
	test_expect_success 'and a real sandbox there never sees it' '
		{ sees_marker plain; echo $? >code; } &&
		! grep secret seen &&
		test "$(cat code)" = 2
	'
else
	test_skip 'and a real sandbox there never sees it' 'no usable bwrap'
fi

test_expect_success 'a .git symbolic link or FIFO' '
	mkdir linked fifo &&
	ln -s "$OTHER/.git" linked/.git &&
	refused linked "$TRASH/linked/.git" "is a symbolic link, which sbx does not follow" &&
	mkfifo fifo/.git &&
	refused fifo "$TRASH/fifo/.git" "is neither a git directory nor a .git file"
'

test_expect_success 'a gitdir file in the main checkout (libgit2 would take its work tree)' '
	make_repo app3 &&
	echo "$OTHER/.git" >app3/.git/gitdir &&
	refused app3 "$TRASH/app3/.git/gitdir"
'

test_expect_success 'a linked worktree whose record was turned to the main checkout' '
	make_repo main &&
	git -C main worktree add -q -b side ../side &&
	echo "$TRASH/main/.git" >main/.git/worktrees/side/gitdir &&
	refused side "$TRASH/main/.git/worktrees/side/gitdir" "points at '"'"'$TRASH/main/.git'"'"', not at '"'"'$TRASH/side/.git'"'"'" &&
	git -C side worktree repair &&
	(cd side && fake_shell)
'

test_expect_success 'a linked worktree whose commondir names another repository' '
	echo "$OTHER/.git" >main/.git/worktrees/side/commondir &&
	refused side "$TRASH/main/.git/worktrees/side/commondir" &&
	echo ../.. >main/.git/worktrees/side/commondir &&
	(cd side && fake_shell)
'

test_expect_success 'a submodule: its git directory in the superproject'"'"'s modules/, or refused' '
	make_repo super &&
	git -C super submodule add -q ../lib sub &&
	git -C super commit -q -m sub &&
	(cd super/sub && fake_shell) &&
	binds >binds.out &&
	test_grep -x -F -e "--bind-fd $TRASH/super/.git/modules/sub $TRASH/super/.git/modules/sub" binds.out &&
	! grep -F " $TRASH/super " binds.out &&
	mkdir super/evil &&
	echo "gitdir: ../../other/.git" >super/evil/.git &&
	refused super/evil "$TRASH/super/evil/.git"
'

test_expect_success 'a submodule whose config moves its work tree elsewhere' '
	git -C super/.git/modules/sub config core.worktree "$OTHER" &&
	refused super/sub "$TRASH/super/.git/modules/sub/config" "(core.worktree)" &&
	git -C super/.git/modules/sub config core.worktree ../../../sub &&
	(cd super/sub && fake_shell)
'

test_expect_success 'extensions sbx'"'"'s libgit2 cannot handle: named, never misread' '
	make_repo ext &&
	git -C ext config extensions.worktreeConfig true &&
	refused ext "$TRASH/ext/.git/config" "sets extensions.worktreeConfig, which sbx'"'"'s libgit2 cannot handle" &&
	git -C ext config --unset extensions.worktreeConfig &&
	cp ext/.git/config config.v0 &&
	git -C ext config core.repositoryformatversion 1 &&
	cp ext/.git/config config.v1 &&
	printf "[extensions]\n\trefStorage = reftable\n" >>ext/.git/config &&
	refused ext "$TRASH/ext/.git/config" "sets extensions.refStorage to '"'"'reftable'"'"', which sbx'"'"'s libgit2 cannot handle" &&
	cp config.v1 ext/.git/config &&
	printf "[extensions]\n\tobjectFormat = sha256\n" >>ext/.git/config &&
	refused ext "$TRASH/ext/.git/config" "sets extensions.objectFormat to '"'"'sha256'"'"'" &&
	cp config.v0 ext/.git/config &&
	(cd ext && fake_shell)
'

# Host git configuration that runs what the sandbox writes.
test_expect_success 'sbx doctor warns of config that runs files of the project' '
	make_repo husky &&
	git -C husky config core.hooksPath .husky &&
	git -C husky config filter.fmt.clean "./tools/fmt --stdin" &&
	(cd husky && "$SBX" doctor >../out 2>&1 || true) &&
	test_grep -F "warn git config: core.hooksPath in '"'"'$TRASH/husky/.git/config'"'"' names '"'"'$TRASH/husky/.husky'"'"' inside the project" out &&
	test_grep -F "warn git config: filter.fmt.clean in '"'"'$TRASH/husky/.git/config'"'"' names '"'"'$TRASH/husky/tools/fmt'"'"'" out &&
	test_grep -F "fix: move it out of the project, or unset it (git config --file '"'"'$TRASH/husky/.git/config'"'"' --unset core.hooksPath)" out &&
	(cd lib && "$SBX" doctor >../out 2>&1 || true) &&
	test_grep "^ok   git config: runs and includes nothing inside the project" out
'

test_expect_success 'the first sbx shell warns once, then again only of what is new' '
	(cd husky && fake_shell 2>../err) &&
	test_line_count err 2 &&
	test_grep -F "sbx: warning: git config core.hooksPath in '"'"'$TRASH/husky/.git/config'"'"' names '"'"'$TRASH/husky/.husky'"'"' inside the project, which a sandbox can write" err &&
	(cd husky && fake_shell 2>../err) &&
	test_line_count err 0 &&
	git config --global diff.pdf.textconv "$TRASH/husky/bin/pdf2txt" &&
	(cd husky && fake_shell 2>../err) &&
	test_line_count err 1 &&
	test_grep -F "diff.pdf.textconv in '"'"'$HOME/.gitconfig'"'"'" err &&
	git config --global --unset diff.pdf.textconv &&
	(cd lib && fake_shell 2>../err) &&
	test_line_count err 0
'

test_expect_success 'an included file inside the project is a risk, and read again when it changes' '
	git -C lib config include.path ../shared.gitconfig &&
	: >lib/shared.gitconfig &&
	(cd lib && fake_shell 2>../err) &&
	test_line_count err 1 &&
	test_grep -F "include.path in '"'"'$TRASH/lib/.git/config'"'"' names '"'"'$TRASH/lib/shared.gitconfig'"'"'" err &&
	sleep 1 &&
	printf "[core]\\n\\tfsmonitor = ./fsmonitor.sh\\n" >lib/shared.gitconfig &&
	(cd lib && fake_shell 2>../err) &&
	test_line_count err 1 &&
	test_grep -F "core.fsmonitor in '"'"'$TRASH/lib/shared.gitconfig'"'"' names '"'"'$TRASH/lib/fsmonitor.sh'"'"'" err
'

test_done
