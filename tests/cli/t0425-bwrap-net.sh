#!/bin/sh
# The network of a bwrap sandbox, for real and offline: a namespace of its
# own in every mode but host, and sbx's proxy between it and the world.
# Local servers on 127.0.0.2 and 127.0.0.3 (tests/fakes/net-servers) stand
# for the internet, reached by names that network.hosts pins.
. "$(dirname "$0")/lib.sh"

skip_all() {
	test_skip 'the network of a bwrap sandbox' "$1"
	test_done
	exit 0
}
command -v bwrap >/dev/null 2>&1 || skip_all 'bubblewrap is not installed'
command -v curl >/dev/null 2>&1 || skip_all 'curl is not installed'
[ -x /usr/bin/python3 ] || skip_all '/usr/bin/python3 is not installed'

export SBX_BACKEND=bwrap SBX_AGENT=shell
mkdir -p proj servers "$XDG_CONFIG_HOME/sbx"
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=allowed.test \
		-addext subjectAltName=DNS:allowed.test -keyout servers/key.pem \
		-out servers/cert.pem >/dev/null 2>&1
fi
"$SRC_DIR/tests/fakes/net-servers" "$TRASH/servers" &
echo $! >servers.pid
stop_servers() {
	kill "$(cat "$TRASH/servers.pid")" 2>/dev/null
	[ -f "$TRASH/upstream.pid" ] && kill "$(cat "$TRASH/upstream.pid")" 2>/dev/null
	return 0
}
test_cleanup_hook=stop_servers
test_wait_for 'test -s servers/ports' || skip_all 'the local servers did not start'
# shellcheck source=/dev/null # written by net-servers above
. "$TRASH/servers/ports"
cd proj || exit 1
PROJ=$(pwd -P)
[ -f "$TRASH/servers/cert.pem" ] && cp "$TRASH/servers/cert.pem" "$PROJ/cert.pem"

# net_config MODE [MORE]: the user's configuration, with allowed.test and
# other.test pinned to the two servers; MORE is more keys of "network".
net_config() {
	cat >"$XDG_CONFIG_HOME/sbx/config.json" <<-EOF
	{"notify": {"enabled": false},
	 "network": {"mode": "$1",
	  "allow": ["allowed.test:$HTTP2", "allowed.test:${TLS2:-1}", "allowed.test:$ECHO2"],
	  "hosts": {"allowed.test": "127.0.0.2", "other.test": "127.0.0.3",
	            "loop.test": "127.0.0.1"}${2:+, $2}}}
	EOF
}

sbx_sh() {
	"$SBX" shell -- sh -c "$1"
}

# A client that asks the proxy for a tunnel, then speaks TLS in it with the
# server name it is given ("-": none); prints "tls ok" or fails.
cat >"$PROJ/tls-client" <<'EOF'
import socket, ssl, sys
host, port, sni = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection(("127.0.0.1", 3128))
s.sendall(("CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port)).encode())
head = b""
while not head.endswith(b"\r\n\r\n"):
    b = s.recv(1)
    if not b:
        sys.exit("the proxy closed")
    head += b
print(head.split(b"\r\n")[0].decode())
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    t = ctx.wrap_socket(s, server_hostname=None if sni == "-" else sni)
    t.sendall(("GET /tls-%s HTTP/1.0\r\nHost: allowed.test\r\n\r\n" % sni).encode())
    print(t.recv(200).decode(errors="replace"))
    print("tls ok")
except (OSError, ssl.SSLError) as e:
    sys.exit("tls failed: %s" % e)
EOF

# Raw bytes to the proxy, and what came back: for requests no client sends.
cat >"$PROJ/raw-client" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", 3128))
s.sendall(sys.argv[1].encode().decode("unicode_escape").encode("latin-1"))
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors="replace"))
EOF

test_expect_success 'allowlist: an allowed name is reached, plain and through CONNECT' '
	net_config allowlist &&
	sbx_sh "curl -sS http://allowed.test:$HTTP2/plain; curl -sS -p http://allowed.test:$HTTP2/tunnel" >out &&
	test_grep "^server-2 allowed.test:$HTTP2 /plain " out &&
	test_grep "^server-2 allowed.test:$HTTP2 /tunnel " out
'

test_expect_success 'the decisions are in the run'"'"'s log, which sbx net log shows' '
	"$SBX" net log >log &&
	test_grep "^# sbx network log: run sbx-proj-.* mode allowlist project $PROJ$" log &&
	test_grep " allow GET allowed.test:$HTTP2 -> 127.0.0.2 (network.allow, pinned by network.hosts)$" log &&
	test_grep " allow CONNECT allowed.test:$HTTP2 -> 127.0.0.2 " log &&
	run=$(sed -n "s/^# sbx network log: run \([^ ]*\) .*/\1/p" log) &&
	"$SBX" net log "$run" >again &&
	cmp log again &&
	test_expect_code 1 "$SBX" net log sbx-no-such-run 2>err &&
	test_grep "no network log of .sbx-no-such-run." err
