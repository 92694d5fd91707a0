#!/usr/bin/env zsh -f
# zsh-complete.zsh SETUP LINE: the candidates zsh's completion system offers
# for LINE, completed at its end, one per line. An interactive `zsh -f` on a
# pseudo-terminal (zpty) sources SETUP (which loads compinit and the
# completion under test), then LINE and a TAB are typed. compadd is wrapped
# to print what each real call adds (after zsh's own matching), and the
# shell exits as soon as the completion functions are done.
emulate -L zsh
zmodload zsh/zpty || exit 2
setup=$1 line=$2
hook=${TMPDIR:-/tmp}/zsh-complete.$$
cat >$hook <<EOF
PROMPT= RPROMPT=
source ${(q)setup}
bindkey '^I' complete-word
zstyle ':completion:*' list-grouped false
compadd() {
	# Calls that only ask (-O, -A, -D) go through as they are.
	if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "\$@"
		return
	fi
	local -a __hits
	local __h
	builtin compadd -A __hits "\$@"
	for __h in \$__hits; do
		print -r -- "CANDIDATE:\$IPREFIX\$__h"
	done
	builtin compadd "\$@"
}
comppostfuncs=(exit)
print -r -- READY
EOF
zpty z zsh -f -i
zpty -w z "source ${(q)hook}"
out= chunk=
integer deadline=$(( SECONDS + 20 )) typed=0
while (( SECONDS < deadline )); do
	if zpty -r -t z chunk; then
		out+=$chunk
		if (( ! typed )) && [[ $out == *$'\nREADY'* ]]; then
			typed=1
			zpty -w -n z "$line"$'\t'
		fi
	elif ! zpty -t z; then
		break
	else
		sleep 0.05
	fi
done
zpty -t z 2>/dev/null && zpty -d z
rm -f $hook
(( typed )) || { print -r -- "zsh-complete: the shell never got ready:" >&2; print -r -- $out >&2; exit 2 }
for l in ${(f)out}; do
	l=${l%$'\r'}
	# The first may follow the echo of the typed line.
	[[ $l == *CANDIDATE:* ]] && print -r -- ${l#*CANDIDATE:}
done
exit 0
