#!/bin/sh
# The Lima backend's template: sbx setup builds it once, skips it while its
# inputs are unchanged, rebuilds with --force; what its lima.yaml holds; how
# a missing, old or failing limactl is reported.
. "$(dirname "$0")/lib-lima.sh"
# shellcheck source=tests/cli/lib-plugins.sh
. "$TESTS_DIR/lib-plugins.sh"

test_cmp_steps() {
	cmp expect steps || { diff expect steps >&2; return 1; }
}

test_expect_success 'setup builds the template: create, start, check, stop, edit' '
	cd proj &&
	"$SBX" setup 2>err &&
	test_grep "^sbx: building the template sbx-proj-[0-9a-f]\{6\} (log: .*/sbx/logs/sbx-proj-[0-9a-f]\{6\}.log)$" err &&
	test_grep "^sbx: \[2/5\] first boot.*: done in [0-9.]*s$" err &&
	test_grep "^sbx: \[3/5\] check the first boot.s steps: done in [0-9.]*s$" err &&
	test_grep "is ready" err &&
	grep -o "\"[a-z]*\", \"--tty=false\"" "$FAKE_LIMACTL_LOG" >steps &&
	printf "\"%s\", \"--tty=false\"\n" list create start shell stop edit >expect &&
	test_cmp_steps &&
	lima_names >names &&
	test_line_count names 1 &&
	limactl list --json | test_grep "\"status\":\"Stopped\"" -
'

test_expect_success 'the template keeps neither provisioning nor mounts' '
	t=$(lima_names) &&
	/usr/bin/python3 -c "import json, sys
