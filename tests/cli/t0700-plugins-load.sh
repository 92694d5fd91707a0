#!/bin/sh
# Plugins: the search path, sbx plugins ls, and every way a plugin can be
# broken, each refused with one line naming the file, before anything starts.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-plugins.sh
. "$TESTS_DIR/lib-plugins.sh"

export SBX_BACKEND=bwrap SBX_AGENT=shell
mkdir -p proj
cd proj || exit 1

# Runs `sbx shell` with plugins NAME...; the command would leave proj/ran.
# What an earlier test left is removed first, so that each checks its own run.
shell_with() {
	rm -rf ran "$XDG_DATA_HOME/sbx/bwrap"
	printf '{"plugins": [' >.sbx.json
	sep=
	for p; do
		printf '%s"%s"' "$sep" "$p" >>.sbx.json
		sep=,
	done
	printf ']}\n' >>.sbx.json
	"$SBX" trust >/dev/null &&
	"$SBX" shell -- touch ran
}

# Nothing started: the command did not run, no template was built.
nothing_started() {
	if test -e ran || test -d "$XDG_DATA_HOME/sbx/bwrap"; then
		echo "something started" >&2
		return 1
	fi
}

test_expect_success 'the built plugins are found beside sbx and listed' '
	SBX_PLUGIN_PATH= "$SBX" plugins >out &&
	for p in chromium docker gpg node python; do
		test_grep "^  $p  *[a-z,]*  *[^ ]" out &&
		test_grep "$SBX_BUILD/plugins/$p.so (ABI 1)$" out || return 1
	done &&
	test_grep "^  docker  *lima  " out &&
	test_grep "^  gpg  *lima,bwrap  " out
'

test_expect_success 'sbx plugins ls --json: path, ABI, summary, backends, enabled' '
	echo "{\"plugins\": [\"gpg\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	"$SBX" plugins ls --json >out &&
	rm .sbx.json &&
	/usr/bin/python3 - "$SBX_BUILD" out <<-\EOF
	import json, sys
	got = {}
	for line in open(sys.argv[2]):
	    e = json.loads(line)
	    got[e["name"]] = e
	assert sorted(got) == ["chromium", "docker", "gpg", "node", "python"], sorted(got)
	for name, e in got.items():
	    assert e["status"] == "ok", e
	    assert e["path"] == sys.argv[1] + "/plugins/" + name + ".so", e["path"]
	    assert e["abi"] == 1 and e["summary"], e
	    assert e["enabled"] == (name == "gpg"), e
	assert got["docker"]["backends"] == ["lima"], got["docker"]
	assert "root on the host" in got["docker"]["refusal"]
	assert got["node"]["backends"] == ["lima", "bwrap"]
	assert "distribution" in got["node"]["summary"]
	assert ".claude.json" in got["chromium"]["summary"]
	assert "gpg-agent" in got["gpg"]["summary"]
	assert "uv" in got["python"]["summary"]
	EOF
'

test_expect_success 'the enabled ones are starred' '
	echo "{\"plugins\": [\"node\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	"$SBX" plugins >out &&
	rm .sbx.json &&
	test_grep "^\* node " out &&
	test_grep "^  gpg " out
'

test_expect_success 'the built plugins call sbx only through <sbx/plugin.h>' '
	for p in "$SBX_BUILD"/plugins/*.so; do
		nm -D --undefined-only "$p" | sed -n "s/.* U \(sbx_[a-z_]*\).*/\1/p" >>used || return 1
		nm -D --defined-only "$p" | sed -n "s/.* [TDBR] \([a-z][a-z_0-9]*\)$/\1/p" >defined &&
		test "$(cat defined)" = sbx_plugin_entry || { echo "$p exports:"; cat defined; return 1; }
	done &&
	sort -u used >used.sorted &&
	sed -n "s/^[a-z].* \**\(sbx_plugin_[a-z_]*\)(.*/\1/p" "$SRC_DIR/include/sbx/plugin.h" |
		sort -u >declared &&
	comm -23 used.sorted declared >outside &&
	test_line_count outside 0
'

test_expect_success 'make install puts them in LIBDIR/plugins, where the installed sbx looks' '
	make -s -C "$SRC_DIR" BUILD="$SBX_BUILD" install DESTDIR="$TRASH/dest" PREFIX=/opt/sbx >log 2>&1 &&
	for p in chromium docker gpg node python; do
		test -f "$TRASH/dest/opt/sbx/lib/sbx/plugins/$p.so" || { echo "no $p.so"; return 1; }
	done &&
	"$TRASH/dest/opt/sbx/bin/sbx" plugins >out &&
	test_grep "^ *$TRASH/dest/opt/sbx/lib/sbx/plugins/gpg.so (ABI 1)$" out &&
	! grep "$SBX_BUILD" out &&
	rm -r "$TRASH/dest"
