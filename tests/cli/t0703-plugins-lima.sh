#!/bin/sh
# Plugins on the Lima backend, against the fake limactl: their template
# scripts in the template's lima.yaml (and so in its hash), and what a
# session gets from them in its clone's lima.yaml: mounts and portForwards.
. "$(dirname "$0")/lib-lima.sh"
# shellcheck source=tests/cli/lib-plugins.sh
. "$TESTS_DIR/lib-plugins.sh"

export GNUPGHOME="$TRASH/gnupg"
stop_all() {
	stop_probe
	stop_sockets
	gpgconf --kill gpg-agent 2>/dev/null
	return 0
}
test_cleanup_hook=stop_all
mkdir -p tprobe-mount "$GNUPGHOME"
chmod 700 "$GNUPGHOME"
cd proj || exit 1
PROJ=$(pwd -P)
export PROJ

# The template's lima.yaml, as sbx created it (provisioning is dropped from the VM's own).
template_yaml() {
	t=$(lima_names | grep -v -- "-keep$") &&
	cp "$STATE/templates/$t.yaml" "$1"
}

# The persistent clone's lima.yaml.
keep_yaml() {
	cp "$LIMA_HOME/$(lima_names | grep -- "-keep$")/lima.yaml" "$1"
}

test_expect_success 'setup --all: every plugin'"'"'s scripts in lima.yaml, with their modes' '
	"$SBX" setup --all 2>err &&
	! grep "not docker" err &&
	template_yaml all.yaml &&
	/usr/bin/python3 - all.yaml <<-\EOF
	import json, shlex, sys
	prov = json.load(open(sys.argv[1]))["provision"]
	# Each step runs in the wrapper that records its failure: the script is its quoted word.
	def unwrap(w):
	    a = w.index("{ /bin/sh -c ") + len("{ /bin/sh -c ")
	    return shlex.split(w[a:w.rindex(" sbx-step 2>&1;")])[0]
	prov = [dict(p, script=unwrap(p["script"])) for p in prov]
	# The last step checks the tools (t0300-lima-setup.sh).
	assert prov[-1]["mode"] == "user" and prov[-1]["script"].startswith("#!/bin/sh\nfor c in "), prov[-1]
	prov = prov[:-1]
	# The agents'"'"' hooks (t0502-notify-lima.sh checks them) are not a plugin'"'"'s.
	prov = [p for p in prov if "sbx hook --agent" not in p["script"]]
	# Nor are the agents'"'"' first-run answers (t0305-lima-accounts.sh).
	prov = [p for p in prov if "first-run answers" not in p["script"]]
	# The network rules (t0307-lima-net.sh) are the last system script.
	net = [i for i, p in enumerate(prov) if "sbx-lockdown" in p["script"]]
	assert len(net) == 1 and prov[net[0]]["mode"] == "system", net
	assert all(p["mode"] != "system" for p in prov[net[0] + 1:]), prov
	prov = prov[:net[0]] + prov[net[0] + 1:]
	# sbx'"'"'s own three first: packages, agents, sbx itself.
	assert [p["mode"] for p in prov[:3]] == ["system"] * 3, prov[:3]
	plugins = prov[3:]
	def owner(p):
	    return p["script"].split("\n")[1].split(":")[0].replace("# sbx plugin ", "")
	got = [(p["mode"], owner(p)) for p in plugins]
	want = [("system", n) for n in ("node", "docker", "chromium", "gpg", "python")] + \
	       [("user", n) for n in ("chromium", "gpg", "python")]
	assert got == want, got
	text = {(p["mode"], owner(p)): p["script"] for p in plugins}
	assert "nodejs npm" in text[("system", "node")]
	assert "get.docker.com" in text[("system", "docker")]
	assert "usermod -aG docker \"{{.User}}\"" in text[("system", "docker")]
	assert "chromium" in text[("system", "chromium")]
	assert "chrome-devtools-mcp" in text[("user", "chromium")]
	assert "--no-sandbox" not in text[("user", "chromium")]
	assert "gnupg" in text[("system", "gpg")]
	assert "python3-venv" in text[("system", "python")]
	assert "pipx install uv" in text[("user", "python")]
	EOF
'

test_expect_success 'the plugins are in the template'"'"'s hash: enabling or dropping one rebuilds it' '
	"$SBX" setup 2>err &&
	test_grep "is up to date" err &&
	"$SBX" setup --node 2>err &&
	test_grep "building the template" err &&
	template_yaml node.yaml &&
	grep -c "# sbx plugin " node.yaml >n &&
	test "$(cat n)" = 1 &&
	"$SBX" setup 2>err &&
	test_grep "is up to date" err &&
	"$SBX" setup --no-plugins 2>err &&
	test_grep "building the template" err &&
	template_yaml none.yaml &&
	! grep "# sbx plugin " none.yaml
'

