#!/bin/sh
# sbx config: the layers (user file, repository, worktree, SBX_* variables),
# where each value came from, and refusing bad files with file, key and why.
. "$(dirname "$0")/lib.sh"

export GIT_AUTHOR_NAME=sbx GIT_AUTHOR_EMAIL=sbx@example.com
export GIT_COMMITTER_NAME=sbx GIT_COMMITTER_EMAIL=sbx@example.com
export GIT_CONFIG_NOSYSTEM=1

USER_FILE="$XDG_CONFIG_HOME/sbx/config.json"
REPO="$TRASH/repo"
WT="$TRASH/wt"
export USER_FILE REPO WT

test_expect_success 'setup: a repository with a linked worktree' '
	mkdir -p plain "$XDG_CONFIG_HOME/sbx" &&
	git init -q "$REPO" &&
	echo hello >"$REPO/README" &&
	git -C "$REPO" add README &&
	git -C "$REPO" commit -q -m initial &&
	git -C "$REPO" worktree add -q -b feature "$WT"
'

test_expect_success 'with no file, every value is a default' '
	(cd plain && "$SBX" config show) >out &&
	test_grep -x "cpus = 4  # default" out &&
	test_grep -x "agent = \"claude\"  # default" out &&
	test_grep -x "network.mode = \"open\"  # default" out &&
	! grep -v "# default$" out
'

test_expect_success 'sbx config show lists the default network allowlist' '
	(cd plain && "$SBX" config show) >out &&
	test_grep -x "network.allow\[0\] = \"github.com\"  # default" out &&
	test_grep -x "network.allow\[3\] = \"github.com:22\"  # default" out
'

test_expect_success 'network.egress and address entries are gone, each said in one line' '
	echo "{\"network\": {\"egress\": \"allowlist\"}}" >"$TRASH/old.json" &&
	test_must_fail "$SBX" config validate "$TRASH/old.json" 2>err &&
	test_line_count err 1 &&
	test_grep "network.egress is no longer a key: write \"network\": {\"mode\": \"allowlist\"}" err &&
	echo "{\"network\": {\"allow\": [\"10.0.0.0/8\"]}}" >"$TRASH/old.json" &&
	test_must_fail "$SBX" config validate "$TRASH/old.json" 2>err &&
	test_line_count err 1 &&
	test_grep "pin a name to an address in network.hosts" err
'

test_expect_success 'no subcommand means show' '
	(cd plain && "$SBX" config) >a &&
	(cd plain && "$SBX" config show) >b &&
	cmp a b
'

test_expect_success 'the user file is a layer with its path as source' '
	cat >"$USER_FILE" <<-\EOF &&
	// the user file
	{
		"cpus": 2,
		"tmux": true,
		"mounts": [{"location": "~/notes"}],
		"env": {"A": "user", "B": "user"},
	}
	EOF
	(cd plain && "$SBX" config show) >out &&
	test_grep -x "cpus = 2  # $USER_FILE" out &&
	test_grep -x "tmux = true  # $USER_FILE" out &&
	test_grep -x "mounts\[0\].location = \"~/notes\"  # $USER_FILE" out &&
	test_grep -x "memory = \"4GiB\"  # default" out
'

test_expect_success 'the repository .sbx.json overrides it, arrays accumulate' '
	cat >"$REPO/.sbx.json" <<-\EOF &&
	{"cpus": 3, "mounts": [{"location": "/srv/data", "writable": true}],
	 "env": {"B": "repo"}, "network": {"mode": "none"}}
	EOF
	(cd "$REPO" && "$SBX" trust >/dev/null) &&
	mkdir -p "$REPO/sub/dir" &&
	(cd "$REPO/sub/dir" && "$SBX" config show) >out &&
	test_grep -x "cpus = 3  # $REPO/.sbx.json" out &&
	test_grep -x "tmux = true  # $USER_FILE" out &&
	test_grep -x "mounts\[0\].location = \"~/notes\"  # $USER_FILE" out &&
	test_grep -x "mounts\[1\].location = \"/srv/data\"  # $REPO/.sbx.json" out &&
	test_grep -x "mounts\[1\].writable = true  # $REPO/.sbx.json" out &&
	test_grep -x "env.A = \"user\"  # $USER_FILE" out &&
	test_grep -x "env.B = \"repo\"  # $REPO/.sbx.json" out &&
	test_grep -x "network.mode = \"none\"  # $REPO/.sbx.json" out
'

