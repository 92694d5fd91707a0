#!/usr/bin/env bash
# sbx's egress proxy (sbx net serve) against a direct connection and against
# socat relaying each connection in a process of its own (as Anthropic's
# sandbox-runtime does), all to the same local server, timed by one client
# (bench/net-bench.c): the time a connection with one small request takes,
# connections per second with 32 at a time, and the bytes a single tunnel
# carries. sbx's path is a CONNECT through an "open" policy that pins
# bench.test to the server, its decision logged. Target: under 1 ms added per
# connection.
. "$(dirname "$0")/lib.sh"
N=${N:-2000}
MB=${MB:-512}

command -v socat >/dev/null || { echo "socat is not installed (apt-get install socat)" >&2; exit 1; }
helper="$WORK/net-bench"
${CC:-cc} -std=c17 -O2 -pthread -o "$helper" "$BENCH_DIR/net-bench.c"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() { # file
	for ((i = 0; i < 200; i++)); do [ -s "$1" ] && return 0; sleep 0.05; done
	echo "$1 never appeared" >&2
	exit 1
}

"$helper" serve "$WORK/port" &
pids+=($!)
wait_for "$WORK/port"
port=$(cat "$WORK/port")

cat >"$WORK/policy.json" <<EOF
{"mode": "open", "allow": [], "deny": [], "hosts": {"bench.test": "127.0.0.1"}}
EOF
"$SBX" net serve --policy "$WORK/policy.json" --listen 127.0.0.1:0 --log "$WORK/net.log" \
	>"$WORK/proxy" &
pids+=($!)
wait_for "$WORK/proxy"
proxy=$(cat "$WORK/proxy")

socat_port=$((port + 1))
socat "TCP-LISTEN:$socat_port,bind=127.0.0.1,fork,reuseaddr" "TCP:127.0.0.1:$port" &
pids+=($!)
for ((i = 0; i < 100; i++)); do
	"$helper" conn 127.0.0.1 "$socat_port" 1 >/dev/null 2>&1 && break
	sleep 0.05
done

echo "egress proxy: $N connections each, one small request per connection ($(nproc) CPUs)"
direct=$("$helper" conn 127.0.0.1 "$port" "$N")
socat_ms=$("$helper" conn 127.0.0.1 "$socat_port" "$N")
sbx_ms=$("$helper" conn 127.0.0.1 "$port" "$N" "$proxy")
report "per connection: socat" "$direct" "$socat_ms"
report "per connection: sbx CONNECT" "$direct" "$sbx_ms"
awk -v s="$socat_ms" -v x="$sbx_ms" 'BEGIN { printf "%-28s %9.3f ms per connection less than socat\n", "  sbx against socat", s - x }'

echo "connections per second, 32 at a time:"
d=$("$helper" par 127.0.0.1 "$port" "$N" 32)
s=$("$helper" par 127.0.0.1 "$socat_port" "$N" 32)
x=$("$helper" par 127.0.0.1 "$port" "$N" 32 "$proxy")
awk -v d="$d" -v s="$s" -v x="$x" 'BEGIN {
	printf "  direct %8d/s   socat %8d/s (%.2f)   sbx %8d/s (%.2f)\n", d, s, s / d, x, x / d }'

echo "one tunnel, $MB MiB:"
d=$("$helper" bulk 127.0.0.1 "$port" "$MB")
s=$("$helper" bulk 127.0.0.1 "$socat_port" "$MB")
x=$("$helper" bulk 127.0.0.1 "$port" "$MB" "$proxy")
awk -v d="$d" -v s="$s" -v x="$x" 'BEGIN {
	printf "  direct %8d MiB/s   socat %8d MiB/s (%.2f)   sbx %8d MiB/s (%.2f)\n", d, s, s / d, x, x / d }'
echo "sbx proxy resident memory after the run: $(ps -o rss= -p "$(pgrep -f "net serve --policy $WORK" | head -n 1)") KiB;" \
	"decisions logged: $(grep -c " allow CONNECT" "$WORK/net.log")"
