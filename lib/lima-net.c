/*
 * The Lima backend (lima.h): a sandbox's network. The agent is root in
 * nothing: rules it could flush would be no rules, so each session's boot
 * takes sudo (and the groups that are root in all but name) away from Lima's
 * user, which the agent runs as, and loads an nftables ruleset for every user
 * of the guest (root's daemons, such as systemd-resolved, relay for the
 * agent too): loopback, established traffic and sbx's proxy on the host, and
 * nothing else; containers' forwarded traffic the same. The template only
 * installs the ruleset and the script (sbx-lockdown): loaded while it
 * provisions, they would stop apt and npm.
 *
 * The proxy is the one bwrap uses (net-proxy.h), one per VM, on the host's
 * loopback at a port of its own, which the guest reaches as HOST_ADDR (Lima's
 * name for the host, host.lima.internal); it wants a token of its own in
 * Proxy-Authorization, so that no other VM and no other local process can
 * borrow its policy. The token reaches the guest only in the session's
 * environment file (lima-session.c), never in lima.yaml.
 */
#include "lima.h"
#include "error.h"
#include "json.h"
#include "net-client.h"
#include "net-log.h"
#include "net-session.h"
#include "quote.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where a Lima guest reaches the host (QEMU's slirp and vz alike). */
#define HOST_ADDR "192.168.5.2"
#define LOCKDOWN "/usr/local/sbin/sbx-lockdown"
#define LOCKED "/run/sbx-lockdown"

/*
 * The rules, for every user: $proxy_addr and $proxy_port are defined by
 * sbx-lockdown. Reloading replaces the table in one transaction. DHCP to
 * Lima's own server keeps the guest's address; the host resolver
 * (192.168.5.3) is dropped with everything else.
 */
#define RULES_HEAD \
	"table inet sbx\n" \
	"delete table inet sbx\n" \
	"table inet sbx {\n" \
	"\tchain output {\n" \
	"\t\ttype filter hook output priority 0; policy drop;\n" \
	"\t\toifname \"lo\" accept\n" \
	"\t\tct state established,related accept\n" \
	"\t\tudp sport 68 udp dport 67 accept\n"
#define RULES_PROXY "\t\tip daddr $proxy_addr tcp dport $proxy_port accept\n"
#define RULES_FORWARD \
	"\t}\n" \
	"\tchain forward {\n" \
	"\t\ttype filter hook forward priority 0; policy drop;\n" \
	"\t\tct state established,related accept\n"
#define RULES_TAIL "\t}\n}\n"

const char sbx_lima_egress_rules[] =
	RULES_HEAD RULES_PROXY RULES_FORWARD RULES_PROXY RULES_TAIL;
const char sbx_lima_egress_none_rules[] = RULES_HEAD RULES_FORWARD RULES_TAIL;

static const char lockdown[] =
	"#!/bin/sh\n"
	"# sbx-lockdown MODE ADDR PORT USER: run as root by each sandbox's boot (its\n"
	"# clone's system provisioning, after cloud-init has made the users again, as\n"
	"# it does at every boot). Loads the network rules of MODE, then takes away\n"
	"# what would let USER undo them: sudo, and the groups that are root in all\n"
	"# but name. " LOCKED " says both held; the clone's readiness probe\n"
	"# checks it, and a sandbox without it does not start.\n"
	"set -eu\n"
	"mode=$1 addr=$2 port=$3 user=$4\n"
	"rm -f " LOCKED "\n"
	"case $mode in\n"
	"none) nft -f /etc/sbx/egress-none.nft ;;\n"
	"open | allowlist)\n"
	"\tconf=$(mktemp)\n"
	"\tprintf 'define proxy_addr = %s\\ndefine proxy_port = %s\\ninclude \"/etc/sbx/egress.nft\"\\n' \\\n"
	"\t\t\"$addr\" \"$port\" >\"$conf\"\n"
	"\tnft -f \"$conf\"\n"
	"\trm -f \"$conf\"\n"
	"\t;;\n"
	"*)\n"
	"\techo \"sbx-lockdown: unknown mode '$mode'\" >&2\n"
	"\texit 2\n"
	"\t;;\n"
	"esac\n"
	"for g in sudo adm lxd wheel; do\n"
	"\tif id -nG \"$user\" | tr ' ' '\\n' | grep -qx \"$g\"; then\n"
	"\t\tgpasswd -d \"$user\" \"$g\" >/dev/null\n"
	"\tfi\n"
	"done\n"
	"rm -f /etc/sudoers.d/90-cloud-init-users\n"
	"if command -v sudo >/dev/null 2>&1 && sudo -l -U \"$user\" 2>/dev/null | grep -q 'may run'; then\n"
	"\techo \"sbx-lockdown: '$user' may still run sudo\" >&2\n"
	"\texit 1\n"
	"fi\n"
	": >" LOCKED "\n";

