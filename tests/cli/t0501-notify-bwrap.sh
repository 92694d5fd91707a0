#!/bin/sh
# Notifications from a bwrap sandbox, end to end: `sbx run` starts the server
# on demand, a fake agent inside runs the hook commands `sbx setup` wrote
# into the sandbox home (as Claude Code would), and the host's notification
# daemon (python3-dbusmock) shows them.
. "$(dirname "$0")/lib-notify.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'notifications from bwrap' 'bubblewrap is not installed'
	test_done
	exit 0
fi
if missing=$(notify_deps); then :; else
	test_skip 'notifications from bwrap' "$missing is not installed"
	test_done
	exit 0
fi

mkdir -p proj "$XDG_CONFIG_HOME/sbx"
cd proj || exit 1
PROJ=$(pwd -P)
PIDFILE="$XDG_RUNTIME_DIR/sbx/notify.pid"
export PIDFILE

# A stand-in for Claude Code: for each event of .probe-events.json (in the
# project) it runs the hook commands its ~/.claude/settings.json names, with
# `sh -c` and the event on stdin, and fails when a hook does not exit 0. It
# leaves what it saw in .probe-seen; with .probe-wait it waits for the
# server's counter named there (sbx notify stats --wait) before it exits.
cat >probe <<'EOF'
#!/usr/bin/python3
import json, os, subprocess, sys
seen = {"env": {k: v for k, v in os.environ.items() if k.startswith("SBX_")}}
path = os.path.expanduser("~/.claude/settings.json")
settings = json.load(open(path)) if os.path.exists(path) else {}
seen["hooks"] = sorted(settings.get("hooks", {}))
seen["sbx"] = subprocess.run(["sh", "-c", "command -v sbx"], capture_output=True, text=True).stdout.strip()
seen["sbx-hook"] = subprocess.run(["sh", "-c", "command -v sbx-hook && sbx-hook --help"],
                                  capture_output=True, text=True).stdout
for ev in json.load(open(".probe-events.json")):
    for m in settings.get("hooks", {}).get(ev["hook_event_name"], []):
        for h in m["hooks"]:
            r = subprocess.run(["sh", "-c", h["command"]], input=json.dumps(ev).encode(),
                               timeout=h.get("timeout", 60))
            if r.returncode != 0:
                sys.exit("hook %r exited %d" % (h["command"], r.returncode))
json.dump(seen, open(".probe-seen", "w"))
if os.path.exists(".probe-wait"):
    subprocess.run(["sbx", "notify", "stats", "--wait", open(".probe-wait").read().strip()],
                   stdout=subprocess.DEVNULL, check=True)
EOF
chmod +x probe
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{"agents": {"probe": {"command": "$PROJ/probe"}}, "agent": "probe", "backend": "bwrap"}
EOF

events() {
	printf '[%s]\n' "$1" >.probe-events.json
}

notif() { printf %s '{"session_id":"s1","transcript_path":"/t.jsonl","cwd":"/p","hook_event_name":"Notification","message":"Probe needs your input","notification_type":"idle_prompt"}'; }
stop() { printf %s '{"session_id":"s1","transcript_path":"/t.jsonl","cwd":"/p","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Probe is done"}'; }
pre() { printf %s '{"session_id":"s1","transcript_path":"/t.jsonl","cwd":"/p","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{},"tool_use_id":"t"}'; }

start_mock >"$TRASH/setup.out" 2>&1
test_expect_success 'setup: a session bus with the notification daemon' '
	cat "$TRASH/setup.out" &&
	kill -0 "$MOCK_PID"
'

test_expect_success 'sbx run starts the server; the agent'"'"'s hook reaches the host'"'"'s desktop' '
	! test -e "$NOTIFY_SOCK" &&
	events "$(notif)" &&
	"$SBX" run &&
	test -S "$NOTIFY_SOCK" &&
	stats_wait received=1 &&
	test "$(notify_count)" = 1 &&
	test_grep -F "Notify \"sbx\" 0 \"\" \"proj: probe is waiting\" \"Probe needs your input\"" "$MOCK_LOG"
'

test_expect_success 'inside: the host'"'"'s sbx (and sbx-hook) on PATH, the session'"'"'s names, the hooks of the default events and the agents'"'"' states' '
	/usr/bin/python3 -c "
