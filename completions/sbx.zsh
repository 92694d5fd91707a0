#compdef sbx sbx-run sbx-hook sbx-notify sbx-wt
# zsh completion for sbx and its links (sbx-run, sbx-hook, sbx-notify, sbx-wt).
#
# The candidates come from sbx itself, `sbx completion --complete WORD...`,
# which reads its own command table: a new command or option needs no change
# here. sbx answers one candidate per line ("WORD" or "WORD<TAB>WHAT"), or a
# kind the shell knows better: ":files", ":dirs", ":refs", ":branches".
# Install: `make install` (as _sbx in zsh's site-functions), or
# `eval "$(sbx completion zsh)"` in ~/.zshrc after compinit.

# _sbx_complete PROGRAM WORD...: the candidates for the words after "sbx"
# (the last is the word under the cursor).
_sbx_complete() {
	local prog=$1 line ret=1
	shift
	local -a lines cands refs
	lines=("${(@f)$("$prog" completion --complete "$@" 2>/dev/null)}")
	for line in "${lines[@]}"; do
		case $line in
		(:files|:dirs|:refs|:branches)
			# A value after "--option=": complete the part after the '='.
			[[ $PREFIX == --*=* ]] && compset -P '*='
			case $line in
			(:files) _files && ret=0 ;;
			(:dirs) _directories && ret=0 ;;
			(*)
				if [[ $line == :refs ]]; then
					refs=(${(f)"$(git for-each-ref --format='%(refname:short)' \
						refs/heads refs/remotes refs/tags 2>/dev/null)"} HEAD)
				else
					refs=(${(f)"$(git for-each-ref --format='%(refname:short)' \
						refs/heads 2>/dev/null)"})
				fi
				compadd -a refs && ret=0
				;;
			esac
			;;
		('') ;;
		(*$'\t'*) cands+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}") ;;
		(*) cands+=("${line//:/\\:}") ;;
		esac
	done
	(( $#cands )) && _describe -t values sbx cands && ret=0
	return ret
}

_sbx() {
	local prog=${(Q)words[1]} sub=
	local -a w
	w=("${(@Q)words[2,CURRENT]}")
	[[ $prog == '~/'* ]] && prog=$HOME/${prog#'~/'}
	if [[ ${prog:t} == sbx-?* ]]; then
		sub=${${prog:t}#sbx-}
		if [[ $prog == */* ]]; then prog=${prog:h}/sbx; else prog=sbx; fi
		w=("$sub" "${w[@]}")
	fi
	_sbx_complete "$prog" "${w[@]}"
}

# Autoloaded from $fpath this file is _sbx's body; evaluated, it registers _sbx.
if [[ $funcstack[1] == _sbx ]]; then
	_sbx "$@"
elif (( $+functions[compdef] )); then
	compdef _sbx sbx sbx-run sbx-hook sbx-notify sbx-wt
fi
