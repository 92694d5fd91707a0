#!/bin/sh
# The bwrap backend, for real: isolation, environment, secrets, network,
# exit codes, signals, cleanup, ephemeral and persistent homes.
. "$(dirname "$0")/lib.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'bwrap backend' 'bubblewrap is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap
# Agents from npm are not installed by these tests: the shell agent needs none.
export SBX_AGENT=shell
mkdir -p proj sibling/secret-project "$HOME/.ssh"
echo "PRIVATE KEY" >"$HOME/.ssh/id_rsa"
echo "host home file" >"$HOME/host-only"
echo "sibling" >sibling/secret-project/file
cd proj || exit 1
PROJ=$(pwd -P)

sbx_sh() {
	"$SBX" shell -- sh -c "$1"
}

test_expect_success 'the user inside is not root' '
	sbx_sh "id -u" >out &&
	test "$(cat out)" != 0 &&
	sbx_sh "id -un" >out &&
	test_grep -v "^root$" out
'

test_expect_success 'the host home, ~/.ssh, a sibling project and /root are invisible' '
	test_must_fail sbx_sh "cat \"$HOME/.ssh/id_rsa\"" &&
	test_must_fail sbx_sh "cat \"$HOME/host-only\"" &&
	test_must_fail sbx_sh "ls \"$TRASH/sibling/secret-project\"" &&
	sbx_sh "ls -A /root 2>/dev/null | wc -l" >out &&
	test "$(cat out)" = 0 &&
	sbx_sh "ls /home" >out &&
	test_line_count out 1
'

test_expect_success 'the sandbox home is private and holds none of the host home' '
	sbx_sh "ls -A ~" >out &&
	! grep -e host-only -e .ssh out
'

test_expect_success 'the project is writable at its own path and changes reach the host' '
	sbx_sh "pwd; echo inside >written-inside" >out &&
	test "$(cat out)" = "$PROJ" &&
	test "$(cat written-inside)" = inside
'

test_expect_success '/usr is read-only' '
	test_must_fail sbx_sh "touch /usr/sbx-was-here" &&
	! test -e /usr/sbx-was-here
'

test_expect_success 'the process list shows only the sandbox' '
	sbx_sh "ls /proc | grep -c \"^[0-9]*\$\"" >out &&
	test "$(cat out)" -lt 10
'

test_expect_success 'the environment holds only what was configured' '
	SBX_TEST_PLANTED=planted-value "$SBX" shell --env CONFIGURED=yes -- env >out &&
	! grep planted-value out &&
	test_grep "^CONFIGURED=yes$" out &&
	sed "s/=.*//" out | sort >names &&
	printf "%s\n" CONFIGURED HOME LANG LOGNAME PATH PWD SHELL SHLVL TERM USER \
		SBX_AGENT SBX_NOTIFY_SOCKET SBX_PROJECT SBX_SANDBOX \
		HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy \
		NODE_USE_ENV_PROXY GIT_SSH_COMMAND >want &&
	grep -vxF -f want names >extra || true &&
	test_line_count extra 0
'

test_expect_success 'envPass copies named host variables only' '
	mkdir -p "$XDG_CONFIG_HOME/sbx" &&
	echo "{\"envPass\": [\"SBX_T_PASS\"]}" >"$XDG_CONFIG_HOME/sbx/config.json" &&
	SBX_T_PASS=passed SBX_T_OTHER=kept-out "$SBX" shell -- env >out &&
	rm "$XDG_CONFIG_HOME/sbx/config.json" &&
	test_grep "^SBX_T_PASS=passed$" out &&
	! grep kept-out out
'

SECRET="s3cr3t-$(date +%s)-value"
export SECRET
test_expect_success 'a secret is readable inside, never on a command line or disk' '
	mkdir -p "$XDG_CONFIG_HOME/sbx" &&
	printf "{\"secrets\": {\"API_TOKEN\": {\"command\": \"printf %%s %s\"}}}" "$SECRET" \
		>"$XDG_CONFIG_HOME/sbx/config.json" &&
	"$SBX" shell -- sh -c "echo \$API_TOKEN; cat /proc/[0-9]*/cmdline | tr \"\\0\" \" \"; ls -A /run/sbx" >"$TRASH/out" &&
	mv "$XDG_CONFIG_HOME/sbx/config.json" "$TRASH/secret-config.json" &&
	test "$(head -n 1 "$TRASH/out")" = "$SECRET" &&
	test "$(grep -c "$SECRET" "$TRASH/out")" = 1 &&
	! grep -r -l -F "$SECRET" "$XDG_STATE_HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" "$PROJ" \
		"$XDG_CONFIG_HOME" 2>/dev/null