y = json.load(open(sys.argv[1]))
assert not y.get(\"provision\") and not y.get(\"probes\") and y.get(\"mounts\") == [], y" "$LIMA_HOME/$t/lima.yaml"
'

test_expect_success 'setup again with unchanged inputs does nothing' '
	cd proj &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" setup 2>err &&
	test_grep "^sbx: the template sbx-proj-[0-9a-f]* is up to date$" err &&
	test_line_count err 1 &&
	! grep -e "\"create\"" -e "\"start\"" -e "\"delete\"" "$FAKE_LIMACTL_LOG"
'

test_expect_success 'setup --force rebuilds it' '
	cd proj &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" setup --force 2>err &&
	test_grep "building the template" err &&
	test_grep "\"delete\", \"--tty=false\", \"-f\"" "$FAKE_LIMACTL_LOG" &&
	test_grep "\"create\"" "$FAKE_LIMACTL_LOG" &&
	test_line_count err 7
'

test_expect_success 'a changed input (cpus) makes it stale: rebuilt' '
	cd proj &&
	echo "{\"cpus\": 2}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" setup 2>err &&
	test_grep "building the template" err &&
	t=$(lima_names) &&
	test_grep "\"cpus\":[[:space:]]*2," "$STATE/templates/$t.yaml" &&
	rm .sbx.json
'

test_expect_success 'the lima.yaml: no home mount, containerd off, the npm install, no env value' '
	cd proj &&
	echo "{\"env\": {\"PLAIN\": \"env-value-0451\"}, \"secrets\": {\"TOKEN\": {\"command\": \"printf s3cr3t-value\"}}}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	"$SBX" setup --force 2>err &&
	t=$(lima_names) &&
	y="$LIMA_HOME/$t/lima.yaml" &&
	/usr/bin/python3 - "$y" "$STATE/templates/$t.yaml" <<-\EOF &&
	import json, os, sys
	for path in sys.argv[1:]:
	    y = json.load(open(path))
	    assert y["containerd"] == {"system": False, "user": False}, y["containerd"]
	    assert y["ssh"]["forwardAgent"] is False and y["ssh"]["loadDotSSHPubKeys"] is False
	    for m in y.get("mounts", []):
	        assert m["location"] not in ("~", "~/") and not m["location"].startswith("/root")
	        assert m["location"].rstrip("/") != os.environ["HOME"], m
	        assert m.get("writable") is not True, m
	orig = json.load(open(sys.argv[2]))
	assert orig["base"] == ["template:debian-12"], orig.get("base")
	assert [m["mountPoint"] for m in orig["mounts"]] == ["/mnt/sbx-src"], orig["mounts"]
	scripts = "\n".join(p["script"] for p in orig["provision"])
	user = [p for p in orig["provision"] if p["mode"] == "user"]
	steps = [p["script"].split("\n")[1] for p in user]
	assert [s for s in steps if "(the agents" not in s] == [
	    "# sbx: template step %d/%d (the check that sbx, tmux, git and the agents are installed)"
	    % (len(orig["provision"]), len(orig["provision"]))], steps
	assert user[-1] == orig["provision"][-1] and "for c in " in user[-1]["script"] and "probe" in user[-1]["script"], user[-1]
	assert [p["mode"] for p in orig["provision"] if "sbx hook --agent claude" in p["script"]] == ["user"]
	assert all(p["script"].startswith("#!/bin/sh\n# sbx: template step ") and "sbxStep" not in p for p in orig["provision"])
	assert "npm install -g" in scripts and "@example/probe-cli" in scripts, scripts
	assert "apt-get install" in scripts and "libcjson-dev" in scripts and "nettle-dev" in scripts
	assert "make -C" in scripts and "install" in scripts
	EOF
	! grep -r -e env-value-0451 -e s3cr3t-value "$LIMA_HOME" "$STATE" &&
	rm .sbx.json
'

test_expect_success 'a configured image that is a Lima template is inherited as base' '
	cd proj &&
	echo "{\"image\": \"template:debian-13\"}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	"$SBX" setup 2>err &&
	t=$(lima_names) &&
	test_grep "\"template:debian-13\"" "$STATE/templates/$t.yaml" &&
	rm .sbx.json
'

test_expect_success 'no VM ever started with the home mounted (template:debian-12 brings ~)' '
	test_home_never_mounted &&
	grep "\"/mnt/sbx-src\"" "$FAKE_LIMACTL_MOUNTS_LOG" >/dev/null
'

test_expect_success 'a failing provisioning step fails setup, naming it; nothing left' '
	build_plugin "$PLUGINS" tfail <<-\EOF &&
	#include <sbx/plugin.h>

	static int provision(struct sbx_plugin_ctx *ctx)
	{
		return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SYSTEM,
					     "#!/bin/sh\necho tfail-step-output; exit 3\n");
	}

	static const struct sbx_plugin plugin = {
		.abi = SBX_PLUGIN_ABI,
		.name = "tfail",
		.summary = "a plugin whose template script fails",
		.backends = SBX_PLUGIN_LIMA,
		.provision = provision,
	};

	SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void)
	{
		return &plugin;
	}
	EOF
	cp "$XDG_CONFIG_HOME/sbx/config.json" config.saved &&
	sed "s/^{/{\"plugins\": [\"tfail\"],/" config.saved >"$XDG_CONFIG_HOME/sbx/config.json" &&
	(cd proj && test_expect_code 125 env SBX_PLUGIN_PATH="$PLUGINS" \
		FAKE_LIMACTL_RUN_PROVISION=tfail-step "$SBX" setup --force 2>"$TRASH/err") &&
	cp config.saved "$XDG_CONFIG_HOME/sbx/config.json" &&
	grep -v "^sbx: \[" err | grep -v "^sbx: building" >msg &&
	test_line_count msg 1 &&
	test_grep "^sbx setup: cannot build the template .sbx-proj-[0-9a-f]*.: step 3/5 (check): provisioning step [0-9]*/[0-9]* (the plugin tfail.s system script) failed (exit 3); its last lines are in the log: .*/sbx/logs/sbx-proj-[0-9a-f]*.log$" msg &&
	log=$(sed "s/.*in the log: //" msg) &&
	test_grep "^tfail-step-output$" "$log" &&
	lima_names >names &&
	test_line_count names 0 &&
	test_must_fail ls "$STATE"/templates/*.json
'

test_expect_success 'a first boot that ran no provisioning step is a failed start, never a template' '
	cd proj &&
	test_expect_code 125 env FAKE_LIMACTL_RUN_PROVISION=no-step-has-this-text \
		"$SBX" setup --force 2>err &&
	grep -v "^sbx: \[" err | grep -v "^sbx: building" >msg &&
	test_line_count msg 1 &&
	test_grep "^sbx setup: cannot build the template .sbx-proj-[0-9a-f]*.: step 2/5 (start): limactl start failed: .*degraded" msg &&
	lima_names >names &&
	test_line_count names 0 &&
	test_must_fail ls "$STATE"/templates/*.json
'

test_expect_success 'the template'"'"'s readiness probe passes once the last step ran, or one failed' '
	t=$(sed -n "s/.*cannot build the template .\(sbx-proj-[0-9a-f]*\).*/\1/p" msg) &&
	/usr/bin/python3 - "$STATE/templates/$t.yaml" >probe.sh <<-\EOF &&
	import json, sys
	y = json.load(open(sys.argv[1]))
	p = [p for p in y["probes"] if p["mode"] == "readiness"]
	assert len(p) == 1, y["probes"]
	assert ".sbx-provision-ran" in y["provision"][-1]["script"], y["provision"][-1]
	sys.stdout.write(p[0]["script"])
	EOF
	mkdir -p h &&
	test_must_fail env HOME="$TRASH/h" sh probe.sh &&
	: >h/.sbx-provision-failed.2 &&
	HOME="$TRASH/h" sh probe.sh &&
	rm h/.sbx-provision-failed.2 &&
	: >h/.sbx-provision-ran &&
	HOME="$TRASH/h" sh probe.sh
'

