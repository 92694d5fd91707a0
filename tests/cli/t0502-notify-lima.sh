#!/bin/sh
# Notifications wired on the Lima backend, against the fake limactl: the
# template's user provisioning writes the agents' hooks, each clone forwards
# its session's own socket into the guest (never the user's), and the agent
# gets the session's names.
. "$(dirname "$0")/lib-lima.sh"

cd proj || exit 1
PROJ=$(pwd -P)
HOST_SOCK="$XDG_RUNTIME_DIR/sbx/notify.sock"
NOTIFY_LOG="$XDG_STATE_HOME/sbx/notify.log"
# No desktop here: the server's log says what it would have shown.
SBX_NOTIFIER=terminal
export PROJ HOST_SOCK NOTIFY_LOG SBX_NOTIFIER

# stats_wait COUNTER=N...: the server's counters once they are reached.
stats_wait() {
	args=
	for w; do args="$args --wait $w"; done
	# shellcheck disable=SC2086 # one word per flag
	"$SBX" notify stats $args --timeout 30000 >"$TRASH/stats" &&
	! grep -q '"timeout":true' "$TRASH/stats"
}

# forwarded: the host socket of the last clone's reverse forward.
forwarded() {
	/usr/bin/python3 - "$FAKE_LIMACTL_LOG" <<-\EOF
	import json, sys
	clone = [c for c in map(json.loads, open(sys.argv[1])) if c[0] == "clone"][-1]
	sets = [clone[i + 1] for i, a in enumerate(clone) if a == "--set"]
	fw = [json.loads(s[17:]) for s in sets if s.startswith(".portForwards += ")]
	print(fw[0][0]["hostSocket"])
	EOF
}

test_expect_success 'run starts the server and forwards its session'"'"'s socket into the clone' '
	: >"$FAKE_LIMACTL_LOG" &&
	# Without a network proxy there is no environment file: the variables cost no shell.
	SBX_NETWORK_MODE=none "$SBX" run -- "a b" -n "x=1" &&
	test -S "$HOST_SOCK" &&
	/usr/bin/python3 - "$FAKE_LIMACTL_LOG" <<-\EOF &&
	import json, os, re, sys
	calls = [json.loads(l) for l in open(sys.argv[1])]
	clone = [c for c in calls if c[0] == "clone"]
	assert len(clone) == 1, calls
	sets = [clone[0][i + 1] for i, a in enumerate(clone[0]) if a == "--set"]
	fw = [s for s in sets if s.startswith(".portForwards += ")]
	assert len(fw) == 1, sets
	fw = json.loads(fw[0][len(".portForwards += "):])
	assert len(fw) == 1 and fw[0]["guestSocket"] == "/tmp/sbx-notify.sock" and fw[0]["reverse"], fw
	run = os.environ["XDG_RUNTIME_DIR"] + "/sbx/notify/"
	assert re.fullmatch(re.escape(run) + "[0-9a-f]{12}/notify[.]sock", fw[0]["hostSocket"]), fw
	# No environment was configured: no limactl shell hands one over (after the clone the
	# only shell is the agent; the build of the template before it has one of its own).
	assert [c[0] for c in calls[calls.index(clone[0]):]].count("shell") == 1, calls
	EOF
	stats_wait opened=1 closed=1 &&
	! test -e "$(dirname "$(forwarded)")"
'

test_expect_success 'the agent gets the project, the sandbox, the agent and the socket, and its argv intact' '
	s=$(sed -n "s/^SBX_SANDBOX=//p" "$REC/env") &&
	case $s in sbx-proj-*) ;; *) false ;; esac &&
	test_grep "^SBX_PROJECT=$PROJ$" "$REC/env" &&
	test_grep "^SBX_AGENT=probe$" "$REC/env" &&
	test_grep "^SBX_NOTIFY_SOCKET=/tmp/sbx-notify.sock$" "$REC/env" &&
	printf "%s\0" "a b" -n "x=1" >expect &&
	cmp expect "$REC/argv"
'

test_expect_success 'the template'"'"'s user provisioning writes the hooks sbx setup would' '
	t=$(lima_names | grep -v -e -keep -e "-[0-9a-z]\{5\}$" | head -n 1) &&
	/usr/bin/python3 - "$STATE/templates/$t.yaml" >hooks.sh <<-\EOF &&
	import json, sys
	p = [p for p in json.load(open(sys.argv[1]))["provision"] if "sbx hook" in p["script"]]
	assert len(p) == 1 and p[0]["mode"] == "user", p
	sys.stdout.write(p[0]["script"])
	EOF
	mkdir guest-home &&
	HOME="$PWD/guest-home" sh hooks.sh &&
	/usr/bin/python3 -c "
