#!/bin/sh
# The fake limactl (tests/fakes/limactl) behaves like Lima 2.2's limactl:
# messages, exit codes, `list --json` lines, and above all the quoting of
# `limactl shell` words.  The other tests trust it, so it is tested here.
. "$(dirname "$0")/lib.sh"

# The tests and CI run as root, which the real limactl (and so the fake)
# refuses unless told otherwise.
FAKE_LIMACTL_ALLOW_ROOT=1
export FAKE_LIMACTL_ALLOW_ROOT
unset FAKE_LIMACTL_LOG FAKE_LIMACTL_FAIL FAKE_LIMACTL_VERSION FAKE_LIMACTL_SKIP_PROVISION \
	LIMA_SHELLENV_BLOCK LIMA_SHELLENV_ALLOW

mkdir -p proj/sub
cat >vm.json <<EOF
{
  "images": [{"location": "https://example.invalid/debian-13.qcow2", "arch": "x86_64"},
             {"location": "https://example.invalid/debian-13-arm64.qcow2", "arch": "aarch64"}],
  "mounts": [{"location": "$TRASH/proj", "writable": true}],
  "env": {"FROM_LIMA_YAML": "set in lima.yaml"}
}
EOF

# json_keys: the keys of each JSON object on stdin, comma-separated, one line each.
json_keys() {
	/usr/bin/python3 -c 'import json, sys
for line in sys.stdin:
    print(",".join(json.loads(line)))'
}

test_expect_success 'limactl --version names Lima 2.2.0' '
	limactl --version >out &&
	test_grep "^limactl version 2.2.0$" out
'

if [ "$(id -u)" = 0 ]; then
	test_expect_success 'as root, limactl refuses to run unless FAKE_LIMACTL_ALLOW_ROOT=1' '
		test_expect_code 1 env -u FAKE_LIMACTL_ALLOW_ROOT limactl list >out 2>err &&
		test_line_count out 0 &&
		test_grep "^limactl: must not run as the root user$" err
	'
else
	test_skip 'as root, limactl refuses to run unless FAKE_LIMACTL_ALLOW_ROOT=1' 'not root'
fi

test_expect_success 'list with no instances warns and prints nothing' '
	limactl list --json >out 2>err &&
	test_line_count out 0 &&
	test_grep "level=warning msg=\"No instance found" err
'

test_expect_success 'create makes a stopped instance and says how to start it' '
	limactl create --tty=false --name vm ./vm.json 2>err &&
	test_grep "level=info msg=\"Run \`limactl start vm\` to start the instance.\"" err &&
	test -f "$LIMA_HOME/vm/lima.yaml" &&
	cmp vm.json "$LIMA_HOME/vm/lima.yaml" &&
	limactl list --format "{{.Name}} {{.Status}}" vm >out &&
	test_grep "^vm Stopped$" out
'

test_expect_success 'create refuses an existing name, a bad name and non-JSON YAML' '
	test_expect_code 1 limactl create --name vm ./vm.json 2>err &&
	test_grep "level=fatal msg=\"instance \`vm\` already exists\"" err &&
	test_expect_code 1 limactl create --name "a b" ./vm.json 2>err &&
	test_grep "is not a valid identifier" err &&
	test_expect_code 1 limactl create --name "$(printf "%077d" 0)" ./vm.json 2>err &&
	test_grep "greater than maximum length (76 characters)" err &&
	printf "images: []\n" >plain.yaml &&
	test_expect_code 1 limactl create --name y ./plain.yaml 2>err &&
	test_grep "failed to unmarshal YAML" err &&
	test ! -e "$LIMA_HOME/y"
'

test_expect_success 'start boots it; a second start says it is already running' '
	limactl start vm 2>err &&
	test_grep "msg=\"READY. Run \`limactl shell vm\` to open the shell.\"" err &&
	test -s "$LIMA_HOME/vm/ha.stdout.log" &&
	limactl start vm 2>err &&
	test_grep "The instance \`vm\` is already running" err
'