'

test_expect_success 'a secret and --env of one name are refused, naming both' '
	mkdir -p "$XDG_CONFIG_HOME/sbx" &&
	cp "$TRASH/secret-config.json" "$XDG_CONFIG_HOME/sbx/config.json" &&
	test_expect_code 2 "$SBX" shell --env API_TOKEN=other -- true 2>err &&
	rm "$XDG_CONFIG_HOME/sbx/config.json" &&
	test_line_count err 1 &&
	test_grep "API_TOKEN. is both a secret (in .$XDG_CONFIG_HOME/sbx/config.json.) and set by --env: keep one of them" err
'

test_expect_success 'a secret and an env entry of one name are refused, naming both files' '
	mkdir -p "$XDG_CONFIG_HOME/sbx" &&
	cp "$TRASH/secret-config.json" "$XDG_CONFIG_HOME/sbx/config.json" &&
	echo "{\"env\": {\"API_TOKEN\": \"from-env\"}}" >.sbx.json &&
	test_expect_code 2 "$SBX" shell -- true 2>err &&
	rm "$XDG_CONFIG_HOME/sbx/config.json" .sbx.json &&
	test_grep "API_TOKEN. is both a secret (in .$XDG_CONFIG_HOME/sbx/config.json.) and a variable of env (in .$PROJ/.sbx.json.)" err
'

test_expect_success 'a secret wins over an envPass variable of its name, silently' '
	mkdir -p "$XDG_CONFIG_HOME/sbx" &&
	sed "s/^{/{\"envPass\": [\"API_TOKEN\"], /" "$TRASH/secret-config.json" \
		>"$XDG_CONFIG_HOME/sbx/config.json" &&
	API_TOKEN=from-the-host "$SBX" shell -- sh -c "echo \$API_TOKEN" >out 2>err &&
	rm "$XDG_CONFIG_HOME/sbx/config.json" &&
	test "$(cat out)" = "$SECRET" &&
	test_line_count err 0
'

test_expect_success 'exit codes pass through' '
	test_expect_code 42 sbx_sh "exit 42" &&
	test_expect_code 0 sbx_sh "true"
'

test_expect_success 'a command killed by a signal gives 128+N' '
	test_expect_code 143 sbx_sh "kill -TERM \$\$"
'

test_expect_success 'a missing command is 127' '
	test_expect_code 127 "$SBX" shell -- no-such-command-here 2>err &&
	test_grep "^sbx shell: .no-such-command-here. was not found in the sandbox$" err
'

# The command bwrap runs after /usr/bin/env resets the signals, one word a line,
# for `sbx shell -- CMD...`.
mkdir -p "$TRASH/capture"
cat >"$TRASH/capture/bwrap" <<EOF
#!/bin/sh
printf '%s\n' "\$@" | sed '1,/^--default-signal=INT,QUIT\$/d' >"$TRASH/capture/command"
exec bwrap "\$@"
EOF
chmod +x "$TRASH/capture/bwrap"
command_of() {
	SBX_BWRAP="$TRASH/capture/bwrap" "$SBX" shell "$@" >/dev/null &&
	head -n 3 "$TRASH/capture/command"
}

test_expect_success 'with nothing to set up, bwrap execs the command itself: no shell first' '
	command_of -- true >out &&
	printf "%s\n" true >expect &&
	cmp expect out &&
	command_of -- sh -c "exit 0" >out &&
	printf "%s\n" sh -c "exit 0" >expect &&
	cmp expect out
'

test_expect_success 'the launcher'"'"'s shell runs when there is something to set up or to say' '
	command_of --env A=1 -- true >out &&
	test "$(head -n 2 out)" = "$(printf "sh\n-c")" &&
	mkdir -p .sbx && echo "true" >.sbx/runtime.sh &&
	command_of -- true >out &&
	rm -r .sbx &&
	test "$(head -n 2 out)" = "$(printf "sh\n-c")" &&
	mkdir -p "$TRASH/bin-over" &&
	command_of --mount "$TRASH/bin-over:/usr/local/bin:ro" -- true >out &&
	test "$(head -n 2 out)" = "$(printf "sh\n-c")" &&
	test_must_fail command_of -- no-such-command-here >out 2>/dev/null &&
	test "$(head -n 2 "$TRASH/capture/command")" = "$(printf "sh\n-c")"
