# shellcheck shell=bash
# Shell functions for daily use, printed by `sbx init bash` after the
# completion script and followed by the lines that define the functions:
#
#   eval "$(sbx init bash)"                 in ~/.bashrc
#   eval "$(sbx init bash --prefix lm)"     lmcc, lmcx, lmoc, lmgm, lmsh instead
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

# _sbx_fn COMMAND AGENT ARGS...: runs sbx COMMAND with ARGS split as above.
# The options of each command are in _sbx_<COMMAND>_valued (those taking a
# value) and _sbx_<COMMAND>_flags, which `sbx init` sets from its table.
_sbx_fn() {
	local cmd=$1 agent=$2 valued flags
	shift 2
	valued=_sbx_${cmd}_valued
	flags=_sbx_${cmd}_flags
	local -a own=()
	[ "$agent" = - ] || own=(--agent "$agent")
	while [ $# -gt 0 ]; do
		case $1 in
		--)
			shift
			break
			;;
		--*=*)
			[[ " ${!valued} " == *" ${1%%=*} "* ]] || break
			own+=("$1")
			;;
		-?*)
			if [[ " ${!valued} " == *" $1 "* && $# -ge 2 ]]; then
				own+=("$1" "$2")
				shift
			elif [[ " ${!flags} " == *" $1 "* ]]; then
				own+=("$1")
			else
				break
			fi
			;;
		*)
			break
			;;
		esac
		shift
	done
	command sbx "$cmd" "${own[@]}" -- "$@"
}

# Completes a function's words as `sbx COMMAND [--agent AGENT] WORDS...`.
_sbx_fn_complete() {
	local -a _sbx_w words
	local _sbx_cw def
	def=_sbx_fn_${COMP_WORDS[0]//[^A-Za-z0-9_]/_}
	read -r -a words <<<"${!def}"
	_sbx_words
	if [ "${words[1]}" = - ]; then
		words=("${words[0]}")
	else
		words=("${words[0]}" --agent "${words[1]}")
	fi
	_sbx_reply sbx "${words[@]}" "${_sbx_w[@]:1:_sbx_cw}"
}

# _sbx_define NAME COMMAND AGENT: defines the function NAME (AGENT - for none).
_sbx_define() {
	case $1 in
	'' | [!A-Za-z_]* | *[!A-Za-z0-9_-]*)
		echo "sbx: '$1' is no function name" >&2
		return 2
		;;
	esac
	case $2:$3 in
	run:[A-Za-z0-9]* | shell:-) ;;
	*) set -- "$1" usage ;;
	esac
	case $2:$3 in
	usage: | *:*[!A-Za-z0-9_-]*)
		echo "sbx: expected '_sbx_define NAME run AGENT' or '_sbx_define NAME shell -'" >&2
		return 2
		;;
	esac
	eval "$1() { _sbx_fn $2 $3 \"\$@\"; }"
	printf -v "_sbx_fn_${1//[^A-Za-z0-9_]/_}" '%s %s' "$2" "$3"
	complete -F _sbx_fn_complete "$1"
}