void sbx_lima_net_provision(cJSON *provision)
{
	struct sbx_buf s = SBX_BUF_INIT;
	cJSON *p = sbx_json_new_object();

	sbx_buf_adds(&s, "#!/bin/sh\n"
		"# sbx: the network rules and the lockdown each session's boot applies (sbx-lockdown)\n"
		"set -eu\n"
		"export DEBIAN_FRONTEND=noninteractive\n"
		"if ! command -v nft >/dev/null 2>&1; then\n"
		"\tapt-get update -q\n"
		"\tapt-get install -y -q --no-install-recommends nftables\n"
		"fi\n"
		"mkdir -p /etc/sbx\n"
		"cat >/etc/sbx/egress.nft <<'SBX_RULES'\n");
	sbx_buf_adds(&s, sbx_lima_egress_rules);
	sbx_buf_adds(&s, "SBX_RULES\ncat >/etc/sbx/egress-none.nft <<'SBX_RULES'\n");
	sbx_buf_adds(&s, sbx_lima_egress_none_rules);
	sbx_buf_adds(&s, "SBX_RULES\ncat >" LOCKDOWN " <<'SBX_LOCKDOWN'\n");
	sbx_buf_adds(&s, lockdown);
	sbx_buf_adds(&s, "SBX_LOCKDOWN\n"
		"chmod 0644 /etc/sbx/egress.nft /etc/sbx/egress-none.nft\n"
		"chmod 0755 " LOCKDOWN "\n");
	sbx_json_add_string(p, "mode", "system");
	sbx_json_add_string(p, "script", s.buf);
	sbx_json_add_string(p, "sbxStep", "the network rules and sbx-lockdown");
	sbx_buf_release(&s);
	/* Appended: the last of the system scripts, which Lima runs before the user's. */
	sbx_json_append(provision, p);
}

void sbx_lima_net_init(struct lima_net *n)
{
	memset(n, 0, sizeof(*n));
	n->listen_fd = -1;
	n->proxy = (struct sbx_net_proxy)SBX_NET_PROXY_INIT;
}

/*
 * A persistent VM's port and mode, kept from its first run: its boot names
 * them. 1 when it has them, 0 when not yet, -1 with a message.
 */
static int persistent_port(const struct sbx_session *s, const char *name, int *port)
{
	char *path = sbx_lima_state_file("lima-net", name, ".json");
	const char *mode = sbx_net_mode_name(s->net.mode), *was;
	cJSON *rec = NULL;
	int ret = 0;

	*port = 0;
	if (!path)
		return -1;
	if (!access(path, F_OK)) {
		if (sbx_jsonc_read_file(path, &rec)) {
			free(path);
			return -1;
		}
		was = sbx_json_get_string(rec, "mode");
		*port = (int)sbx_json_get_number(rec, "port", 0);
		ret = 1;
		if (was && strcmp(was, mode))
			ret = sbx_error("'%s' was made with network mode '%s', not '%s': 'sbx rm %s' "
					"to change it", name, was, mode, name);
	}
	cJSON_Delete(rec);
	free(path);
	return ret;
}

static int save_persistent_port(const struct sbx_session *s, const char *name, int port)
{
	char *path = sbx_lima_state_file("lima-net", name, ".json");
	cJSON *rec = sbx_json_new_object();
	int ret = -1;

	sbx_json_add_string(rec, "mode", sbx_net_mode_name(s->net.mode));
	sbx_json_add_number(rec, "port", port);
	if (path)
		ret = sbx_json_write_file(path, rec, 0600, 1);
	cJSON_Delete(rec);
	free(path);
	return ret;
}

