#!/bin/sh
# The Lima backend's template: sbx setup builds it once, skips it while its
# inputs are unchanged, rebuilds with --force; what its lima.yaml holds; how
# a missing, old or failing limactl is reported.
. "$(dirname "$0")/lib-lima.sh"

test_cmp_steps() {
	cmp expect steps || { diff expect steps >&2; return 1; }
}

test_expect_success 'setup builds the template: create, start, stop, edit' '
	cd proj &&
	"$SBX" setup 2>err &&
	test_grep "^sbx: building the template sbx-proj-[0-9a-f]\{6\} (log: .*/sbx/logs/sbx-proj-[0-9a-f]\{6\}.log)$" err &&
	test_grep "^sbx: \[2/4\] first boot.*: done in [0-9.]*s$" err &&
	test_grep "is ready" err &&
	grep -o "\"[a-z]*\", \"--tty=false\"" "$FAKE_LIMACTL_LOG" >steps &&
	printf "\"%s\", \"--tty=false\"\n" list create start stop edit >expect &&
	test_cmp_steps &&
	lima_names >names &&
	test_line_count names 1 &&
	limactl list --json | test_grep "\"status\":\"Stopped\"" -
'

test_expect_success 'the template keeps neither provisioning nor mounts' '
	t=$(lima_names) &&
	/usr/bin/python3 -c "import json, sys
y = json.load(open(sys.argv[1]))
assert not y.get(\"provision\") and y.get(\"mounts\") == [], y" "$LIMA_HOME/$t/lima.yaml"
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
	test_line_count err 6
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
	assert all("sbx hook" in p["script"] or "first-run answers" in p["script"] for p in user), user
	assert [p["mode"] for p in orig["provision"] if "sbx hook --agent claude" in p["script"]] == ["user"]
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

test_expect_success 'setup --verbose streams Lima'"'"'s log as well' '
	cd proj &&
	"$SBX" setup --force --verbose 2>err &&
	test_grep "level=info msg=\"Run \`limactl start sbx-proj-" err &&
	test_grep "^sbx: \[4/4\]" err
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

test_expect_success 'a limactl older than 1.2: names the version and the fix, exit 125' '
	cd proj &&
	test_expect_code 125 env FAKE_LIMACTL_VERSION=1.0.0 "$SBX" setup --force 2>err &&
	test_line_count err 1 &&
	test_grep "limactl 1.0.0 is too old: sbx needs Lima 1.2 or later" err &&
	test_grep "upgrade Lima" err &&
	test_expect_code 125 env FAKE_LIMACTL_VERSION=1.0.0 "$SBX" run 2>err &&
	test_grep "too old" err
'

for step in create start stop edit; do
	test_expect_success "a failing $step: one line naming it and the log, nothing left" "
		cd proj &&
		test_expect_code 125 env FAKE_LIMACTL_FAIL=$step \"\$SBX\" setup --force 2>err &&
		grep -v '^sbx: \\[' err | grep -v '^sbx: building' >msg &&
		test_line_count msg 1 &&
		test_grep \"^sbx setup: cannot build the template 'sbx-proj-[0-9a-f]*': step [0-9]/4 ($step): limactl $step failed: \" msg &&
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
	{ FAKE_LIMACTL_VERSION=1.1.9 "$SBX" doctor >out 2>&1 || true; } &&
	test_grep "^fail lima: limactl 1.1.9 is too old" out
'

test_done
