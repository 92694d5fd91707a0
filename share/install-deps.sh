#!/bin/sh
# Installs the Debian (or Ubuntu) packages sbx needs to build and run on the
# bwrap backend; with --test also those the test suite needs. Uses sudo when
# not run as root.
set -eu
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
build="build-essential pkg-config libgit2-dev libcjson-dev nettle-dev libseccomp-dev bubblewrap git ca-certificates"
test="clang libclang-rt-14-dev shellcheck zsh tmux scdoc man-db gnupg dbus dbus-x11 libnotify-bin libglib2.0-bin python3-dbusmock procps curl time ripgrep socat openssl nftables iproute2"
pkgs=$build
[ "${1:-}" = "--test" ] && pkgs="$build $test"
# npm installs the real Claude Code for its test; a Node.js of another origin
# (NodeSource's conflicts with Debian's npm) brings its own.
if [ "${1:-}" = "--test" ] && ! command -v npm >/dev/null 2>&1; then
	pkgs="$pkgs nodejs npm"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086 # word splitting of the package list is intended
$sudo apt-get install -y -q --no-install-recommends $pkgs
