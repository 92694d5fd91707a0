#!/bin/sh
# bash completion: the _sbx function called with COMP_WORDS and COMP_CWORD as
# bash sets them, for commands, options and the values sbx can know: agents
# (built in and configured), backends, sandboxes (a real bwrap world, as
# `sbx ls --json` lists it), worktree branches and git refs (a real repository).
. "$(dirname "$0")/lib-git.sh"

if ! command -v bash >/dev/null 2>&1; then
	test_skip 'bash completion' 'bash is not installed'
	test_done
	exit 0
fi

# complete WORD...: the candidates for the last word, sorted, one per line.
cat >"$TRASH/complete.bash" <<'EOF'
. "$COMPLETION"
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
_sbx
[ "${#COMPREPLY[@]}" -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort
EOF
COMPLETION="$SRC_DIR/completions/sbx.bash"
export COMPLETION
bash_complete() {
	bash --norc --noprofile "$TRASH/complete.bash" "$@"
}

# expect WORD... <<EOF: the candidates are exactly these lines.
expect() {
	bash_complete "$@" >actual &&
	sort >expected &&
	if ! cmp -s expected actual; then
		echo "completing '$*': expected vs actual" >&2
		diff expected actual >&2
		return 1
	fi
}

make_repo repo >/dev/null &&
git -C repo branch feature-a &&
git -C repo branch feature-b &&
git -C repo tag v1.0 &&
git -C repo worktree add -q ../wt-a feature-a &&
cat >repo/.sbx.json <<'EOF'
{ "agents": { "myagent": { "command": "myagent" } } }
EOF
cd repo && "$SBX" trust >/dev/null || exit 1

test_expect_success 'sbx completion bash prints the script make install installs' '
	"$SBX" completion bash >printed &&
	cmp printed "$COMPLETION" &&
	"$SBX" completion zsh >printed &&
	cmp printed "$SRC_DIR/completions/sbx.zsh" &&
	test_expect_code 2 "$SBX" completion fish 2>err &&
	test_grep "unknown shell .fish." err
'

test_expect_success 'commands: every command of sbx --help, by prefix' '
	"$SBX" --help | sed -n "s/^  \([a-z][a-z-]*\) .*/\1/p" >expected-commands &&
	expect sbx "" <expected-commands &&
	expect sbx ru <<-EOF &&
	run
	EOF
	expect sbx co <<-EOF
	completion
	config
	EOF
'

test_expect_success 'global options before the command, and the command after them' '
	expect sbx --ver <<-EOF &&
	--verbose
	--version
	EOF
	expect sbx -q ru <<-EOF
	run
	EOF
'

test_expect_success 'options: every option of the command help lists, by prefix' '
	{ "$SBX" help run | sed -n "s/^  \(-., \)\{0,1\} *\(--[a-z-]*\).*/\2/p"; echo --help; } \
		>expected-options &&
	test_line_count expected-options 8 &&
	expect sbx run -- <expected-options &&
	expect sbx run --k <<-EOF &&
	--keep
	EOF
	expect sbx -v run --agent claude --ke <<-EOF
	--keep
	EOF
'

test_expect_success 'agents: the built-in ones and those the configuration adds' '
	expect sbx run --agent "" <<-EOF &&
	claude
	codex
	gemini
	myagent
	opencode
	shell
	EOF
	expect sbx login --agent c <<-EOF
	claude
	codex
	EOF
'

test_expect_success '--option=value: one word, and the three words bash splits it into' '
	expect sbx run --agent=co <<-EOF &&
	--agent=codex
	EOF
	cat >split.bash <<-\EOF &&
	. "$COMPLETION"
	COMP_LINE="sbx run --agent=co"
	COMP_POINT=${#COMP_LINE}
	COMP_WORDS=(sbx run --agent = co)
	COMP_CWORD=4
	_sbx
	printf "%s\n" "${COMPREPLY[@]}"
	COMP_LINE="sbx run --backend="
	COMP_POINT=${#COMP_LINE}
	COMP_WORDS=(sbx run --backend =)
	COMP_CWORD=3
	_sbx
	printf "%s\n" "${COMPREPLY[@]}"
	EOF
	bash --norc --noprofile split.bash >actual &&
	printf "%s\n" codex lima bwrap | sort >expected &&
	sort actual | cmp - expected
'

test_expect_success 'backends, and a value no table knows completes to nothing' '
	expect sbx shell --backend "" <<-EOF &&
	bwrap
	lima
	EOF
	bash_complete sbx run --env "" >out &&
	test_line_count out 0
'

test_expect_success 'subcommands and choices from the usage lines' '
	expect sbx config "" <<-EOF &&
	show
	validate
	EOF
	expect sbx wt "" <<-EOF &&
	diff
	log
	ls
	merge
	new
	rm
	EOF
	expect sbx completion "" <<-EOF &&
	bash
	zsh
	EOF
	expect sbx init --prefix lm z <<-EOF
	zsh
	EOF
'

test_expect_success 'help completes command names' '
	expect sbx help wt <<-EOF
	wt
	EOF
'

if command -v bwrap >/dev/null 2>&1; then
	test_expect_success 'sandboxes: the names sbx ls --json lists (a bwrap world)' '
		SBX_BACKEND=bwrap SBX_AGENT=shell "$SBX" shell --keep -- true &&
		"$SBX" ls --json >ls.json &&
		sed -n "s/.*\"name\":\"\(sbx-[^\"]*\)\".*/\1/p" ls.json | sort >names &&
		test_line_count names 2 &&
		grep -- "-keep\$" names &&
		expect sbx stop "" <names &&
		expect sbx rm sbx- <names &&
		expect sbx rm "$(head -n 1 names)" "" <names &&
		expect sbx attach sbx- <names
	'
else
	test_skip 'sandboxes: the names sbx ls --json lists (a bwrap world)' 'no bwrap'
fi

test_expect_success 'worktree branches for wt rm; branches for wt new; refs for --base' '
	expect sbx wt rm "" <<-EOF &&
	feature-a
	EOF
	expect sbx wt new feat <<-EOF &&
	feature-a
	feature-b
	EOF
	expect sbx wt new x --base "" <<-EOF &&
	HEAD
	feature-a
	feature-b
	main
	v1.0
	EOF
	expect sbx wt rm --merged v <<-EOF
	v1.0
	EOF
'

test_expect_success 'worktree branches and the options of wt diff, log and merge' '
	expect sbx wt diff "" <<-EOF &&
	feature-a
	EOF
	expect sbx wt merge "" <<-EOF &&
	feature-a
	EOF
	expect sbx wt log feature-a --j <<-EOF &&
	--json
	EOF
	expect sbx wt merge feature-a --sq <<-EOF &&
	--squash
	EOF
	expect sbx wt merge feature-a --rm --del <<-EOF &&
	--delete-branch
	EOF
	expect sbx wt diff feature-a --patc <<-EOF
	--patch
	EOF
'

test_expect_success 'files for FILE, and for the agent after --' '
	touch file-one file-two &&
	expect sbx config validate file- <<-EOF &&
	file-one
	file-two
	EOF
	expect sbx run -- file-t <<-EOF &&
	file-two
	EOF
	expect sbx run --keep --resume file-o <<-EOF
	file-one
	EOF
'

test_expect_success 'links complete as their command: sbx-wt, ./bin/sbx-run (sbx beside it)' '
	expect sbx-wt rm "" <<-EOF &&
	feature-a
	EOF
	mkdir bin &&
	ln -s "$SBX" bin/sbx &&
	ln -s sbx bin/sbx-run &&
	expect ./bin/sbx-run --tm <<-EOF
	--tmux
	EOF
'

test_expect_success 'a raw command: flags and subcommands from its usage lines' '
	expect sbx notify "" <<-EOF &&
	send
	serve
	stats
	EOF
	expect sbx notify send -s <<-EOF
	-sound
	-subtitle
	EOF
'

test_expect_success 'the installed script is registered for sbx and its links' '
	bash --norc --noprofile -c ". \"$COMPLETION\" && complete -p sbx sbx-run sbx-wt" >out &&
	test_line_count out 3 &&
	test_grep "complete -F _sbx sbx$" out
'

test_done
