#!/bin/sh
# Plugins on the bwrap backend: the template rebuilt when they change, what
# each adds to bwrap's arguments (captured by a bwrap that records its argv),
# and a test plugin that makes every call of the ABI.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-plugins.sh
. "$TESTS_DIR/lib-plugins.sh"

if ! have_bwrap; then
	test_skip 'plugins on bwrap' 'bubblewrap is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap SBX_AGENT=shell
test_cleanup_hook=stop_sockets
mkdir -p proj capture tprobe-mount
echo "mounted by tprobe" >tprobe-mount/file
{
	echo '#!/bin/sh'
	printf '%s\n' "printf '%s\\n' \"\$@\" >'$TRASH/capture/argv'"
	echo 'exec bwrap "$@"'
} >capture/bwrap
chmod +x capture/bwrap
TOOLS="$XDG_DATA_HOME/sbx/bwrap/tools"
STATE="$XDG_STATE_HOME/sbx"
cd proj || exit 1
PROJ=$(pwd -P)
export TOOLS STATE PROJ

# bwrap's arguments for `sbx shell -- CMD...`, one a line, in argv.
captured() {
	SBX_BWRAP="$TRASH/capture/bwrap" "$SBX" shell -- "$@" &&
	cp "$TRASH/capture/argv" argv
}

# The arguments with what differs from run to run (the session's name, and
# the directory of its notification socket) blotted out.
normalized() {
	sed -e "s|/sessions/[^/]*/home$|/sessions/X/home|" -e "s|/plugins/run-[0-9]*$|/plugins/run-X|" \
		-e "s|/notify/[0-9a-f]\{12\}$|/notify/X|" -e "s|^[0-9][0-9]*$|N|" "$1"
}

test_expect_success 'the sandbox home, as sbx makes it' '
	"$SBX" shell -- sh -c "echo \$HOME" >home &&
	test -n "$(cat home)"
'
SANDBOX_HOME=$(cat home 2>/dev/null)
export SANDBOX_HOME

test_expect_success 'enabling a plugin rebuilds the template; unchanged, it is kept' '
	"$SBX" setup 2>err &&
	test_grep "up to date" err &&
	"$SBX" setup --node 2>err &&
	test_grep "building template" err &&
	"$SBX" setup 2>err &&
	test_grep "up to date" err &&
	echo "{\"plugins\": [\"python\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	"$SBX" setup 2>err &&
	test_grep "building template" err &&
	rm .sbx.json &&
	"$SBX" setup --no-plugins 2>err &&
	test_grep "building template" err &&
	"$SBX" config show >out &&
	! grep "^plugins\[" out
'

test_expect_success 'setup --node is kept for later runs, and shown as configuration' '
	"$SBX" setup --node --python 2>err &&
	"$SBX" config show >out &&
	test_grep "^plugins\[0\] = \"node\"  # $STATE/setup/sbx-proj-[0-9a-f]*.json$" out &&
	test_grep "^plugins\[1\] = \"python\"" out &&
	"$SBX" shell -- true 2>err &&
	! grep "building" err
'

test_expect_success 'node and python: the host tools inside, nothing added to the arguments' '
	"$SBX" shell -- sh -c "node --version && npm --version && python3 -c \"import venv\"" >out &&
	test_grep "^v[0-9]" out &&
	captured true &&
	normalized argv >with &&
	"$SBX" setup --no-plugins 2>err &&
	captured true &&
	normalized argv >without &&
	cmp with without
'

test_expect_success 'docker is refused on bwrap, saying why; --all goes without it' '
	test_expect_code 125 "$SBX" setup --docker 2>err &&
	test_grep "^sbx setup: plugin docker does not work with the bwrap backend: a bwrap sandbox would need the host.s Docker socket, and whoever can use it is root on the host: a way out of the sandbox; use the lima backend$" err &&
	echo "{\"plugins\": [\"docker\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	test_expect_code 125 "$SBX" shell -- touch ran 2>err &&
	test_grep "plugin docker does not work with the bwrap backend: .*Docker socket" err &&
	! test -e ran &&
	rm .sbx.json
'

test_expect_success 'chromium without a browser in the sandbox: the build fails and says so' '
	test_expect_code 125 "$SBX" setup --chromium 2>err &&
	test_grep "sbx plugin chromium: no Chromium or Chrome in the sandbox" err &&
	test_grep "^sbx setup: plugin chromium: its template script failed (exit 1)$" err &&
	"$SBX" config show >out &&
	! grep "chromium" out
'