import json, sys
a = json.load(open(\"guest-home/.claude/settings.json\"))
b = json.load(open(\"$SRC_DIR/hooks/claude-settings.json\"))
assert a == b, (a, b)
" &&
	test_grep "^notify = \[\"sbx\", \"hook\", \"--agent\", \"codex\"\]$" guest-home/.codex/config.toml
'

# An agent in the guest whose event reaches the host through the forward:
# the fake runs it on the host, so it connects to the forward's host socket
# itself (as Lima's host agent does), with a line that claims another
# project and sandbox.
{
	echo '#!/bin/sh'
	echo "log='$FAKE_LIMACTL_LOG' sbx='$SBX' rec='$REC'"
	cat <<'EOF'
sock=$(/usr/bin/python3 - "$log" <<'PY'
import json, sys
clone = [c for c in map(json.loads, open(sys.argv[1])) if c[0] == "clone"][-1]
sets = [clone[i + 1] for i, a in enumerate(clone) if a == "--set"]
print([json.loads(s[17:]) for s in sets if s.startswith(".portForwards += ")][0][0]["hostSocket"])
PY
)
test -S "$sock" && echo "$sock" >"$rec/forward"
echo '{"hook_event_name":"Notification","message":"from the guest"}' |
	SBX_NOTIFY_SOCKET=$sock SBX_PROJECT=/elsewhere/other SBX_SANDBOX=sbx-other-000000-zzzzz \
	"$sbx" hook --agent claude
EOF
} >"$TRASH/sender"
chmod +x "$TRASH/sender"

test_expect_success 'what arrives on a session'"'"'s socket is that session'"'"'s, whatever it claims' '
	: >"$FAKE_LIMACTL_LOG" &&
	rm -f "$REC/forward" &&
	cp "$XDG_CONFIG_HOME/sbx/config.json" cfg.saved &&
	sed -e "s|\"agent\": \"probe\"|\"agent\": \"sender\"|" \
		-e "s|\"agents\": {|\"agents\": {\"sender\": {\"command\": \"$TRASH/sender\"}, |" \
		cfg.saved >"$XDG_CONFIG_HOME/sbx/config.json" &&
	"$SBX" run &&
	mv cfg.saved "$XDG_CONFIG_HOME/sbx/config.json" &&
	test "$(cat "$REC/forward")" = "$(forwarded)" &&
	name=$(/usr/bin/python3 -c "
import json, sys
print([c for c in map(json.loads, open(sys.argv[1])) if c[0] == \"clone\"][-1][3])
" "$FAKE_LIMACTL_LOG") &&
	case $name in sbx-proj-*-*) ;; *) false ;; esac &&
	stats_wait received=1 closed=2 &&
	test_grep "no terminal to notify for .sbx:$name.: proj: sender is waiting$" "$NOTIFY_LOG" &&
	! grep "sbx-other\|other: " "$NOTIFY_LOG"
'

test_expect_success 'a persistent VM that forwards the user'"'"'s socket (an older sbx'"'"'s) gets no notifications, and says why' '
	"$SBX" run --keep &&
	keep=$(lima_names | grep -e "-keep$") &&
	limactl stop --tty=false "$keep" 2>/dev/null &&
	limactl edit --tty=false "$keep" --set ".portForwards = [{\"guestSocket\": \"/tmp/sbx-notify.sock\", \"hostSocket\": \"$HOST_SOCK\", \"reverse\": true}]" 2>/dev/null &&
	"$SBX" run --keep 2>err &&
	test_grep "no notifications for this session: .$keep. forwards the notification server.s own socket" err &&
	test_grep "sbx rm $keep" err &&
	! grep "^SBX_" "$REC/env" &&
	"$SBX" rm -f "$keep" &&
	"$SBX" run --keep 2>err &&
	! grep "no notifications" err &&
	test_grep "^SBX_NOTIFY_SOCKET=/tmp/sbx-notify.sock$" "$REC/env"
'

test_expect_success 'notify.enabled false: no forward, no hooks, no variables' '
	sed "s/^{/{\"notify\": {\"enabled\": false},/" "$XDG_CONFIG_HOME/sbx/config.json" >cfg &&
	mv cfg "$XDG_CONFIG_HOME/sbx/config.json" &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run &&
	! grep portForwards "$FAKE_LIMACTL_LOG" &&
	! grep "sbx hook" "$FAKE_LIMACTL_LOG" &&
	! grep "^SBX_" "$REC/env"
'

test_done
