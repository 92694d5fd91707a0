# shellcheck shell=sh
# Shared by the hostile-sandbox tests (t09NN-hostile-*.sh): a real sandbox
# plays the attacker, then the user does what they do on the host, which
# must neither block nor grow without bound.

# bounded CMD...: runs CMD with 60 s at most and, unless sbx is built with
# AddressSanitizer (which reserves terabytes of address space), 1 GiB of
# address space: a host sbx that reads /dev/zero or a 20 GB file dies of it
# instead of taking the machine down. A timeout is reported and returns 200,
# which test_must_fail counts as a crash, never as the expected failure.
# "$TRASH/bounded" CMD... does the same where no function is (a terminal);
# --foreground keeps CMD in the terminal's foreground process group, where
# sbx relays the terminal to tmux (read from the background, it gets EIO).
cat >"$TRASH/bounded" <<'EOF'
#!/bin/sh
ldd "$SBX" 2>/dev/null | grep -q libasan || ulimit -v 1048576
timeout --foreground -k 5 60 "$@"
code=$?
if [ $code -eq 124 ] || [ $code -eq 137 ]; then
	echo "bounded: '$*' did not end within 60 s" >&2
	exit 200
fi
exit $code
EOF
chmod +x "$TRASH/bounded"
bounded() {
	"$TRASH/bounded" "$@"
}

# The sessions left in the runtime directory (none, after every test).
sessions_left() {
	ls -A "$XDG_RUNTIME_DIR/sbx/sessions" 2>/dev/null
}
