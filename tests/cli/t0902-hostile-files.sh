#!/bin/sh
# A hostile sandbox against what sbx on the host reads, copies and removes
# of what it wrote: a real bwrap sandbox plays the attacker (a project's
# runtime script, a plugin's template script, the agent in its home), then
# the user runs sbx on the host, which must read no host file, store none,
# neither block nor grow without bound, and leave nothing behind.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-plugins.sh
. "$TESTS_DIR/lib-plugins.sh"
# shellcheck source=tests/cli/lib-hostile.sh
. "$TESTS_DIR/lib-hostile.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'hostile sandbox files' 'bubblewrap is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap SBX_AGENT=shell
STORE="$XDG_DATA_HOME/sbx/credentials"
TOOLS="$XDG_DATA_HOME/sbx/bwrap/tools/bin"
SEED="seed-$$-$(date +%s)"
mkdir -p proj "$TOOLS" "$XDG_CONFIG_HOME/sbx" "$HOME/.ssh"
# What the attacker is after: host files that look like what the login keeps.
echo "HOST-SSH-KEY-$SEED" >"$HOME/.ssh/id_rsa"
echo "fake-tok-HOSTTOKENHOSTTOKENHOSTTOKEN$$" >"$HOME/host-token"
cp "$SRC_DIR/tests/fakes/fake-agent" "$TOOLS/fake-agent"
cat >"$XDG_CONFIG_HOME/sbx/config.json" <<EOF
{
  "notify": {"enabled": false},
  "agents": {"fake": {"command": "fake-agent", "login": {
    "args": ["login", "$SEED"], "files": [".fake/credentials.json"],
    "token": "FAKE_TOKEN", "tokenPrefix": "fake-tok-"}}}
}
EOF
cd proj || exit 1
PROJ=$(pwd -P)
export STORE PROJ

# evil_tool NAME BODY: the project's runtime script (run inside the sandbox
# before the command) puts a NAME first on PATH that runs BODY, with $last
# its last argument (where cp and script(1) write).
evil_tool() {
	mkdir -p .sbx &&
	cat >.sbx/runtime.sh <<-EOF
	mkdir -p /tmp/evil
	printf '#!/bin/sh\nfor last; do :; done\n%s\n' '$2' >/tmp/evil/$1
	chmod +x /tmp/evil/$1
	PATH=/tmp/evil:\$PATH
	export PATH
	EOF
}

# Nothing of a login left outside the store, and no host file in the store.
login_clean() {
	for d in "$XDG_RUNTIME_DIR"/sbx/login.*; do
		! test -e "$d" || { echo "left: $d" >&2; return 1; }
	done &&
	! grep -r -l -e "HOST-SSH-KEY" -e HOSTTOKEN "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" 2>/dev/null
}

test_expect_success 'login: a cp that leaves a link to the host key keeps nothing, and says why' '
	evil_tool cp "ln -sf \"$HOME/.ssh/id_rsa\" \"\$last\"" &&
	test_must_fail bounded "$SBX" login --agent fake </dev/null >out 2>err &&
	test_grep -x "sbx login: nothing of the login of .fake. kept: cannot read .~/.fake/credentials.json.: it is a symbolic link" err &&
	test "$(grep -c "symbolic link" err)" = 1 &&
	! test -e "$STORE/fake" &&
	login_clean
'

test_expect_success 'login: a FIFO in place of an output does not hold sbx' '
	evil_tool cp "mkfifo \"\$last\"" &&
	test_must_fail bounded "$SBX" login --agent fake </dev/null >out 2>err &&
	test_grep "nothing of the login of .fake. kept: cannot read .~/.fake/credentials.json.: not a regular file" err &&
	! test -e "$STORE/fake" &&
	login_clean
'

