#!/bin/sh
# Every plugin's template scripts, for each backend it has, as `sbx plugins
# ls --json` shows them: each parses with sh -n and passes shellcheck.
. "$(dirname "$0")/lib.sh"

test_expect_success 'sbx plugins ls --json gives each plugin its scripts per backend' '
	"$SBX" plugins ls --json >list &&
	mkdir scripts &&
	/usr/bin/python3 - list scripts <<-\EOF
	import json, sys
	n = {}
	for line in open(sys.argv[1]):
	    e = json.loads(line)
	    for backend, modes in e["scripts"].items():
	        assert backend in e["backends"], (e["name"], backend)
	        for mode, scripts in modes.items():
	            for i, text in enumerate(scripts):
	                path = "%s/%s-%s-%s-%d.sh" % (sys.argv[2], e["name"], backend, mode, i)
	                open(path, "w").write(text)
	                n[e["name"]] = n.get(e["name"], 0) + 1
	assert sorted(n) == ["chromium", "docker", "gpg", "node", "python"], n
	EOF
'

test_expect_success 'each backend of each plugin has its scripts; docker none for bwrap' '
	for f in chromium-lima-system chromium-lima-user chromium-bwrap-user docker-lima-system \
		 gpg-lima-system gpg-lima-user gpg-bwrap-user node-lima-system node-bwrap-user \
		 python-lima-system python-lima-user python-bwrap-user; do
		test -s "scripts/$f-0.sh" || { echo "no $f script"; return 1; }
	done &&
	! ls scripts/docker-bwrap-* 2>/dev/null &&
	! ls scripts/*-bwrap-system-* 2>/dev/null
'

test_expect_success 'every script parses with sh -n' '
	for f in scripts/*.sh; do
		sh -n "$f" || { echo "$f does not parse"; return 1; }
	done
'

if command -v shellcheck >/dev/null 2>&1; then
	test_expect_success 'every script passes shellcheck' '
		shellcheck -s sh scripts/*.sh
	'
else
	test_skip 'every script passes shellcheck' 'shellcheck is not installed'
fi

test_expect_success 'what the scripts install: the summaries do not lie' '
	test_grep "apt-get install .* nodejs npm" scripts/node-lima-system-0.sh &&
	test_grep "apt-get install .* python3 python3-pip python3-venv" scripts/python-lima-system-0.sh &&
	test_grep "pipx install uv" scripts/python-lima-user-0.sh &&
	test_grep "get.docker.com" scripts/docker-lima-system-0.sh &&
	test_grep "usermod -aG docker \"{{.User}}\"" scripts/docker-lima-system-0.sh &&
	test_grep "docker compose version" scripts/docker-lima-system-0.sh &&
	test_grep "apt-get install .* chromium" scripts/chromium-lima-system-0.sh &&
	test_grep "chrome-devtools-mcp@latest" scripts/chromium-lima-user-0.sh &&
	test_grep "\.claude\.json" scripts/chromium-lima-user-0.sh &&
	test_grep -e "--chromeArg=--no-sandbox" scripts/chromium-bwrap-user-0.sh &&
	! grep -e "--no-sandbox" scripts/chromium-lima-user-0.sh &&
	test_grep "apt-get install .* gnupg" scripts/gpg-lima-system-0.sh &&
	test_grep "mask gpg-agent" scripts/gpg-lima-system-0.sh
'

test_done
