#!/bin/sh
# sbx hook and sbx notify serve, for real: a private session bus with
# python3-dbusmock's notification daemon records what notify-send shows.
. "$(dirname "$0")/lib-notify.sh"

if missing=$(notify_deps); then :; else
	test_skip 'notifications' "$missing is not installed"
	test_done
	exit 0
fi

export SBX_PROJECT=/home/u/my-app SBX_SANDBOX=sbx-my-app-1a2b3c-k3x9q SBX_AGENT=claude

start_mock >"$TRASH/setup.out" 2>&1 && start_server >>"$TRASH/setup.out" 2>&1
test_expect_success 'setup: a session bus with the notification daemon, and the server' '
	cat "$TRASH/setup.out" &&
	kill -0 "$MOCK_PID" && kill -0 "$SERVER_PID"
'

test_expect_success 'the socket is 0600 in a 0700 directory, and the server says where it listens' '
	test -S "$NOTIFY_SOCK" &&
	test "$(stat -c %a "$NOTIFY_SOCK")" = 600 &&
	test "$(stat -c %a "$XDG_RUNTIME_DIR/sbx")" = 700 &&
	test_grep "listening on $NOTIFY_SOCK (notifier: notify-send)" "$NOTIFY_LOG"
'

test_expect_success 'a second server is refused while one lives, and the first keeps its socket' '
	test_expect_code 1 "$SBX" notify serve 2>err &&
	test_line_count err 1 &&
	test_grep "^sbx notify: a notification server is already running (pid $SERVER_PID)" err &&
	test -S "$NOTIFY_SOCK" &&
	stats_wait
'

test_expect_success 'Claude Notification: one Notify with the project and the message' '
	claude_event Notification "\"message\":\"Claude needs your permission to use Bash\",\"notification_type\":\"permission_prompt\"" |
		"$SBX" hook --agent claude &&
	stats_wait received=1 &&
	test "$(notify_count)" = 1 &&
	test_grep -F "Notify \"sbx\" 0 \"\" \"my-app: Claude is waiting\" \"Claude needs your permission to use Bash\"" "$MOCK_LOG" &&
	test_grep -F "\"x-canonical-private-synchronous\": \"sbx:sbx-my-app-1a2b3c-k3x9q\"" "$MOCK_LOG"
'

test_expect_success 'Claude Stop replaces the session'"'"'s notification, with the last message' '
	claude_event Stop "\"stop_hook_active\":false,\"last_assistant_message\":\"All 42 tests pass.\"" |
		"$SBX" hook --agent claude &&
	stats_wait received=2 &&
	test "$(notify_count)" = 2 &&
	tail -n 1 "$MOCK_LOG" >last &&
	test_grep -F "\"my-app: Claude finished\" \"All 42 tests pass.\"" last &&
	! grep -F "Notify \"sbx\" 0 " last &&
	test_grep "Notify \"sbx\" [1-9][0-9]* " last
'

test_expect_success 'a Stop without a last message says finished' '
	claude_event Stop "\"stop_hook_active\":true" | "$SBX" hook --agent claude &&
	stats_wait received=3 &&
	test "$(notify_count)" = 3 &&
	tail -n 1 "$MOCK_LOG" | test_grep -F "\"my-app: Claude finished\" \"finished\""
'

test_expect_success 'events not chosen (SubagentStop, PreToolUse) show nothing' '
	claude_event SubagentStop "\"stop_hook_active\":false" | "$SBX" hook --agent claude &&
	claude_event PreToolUse "\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\"},\"tool_use_id\":\"t1\"" |
		"$SBX" hook --agent claude &&
	stats_wait received=5 filtered=2 &&
	test "$(notify_count)" = 3
'

test_expect_success 'a Codex payload in the last argument: one Notify' '
	SBX_SANDBOX=sbx-codex-1 "$SBX" hook --agent codex \
		"{\"type\":\"agent-turn-complete\",\"thread-id\":\"th\",\"turn-id\":\"1\",\"cwd\":\"/p\",\"input-messages\":[\"fix it\"],\"last-assistant-message\":\"Fixed the parser.\"}" &&
	stats_wait received=6 &&
	test "$(notify_count)" = 4 &&
	tail -n 1 "$MOCK_LOG" | test_grep -F "Notify \"sbx\" 0 \"\" \"my-app: Codex finished\" \"Fixed the parser.\""
'