void sbx_lima_net_forget(const char *name)
{
	char *path = sbx_lima_state_file("lima-net", name, ".json");

	if (path)
		unlink(path);
	free(path);
	sbx_clear_error();
}

int sbx_lima_net_prepare(struct sbx_session *s, const char *persistent, struct lima_net *n)
{
	struct sbx_strvec env = SBX_STRVEC_INIT;
	char where[96], *url, *colon;
	int port = 0, ret = -1, known = 0;

	sbx_lima_net_init(n);
	/* Its boot names the mode: a persistent VM keeps its first run's. */
	if (persistent && (known = persistent_port(s, persistent, &port)) < 0)
		return -1;
	if (!sbx_net_mode_proxied(s->net.mode))
		return persistent && !known ? save_persistent_port(s, persistent, 0) : 0;
	snprintf(where, sizeof(where), "127.0.0.1:%d", port);
	n->listen_fd = sbx_net_listen_tcp(where);
	if (n->listen_fd < 0) {
		if (port && errno == EADDRINUSE)
			sbx_error("'%s' is in use by another run, whose proxy has its port %d: wait for "
				  "it to end", persistent, port);
		return -1;
	}
	sbx_net_local_address(n->listen_fd, where, sizeof(where));
	colon = strrchr(where, ':');
	n->port = colon ? atoi(colon + 1) : 0;
	if (persistent && !known && save_persistent_port(s, persistent, n->port))
		goto out;
	free(s->net.token);
	s->net.token = sbx_net_new_token();
	/* The token is a secret: the guest gets it in the environment file only. */
	url = sbx_asprintf("http://sbx:%s@%s:%d", s->net.token, HOST_ADDR, n->port);
	sbx_net_proxy_env(url, &env);
	memset(url, 0, strlen(url));
	free(url);
	for (size_t i = 0; i < env.nr; i++) {
		char *eq = strchr(env.v[i], '=');

		*eq = '\0';
		if (!sbx_session_getenv(s, env.v[i]) && sbx_session_setenv(s, env.v[i], eq + 1))
			goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < env.nr; i++)
		memset(env.v[i], 0, strlen(env.v[i]));
	sbx_strvec_clear(&env);
	return ret;
}

void sbx_lima_net_clone(const struct sbx_session *s, const struct lima_net *n,
			struct sbx_strvec *args)
{
	struct sbx_buf script = SBX_BUF_INIT;
	char port[16];

	if (s->net.mode == SBX_NET_HOST)
		return;
	snprintf(port, sizeof(port), "%d", n->port);
	/* Lima fills in {{.User}}: the user the agent runs as. */
	sbx_buf_adds(&script, "#!/bin/sh\n# sbx: this sandbox's network rules and lockdown\nexec "
		     LOCKDOWN " ");
	sbx_sq_quote_argv(&script, (const char *const[]){ sbx_net_mode_name(s->net.mode), HOST_ADDR,
							   port, NULL });
	sbx_buf_adds(&script, " \"{{.User}}\"\n");
	sbx_lima_clone_boot(args, script.buf, "sbx: the network rules are loaded and the agent "
			    "has no sudo", "#!/bin/sh\ntest -f " LOCKED "\n",
			    "see sbx-lockdown in /var/log/cloud-init-output.log");
	sbx_buf_release(&script);
}

int sbx_lima_net_start(struct sbx_session *s, const char *run, const char *sandbox,
		       struct lima_net *n)
{
	int fd = n->listen_fd;

	if (!sbx_net_mode_proxied(s->net.mode))
		return 0;
	n->log = sbx_net_log_begin(run, sandbox, sbx_net_mode_name(s->net.mode), s->project.dir);
	if (!n->log)
		return -1;
	n->listen_fd = -1;
	return sbx_net_proxy_start(&n->proxy, &s->net, fd, n->log);
}

void sbx_lima_net_release(struct lima_net *n, int handed_over)
{
	/* The keeper, a fork of this process, holds the proxy's lifeline too: it ends it. */
	if (handed_over)
		sbx_net_proxy_leave(&n->proxy);
	else
		sbx_net_proxy_stop(&n->proxy);
	if (n->listen_fd >= 0)
		close(n->listen_fd);
	free(n->log);
	sbx_lima_net_init(n);
}
