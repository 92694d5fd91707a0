#!/bin/sh
# The git directory, attacked from a real bwrap sandbox (docs/security.md):
# each case plays the agent writing what host git would obey, then does what
# the user does next on the host, and asserts that nothing ran there (the
# command in each planted configuration creates $PWNED) and nothing was lost.
. "$(dirname "$0")/lib-git.sh"

if ! command -v bwrap >/dev/null 2>&1; then
	test_skip 'the git directory under attack' 'bubblewrap is not installed'
	test_done
	exit 0
fi
export SBX_BACKEND=bwrap SBX_AGENT=shell
PWNED="$TRASH/pwned"
EVIL="[core]
	fsmonitor = touch $PWNED
	hooksPath = /nonexistent
[alias]
	status = !touch $PWNED"
export EVIL
make_repo repo && cd repo || exit 1
printf '%s\n' out err >>.git/info/exclude

# inside SCRIPT: runs SCRIPT in the project's sandbox (its failure is fine: the attack may be refused).
inside() {
	"$SBX" shell -- sh -c "$1" >/dev/null 2>"$TRASH/err" || true
}

# host_git_is_safe: what the user runs next on the host ran nothing planted.
host_git_is_safe() {
	git status >/dev/null 2>&1
	git log -1 >/dev/null 2>&1
	git diff >/dev/null 2>&1
	! test -e "$PWNED"
}

test_expect_success 'the repository config and hooks are out of reach' '
	inside "printf \"%s\n\" \"\$EVIL\" >>.git/config; echo \"touch $PWNED\" >.git/hooks/post-checkout; chmod +x .git/hooks/post-checkout" &&
	! grep -q fsmonitor .git/config &&
	! test -e .git/hooks/post-checkout &&
	git checkout -q -b x && git checkout -q main && git branch -q -D x &&
	host_git_is_safe
'

test_expect_success 'a commondir planted in the git directory is not the host'"'"'s' '
	inside "mkdir -p /tmp/c && cp -r .git/objects .git/refs /tmp/c/ 2>/dev/null; mkdir -p evil/objects evil/refs && printf \"%s\n\" \"\$EVIL\" >evil/config && echo \"$TRASH/repo/evil\" >.git/commondir" &&
	! test -e .git/commondir &&
	host_git_is_safe &&
	rm -rf evil
'

test_expect_success 'the git directory cannot be renamed away and replaced' '
	inside "mv .git .git.old; mkdir -p .git.new/objects .git.new/refs && echo ref: refs/heads/main >.git.new/HEAD && printf \"%s\n\" \"\$EVIL\" >.git.new/config && mv .git.new .git" &&
	test -f .git/HEAD && ! test -e .git.old &&
	host_git_is_safe &&
	rm -rf .git.new
'

test_expect_success 'a config.worktree and a worktree record planted inside are not the host'"'"'s' '
	inside "printf \"%s\n\" \"\$EVIL\" >.git/config.worktree; mkdir -p .git/worktrees/w && echo /etc >.git/worktrees/w/gitdir" &&
	! test -e .git/config.worktree && ! test -e .git/worktrees/w &&
	host_git_is_safe
'

test_expect_success 'a submodule'"'"'s git directory is out of reach too' '
	make_repo "$TRASH/lib" &&
	git submodule add -q "$TRASH/lib" lib && git commit -q -m "add lib" &&
	cp .git/modules/lib/config "$TRASH/lib-config" &&
	inside "printf \"%s\n\" \"\$EVIL\" >>.git/modules/lib/config; mkdir -p .git/modules/new && printf \"%s\n\" \"\$EVIL\" >.git/modules/new/config" &&
	cmp "$TRASH/lib-config" .git/modules/lib/config &&
	! test -e .git/modules/new &&
	host_git_is_safe
'

test_expect_success 'a submodule'"'"'s .git file cannot be pointed elsewhere, nor its directory moved' '
	inside "mkdir -p evil/objects evil/refs && echo ref: refs/heads/main >evil/HEAD && printf \"%s\n\" \"\$EVIL\" >evil/config; echo gitdir: ../evil >lib/.git; mv lib lib.old && mkdir lib && echo gitdir: ../evil >lib/.git" &&
	grep -x "gitdir: ../.git/modules/lib" lib/.git &&
	! test -e lib.old &&
	host_git_is_safe &&
	rm -rf evil
'

test_expect_success 'a gitlink whose .git the sandbox made is left out of the host index' '
	inside "mkdir -p evil/objects evil/refs && echo ref: refs/heads/main >evil/HEAD && printf \"%s\n\" \"\$EVIL\" >evil/config && mkdir sub && echo gitdir: ../evil >sub/.git && git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),sub" &&
	grep "left submodule .sub. out of the index" "$TRASH/err" &&
	! git ls-files --stage | grep -q " sub\$" &&
	host_git_is_safe &&
	rm -rf evil sub