'

test_expect_success 'hostile project paths and arguments reach the command byte for byte' '
	hostile="$TRASH/we ird \$(touch pwned) \`x\` '"'"'q'"'"' \"dq\" é日本 -n
line2" &&
	mkdir -p "$hostile" &&
	(cd "$hostile" && "$SBX" shell -- sh -c "pwd; printf \"%s|\" \"\$@\"" sbx \
		"a b" "\$(id)" "\`id\`" "it'"'"'s" "-n" "new
line" "ünï" >"$TRASH/out") &&
	printf "%s\n%s|%s|%s|%s|%s|%s|%s|" "$hostile" "a b" "\$(id)" "\`id\`" "it'"'"'s" "-n" "new
line" "ünï" >"$TRASH/want" &&
	cmp "$TRASH/want" "$TRASH/out" &&
	! test -e "$TRASH/pwned" && ! test -e "$hostile/pwned"
'

test_expect_success 'only network "host" reaches a server on the host loopback' '
	/usr/bin/python3 -c "
import socket, sys
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
s.settimeout(20)
try:
    while True:
        c, _ = s.accept(); c.close()
except Exception:
    pass
" >port &
	server=$! &&
	while ! test -s port; do sleep 0.05; done &&
	port=$(cat port) &&
	test_must_fail "$SBX" shell -- bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>err &&
	mkdir -p "$XDG_CONFIG_HOME/sbx" &&
	echo "{\"network\": {\"mode\": \"host\"}}" >"$XDG_CONFIG_HOME/sbx/config.json" &&
	"$SBX" shell -- bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" &&
	echo "{\"network\": {\"mode\": \"none\"}}" >"$XDG_CONFIG_HOME/sbx/config.json" &&
	test_must_fail "$SBX" shell -- bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>err &&
	rm "$XDG_CONFIG_HOME/sbx/config.json" &&
	kill $server
'

test_expect_success 'an ephemeral home is discarded, a persistent one is kept' '
	sbx_sh "echo x >~/mark" &&
	test_must_fail sbx_sh "cat ~/mark" &&
	"$SBX" shell --keep -- sh -c "echo kept >~/mark" &&
	"$SBX" shell --keep -- sh -c "cat ~/mark" >out &&
	test "$(cat out)" = kept &&
	"$SBX" ls --json >list &&
	test_grep "\"kind\":\"persistent\",\"status\":\"Stopped\",\"project\":\"$PROJ\"" list &&
	"$SBX" ls >out &&
	test_grep "^sbx-proj-[0-9a-f]*-keep  *bwrap  *persistent  *Stopped  *-  *-  *$PROJ  *-$" out
'

test_expect_success 'sbx ls: a project path with a newline and an escape is one visible line' '
	odd="$TRASH/odd
$(printf "\033")]0;x" &&
	mkdir -p "$odd" &&
	(cd "$odd" && "$SBX" shell --keep -- true) &&
	"$SBX" ls >out &&
	! grep "$(printf "\033")" out &&
	test_grep "  $TRASH/odd^J^\[\]0;x  " out
'

test_expect_success 'doctor: a backend that is not used is no failure' '
	mkdir -p "$TRASH/no-lima" && ln -sf "$(command -v bwrap)" "$TRASH/no-lima/bwrap" &&
	(unset SBX_BACKEND && PATH="$TRASH/no-lima" "$SBX" doctor >out 2>&1) &&
	test_grep "^warn backend: none chosen, and Lima (the default) is not installed: sbx run needs --backend bwrap$" out &&
	test_grep "^warn lima: limactl was not found on PATH$" out &&
	test_grep "^ok   bwrap: bubblewrap " out &&
	PATH="$TRASH/no-lima" "$SBX" doctor >out 2>&1 &&
	test_grep "^ok   backend: bwrap (from SBX_BACKEND)$" out &&
	SBX_BACKEND=lima PATH="$TRASH/no-lima" test_expect_code 1 "$SBX" doctor >out 2>&1 &&
	test_grep "^fail lima: limactl was not found on PATH$" out
'

