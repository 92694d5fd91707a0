#!/bin/sh
# The benchmarks run (briefly: they are not timed here) and leave nothing
# behind: no process of theirs, the notification server their sessions
# started included.
. "$(dirname "$0")/lib.sh"

command -v bash >/dev/null 2>&1 || { test_skip 'benchmarks' 'bash is not installed'; test_done; exit 0; }

test_expect_success 'bench/lima-shell.sh: the split, and nothing left running' '
	N=1 SBX="$SBX" bash "$SRC_DIR/bench/lima-shell.sh" >out 2>err &&
	test_grep "split: limactl .* ms, starting sbx .* ms, sbx.s own work .* ms" out &&
	test_left_processes >procs &&
	test_line_count procs 0
'

if command -v bwrap >/dev/null 2>&1; then
	test_expect_success 'bench/bwrap-shell.sh: the split, and nothing left running' '
		N=1 SRT_DIR=none SBX="$SBX" bash "$SRC_DIR/bench/bwrap-shell.sh" >out 2>err &&
		test_grep "split: namespaces .* ms, mounts .* ms, launcher .* ms (when needed), sbx .* ms" out &&
		test_grep "split: the git directory.s binds .* ms, sbx .* ms" out &&
		test_left_processes >procs &&
		test_line_count procs 0
	'
else
	test_skip 'bench/bwrap-shell.sh' 'bubblewrap is not installed'
fi

test_done