'

test_expect_success 'a name not listed is refused with a 403 that names the key, and logged' '
	net_config allowlist &&
	sbx_sh "curl -sS -w \"%{http_code}\\n\" http://other.test:$HTTP3/x" >out &&
	test_grep "^sbx: refused GET other.test:$HTTP3: .other.test. port $HTTP3 is not in network.allow (mode allowlist): add \"other.test:$HTTP3\" to network.allow$" out &&
	test_grep "^403$" out &&
	test_must_fail sbx_sh "curl -sS -p http://other.test:$HTTP3/x" 2>err &&
	test_grep "CONNECT tunnel failed, response 403" err &&
	"$SBX" net log >log &&
	test_grep " deny CONNECT other.test:$HTTP3: .other.test. port $HTTP3 is not in network.allow" log &&
	! grep "server-3 GET /x" "$TRASH/servers/requests.log"
'

test_expect_success 'a listed name on a port not listed is refused' '
	sbx_sh "curl -sS http://allowed.test:$HTTP3/wrong-port" >out &&
	test_grep "refused GET allowed.test:$HTTP3: .allowed.test. port $HTTP3 is not in network.allow" out &&
	"$SBX" net log >log &&
	test_grep " deny GET allowed.test:$HTTP3" log
'

test_expect_success 'an address without the proxy is unreachable: the sandbox has no route out' '
	test_must_fail sbx_sh "curl -sS --noproxy \"*\" --max-time 5 http://127.0.0.2:$HTTP2/direct" &&
	test_must_fail sbx_sh "curl -sS --noproxy \"*\" --max-time 5 http://allowed.test:$HTTP2/direct" &&
	! grep " /direct " "$TRASH/servers/requests.log"
'

if [ -n "${TLS2:-}" ]; then
	test_expect_success 'TLS through CONNECT passes when its server name is the CONNECT host' '
		sbx_sh "curl -sS --cacert cert.pem https://allowed.test:$TLS2/tls-curl" >out &&
		test_grep "^server-2-tls allowed.test:$TLS2 /tls-curl " out &&
		sbx_sh "python3 tls-client allowed.test $TLS2 allowed.test" >out &&
		test_grep "^tls ok$" out
	'

	test_expect_success 'a ClientHello naming another server, or none, ends the tunnel, logged' '
		net_config allowlist &&
		test_must_fail sbx_sh "python3 tls-client allowed.test $TLS2 other.test" >out 2>err &&
		test_grep "^HTTP/1.1 200 " out &&
		test_grep "tls failed" err &&
		"$SBX" net log >log &&
		test_grep " deny TLS allowed.test:$TLS2: the TLS ClientHello names .other.test., not .allowed.test.$" log &&
		test_must_fail sbx_sh "python3 tls-client allowed.test $TLS2 -" 2>err &&
		test_grep "tls failed" err &&
		"$SBX" net log >log &&
		test_grep " deny TLS allowed.test:$TLS2: the TLS ClientHello names no server (SNI)$" log &&
		! grep -e " /tls-other.test " -e " /tls-- " "$TRASH/servers/requests.log" &&
		test_grep " /tls-allowed.test " "$TRASH/servers/requests.log"
	'
else
	test_skip 'TLS through CONNECT passes when its server name is the CONNECT host' \
		'openssl is not installed'
	test_skip 'a ClientHello naming another server, or none, ends the tunnel, logged' \
		'openssl is not installed'
fi

test_expect_success 'a tunnel that is not TLS passes on host and port: sbx net connect, as ssh uses it' '
	sbx_sh "printf \"SSH-2.0-not-really\\n\" | sbx net connect allowed.test $ECHO2" >out &&
	test "$(cat out)" = "SSH-2.0-not-really" &&
	sbx_sh "echo \$GIT_SSH_COMMAND" >out &&
	test_grep "^ssh -o .ProxyCommand=sbx net connect %h %p.$" out &&
	test_expect_code 1 sbx_sh "echo x | sbx net connect other.test $ECHO2" 2>err &&
	test_grep "the proxy answered 403: sbx: refused CONNECT other.test:$ECHO2" err
'

