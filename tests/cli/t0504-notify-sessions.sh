#!/bin/sh
# Each sandbox has a notification socket of its own, and nothing it sends
# through it acts for another session: hostile clients in real bwrap
# sandboxes forge another session's project and sandbox, flood their socket
# with idle connections and send control and bidirectional characters, and
# a valid event of another session still arrives as it should; a server
# restarted during a session still gets that session's later events; the
# sockets go when their sessions end, or are killed.
. "$(dirname "$0")/lib-notify.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'sessions'"'"' sockets' 'bubblewrap is not installed'
	test_done
	exit 0
fi
if missing=$(notify_deps); then :; else
	test_skip 'sessions'"'"' sockets' "$missing is not installed"
	test_done
	exit 0
fi

mkdir -p proj "$XDG_CONFIG_HOME/sbx"
cd proj || exit 1
PROJ=$(pwd -P)
PIDFILE="$XDG_RUNTIME_DIR/sbx/notify.pid"
SESSIONS="$XDG_RUNTIME_DIR/sbx/notify"
export PIDFILE SESSIONS
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{"agents": {"probe": {"command": "$PROJ/probe"}}, "agent": "probe", "backend": "bwrap"}
EOF
printf '#!/bin/sh\nexit 0\n' >probe
chmod +x probe

# The sandboxes' side, run with `sbx shell` (the project is the sandbox's
# working directory). It talks with the test through FIFOs in the project:
# a write blocks until the test reads, a read until the test writes.
cat >hostile.py <<'EOF'
#!/usr/bin/python3
import errno, json, os, socket, subprocess, sys
sock = os.environ["SBX_NOTIFY_SOCKET"]
me = os.environ["SBX_SANDBOX"]

def hook(message):
    """An event, as the agent's hook command sends it."""
    ev = {"session_id": "s", "hook_event_name": "Notification", "message": message}
    subprocess.run(["sbx", "hook", "--agent", "claude"], input=json.dumps(ev).encode(), check=True)

def say(fifo, text):
    with open(fifo, "w") as f:
        f.write(text + "\n")

def wait(fifo):
    with open(fifo) as f:
        f.read()

def connect():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    return s

mode = sys.argv[1]
if mode == "session":
    # session OUT IN FIRST [LATER]: sends FIRST, says its name, waits, sends LATER.
    hook(sys.argv[4])
    say(sys.argv[2], me)
    wait(sys.argv[3])
    if len(sys.argv) > 5:
        hook(sys.argv[5])
elif mode == "forge":
    # forge VICTIM PROJECT: an event in the victim's name, then its registration.
    victim, project = sys.argv[2], sys.argv[3]
    s = connect()
    s.sendall(json.dumps({"v": 1, "project": project, "sandbox": victim, "agent": "claude",
                          "time": 1, "event": {"hook_event_name": "Notification",
                                               "message": "forged by " + me}}).encode() + b"\n")
    s.sendall(json.dumps({"session": {"name": victim, "project": project,
                                      "sandbox": victim}}).encode() + b"\n")
    print(me)
    print(s.makefile().readline().strip())
    d = os.path.dirname(sock)
    print(" ".join(sorted(os.listdir(d))))
    try:
        open(os.path.join(d, "planted"), "w")
        print("planted")
    except OSError as e:
        print("read-only" if e.errno == errno.EROFS else str(e))
    print("user socket" if os.path.exists(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent") +
                                          "/sbx/notify.sock") else "no user socket")
elif mode == "flood":
    # flood N OUT IN: N connections, each holding a byte of a line that never ends.
    conns = []
    for _ in range(int(sys.argv[2])):
        s = connect()
        s.send(b"{")
        conns.append(s)
    say(sys.argv[3], "%d connected" % len(conns))
    wait(sys.argv[4])
elif mode == "send":
    hook(sys.argv[2])
elif mode == "steer":
    hook("csi\u009b31m red \u202eevil\u202c end \u2066iso\u2069 \u0085nel"
         "\u200e\u200f\u061c\u202a\u202b\u202d\u2067\u2068 \x1b]0;t\x07")
EOF

# from_sandbox FIFO: what a sandbox says; to_sandbox FIFO: lets it go on.
# (The timeouts only keep a broken sandbox from hanging the file.)
from_sandbox() {
	timeout 300 cat "$1"
}
to_sandbox() {
	timeout 300 sh -c 'echo go >"$1"' sh "$1"
}