test_expect_success 'chromium: the Chrome DevTools MCP server in ~/.claude.json' '
	mkdir -p "$TOOLS/bin" &&
	printf "#!/bin/sh\necho fake chromium\n" >"$TOOLS/bin/chromium" &&
	chmod +x "$TOOLS/bin/chromium" &&
	"$SBX" setup --chromium 2>err &&
	"$SBX" shell -- cat "$SANDBOX_HOME/.claude.json" >claude.json &&
	/usr/bin/python3 - claude.json <<-\EOF
	import json, sys
	c = json.load(open(sys.argv[1]))
	s = c["mcpServers"]["chrome-devtools"]
	assert s["type"] == "stdio" and s["command"] == "npx", s
	assert s["args"][:2] == ["-y", "chrome-devtools-mcp@latest"], s
	for a in ("--headless", "--isolated", "--executablePath=/opt/sbx-tools/bin/chromium",
	          "--chromeArg=--no-sandbox"):
	    assert a in s["args"], (a, s)
	EOF
'

test_expect_success 'chromium: an existing ~/.claude.json keeps what it had' '
	build_plugin "$PLUGINS" tjson <<-\EOF &&
	#include <sbx/plugin.h>
	static int provision(struct sbx_plugin_ctx *ctx)
	{
		return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_USER,
			"#!/bin/sh\nprintf %s \"{\\\"numStartups\\\": 3, \\\"mcpServers\\\": {\\\"other\\\": {\\\"command\\\": \\\"x\\\"}}}\" >\"$HOME/.claude.json\"\n");
	}
	static const struct sbx_plugin plugin = { .abi = SBX_PLUGIN_ABI, .name = "tjson",
		.summary = "writes ~/.claude.json", .backends = SBX_PLUGIN_BWRAP,
		.provision = provision };
	SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void) { return &plugin; }
	EOF
	echo "{\"plugins\": [\"tjson\", \"chromium\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" "$SBX" setup --no-plugins 2>err &&
	SBX_PLUGIN_PATH="$PLUGINS" "$SBX" shell -- cat "$SANDBOX_HOME/.claude.json" >claude.json &&
	rm .sbx.json &&
	/usr/bin/python3 - claude.json <<-\EOF
	import json, sys
	c = json.load(open(sys.argv[1]))
	assert c["numStartups"] == 3, c
	assert c["mcpServers"]["other"] == {"command": "x"}, c
	assert c["mcpServers"]["chrome-devtools"]["command"] == "npx", c
	EOF
'

test_expect_success 'tprobe: its mount, socket, environment, files and scripts on the bwrap command line' '
	tprobe_source | build_plugin "$PLUGINS" tprobe &&
	listen_socket "$TRASH/tprobe.sock" &&
	echo "{\"plugins\": [\"tprobe\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" captured sh -c "cat /opt/tprobe/file; test -S ~/tprobe.sock && echo socket; echo \"\$TPROBE_ENV\"; cat ~/tprobe-user" >out 2>err &&
	test_grep "^--ro-bind$" argv &&
	grep -A2 -x -e "--ro-bind" argv >ro &&
	grep -A2 -x -e "--bind" argv >rw &&
	grep -A1 -x -F "$PROJ/../tprobe-mount" ro | test_grep -x "/opt/tprobe" - &&
	grep -A1 -x -F "$PROJ/../tprobe.sock" rw | test_grep -x "$SANDBOX_HOME/tprobe.sock" - &&
	grep -A1 -x "$STATE/plugins/run-[0-9]*" ro | test_grep -x "/run/sbx/plugins" - &&
	test_grep -x "/run/sbx/plugins/tprobe/session-0.sh" argv &&
	! grep "tprobe value" argv &&
	printf "%s\n" "mounted by tprobe" socket "tprobe value '"'"'quoted'"'"'" tprobe-user-ran >want &&
	cmp want out &&
	test_grep "^tprobe-session: host-prepared in /run/sbx/plugins/tprobe$" err &&
	test_grep "^sbx: warning: plugin tprobe: port 8080 is not forwarded: a bwrap sandbox has a network of its own" err
'

test_expect_success 'tprobe: the session script runs before a runtime script, the files are read-only' '
	mkdir -p .sbx &&
	echo "echo runtime-script >&2" >.sbx/runtime.sh &&
	SBX_PLUGIN_PATH="$PLUGINS" "$SBX" shell -- sh -c "echo x >/run/sbx/plugins/tprobe/data.txt" 2>err;
	rm -r .sbx &&
	sed -n "s/^\(tprobe-session\):.*/\1/p; /^runtime-script$/p" err >order &&
	printf "tprobe-session\nruntime-script\n" >want &&
	cmp want order &&
	test_grep "Read-only file system" err
'

test_expect_success 'nothing of the session plugin files is left; a dead one is reaped' '
	mkdir -p "$STATE/plugins/run-2147483646" &&
	SBX_PLUGIN_PATH="$PLUGINS" "$SBX" shell -- true 2>err &&
	ls "$STATE/plugins" >left &&
	test_line_count left 0
'

test_expect_success 'a persistent sandbox keeps one plugin directory, named after it' '
	SBX_PLUGIN_PATH="$PLUGINS" "$SBX" shell --keep -- cat /run/sbx/plugins/tprobe/data.txt >out 2>err &&
	test "$(cat out)" = host-prepared &&
	ls "$STATE/plugins" >left &&
	test_grep -x "sbx-proj-[0-9a-f]*-keep" left
