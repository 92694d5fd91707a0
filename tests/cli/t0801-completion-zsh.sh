#!/bin/sh
# zsh completion: a real interactive zsh (on a pseudo-terminal, in a clean
# ZDOTDIR) loads _sbx from $fpath with compinit, or evaluates
# `sbx completion zsh`, and completes typed lines (tests/cli/zsh-complete.zsh
# records what each compadd adds).
. "$(dirname "$0")/lib-git.sh"

if ! command -v zsh >/dev/null 2>&1 || ! zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then
	test_skip 'zsh completion' 'zsh (with zsh/zpty) is not installed'
	test_done
	exit 0
fi

export ZDOTDIR="$TRASH/zdotdir"
mkdir -p "$ZDOTDIR" "$TRASH/site-functions"
"$SBX" completion zsh >"$TRASH/site-functions/_sbx"
cat >"$TRASH/fpath.zsh" <<EOF
fpath=("$TRASH/site-functions" \$fpath)
autoload -U compinit
compinit -u -d "$TRASH/zcompdump"
EOF
cat >"$TRASH/eval.zsh" <<'EOF'
autoload -U compinit
compinit -u -D
eval "$(sbx completion zsh)"
EOF

# expect [SETUP] LINE <<EOF: the candidates for LINE are exactly these lines.
expect() {
	setup="$TRASH/fpath.zsh"
	[ $# -eq 2 ] && setup=$1 && shift
	zsh -f "$TESTS_DIR/zsh-complete.zsh" "$setup" "$1" | sort >actual &&
	sort >expected &&
	if ! cmp -s expected actual; then
		echo "completing '$1': expected vs actual" >&2
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

test_expect_success 'the file in $fpath is the one sbx completion zsh prints' '
	cmp "$TRASH/site-functions/_sbx" "$SRC_DIR/completions/sbx.zsh" &&
	head -n 1 "$TRASH/site-functions/_sbx" >first &&
	test_grep "^#compdef sbx sbx-run sbx-hook sbx-notify sbx-wt$" first
'

test_expect_success 'commands, by prefix' '
	"$SBX" --help | sed -n "s/^  \([a-z][a-z-]*\) .*/\1/p" >expected-commands &&
	expect "sbx " <expected-commands &&
	expect "sbx co" <<-EOF
	completion
	config
	EOF
'

test_expect_success 'options of the command, and after a global option' '
	expect "sbx run --k" <<-EOF &&
	--keep
	EOF
	expect "sbx -q shell --ba" <<-EOF
	--backend
	EOF
'

test_expect_success 'agents, built in and configured, also as --agent=VALUE' '
	expect "sbx run --agent " <<-EOF &&
	claude
	codex
	gemini
	myagent
	opencode
	shell
	EOF
	expect "sbx run --agent=my" <<-EOF
	--agent=myagent
	EOF
'

test_expect_success 'backends and subcommands' '
	expect "sbx setup --backend " <<-EOF &&
	bwrap
	lima
	EOF
	expect "sbx config " <<-EOF
	show
	validate
	EOF
'

if command -v bwrap >/dev/null 2>&1; then
	test_expect_success 'sandboxes: the names sbx ls --json lists (a bwrap world)' '
		SBX_BACKEND=bwrap SBX_AGENT=shell "$SBX" shell --keep -- true &&
		"$SBX" ls --json | sed -n "s/.*\"name\":\"\(sbx-[^\"]*\)\".*/\1/p" >names &&
		test_line_count names 2 &&
		expect "sbx rm " <names
	'
else
	test_skip 'sandboxes: the names sbx ls --json lists (a bwrap world)' 'no bwrap'
fi

test_expect_success 'worktree branches, branches and refs from the repository' '
	expect "sbx wt rm " <<-EOF &&
	feature-a
	EOF
	expect "sbx wt new f" <<-EOF &&
	feature-a
	feature-b
	EOF
	expect "sbx wt new x --base " <<-EOF &&
	HEAD
	feature-a
	feature-b
	main
	v1.0
	EOF
	expect "sbx wt merge " <<-EOF
	feature-a
	EOF
'

test_expect_success 'files, also after --option=' '
	touch file-one file-two &&
	expect "sbx config validate file-" <<-EOF &&
	file-one
	file-two
	EOF
	expect "sbx run --mount=file-t" <<-EOF
	--mount=file-two
	EOF
'

test_expect_success 'a link completes as its command' '
	expect "sbx-wt " <<-EOF
	diff
	log
	ls
	merge
	new
	rm
	EOF
'

test_expect_success 'eval "$(sbx completion zsh)" after compinit registers the same completion' '
	expect "$TRASH/eval.zsh" "sbx run --agent c" <<-EOF
	claude
	codex
	EOF
'

test_done
