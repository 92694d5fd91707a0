/*
 * The functions <sbx/plugin.h> declares: the whole of sbx a plugin may call.
 * The executable exports them (-rdynamic); each checks that it is called in
 * a step it belongs to, and records a failure in the context so that the
 * step's error names the plugin.
 */
#include "plugin-ctx.h"
#include "error.h"
#include "fsutil.h"
#include "paths.h"
#include "quote.h"
#include "session.h"
#include "spawn.h"
#include "xalloc.h"

#include <sbx/plugin.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const step_names[] = { "provision", "prepare", "sandbox", "doctor" };

static int fail(struct sbx_plugin_ctx *ctx, const char *msg)
{
	free(ctx->error);
	ctx->error = sbx_strdup(msg);
	return -1;
}

/* The exported sbx_plugin_error(), under a short name. */
#define failf sbx_plugin_error

/* Is the call allowed in this step? steps: a bit per enum sbx_plugin_step. */
static int in_step(struct sbx_plugin_ctx *ctx, unsigned steps, const char *fn)
{
	if (steps & (1u << ctx->step))
		return 1;
	failf(ctx, "%s() cannot be called in its %s step", fn, step_names[ctx->step]);
	return 0;
}

#define SESSION_STEPS ((1u << SBX_STEP_PREPARE) | (1u << SBX_STEP_SANDBOX))

int sbx_plugin_step(struct sbx_plugin_ctx *ctx, enum sbx_plugin_step step)
{
	const struct sbx_plugin *def = ctx->plugin->def;
	int ret = 0;

	ctx->step = step;
	free(ctx->error);
	ctx->error = NULL;
	switch (step) {
	case SBX_STEP_PROVISION:
		ret = def->provision ? def->provision(ctx) : 0;
		break;
	case SBX_STEP_PREPARE:
		ret = def->prepare ? def->prepare(ctx) : 0;
		break;
	case SBX_STEP_SANDBOX:
		ret = def->sandbox ? def->sandbox(ctx) : 0;
		break;
	case SBX_STEP_DOCTOR:
		if (def->doctor)
			def->doctor(ctx);
		break;
	}
	if (ret || (ctx->error && step == SBX_STEP_DOCTOR))
		sbx_error("plugin %s: %s", def->name,
			  ctx->error ? ctx->error : "its step failed without saying why");
	if (ret || ctx->error) {
		free(ctx->error);
		ctx->error = NULL;
		return -1;
	}
	return 0;
}

const char *sbx_plugin_backend(const struct sbx_plugin_ctx *ctx)
{
	return ctx->backend;
}

const char *sbx_plugin_project_dir(const struct sbx_plugin_ctx *ctx)
{
	return ctx->project_dir;
}

