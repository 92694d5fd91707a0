#!/usr/bin/env bash
# Project detection in a big repository: 100,000 files in one commit (an
# index of 100,000 entries in the main checkout and in each of 20 linked
# worktrees), timed in the same run against
# `git rev-parse --show-toplevel --git-common-dir` as a subprocess.
#
# sbx's detection is timed inside a process by bench/project-detect.c, built
# here against the build's libsbx.a with the git module loaded by dlopen as
# sbx does: the first call in a fresh process (what every sbx command pays),
# once as sbx does it (the repository's files, libgit2 only when unsure; see
# lib/gitlayout.h) and once always through libgit2. Whole processes are
# timed too: `sbx config show` (detection and configuration) against the
# same git rev-parse and against `sbx help config` (no detection).
# The working files are not written: neither sbx nor git rev-parse reads
# them. Target: detection under 2 ms and faster than the subprocess.
. "$(dirname "$0")/lib.sh"
N=${N:-200}
BUILD_DIR=$(cd "$(dirname "$SBX")" && pwd)
FILES=${FILES:-100000}
WORKTREES=${WORKTREES:-20}

export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@sbx.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@sbx.invalid

helper="$WORK/project-detect"
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
${CC:-cc} -std=c17 -O2 -D_GNU_SOURCE -iquote "$SRC_DIR/lib" $(pkg-config --cflags libcjson) \
	-o "$helper" "$BENCH_DIR/project-detect.c" \
	-Wl,--whole-archive "$BUILD_DIR/libsbx.a" -Wl,--no-whole-archive \
	$(pkg-config --libs libcjson) -ldl -rdynamic
export SBX_GIT_MODULE="$BUILD_DIR/sbx-git.so"

# The repository: one commit of $FILES paths over four blobs, by fast-import.
start=$EPOCHREALTIME
git init -q -b main "$WORK/big"
cd "$WORK/big"
awk -v n="$FILES" 'BEGIN {
	for (b = 1; b <= 4; b++) printf "blob\nmark :%d\ndata %d\nblob %d\n\n", b, length("blob " b) + 1, b
	printf "commit refs/heads/main\ncommitter bench <bench@sbx.invalid> 1700000000 +0000\ndata 5\nbig\n\n"
	for (i = 0; i < n; i++)
		printf "M 100644 :%d src/d%03d/s%02d/file%06d.c\n", i % 4 + 1, i / 1000, (i / 100) % 10, i
	printf "\n"
}' | git fast-import --quiet
git read-tree main
for ((i = 1; i <= WORKTREES; i++)); do
	git worktree add -q --no-checkout -b "wt$i" "$WORK/big.worktrees/wt$i" main
	git -C "$WORK/big.worktrees/wt$i" read-tree HEAD
done
mkdir -p "$WORK/big/src/d042/s03" "$WORK/big.worktrees/wt7/src/d099/s09"
entries=$(git ls-files | wc -l)
made=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }')
echo "repository: $entries files in the index, $WORKTREES worktrees, made in ${made} s ($(git --version))"

# median of the first column of helper runs (fresh processes).
helper_runs() { # dir mode runs
	local dir=$1 mode=$2 runs=$3
	(cd "$dir" && for ((r = 0; r < runs; r++)); do "$helper" "$mode" 20 2>/dev/null; done)
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

printf '\n%-26s %12s %12s %14s %12s\n' "in-process, first call" "sbx (files)" "via libgit2" "git rev-parse" "sbx/git"
for where in big big/src/d042/s03 big.worktrees/wt1 big.worktrees/wt7/src/d099/s09; do
	dir="$WORK/$where"
	(cd "$dir" && "$helper" files 1 >/dev/null 2>"$WORK/detected") || exit 1
	helper_runs "$dir" files "$((N / 4))" >"$WORK/files"
	helper_runs "$dir" libgit2 "$((N / 4))" >"$WORK/libgit2"
	fast=$(cut -d' ' -f1 <"$WORK/files" | median)
	lg2=$(cut -d' ' -f1 <"$WORK/libgit2" | median)
	git_us=$(cut -d' ' -f3 <"$WORK/files" | median)
	awk -v w="${where#big}" -v f="$fast" -v l="$lg2" -v g="$git_us" 'BEGIN {
		printf "%-26s %9.0f us %9.0f us %11.0f us %12.2f\n", (w == "" ? "main checkout" : w), f, l, g, f / g }'
done
echo "(medians of $((N / 4)) fresh processes each; git rev-parse: posix_spawn + wait, 20 a process)"

echo
echo "whole processes, $N runs each, from the main checkout and a worktree"
for dir in "$WORK/big" "$WORK/big.worktrees/wt1"; do
	cd "$dir"
	git_ms=$(mean_ms "$N" git rev-parse --show-toplevel --git-common-dir)
	report "sbx config show (${dir##*/})" "$git_ms" "$(mean_ms "$N" "$SBX" config show)"
	report "sbx help config (none)" "$git_ms" "$(mean_ms "$N" "$SBX" help config)"
done
echo "(baseline: git rev-parse --show-toplevel --git-common-dir)"
