#!/usr/bin/env bash
# sbx's own cost on the bwrap backend, split into its parts, each measured in
# the same run by bench/exec-time.c (every program exec'd directly, no shell):
#
#   namespaces  bwrap with sbx's --unshare flags and the host's / bound: what
#               any bwrap sandbox costs at least
#   mounts      bwrap with the very arguments sbx gave it for `sbx shell --
#               true` (captured through SBX_BWRAP: the memory files and the
#               directories passed by descriptor saved, and opened again at
#               their numbers), bwrap running `true` itself as sbx has it do
#   launcher    the same for `sbx shell --env BENCH=1 -- true`: bwrap runs sbx's
#               sh -c launcher, which reads the environment file and then execs
#               `true` (what a run with an environment or runtime scripts pays)
#   sbx         `sbx shell -- true` less the mounts: its configuration, project
#               detection, records, session directory, spawning bwrap
#
# Then the same in a git repository, where the sandbox also gets its private
# git directory (lib/gitdir.h: more binds by descriptor, a copy of HEAD, index
# and config at the start, a sync at the end), and against Anthropic's
# sandbox-runtime (srt) where npm can install it. Target: sbx adds under 3 ms
# to bwrap. A replayed bwrap has no proxy to start, so the split is measured
# with network "none" (a namespace of its own, a loopback); what the default
# "open" adds, the proxy and the helper that puts its listener in the
# sandbox, is a line of its own.
. "$(dirname "$0")/lib.sh"
N=${N:-100}

mkdir -p "$WORK/proj" "$WORK/repo"
git -C "$WORK/repo" init -q
export SBX_BACKEND=bwrap SBX_AGENT=shell SBX_NETWORK_MODE=none
(cd "$WORK/proj" && "$SBX" setup >/dev/null 2>&1)
(cd "$WORK/repo" && "$SBX" setup >/dev/null 2>&1)

# A bwrap that saves, beside itself (sbx gives bwrap no environment of ours),
# its argv, the memory files it is handed and copies of the directories it is
# handed by descriptor (their originals go with the session), then runs the
# real one.
cat >"$WORK/capture-bwrap" <<'WRAP'
#!/usr/bin/env bash
dir=$(dirname "$0")
printf '%s\0' "$@" >"$dir/argv"
prev=
for a in "$@"; do
	case $prev in
	--file | --bind-data | --ro-bind-data | --seccomp) cat "/proc/self/fd/$a" >"$dir/fd$a" ;;
	--bind-fd | --ro-bind-fd)
		if [ -d "/proc/self/fd/$a/" ]; then
			mkdir -p "$dir/fd$a" && cp -a "/proc/self/fd/$a/." "$dir/fd$a/"
		else
			cat "/proc/self/fd/$a" >"$dir/fd$a"
		fi
		;;
	esac
	prev=$a
done
exec bwrap "$@"
WRAP
chmod +x "$WORK/capture-bwrap"