# in_sandbox MODE ARGS...: hostile.py in a sandbox of its own. (In the
# background the tests start sbx itself, so that $! is sbx's pid.)
in_sandbox() {
	"$SBX" shell -- /usr/bin/python3 ./hostile.py "$@"
}

# The sessions started in the background or in tmux, ended with the file if a test failed.
BG=
test_cleanup_hook='sessions_cleanup'
sessions_cleanup() {
	for pid in $BG; do
		kill "$pid" 2>/dev/null
	done
	"$SBX" stop --all >/dev/null 2>&1
	notify_cleanup
}

start_mock >"$TRASH/setup.out" 2>&1
test_expect_success 'setup: a session bus with the notification daemon' '
	cat "$TRASH/setup.out" &&
	kill -0 "$MOCK_PID"
'

# A victim session, which has shown a notification and will show another.
mkfifo b.out b.in
"$SBX" shell -- /usr/bin/python3 ./hostile.py session b.out b.in "victim one" "victim two" >b.log 2>&1 &
BPID=$!
BG="$BG $BPID"
B=$(from_sandbox b.out)
export B
test_expect_success 'a session'"'"'s event arrives with its own project and group' '
	case $B in sbx-proj-*) ;; *) cat b.log; false ;; esac &&
	stats_wait received=1 opened=1 &&
	test_grep -F "Notify \"sbx\" 0 \"\" \"proj: shell is waiting\" \"victim one\"" "$MOCK_LOG" &&
	test_grep -F "\"x-canonical-private-synchronous\": \"sbx:$B\"" "$MOCK_LOG"
'

test_expect_success 'a forged project and sandbox land on the sender'"'"'s own session' '
	in_sandbox forge "$B" /elsewhere/other >a.out &&
	A=$(sed -n 1p a.out) &&
	test "$A" != "$B" &&
	stats_wait received=2 &&
	grep -F "forged by $A" "$MOCK_LOG" >forged &&
	test_line_count forged 1 &&
	test_grep -F "Notify \"sbx\" 0 \"\" \"proj: shell is waiting\" \"forged by $A\"" forged &&
	test_grep -F "\"x-canonical-private-synchronous\": \"sbx:$A\"" forged &&
	! grep -F "other:" "$MOCK_LOG"
'

test_expect_success 'a sandbox cannot register a session, nor reach the user'"'"'s socket, nor write beside its own' '
	A=$(sed -n 1p a.out) &&
	sed -n 2p a.out | test_grep -F "{\"error\":\"sessions are registered on the user" &&
	stats_wait malformed=1 &&
	test "$(stat_of opened)" = 2 &&
	test "$(sed -n 3p a.out)" = notify.sock &&
	test "$(sed -n 4p a.out)" = read-only &&
	test "$(sed -n 5p a.out)" = "no user socket" &&
	test_grep "refused a session request on the socket of session $A" "$NOTIFY_LOG"
'

to_sandbox b.in
wait "$BPID"
BEXIT=$?
export BEXIT
test_expect_success 'the victim'"'"'s next event replaces its own notification, not the forger'"'"'s' '
	test "$BEXIT" = 0 &&
	stats_wait received=3 &&
	grep -F "\"victim two\"" "$MOCK_LOG" >two &&
	test_grep -F "Notify \"sbx\" 1 \"\" \"proj: shell is waiting\" \"victim two\"" two &&
	test_grep -F "\"x-canonical-private-synchronous\": \"sbx:$B\"" two
'

# A sandbox that holds 300 idle connections to its socket, each with a byte.
mkfifo f.out f.in
"$SBX" shell -- /usr/bin/python3 ./hostile.py flood 300 f.out f.in >f.log 2>&1 &
FPID=$!
BG="$BG $FPID"
FLOOD=$(from_sandbox f.out)
export FLOOD
test_expect_success '300 idle connections from one sandbox do not stop another sandbox'"'"'s event' '
	test "$FLOOD" = "300 connected" &&
	received=$(stats_wait && stat_of received) &&
	in_sandbox send "while another floods" &&
	stats_wait received=$((received + 1)) &&
	test_grep -F "\"proj: shell is waiting\" \"while another floods\"" "$MOCK_LOG" &&
	test "$(stat_of clients)" -ge 16
'
to_sandbox f.in
wait "$FPID"