test_expect_success 'docker works with Lima: accepted alone' '
	"$SBX" setup --docker 2>err &&
	template_yaml docker.yaml &&
	test_grep "get.docker.com" docker.yaml &&
	"$SBX" setup --no-plugins 2>err
'

test_expect_success 'tprobe: template scripts in lima.yaml; mounts, forwards, env and files in its clone' '
	tprobe_source | build_plugin "$PLUGINS" tprobe &&
	echo "{\"plugins\": [\"tprobe\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" test_expect_code 125 "$SBX" run --keep -- first 2>err &&
	test_grep "^sbx run: plugin tprobe: cannot forward .$PROJ/../tprobe.sock.: No such file or directory$" err &&
	! lima_names | grep -- -keep &&
	listen_socket "$TRASH/tprobe.sock" &&
	SBX_PLUGIN_PATH="$PLUGINS" "$SBX" run --keep -- first 2>err &&
	template_yaml tprobe.yaml &&
	test_grep "echo tprobe-system" tprobe.yaml &&
	test_grep "tprobe-user-ran" tprobe.yaml &&
	keep_yaml keep.yaml &&
	keep=$(lima_names | grep -- "-keep$") &&
	/usr/bin/python3 - keep.yaml "$PROJ" "$STATE/plugins/$keep" <<-\EOF &&
	import json, sys
	y = json.load(open(sys.argv[1]))
	proj, files = sys.argv[2], sys.argv[3]
	mounts = {m["location"]: m for m in y["mounts"]}
	m = mounts[proj + "/../tprobe-mount"]
	assert m["mountPoint"] == "/opt/tprobe" and not m.get("writable"), m
	m = mounts[files]
	assert m["mountPoint"] == files and not m.get("writable"), m
	fw = y["portForwards"]
	assert {"guestSocket": "{{.Home}}/tprobe.sock", "hostSocket": proj + "/../tprobe.sock",
	        "reverse": True} in fw, fw
	assert {"guestPort": 8080, "hostPort": 18080} in fw, fw
	assert "TPROBE_ENV" not in json.dumps(y), "an env value in lima.yaml"
	EOF
	test_grep "^TPROBE_ENV=tprobe value '"'"'quoted'"'"'$" "$REC/env" &&
	test_grep "^tprobe-session: host-prepared in $STATE/plugins/$keep/tprobe$" err &&
	test "$(cat "$STATE/plugins/$keep/tprobe/data.txt")" = host-prepared &&
	"$SBX" stop "$keep" >/dev/null &&
	"$SBX" rm "$keep" >/dev/null &&
	rm .sbx.json
'

test_expect_success 'an ephemeral run: its plugin files go with it' '
	echo "{\"plugins\": [\"tprobe\"]}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	SBX_PLUGIN_PATH="$PLUGINS" "$SBX" run -- again 2>err &&
	test_grep "^tprobe-session: host-prepared in $STATE/plugins/run-[0-9]*/tprobe$" err &&
	ls "$STATE/plugins" | grep "^run-" >left;
	test_line_count left 0 &&
	test_nothing_left &&
	rm .sbx.json
'

test_expect_success 'gpg: the extra socket as a reverse portForward, keys exported for the guest' '
	gpg --batch --quiet --passphrase "" --quick-gen-key "Lima Test <lima@example.com>" ed25519 sign never 2>err &&
	"$SBX" setup --gpg 2>err &&
	template_yaml gpg.yaml &&
	test_grep "mask gpg-agent" gpg.yaml &&
	# No network proxy, so no environment to hand over: the one shell is the command.
	SBX_NETWORK_MODE=none FAKE_LIMACTL_FAIL=shell test_must_fail "$SBX" run --keep -- x 2>err &&
	keep_yaml keep.yaml &&
	keep=$(lima_names | grep -- "-keep$") &&
	sock=$(gpgconf --list-dirs agent-extra-socket) &&
	test -S "$sock" &&
	/usr/bin/python3 - keep.yaml "$sock" "$STATE/plugins/$keep" <<-\EOF &&
	import json, sys
	y = json.load(open(sys.argv[1]))
	assert {"guestSocket": "{{.Home}}/.sbx/gpg-agent.sock", "hostSocket": sys.argv[2],
	        "reverse": True} in y["portForwards"], y["portForwards"]
	assert any(m["location"] == sys.argv[3] and m["mountPoint"] == sys.argv[3]
	           for m in y["mounts"]), y["mounts"]
	EOF
	gpg --batch --list-packets "$STATE/plugins/$keep/gpg/pubkeys.gpg" >packets &&
	test_grep "Lima Test <lima@example.com>" packets &&
	test -s "$STATE/plugins/$keep/gpg/ownertrust.txt" &&
	test_grep "gpg_quiet --import" "$STATE/plugins/$keep/gpg/session-0.sh" &&
	test_grep "\"shell\".*$STATE/plugins/$keep/gpg/session-0.sh" "$FAKE_LIMACTL_LOG"
'

test_done