test_expect_success 'a burst of identical events gives one notification, the rest coalesced' '
	before=$(notify_count) &&
	for i in 1 2 3 4 5; do
		claude_event Notification "\"message\":\"burst\"" |
			SBX_SANDBOX=sbx-burst "$SBX" hook --agent claude || return 1
	done &&
	stats_wait received=11 &&
	test "$(notify_count)" = $((before + 1)) &&
	test "$(stat_of coalesced)" -ge 4
'

test_expect_success 'text that is not JSON is a notification of its own' '
	printf "plain words\n" | SBX_SANDBOX=sbx-text "$SBX" hook &&
	stats_wait received=12 &&
	tail -n 1 "$MOCK_LOG" | test_grep -F "\"my-app: Claude is waiting\" \"plain words\""
'

test_expect_success 'sbx hook exits 0 on flags it does not know' '
	claude_event Notification "\"message\":\"flags\"" |
		SBX_SANDBOX=sbx-flags "$SBX" hook --bogus -x --agent claude --agent=claude &&
	stats_wait received=13 &&
	tail -n 1 "$MOCK_LOG" | test_grep -F "\"flags\""
'

test_expect_success 'malformed JSON, lines at and over the limit, 10 MiB, a silent client: the server keeps serving' '
	/usr/bin/python3 - "$NOTIFY_SOCK" <<-\EOF &&
	import socket, sys
	def client():
	    s = socket.socket(socket.AF_UNIX)
	    s.connect(sys.argv[1])
	    return s
	silent = client()
	s = client()
	s.sendall(b"{not json\n[1,2]\n{\"v\":2,\"event\":{}}\n\n")
	s.sendall(b"{\"v\":1,\"event\":\"" + b"x" * (10 * 1024 * 1024) + b"\"}\n")
	# At the limit of 65536 bytes with the newline, and one byte over it.
	for size in (65536, 65537):
	    head = b"{\"v\":1,\"sandbox\":\"sbx-limit\",\"event\":{\"message\":\"limit %d " % size
	    s.sendall(head + b"y" * (size - len(head) - 4) + b"\"}}\n")
	s.sendall(b"{\"v\":1,\"project\":\"/p/after\",\"sandbox\":\"sbx-after\",\"agent\":\"claude\",\"time\":1,\"event\":{\"hook_event_name\":\"Notification\",\"message\":\"still here\"}}\n")
	s.close()
	silent.close()
	EOF
	stats_wait received=15 malformed=3 oversized=2 &&
	test_grep -F "limit 65536 yyy" "$MOCK_LOG" &&
	! grep -F "limit 65537" "$MOCK_LOG" &&
	test_grep -F "\"after: Claude is waiting\" \"still here\"" "$MOCK_LOG" &&
	test_grep "skipped a malformed line (not JSON" "$NOTIFY_LOG" &&
	test_grep "skipped a line longer than 65536 bytes" "$NOTIFY_LOG"
'

test_expect_success 'a huge event on stdin is cut down to what a notification needs' '
	/usr/bin/python3 -c "
