/*
 * gpg: signing inside the sandbox with keys that stay on the host.
 *
 * The host's gpg-agent extra socket (`gpgconf --list-dirs agent-extra-socket`,
 * the restricted one made for forwarding) appears inside at
 * ~/.sbx/gpg-agent.sock (Lima: a reverse portForward; bwrap: a bind mount).
 * Each session, a script inside links the place gpg looks for its agent
 * (`gpgconf --list-dirs agent-socket`: ~/.gnupg/S.gpg-agent on bwrap,
 * /run/user/UID/gnupg/S.gpg-agent on Lima) to it, and imports the host's
 * public keys and ownertrust, exported on the host before the session. So
 * `git commit -S` and `gpg --sign` work inside; the private keys never leave
 * the host's agent. Lima's template gets gnupg and masks the guest's own
 * agent units, so that nothing else takes the socket's place.
 */
#include <sbx/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GUEST_SOCKET "~/.sbx/gpg-agent.sock"

static const char lima_system[] =
	"#!/bin/sh\n"
	"# sbx plugin gpg: gnupg, and no gpg-agent of the guest's own (the host's answers)\n"
	"set -eu\n"
	"export DEBIAN_FRONTEND=noninteractive\n"
	"apt-get update -q\n"
	"apt-get install -y -q --no-install-recommends gnupg\n"
	"systemctl --global mask gpg-agent.service gpg-agent.socket gpg-agent-extra.socket \\\n"
	"\tgpg-agent-browser.socket gpg-agent-ssh.socket\n"
	"# a stopped VM leaves the forwarded socket behind: let the next forward replace it\n"
	"mkdir -p /etc/ssh/sshd_config.d\n"
	"echo 'StreamLocalBindUnlink yes' >/etc/ssh/sshd_config.d/sbx-gpg.conf\n";

static const char user_script[] =
	"#!/bin/sh\n"
	"# sbx plugin gpg: a private ~/.gnupg, and ~/.sbx for the forwarded agent socket\n"
	"set -eu\n"
	"if ! command -v gpg >/dev/null 2>&1; then\n"
	"\techo \"sbx plugin gpg: gpg is not installed (bwrap shares the host's "
	"/usr: install gnupg there)\" >&2\n"
	"\texit 1\n"
	"fi\n"
	"mkdir -p \"$HOME/.gnupg\" \"$HOME/.sbx\"\n"
	"chmod 700 \"$HOME/.gnupg\"\n";

static const char session_script[] =
	"# sbx plugin gpg: gpg inside reaches the host's agent; the host's public keys imported\n"
	"set -eu\n"
	"gpg_quiet() {\n"
	"\tout=$(gpg --batch --quiet --no-autostart \"$@\" 2>&1) || {\n"
	"\t\tprintf '%s\\n' \"$out\" >&2\n"
	"\t\treturn 1\n"
	"\t}\n"
	"}\n"
	"sock=$(gpgconf --list-dirs agent-socket)\n"
	"dir=$(dirname \"$sock\")\n"
	"mkdir -p \"$dir\"\n"
	"chmod 700 \"$dir\"\n"
	"if [ -S \"$sock\" ] && [ ! -L \"$sock\" ]; then\n"
	"\techo \"sbx plugin gpg: a gpg-agent already listens at $sock: left alone\" >&2\n"
	"else\n"
	"\tln -sf \"$HOME/.sbx/gpg-agent.sock\" \"$sock\"\n"
	"fi\n"
	"if [ -s \"$SBX_PLUGIN_DIR/pubkeys.gpg\" ]; then\n"
	"\tgpg_quiet --import \"$SBX_PLUGIN_DIR/pubkeys.gpg\"\n"
	"fi\n"
	"if [ -s \"$SBX_PLUGIN_DIR/ownertrust.txt\" ]; then\n"
	"\tgpg_quiet --import-ownertrust \"$SBX_PLUGIN_DIR/ownertrust.txt\"\n"
	"fi\n";

static int provision(struct sbx_plugin_ctx *ctx)
{
	if (!strcmp(sbx_plugin_backend(ctx), "lima") &&
	    sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SYSTEM, lima_system))
		return -1;
	return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_USER, user_script);
}

/* The host's agent extra socket, or NULL with a message recorded. */
static char *extra_socket(struct sbx_plugin_ctx *ctx, int launch)
{
	static const char *const list[] = { "gpgconf", "--list-dirs", "agent-extra-socket", NULL };
	static const char *const start[] = { "gpgconf", "--launch", "gpg-agent", NULL };
	struct stat st;
	char *sock = NULL;
	int code = sbx_plugin_run(ctx, list, &sock, NULL);

	if (code) {
		sbx_plugin_free(sock);
		if (code > 0)
			sbx_plugin_error(ctx, "'gpgconf --list-dirs agent-extra-socket' failed "
					 "(exit %d): is GnuPG 2.1 or later installed?", code);
		return NULL;
	}
	sock[strcspn(sock, "\n")] = '\0';
	if (!*sock) {
		sbx_plugin_free(sock);
		sbx_plugin_error(ctx, "gpgconf names no agent extra socket");
		return NULL;
	}
	/* The agent makes its sockets when it starts (or systemd does, for it). */
	if (launch && (stat(sock, &st) || !S_ISSOCK(st.st_mode)))
		sbx_plugin_run(ctx, start, NULL, NULL);
	if (stat(sock, &st) || !S_ISSOCK(st.st_mode)) {
		sbx_plugin_error(ctx, "the host's gpg-agent has no extra socket at '%s': start it "
				 "('gpgconf --launch gpg-agent') and check that it does not say "
				 "'extra-socket none'", sock);
		sbx_plugin_free(sock);
		return NULL;
	}
	return sock;
}

