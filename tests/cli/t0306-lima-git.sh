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
	! test -e "$XDG_RUNTIME_DIR/sbx/sessions/$(ls "$XDG_RUNTIME_DIR/sbx/sessions" 2>/dev/null | head -1)/git"
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
	test_nothing_left
'

test_expect_success 'a checkout, a linked worktree and a submodule: no VM started with the home mounted' '
	test_home_never_mounted
'

test_done