'

test_expect_success 'the configured environment wins over a plugin' '
	SBX_PLUGIN_PATH="$PLUGINS" "$SBX" shell --env TPROBE_ENV=mine -- sh -c "echo \$TPROBE_ENV" >out 2>err &&
	test "$(cat out)" = mine &&
	rm .sbx.json
'

test_expect_success 'a failing session script stops the session before the command' '
	build_plugin "$PLUGINS" tfail <<-\EOF &&
	#include <sbx/plugin.h>
	static int sandbox(struct sbx_plugin_ctx *ctx)
	{
		return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SESSION, "echo failing >&2; exit 3\n");
	}
	static const struct sbx_plugin plugin = { .abi = SBX_PLUGIN_ABI, .name = "tfail",
		.summary = "fails", .backends = SBX_PLUGIN_BWRAP, .sandbox = sandbox };
	SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void) { return &plugin; }
	EOF
	echo "{\"plugins\": [\"tfail\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 "$SBX" shell -- touch ran 2>err &&
	rm .sbx.json &&
	test_grep "runtime script /run/sbx/plugins/tfail/session-0.sh failed (exit 3)" err &&
	! test -e ran
'

test_expect_success 'a failing step, or a call outside its step, stops sbx with the plugin named' '
	build_plugin "$PLUGINS" tbad <<-\EOF &&
	#include <sbx/plugin.h>
	#include <string.h>
	static int provision(struct sbx_plugin_ctx *ctx)
	{
		return sbx_plugin_add_mount(ctx, "/", "/x", 0);
	}
	static int prepare(struct sbx_plugin_ctx *ctx)
	{
		return sbx_plugin_error(ctx, "the host has no %s", "widget");
	}
	static const struct sbx_plugin plugin = { .abi = SBX_PLUGIN_ABI, .name = "tbad",
		.summary = "misbehaves", .backends = SBX_PLUGIN_BWRAP, .provision = provision,
		.prepare = prepare };
	SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void) { return &plugin; }
	EOF
	echo "{\"plugins\": [\"tbad\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 "$SBX" shell -- touch ran 2>err &&
	test_grep "^sbx shell: plugin tbad: sbx_plugin_add_mount() cannot be called in its provision step$" err &&
	build_plugin "$PLUGINS" tbad2 <<-\EOF &&
	#include <sbx/plugin.h>
	static int provision(struct sbx_plugin_ctx *ctx)
	{
		return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SYSTEM, "true\n");
	}
	static int prepare(struct sbx_plugin_ctx *ctx)
	{
		return sbx_plugin_error(ctx, "the host has no %s", "widget");
	}
	static const struct sbx_plugin plugin = { .abi = SBX_PLUGIN_ABI, .name = "tbad2",
		.summary = "misbehaves", .backends = SBX_PLUGIN_BWRAP | SBX_PLUGIN_LIMA,
		.provision = provision, .prepare = prepare };
	SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void) { return &plugin; }
	EOF
	echo "{\"plugins\": [\"tbad2\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 "$SBX" shell -- touch ran 2>err &&
	test_grep "^sbx shell: plugin tbad2: a SYSTEM script cannot run on the bwrap backend" err &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 "$SBX" shell --backend lima -- touch ran 2>err &&
	test_grep "^sbx shell: plugin tbad2: the host has no widget$" err &&
	rm .sbx.json &&
	! test -e ran
'

test_expect_success 'a mount or socket with a relative path is refused, the call named' '
	build_plugin "$PLUGINS" tpath <<-\EOF &&
	#include <sbx/plugin.h>
	#include <stdlib.h>
	static int prepare(struct sbx_plugin_ctx *ctx)
	{
		if (getenv("TPATH_SOCKET"))
			return sbx_plugin_forward_socket(ctx, "/tmp", "run/x.sock");
		return sbx_plugin_add_mount(ctx, "etc", "/x", 0);
	}
	static const struct sbx_plugin plugin = { .abi = SBX_PLUGIN_ABI, .name = "tpath",
		.summary = "relative paths", .backends = SBX_PLUGIN_BWRAP, .prepare = prepare };
	SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void) { return &plugin; }
	EOF
	echo "{\"plugins\": [\"tpath\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 "$SBX" shell -- touch ran 2>err &&
	test_grep "^sbx shell: plugin tpath: sbx_plugin_add_mount(): the host path .etc. is not absolute$" err &&
	TPATH_SOCKET=1 SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 "$SBX" shell -- touch ran 2>err &&
	test_grep "^sbx shell: plugin tpath: sbx_plugin_forward_socket(): the sandbox path .run/x.sock. is neither absolute nor ~/...$" err &&
	rm .sbx.json &&
	! test -e ran
'

test_done
