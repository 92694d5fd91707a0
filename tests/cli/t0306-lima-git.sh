#!/bin/sh
# A git project, a linked worktree and a submodule on the Lima backend: the
# clone mounts a private git
# directory (lib/gitdir.h) over the project's, and only objects, refs and
# logs of the host's (hooks and info read-only); never the host's git
# directory itself. The fake runs the guest on the host, so what the guest
# sees is checked in the clone's mounts.
. "$(dirname "$0")/lib-lima.sh"

# mounts: the last clone's mounts, "MOUNTPOINT <- LOCATION (rw|ro)" per line.
mounts() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a and a[0] == "clone":
        for w in a:
            if w.startswith(".mounts = "):
                last = json.loads(w[len(".mounts = "):])
for m in last:
    print("%s <- %s (%s)" % (m["mountPoint"], m["location"], "rw" if m.get("writable") else "ro"))
' "$FAKE_LIMACTL_LOG"
}

# gitfiles: the last clone's boot script that makes .git files read-only (none: empty).
gitfiles() {
	python3 -c '
import json, sys
script = ""
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a and a[0] == "clone":
        script = ""
        for w in a:
            if w.startswith(".provision += "):
                for p in json.loads(w[len(".provision += "):]):
                    if "# sbx: the project\x27s .git files" in p["script"]:
                        assert p["mode"] == "system"
                        script = p["script"]
sys.stdout.write(script)
' "$FAKE_LIMACTL_LOG"
}
# probes: the last clone's readiness probes' scripts, one a line.
probes() {
	python3 -c '
import json, sys
out = []
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a and a[0] == "clone":
        out = [json.dumps(p["script"]) for w in a if w.startswith(".probes += ")
               for p in json.loads(w[len(".probes += "):]) if p["mode"] == "readiness"]
print("\n".join(out))
' "$FAKE_LIMACTL_LOG"
}
# Runs a boot script as the guest's root would, in a mount namespace of its
# own with a /run of its own, then tries to write FILE there: "protected" or
# "writable".
boot_then_write() {
	unshare -m sh -c 'mount -t tmpfs none /run && sh "$1" >/dev/null 2>&1 &&
		test -f /run/sbx-gitfiles && { echo x >>"$2"; } 2>/dev/null && echo writable || echo protected' sh "$1" "$2"
}

git init -q proj &&
git -C proj -c user.name=t -c user.email=t@sbx.invalid commit -q --allow-empty -m first || exit 1

test_expect_success 'a checkout: the private git directory over .git, the shared parts over it' '
	cd proj &&
	"$SBX" setup 2>err &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run 2>err &&
	mounts >m &&
	g="$TRASH/proj/.git" &&
	test_grep "^$g <- $XDG_RUNTIME_DIR/sbx/sessions/sbx-proj-[0-9a-f]*-[0-9a-z]*/git (rw)\$" m &&
	test_grep "^$g/objects <- $g/objects (rw)\$" m &&
	test_grep "^$g/objects/info <- $g/objects/info (ro)\$" m &&
	test_grep "^$g/refs <- $g/refs (rw)\$" m &&
	test_grep "^$g/logs <- $g/logs (rw)\$" m &&
	test_grep "^$g/hooks <- $g/hooks (ro)\$" m &&
	! grep " <- $g (" m &&
	test_nothing_left &&
	! test -e "$XDG_RUNTIME_DIR/sbx/sessions/$(ls "$XDG_RUNTIME_DIR/sbx/sessions" 2>/dev/null | head -1)/git" &&
	gitfiles >script &&
	test_line_count script 0
'