'

test_expect_success 'a HEAD that names no branch or commit is not copied to the host' '
	for head in "ref: refs/heads/../config" "ref: refs/remotes/origin/main" "../../etc/passwd" "ref: refs/heads/main
[core]"; do
		inside "printf \"%s\n\" \"$head\" >.git/HEAD" &&
		grep "left HEAD of .* as it is" "$TRASH/err" &&
		test "$(git symbolic-ref HEAD)" = refs/heads/main || return 1
	done
'

test_expect_success 'an index that is a link, a FIFO or garbage leaves the host index alone, without hanging' '
	cp .git/index "$TRASH/index-before" &&
	for attack in "ln -sf /dev/zero .git/index" "rm .git/index && mkfifo .git/index" \
		      "head -c 100 /dev/urandom >.git/index" "ln -sf $TRASH/repo/.git/config .git/index"; do
		timeout 20 "$SBX" shell -- sh -c "$attack" >/dev/null 2>"$TRASH/err"
		test $? -ne 124 &&
		cmp "$TRASH/index-before" .git/index || return 1
	done
'

# An index made by hand (git refuses to write these): entries that host git
# would act on. Version 2, SHA-1 trailer.
craft_index() {
	python3 - "$@" <<-'PY'
	import hashlib, struct, sys
	out, blob, dotgit = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3] == "yes"
	entries = [("ok", 0o100644, 0), ("hidden", 0o100644, 0x8000)]  # assume-valid
	if dotgit:
	    entries.append((".git/hooks/post-checkout", 0o100755, 0))
	data = b"DIRC" + struct.pack(">II", 2, len(entries))
	for path, mode, flags in sorted(entries):
	    p = path.encode()
	    e = struct.pack(">10I", 0, 0, 0, 0, 0, 0, mode, 0, 0, 0) + blob
	    e += struct.pack(">H", flags | min(len(p), 0xfff)) + p
	    e += b"\0" * (8 - (len(e) % 8))
	    data += e
	open(out, "wb").write(data + hashlib.sha1(data).digest())
	PY
}

test_expect_success 'an index with a .git path is refused whole' '
	blob=$(echo "touch $PWNED" | git hash-object -w --stdin) &&
	craft_index "$TRASH/evil-index" "$blob" yes &&
	cp .git/index "$TRASH/index-before" &&
	cp "$TRASH/evil-index" evil-index &&
	inside "cp evil-index .git/index" &&
	rm evil-index &&
	grep "left the index of .* as it is" "$TRASH/err" &&
	cmp "$TRASH/index-before" .git/index &&
	git checkout -q -b y && git checkout -q main && git branch -q -D y &&
	host_git_is_safe
'

test_expect_success 'flags set inside (assume-valid) do not reach the host index' '
	blob=$(echo text | git hash-object -w --stdin) &&
	craft_index "$TRASH/evil-index" "$blob" no &&
	cp "$TRASH/evil-index" evil-index &&
	inside "cp evil-index .git/index" &&
	rm evil-index &&
	git ls-files -v >out &&
	grep "^H hidden\$" out &&
	git reset -q --hard
'

test_expect_success 'gc, pack-refs and branch deletion inside lose no commit of the host or the agent' '
	git branch keep-host &&
	git pack-refs --all &&
	git branch loose-host &&
	host_tip=$(git rev-parse main) &&
	inside "git -c user.name=a -c user.email=a@sbx.invalid commit -q --allow-empty -m agent && git branch agent-branch && git gc -q; git pack-refs --all --prune; git branch -D keep-host; git branch -D loose-host" &&
	git rev-parse --verify -q keep-host >/dev/null &&
	git rev-parse --verify -q agent-branch >/dev/null &&
	git merge-base --is-ancestor "$host_tip" main &&
	test "$(git log -1 --format=%s main)" = agent &&
	git fsck -q 2>&1 | { ! grep -i "missing\|broken"; }
'

test_expect_success 'from a linked worktree, a sibling'"'"'s records and the main config are out of reach' '
	git worktree add -q ../wt-a -b a &&
	git worktree add -q ../wt-b -b b &&
	cp .git/worktrees/wt-a/commondir "$TRASH/commondir-before" &&
	(cd ../wt-b && inside "echo $TRASH/evil >\"$TRASH/repo/.git/worktrees/wt-a/commondir\"; printf \"%s\n\" \"\$EVIL\" >>\"$TRASH/repo/.git/config\"; echo gitdir: $TRASH/evil >.git") &&
	cmp "$TRASH/commondir-before" .git/worktrees/wt-a/commondir &&
	! grep -q fsmonitor .git/config &&
	grep -x "gitdir: $TRASH/repo/.git/worktrees/wt-b" ../wt-b/.git &&
	(cd ../wt-a && host_git_is_safe) &&
	(cd ../wt-b && host_git_is_safe)
'

test_done
