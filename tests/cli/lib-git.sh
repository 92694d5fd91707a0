# shellcheck shell=sh
# Shared by the git tests (t06NN-*.sh): real repositories made with the git
# CLI, and a fake bwrap that records the sandbox it was asked for.
. "$(dirname "$0")/lib.sh"

# The git CLI of the tests: no user or system configuration but this one.
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_DATE='2005-04-07T22:13:13 +0000'
export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"
unset GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR GIT_INDEX_FILE
git config --global user.name "Sbx Test"
git config --global user.email "test@sbx.invalid"
git config --global init.defaultBranch main
git config --global protocol.file.allow always
git config --global advice.detachedHead false

# make_repo DIR: a repository with one commit, whose identity is in its own
# .git/config so that commits also work in a sandbox (whose home is empty).
make_repo() {
	git init -q "$1" &&
	git -C "$1" config user.name "Sbx Test" &&
	git -C "$1" config user.email "test@sbx.invalid" &&
	echo "$1" >"$1/README" &&
	git -C "$1" add README &&
	git -C "$1" commit -q -m "first in $1"
}

# commit_file DIR FILE [TEXT]: adds FILE with TEXT and commits it.
commit_file() {
	echo "${3:-$2}" >"$1/$2" &&
	git -C "$1" add "$2" &&
	git -C "$1" commit -q -m "add $2"
}

# The fake bwrap: answers --version, records its arguments one per line in
# $BWRAP_ARGV and runs nothing.
BWRAP_ARGV="$TRASH/bwrap-argv"
FAKE_BWRAP="$TRASH/fake-bwrap/bwrap"
export BWRAP_ARGV FAKE_BWRAP
mkdir -p "$TRASH/fake-bwrap"
{
	echo '#!/bin/sh'
	echo 'if [ "$1" = --version ]; then echo "bubblewrap 0.8.0"; exit 0; fi'
	printf '%s\n' "printf '%s\\n' \"\$@\" >'$BWRAP_ARGV'"
} >"$FAKE_BWRAP"
chmod +x "$FAKE_BWRAP"

# binds: the mounts the fake bwrap was given, "--bind HOST SANDBOX" per line
# ("--bind-fd SANDBOX SANDBOX" for one by descriptor: the private git directory's).
binds() {
	awk '{ a[NR] = $0 }
	     END { for (i = 1; i <= NR; i++)
		     if (a[i] == "--bind" || a[i] == "--ro-bind") { print a[i], a[i + 1], a[i + 2]; i += 2 }
		     else if (a[i] == "--bind-fd" || a[i] == "--ro-bind-fd") { print a[i], a[i + 2], a[i + 2]; i += 2 } }' \
		"$BWRAP_ARGV"
}

# fake_shell: `sbx shell -- true` on the bwrap backend with the fake bwrap.
fake_shell() {
	SBX_BACKEND=bwrap SBX_AGENT=shell SBX_BWRAP="$FAKE_BWRAP" "$SBX" shell -- true
}
