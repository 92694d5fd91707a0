#!/usr/bin/env bash
# Hook events to desktop notifications: `sbx hook` -> `sbx notify serve` ->
# the notifier, against the way existing tools do it, measured in the same
# run: the same event sent by `curl --unix-socket` to a minimal Python
# http.server on a unix socket that runs the same notifier.
#
# The notifier is a fake notify-send (a small C program) that records when it
# was started, so "latency" is from just before the hook (or curl) is
# started to the notifier being invoked. Targets: sbx hook under 1 ms wall
# per event; the server over 20,000 events/s and under 2 MiB resident.
. "$(dirname "$0")/lib.sh"
N=${N:-300}		# events timed one by one
M=${M:-200000}		# events for the server's throughput
P=${P:-2000}		# events sent by processes (sbx hook or curl), 8 at a time
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
command -v curl >/dev/null || { echo "curl is needed for the baseline" >&2; exit 1; }

export XDG_STATE_HOME="$WORK/state"
unset SBX_NOTIFIER DBUS_SESSION_BUS_ADDRESS
mkdir -p "$WORK/bin"
cat >"$WORK/fake-notify-send.c" <<'EOF'
/* A notify-send that records when it started (CLOCK_REALTIME, microseconds) and its last argument. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct timespec ts;
	char line[512];
	const char *log = getenv("FAKE_NOTIFY_LOG");
	int fd, n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line), "%lld %s\n",
		     (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, argc > 1 ? argv[argc - 1] : "");
	fd = open(log ? log : "/dev/null", O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (fd >= 0 && write(fd, line, (size_t)n) < 0)
		return 1;
	/* Whoever waits for notifiers reads them here; nobody reading is no error. */
	fd = open(FIFO, O_WRONLY | O_NONBLOCK);
	if (fd >= 0 && write(fd, line, (size_t)n) < 0)
		return 0;
	puts("1");
	return 0;
}
EOF
cc -O2 -DFIFO="\"$WORK/notified.fifo\"" -o "$WORK/bin/notify-send" "$WORK/fake-notify-send.c"
export PATH="$WORK/bin:$PATH" FAKE_NOTIFY_LOG="$WORK/notified"

# The baseline server: http.server on a unix socket, one thread, running the notifier per event.
cat >"$WORK/baseline.py" <<'EOF'
import http.server, json, os, socketserver, subprocess, sys

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, for the clients that can
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ev = json.loads(body)
        if ev.get("hook_event_name") in ("Notification", "Stop"):
            subprocess.Popen(["notify-send", "-a", "sbx", "app: Claude is waiting",
                              ev.get("message", "")], stdout=subprocess.DEVNULL)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
    def address_string(self):
        return "unix"

class Server(socketserver.UnixStreamServer):
    request_queue_size = 128   # the listen backlog: 8 clients at once must not be refused
    def get_request(self):
        conn, _ = self.socket.accept()
        return conn, ("unix", 0)

path = sys.argv[1]
srv = Server(path, Handler)
open(sys.argv[2], "w").write("ready\n")
srv.serve_forever()
EOF

SOCK="$XDG_RUNTIME_DIR/sbx/notify.sock"
BASE_SOCK="$WORK/baseline.sock"

# The sbx server, started as `sbx run` does it (--ready-fd), and the baseline.
mkfifo "$WORK/ready" "$WORK/base-ready"
"$SBX" notify serve --ready-fd 3 3>"$WORK/ready" &
SERVER=$!
read -r _ <"$WORK/ready"
"$PY" "$WORK/baseline.py" "$BASE_SOCK" "$WORK/base-ready" &
BASELINE=$!
read -r _ <"$WORK/base-ready"
trap 'kill $SERVER $BASELINE 2>/dev/null; rm -rf "$WORK"' EXIT

event() { # N: a Claude Notification event whose message is "event N"
	printf '{"session_id":"s","transcript_path":"/t","cwd":"/p","hook_event_name":"Notification","message":"event %s","notification_type":"idle_prompt"}\n' "$1"
}
event 0 >"$WORK/ev.json"
stats() { "$SBX" notify stats "$@"; }
counter() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null || ps -o rss= -p "$1"; }
anon_kib() { sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null || echo "?"; }
hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null || ps -o rss= -p "$1"; }