# capture NAME DIR SBX-ARGS...: runs sbx in DIR through that bwrap; sets REPLAY
# to the arguments for exec-time that make the same sandbox again: FD=PATH for
# each descriptor, then bwrap's argv.
capture() {
	local name=$1 cwd=$2 i f n captured
	shift 2
	mkdir -p "$WORK/$name" && cp "$WORK/capture-bwrap" "$WORK/$name/bwrap"
	(cd "$cwd" && SBX_BWRAP="$WORK/$name/bwrap" "$SBX" "$@" >/dev/null)
	mapfile -d '' captured <"$WORK/$name/argv"
	# Without --info-fd: sbx reads where the sandbox runs from it, a replay has no reader.
	args=()
	for ((i = 0; i < ${#captured[@]}; i++)); do
		if [ "${captured[i]}" = --info-fd ]; then
			i=$((i + 1))
		else
			args+=("${captured[i]}")
		fi
	done
	# The session home and notification directory it binds are gone with the session: make them again.
	for ((i = 0; i < ${#args[@]}; i++)); do
		case ${args[i]} in --bind | --ro-bind) ;; *) continue ;; esac
		case ${args[i + 1]} in */sessions/*/home | */notify/*) mkdir -p "${args[i + 1]}" ;; esac
	done
	REPLAY=()
	for f in "$WORK/$name"/fd*; do
		[ -e "$f" ] || continue
		n=${f##*/fd}
		REPLAY+=("$n=$f")
	done
	REPLAY+=(bwrap "${args[@]}")
}

capture cap-plain "$WORK/proj" shell -- true
plain=("${REPLAY[@]}")
capture cap-launcher "$WORK/proj" shell --env BENCH=1 -- true
launcher=("${REPLAY[@]}")
capture cap-repo "$WORK/repo" shell -- true
repo=("${REPLAY[@]}")
# Namespaces alone: sbx's flags up to its first mount, over the host's root.
ns=(bwrap)
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in --ro-bind | --bind | --symlink | --proc | --dev | --tmpfs | --dir) break ;; esac
	ns+=("${args[i]}")
done
ns+=(--ro-bind / / -- true)
for r in ns plain launcher repo; do
	declare -n cmd=$r
	exec_ms 1 "${cmd[@]}" >/dev/null || { echo "replaying bwrap ($r) failed" >&2; exit 1; }
done

echo "sbx shell -- true on bwrap, $N rounds ($(bwrap --version)); every program exec'd directly, the six interleaved"
mapfile -t t < <(exec_ms -e "$N" "${ns[@]}" --then "${plain[@]}" --then "${launcher[@]}" \
	--then cd="$WORK/proj" "$SBX" shell -- true --then "${repo[@]}" \
	--then cd="$WORK/repo" "$SBX" shell -- true)
[ ${#t[@]} = 6 ] || exit 1
t_ns=${t[0]} t_plain=${t[1]} t_launcher=${t[2]} t_sbx=${t[3]} t_repo=${t[4]} t_sbx_repo=${t[5]}

row() { # name ms what
	printf '  %-26s %8.3f ms  %s\n' "$1" "$2" "$3"
}
row "bwrap, namespaces only" "$t_ns" "(--unshare-*, / bound read-only)"
row "bwrap, sbx's arguments" "$t_plain" "(its mounts, memory files; execs true itself)"
row "  through the launcher" "$t_launcher" "(sh -c: reads the environment file, execs true)"
row "sbx shell -- true" "$t_sbx" ""
awk -v ns="$t_ns" -v m="$t_plain" -v l="$t_launcher" -v s="$t_sbx" 'BEGIN {
	printf "  split: namespaces %.3f ms, mounts %.3f ms, launcher %.3f ms (when needed), sbx %.3f ms; sbx/bwrap ratio %.3f\n",
		ns, m - ns, l - m, s - m, s / m }'
echo "in a git repository (the private git directory):"
row "bwrap, sbx's arguments" "$t_repo" "(plus the git directory's binds)"
row "sbx shell -- true" "$t_sbx_repo" ""
awk -v m="$t_plain" -v mr="$t_repo" -v s="$t_sbx" -v sr="$t_sbx_repo" 'BEGIN {
	printf "  split: the git directory'"'"'s binds %.3f ms, sbx %.3f ms (of which detection, the copy and the sync %.3f ms); sbx/bwrap ratio %.3f\n",
		mr - m, sr - mr, (sr - mr) - (s - m), sr / mr }'
open=$(cd "$WORK/proj" && SBX_NETWORK_MODE=open exec_ms "$N" "$SBX" shell -- true)
row "network open (the proxy)" "$open" "(sbx shell -- true with its proxy, against none above)"
echo "peak RSS: sbx $(peak_kib "$SBX" shell -- true) KiB, in a git repository $(cd "$WORK/repo" && peak_kib "$SBX" shell -- true) KiB, bwrap alone $(peak_kib "$EXEC_TIME" 1 "${plain[@]}") KiB"

# sandbox-runtime, where it can be installed (SRT_DIR=none: not tried).
srt_dir=${SRT_DIR:-$SRC_DIR/build/bench-srt}
if [ "$srt_dir" = none ]; then
	:
elif [ ! -x "$srt_dir/node_modules/.bin/srt" ] && command -v npm >/dev/null; then
	npm install --silent --no-fund --no-audit --prefix "$srt_dir" @anthropic-ai/sandbox-runtime >/dev/null 2>&1 || true
fi
if [ -x "$srt_dir/node_modules/.bin/srt" ] && "$srt_dir/node_modules/.bin/srt" true >/dev/null 2>&1; then
	srt=$(exec_ms "$((N / 5 > 0 ? N / 5 : 1))" "$srt_dir/node_modules/.bin/srt" true)
	report "srt true (sandbox-runtime)" "$t_plain" "$srt"
	report "sbx against srt" "$srt" "$t_sbx"
else
	echo "srt (npm @anthropic-ai/sandbox-runtime): could not be installed or run here; skipped"
fi
