#!/bin/sh
# The notification server's desktop comes from the host's runs, never from a
# sandbox: a server started without a session bus (from ssh, an old tmux)
# shows nothing until a run from the desktop registers its session, and from
# then on every session's notifications reach the desktop, across a restart
# of the server; `sbx doctor` says what the server lacks and that its last
# notification failed; a sandbox cannot point the notifier at a bus of its
# choosing, nor read the server's desktop or failures through its socket.
. "$(dirname "$0")/lib-notify.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'the server'"'"'s desktop' 'bubblewrap is not installed'
	test_done
	exit 0
fi
if missing=$(notify_deps); then :; else
	test_skip 'the server'"'"'s desktop' "$missing is not installed"
	test_done
	exit 0
fi

mkdir -p proj "$XDG_CONFIG_HOME/sbx"
cd proj || exit 1
PROJ=$(pwd -P)
PIDFILE="$XDG_RUNTIME_DIR/sbx/notify.pid"
export PROJ PIDFILE
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{"agents": {"probe": {"command": "$PROJ/probe"}}, "agent": "probe", "backend": "bwrap"}
EOF
printf '#!/bin/sh\nexit 0\n' >probe
chmod +x probe

# In a sandbox: an event, as Claude Code's hook sends it.
cat >hook.sh <<'EOF'
#!/bin/sh
printf '{"session_id":"s","hook_event_name":"Notification","message":"%s"}\n' "$1" |
	sbx hook --agent claude
EOF
# In a sandbox: a registration on its own socket that would hand the server
# a bus of the sandbox's, then an event line that claims one; the answers.
cat >steer.py <<'EOF'
#!/usr/bin/python3
import json, os, socket
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["SBX_NOTIFY_SOCKET"])
me = os.environ["SBX_SANDBOX"]
bus = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/tmp/evil-bus", "DISPLAY": ":66"}
s.sendall(json.dumps({"session": {"name": me, "project": os.getcwd(), "sandbox": me,
                                  "desktop": bus, "registered": 9e12}}).encode() + b"\n")
print(s.makefile().readline().strip())
s.sendall(json.dumps({"v": 1, "project": os.getcwd(), "sandbox": me, "time": 1, "desktop": bus,
                      "event": {"hook_event_name": "Notification", "message": "steered"}}).encode()
          + b"\n")
s.shutdown(socket.SHUT_WR)
s.makefile().read()
EOF
chmod +x hook.sh steer.py

doctor() {
	"$SBX" doctor >doctor.out 2>&1
	grep "notif" doctor.out >lines
}

start_mock >"$TRASH/setup.out" 2>&1
BUS=$DBUS_SESSION_BUS_ADDRESS
export BUS
test_expect_success 'setup: a session bus with the notification daemon' '
	cat "$TRASH/setup.out" &&
	kill -0 "$MOCK_PID"
'

# The server, as a run from ssh would start it: no bus, no display.
unset DBUS_SESSION_BUS_ADDRESS
start_server >"$TRASH/start.out" 2>&1

test_expect_success 'doctor: the server knows no session bus, and the fix' '
	cat "$TRASH/start.out" &&
	DBUS_SESSION_BUS_ADDRESS=$BUS doctor &&
	test_grep "^warn notifications: notify-send, but the server knows no D-Bus session bus$" lines &&
	test_grep "fix: start .sbx run. from your desktop session once" doctor.out
'

test_expect_success 'a run without a desktop: its notification fails, and doctor says why' '
	"$SBX" shell -- ./hook.sh "from ssh" &&
	stats_wait received=1 &&
	test "$(stat_of failed)" = 1 &&
	test "$(notify_count)" = 0 &&
	doctor &&
	test_grep "^warn notify delivery: the last notification failed (1 of 1 failed): notify-send failed (exit 1): .*D-Bus" lines &&
	test_grep "fix: start .sbx run. from your desktop session once" doctor.out
'

test_expect_success 'a run from the desktop hands the server its bus: its notification shows' '
	DBUS_SESSION_BUS_ADDRESS=$BUS "$SBX" shell -- ./hook.sh "from the desktop" &&
	stats_wait received=2 &&
	test_grep "notifiers use the desktop of session sbx-proj-" "$NOTIFY_LOG" &&
	test_grep -F "\"proj: shell is waiting\" \"from the desktop\"" "$MOCK_LOG" &&
	doctor &&
	test_grep "^ok   notifications: through notify-send$" lines &&
	! grep "notify delivery" lines
'

test_expect_success 'a later run without one leaves the desktop the server found' '
	"$SBX" shell -- ./hook.sh "from ssh again" &&
	stats_wait received=3 &&
	test_grep -F "\"proj: shell is waiting\" \"from ssh again\"" "$MOCK_LOG" &&
	test "$(stat_of failed)" = 1
'

test_expect_success 'a sandbox cannot hand the server a bus, nor read its desktop or failures' '
	DBUS_SESSION_BUS_ADDRESS=$BUS "$SBX" shell -- sh -c "./steer.py && sbx notify stats" >steer.out &&
	sed -n 1p steer.out | test_grep -F "{\"error\":\"sessions are registered on the user" &&
	stats_wait received=4 &&
	test_grep -F "\"proj: shell is waiting\" \"steered\"" "$MOCK_LOG" &&
	sed -n 2p steer.out >inside &&
	test_grep "\"received\":" inside &&
	! grep -e "\"desktop\"" -e "\"failure\"" -e "\"watchers\"" inside &&
	"$SBX" notify stats >outside &&
	test_grep "\"desktop\":\[\"DBUS_SESSION_BUS_ADDRESS\"" outside &&
	! grep -e evil-bus -e ":66" "$NOTIFY_LOG" outside
'

# A session from the desktop that outlives a server restarted without a bus.
mkfifo d.in
DBUS_SESSION_BUS_ADDRESS=$BUS "$SBX" shell -- sh -c 'cat d.in >/dev/null; ./hook.sh "after the restart"' \
	>d.log 2>&1 &
DPID=$!
stats_wait opened=5 >/dev/null 2>&1
stop_server TERM
start_server >"$TRASH/restart.out" 2>&1
echo go >d.in
wait "$DPID"
DEXIT=$?
export DEXIT
test_expect_success 'a restarted server takes the bus of the sessions it serves again' '
	cat "$TRASH/restart.out" d.log &&
	test "$DEXIT" = 0 &&
	stats_wait received=1 &&
	test "$(stat_of failed)" = 0 &&
	test_grep -F "\"proj: shell is waiting\" \"after the restart\"" "$MOCK_LOG"
'

stop_server TERM
test_done
