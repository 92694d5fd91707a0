# shellcheck shell=sh
# Shared by the plugin tests (t07NN-plugins-*.sh): plugins built here with cc
# against include/sbx/plugin.h, in directories sbx accepts (ours, 0755), and
# SBX_PLUGIN_PATH pointing at them.
PLUGINS="$TRASH/plugins"
export PLUGINS

# Loading fails before a sandbox starts; tests that start one need bwrap.
have_bwrap() {
	command -v bwrap >/dev/null 2>&1
}

case $(uname -s) in
Darwin) PLUGIN_LDFLAGS="-bundle -undefined dynamic_lookup" ;;
*) PLUGIN_LDFLAGS="-shared" ;;
esac

# build_plugin DIR NAME [CC ARGS...] <SOURCE: compiles SOURCE into DIR/NAME.so.
# shellcheck disable=SC2086 # PLUGIN_LDFLAGS is words
build_plugin() {
	bp_dir=$1 bp_name=$2
	shift 2
	mkdir -p "$bp_dir" &&
	chmod 755 "$bp_dir" &&
	cat >"$bp_dir/$bp_name.c" &&
	cc -std=c17 -Wall -Werror -fPIC -fvisibility=hidden $PLUGIN_LDFLAGS -I"$SRC_DIR/include" \
		-o "$bp_dir/$bp_name.so" "$bp_dir/$bp_name.c" "$@" &&
	chmod 755 "$bp_dir/$bp_name.so" &&
	rm -f "$bp_dir/$bp_name.c"
}

# simple_plugin NAME [ABI] [DECLARED NAME] [BACKENDS]: the source of a plugin
# that adds nothing; ABI, name and backends can be wrong on purpose.
simple_plugin() {
	cat <<EOF
#include <sbx/plugin.h>

static const struct sbx_plugin plugin = {
	.abi = ${2:-SBX_PLUGIN_ABI},
	.name = "${3:-$1}",
	.summary = "the test plugin $1",
	.backends = ${4:-SBX_PLUGIN_LIMA | SBX_PLUGIN_BWRAP},
};

SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void)
{
	return &plugin;
}
EOF
}

# The source of tprobe: a plugin that uses every call of the ABI. Its host
# paths are beside the project: ../tprobe-mount (a directory) and
# ../tprobe.sock (a socket the test makes).
tprobe_source() {
	cat <<'EOF'
#include <sbx/plugin.h>

#include <stdio.h>
#include <string.h>

static int provision(struct sbx_plugin_ctx *ctx)
{
	if (!strcmp(sbx_plugin_backend(ctx), "lima") &&
	    sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SYSTEM, "#!/bin/sh\necho tprobe-system\n"))
		return -1;
	return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_USER,
				     "#!/bin/sh\necho tprobe-user-ran >\"$HOME/tprobe-user\"\n");
}

static int prepare(struct sbx_plugin_ctx *ctx)
{
	static const char *const argv[] = { "sh", "-c", "printf host-%s prepared", NULL };
	char *out = NULL;
	size_t len = 0;
	int ret;

	if (sbx_plugin_run(ctx, argv, &out, &len) != 0)
		return sbx_plugin_error(ctx, "the host command failed");
	ret = sbx_plugin_add_file(ctx, "data.txt", out, len);
	sbx_plugin_free(out);
	return ret;
}

static int sandbox(struct sbx_plugin_ctx *ctx)
{
	char host[4096];

	snprintf(host, sizeof(host), "%s/../tprobe-mount", sbx_plugin_project_dir(ctx));
	if (sbx_plugin_add_mount(ctx, host, "/opt/tprobe", 0))
		return -1;
	snprintf(host, sizeof(host), "%s/../tprobe.sock", sbx_plugin_project_dir(ctx));
	if (sbx_plugin_forward_socket(ctx, host, "~/tprobe.sock") ||
	    sbx_plugin_forward_port(ctx, 8080, 18080) ||
	    sbx_plugin_setenv(ctx, "TPROBE_ENV", "tprobe value 'quoted'"))
		return -1;
	return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SESSION,
		"echo \"tprobe-session: $(cat \"$SBX_PLUGIN_DIR/data.txt\") in $SBX_PLUGIN_DIR\" >&2\n");
}

static void doctor(struct sbx_plugin_ctx *ctx)
{
	sbx_plugin_report(ctx, SBX_PLUGIN_WARN, "tprobe looked", "nothing to fix");
}

static const struct sbx_plugin plugin = {
	.abi = SBX_PLUGIN_ABI,
	.name = "tprobe",
	.summary = "calls every function of the ABI",
	.backends = SBX_PLUGIN_LIMA | SBX_PLUGIN_BWRAP,
	.provision = provision,
	.prepare = prepare,
	.sandbox = sandbox,
	.doctor = doctor,
};

SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void)
{
	return &plugin;
}
EOF
}

# A unix socket at PATH, listening until the test ends (python3 from Debian).
listen_socket() {
	/usr/bin/python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
time.sleep(600)
' "$1" &
	echo $! >"$1.pid"
	i=0
	while [ ! -e "$1.ready" ]; do
		i=$((i + 1))
		[ $i -le 200 ] || return 1
		sleep 0.05
	done
}

stop_sockets() {
	for p in "$TRASH"/*.sock.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	return 0
}
