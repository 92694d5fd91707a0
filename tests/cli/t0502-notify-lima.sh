#!/bin/sh
# Notifications wired on the Lima backend, against the fake limactl: the
# template's user provisioning writes the agents' hooks, each clone forwards
# the host's socket into the guest, and the agent gets the session's names.
. "$(dirname "$0")/lib-lima.sh"

cd proj || exit 1
PROJ=$(pwd -P)
HOST_SOCK="$XDG_RUNTIME_DIR/sbx/notify.sock"
export PROJ HOST_SOCK

test_expect_success 'run starts the server and forwards its socket into the clone' '
	: >"$FAKE_LIMACTL_LOG" &&
	# Without a network proxy there is no environment file: the variables cost no shell.
	SBX_NETWORK_MODE=none "$SBX" run -- "a b" -n "x=1" &&
	test -S "$HOST_SOCK" &&
	/usr/bin/python3 - "$FAKE_LIMACTL_LOG" <<-\EOF
	import json, os, sys
	calls = [json.loads(l) for l in open(sys.argv[1])]
	clone = [c for c in calls if c[0] == "clone"]
	assert len(clone) == 1, calls
	sets = [clone[0][i + 1] for i, a in enumerate(clone[0]) if a == "--set"]
	fw = [s for s in sets if s.startswith(".portForwards += ")]
	assert len(fw) == 1, sets
	assert json.loads(fw[0][len(".portForwards += "):]) == [{"guestSocket": "/tmp/sbx-notify.sock",
	    "hostSocket": os.environ["HOST_SOCK"], "reverse": True}], fw
	# No environment was configured: no limactl shell hands one over.
	assert [c[0] for c in calls].count("shell") == 1, calls
	EOF
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
