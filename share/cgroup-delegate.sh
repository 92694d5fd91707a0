#!/bin/sh
# Gives USER a cgroup of their own on a cgroup v1 host without systemd (a
# container, a CI runner), so that sbx can hold its bwrap sandboxes to their
# resource limits, and runs COMMAND in it. As root:
#
#   sh cgroup-delegate.sh USER COMMAND...      e.g.  ... alice su - alice
#
# For each of the pids, memory and cpu hierarchies it makes
# delegated-USER below its own cgroup there, gives it to USER, and moves
# itself in: COMMAND and everything it starts run there, and sbx makes its
# sandboxes' cgroups below it (sbx only ever makes them below the cgroup it
# runs in). Idempotent. On cgroup v2 systemd delegates per user already
# (sbx uses `systemd-run --user --scope`).
set -eu
if [ $# -lt 2 ]; then
	echo "usage: cgroup-delegate.sh USER COMMAND..." >&2
	exit 2
fi
user=$1
shift
uid=$(id -u "$user")
for ctrl in pids memory cpu; do
	# Where the hierarchy of ctrl is mounted (a v1 one), and our cgroup in it.
	mnt=$(awk -v c="$ctrl" '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo)
	[ -n "$mnt" ] || continue
	own=$(awk -F: -v c="$ctrl" '{ n = split($2, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $3; exit } }' /proc/self/cgroup)
	dir="$mnt${own%/}/delegated-$user"
	mkdir -p "$dir"
	chown -R "$uid" "$dir"
	echo $$ >"$dir/cgroup.procs"
done
exec "$@"