test_expect_success 'a plain request goes on with the Host its URL names, and alone' '
	sbx_sh "curl -sS -H \"Host: other.test\" http://allowed.test:$HTTP2/forced" >out &&
	test_grep "^server-2 allowed.test:$HTTP2 /forced " out &&
	sbx_sh "python3 raw-client \"GET http://allowed.test:$HTTP2/first HTTP/1.1\\r\\nHost: allowed.test\\r\\n\\r\\nGET /smuggled HTTP/1.1\\r\\nHost: other.test\\r\\n\\r\\n\"" >out &&
	test_grep "server-2 allowed.test:$HTTP2 /first" out &&
	sbx_sh "python3 raw-client \"POST http://allowed.test:$HTTP2/body HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 5\\r\\n\\r\\nhelloGET /smuggled2 HTTP/1.1\\r\\n\\r\\n\"" >out &&
	test_grep "server-2 allowed.test:$HTTP2 /body 5" out &&
	sbx_sh "python3 raw-client \"POST http://allowed.test:$HTTP2/chunked HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5\\r\\nhello\\r\\n0\\r\\n\\r\\nGET /smuggled3 HTTP/1.1\\r\\n\\r\\n\"" >out &&
	! grep smuggled "$TRASH/servers/requests.log" &&
	sbx_sh "python3 raw-client \"POST http://allowed.test:$HTTP2/x HTTP/1.1\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n\"" >out &&
	test_grep "^HTTP/1.1 400 " out &&
	sbx_sh "python3 raw-client \"GET / HTTP/1.1\\r\\nHost: allowed.test\\r\\n\\r\\n\"" >out &&
	test_grep "a plain request names an absolute http:// URL" out
'

test_expect_success 'the proxy serves many connections at once' '
	seq 1 40 >nums &&
	sbx_sh "xargs -P 20 -I{} curl -sS http://allowed.test:$HTTP2/many{} <nums" >out &&
	grep -c "^server-2 allowed.test:$HTTP2 /many" out >count &&
	test "$(cat count)" = 40
'

test_expect_success 'deny wins over allow' '
	net_config allowlist "\"deny\": [\"allowed.test:$HTTP2\"]" &&
	sbx_sh "curl -sS http://allowed.test:$HTTP2/denied" >out &&
	test_grep "is denied by \"allowed.test:$HTTP2\" in network.deny" out
'

test_expect_success 'open: any public name, but never loopback, private or metadata addresses' '
	net_config open &&
	sbx_sh "curl -sS --noproxy \"\" http://localhost:$LOCAL/; curl -sS http://127.0.0.2:$HTTP2/; curl -sS http://169.254.169.254/; curl -sS http://[::ffff:127.0.0.1]:$LOCAL/" >out &&
	test_grep "refused GET localhost:$LOCAL: .localhost. resolves to 127.0.0.1, a loopback address: pin the name in network.hosts to reach it" out &&
	test_grep "refused GET 127.0.0.2:$HTTP2: .127.0.0.2. is a loopback address" out &&
	test_grep "refused GET 169.254.169.254:80: .169.254.169.254. is the cloud metadata address" out &&
	test_grep "refused GET \[::ffff:127.0.0.1\]:$LOCAL: .::ffff:127.0.0.1. is a loopback address" out &&
	! grep server-local out &&
	sbx_sh "curl -sS http://other.test:$HTTP3/pinned" >out &&
	test_grep "^server-3 other.test:$HTTP3 /pinned " out &&
	sbx_sh "curl -sS http://loop.test:$LOCAL/asked" >out &&
	test_grep "^server-local loop.test:$LOCAL /asked " out
'

# reach WHAT: 0 when the host's loopback service, or its abstract socket, answers.
cat >"$PROJ/reach" <<EOF
import socket, sys
try:
    if sys.argv[1] == "loopback":
        s = socket.create_connection(("127.0.0.1", $LOCAL), timeout=5)
        s.sendall(b"GET /from-sandbox HTTP/1.0\r\n\r\n")
        sys.exit(0 if s.recv(100).startswith(b"HTTP/") else 1)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect("\0$ABSTRACT")
    sys.exit(0 if s.recv(100) == b"abstract\n" else 1)
except OSError as e:
    print(e, file=sys.stderr)
    sys.exit(1)
EOF

for mode in open allowlist none; do
	test_expect_success "$mode: the host's loopback services and abstract sockets are unreachable" "
		net_config $mode &&
		test_must_fail sbx_sh 'python3 reach loopback' &&
		test_must_fail sbx_sh 'python3 reach abstract'
	"
done

test_expect_success 'host: the shared namespace, only when asked: both are there' '
	net_config host &&
	sbx_sh "python3 reach loopback" &&
	sbx_sh "python3 reach abstract" &&
	sbx_sh "env" >out &&
	! grep -i "_proxy=" out
'

test_expect_success 'none: a loopback and no proxy' '
	net_config none &&
	sbx_sh "env" >out &&
	! grep -i "_proxy=" out &&
	test_must_fail sbx_sh "curl -sS --max-time 5 http://127.0.0.1:3128/"
'

