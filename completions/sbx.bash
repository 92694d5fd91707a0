# shellcheck shell=bash
# bash completion for sbx and its links (sbx-run, sbx-hook, sbx-notify, sbx-wt).
#
# The candidates come from sbx itself, `sbx completion --complete WORD...`,
# which reads its own command table: a new command or option needs no change
# here. sbx answers one candidate per line ("WORD" or "WORD<TAB>WHAT"), or a
# kind the shell knows better: ":files", ":dirs", ":refs", ":branches".
# Install: `make install`, or `eval "$(sbx completion bash)"` in ~/.bashrc.

# The words up to the cursor as the user sees them: bash splits "--agent=x"
# and "a:b" at COMP_WORDBREAKS; they are joined again where no blank was typed.
# Sets _sbx_w (an array) and _sbx_cw (the index of the current word).
_sbx_words() {
	local line i w before
	_sbx_w=()
	_sbx_cw=0
	if [[ -z ${COMP_LINE-} ]]; then
		_sbx_w=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
		_sbx_cw=$COMP_CWORD
		return
	fi
	line=${COMP_LINE:0:COMP_POINT}
	for ((i = 0; i <= COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		before=${#line}
		line=${line#"${line%%[![:space:]]*}"}
		if ((i > 0 && before == ${#line})); then
			_sbx_w[_sbx_cw]+=$w
		else
			((i > 0)) && ((_sbx_cw++))
			_sbx_w[_sbx_cw]=$w
		fi
		line=${line#"$w"}
	done
}

# _sbx_reply PROGRAM WORD...: COMPREPLY from sbx's candidates for the words
# (after "sbx"; the last is the word under the cursor, as _sbx_words joined it).
_sbx_reply() {
	local prog=$1 line cand value lead
	shift
	local cur=${!#}
	# What bash replaces: the part of the word after its last break character.
	local part=${COMP_WORDS[COMP_CWORD]-$cur}
	[[ $part == [=:] ]] && part=
	local strip=${cur%"$part"}
	value=$part
	lead=
	if [[ $value == --*=* ]]; then
		lead=${value%%=*}=
		value=${value#*=}
	fi
	COMPREPLY=()
	while IFS= read -r line; do
		case $line in
		:files | :dirs)
			compopt -o filenames 2>/dev/null
			while IFS= read -r cand; do
				COMPREPLY+=("$lead$cand")
			done < <(compgen "-${line:1:1}" -- "$value")
			;;
		:refs | :branches)
			local refs=refs/heads
			[[ $line == :refs ]] && refs="refs/heads refs/remotes refs/tags"
			# shellcheck disable=SC2086 # one word per ref pattern
			while IFS= read -r cand; do
				[[ $cand == "$value"* ]] && COMPREPLY+=("$lead$cand")
			done < <(git for-each-ref --format='%(refname:short)' $refs 2>/dev/null
				[[ $line == :refs ]] && echo HEAD)
			;;
		*)
			cand=${line%%$'\t'*}
			COMPREPLY+=("${cand#"$strip"}")
			;;
		esac
	done < <("$prog" completion --complete "$@" 2>/dev/null)
}

# The program to ask: the one typed (a path, ~ expanded), or sbx beside a link.
_sbx() {
	local -a _sbx_w
	local _sbx_cw prog sub=
	_sbx_words
	prog=${_sbx_w[0]}
	# A literal "~/" as typed, expanded as the shell would.
	# shellcheck disable=SC2088
	[[ $prog == "~/"* ]] && prog=$HOME/${prog#"~/"}
	case ${prog##*/} in
	sbx-?*)
		sub=${prog##*/}
		sub=${sub#sbx-}
		if [[ $prog == */* ]]; then prog=${prog%/*}/sbx; else prog=sbx; fi
		;;
	esac
	_sbx_reply "$prog" ${sub:+"$sub"} "${_sbx_w[@]:1:_sbx_cw}"
}

complete -F _sbx sbx sbx-run sbx-hook sbx-notify sbx-wt
