#!/bin/sh
# The README's first command: install what sbx needs, build it, and show it working.
set -eu
cd "$(dirname "$0")/.."
sh share/install-deps.sh
make -j"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
./build/sbx --version
./build/sbx config show
