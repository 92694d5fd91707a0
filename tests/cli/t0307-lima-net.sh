#!/bin/sh
# The network of a Lima sandbox. Against the fake limactl: the template
# installs the ruleset and sbx-lockdown, each clone's boot runs it for its
# mode and a readiness probe holds the start until it has; sbx runs a proxy
# per VM on the host with a token of its own, which the guest gets in its
# environment only. And for real, as root, in network namespaces this test
# builds (a "host" with the proxy, a service and a resolver; a "guest"; a
# container behind it): the ruleset and sbx-lockdown themselves, against an
# agent that is not root.
. "$(dirname "$0")/lib-lima.sh"

command -v curl >/dev/null 2>&1 || {
	test_skip 'the network of a Lima sandbox' 'curl is not installed'
	test_done
	exit 0
}

mkdir -p servers out
"$SRC_DIR/tests/fakes/net-servers" "$TRASH/servers" &
echo $! >servers.pid
NS="sbx-t$$"
stop_all() {
	kill "$(cat "$TRASH/servers.pid")" 2>/dev/null
	for f in "$TRASH"/*.bg.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	for n in host guest ctr; do
		ip netns del "$NS-$n" 2>/dev/null
	done
	return 0
}
test_cleanup_hook=stop_all
test_wait_for 'test -s servers/ports' || exit 1
# shellcheck source=/dev/null # written by net-servers above
. "$TRASH/servers/ports"
export HTTP2 HTTP3

# net_config MODE [MORE]: lima, the shell agent, and names pinned to the servers.
net_config() {
	cat >"$XDG_CONFIG_HOME/sbx/config.json" <<-EOF
	{"backend": "lima", "agent": "probe",
	 "agents": {"probe": {"command": "$PROBE", "npm": "@example/probe-cli"}},
	 "network": {"mode": "$1", "allow": ["allowed.test:$HTTP2"],
	  "hosts": {"allowed.test": "127.0.0.2", "other.test": "127.0.0.3"}}${2:+, $2}}
	EOF
}

# (Background processes are started as ip netns exec, never through a
# function: $! must be the process itself, for the cleanup to end it.)

# What runs "in the guest" (the host, under the fake): the proxy the guest
# was given, at the host's loopback where Lima's 192.168.5.2 leads.
cat >guest-net.sh <<'EOF'
out=$1
env >"$out/env"
proxy=$(printf %s "$HTTP_PROXY" | sed 's/192\.168\.5\.2/127.0.0.1/')
printf %s "$proxy" >"$out/proxy"
noauth=$(printf %s "$proxy" | sed 's|//[^@]*@|//|')
curl -sS -x "$proxy" "http://allowed.test:$HTTP2/lima" >"$out/allowed" 2>&1
curl -sS -p -x "$proxy" "http://allowed.test:$HTTP2/lima-tunnel" >"$out/tunnel" 2>&1
curl -sS -x "$proxy" "http://other.test:$HTTP3/lima" >"$out/refused" 2>&1
curl -sS -o /dev/null -w "%{http_code}\n" -x "$noauth" "http://allowed.test:$HTTP2/noauth" >"$out/noauth"
if [ -f "$out/wait" ]; then
	: >"$out/started"
	while ! [ -f "$out/go" ]; do sleep 0.1; done
fi
EOF

run_guest() {
	mkdir -p "$TRASH/out/$1" &&
	(cd proj && "$SBX" shell -- env HTTP2="$HTTP2" HTTP3="$HTTP3" sh "$TRASH/guest-net.sh" "$TRASH/out/$1")
}

# The clone's --set values of the last clone in the fake's log, one a line.
clone_sets() {
	/usr/bin/python3 - "$FAKE_LIMACTL_LOG" <<-\EOF
	import json, sys
	calls = [json.loads(l) for l in open(sys.argv[1])]
	clone = [c for c in calls if c[0] == "clone"][-1]
	for i, a in enumerate(clone):
	    if a == "--set":
	        print(json.dumps(clone[i + 1]))
	EOF
}

test_expect_success 'the template installs the ruleset and sbx-lockdown, its last system script' '
	net_config allowlist &&
	(cd proj && "$SBX" setup 2>err) &&
	/usr/bin/python3 - "$STATE"/templates/sbx-proj-*.yaml "$TRASH" <<-\EOF
	import json, shlex, sys
	prov = json.load(open(sys.argv[1]))["provision"]
	i = [n for n, p in enumerate(prov) if "sbx-lockdown" in p["script"]]
	assert len(i) == 1 and prov[i[0]]["mode"] == "system", prov
	assert all(p["mode"] != "system" for p in prov[i[0] + 1:]), prov
	# Each step runs in the wrapper that records its failure: the script is its quoted word.
	w = prov[i[0]]["script"]
	a = w.index("{ /bin/sh -c ") + len("{ /bin/sh -c ")
	s = shlex.split(w[a:w.rindex(" sbx-step 2>&1;")])[0]
	assert "apt-get install -y -q --no-install-recommends nftables" in s
	def part(begin, end):
	    a = s.index(begin) + len(begin)
	    return s[a:s.index(end, a)]
	open(sys.argv[2] + "/egress.nft", "w").write(part("cat >/etc/sbx/egress.nft <<\x27SBX_RULES\x27\n", "SBX_RULES\n"))
	open(sys.argv[2] + "/egress-none.nft", "w").write(part("cat >/etc/sbx/egress-none.nft <<\x27SBX_RULES\x27\n", "SBX_RULES\n"))
	open(sys.argv[2] + "/sbx-lockdown", "w").write(part("cat >/usr/local/sbin/sbx-lockdown <<\x27SBX_LOCKDOWN\x27\n", "SBX_LOCKDOWN\n"))
	EOF
	test_grep "policy drop" egress.nft &&
	test_grep "ip daddr \$proxy_addr tcp dport \$proxy_port accept" egress.nft &&
	! grep proxy_addr egress-none.nft &&
	test_grep "for g in sudo adm lxd wheel" sbx-lockdown &&
	test_grep "rm -f /etc/sudoers.d/90-cloud-init-users" sbx-lockdown
'

test_expect_success 'allowlist: the clone'"'"'s boot runs sbx-lockdown with the proxy'"'"'s port, a probe waits for it' '
	net_config allowlist &&
	: >"$FAKE_LIMACTL_LOG" &&
	run_guest a &&
	port=$(sed "s/.*://" out/a/proxy) &&
	clone_sets >sets &&
	test_grep "^\".provision += \[{\\\\\"mode\\\\\":\\\\\"system\\\\\",\\\\\"script\\\\\":\\\\\"#!/bin/sh\\\\\\\\n# sbx: this sandbox.s network rules and lockdown\\\\\\\\nexec /usr/local/sbin/sbx-lockdown .allowlist. .192.168.5.2. .$port. \\\\\\\\\\\\\"{{.User}}\\\\\\\\\\\\\"" sets &&
	test_grep "^\".probes += \[{\\\\\"mode\\\\\":\\\\\"readiness\\\\\",.*test -f /run/sbx-lockdown" sets
'

test_expect_success 'the agent gets the proxy with a token in its environment; lima.yaml and argv never do' '
	test_grep "^HTTP_PROXY=http://sbx:[a-z0-9]\{32\}@192.168.5.2:[0-9]*$" out/a/env &&
	test_grep "^HTTPS_PROXY=" out/a/env &&
	test_grep "^NO_PROXY=localhost,127.0.0.1,::1$" out/a/env &&
	test_grep "^GIT_SSH_COMMAND=ssh -o .ProxyCommand=sbx net connect %h %p.$" out/a/env &&
	token=$(sed -n "s|^HTTP_PROXY=http://sbx:\([a-z0-9]*\)@.*|\1|p" out/a/env) &&
	test -n "$token" &&
	! grep -r "$token" "$FAKE_LIMACTL_LOG" "$STATE" "$LIMA_HOME" 2>/dev/null
'

test_expect_success 'the proxy on the host lets the allowed name through and refuses the rest' '
	test_grep "^server-2 allowed.test:$HTTP2 /lima " out/a/allowed &&
	test_grep "^server-2 allowed.test:$HTTP2 /lima-tunnel " out/a/tunnel &&
	test_grep "refused GET other.test:$HTTP3: .other.test. port $HTTP3 is not in network.allow" out/a/refused &&
	test "$(cat out/a/noauth)" = 407 &&
	(cd proj && "$SBX" net log) >log &&
	test_grep " allow GET allowed.test:$HTTP2 -> 127.0.0.2 " log &&
	test_grep " deny GET allowed.test:$HTTP2: no valid Proxy-Authorization$" log
'

test_expect_success 'one VM cannot borrow another'"'"'s proxy: each has its own token' '
	net_config allowlist &&
	mkdir -p out/first &&
	: >out/first/wait || return 1
	run_guest first &
	echo $! >first.bg.pid
	test_wait_for "test -e out/first/started" || return 1
	run_guest second &&
	first=$(cat out/first/proxy) &&
	second=$(cat out/second/proxy) &&
	test "$first" != "$second" &&
	stolen=$(printf %s "$second" | sed "s/:[0-9]*$/:${first##*:}/") &&
	curl -sS -o /dev/null -w "%{http_code}\n" -x "$stolen" "http://allowed.test:$HTTP2/stolen" >code &&
	test "$(cat code)" = 407 &&
	curl -sS -x "$first" "http://allowed.test:$HTTP2/own" >own &&
	test_grep "^server-2 allowed.test:$HTTP2 /own " own &&
	touch out/first/go &&
	wait "$(cat first.bg.pid)" &&
	! curl -sS --max-time 5 -x "$first" "http://allowed.test:$HTTP2/after" 2>err &&
	test_nothing_left
'

test_expect_success 'none: sbx-lockdown none, no proxy, no variables' '
	net_config none &&
	: >"$FAKE_LIMACTL_LOG" &&
	run_guest none &&
	clone_sets >sets &&
	test_grep "exec /usr/local/sbin/sbx-lockdown .none. .192.168.5.2. .0. " sets &&
	! grep -i "_proxy=" out/none/env
'

test_expect_success 'host: the whole network, no lockdown, and doctor warns' '
	net_config host &&
	: >"$FAKE_LIMACTL_LOG" &&
	run_guest host &&
	clone_sets >sets &&
	! grep -e sbx-lockdown -e probes sets &&
	(cd proj && "$SBX" doctor) >doctor;
	test_grep "warn network: host: " doctor
'

test_expect_success 'a persistent VM keeps its proxy'"'"'s port, and the mode it was made with' '
	net_config allowlist &&
	(cd proj && "$SBX" shell --keep -- sh -c "printf %s \"\$HTTP_PROXY\"" >"$TRASH/p1") &&
	(cd proj && "$SBX" shell --keep -- sh -c "printf %s \"\$HTTP_PROXY\"" >"$TRASH/p2") &&
	test "$(sed "s/.*://" p1)" = "$(sed "s/.*://" p2)" &&
	test "$(sed "s/@.*//" p1)" != "$(sed "s/@.*//" p2)" &&
	net_config none &&
	(cd proj && test_expect_code 125 "$SBX" shell --keep -- true 2>"$TRASH/err") &&
	test_grep "was made with network mode .allowlist., not .none.: .sbx rm sbx-proj-[0-9a-f]*-keep. to change it" err &&
	k=$(lima_names | grep -- "-keep$") &&
	"$SBX" rm -f "$k" &&
	(cd proj && "$SBX" shell --keep -- true)
'

test_expect_success 'the docker plugin with the allowlist: one line says it is not enforced' '
	net_config allowlist "\"plugins\": [\"docker\"]" &&
	(cd proj && "$SBX" shell -- true 2>"$TRASH/err") &&
	test_grep "^sbx: warning: the allowlist is not enforced: the docker plugin puts the agent in the docker group, which is root in the guest$" err &&
	(cd proj && "$SBX" doctor) >doctor;
	test_grep "warn network: the allowlist is not enforced" doctor
'

# ------------------------------------------------------------------ for real

if [ "$(id -u)" != 0 ] || ! command -v nft >/dev/null 2>&1 ||
	! command -v ip >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1 ||
	! ip netns add "$NS-probe" 2>/dev/null; then
	for t in 'the ruleset, loaded by sbx-lockdown in a guest, lets the agent reach the proxy only' \
		'the agent can neither flush the rules nor leave through a namespace of its own' \
		'root in the guest is held too; the host resolver gets nothing' \
		'a container'"'"'s traffic is dropped at the forward hook unless it goes to the proxy' \
		'none: not even the proxy'; do
		test_skip "$t" 'needs root, nft, ip and setpriv (CI runs it as root)'
	done
	test_done
	exit 0
fi
ip netns del "$NS-probe"

# shellcheck disable=SC2034 # C and AGENT are used in the tests' bodies
H="$NS-host" G="$NS-guest" C="$NS-ctr"
# The agent: a user who is not root (nobody), word-split where it is used.
# shellcheck disable=SC2034
AGENT="setpriv --reuid=65534 --regid=65534 --clear-groups --"
in_host() { ip netns exec "$H" "$@"; }
in_guest() { ip netns exec "$G" "$@"; }

# The agent (nobody) reads its helpers from a directory of their own.
chmod 711 "$TRASH"
mkdir -m 755 pub
# connect ADDR PORT: 0 when a TCP connection is made within 3 s.
cat >pub/connect.py <<'EOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
except OSError as e:
    sys.exit("%s:%s: %s" % (sys.argv[1], sys.argv[2], e))
EOF

test_expect_success 'setup: a host (192.168.5.2, .3) with a proxy, a service and a resolver; a guest' '
	ip netns add "$H" && ip netns add "$G" &&
	ip link add "$NS-h" netns "$H" type veth peer name "$NS-g" netns "$G" &&
	in_host ip addr add 192.168.5.2/24 dev "$NS-h" &&
	in_host ip addr add 192.168.5.3/24 dev "$NS-h" &&
	in_host ip link set "$NS-h" up && in_host ip link set lo up &&
	in_guest ip addr add 192.168.5.15/24 dev "$NS-g" &&
	in_guest ip link set "$NS-g" up && in_guest ip link set lo up &&
	in_guest ip route add default via 192.168.5.2 &&
	mkdir -p hservers &&
	ip netns exec "$H" "$SRC_DIR/tests/fakes/net-servers" "$TRASH/hservers" &
	echo $! >hservers.bg.pid
	test_wait_for "test -s hservers/ports" || return 1
	. "$TRASH/hservers/ports"
	cat >policy.json <<-EOF &&
	{"mode": "allowlist", "allow": [["allowed.test:$HTTP2", "network.allow"]], "deny": [],
	 "hosts": {"allowed.test": "127.0.0.2"}, "token": "guest-token"}
	EOF
	ip netns exec "$H" "$SBX" net serve --policy policy.json --listen 192.168.5.2:3130 >proxy.addr &
	echo $! >proxy.bg.pid
	test_wait_for "test -s proxy.addr" || return 1
	ip netns exec "$H" /usr/bin/python3 -c "
import socket
s = socket.socket(); s.bind((\"192.168.5.2\", 5432)); s.listen(64)
while True: s.accept()[0].close()
" &
	echo $! >service.bg.pid
	ip netns exec "$H" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((\"192.168.5.3\", 53))
while True:
    d, a = s.recvfrom(512); s.sendto(d, a)
" &
	echo $! >resolver.bg.pid
	test_wait_for "in_guest /usr/bin/python3 pub/connect.py 192.168.5.2 5432" &&
	in_guest $AGENT /usr/bin/python3 pub/connect.py 192.168.5.2 5432
'

# sbx-lockdown as the template installs it, with its paths moved into the test's directory.
sed -e "s|/etc/sbx/|$TRASH/|g" -e "s|/run/sbx-lockdown|$TRASH/locked|g" \
	-e "s|/etc/sudoers.d/90-cloud-init-users|$TRASH/sudoers|g" sbx-lockdown >lockdown
# shellcheck source=/dev/null # written by net-servers in the setup above
. "$TRASH/hservers/ports"

test_expect_success 'the ruleset, loaded by sbx-lockdown in a guest, lets the agent reach the proxy only' '
	: >sudoers &&
	in_guest sh lockdown allowlist 192.168.5.2 3130 nobody &&
	test -e locked &&
	! test -e sudoers &&
	in_guest nft list table inet sbx >rules &&
	test_grep "ip daddr 192.168.5.2 tcp dport 3130 accept" rules &&
	in_guest $AGENT curl -sS -x http://sbx:guest-token@192.168.5.2:3130 "http://allowed.test:$HTTP2/guest" >out/g &&
	test_grep "^server-2 allowed.test:$HTTP2 /guest " out/g &&
	test_must_fail in_guest $AGENT /usr/bin/python3 pub/connect.py 192.168.5.2 5432 &&
	test_must_fail in_guest $AGENT curl -sS --max-time 3 --noproxy "*" http://192.168.5.2:5432/
'

test_expect_success 'the agent can neither flush the rules nor leave through a namespace of its own' '
	test_must_fail in_guest $AGENT nft flush ruleset &&
	test_must_fail in_guest $AGENT nft delete table inet sbx &&
	in_guest nft list table inet sbx >/dev/null &&
	test_must_fail in_guest $AGENT unshare -r -n /usr/bin/python3 pub/connect.py 192.168.5.2 5432 &&
	test_must_fail in_guest $AGENT unshare -r -n ip link add "$NS-x" type veth peer name "$NS-y" netns "$G" 2>err &&
	test_must_fail in_guest $AGENT /usr/bin/python3 pub/connect.py 192.168.5.2 5432
'

test_expect_success 'root in the guest is held too; the host resolver gets nothing' '
	test_must_fail in_guest /usr/bin/python3 pub/connect.py 192.168.5.2 5432 &&
	cat >pub/dns.py <<-\EOF &&
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(3)
	try:
	    s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01", ("192.168.5.3", 53))
	    s.recvfrom(512)
	except OSError as e:
	    sys.exit("no answer: %s" % e)
	EOF
	test_must_fail in_guest $AGENT /usr/bin/python3 pub/dns.py &&
	test_must_fail in_guest /usr/bin/python3 pub/dns.py
'

test_expect_success 'a container'"'"'s traffic is dropped at the forward hook unless it goes to the proxy' '
	ip netns add "$C" &&
	ip link add "$NS-c" netns "$C" type veth peer name "$NS-b" netns "$G" &&
	in_guest ip addr add 172.17.0.1/16 dev "$NS-b" && in_guest ip link set "$NS-b" up &&
	ip netns exec "$C" ip addr add 172.17.0.2/16 dev "$NS-c" &&
	ip netns exec "$C" ip link set "$NS-c" up && ip netns exec "$C" ip link set lo up &&
	ip netns exec "$C" ip route add default via 172.17.0.1 &&
	in_guest sysctl -q -w net.ipv4.ip_forward=1 &&
	in_host ip route add 172.17.0.0/16 via 192.168.5.15 &&
	ip netns exec "$C" /usr/bin/python3 pub/connect.py 192.168.5.2 3130 &&
	test_must_fail ip netns exec "$C" /usr/bin/python3 pub/connect.py 192.168.5.2 5432
'

test_expect_success 'none: not even the proxy' '
	in_guest sh lockdown none - - nobody &&
	test_must_fail in_guest $AGENT /usr/bin/python3 pub/connect.py 192.168.5.2 3130 &&
	in_guest $AGENT /usr/bin/python3 -c "
import socket
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)
socket.create_connection(s.getsockname(), timeout=3).close()"
'

test_done