test_expect_success 'a linked worktree adds its own .sbx.json above the main one' '
	cat >"$WT/.sbx.json" <<-\EOF &&
	{"cpus": 5, "mounts": [{"location": "/wt"}], "env": {"A": "wt"}}
	EOF
	(cd "$WT" && "$SBX" trust >/dev/null) &&
	(cd "$WT" && "$SBX" config show) >out &&
	test_grep -x "cpus = 5  # $WT/.sbx.json" out &&
	test_grep -x "mounts\[0\].location = \"~/notes\"  # $USER_FILE" out &&
	test_grep -x "mounts\[1\].location = \"/srv/data\"  # $REPO/.sbx.json" out &&
	test_grep -x "mounts\[2\].location = \"/wt\"  # $WT/.sbx.json" out &&
	test_grep -x "env.A = \"wt\"  # $WT/.sbx.json" out &&
	test_grep -x "env.B = \"repo\"  # $REPO/.sbx.json" out
'

test_expect_success 'the main checkout does not see the worktree file' '
	(cd "$REPO" && "$SBX" config show) >out &&
	test_grep -x "cpus = 3  # $REPO/.sbx.json" out &&
	! grep -F "$WT" out
'

test_expect_success 'SBX_* variables override the files; other SBX_ variables are ignored' '
	(cd "$WT" && SBX_CPUS=7 SBX_NETWORK_MODE=host SBX_SSH_FORWARD_AGENT=yes \
		SBX_VM_TYPE=vz SBX_WARM_POOL=1 SBX_PLUGIN_PATH=/nowhere SBX_NO_SUCH_KEY=1 \
		"$SBX" config show) >out &&
	test_grep -x "cpus = 7  # SBX_CPUS" out &&
	test_grep -x "network.mode = \"host\"  # SBX_NETWORK_MODE" out &&
	test_grep -x "ssh.forwardAgent = true  # SBX_SSH_FORWARD_AGENT" out &&
	test_grep -x "vmType = \"vz\"  # SBX_VM_TYPE" out &&
	test_grep -x "warmPool = 1  # SBX_WARM_POOL" out
'

test_expect_success 'a bad SBX_* value exits 2 naming the variable and the key' '
	(cd "$WT" && SBX_CPUS=lots test_expect_code 2 "$SBX" config show) >out 2>err &&
	test_line_count err 1 &&
	test_grep -x "sbx config: SBX_CPUS: cpus: found \"lots\", expected a whole number from 1 to 256" err &&
	test_line_count out 0
'

test_expect_success 'show --json is JSON with the merged values and their origins' '
	(cd "$WT" && SBX_CPUS=6 "$SBX" config show --json) >out &&
	/usr/bin/python3 -c "