test_expect_success 'a run whose template is gone (its state says built) builds it again' '
	cd proj &&
	"$SBX" setup 2>err &&
	t=$(lima_names) &&
	limactl delete --tty=false -f "$t" 2>/dev/null &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run 2>err &&
	test_grep "building the template" err &&
	sed "s/\", .*//; s/^\[\"//" "$FAKE_LIMACTL_LOG" | sed -n "1,3p" >calls &&
	printf "%s\n" clone list create >expect &&
	cmp expect calls &&
	test -f "$REC/started" &&
	test_nothing_left
'

test_expect_success 'setup --verbose streams Lima'"'"'s log as well' '
	cd proj &&
	"$SBX" setup --force --verbose 2>err &&
	test_grep "level=info msg=\"Run \`limactl start sbx-proj-" err &&
	test_grep "^sbx: \[5/5\]" err
'

if [ "$(id -u)" = 0 ]; then
	test_expect_success 'as root, Lima'"'"'s refusal comes through with the way out' '
		cd proj &&
		test_expect_code 125 env -u FAKE_LIMACTL_ALLOW_ROOT "$SBX" setup 2>err &&
		test_line_count err 1 &&
		test_grep "\"limactl: must not run as the root user\"; Lima does not run as root: run sbx as your own user (log: " err
	'
else
	test_skip 'as root, Lima'"'"'s refusal comes through with the way out' 'not root'
fi

test_expect_success 'limactl missing from PATH: a clear message, exit 125' '
	cd proj &&
	mkdir -p ../nolima &&
	test_expect_code 125 env PATH="$TRASH/nolima:/usr/bin:/bin" "$SBX" setup --force 2>err &&
	test_line_count err 1 &&
	test_grep "limactl was not found on PATH: install Lima" err &&
	test_expect_code 125 env PATH="$TRASH/nolima:/usr/bin:/bin" "$SBX" run 2>err &&
	test_grep "limactl was not found on PATH" err
'

test_expect_success 'Lima 1.x: refused naming 2.0, exit 125 (setup, and a run with another limactl)' '
	cd proj &&
	test_expect_code 125 env FAKE_LIMACTL_VERSION=1.2.3 "$SBX" setup --force 2>err &&
	test_line_count err 1 &&
	test_grep "limactl 1.2.3 is too old: sbx needs Lima 2.0 or later" err &&
	test_grep "upgrade Lima" err &&
	mkdir -p "$TRASH/lima1" &&
	cp "$SRC_DIR/tests/fakes/limactl" "$TRASH/lima1/limactl" &&
	test_expect_code 125 env PATH="$TRASH/lima1:$PATH" FAKE_LIMACTL_VERSION=1.2.3 "$SBX" run 2>err &&
	test_grep "limactl 1.2.3 is too old: sbx needs Lima 2.0" err
'

test_expect_success 'a run asks limactl its version only when limactl changed' '
	cd proj &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run 2>err &&
	! grep "^\[\"--version\"" "$FAKE_LIMACTL_LOG" &&
	! grep "^\[\"list\"" "$FAKE_LIMACTL_LOG" &&
	test_nothing_left
'

for step in create start stop edit; do
	test_expect_success "a failing $step: one line naming it and the log, nothing left" "
		cd proj &&
		test_expect_code 125 env FAKE_LIMACTL_FAIL=$step \"\$SBX\" setup --force 2>err &&
		grep -v '^sbx: \\[' err | grep -v '^sbx: building' >msg &&
		test_line_count msg 1 &&
		test_grep \"^sbx setup: cannot build the template 'sbx-proj-[0-9a-f]*': step [0-9]/5 ($step): limactl $step failed: \" msg &&
		test_grep '(log: .*/sbx/logs/sbx-proj-[0-9a-f]*.log)\$' msg &&
		lima_names >names &&
		test_line_count names 0 &&
		test_must_fail ls \"\$STATE\"/templates/*.json
	"
done

test_expect_success 'after a failed setup, run builds the template first' '
	cd proj &&
	"$SBX" run 2>err &&
	test_grep "building the template" err &&
	test -f "$REC/started"
'

test_expect_success 'doctor: limactl, its version, vmTypes and the template' '
	cd proj &&
	{ "$SBX" doctor >out 2>&1 || true; } &&
	test_grep "^ok   lima: limactl 2.2.0$" out &&
	test_grep "^ok   lima vmTypes: " out &&
	test_grep "^ok   lima template: sbx-proj-" out
'

test_expect_success 'doctor: a stale template is a warning with the fix' '
	cd proj &&
	echo "{\"cpus\": 3}" >.sbx.json &&
	"$SBX" trust >/dev/null &&
	{ "$SBX" doctor >out 2>&1 || true; } &&
	test_grep "^warn lima template: out of date" out &&
	test_grep "fix: run .sbx setup." out &&
	rm .sbx.json
'

test_expect_success 'doctor: an old limactl fails with the fix' '
	cd proj &&
	{ FAKE_LIMACTL_VERSION=1.2.3 "$SBX" doctor >out 2>&1 || true; } &&
	test_grep "^fail lima: limactl 1.2.3 is too old: sbx needs Lima 2.0" out
'

test_done
