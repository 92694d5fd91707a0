#!/usr/bin/env bash
# sbx's own cost on the Lima backend: `sbx shell --keep -- true` against a
# persistent, running VM, split in the same run into the limactl calls sbx
# makes for it (as the fake limactl records them), exec'd one after the other
# directly by bench/exec-time.c; starting sbx itself (`sbx help shell`, which
# reads no configuration); and the rest, sbx's own work: configuration,
# project detection, ownership record, logs, spawning limactl.
#
# Twice: with the fake limactl (Python, ~40 ms a call, so its noise is larger
# than sbx's cost), then with a stub limactl (a shell script that answers
# `list` with the recorded line) where sbx's cost stands out. Peak RSS is
# measured with the stub: GNU time reports the largest process of the tree,
# and the fake's Python would be that. Targets: under 2 ms, under 2 MiB.
#
# With network "none": the default "open" hands the guest its proxy's address
# and credentials through a file whose name the guest picks at each run, so
# the recorded calls could not be replayed; the proxy's own cost is
# bench/net-proxy.sh's.
. "$(dirname "$0")/lib.sh"
N=${N:-100}

export PATH="$SRC_DIR/tests/fakes:$PATH" LIMA_HOME="$WORK/lima"
export FAKE_LIMACTL_ALLOW_ROOT=1 FAKE_LIMACTL_SKIP_PROVISION=1
unset FAKE_LIMACTL_FAIL FAKE_LIMACTL_VERSION FAKE_LIMACTL_LOG
mkdir -p "$LIMA_HOME" "$XDG_CONFIG_HOME/sbx" "$WORK/proj" "$WORK/stub"
echo '{"backend": "lima", "network": {"mode": "none"}}' >"$XDG_CONFIG_HOME/sbx/config.json"
cd "$WORK/proj"

# The template and the persistent VM, created and started once.
"$SBX" setup >/dev/null 2>&1
"$SBX" shell --keep -- true

# What sbx runs for one more `sbx shell --keep -- true`, one argv a file (NUL-separated).
FAKE_LIMACTL_LOG="$WORK/calls.json" "$SBX" shell --keep -- true
calls=()
while IFS= read -r -d '' f; do
	calls+=("$f")
done < <(/usr/bin/python3 - "$WORK/calls.json" "$WORK" <<'EOF'
import json, sys
for i, line in enumerate(open(sys.argv[1])):
    path = "%s/call.%d" % (sys.argv[2], i)
    with open(path, "wb") as f:
        f.write(b"".join(a.encode("utf-8", "surrogateescape") + b"\0" for a in json.loads(line)))
    sys.stdout.write(path + "\0")
EOF
)
echo "sbx makes ${#calls[@]} limactl calls for it:"
for f in "${calls[@]}"; do
	mapfile -d '' -t argv <"$f"
	printf '  limactl %s ...\n' "${argv[*]:0:5}"
done

# The calls as exec-time's arguments: limactl ARGS --then limactl ARGS ...
direct=()
for f in "${calls[@]}"; do
	mapfile -d '' -t argv <"$f"
	[ ${#direct[@]} -eq 0 ] || direct+=(--then)
	direct+=(limactl "${argv[@]}")
done

# split NAME: the three lines and the split, for the limactl on PATH now.
split() {
	local calls_ms start_ms sbx_ms t
	# Interleaved: the calls, sbx's start, sbx; the calls and the start add up.
	mapfile -t t < <(exec_ms -e "$N" "${direct[@]}" --then "$SBX" help shell \
		--then "$SBX" shell --keep -- true)
	calls_ms=$(printf '%s\n' "${t[@]:0:${#t[@]}-2}" | awk '{ s += $1 } END { printf "%.3f", s }')
	start_ms=$(awk -v c="$calls_ms" -v h="${t[-2]}" 'BEGIN { printf "%.3f", c + h }')
	sbx_ms=${t[-1]}
	echo "$1:"
	report "  limactl calls, direct" "$calls_ms" "$calls_ms"
	report "  and starting sbx" "$calls_ms" "$start_ms"
	report "  sbx shell --keep -- true" "$calls_ms" "$sbx_ms"
	awk -v c="$calls_ms" -v st="$start_ms" -v s="$sbx_ms" 'BEGIN {
		printf "  split: limactl %.3f ms, starting sbx %.3f ms, sbx'"'"'s own work %.3f ms\n", c, st - c, s - st }'
	OVERHEAD=$(awk -v c="$calls_ms" -v s="$sbx_ms" 'BEGIN { printf "%.3f", s - c }')
}

split "fake limactl ($N runs)"

# The stub: `list` prints what the fake printed, anything else succeeds.
limactl list --json "$(sed -n 's/.*"\(sbx-proj-[0-9a-f]*-keep\)".*/\1/p' "$WORK/calls.json" | head -n 1)" \
	>"$WORK/stub/list.json" 2>/dev/null
cat >"$WORK/stub/limactl" <<EOF
#!/bin/sh
[ "\$1" = list ] && exec cat '$WORK/stub/list.json'
exit 0
EOF
chmod +x "$WORK/stub/limactl"
PATH="$WORK/stub:$PATH"
split "stub limactl ($N runs)"
kib=$(peak_kib "$SBX" shell --keep -- true)
awk -v o="$OVERHEAD" -v k="$kib" 'BEGIN {
	printf "sbx overhead %.3f ms per run, its start included (target under 2 ms: %s); peak RSS %.2f MiB (target under 2 MiB: %s)\n",
		o, (o < 2 ? "met" : "not met"), k / 1024, (k < 2048 ? "met" : "not met") }'