int sbx_plugin_error(struct sbx_plugin_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	free(ctx->error);
	va_start(ap, fmt);
	ctx->error = sbx_vasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

void sbx_plugin_warn(struct sbx_plugin_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = sbx_vasprintf(fmt, ap);
	va_end(ap);
	sbx_warn("plugin %s: %s", ctx->plugin->def->name, msg);
	free(msg);
}

int sbx_plugin_add_script(struct sbx_plugin_ctx *ctx, enum sbx_plugin_script mode,
			  const char *text)
{
	char *dir, *path, *body;
	struct sbx_buf b = SBX_BUF_INIT;
	int ret;

	if (!text || !*text)
		return fail(ctx, "sbx_plugin_add_script() was given no script");
	if (mode == SBX_PLUGIN_SCRIPT_SYSTEM || mode == SBX_PLUGIN_SCRIPT_USER) {
		if (!in_step(ctx, 1u << SBX_STEP_PROVISION, "sbx_plugin_add_script(SYSTEM or USER)"))
			return -1;
		if (mode == SBX_PLUGIN_SCRIPT_SYSTEM && !strcmp(ctx->backend, "bwrap"))
			return fail(ctx, "a SYSTEM script cannot run on the bwrap backend (the host's "
				    "/usr is read-only there)");
		sbx_strvec_push(&ctx->scripts[mode], text);
		return 0;
	}
	if (mode != SBX_PLUGIN_SCRIPT_SESSION)
		return failf(ctx, "sbx_plugin_add_script(): no script mode %d", (int)mode);
	if (!in_step(ctx, SESSION_STEPS, "sbx_plugin_add_script(SESSION)"))
		return -1;
	dir = sbx_plugin_files_dir(ctx);
	if (!dir)
		return fail(ctx, sbx_last_error());
	/* A subshell of its own: it can exit or set variables without touching the launcher. */
	body = sbx_asprintf("%s/%s", ctx->guest_dir, ctx->plugin->def->name);
	sbx_buf_addf(&b, "# sbx: a session script of the plugin %s\n(\nSBX_PLUGIN_DIR=",
		     ctx->plugin->def->name);
	sbx_sq_quote(&b, body);
	sbx_buf_addf(&b, "\n%s%s)\n", text, text[strlen(text) - 1] == '\n' ? "" : "\n");
	free(body);
	path = sbx_asprintf("%s/session-%zu.sh", dir, ctx->session_scripts->nr);
	ret = sbx_write_file(path, b.buf, b.len, 0644);
	if (ret)
		fail(ctx, sbx_last_error());
	else
		sbx_strvec_pushf(ctx->session_scripts, "%s/%s/session-%zu.sh", ctx->guest_dir,
				 ctx->plugin->def->name, ctx->session_scripts->nr);
	ctx->nr_files++;
	free(path);
	free(dir);
	sbx_buf_release(&b);
	return ret;
}

int sbx_plugin_run(struct sbx_plugin_ctx *ctx, const char *const argv[], char **out,
		   size_t *len)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf o = SBX_BUF_INIT, e = SBX_BUF_INIT;
	int code;

	if (out)
		*out = NULL;
	if (len)
		*len = 0;
	if (!in_step(ctx, SESSION_STEPS | (1u << SBX_STEP_DOCTOR), "sbx_plugin_run"))
		return -1;
	if (!argv || !argv[0])
		return fail(ctx, "sbx_plugin_run() was given no program");
	sbx_strvec_pushv(&c.args, argv);
	code = sbx_child_capture(&c, &o, &e);
	/* Only a start that failed is "cannot run": gpg that ran and exited 2 is its exit 2. */
	if (c.start_errno) {
		failf(ctx, "cannot run '%s': %s", argv[0],
		      c.start_errno == ENOENT ? "not found" : "not executable");
		code = -1;
	} else if (code < 0) {
		fail(ctx, sbx_last_error());
	} else if (code && ctx->step != SBX_STEP_DOCTOR) {
		fputs(e.buf, stderr);
	}
	sbx_child_release(&c);
	sbx_buf_release(&e);
	if (code >= 0 && out) {
		if (len)
			*len = o.len;
		*out = sbx_buf_detach(&o);
	}
	sbx_buf_release(&o);
	return code;
}

void sbx_plugin_free(void *p)
{
	free(p);
}

/* A name for a file of the plugin's: one path component. */
static int file_name_ok(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
	       strncmp(name, "session-", 8);
}

int sbx_plugin_add_file(struct sbx_plugin_ctx *ctx, const char *name, const void *data,
			size_t len)
{
	char *dir, *path;
	int ret;

	if (!in_step(ctx, SESSION_STEPS, "sbx_plugin_add_file"))
		return -1;
	if (!file_name_ok(name))
		return failf(ctx, "sbx_plugin_add_file(): '%s' is no file name (one path component, "
			     "not starting with 'session-')", name ? name : "(null)");
	dir = sbx_plugin_files_dir(ctx);
	if (!dir)
		return fail(ctx, sbx_last_error());
	path = sbx_path_join(dir, name);
	ret = sbx_write_file(path, data ? data : "", data ? len : 0, 0644);
	if (ret)
		fail(ctx, sbx_last_error());
	ctx->nr_files++;
	free(path);
	free(dir);
	return ret;
}

/* fn's host path (what) must be absolute, its guest path absolute or ~/... */
static int paths_ok(struct sbx_plugin_ctx *ctx, const char *fn, const char *what,
		    const char *host, const char *guest)
{
	if (!host || host[0] != '/')
		return !failf(ctx, "%s(): the %s '%s' is not absolute", fn, what,
			      host ? host : "(null)");
	if (!guest || (guest[0] != '/' && strncmp(guest, "~/", 2)))
		return !failf(ctx, "%s(): the sandbox path '%s' is neither absolute nor ~/...",
			      fn, guest ? guest : "(null)");
	return 1;
}