import json, sys
ev = {\"session_id\": \"s\", \"hook_event_name\": \"Stop\", \"stop_hook_active\": False,
      \"last_assistant_message\": \"big \" + \"y\" * (3 * 1024 * 1024)}
sys.stdout.write(json.dumps(ev))" >huge.json &&
	# From a file: the hook reads for 250 ms at most, and a pipe from a slow python may not fill in time.
	SBX_SANDBOX=sbx-huge "$SBX" hook --agent claude <huge.json &&
	stats_wait received=16 &&
	test "$(stat_of oversized)" = 2 &&
	tail -n 1 "$MOCK_LOG" | test_grep -F "\"my-app: Claude finished\" \"big yyyy"
'

test_expect_success 'a client of another uid is refused, and the server keeps serving' '
	if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
		echo "# skipped: needs root and setpriv" && exit 0
	fi &&
	chmod 755 "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR/sbx" "$TRASH" &&
	chmod 666 "$NOTIFY_SOCK" &&
	claude_event Notification "\"message\":\"from nobody\"" >"$TRASH/nobody.json" &&
	chmod 644 "$TRASH/nobody.json" &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env SBX_NOTIFY_SOCKET="$NOTIFY_SOCK" HOME=/ "$SBX" hook --agent claude <"$TRASH/nobody.json" &&
	chmod 700 "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR/sbx" "$TRASH" &&
	chmod 600 "$NOTIFY_SOCK" &&
	stats_wait rejected=1 &&
	test "$(stat_of received)" = 16 &&
	! grep -F "from nobody" "$MOCK_LOG" &&
	test_grep "refused a client of uid 65534" "$NOTIFY_LOG"
'

test_expect_success '8 clients at once, 10000 events: every one delivered or coalesced' '
	received=$(stats_wait && stat_of received) &&
	/usr/bin/python3 - "$NOTIFY_SOCK" <<-\EOF &&
	import json, random, socket, sys, threading
	def client(n):
	    s = socket.socket(socket.AF_UNIX)
	    s.connect(sys.argv[1])
	    data = b"".join(json.dumps({"v": 1, "project": "/p/load", "sandbox": "sbx-load-%d" % n,
	        "agent": "claude", "time": 1, "event": {"hook_event_name": "Notification",
	        "message": "event %d of client %d" % (i, n)}}).encode() + b"\n" for i in range(1250))
	    rnd = random.Random(n)
	    while data:
	        k = rnd.randint(1, 3000)   # lines split across writes at random places
	        s.sendall(data[:k])
	        data = data[k:]
	    s.close()
	threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
	for t in threads: t.start()
	for t in threads: t.join()
	EOF
	stats_wait received=$((received + 10000)) &&
	delivered=$(stat_of delivered) coalesced=$(stat_of coalesced) filtered=$(stat_of filtered) &&
	echo "delivered $delivered, coalesced $coalesced, filtered $filtered" &&
	test $((delivered + coalesced + filtered)) = $((received + 10000)) &&
	test "$(stat_of failed)" = 0 &&
	test "$(stat_of pending)" = 0
'

test_expect_success '8 sbx hook processes at once: all accounted for' '
	received=$(stats_wait && stat_of received) &&
	claude_event Notification "\"message\":\"concurrent\"" >ev.json &&
	for c in 1 2 3 4 5 6 7 8; do
		(for i in 1 2 3 4 5 6 7 8 9 10; do
			SBX_SANDBOX=sbx-par-$c "$SBX" hook --agent claude <ev.json || exit 1
		done) &
	done &&
	wait &&
	stats_wait received=$((received + 80))
'

test_expect_success 'sbx notify send: terminal-notifier flags, shown by notify-send' '
	before=$(notify_count) &&
	"$SBX" notify send -title "Build" -subtitle "main" -message "done in 3s" -group ci -sound Glass &&
	test "$(notify_count)" = $((before + 1)) &&
	tail -n 2 "$MOCK_LOG" >last &&
	test_grep -F "Notify \"sbx\" 0 \"\" \"Build\" \"main" last &&
	test_grep -F "done in 3s\" []" last &&
	test_grep -F "\"sound-name\": \"Glass\"" last &&
	"$SBX" notify send --title Build --message "again" -group ci &&
	tail -n 1 "$MOCK_LOG" >last &&
	test_grep "Notify \"sbx\" [1-9][0-9]* \"\" \"Build\" \"again\"" last &&
	echo "from stdin" | "$SBX" notify send -title Piped &&
	tail -n 1 "$MOCK_LOG" | test_grep -F "\"Piped\" \"from stdin\""
'

test_expect_success 'sbx notify send: a bad flag exits 2 naming it' '
	test_expect_code 2 "$SBX" notify send -title T -mesage M 2>err &&
	test_line_count err 1 &&
	test_grep "unknown flag .-mesage." err &&
	test_expect_code 2 "$SBX" notify send -title 2>err &&
	test_grep "flag .-title. needs a value" err &&
	test_expect_code 2 "$SBX" notify send -title T </dev/null 2>err &&
	test_grep -e "-message. is required" err &&
	test_expect_code 2 "$SBX" notify bogus 2>err &&
	test_grep "unknown subcommand .bogus." err
'

test_expect_success 'SIGUSR1 logs the counters' '
	kill -USR1 "$SERVER_PID" &&
	stats_wait &&
	test_grep "stats {\"received\":" "$NOTIFY_LOG"
'

stop_server
test_expect_success 'the server stops on SIGTERM, exits 0 and removes its socket' '
	test "$SERVER_EXIT" = 0 &&
	! test -e "$NOTIFY_SOCK"
'

# It waits a second for a server that may be restarting (and a quarter for stdin).
test_expect_success 'sbx hook without a server exits 0 within 2 s' '
	start=$(date +%s%N) &&
	claude_event Stop "\"stop_hook_active\":false" | "$SBX" hook --agent claude 2>err &&
	end=$(date +%s%N) &&
	echo "$(( (end - start) / 1000000 )) ms" &&
	test $(( (end - start) / 1000000 )) -lt 2000 &&
	test_grep "cannot send the event" err
'

test_expect_success 'sbx hook whose stdin never ends exits 0 within 2 s' '
	{ sleep 3; } | {
		start=$(date +%s%N)
		"$SBX" hook --agent claude 2>/dev/null
		code=$?
		end=$(date +%s%N)
		echo "$code $(( (end - start) / 1000000 ))" >elapsed
	} &&
	read -r code ms <elapsed &&
	echo "exit $code, $ms ms" &&
	test "$code" = 0 && test "$ms" -lt 2000
'

start_server && stop_server KILL && test -S "$NOTIFY_SOCK" && start_server
test_expect_success 'a stale socket left by a killed server is replaced' '
	kill -0 "$SERVER_PID" &&
	test_grep "replaced a stale socket" "$NOTIFY_LOG" &&
	claude_event Notification "\"message\":\"after restart\"" | "$SBX" hook --agent claude &&
	stats_wait received=1 &&
	tail -n 1 "$MOCK_LOG" | test_grep -F "\"after restart\""
'

stop_server
test_expect_success 'a file that is not a socket is never removed' '
	echo keep >"$NOTIFY_SOCK" &&
	test_expect_code 1 "$SBX" notify serve 2>err &&
	test_grep "exists and is not a socket" err &&
	test "$(cat "$NOTIFY_SOCK")" = keep &&
	rm "$NOTIFY_SOCK"
'

mkdir -p "$XDG_CONFIG_HOME/sbx"
echo '{"notify": {"events": ["SubagentStop", "PreToolUse"], "sound": "Ping"}}' \
	>"$XDG_CONFIG_HOME/sbx/config.json"
start_server
test_expect_success 'notify.events chooses the events, and notify.sound the sound' '
	before=$(notify_count) &&
	claude_event Notification "\"message\":\"not chosen now\"" | "$SBX" hook &&
	claude_event SubagentStop "\"stop_hook_active\":false,\"last_assistant_message\":\"sub done\"" |
		SBX_SANDBOX=sbx-sub "$SBX" hook &&
	claude_event PreToolUse "\"tool_name\":\"Edit\"" | SBX_SANDBOX=sbx-pre "$SBX" hook &&
	stats_wait received=3 &&
	test "$(notify_count)" = $((before + 2)) &&
	test_grep -F "\"my-app: Claude'"'"'s subagent finished\" \"sub done\"" "$MOCK_LOG" &&
	test_grep -F "\"my-app: Claude: PreToolUse\" \"Edit\"" "$MOCK_LOG" &&
	test_grep -F "\"sound-name\": \"Ping\"" "$MOCK_LOG" &&
	! grep -F "not chosen now" "$MOCK_LOG"
'

stop_server
echo '{"notify": {"enabled": false}}' >"$XDG_CONFIG_HOME/sbx/config.json"
start_server
test_expect_success 'notify.enabled false: nothing is shown' '
	before=$(notify_count) &&
	claude_event Notification "\"message\":\"off\"" | "$SBX" hook &&
	stats_wait received=1 filtered=1 &&
	test "$(notify_count)" = "$before"
'
stop_server
test_expect_success 'the server exits 0 at the end' '
	test "$SERVER_EXIT" = 0
'

rm "$XDG_CONFIG_HOME/sbx/config.json"
export SBX_NOTIFY_IDLE_EXIT_MS=300
start_server
rm "$NOTIFY_SOCK"
{ wait "$SERVER_PID"; } 2>/dev/null
SERVER_EXIT=$? SERVER_PID=
test_expect_success 'a server whose socket was removed ends when idle' '
	test "$SERVER_EXIT" = 0 &&
	test_grep "the socket is gone: stopping" "$NOTIFY_LOG"
'

start_server
{ wait "$SERVER_PID"; } 2>/dev/null
SERVER_EXIT=$? SERVER_PID=
unset SBX_NOTIFY_IDLE_EXIT_MS
test_expect_success 'a server no session needs ends when idle, and removes its socket' '
	test "$SERVER_EXIT" = 0 &&
	test_grep "no client for 0 s and no session: stopping" "$NOTIFY_LOG" &&
	! test -e "$NOTIFY_SOCK"
'

test_done