test_expect_success 'a linked worktree: the main repository'"'"'s git directory is never mounted' '
	git -C proj worktree add -q ../wt -b side &&
	cd wt &&
	: >"$FAKE_LIMACTL_LOG" &&
	"$SBX" run 2>err &&
	mounts >m &&
	g="$TRASH/proj/.git" &&
	test_grep "^$g <- $XDG_RUNTIME_DIR/sbx/sessions/.*/git (rw)\$" m &&
	test_grep "^$g/refs <- $g/refs (rw)\$" m &&
	! grep " <- $g (" m &&
	! grep " <- $g/worktrees" m &&
	test_nothing_left
'

test_expect_success 'a linked worktree: its .git file made read-only by the boot, a probe waits for it' '
	gitfiles >"$TRASH/gitfiles.sh" &&
	test_grep "^for f in .$TRASH/wt/.git.; do\$" "$TRASH/gitfiles.sh" &&
	probes >p &&
	test_grep "test -f /run/sbx-gitfiles" p
'

if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	test_expect_success 'the boot script, run as root: the .git file cannot be written, nor moved away' '
		cp "$TRASH/wt/.git" "$TRASH/gitfile.before" &&
		test "$(boot_then_write "$TRASH/gitfiles.sh" "$TRASH/wt/.git")" = protected &&
		unshare -m sh -c '\''mount -t tmpfs none /run && sh "$1" >/dev/null 2>&1 &&
			! mv "$2" "$2.away" 2>/dev/null'\'' sh "$TRASH/gitfiles.sh" "$TRASH/wt/.git" &&
		cmp "$TRASH/gitfile.before" "$TRASH/wt/.git" &&
		sed "s/^for f in .*; do\$/for f in; do/" "$TRASH/gitfiles.sh" >"$TRASH/nothing.sh" &&
		test "$(boot_then_write "$TRASH/nothing.sh" "$TRASH/wt/.git")" = writable &&
		cp "$TRASH/gitfile.before" "$TRASH/wt/.git"
	'
else
	test_skip 'the boot script, run as root' 'needs root and unshare -m'
fi

test_expect_success 'a path with {{ is refused on Lima, in one line, before any clone' '
	git -C proj worktree add -q "../w{{x}}" -b braces &&
	(cd "w{{x}}" && : >"$FAKE_LIMACTL_LOG" &&
	 test_expect_code 125 "$SBX" run 2>../err) &&
	test_grep "cannot protect .*w{{x}}/.git. on Lima: Lima reads .{{. in a boot script as a template; rename the directory" err &&
	! grep "^\[\"clone\"" "$FAKE_LIMACTL_LOG" &&
	git -C proj worktree remove --force "../w{{x}}" &&
	test_nothing_left
'

test_expect_success 'a submodule: its own git directory, private, over the superproject'"'"'s modules/' '
	git init -q lib &&
	git -C lib -c user.name=t -c user.email=t@sbx.invalid commit -q --allow-empty -m lib &&
	git -C proj -c protocol.file.allow=always submodule add -q "$TRASH/lib" sub 2>/dev/null &&
	git -C proj -c user.name=t -c user.email=t@sbx.invalid commit -q -m sub &&
	cd proj/sub &&
	: >"$FAKE_LIMACTL_LOG" &&
	rm -f "$REC/started" &&
	"$SBX" run 2>err &&
	test -f "$REC/started" &&
	mounts >m &&
	g="$TRASH/proj/.git" &&
	test_grep "^$g/modules/sub <- $XDG_RUNTIME_DIR/sbx/sessions/.*/git (rw)\$" m &&
	test_grep "^$g/modules/sub/objects <- $g/modules/sub/objects (rw)\$" m &&
	test_grep "^$g/modules/sub/refs <- $g/modules/sub/refs (rw)\$" m &&
	! grep " <- $g (" m &&
	! grep " <- $g/modules/sub (" m &&
	test_nothing_left &&
	gitfiles >script &&
	test_grep "^for f in .$TRASH/proj/sub/.git.; do\$" script
'

test_expect_success 'a checkout, a linked worktree and a submodule: no VM started with the home mounted' '
	test_home_never_mounted
'

test_done