int sbx_plugin_add_mount(struct sbx_plugin_ctx *ctx, const char *host, const char *guest,
			 int writable)
{
	if (!in_step(ctx, SESSION_STEPS, "sbx_plugin_add_mount"))
		return -1;
	if (!paths_ok(ctx, "sbx_plugin_add_mount", "host path", host, guest))
		return -1;
	if (access(host, F_OK))
		return failf(ctx, "cannot mount '%s': %s", host, strerror(errno));
	sbx_session_add_mount(ctx->session, host, guest, writable);
	return 0;
}

int sbx_plugin_forward_socket(struct sbx_plugin_ctx *ctx, const char *host, const char *guest)
{
	struct sbx_plugin_session *ps;
	struct sbx_plugin_forward *f;
	struct stat st;

	if (!in_step(ctx, SESSION_STEPS, "sbx_plugin_forward_socket"))
		return -1;
	if (!paths_ok(ctx, "sbx_plugin_forward_socket", "host socket", host, guest))
		return -1;
	if (stat(host, &st))
		return failf(ctx, "cannot forward '%s': %s", host, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return failf(ctx, "cannot forward '%s': not a socket", host);
	/* bwrap shares the host's kernel: the socket itself is bound in. */
	if (!strcmp(ctx->backend, "bwrap")) {
		sbx_session_add_mount(ctx->session, host, guest, 1);
		return 0;
	}
	ps = ctx->session->plugins;
	SBX_ALLOC_GROW(ps->forwards, ps->nr_forwards + 1, ps->alloc_forwards);
	f = &ps->forwards[ps->nr_forwards++];
	memset(f, 0, sizeof(*f));
	f->host_socket = sbx_strdup(host);
	f->guest_socket = sbx_strdup(guest);
	return 0;
}

int sbx_plugin_forward_port(struct sbx_plugin_ctx *ctx, int guest_port, int host_port)
{
	struct sbx_plugin_session *ps;
	struct sbx_plugin_forward *f;

	if (!in_step(ctx, SESSION_STEPS, "sbx_plugin_forward_port"))
		return -1;
	if (guest_port < 1 || guest_port > 65535 || host_port < 1 || host_port > 65535)
		return failf(ctx, "sbx_plugin_forward_port(): ports %d and %d are not both in "
			     "1..65535", guest_port, host_port);
	/*
	 * A bwrap sandbox shares the host's network only in mode "host", where
	 * the port is there already; in every other it has a namespace of its own.
	 */
	if (!strcmp(ctx->backend, "bwrap")) {
		if (ctx->session->net.mode != SBX_NET_HOST)
			sbx_warn("plugin %s: port %d is not forwarded: a bwrap sandbox has a network "
				 "of its own (network.mode \"host\" shares the host's)",
				 ctx->plugin->def->name, guest_port);
		return 0;
	}
	ps = ctx->session->plugins;
	SBX_ALLOC_GROW(ps->forwards, ps->nr_forwards + 1, ps->alloc_forwards);
	f = &ps->forwards[ps->nr_forwards++];
	memset(f, 0, sizeof(*f));
	f->guest_port = guest_port;
	f->host_port = host_port;
	return 0;
}

int sbx_plugin_setenv(struct sbx_plugin_ctx *ctx, const char *name, const char *value)
{
	if (!in_step(ctx, SESSION_STEPS, "sbx_plugin_setenv"))
		return -1;
	if (!name || !value)
		return fail(ctx, "sbx_plugin_setenv() was given no name or no value");
	/* What the user configured wins. */
	if (sbx_session_getenv(ctx->session, name))
		return 0;
	if (sbx_session_setenv(ctx->session, name, value))
		return fail(ctx, sbx_last_error());
	return 0;
}

void sbx_plugin_report(struct sbx_plugin_ctx *ctx, enum sbx_plugin_check level,
		       const char *detail, const char *fix)
{
	char *what;

	if (!in_step(ctx, 1u << SBX_STEP_DOCTOR, "sbx_plugin_report"))
		return;
	if (level != SBX_PLUGIN_OK && level != SBX_PLUGIN_WARN && level != SBX_PLUGIN_FAIL)
		level = SBX_PLUGIN_FAIL;
	what = sbx_asprintf("plugin %s", ctx->plugin->def->name);
	ctx->report(level == SBX_PLUGIN_OK ? SBX_CHECK_OK :
		    level == SBX_PLUGIN_WARN ? SBX_CHECK_WARN : SBX_CHECK_FAIL,
		    what, detail ? detail : "", fix);
	free(what);
}