/* Runs a host gpg command and hands its output to the sandbox as a file. */
static int export_file(struct sbx_plugin_ctx *ctx, const char *const argv[], const char *name,
		       size_t *size)
{
	char *out = NULL;
	size_t len = 0;
	int code = sbx_plugin_run(ctx, argv, &out, &len);
	int ret;

	if (code) {
		sbx_plugin_free(out);
		return code > 0 ? sbx_plugin_error(ctx, "'%s %s' failed (exit %d)", argv[0], argv[2],
						   code) : -1;
	}
	ret = sbx_plugin_add_file(ctx, name, out, len);
	sbx_plugin_free(out);
	*size = len;
	return ret;
}

/*
 * Whether the host's keyring has a trust database. A fresh one has none
 * until a key is trusted, and `gpg --export-ownertrust` then exits 2 ("can't
 * open '.../trustdb.gpg'"): nothing to carry, not a failure. -1: cannot tell
 * (message recorded).
 */
static int has_trustdb(struct sbx_plugin_ctx *ctx)
{
	static const char *const home[] = { "gpgconf", "--list-dirs", "homedir", NULL };
	char *dir = NULL, *db;
	struct stat st;
	size_t n;
	int code = sbx_plugin_run(ctx, home, &dir, NULL), ret;

	if (code) {
		sbx_plugin_free(dir);
		return code > 0 ? sbx_plugin_error(ctx, "'gpgconf --list-dirs homedir' failed "
						   "(exit %d)", code) : -1;
	}
	dir[strcspn(dir, "\n")] = '\0';
	n = strlen(dir) + sizeof("/trustdb.gpg");
	db = malloc(n);
	if (!db) {
		sbx_plugin_free(dir);
		return sbx_plugin_error(ctx, "out of memory");
	}
	snprintf(db, n, "%s/trustdb.gpg", dir);
	ret = !stat(db, &st) && S_ISREG(st.st_mode);
	free(db);
	sbx_plugin_free(dir);
	return ret;
}

static int prepare(struct sbx_plugin_ctx *ctx)
{
	static const char *const keys[] = { "gpg", "--batch", "--export", NULL };
	static const char *const trust[] = { "gpg", "--batch", "--export-ownertrust", NULL };
	char *sock = extra_socket(ctx, 1);
	size_t size = 0;
	int ret;

	if (!sock)
		return -1;
	ret = sbx_plugin_forward_socket(ctx, sock, GUEST_SOCKET);
	sbx_plugin_free(sock);
	if (ret || export_file(ctx, keys, "pubkeys.gpg", &size))
		return -1;
	if (!size)
		sbx_plugin_warn(ctx, "the host's keyring has no public keys: gpg inside knows no key");
	ret = has_trustdb(ctx);
	if (ret < 0 || (ret && export_file(ctx, trust, "ownertrust.txt", &size)))
		return -1;
	return sbx_plugin_add_script(ctx, SBX_PLUGIN_SCRIPT_SESSION, session_script);
}

static void doctor(struct sbx_plugin_ctx *ctx)
{
	static const char *const secret[] = { "gpg", "--batch", "--list-secret-keys",
					       "--with-colons", NULL };
	char *sock = extra_socket(ctx, 1), *out = NULL;
	const char *line;
	int keys = 0;

	/* Without a socket, the message extra_socket recorded is the doctor's line. */
	if (!sock)
		return;
	line = sbx_plugin_run(ctx, secret, &out, NULL) == 0 ? out : NULL;
	while (line && *line) {
		keys += !strncmp(line, "sec:", 4);
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	sbx_plugin_free(out);
	if (keys)
		sbx_plugin_report(ctx, SBX_PLUGIN_OK, sock, NULL);
	else
		sbx_plugin_report(ctx, SBX_PLUGIN_WARN, "the host's keyring has no secret key: "
				  "nothing to sign with", "gpg --full-generate-key");
	sbx_plugin_free(sock);
}

static const struct sbx_plugin plugin = {
	.abi = SBX_PLUGIN_ABI,
	.name = "gpg",
	.summary = "forwards the host's gpg-agent (extra socket) and imports the public keys and "
		   "ownertrust: git commit -S signs inside, the keys stay on the host",
	.backends = SBX_PLUGIN_LIMA | SBX_PLUGIN_BWRAP,
	.provision = provision,
	.prepare = prepare,
	.doctor = doctor,
};

SBX_PLUGIN_EXPORT const struct sbx_plugin *sbx_plugin_entry(void)
{
	return &plugin;
}