test_expect_success 'list --json prints one compact object per line, keys in Lima order' '
	limactl create --name vm2 ./vm.json 2>/dev/null &&
	limactl list --json >out &&
	test_line_count out 2 &&
	test_grep "^{\"name\":\"vm\",\"hostname\":\"lima-vm\",\"status\":\"Running\"," out &&
	test_grep "^{\"name\":\"vm2\",\"hostname\":\"lima-vm2\",\"status\":\"Stopped\"," out &&
	json_keys <out >keys &&
	order=name,hostname,status,dir,vmType,arch,cpus,memory,disk,message,additionalDisks &&
	order=$order,network,sshLocalPort,sshConfigFile,hostAgentPID,driverPID,errors,config &&
	order=$order,sshAddress,protected,limaVersion,param,HostOS,HostArch,LimaHome,IdentityFile &&
	while read -r k; do
		/usr/bin/python3 -c "import sys
want = sys.argv[1].split(\",\"); got = sys.argv[2].split(\",\")
assert got == [k for k in want if k in got], got
for k in (\"name\", \"status\", \"dir\", \"config\", \"protected\", \"LimaHome\"):
    assert k in got, k" "$order" "$k" || return 1
	done <keys
'

test_expect_success 'list NAME of an unknown instance fails after a warning' '
	test_expect_code 1 limactl list --json vm nope >out 2>err &&
	test_line_count out 1 &&
	test_grep "level=warning msg=\"No instance matching nope found.\"" err &&
	test_grep "level=fatal msg=\"unmatched instances\"" err
'

test_expect_success 'list without --json prints a table' '
	limactl list >out &&
	test_grep "^NAME  *STATUS  *SSH  *VMTYPE  *ARCH  *CPUS  *MEMORY  *DISK  *DIR$" out &&
	test_grep "^vm  *Running  *127.0.0.1:[0-9]*  " out
'

test_expect_success 'clone refuses a running source, an existing target, a missing source' '
	test_expect_code 1 limactl clone vm c1 2>err &&
	test_grep "level=fatal msg=\"cannot clone a running instance\"" err &&
	test ! -e "$LIMA_HOME/c1" &&
	test_expect_code 1 limactl clone vm2 vm 2>err &&
	test_grep "instance \`vm\` already exists" err &&
	test_expect_code 1 limactl clone nope c1 2>err &&
	test_grep "instance \`nope\` not found" err
'

test_expect_success 'clone copies a stopped instance and applies --set' '
	limactl protect vm2 2>/dev/null &&
	limactl clone --tty=false vm2 c1 --set ".cpus = 1 | .env.CLONED = \"yes\"" 2>err &&
	test_line_count err 0 &&
	limactl list --format "{{.Name}} {{.Status}} {{.CPUs}} {{.Protected}}" c1 >out &&
	test_grep "^c1 Stopped 1 false$" out &&
	limactl unprotect vm2 2>/dev/null
'

test_expect_success 'stop stops; stopping a stopped instance is an error' '
	test_expect_code 1 limactl stop vm2 c1 2>err &&
	test_grep "expected status \`Running\`, got \`Stopped\` (maybe use \`limactl stop -f\`?)" err &&
	limactl start c1 2>/dev/null &&
	limactl stop c1 2>err &&
	test_grep "The instance c1 has shut down" err &&
	limactl list --format "{{.Status}}" c1 >out &&
	test_grep "^Stopped$" out
'

test_expect_success 'delete: running needs -f, protected is refused, missing is a warning' '
	limactl start c1 2>/dev/null &&
	test_expect_code 1 limactl delete c1 2>err &&
	test_grep "failed to delete instance \`c1\`: expected status \`Stopped\`, got \`Running\`" err &&
	limactl protect c1 2>/dev/null &&
	test_expect_code 1 limactl rm -f c1 2>err &&
	test_grep "instance is protected to prohibit accidental removal" err &&
	limactl unprotect c1 2>/dev/null &&
	limactl remove -f c1 nope 2>err &&
	test_grep "level=warning msg=\"Ignoring non-existent instance \`nope\`\"" err &&
	test_grep "level=info msg=\"Deleted \`c1\`" err &&
	test ! -e "$LIMA_HOME/c1"
'

test_expect_success 'shell runs the command and passes its exit code through' '
	limactl shell vm echo hello >out &&
	test_grep "^hello$" out &&
	test_expect_code 7 limactl shell vm sh -c "exit 7" &&
	echo in | limactl shell vm cat >out &&
	test_grep "^in$" out
'

test_expect_success 'shell: a guest shell killed by a signal exits 255, like ssh' '
	printf "#!/bin/sh\nkill -9 \$\$\n" >selfkill && chmod +x selfkill &&
	test_expect_code 255 limactl shell --shell "$TRASH/selfkill" vm true
'

test_expect_success 'shell refuses a stopped or missing instance' '
	test_expect_code 1 limactl shell vm2 true 2>err &&
	test_grep "msg=\"instance \`vm2\` is stopped, run \`limactl start vm2\` to start the instance\"" err &&
	test_expect_code 1 limactl shell nope true 2>err &&
	test_grep "msg=\"instance \`nope\` does not exist, run \`limactl create nope\` to create a new instance\"" err
'

test_expect_success 'shell: each word reaches the command byte for byte' '
	set -- "two words" "it'\''s" "\"dq\"" "\$(echo no)" "\`echo no\`" "\$HOME" "a;b|c&d" \
		"$(printf "line1\nline2")" "é ü 日本" "-n" "--" "*" "" "a=b" "back\\slash" \
		"$(printf "tab\there")" "$(printf "\377\001raw")" "~" " lead" "trail " &&
	limactl shell vm printf "<%s>\n" "$@" >out &&
	printf "<%s>\n" "$@" >expect &&
	cmp expect out &&
	test_line_count expect 21
'

test_expect_success 'shell: like Lima, a first word starting with - goes to the guest shell' '
	test_must_fail limactl shell vm -x echo word >out 2>err &&
	test_line_count out 0
'

test_expect_success 'shell: a -- right after the name is dropped, later ones are kept' '
	limactl shell vm -- printf "%s," a -- b >out &&
	printf "a,--,b," >expect &&
	cmp expect out
'

test_expect_success 'shell: leading NAME=value words are assignments, the value quoted' '
	limactl shell vm "A=\$(echo x) y" sh -c "printf %s \"\$A\"" >out &&
	printf "%s" "\$(echo x) y" >expect &&
	cmp expect out
'

test_expect_success 'shell: cwd is the host cwd inside a mount, else the guest home' '
	(cd proj/sub && limactl shell vm pwd) >out &&
	test_grep "^$TRASH/proj/sub$" out &&
	limactl shell vm pwd >out &&
	test_grep "^$LIMA_HOME/vm/guest-home$" out &&
	limactl shell --workdir /tmp vm pwd >out &&
	test_grep "^/tmp$" out &&
	test_expect_code 1 limactl shell --workdir /nonexistent vm true
'

test_expect_success 'shell: with ~ mounted, an unmounted cwd falls back to the host home' '
	limactl clone vm2 vmh --set ".mounts = [{\"location\": \"~\"}]" 2>/dev/null &&
	limactl start vmh 2>/dev/null &&
	limactl shell vmh pwd >out &&
	test_grep "^$HOME$" out
'

test_expect_success 'shell: no host variable reaches the guest without --preserve-env' '
	HOST_ONLY=leak limactl shell vm env >out &&
	test_grep "^FROM_LIMA_YAML=set in lima.yaml$" out &&
	test_grep "^HOME=$LIMA_HOME/vm/guest-home$" out &&
	test_grep "^PATH=$LIMA_HOME/vm/guest-bin:/usr/local/bin:/usr/bin:/bin$" out &&
	! grep -e HOST_ONLY -e LIMA_HOME -e FAKE_LIMACTL out
'

test_expect_success 'shell --preserve-env passes host variables except the block list' '
	HOST_ONLY=kept XDG_FOO=blocked limactl shell --preserve-env vm env >out &&
	test_grep "^HOST_ONLY=kept$" out &&
	test_grep "^HOME=$LIMA_HOME/vm/guest-home$" out &&
	! grep XDG_FOO out &&
	LIMA_SHELLENV_ALLOW=XDG_FOO XDG_FOO=allowed limactl shell --preserve-env vm env >out &&
	test_grep "^XDG_FOO=allowed$" out
'

test_expect_success 'copy copies between the host and the guest home' '
	echo data >f.txt &&
	limactl copy f.txt vm:f.txt &&
	test -f "$LIMA_HOME/vm/guest-home/f.txt" &&
	limactl cp vm:f.txt back.txt &&
	cmp f.txt back.txt
'

test_expect_success 'edit refuses a running instance' '
	test_expect_code 1 limactl edit vm --cpus 1 2>err &&
	test_grep "level=fatal msg=\"cannot edit a running instance\"" err
'

test_expect_success 'FAKE_LIMACTL_LOG records every argv as a JSON array' '
	FAKE_LIMACTL_LOG=$TRASH/argv.log limactl shell vm printf "%s" "a b" >/dev/null &&
	FAKE_LIMACTL_LOG=$TRASH/argv.log limactl --version >/dev/null &&
	test_line_count argv.log 2 &&
	test_grep "^\[\"shell\", \"vm\", \"printf\", \"%s\", \"a b\"\]$" argv.log &&
	test_grep "^\[\"--version\"\]$" argv.log
'

test_expect_success 'FAKE_LIMACTL_FAIL makes a command fail realistically' '
	test_expect_code 255 env FAKE_LIMACTL_FAIL=shell limactl shell vm echo no >out 2>err &&
	test_line_count out 0 &&
	test_grep "^ssh: connect to host 127.0.0.1 port [0-9]*: Connection refused" err &&
	test_expect_code 1 env FAKE_LIMACTL_FAIL=start limactl start vm2 2>err &&
	test_grep "level=fatal msg=\"exiting, status=" err &&
	limactl list --format "{{.Status}}" vm2 >out &&
	test_grep "^Stopped$" out &&
	test_expect_code 1 env FAKE_LIMACTL_FAIL=create limactl create --name f ./vm.json 2>err &&
	test_grep "level=fatal msg=\"failed to download" err
'

test_expect_success 'start --timeout shorter than FAKE_LIMACTL_DELAY_START times out' '
	test_expect_code 1 env FAKE_LIMACTL_DELAY_START=5 limactl start --timeout 0.2s vm2 2>err &&
	test_grep "did not receive an event with the \`running\` status" err &&
	limactl stop -f vm2 2>/dev/null
'

test_expect_success 'provision scripts run at start; a failing one does not fail it' '
	cat >prov.json <<-EOF &&
	{"images": [{"location": "/x.img"}], "param": {"P": "v"},
	 "provision": [{"mode": "system", "script": "#!/bin/sh\necho {{.Name}} \$PARAM_P >\"\$HOME/done\""},
	               {"mode": "user", "script": "exit 3"}]}
	EOF
	limactl create --name prov ./prov.json 2>/dev/null &&
	limactl start prov 2>err &&
	test_grep "READY" err &&
	test_grep "^prov v$" "$LIMA_HOME/prov/guest-home/done" &&
	test_grep "WARNING: Failed to execute" "$LIMA_HOME/prov/ha.stderr.log"
'

test_expect_success 'the guest user has passwordless sudo, made again at every start (cloud-init)' '
	limactl shell vm sudo -n echo as-root >out &&
	test_grep "^as-root$" out &&
	limactl shell vm sudo -l -U "$(id -un)" >out &&
	test_grep "may run" out &&
	limactl shell vm sh -c "rm \"\$0\"" "$LIMA_HOME/vm/guest-root/etc/sudoers.d/90-cloud-init-users" &&
	test_expect_code 1 limactl shell vm sudo -n true 2>err &&
	test_grep "a password is required" err &&
	limactl stop vm 2>/dev/null &&
	limactl start vm 2>/dev/null &&
	limactl shell vm sudo -n true
'

test_expect_success 'mounts as Lima validates them: no file, not the guest home, no relative path' '
	echo "{}" >afile &&
	test_expect_code 1 limactl clone --tty=false vm2 m1 \
		--set ".mounts = [{\"location\": \"$TRASH/afile\"}]" 2>err &&
	test_grep "field \`mounts\[0\].location\` refers to a non-directory path" err &&
	test_expect_code 1 limactl clone --tty=false vm2 m2 \
		--set ".mounts = [{\"location\": \"$TRASH\", \"mountPoint\": \"{{.Home}}\"}]" 2>err &&
	test_grep "is the reserved internal home directory" err &&
	test_expect_code 1 limactl clone --tty=false vm2 m3 --set ".mounts = [{\"location\": \"rel\"}]" 2>err &&
	test_grep "must be an absolute path" err &&
	limactl clone --tty=false vm2 m4 \
		--set ".mounts = [{\"location\": \"$TRASH\", \"mountPoint\": \"{{.Home}}/w\"}]" 2>/dev/null &&
	limactl list --json m4 >out &&
	test_grep "\"mountPoint\":\"$LIMA_HOME/m4/guest-home/w\"" out &&
	# Lima copies first and validates the --set result after: a refused clone stays, unedited.
	limactl list --format "{{.Name}}" m1 m2 m3 >out &&
	test_line_count out 3 &&
	limactl delete -f m1 m2 m3 m4 2>/dev/null
'

test_expect_success 'a base'"'"'s mounts are appended (template:debian-12 brings ~); create --set comes after' '
	echo "{\"base\": [\"template:debian-12\"], \"mounts\": [{\"location\": \"$TRASH\"}]}" >based.yaml &&
	limactl create --tty=false --name based ./based.yaml 2>/dev/null &&
	limactl list --json based >out &&
	test_grep "\"location\":\"$HOME\"" out &&
	limactl create --tty=false --name based2 --set ".mounts = [{\"location\": \"$TRASH\"}]" \
		./based.yaml 2>/dev/null &&
	limactl list --json based2 >out &&
	! grep "\"location\":\"$HOME\"" out &&
	limactl delete -f based based2 2>/dev/null
'

test_expect_success 'Lima 1.x: no clone --start, an opaque template: names nothing, one --set' '
	test_expect_code 1 env FAKE_LIMACTL_VERSION=1.2.0 limactl clone --tty=false vm2 old1 --start 2>err &&
	test_grep "unknown flag: --start" err &&
	test_expect_code 1 env FAKE_LIMACTL_VERSION=1.2.0 limactl create --tty=false --name old2 \
		template:debian-12 2>err &&
	test_grep "template \\\\\"\\.yaml\\\\\" not found" err &&
	FAKE_LIMACTL_VERSION=1.2.0 limactl clone --tty=false vm2 old3 --set ".cpus = 3" --set ".memory = \"3GiB\"" 2>/dev/null &&
	limactl list --format "{{.CPUs}} {{.Memory}}" old3 >out &&
	test_grep "^[0-9]* 3221225472$" out &&
	! grep "^3 " out &&
	limactl delete -f old3 2>/dev/null
'

test_expect_success 'a Lima older than 1.2 has no clone command' '
	FAKE_LIMACTL_VERSION=1.0.0 limactl --version >out &&
	test_grep "^limactl version 1.0.0$" out &&
	test_expect_code 1 env FAKE_LIMACTL_VERSION=1.0.0 limactl clone vm2 c2 2>err &&
	test_grep "level=fatal msg=\"unknown command \\\\\"clone\\\\\" for \\\\\"limactl\\\\\"\"" err &&
	test ! -e "$LIMA_HOME/c2"
'

test_expect_success 'eight concurrent clone, start, shell, delete runs do not collide' '
	for i in 1 2 3 4 5 6 7 8; do
		{ limactl clone vm2 "p$i" 2>/dev/null &&
		  limactl start "p$i" 2>/dev/null &&
		  limactl shell "p$i" true &&
		  limactl delete -f "p$i" 2>/dev/null &&
		  echo "p$i ok" >"par.$i"; } &
	done &&
	wait &&
	cat par.* >out &&
	test_line_count out 8 &&
	limactl list -q >out &&
	! grep "^p[0-9]" out &&
	! ls -a "$LIMA_HOME" | grep "^\.fake"
'

test_done