import json, sys
d = json.load(sys.stdin)
c, o = d[\"config\"], d[\"origins\"]
assert c[\"cpus\"] == 6, c
assert o[\"cpus\"] == \"SBX_CPUS\", o
assert [m[\"location\"] for m in c[\"mounts\"]] == [\"~/notes\", \"/srv/data\", \"/wt\"], c
assert o[\"mounts[2].location\"] == sys.argv[1], o
assert o[\"env.B\"] == sys.argv[2], o
assert o[\"memory\"] == \"default\", o
" "$WT/.sbx.json" "$REPO/.sbx.json" <out &&
	(cd "$WT" && "$SBX" config --json) >out2 &&
	/usr/bin/python3 -c "import json, sys; json.load(sys.stdin)" <out2
'

test_expect_success 'validate with no FILE checks the whole stack and lists the files' '
	(cd "$WT" && "$SBX" config validate) >out &&
	printf "%s: ok\n" "$USER_FILE" "$REPO/.sbx.json" "$WT/.sbx.json" >want &&
	cmp want out
'

test_expect_success 'validate FILE checks that file alone' '
	echo "{\"cpus\": 8, /* eight */ \"plugins\": [\"node\",],}" >good.json &&
	"$SBX" config validate good.json >out &&
	test_grep -x "good.json: ok" out
'

# expect_refused FILE-CONTENT PATTERN: validate exits 2 with one line naming the file.
expect_refused() {
	printf "%s\n" "$1" >bad.json &&
	test_expect_code 2 "$SBX" config validate bad.json >out 2>err &&
	test_line_count out 0 &&
	test_line_count err 1 &&
	test_grep -F "sbx config: bad.json$2" err
}

test_expect_success 'a relative mount location is refused' '
	expect_refused "{\"mounts\": [{\"location\": \"/ok\"}, {\"location\": \"src\"}]}" \
		": mounts[1].location: found string \"src\", expected an absolute path or one starting with ~/"
'

test_expect_success 'cpus 0 is refused' '
	expect_refused "{\"cpus\": 0}" \
		": cpus: found number 0, expected a whole number from 1 to 256"
'

test_expect_success 'memory "lots" is refused' '
	expect_refused "{\"memory\": \"lots\"}" ": memory: found string \"lots\", expected a size"
'

test_expect_success 'a bad nested value names its path' '
	expect_refused "{\"mounts\": [{\"location\": \"/a\"}, {\"location\": \"/b\"}, {\"location\": \"/c\", \"writable\": \"yes\"}]}" \
		": mounts[2].writable: found string \"yes\", expected true or false"
'

test_expect_success 'a secret of two kinds is refused' '
	expect_refused "{\"secrets\": {\"TOKEN\": {\"env\": \"A\", \"file\": \"/b\"}}}" \
		": secrets.TOKEN: found '"'env'"' and '"'file'"' together"
'

test_expect_success 'an unknown key is refused with the nearest one' '
	expect_refused "{\"network\": {\"mdoe\": \"none\"}}" \
		": unknown key '"'network.mdoe'"' (did you mean '"'network.mode'"'?)"
'

test_expect_success 'an empty file is refused' '
	expect_refused "" ": the file is empty"
'

test_expect_success 'invalid JSON is refused at its line and column' '
	expect_refused "{
  \"cpus\": 2
  \"tmux\": true
}" ":3:3: invalid JSON near"
'

test_expect_success 'an unreadable file (a directory) is refused' '
	mkdir -p dir.json &&
	test_expect_code 2 "$SBX" config validate dir.json 2>err &&
	test_line_count err 1 &&
	test_grep -F "sbx config: cannot read '"'dir.json'"'" err
'

if [ "$(id -u)" != 0 ]; then
	test_expect_success 'a file of mode 000 is refused' '
		echo "{}" >secret.json &&
		chmod 000 secret.json &&
		test_expect_code 2 "$SBX" config validate secret.json 2>err &&
		test_grep -F "cannot read '"'secret.json'"'" err
	'
else
	test_skip 'a file of mode 000 is refused' 'root reads any file'
fi

test_expect_success 'a missing FILE is refused' '
	test_expect_code 2 "$SBX" config validate nope.json 2>err &&
	test_grep -F "cannot read '"'nope.json'"'" err
'

test_expect_success 'a bad user file stops show and validate, naming it' '
	cp "$USER_FILE" user.save &&
	echo "{\"cpus\": 0}" >"$USER_FILE" &&
	(cd plain && test_expect_code 2 "$SBX" config show) 2>err &&
	test_grep -F "sbx config: $USER_FILE: cpus: found number 0" err &&
	(cd plain && test_expect_code 2 "$SBX" config validate) 2>err &&
	test_grep -F "sbx config: $USER_FILE: cpus: found number 0" err &&
	mv user.save "$USER_FILE"
'

test_expect_success 'a directory where the user file belongs is refused' '
	mv "$USER_FILE" user.save &&
	mkdir "$USER_FILE" &&
	(cd plain && test_expect_code 2 "$SBX" config show) 2>err &&
	rmdir "$USER_FILE" &&
	mv user.save "$USER_FILE" &&
	test_grep -F "cannot read '"'$USER_FILE'"'" err
'

test_expect_success 'a bad worktree file is refused naming the worktree file' '
	cp "$WT/.sbx.json" wt.save &&
	echo "{\"warmPool\": 9}" >"$WT/.sbx.json" &&
	(cd "$WT" && test_expect_code 2 "$SBX" config show) 2>err &&
	mv wt.save "$WT/.sbx.json" &&
	test_grep -F "sbx config: $WT/.sbx.json: warmPool: found number 9" err
'

test_expect_success 'an unknown subcommand exits 2 naming the nearest' '
	test_expect_code 2 "$SBX" config shwo 2>err &&
	test_line_count err 1 &&
	test_grep -F "sbx config: unknown subcommand '"'shwo'"' (did you mean '"'show'"'?)" err &&
	test_expect_code 2 "$SBX" config valiate 2>err &&
	test_grep -F "(did you mean '"'validate'"'?)" err
'

test_expect_success 'extra words are usage errors' '
	test_expect_code 2 "$SBX" config validate a b 2>err &&
	test_grep "at most one FILE" err &&
	test_expect_code 2 "$SBX" config show x 2>err &&
	test_grep "takes no arguments" err
'

test_done
