#!/usr/bin/env bash
# sbx's own cost on the bwrap backend: `sbx shell -- true` against bwrap run
# directly with the very same arguments (captured through SBX_BWRAP), and
# against Anthropic's sandbox-runtime (srt) running `true` where npm can
# install it. Target: sbx adds under 3 ms to bare bwrap. Replayed bwrap has
# no proxy to start, so both run with network "none" (a namespace of its
# own, a loopback); what the default "open" adds, the proxy and the helper
# that puts its listener in the sandbox, is timed on its own line.
. "$(dirname "$0")/lib.sh"
N=${N:-100}
export SBX_NETWORK_MODE=none

mkdir -p "$WORK/proj" "$WORK/capture"
cd "$WORK/proj"
export SBX_BACKEND=bwrap
"$SBX" setup >/dev/null 2>&1

# A bwrap that saves the memfd contents and its argv, then runs the real one.
cat >"$WORK/capture/bwrap" <<'WRAP'
#!/usr/bin/env bash
dir=$(dirname "$0")
printf '%s\0' "$@" >"$dir/argv"
prev=
for a in "$@"; do
	case $prev in --file | --bind-data | --ro-bind-data | --seccomp) cat "/proc/self/fd/$a" >"$dir/fd$a" ;; esac
	prev=$a
done
exec bwrap "$@"
WRAP
chmod +x "$WORK/capture/bwrap"
SBX_BWRAP="$WORK/capture/bwrap" "$SBX" shell -- true
mapfile -d '' captured <"$WORK/capture/argv"
# Without --info-fd: sbx reads where the sandbox runs from it, a replay has no reader.
args=()
for ((i = 0; i < ${#captured[@]}; i++)); do
	if [ "${captured[i]}" = --info-fd ]; then
		i=$((i + 1))
	else
		args+=("${captured[i]}")
	fi
done

# The same sandbox, made by bwrap alone; the session home it names is gone, so make it again.
for ((i = 0; i < ${#args[@]}; i++)); do
	if [ "${args[i]}" = --bind ] && [[ ${args[i + 1]} == */sessions/*/home ]]; then
		mkdir -p "${args[i + 1]}"
	fi
done
# Each descriptor the arguments name, opened again on the content sbx gave it.
redirs=
for f in "$WORK"/capture/fd*; do
	n=${f##*/fd}
	redirs="$redirs $n<\"$f\""
done
bare() { eval "bwrap \"\${args[@]}\" $redirs"; }
bare_peak_kib() { eval "/usr/bin/time -f %M bwrap \"\${args[@]}\" $redirs" 2>&1 >/dev/null | tail -n 1; }
bare || { echo "replaying bwrap's arguments failed" >&2; exit 1; }

echo "sbx shell -- true on bwrap, $N runs each ($(bwrap --version))"
base=$(mean_ms "$N" bare)
sbx=$(mean_ms "$N" "$SBX" shell -- true)
report "sbx shell -- true" "$base" "$sbx"
open=$(SBX_NETWORK_MODE=open mean_ms "$N" "$SBX" shell -- true)
report "  network open (the proxy)" "$sbx" "$open"
# In a git repository sbx loads libgit2 (its module) to detect the project.
mkdir -p "$WORK/repo" && git -C "$WORK/repo" init -q
repo=$(cd "$WORK/repo" && mean_ms "$N" "$SBX" shell -- true)
report "  the same in a git repository" "$base" "$repo"
# What the terminal design (seccomp filter, signals reset by env) and the
# resource limits (a cgroup per sandbox) add: bwrap without the filter and env,
# and sbx with the limits off.
plain=()
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in
	--seccomp) i=$((i + 1)) ;;
	/usr/bin/env) [ "${args[i + 1]}" = --default-signal=INT,QUIT ] && i=$((i + 1)) || plain+=("${args[i]}") ;;
	*) plain+=("${args[i]}") ;;
	esac
done
unfiltered() { eval "bwrap \"\${plain[@]}\" $redirs"; }
unfiltered || { echo "replaying bwrap's arguments without the filter failed" >&2; exit 1; }
nofilter=$(mean_ms "$N" unfiltered)
report "  bwrap without filter, env" "$nofilter" "$base"
nolimits=$(SBX_RESOURCES_PIDS=0 SBX_RESOURCES_MEMORY=0 mean_ms "$N" "$SBX" shell -- true)
report "  sbx, the cgroup's cost" "$nolimits" "$sbx"
echo "sbx peak RSS: $(peak_kib "$SBX" shell -- true) KiB, in a git repository $(cd "$WORK/repo" && peak_kib "$SBX" shell -- true) KiB (bwrap alone: $(bare_peak_kib) KiB)"

# sandbox-runtime, where it can be installed.
srt_dir=${SRT_DIR:-$SRC_DIR/build/bench-srt}
if [ ! -x "$srt_dir/node_modules/.bin/srt" ] && command -v npm >/dev/null; then
	npm install --silent --no-fund --no-audit --prefix "$srt_dir" @anthropic-ai/sandbox-runtime >/dev/null 2>&1 || true
fi
if [ -x "$srt_dir/node_modules/.bin/srt" ] && "$srt_dir/node_modules/.bin/srt" true >/dev/null 2>&1; then
	srt=$(mean_ms "$((N / 5 > 0 ? N / 5 : 1))" "$srt_dir/node_modules/.bin/srt" true)
	report "srt true (sandbox-runtime)" "$base" "$srt"
	report "sbx against srt" "$srt" "$sbx"
else
	echo "srt (npm @anthropic-ai/sandbox-runtime): could not be installed or run here; skipped"
fi
