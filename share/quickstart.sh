#!/bin/sh
# The README's first command: install what sbx needs, build it, and run a real
# command in a bubblewrap sandbox that shows what the agent would see.
set -eu
cd "$(dirname "$0")/.."
sh share/install-deps.sh
make -j"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
./build/sbx --version
echo "--- inside an sbx sandbox (bwrap backend), in $(pwd):"
./build/sbx shell --backend bwrap -- sh -c \
	'echo "user: $(id)"; echo "home: $HOME:"; ls -A ~; echo "/home:"; ls /home; echo "processes:"; ls /proc | grep -c "^[0-9]"; echo "/root:"; ls -A /root 2>&1 | head -3'