test_expect_success 'login: a 20 GB output is refused, not read' '
	evil_tool cp "truncate -s 20G \"\$last\"" &&
	test_must_fail bounded "$SBX" login --agent fake </dev/null >out 2>err &&
	test_grep "cannot read .~/.fake/credentials.json.: larger than 1048576 bytes" err &&
	! test -e "$STORE/fake" &&
	login_clean
'

test_expect_success 'login: a link in place of the terminal record keeps no host token' '
	evil_tool script "ln -sf \"$HOME/host-token\" \"\$last\"" &&
	test_must_fail bounded "$SBX" login --agent fake </dev/null >out 2>err &&
	test_grep "nothing of the login of .fake. kept: cannot read .the terminal record.: it is a symbolic link" err &&
	! test -e "$STORE/fake" &&
	login_clean
'

test_expect_success 'login: the same login without the runtime script is kept; a killed one is reaped' '
	rm -r .sbx &&
	sh -c "exit 0" & wait $! &&
	stale="$XDG_RUNTIME_DIR/sbx/login.$!.AbCdEf" &&
	mkdir -p "$stale/locked" && echo "left credentials" >"$stale/locked/1" &&
	chmod 000 "$stale/locked" &&
	bounded "$SBX" login --agent fake </dev/null >out 2>err &&
	test_grep "kept FAKE_TOKEN, ~/.fake/credentials.json of .fake." err &&
	test_grep -F "file-cred-" "$STORE/fake/credentials.json" &&
	! test -e "$stale" &&
	login_clean
'

# A home as a hostile agent leaves it: modes taken away, a tree deeper than
# PATH_MAX, its last directory unreadable too.
HOSTILE_HOME='mkdir -p ~/a/b ~/r && touch ~/a/b/f ~/r/f && chmod 000 ~/a/b ~/a && chmod 500 ~/r &&
cd ~ && for i in $(seq 300); do mkdir n123456789012345678901234567890123456789 &&
cd -P n123456789012345678901234567890123456789 || exit 1; done && touch leaf && chmod 000 .'
export HOSTILE_HOME

test_expect_success 'an ephemeral home with chmod 000 and 500 directories and a deep tree goes' '
	bounded "$SBX" shell -- sh -c "$HOSTILE_HOME" 2>err &&
	! grep warning err &&
	test -z "$(sessions_left)"
'

test_expect_success 'a --keep home left the same way: sbx rm removes it' '
	bounded "$SBX" shell --keep -- sh -c "$HOSTILE_HOME" &&
	keep=$("$SBX" ls | awk "/-keep / { print \$1 }") &&
	test -d "$XDG_DATA_HOME/sbx/bwrap/$keep/home/a" &&
	bounded "$SBX" rm "$keep" >out 2>err &&
	test_grep "deleted $keep" out &&
	! test -e "$XDG_DATA_HOME/sbx/bwrap/$keep" &&
	"$SBX" ls >out &&
	! grep -e -keep out
'

test_expect_success 'a killed session'"'"'s hostile home: sbx prune removes it' '
	"$SBX" shell -- sh -c "$HOSTILE_HOME && : >\"$PROJ/hostile-ready\" && exec sleep 120" \
		>/dev/null 2>&1 &
	pid=$! &&
	test_wait_for "test -e hostile-ready" &&
	kill -9 $pid &&
	wait $pid;
	rm hostile-ready &&
	test -n "$(sessions_left)" &&
	bounded "$SBX" prune >out 2>err &&
	test -z "$(sessions_left)"
'

test_expect_success 'a link the agent left in a persistent home does not take a mount point out' '
	mkdir -p "$TRASH/outside" "$TRASH/data" &&
	"$SBX" shell --keep -- sh -c "ln -s \"/oldroot$TRASH/outside\" ~/.mnt" &&
	bounded "$SBX" shell --keep --mount "$TRASH/data:~/.mnt/data:ro" -- sh -c "ls -d ~/.mnt/data" \
		>out 2>err &&
	! test -e "$TRASH/outside/data" &&
	test_grep "a symbolic link on the way to .~/.mnt/data. in the sandbox home was removed" err &&
	keep=$("$SBX" ls | awk "/-keep / { print \$1 }") &&
	"$SBX" rm "$keep" >/dev/null