'

test_expect_success 'SBX_PLUGIN_PATH comes first; a later plugin of the name is shadowed' '
	simple_plugin node | build_plugin "$PLUGINS" node &&
	SBX_PLUGIN_PATH="$PLUGINS" "$SBX" plugins ls --json >out &&
	test_grep "\"name\":\"node\",\"path\":\"$PLUGINS/node.so\",\"status\":\"ok\"" out &&
	test_grep "\"the test plugin node\"" out &&
	test_grep "\"path\":\"$SBX_BUILD/plugins/node.so\",\"status\":\"shadowed\".*\"shadowedBy\":\"$PLUGINS/node.so\"" out &&
	rm "$PLUGINS/node.so"
'

test_expect_success 'then $XDG_DATA_HOME/sbx/plugins' '
	have_bwrap &&
	simple_plugin mine | build_plugin "$XDG_DATA_HOME/sbx/plugins" mine &&
	"$SBX" plugins >out &&
	test_grep "^  mine  *lima,bwrap  the test plugin mine$" out &&
	test_grep "$XDG_DATA_HOME/sbx/plugins/mine.so (ABI 1)" out &&
	SBX_PLUGIN_PATH="$PLUGINS" shell_with mine &&
	test -e ran &&
	rm -r ran "$XDG_DATA_HOME/sbx" .sbx.json
'

test_expect_success 'a relative SBX_PLUGIN_PATH entry is refused' '
	SBX_PLUGIN_PATH="$PLUGINS:rel/dir" test_expect_code 125 "$SBX" plugins 2>err &&
	test_grep "SBX_PLUGIN_PATH: .rel/dir. is not an absolute path" err
'

test_expect_success 'an unknown plugin: exit 2, the directories searched, nothing started' '
	test_expect_code 2 shell_with nosuch 2>err &&
	test_grep "^sbx shell: no plugin .nosuch.: there is no nosuch.so in the plugin path (.*$SBX_BUILD/plugins" err &&
	test_line_count err 1 &&
	nothing_started
'

test_expect_success 'a wrong ABI: both versions and the file' '
	simple_plugin old 2 | build_plugin "$PLUGINS" old &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 shell_with old 2>err &&
	test_grep "^sbx shell: the plugin .$PLUGINS/old.so. is built for plugin ABI 2, and this sbx has ABI 1" err &&
	test_line_count err 1 &&
	nothing_started
'

test_expect_success 'no entry point (a typo in its name)' '
	build_plugin "$PLUGINS" hidden <<-\EOF &&
	#include <sbx/plugin.h>
	static const struct sbx_plugin plugin = { .abi = SBX_PLUGIN_ABI, .name = "hidden",
		.summary = "x", .backends = SBX_PLUGIN_BWRAP };
	SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entyr(void);
	SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entyr(void) { return &plugin; }
	EOF
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 shell_with hidden 2>err &&
	test_grep "^sbx shell: the plugin .$PLUGINS/hidden.so. has no entry point sbx_plugin_entry()" err &&
	nothing_started
'

test_expect_success 'a text file named .so is not a shared object' '
	echo "not a library" >"$PLUGINS/text.so" &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 shell_with text 2>err &&
	test_grep "^sbx shell: cannot load the plugin .$PLUGINS/text.so.: not a shared object" err &&
	nothing_started
'

test_expect_success 'a missing dependency: the loader says which, and advises ldd' '
	mkdir -p dep &&
	echo "int dep_value(void) { return 7; }" >dep/dep.c &&
	cc -shared -fPIC -o dep/libsbxtestdep.so dep/dep.c &&
	{
		echo "int dep_value(void);" &&
		echo "int use_dep(void);" &&
		echo "int use_dep(void) { return dep_value(); }" &&
		simple_plugin needy
	} | build_plugin "$PLUGINS" needy -L"$TRASH/proj/dep" -lsbxtestdep -Wl,-rpath,"$TRASH/proj/dep" &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 1 "$SBX" plugins >out &&
	test_grep "^  needy  *lima,bwrap  the test plugin needy$" out &&
	rm -r dep &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 shell_with needy 2>err &&
	test_grep "^sbx shell: cannot load the plugin .$PLUGINS/needy.so.: .*libsbxtestdep.so.*(use ldd(1) to check its dependencies)$" err &&
	nothing_started
