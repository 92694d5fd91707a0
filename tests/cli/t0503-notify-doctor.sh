#!/bin/sh
# sbx doctor's notification lines: off, no notifier, no session bus, ready; the server.
. "$(dirname "$0")/lib.sh"

mkdir -p bin nobin
printf '#!/bin/sh\nexit 0\n' >bin/notify-send
chmod +x bin/notify-send
for p in sh sed grep; do ln -s "$(command -v $p)" nobin/$p; done

doctor() {
	"$SBX" doctor >out 2>&1
	grep "notif" out >lines
}

test_expect_success 'notify-send with a session bus is ok' '
	PATH="$TRASH/bin:$PATH" DBUS_SESSION_BUS_ADDRESS=unix:path=/nowhere doctor &&
	test_grep "^ok   notifications: through notify-send$" lines
'

test_expect_success 'notify-send without a session bus is a warning with the fix' '
	(unset DBUS_SESSION_BUS_ADDRESS; PATH="$TRASH/bin:$PATH" doctor) &&
	test_grep "^warn notifications: notify-send, but no D-Bus session bus$" lines &&
	test_grep "fix: run sbx from a desktop session" out
'

test_expect_success 'no notifier at all falls back to the terminal, with the fix' '
	PATH="$TRASH/nobin" doctor &&
	test_grep "^warn notifications: no desktop notifier" lines &&
	test_grep "fix: install notify-send" out
'

test_expect_success 'notifications turned off say so and nothing else' '
	mkdir -p "$XDG_CONFIG_HOME/sbx" &&
	echo "{\"notify\": {\"enabled\": false}}" >"$XDG_CONFIG_HOME/sbx/config.json" &&
	doctor &&
	rm "$XDG_CONFIG_HOME/sbx/config.json" &&
	test_grep "^ok   notifications: off" lines &&
	! grep "notify server" lines
'

test_expect_success 'the server line says whether one listens' '
	doctor &&
	test_grep "notify server: server not running" lines
'

test_expect_success 'sbx notify stats with no server: exit 1, naming the socket' '
	test_expect_code 1 "$SBX" notify stats 2>err &&
	test_line_count err 1 &&
	test_grep "no notification server on .*notify.sock" err
'

test_expect_success 'sbx notify stats and serve refuse bad words with exit 2' '
	test_expect_code 2 "$SBX" notify stats --wait bogus 2>err &&
	test_grep "expected COUNTER=N, found .bogus." err &&
	test_expect_code 2 "$SBX" notify stats extra 2>err &&
	test_grep "unexpected argument .extra." err &&
	test_expect_code 2 "$SBX" notify serve --ready-fd x 2>err &&
	test_grep -e "--ready-fd: .x. is no descriptor" err
'

test_done