import json
s = json.load(open(\".probe-seen\"))
assert s[\"sbx\"] == \"/opt/sbx/bin/sbx\", s
assert s[\"sbx-hook\"].startswith(\"/opt/sbx/bin/sbx-hook\\nusage: sbx hook \"), s
e = s[\"env\"]
assert e[\"SBX_NOTIFY_SOCKET\"] == \"/run/sbx/notify/notify.sock\", e
assert e[\"SBX_PROJECT\"] == \"$PROJ\", e
assert e[\"SBX_AGENT\"] == \"probe\", e
assert e[\"SBX_SANDBOX\"].startswith(\"sbx-proj-\"), e
assert s[\"hooks\"] == [\"Notification\", \"PostToolUse\", \"PreToolUse\", \"Stop\",
                      \"UserPromptSubmit\"], s
"
'

test_expect_success 'the host'"'"'s own agent settings are untouched' '
	! test -e "$HOME/.claude/settings.json" &&
	! test -e "$HOME/.codex/config.toml"
'

test_expect_success 'a second run reuses the server' '
	pid=$(cat "$PIDFILE") &&
	events "$(stop)" &&
	"$SBX" run 2>err &&
	test_line_count err 0 &&
	test "$(cat "$PIDFILE")" = "$pid" &&
	stats_wait received=2 &&
	test "$(notify_count)" = 2 &&
	tail -n 1 "$MOCK_LOG" | test_grep -F "\"proj: probe finished\" \"Probe is done\""
'

test_expect_success 'runs of one persistent sandbox replace each other'"'"'s notification' '
	events "$(notif)" &&
	"$SBX" run --keep &&
	stats_wait received=3 &&
	events "$(stop)" &&
	"$SBX" run --keep &&
	stats_wait received=4 &&
	test "$(notify_count)" = 4 &&
	tail -n 1 "$MOCK_LOG" >last &&
	test_grep "Notify \"sbx\" [1-9][0-9]* \"\" \"proj: probe finished\"" last
'

test_expect_success 'notify.events rewires the template: the chosen events have hooks, with the states'"'"' own' '
	cat >"$XDG_CONFIG_HOME/sbx/config.json" <<-EOF &&
	{"agents": {"probe": {"command": "$PROJ/probe"}}, "agent": "probe", "backend": "bwrap",
	 "notify": {"events": ["SessionStart"]}}
	EOF
	events "$(notif),$(pre)" &&
	"$SBX" run &&
	/usr/bin/python3 -c "
import json
assert json.load(open(\".probe-seen\"))[\"hooks\"] == [\"Notification\", \"PostToolUse\",
    \"PreToolUse\", \"SessionStart\", \"Stop\", \"UserPromptSubmit\"]
"
'

test_expect_success 'a hook with no server behind its socket exits 0 and holds nothing up' '
	events "$(pre)" &&
	"$SBX" shell -- sh -c "SBX_NOTIFY_SOCKET=/run/sbx/missing.sock ./probe" 2>err &&
	test_grep "sbx hook: cannot send the event to ./run/sbx/missing.sock." err
'

test_expect_success 'notify.enabled false: no server, no hooks, no socket in the sandbox' '
	kill "$(cat "$PIDFILE")" &&
	flock "$PIDFILE" true &&
	cat >"$XDG_CONFIG_HOME/sbx/config.json" <<-EOF &&
	{"agents": {"probe": {"command": "$PROJ/probe"}}, "agent": "probe", "backend": "bwrap",
	 "notify": {"enabled": false}}
	EOF
	events "$(notif)" &&
	"$SBX" run &&
	! test -e "$NOTIFY_SOCK" &&
	/usr/bin/python3 -c "
import json
s = json.load(open(\".probe-seen\"))
assert s[\"hooks\"] == [] and s[\"env\"] == {}, s
"
'

if command -v script >/dev/null 2>&1; then
	test_expect_success 'without a desktop notifier: a bell and OSC 9 on the terminal of sbx run' '
		cat >"$XDG_CONFIG_HOME/sbx/config.json" <<-EOF &&
		{"agents": {"probe": {"command": "$PROJ/probe"}}, "agent": "probe", "backend": "bwrap"}
		EOF
		events "$(notif)" &&
		echo delivered=1 >.probe-wait &&
		SBX_NOTIFIER=terminal script -qec "\"$SBX\" run" /dev/null >typescript &&
		rm .probe-wait &&
		test_grep -F "$(printf "\\a\\033]9;proj: probe is waiting: Probe needs your input\\a")" typescript
	'
else
	test_skip 'a bell and OSC 9 on the terminal' 'script(1) is not installed'
fi

test_done