test_expect_success 'nothing of a session is left behind' '
	sbx_sh true &&
	ls -A "$XDG_RUNTIME_DIR/sbx/sessions" >left &&
	test_line_count left 0 &&
	ls -A "$XDG_STATE_HOME/sbx/sessions" >left &&
	test_line_count left 0
'

for sig in TERM HUP INT; do
	test_expect_success "SIG$sig to sbx ends the sandbox and removes the session" "
		\"\$SBX\" shell -- sh -c 'echo started >\"$PROJ/started-$sig\"; exec sleep 31$((${#sig}))7' &
		pid=\$! &&
		test_wait_for 'test -e \"$PROJ/started-$sig\"' &&
		kill -$sig \$pid &&
		{ wait \$pid; code=\$?; } ;
		test \$code -gt 128 &&
		test_wait_for \"! pgrep -f 'sleep 31$((${#sig}))7'\" &&
		ls -A \"\$XDG_RUNTIME_DIR/sbx/sessions\" >left &&
		test_line_count left 0 &&
		ls -A \"\$XDG_STATE_HOME/sbx/sessions\" >left &&
		test_line_count left 0
	"
done

test_expect_success 'sbx ls shows a running session and sbx stop ends it' '
	"$SBX" shell -- sh -c "echo started >\"$PROJ/started-ls\"; exec sleep 3177" &
	pid=$! &&
	test_wait_for "test -e \"$PROJ/started-ls\"" &&
	"$SBX" ls --json >list &&
	test_grep "\"kind\":\"session\",\"status\":\"Running\"" list &&
	name=$(sed -n "s/.*\"name\":\"\([^\"]*\)\",\"backend\":\"bwrap\",\"kind\":\"session\".*/\1/p" list) &&
	test -n "$name" &&
	"$SBX" stop "$name" >out &&
	test_grep "^stopped $name" out &&
	{ wait $pid; code=$?; } ;
	test $code = 143 &&
	test_wait_for "! pgrep -f \"sleep 3177\"" &&
	"$SBX" ls --json >list &&
	! grep "\"kind\":\"session\"" list
'

test_expect_success 'stopping or removing an unknown sandbox is an error naming it' '
	test_expect_code 2 "$SBX" stop sbx-nope-000000 2>err &&
	test_grep "no sandbox named .sbx-nope-000000." err &&
	test_expect_code 2 "$SBX" rm sbx-nope-000000 2>err &&
	test_grep "no sandbox named" err
'

test_expect_success 'SIGKILL on sbx kills the sandbox; prune removes what it left' '
	"$SBX" shell -- sh -c "echo started >\"$PROJ/started-kill\"; exec sleep 3199" &
	pid=$! &&
	test_wait_for "test -e \"$PROJ/started-kill\"" &&
	kill -KILL $pid &&
	test_wait_for "! pgrep -f \"sleep 3199\"" &&
	"$SBX" ls >out &&
	test_grep Orphaned out &&
	"$SBX" prune --dry-run >out &&
	test_grep "^would remove sbx-" out &&
	"$SBX" prune >out &&
	test_grep "^removed sbx-" out &&
	ls -A "$XDG_RUNTIME_DIR/sbx/sessions" >left &&
	test_line_count left 0
'

test_expect_success 'a runtime script runs first, in the same shell' '
	mkdir -p .sbx &&
	echo "export FROM_RUNTIME=set-by-script" >.sbx/runtime.sh &&
	sbx_sh "echo \$FROM_RUNTIME" >out &&
	test "$(cat out)" = set-by-script
'

test_expect_success 'a failing runtime script stops the session with 125 and names itself' '
	echo "false" >.sbx/runtime.sh &&
	test_expect_code 125 sbx_sh "echo agent-ran" >out 2>err &&
	! grep agent-ran out &&
	test_grep "runtime script .*runtime.sh failed" err &&
	rm -r .sbx
'

test_expect_success 'sbx setup builds the template once and skips it when unchanged' '
	"$SBX" setup 2>err &&
	"$SBX" setup 2>err &&
	test_grep "up to date" err &&
	"$SBX" setup --force 2>err &&
	test_grep "building template" err
'

test_expect_success 'without Lima and without a backend, sbx names both choices' '
	(unset SBX_BACKEND; PATH=/usr/bin:/bin test_expect_code 125 "$SBX" shell -- true 2>err) &&
	test_grep "limactl was not found" err &&
	test_grep "bwrap" err
'

test_done
