#!/bin/sh
# sbx init bash|zsh: the output, sourced in a clean shell (bash --norc,
# zsh -f), defines sbxcc, sbxcx, sbxoc, sbxgm and sbxsh (or names with
# another prefix); each runs sbx (a fake first on PATH records its argv) with
# the right arguments, and completes like the command it wraps.
. "$(dirname "$0")/lib.sh"

mkdir -p fake-bin
cat >fake-bin/sbx <<'EOF'
#!/bin/sh
# Records its arguments, one per line.
for a; do printf '%s\n' "$a"; done >"$SBX_ARGV"
EOF
chmod +x fake-bin/sbx
export SBX_ARGV="$TRASH/argv"
"$SBX" init bash >init.bash
"$SBX" init zsh >init.zsh

# in_bash|in_zsh 'COMMANDS': runs them in a clean shell that sourced the init output.
in_bash() {
	PATH="$TRASH/fake-bin:$PATH" bash --norc --noprofile -c ". ./init.bash && $1"
}
in_zsh() {
	PATH="$TRASH/fake-bin:$PATH" zsh -f -c ". ./init.zsh && $1"
}

# argv_is WORD...: the fake sbx was run with exactly these words.
argv_is() {
	printf '%s\n' "$@" >expected-argv &&
	if ! cmp -s expected-argv "$SBX_ARGV"; then
		echo "sbx ran with:" >&2
		cat "$SBX_ARGV" >&2
		echo "expected:" >&2
		cat expected-argv >&2
		return 1
	fi
}

for sh in bash zsh; do
	if ! command -v $sh >/dev/null 2>&1; then
		test_skip "$sh: shell functions" "$sh is not installed"
		continue
	fi

	test_expect_success "$sh: the functions are defined, each its agent" '
		in_$sh "sbxcc" && argv_is run --agent claude -- &&
		in_$sh "sbxcx" && argv_is run --agent codex -- &&
		in_$sh "sbxoc" && argv_is run --agent opencode -- &&
		in_$sh "sbxgm" && argv_is run --agent gemini -- &&
		in_$sh "sbxsh" && argv_is shell --
	'

	test_expect_success "$sh: the agent gets its own flags and every word as it is" '
		in_$sh "sbxcc --resume" && argv_is run --agent claude -- --resume &&
		in_$sh "sbxcx exec \"fix the bug\" -m x" &&
		argv_is run --agent codex -- exec "fix the bug" -m x
	'

	test_expect_success "$sh: leading options of sbx run stay with sbx, the rest go to the agent" '
		in_$sh "sbxcc --keep --tmux -c" &&
		argv_is run --agent claude --keep --tmux -- -c &&
		in_$sh "sbxcc --mount /data:/data:ro -e K=V --backend=bwrap -A --resume" &&
		argv_is run --agent claude --mount /data:/data:ro -e K=V --backend=bwrap -A -- --resume &&
		in_$sh "sbxcc --tmux -- --keep" &&
		argv_is run --agent claude --tmux -- --keep
	'

	test_expect_success "$sh: the global -q and -v stay with sbx" '
		in_$sh "sbxcc -q -p hi" && argv_is run --agent claude -q -- -p hi &&
		in_$sh "sbxcx --verbose --keep -v exec x" &&
		argv_is run --agent codex --verbose --keep -v -- exec x &&
		in_$sh "sbxsh --quiet make" && argv_is shell --quiet -- make
	'

	test_expect_success "$sh: sbxsh runs its words as the shell command" '
		in_$sh "sbxsh make test" && argv_is shell -- make test &&
		in_$sh "sbxsh --keep -A ls -la" && argv_is shell --keep -A -- ls -la &&
		in_$sh "sbxsh --tmux" && argv_is shell -- --tmux
	'

	test_expect_success "$sh: --prefix names the functions" '
		"$SBX" init --prefix lm $sh >lm.init &&
		PATH="$TRASH/fake-bin:$PATH" $sh -c ". ./lm.init && lmcc -c && ! command -v sbxcc" &&
		argv_is run --agent claude -- -c &&
		PATH="$TRASH/fake-bin:$PATH" $sh -c ". ./lm.init && lmsh" &&
		argv_is shell --
	'

	test_expect_success "$sh: _sbx_define adds a function, and refuses a bad name" '
		in_$sh "_sbx_define myai run myagent && myai --fast" &&
		argv_is run --agent myagent -- --fast &&
		test_expect_code 2 in_$sh "_sbx_define \"x;y\" run codex" 2>err &&
		test_grep "no function name" err &&
		test_expect_code 2 in_$sh "_sbx_define ok run \"a;b\"" 2>err
	'
done

test_expect_success 'a bad prefix or shell is a usage error' '
	test_expect_code 2 "$SBX" init --prefix "a b" bash 2>err &&
	test_grep "prefix" err &&
	test_expect_code 2 "$SBX" init fish 2>err &&
	test_grep "unknown shell" err
'

test_expect_success 'bash: the functions complete like the command they run' '
	cat >complete.bash <<-\EOF &&
	. ./init.bash
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_sbx_fn_complete
	printf "%s\n" "${COMPREPLY[@]}"
	EOF
	bash --norc --noprofile complete.bash sbxcc --ke >out &&
	test "$(cat out)" = --keep &&
	bash --norc --noprofile complete.bash sbxsh --ba >out &&
	test "$(cat out)" = --backend &&
	bash --norc --noprofile complete.bash sbxsh --tm >out &&
	test "$(cat out)" = "" &&
	touch resume-file &&
	bash --norc --noprofile complete.bash sbxcc --resume resume- >out &&
	test "$(cat out)" = resume-file &&
	bash --norc --noprofile -c ". ./init.bash && complete -p sbxcc sbxsh" >out &&
	test_grep "complete -F _sbx_fn_complete sbxcc" out
'

if command -v zsh >/dev/null 2>&1 && zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then
	test_expect_success 'zsh: the functions complete like the command they run' '
		cat >setup.zsh <<-EOF &&
		autoload -U compinit
		compinit -u -D
		. "$TRASH/init.zsh"
		EOF
		zsh -f "$TESTS_DIR/zsh-complete.zsh" "$TRASH/setup.zsh" "sbxcc --ke" >out &&
		test "$(cat out)" = --keep &&
		zsh -f "$TESTS_DIR/zsh-complete.zsh" "$TRASH/setup.zsh" "sbxsh --ba" >out &&
		test "$(cat out)" = --backend &&
		zsh -f "$TESTS_DIR/zsh-complete.zsh" "$TRASH/setup.zsh" "sbxcc --agent=g" >out &&
		test "$(cat out)" = --agent=gemini
	'
else
	test_skip 'zsh: the functions complete like the command they run' 'no zsh with zpty'
fi

test_done
