#!/bin/sh
# The gpg plugin end to end on bwrap, with a real gpg-agent and a throwaway
# key: signing inside the sandbox (gpg --sign, git commit -S) through the
# host's agent, verified outside; the private key never enters the sandbox.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-plugins.sh
. "$TESTS_DIR/lib-plugins.sh"

if ! have_bwrap || ! command -v gpg-agent >/dev/null 2>&1; then
	test_skip 'the gpg plugin on bwrap' 'bubblewrap or gnupg is not installed'
	test_done
	exit 0
fi

export SBX_BACKEND=bwrap SBX_AGENT=shell GNUPGHOME="$TRASH/gnupg"
stop_agent() {
	gpgconf --kill gpg-agent 2>/dev/null
	return 0
}
test_cleanup_hook=stop_agent
mkdir -p proj capture "$GNUPGHOME"
chmod 700 "$GNUPGHOME"
{
	echo '#!/bin/sh'
	printf '%s\n' "printf '%s\\n' \"\$@\" >'$TRASH/capture/argv'"
	echo 'exec bwrap "$@"'
} >capture/bwrap
chmod +x capture/bwrap
cd proj || exit 1
git init -q
git config user.name "Sandbox Test"
git config user.email sandbox@example.com

test_expect_success 'a throwaway key without a passphrase, on the host' '
	cat >keyparams <<-\EOF &&
	%no-protection
	Key-Type: EDDSA
	Key-Curve: ed25519
	Key-Usage: sign
	Name-Real: Sandbox Test
	Name-Email: sandbox@example.com
	Expire-Date: 0
	%commit
	EOF
	gpg --batch --quiet --gen-key keyparams 2>err &&
	rm keyparams &&
	gpg --batch --list-secret-keys --with-colons >keys &&
	test_grep "^sec:" keys
'

test_expect_success 'sbx setup --gpg' '
	"$SBX" setup --gpg 2>err &&
	test_grep "building template" err
'

test_expect_success 'the agent'"'"'s extra socket is bound into the sandbox' '
	SBX_BWRAP="$TRASH/capture/bwrap" "$SBX" shell -- sh -c "echo \$HOME" >home &&
	sock=$(gpgconf --list-dirs agent-extra-socket) &&
	grep -A2 -x -e "--bind" "$TRASH/capture/argv" >rw &&
	grep -A1 -x -F "$sock" rw | test_grep -x "$(cat home)/.sbx/gpg-agent.sock" -
'

test_expect_success 'gpg --sign inside, verified outside' '
	echo "signed in the sandbox" >msg &&
	"$SBX" shell -- gpg --batch --yes --local-user sandbox@example.com --output msg.sig \
		--detach-sign msg &&
	gpg --batch --verify msg.sig msg 2>out &&
	test_grep "Good signature from \"Sandbox Test <sandbox@example.com>\"" out
'

test_expect_success 'git commit -S inside, verified outside' '
	echo content >file &&
	git add file &&
	"$SBX" shell -- git -c user.signingkey=sandbox@example.com commit -q -S -m "signed inside" &&
	git verify-commit HEAD 2>out &&
	test_grep "Good signature from \"Sandbox Test <sandbox@example.com>\"" out &&
	test "$(git log -1 --format=%G?)" = G
'

test_expect_success 'the private key stays on the host; the public one is known, and trusted' '
	"$SBX" shell -- sh -c "ls -A ~/.gnupg; find ~ /run/sbx -name \"*.key\" 2>/dev/null; gpg --batch --list-keys --with-colons" >out &&
	! grep private-keys out &&
	! grep "\.key$" out &&
	test_grep "^uid:u:.*Sandbox Test <sandbox@example.com>" out
'

test_expect_success 'a stopped host agent is started for the session' '
	gpgconf --kill gpg-agent &&
	"$SBX" shell -- gpg --batch --yes --local-user sandbox@example.com --output msg2.sig \
		--detach-sign msg &&
	gpg --batch --verify msg2.sig msg
'

test_expect_success 'its session script parses and passes shellcheck' '
	"$SBX" shell -- cat /run/sbx/plugins/gpg/session-0.sh >session.sh &&
	test_grep "^SBX_PLUGIN_DIR=./run/sbx/plugins/gpg.$" session.sh &&
	sh -n session.sh &&
	if command -v shellcheck >/dev/null 2>&1; then
		shellcheck -s sh session.sh
	fi
'

test_expect_success 'sbx doctor names the socket' '
	"$SBX" doctor >out || true &&
	test_grep "^ok   plugin gpg: $(gpgconf --list-dirs agent-extra-socket)$" out
'

test_expect_success 'a fresh keyring (no trust database yet) does not stop the session' '
	fresh="$TRASH/fresh-gnupg" &&
	mkdir -m 700 "$fresh" &&
	GNUPGHOME="$fresh" gpgconf --launch gpg-agent &&
	test_must_fail test -e "$fresh/trustdb.gpg" &&
	GNUPGHOME="$fresh" "$SBX" shell -- sh -c "echo in-sandbox" >out 2>err;
	code=$?;
	GNUPGHOME="$fresh" gpgconf --kill gpg-agent;
	test $code = 0 &&
	test_grep "^in-sandbox$" out &&
	! grep "cannot run" err
'

test_expect_success 'no extra socket on the host: a clear error before anything starts' '
	mkdir -p "$TRASH/fakebin" &&
	printf "#!/bin/sh\ncase \$* in *agent-extra-socket*) echo %s/nowhere/S.gpg-agent.extra ;; esac\n" \
		"$TRASH" >"$TRASH/fakebin/gpgconf" &&
	chmod +x "$TRASH/fakebin/gpgconf" &&
	PATH="$TRASH/fakebin:$PATH" test_expect_code 125 "$SBX" shell -- touch ran 2>err &&
	test_grep "^sbx shell: plugin gpg: the host.s gpg-agent has no extra socket at .$TRASH/nowhere/S.gpg-agent.extra.: start it" err &&
	! test -e ran
'

test_done