'

test_expect_success 'a mount from the project: a link the sandbox put in its place binds nothing of the host' '
	mkdir -p shared && echo project-data >shared/f &&
	bounded "$SBX" shell --mount "$PROJ/shared:/opt/shared:ro" -- cat /opt/shared/f >out &&
	test_grep -x project-data out &&
	"$SBX" shell -- sh -c "rm -r shared && ln -s \"$HOME/.ssh\" shared" &&
	test_must_fail bounded "$SBX" shell --mount "$PROJ/shared:/opt/shared:ro" \
		-- cat /opt/shared/id_rsa >out 2>err &&
	! grep HOST-SSH-KEY out &&
	test_grep "cannot mount .$PROJ/shared.: it goes through a symbolic link in .$PROJ., which the sandbox can write; remove the link" err
'

test_expect_success 'a git directory with config a link out of it: never made inside, refused on the host' '
	mkdir -p "$HOME/.config" "$TRASH/gitproj" &&
	echo "HOST-CONFIG-$SEED" >"$HOME/.config/host-secret" &&
	git init -q "$TRASH/gitproj" &&
	cd "$TRASH/gitproj" &&
	test_must_fail bounded "$SBX" shell -- sh -c "mv .git .git2" &&
	test -d .git && ! test -e .git2 &&
	rm .git/config && ln -s ../../home/.config .git/config &&
	test_must_fail bounded "$SBX" shell -- sh -c "cat \"$HOME/.config/host-secret\"" >out 2>err &&
	! grep "HOST-CONFIG" out &&
	test_grep "config" err &&
	test_line_count err 1
'

# A plugin whose template script, run in a sandbox over the template home,
# leaves what no copy should follow or block on.
build_plugin "$PLUGINS" hostile <<EOF &&
#include <sbx/plugin.h>

static int provision(struct sbx_plugin_ctx *ctx)
{
	return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_USER,
		"#!/bin/sh\n"
		"mkfifo ~/fifo && ln -s '$HOME/.ssh/id_rsa' ~/host-key && ln -s /oldroot ~/host-root &&\n"
		"mkdir -p ~/locked/in ~/ro && echo inside >~/locked/in/f && echo ro >~/ro/f &&\n"
		"chmod 500 ~/ro && chmod 000 ~/locked/in ~/locked && truncate -s 1G ~/sparse\n");
}

static const struct sbx_plugin plugin = {
	.abi = SBX_PLUGIN_ABI,
	.name = "hostile",
	.summary = "a template script that leaves traps in the home",
	.backends = SBX_PLUGIN_BWRAP,
	.provision = provision,
};

SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void)
{
	return &plugin;
}
EOF
true

test_expect_success 'a template home with a FIFO and links to host files: copied, not followed' '
	mkdir -p "$TRASH/tmplproj" &&
	cd "$TRASH/tmplproj" &&
	echo "{\"plugins\": [\"hostile\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" bounded "$SBX" setup >out 2>err &&
	SBX_PLUGIN_PATH="$PLUGINS" bounded "$SBX" shell -- sh -c "
		ls -A ~; readlink ~/host-key; cat ~/host-key 2>&1; chmod 700 ~/locked ~/locked/in &&
		cat ~/locked/in/f; stat -c \"ro %a\" ~/ro; du -k ~/sparse" >out 2>err &&
	! grep -e HOST-SSH-KEY -e fifo out &&
	test_grep -x "$HOME/.ssh/id_rsa" out &&
	test_grep -x host-root out &&
	test_grep -x inside out &&
	test_grep -x "ro 500" out &&
	size=$(sed -n "s|^\([0-9]*\).*/sparse\$|\1|p" out) &&
	test "$size" -lt 1024 &&
	test -z "$(sessions_left)"
'

test_done