test_expect_success 'the agent can neither take the proxy'"'"'s port, nor add addresses, nor make a namespace' '
	net_config allowlist &&
	cat >bind <<-\EOF &&
	import socket, sys
	for addr in ("127.0.0.1", "0.0.0.0"):
	    s = socket.socket()
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
	    try:
	        s.bind((addr, 3128))
	        sys.exit("bound %s:3128" % addr)
	    except OSError as e:
	        print("refused", addr, e.errno)
	EOF
	sbx_sh "python3 bind" >out &&
	test_line_count out 2 &&
	test_must_fail sbx_sh "unshare -n true" &&
	test_must_fail sbx_sh "unshare -r -n true" &&
	ip=$(command -v ip) &&
	if test -n "$ip"; then
		test_must_fail sbx_sh "$ip addr add 10.9.9.9/32 dev lo" &&
		test_must_fail sbx_sh "$ip link add sbx0 type dummy"
	fi &&
	sbx_sh "curl -sS http://allowed.test:$HTTP2/still" >out &&
	test_grep "^server-2 allowed.test:$HTTP2 /still " out
'

test_expect_success 'where bwrap is setuid: a relay inside, to the proxy on a unix socket' '
	net_config allowlist &&
	SBX_NET_RELAY=1 "$SBX" shell -- sh -c "curl -sS http://allowed.test:$HTTP2/relay; curl -sS http://other.test:$HTTP3/relay" >out &&
	test_grep "^server-2 allowed.test:$HTTP2 /relay " out &&
	test_grep "refused GET other.test:$HTTP3" out
'

test_expect_success 'network.upstream: sbx'"'"'s proxy goes through another one' '
	cat >"$TRASH/upstream.json" <<-EOF &&
	{"mode": "open", "allow": [], "deny": [], "hosts": {"allowed.test": "127.0.0.2"}}
	EOF
	"$SBX" net serve --policy "$TRASH/upstream.json" --listen 127.0.0.1:0 \
		--log "$TRASH/upstream.log" >"$TRASH/upstream.addr" &
	echo $! >"$TRASH/upstream.pid" &&
	test_wait_for "test -s \"$TRASH/upstream.addr\"" &&
	cat >"$XDG_CONFIG_HOME/sbx/config.json" <<-EOF &&
	{"notify": {"enabled": false},
	 "network": {"mode": "allowlist", "allow": ["allowed.test:$HTTP2"],
	             "upstream": "http://$(cat "$TRASH/upstream.addr")"}}
	EOF
	sbx_sh "curl -sS http://allowed.test:$HTTP2/up-plain; curl -sS -p http://allowed.test:$HTTP2/up-tunnel; curl -sS http://other.test:$HTTP3/up-refused" >out &&
	test_grep "^server-2 allowed.test:$HTTP2 /up-plain " out &&
	test_grep "^server-2 allowed.test:$HTTP2 /up-tunnel " out &&
	test_grep "refused GET other.test:$HTTP3" out &&
	test_grep " allow GET allowed.test:$HTTP2 -> 127.0.0.2" "$TRASH/upstream.log" &&
	test_grep " allow CONNECT allowed.test:$HTTP2 -> 127.0.0.2" "$TRASH/upstream.log" &&
	! grep other.test "$TRASH/upstream.log" &&
	kill "$(cat "$TRASH/upstream.pid")"
'

test_expect_success 'sbx net log -f follows a run while it lives' '
	net_config allowlist &&
	"$SBX" shell -- sh -c "echo started >\"$PROJ/started-f\"; while ! test -e \"$PROJ/go-f\"; do sleep 0.1; done; curl -sS http://allowed.test:$HTTP2/followed" >/dev/null &
	pid=$!
	test_wait_for "test -e \"$PROJ/started-f\"" || return 1
	"$SBX" net log -f >follow &
	follower=$!
	touch "$PROJ/go-f" &&
	wait $pid &&
	wait $follower &&
	test_grep " allow GET allowed.test:$HTTP2 " follow
'

if command -v node >/dev/null 2>&1; then
	test_expect_success 'Node.js below 22.21 ignores the proxy variables and fails closed' '
		net_config allowlist &&
		cat >fetch.js <<-EOF &&
		fetch("http://allowed.test:$HTTP2/node").then(
		  (r) => r.text().then((t) => { console.log(t); process.exit(0); }),
		  (e) => { console.log("failed", e.cause ? e.cause.code : e); process.exit(3); });
		EOF
		old=$(node -e "const [a, b] = process.versions.node.split(\".\").map(Number); console.log(a < 22 || (a === 22 && b < 21) ? 1 : 0)") &&
		if test "$old" = 1; then
			test_expect_code 3 sbx_sh "node fetch.js" >out &&
			test_grep "^failed" out
		else
			sbx_sh "node fetch.js" >out &&
			test_grep "^server-2 allowed.test:$HTTP2 /node " out
		fi
	'
else
	test_skip 'Node.js below 22.21 ignores the proxy variables and fails closed' \
		'node is not installed'
fi

test_done