idle_rss=$(rss_kib $SERVER)
echo "sbx hook and sbx notify serve ($(uname -sm)); baseline: curl --unix-socket to Python http.server"
echo
echo "== wall time of one event sent ($N runs each)"
floor=$(mean_ms "$N" /bin/true)
hook=$(SBX_SANDBOX=bench-wall mean_ms "$N" "$SBX" hook --agent claude <"$WORK/ev.json")
curl_ms=$(mean_ms "$N" curl -s --unix-socket "$BASE_SOCK" -H 'Content-Type: application/json' \
	--data-binary @"$WORK/ev.json" http://localhost/)
report "sbx hook" "$floor" "$hook"
report "curl --unix-socket" "$floor" "$curl_ms"
report "sbx hook against curl" "$curl_ms" "$hook"
echo "(baseline of the first two: /bin/true, the cost of starting any process here)"
stats --wait "received=$((N + 1))" >/dev/null

echo
echo "== latency: hook (or curl) started -> notifier started ($N events, one at a time)"
# The fake notifier also writes its line to this fifo: reading it waits for the notifier.
mkfifo "$WORK/notified.fifo"
exec 5<>"$WORK/notified.fifo"
latency() { # name send-function: prints the median and 95th percentile
	local i t0 line
	: >"$WORK/lat"
	for ((i = 1; i <= N; i++)); do
		event "$i" >"$WORK/ev-i.json"
		t0=$EPOCHREALTIME
		"$2" "$i" <"$WORK/ev-i.json" >/dev/null 2>&1
		read -r line <&5
		echo $((${line%% *} - ${t0/./})) >>"$WORK/lat"
	done
	sort -n "$WORK/lat" | awk -v name="$1" '{ d[NR] = $1 / 1000 } END {
		printf "%-34s median %7.3f ms   p95 %7.3f ms   (%d events)\n", name, d[int(NR / 2) + 1],
			d[int(NR * 0.95)], NR }'
}
# Each event a session of its own, so that none replaces another.
sbx_send() { SBX_SANDBOX="bench-$1" "$SBX" hook --agent claude; }
curl_send() { curl -s --unix-socket "$BASE_SOCK" --data-binary @- http://localhost/; }
latency "sbx hook -> serve -> notify-send" sbx_send
latency "curl -> http.server -> notify-send" curl_send
exec 5>&-

echo
echo "== server throughput"
before=$(stats | counter received)
"$PY" - "$SOCK" "$M" >"$WORK/lines.ok" <<'EOF'
import json, socket, sys, threading, time
path, m = sys.argv[1], int(sys.argv[2])
def lines(n, start, kind, groups):
    return b"".join(json.dumps({"v": 1, "project": "/p/app", "sandbox": "bench-%d" % (i % groups),
        "agent": "claude", "time": 0, "event": {"hook_event_name": kind, "session_id": "s",
        "message": "event %d" % i}}).encode() + b"\n" for i in range(start, start + n))
# Prepared before the clock starts: the clients only write.
data = [lines(m // 8, k * (m // 8), "PreToolUse", 8) for k in range(8)]
def client(d):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(d)
    s.close()
t0 = time.monotonic()
ts = [threading.Thread(target=client, args=(d,)) for d in data]
for t in ts: t.start()
for t in ts: t.join()
print("%.6f" % t0)
EOF
start=$(cat "$WORK/lines.ok")
stats --wait "received=$((before + M / 8 * 8))" --timeout 60000 >/dev/null
end=$("$PY" -c 'import time; print("%.6f" % time.monotonic())')
awk -v m=$((M / 8 * 8)) -v s="$start" -v e="$end" 'BEGIN {
	printf "%-28s %9.0f events/s  (%d events, 8 connections, not chosen: parsed and counted)\n",
		"sbx notify serve", m / (e - s), m }'

before_stats=$(stats)
"$PY" - "$SOCK" "$M" "$SBX" >"$WORK/burst.ok" <<'EOF'
import json, socket, subprocess, sys, threading, time
path, m, sbx = sys.argv[1], int(sys.argv[2]) // 4, sys.argv[3]
data = [b"".join(json.dumps({"v": 1, "project": "/p/app", "sandbox": "burst-%d" % k, "agent": "claude",
    "time": 0, "event": {"hook_event_name": "Notification", "message": "event %d" % i}}).encode() + b"\n"
    for i in range(m // 8)) for k in range(8)]
def client(d):
    s = socket.socket(socket.AF_UNIX); s.connect(path); s.sendall(d); s.close()
t0 = time.monotonic()
ts = [threading.Thread(target=client, args=(d,)) for d in data]
for t in ts: t.start()
for t in ts: t.join()
print("%.6f" % t0)
EOF
start=$(cat "$WORK/burst.ok")
stats --wait "received=$(($(echo "$before_stats" | counter received) + M / 4 / 8 * 8))" --timeout 60000 >"$WORK/after"
end=$("$PY" -c 'import time; print("%.6f" % time.monotonic())')
awk -v m=$((M / 4 / 8 * 8)) -v s="$start" -v e="$end" \
	-v d="$(($(counter delivered <"$WORK/after") - $(echo "$before_stats" | counter delivered)))" \
	-v c="$(($(counter coalesced <"$WORK/after") - $(echo "$before_stats" | counter coalesced)))" 'BEGIN {
	printf "%-28s %9.0f events/s  (%d events into 8 sessions: %d shown, %d replaced before shown)\n",
		"sbx notify serve", m / (e - s), m, d, c }'

"$PY" - "$BASE_SOCK" "$((M / 20))" <<'EOF'
import http.client, json, socket, sys, threading, time
path, m = sys.argv[1], int(sys.argv[2])
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(path)
body = json.dumps({"hook_event_name": "PreToolUse", "session_id": "s"}).encode()
def client(n):
    c = Conn("localhost")
    for i in range(n):
        c.request("POST", "/", body, {"Content-Type": "application/json"}); c.getresponse().read()
t0 = time.monotonic()
ts = [threading.Thread(target=client, args=(m // 8,)) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
print("%-28s %9.0f events/s  (%d events, 8 keep-alive connections, not chosen)" %
      ("Python http.server", m // 8 * 8 / (time.monotonic() - t0), m // 8 * 8))
EOF

echo
echo "== events sent by processes, 8 at a time ($P events)"
procs() { # name command...: P runs of command, 8 in parallel; prints events/s and failures
	local name=$1 t0 t1 pids=()
	shift
	: >"$WORK/failed"
	t0=$EPOCHREALTIME
	for ((k = 0; k < 8; k++)); do
		(for ((i = 0; i < P / 8; i++)); do
			"$@" <"$WORK/ev.json" >/dev/null 2>&1 || echo x >>"$WORK/failed"
		done) &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$EPOCHREALTIME
	awk -v name="$name" -v n=$((P / 8 * 8)) -v s="$t0" -v e="$t1" -v f="$(wc -l <"$WORK/failed")" \
		'BEGIN { printf "%-28s %9.0f events/s  (%d failed)\n", name, n / (e - s), f }'
}
procs "sbx hook" env SBX_SANDBOX=bench-procs "$SBX" hook --agent claude
procs "curl --unix-socket" curl -sf --unix-socket "$BASE_SOCK" --data-binary @- http://localhost/

echo
echo "== resident memory after all of the above"
echo "sbx notify serve: $idle_rss KiB when it started; $(rss_kib $SERVER) KiB now, $(hwm_kib $SERVER)" \
	"KiB peak, of which $(anon_kib $SERVER) KiB its own (anonymous; the rest is libc's and sbx's pages)"
echo "Python http.server: $(rss_kib $BASELINE) KiB now, $(hwm_kib $BASELINE) KiB peak"
echo "for scale, an idle coreutils sleep: $(sleep 5 & p=$!; sleep 0.2; rss_kib $p; kill $p) KiB"
stats