'

test_expect_success 'two plugins of one name: both files named' '
	simple_plugin twin | build_plugin "$PLUGINS" twin &&
	simple_plugin twin2 "" twin | build_plugin "$PLUGINS" twin2 &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 shell_with twin twin2 2>err &&
	test_grep "^sbx shell: two plugins named .twin.: .$PLUGINS/twin.so. and .$PLUGINS/twin2.so.$" err &&
	nothing_started
'

test_expect_success 'a plugin that calls itself by another name' '
	simple_plugin alias "" other | build_plugin "$PLUGINS" alias &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 shell_with alias 2>err &&
	test_grep "^sbx shell: the plugin .$PLUGINS/alias.so. calls itself .other.: its file must be named .other.so.$" err &&
	nothing_started
'

test_expect_success 'a directory named .so is not a regular file' '
	mkdir "$PLUGINS/dir.so" &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 shell_with dir 2>err &&
	test_grep "^sbx shell: the plugin .$PLUGINS/dir.so. is not a regular file$" err &&
	rmdir "$PLUGINS/dir.so" &&
	nothing_started
'

test_expect_success 'a group-writable plugin directory is refused, naming it' '
	simple_plugin loose | build_plugin "$TRASH/loose" loose &&
	chmod g+w "$TRASH/loose" &&
	SBX_PLUGIN_PATH="$TRASH/loose" test_expect_code 125 shell_with loose 2>err &&
	test_grep "^sbx shell: the plugin directory .$TRASH/loose. is writable by group or others: sbx loads no code from it (chmod go-w .$TRASH/loose.)$" err &&
	nothing_started &&
	SBX_PLUGIN_PATH="$TRASH/loose" test_expect_code 1 "$SBX" plugins >out &&
	test_grep "writable by group or others" out &&
	chmod g-w "$TRASH/loose" &&
	if have_bwrap; then
		SBX_PLUGIN_PATH="$TRASH/loose" shell_with loose &&
		rm -r ran "$XDG_DATA_HOME/sbx"
	fi
'

test_expect_success 'a group-writable plugin file is refused too' '
	chmod g+w "$TRASH/loose/loose.so" &&
	SBX_PLUGIN_PATH="$TRASH/loose" test_expect_code 125 shell_with loose 2>err &&
	test_grep "the plugin .$TRASH/loose/loose.so. is writable by group or others" err &&
	chmod g-w "$TRASH/loose/loose.so" &&
	nothing_started
'

test_expect_success 'a plugin directory inside the project is refused' '
	simple_plugin inside | build_plugin "$TRASH/proj/.plugins" inside &&
	SBX_PLUGIN_PATH="$TRASH/proj/.plugins" test_expect_code 125 shell_with inside 2>err &&
	test_grep "^sbx shell: the plugin directory .$TRASH/proj/.plugins. is inside the project .$TRASH/proj., which the sandbox can write: sbx loads no code from it$" err &&
	nothing_started &&
	rm -r .plugins
'

test_expect_success 'sbx plugins lists the broken ones with their reasons, and exits 1' '
	echo "{\"plugins\": [\"gone\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 1 "$SBX" plugins >out &&
	test_grep "^  old  *error  *the plugin .$PLUGINS/old.so. is built for plugin ABI 2" out &&
	test_grep "^  text  *error  *cannot load the plugin" out &&
	test_grep "^\* gone  *missing  *enabled, and in none of the plugin directories$" out &&
	test_grep "^  node  " out
'

test_expect_success 'a plugin refusing the backend says why' '
	test_expect_code 125 shell_with docker 2>err &&
	test_grep "^sbx shell: plugin docker does not work with the bwrap backend: a bwrap sandbox would need the host.s Docker socket, and whoever can use it is root on the host: a way out of the sandbox; use the lima backend$" err &&
	nothing_started
'

test_expect_success 'sbx doctor: a line per enabled plugin and its own checks' '
	tprobe_source | build_plugin "$PLUGINS" tprobe &&
	printf "{\"plugins\": [\"tprobe\", \"old\", \"docker\"]}\n" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 1 "$SBX" doctor >out &&
	test_grep "^ok   plugin tprobe: $PLUGINS/tprobe.so (ABI 1)$" out &&
	test_grep "^warn plugin tprobe: tprobe looked$" out &&
	test_grep "^fail plugin old: the plugin .$PLUGINS/old.so. is built for plugin ABI 2" out &&
	test_grep "^fail plugin docker: does not work with the bwrap backend" out &&
	rm .sbx.json
'

test_done
