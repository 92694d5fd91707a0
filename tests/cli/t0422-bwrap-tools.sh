#!/bin/sh
# An agent the host's /usr lacks is installed with npm, on its first run, into
# sbx's tools prefix ($XDG_DATA_HOME/sbx/bwrap/tools): a progress step of its
# own on stderr, npm's output in a log, the agent's output alone on stdout.
# The real npm, offline, installs a package made here.
. "$(dirname "$0")/lib.sh"

if ! command -v bwrap >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	test_skip 'agents installed with npm' 'bubblewrap or npm is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap NPM_CONFIG_OFFLINE=true NPM_CONFIG_UPDATE_NOTIFIER=false
TOOLS="$XDG_DATA_HOME/sbx/bwrap/tools"
LOG="$XDG_STATE_HOME/sbx/logs/npm-install.log"
export TOOLS LOG
mkdir -p pkg proj "$XDG_CONFIG_HOME/sbx"
cat >pkg/package.json <<'EOF'
{"name": "sbx-test-agent", "version": "1.0.0", "bin": {"sbx-test-agent": "agent.sh"}}
EOF
printf '#!/bin/sh\necho "the agent ran: $*"\n' >pkg/agent.sh
chmod +x pkg/agent.sh
(cd pkg && npm pack --silent >/dev/null 2>&1)
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{
  "notify": {"enabled": false},
  "agents": {"tagent": {"command": "sbx-test-agent", "npm": "$TRASH/pkg/sbx-test-agent-1.0.0.tgz"},
             "broken": {"command": "sbx-test-broken", "npm": "$TRASH/pkg/no-such.tgz"}}
}
EOF
cd proj || exit 1

test_expect_success 'the first run installs the agent: one line on stderr, npm in its log' '
	test -f "$TRASH/pkg/sbx-test-agent-1.0.0.tgz" &&
	"$SBX" run --agent tagent -- hello >out 2>all &&
	echo "the agent ran: hello" >expect &&
	cmp expect out &&
	# Unprivileged without a delegated cgroup, the first run also says (once) that limits do not hold.
	grep -v "^sbx: warning: the sandbox.s limits do not hold: " all >err &&
	test_line_count err 1 &&
	test_grep "^sbx: installing tagent with npm ($TRASH/pkg/sbx-test-agent-1.0.0.tgz) into $TOOLS: done in [0-9.]*s$" err &&
	test -x "$TOOLS/bin/sbx-test-agent" &&
	test -s "$LOG" &&
	test "$(stat -c %a "$LOG")" = 600
'

test_expect_success 'a later run finds it: no step, nothing but the agent' '
	"$SBX" run --agent tagent -- again >out 2>err &&
	echo "the agent ran: again" >expect &&
	cmp expect out &&
	test_line_count err 0
'

test_expect_success '-q leaves only the agent'"'"'s output' '
	rm -rf "$TOOLS" &&
	"$SBX" -q run --agent tagent -- quiet >out 2>err &&
	echo "the agent ran: quiet" >expect &&
	cmp expect out &&
	test_line_count err 0 &&
	test -x "$TOOLS/bin/sbx-test-agent"
'

test_expect_success 'an install that fails: exit 125, the step failed, the log named' '
	test_expect_code 125 "$SBX" run --agent broken >out 2>err &&
	test_line_count out 0 &&
	test_grep "^sbx: installing broken with npm ($TRASH/pkg/no-such.tgz) into $TOOLS: failed in [0-9.]*s$" err &&
	test_grep "^sbx run: cannot install the agent .broken.: .npm install --global $TRASH/pkg/no-such.tgz. failed (exit [0-9]*); its output is in .$LOG.$" err
'

test_done
