# Shell functions for daily use, printed by `sbx init zsh` after the
# completion script and followed by the lines that define the functions:
#
#   eval "$(sbx init zsh)"                  in ~/.zshrc, after compinit
#   eval "$(sbx init zsh --prefix lm)"      lmcc, lmcx, lmoc, lmgm, lmsh instead
#
# sbxcc (claude), sbxcx (codex), sbxoc (opencode) and sbxgm (gemini) run
# `sbx run --agent AGENT`, sbxsh runs `sbx shell`. Leading words that are the
# command's own options stay with sbx, each as its own word (--keep, --tmux,
# --mount SPEC, --env K=V, -A, and the global -q, -v); everything from the first other word on, or
# after a `--`, goes to the agent (or is the shell's command):
#
#   sbxcc --resume               sbx run --agent claude -- --resume
#   sbxcc --keep -c              sbx run --agent claude --keep -- -c
#   sbxcc --tmux -- --keep       sbx run --agent claude --tmux -- --keep
#   sbxsh make test              sbx shell -- make test
#
# Each function completes like the command it runs. Define one more with
# `_sbx_define NAME run AGENT` (or `_sbx_define NAME shell -`) after the eval.

typeset -gA _sbx_fns

# _sbx_fn COMMAND AGENT ARGS...: runs sbx COMMAND with ARGS split as above.
# The options of each command are in _sbx_<COMMAND>_valued (those taking a
# value) and _sbx_<COMMAND>_flags, which `sbx init` sets from its table.
_sbx_fn() {
	local cmd=$1 agent=$2 valued flags
	shift 2
	valued=" ${(P)${:-_sbx_${cmd}_valued}} "
	flags=" ${(P)${:-_sbx_${cmd}_flags}} "
	local -a own
	[[ $agent == - ]] || own=(--agent "$agent")
	while (( $# )); do
		case $1 in
		(--)
			shift
			break
			;;
		(--*=*)
			[[ $valued == *" ${1%%=*} "* ]] || break
			own+=("$1")
			;;
		(-?*)
			if [[ $valued == *" $1 "* ]] && (( $# >= 2 )); then
				own+=("$1" "$2")
				shift
			elif [[ $flags == *" $1 "* ]]; then
				own+=("$1")
			else
				break
			fi
			;;
		(*)
			break
			;;
		esac
		shift
	done
	command sbx "$cmd" "${own[@]}" -- "$@"
}

# Completes a function's words as `sbx COMMAND [--agent AGENT] WORDS...`.
_sbx_fn_complete() {
	local -a def w
	def=(${=_sbx_fns[${words[1]}]})
	w=("${(@Q)words[2,CURRENT]}")
	if [[ $def[2] == - ]]; then
		_sbx_complete sbx "$def[1]" "${w[@]}"
	else
		_sbx_complete sbx "$def[1]" --agent "$def[2]" "${w[@]}"
	fi
}

# _sbx_define NAME COMMAND AGENT: defines the function NAME (AGENT - for none).
_sbx_define() {
	if [[ $1 != [A-Za-z_]* || $1 == *[^A-Za-z0-9_-]* ]]; then
		print -r -- "sbx: '$1' is no function name" >&2
		return 2
	fi
	if [[ ! ( $2 == run && $3 == [A-Za-z0-9]* && $3 != *[^A-Za-z0-9_-]* ) &&
		! ( $2 == shell && $3 == - ) ]]; then
		print -r -- "sbx: expected '_sbx_define NAME run AGENT' or '_sbx_define NAME shell -'" >&2
		return 2
	fi
	eval "$1() { _sbx_fn $2 $3 \"\$@\"; }"
	_sbx_fns[$1]="$2 $3"
	(( $+functions[compdef] )) && compdef _sbx_fn_complete "$1"
	return 0
}