test_expect_success 'C0, C1 and bidirectional characters arrive stripped' '
	received=$(stats_wait && stat_of received) &&
	in_sandbox steer &&
	stats_wait received=$((received + 1)) &&
	test_grep -F "\"proj: shell is waiting\" \"csi 31m red evil end iso nel ]0;t\"" "$MOCK_LOG" &&
	! grep -F "$(printf "\\302\\233")" "$MOCK_LOG" &&
	! grep -F "$(printf "\\342\\200\\256")" "$MOCK_LOG" &&
	! grep -F "$(printf "\\342\\201\\246")" "$MOCK_LOG" &&
	! grep -F "$(printf "\\033")" "$MOCK_LOG"
'

# A session during which the server is killed and another started.
mkfifo r.out r.in
"$SBX" shell -- /usr/bin/python3 ./hostile.py session r.out r.in "before the restart" "after the restart" \
	>r.log 2>&1 &
RPID=$!
BG="$BG $RPID"
R=$(from_sandbox r.out)
export R
stats_wait >/dev/null 2>&1
kill -KILL "$(cat "$PIDFILE")"
flock "$PIDFILE" true
start_server >"$TRASH/restart.out" 2>&1
to_sandbox r.in
wait "$RPID"
REXIT=$?
export REXIT
test_expect_success 'a server restarted during a session still gets its later events' '
	cat "$TRASH/restart.out" &&
	test "$REXIT" = 0 &&
	test_grep "session $R (.*): listening on .* again" "$NOTIFY_LOG" &&
	stats_wait received=1 opened=1 &&
	test_grep -F "\"proj: shell is waiting\" \"before the restart\"" "$MOCK_LOG" &&
	test_grep -F "\"proj: shell is waiting\" \"after the restart\"" "$MOCK_LOG"
'

test_expect_success 'a session'"'"'s socket and directory go when it ends' '
	stats_wait closed=1 &&
	test_grep "session $R ended: its socket is removed" "$NOTIFY_LOG" &&
	ls -A "$SESSIONS" >left &&
	test_line_count left 0
'

# A run in tmux without a terminal: its foreground leaves at once, and the
# keeper, which owns the session from then on, keeps its socket.
if command -v tmux >/dev/null 2>&1; then
	mkfifo w.in w.end
	cat >waiter <<-EOF
	#!/bin/sh
	cat "$PROJ/w.in" >/dev/null
	echo '{"hook_event_name":"Notification","message":"after the foreground left"}' |
		sbx hook --agent claude
	cat "$PROJ/w.end" >/dev/null
	EOF
	chmod +x waiter
	cp "$XDG_CONFIG_HOME/sbx/config.json" config.saved
	sed "s|\"agents\": {|\"agents\": {\"waiter\": {\"command\": \"$PROJ/waiter\"}, |" \
		config.saved >"$XDG_CONFIG_HOME/sbx/config.json"
	"$SBX" run --tmux --agent waiter </dev/null >w.out 2>&1
	W=$(sed -n 's/^sbx: detached from \([^;]*\);.*/\1/p' w.out)
	export W
	test_expect_success 'a run whose foreground leaves (tmux) keeps its socket while its keeper lives' '
		case $W in sbx-proj-*) ;; *) cat w.out; false ;; esac &&
		closed=$(stats_wait && stat_of closed) &&
		received=$(stat_of received) &&
		to_sandbox w.in &&
		stats_wait received=$((received + 1)) &&
		test_grep -F "\"proj: waiter is waiting\" \"after the foreground left\"" "$MOCK_LOG" &&
		test_grep "session $W: now owned by pid [0-9]* (pid [0-9]* ended)" "$NOTIFY_LOG" &&
		test "$(stat_of closed)" = "$closed" &&
		to_sandbox w.end &&
		stats_wait closed=$((closed + 1)) &&
		test_grep "session $W ended" "$NOTIFY_LOG"
	'
	mv config.saved "$XDG_CONFIG_HOME/sbx/config.json"
else
	test_skip 'a run whose foreground leaves (tmux) keeps its socket' 'tmux is not installed'
fi

# A run killed with SIGKILL: its session's socket goes all the same.
mkfifo k.out k.in
"$SBX" shell -- /usr/bin/python3 ./hostile.py session k.out k.in "about to be killed" >k.log 2>&1 &
KPID=$!
K=$(from_sandbox k.out)
export K
kill -KILL "$KPID"
# (the shell's own "Killed" is not news)
{ wait "$KPID"; } 2>/dev/null
test_expect_success 'a killed run'"'"'s socket and directory are removed' '
	stats_wait closed=2 &&
	test_grep "session $K ended: its socket is removed" "$NOTIFY_LOG" &&
	ls -A "$SESSIONS" >left &&
	test_line_count left 0
'

stop_server TERM
test_done
