#!/usr/bin/env bash
# From an agent's hook to `sbx ls --watch` showing the change: `sbx hook`
# on a session's socket -> the server moves the session's agent and pushes
# the change -> the watcher prints it (a line when not on a terminal; a
# redrawn table on one, here a pseudo-terminal). The baseline, measured in
# the same run, is the least such a path can be: the same `sbx hook` to a
# Python relay on a unix socket that writes each line to a subscriber's
# socket at once, which the benchmark reads itself. Target: under 100 ms
# from the hook's start to the redraw.
#
# The session is a real one, registered by a bwrap `sbx shell` that sleeps;
# the hooks are run on the host against its socket (the path the sandbox
# sees bound at /run/sbx/notify), each event a change (a prompt, then a
# turn's end), one at a time.
. "$(dirname "$0")/lib.sh"
N=${N:-200}	# an even number: each event changes the state
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
command -v bwrap >/dev/null || { echo "bwrap is needed for a session" >&2; exit 1; }

export XDG_STATE_HOME="$WORK/state" SBX_NOTIFIER=terminal SBX_BACKEND=bwrap SBX_AGENT=shell
mkdir -p "$WORK/proj"
cd "$WORK/proj"
"$SBX" setup >/dev/null 2>&1
# The session: its run lives as long as this sleeps.
"$SBX" shell -- sleep 3600 >/dev/null 2>&1 &
SESSION=$!
BASE_SOCK="$WORK/base.sock"
SUB_SOCK="$WORK/sub.sock"
cat >"$WORK/relay.py" <<'EOF'
# The baseline: lines in on one socket, each written at once to the subscriber of the other.
import selectors, socket, sys
ins, subs = socket.socket(socket.AF_UNIX), socket.socket(socket.AF_UNIX)
ins.bind(sys.argv[1]); ins.listen(128); subs.bind(sys.argv[2]); subs.listen(8)
open(sys.argv[3], "w").write("ready\n")
sel, subscribers, parts = selectors.DefaultSelector(), [], {}
sel.register(ins, selectors.EVENT_READ, "in"); sel.register(subs, selectors.EVENT_READ, "sub")
while True:
    for key, _ in sel.select():
        if key.data == "in":
            c, _ = ins.accept(); sel.register(c, selectors.EVENT_READ, "conn"); parts[c] = b""
        elif key.data == "sub":
            c, _ = subs.accept(); subscribers.append(c)
        else:
            c = key.fileobj; d = c.recv(65536)
            if d:
                parts[c] += d
                continue
            for line in parts.pop(c).splitlines(True):
                for s in subscribers: s.sendall(line)
            sel.unregister(c); c.close()
EOF
"$PY" "$WORK/relay.py" "$BASE_SOCK" "$SUB_SOCK" "$WORK/relay-ready" &
RELAY=$!
trap 'kill $SESSION $RELAY 2>/dev/null; wait $SESSION 2>/dev/null; rm -rf "$WORK"' EXIT
i=0
while ! ls "$XDG_RUNTIME_DIR"/sbx/notify/*/notify.sock >/dev/null 2>&1 || [ ! -s "$WORK/relay-ready" ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "the session or the relay did not start" >&2; exit 1; }
	sleep 0.05
done
SESSION_SOCK=$(ls "$XDG_RUNTIME_DIR"/sbx/notify/*/notify.sock)

echo "hook -> agent state -> sbx ls --watch ($(uname -sm)), $N events one at a time;"
echo "baseline: the same sbx hook -> a Python relay -> its subscriber"
echo
"$PY" - "$SBX" "$SESSION_SOCK" "$BASE_SOCK" "$SUB_SOCK" "$N" <<'EOF'
import json, os, pty, select, socket, subprocess, sys, time
sbx, session_sock, base_sock, sub_sock, n = sys.argv[1:6]
n = int(n)

def event(i):
    if i % 2:
        return {"session_id": "s", "hook_event_name": "Stop", "last_assistant_message": "event %d" % i}
    return {"session_id": "s", "hook_event_name": "UserPromptSubmit", "prompt": "go %d" % i}

def hook(sock, i):
    env = dict(os.environ, SBX_NOTIFY_SOCKET=sock)
    subprocess.run([sbx, "hook", "--agent", "claude"], input=json.dumps(event(i)).encode(), env=env,
                   check=True)

def shows(i, line):
    """Does a line of the watcher show event i's change?"""
    line = line.rstrip(b"\r ")
    if i % 2:
        return b" done " in line and line.endswith(b": event %d" % i) or line.endswith(b" event %d" % i)
    return b" working " in line

def relayed(i, line):
    """Is this the relayed line of event i?"""
    return (b'"event %d"' % i if i % 2 else b'"go %d"' % i) in line

def measure(name, sock, wait_for):
    delays = []
    for i in range(n):
        t0 = time.monotonic()
        hook(sock, i)
        wait_for(i)
        delays.append((time.monotonic() - t0) * 1000)
    delays.sort()
    return name, delays[len(delays) // 2], delays[int(len(delays) * 0.95)]

def reader(fd, matches):
    buf = [b""]
    def wait_for(i):
        # Until a line (or a redraw) shows event i's change.
        while True:
            lines = buf[0].split(b"\n")
            for k, line in enumerate(lines[:-1]):
                if matches(i, line):
                    buf[0] = b"\n".join(lines[k + 1:])
                    return
            if not select.select([fd], [], [], 30)[0]:
                sys.exit("nothing shows event %d; so far: %r" % (i, buf[0][-400:]))
            buf[0] += os.read(fd, 65536)
    return wait_for

results = []
# sbx ls --watch, not on a terminal: a line per change.
w = subprocess.Popen([sbx, "ls", "--watch"], stdout=subprocess.PIPE)
wait = reader(w.stdout.fileno(), shows)
hook(session_sock, 1); wait(1)
results.append(measure("sbx ls --watch, lines", session_sock, wait))
w.kill(); w.wait()
# sbx ls --watch on a (pseudo-)terminal: the table redrawn.
master, slave = pty.openpty()
w = subprocess.Popen([sbx, "ls", "--watch"], stdin=slave, stdout=slave, stderr=slave,
                     env=dict(os.environ, TERM="xterm"))
os.close(slave)
wait = reader(master, shows)
hook(session_sock, 1); wait(1)
results.append(measure("sbx ls --watch, redrawn", session_sock, wait))
w.kill(); w.wait()
# The baseline.
s = socket.socket(socket.AF_UNIX); s.connect(sub_sock)
wait = reader(s.fileno(), relayed)
hook(base_sock, 1); wait(1)
base = measure("sbx hook -> Python relay", base_sock, wait)
for name, median, p95 in results + [base]:
    print("%-28s median %7.3f ms   p95 %7.3f ms   ratio to the baseline's median %.2f"
          % (name, median, p95, median / base[1]))
EOF
echo
"$SBX" notify stats
