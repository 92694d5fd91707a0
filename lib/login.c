/*
 * `sbx login`: the agent's own login flow, once, in an ephemeral sandbox
 * with the terminal passed through; then sbx keeps what the flow left
 * (accounts.h, credentials.h).
 *
 * The sandbox gets one more mount: a private directory of this run on the
 * host ($XDG_RUNTIME_DIR/sbx/login.PID.XXXXXX, 0700), where the wrapper below
 * copies the agent's credential files after the flow, and where script(1)
 * records the terminal when the flow prints a token. sbx reads them as
 * what the sandbox wrote (safefile.h: a link, a FIFO or an oversized file
 * there keeps nothing of the login), stores them, and removes the
 * directory, whatever happened; the next login removes one that a killed
 * sbx left. The sandbox's home, with whatever else the flow wrote, goes
 * with the sandbox.
 */
#include "accounts.h"
#include "agents.h"
#include "backend.h"
#include "credentials.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "paths.h"
#include "quote.h"
#include "safefile.h"
#include "session.h"
#include "spawn.h"
#include "term.h"
#include "tty.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MIN_TOKEN 16
/* A credentials file; the terminal's record of a whole login flow. */
#define CRED_MAX (1 << 20)
#define RECORD_MAX (16 << 20)

/*
 * argv: sh -c WRAPPER sbx-login OUT RECORD N FILE1..FILEN COMMAND...
 * Runs COMMAND (under script(1) into OUT/typescript when RECORD, the
 * command quoted as one shell word list, is not empty), then copies each
 * ~/FILEi that exists to OUT/i; exits with COMMAND's status.
 */
static const char wrapper[] =
	"sbx_out=$1 sbx_rec=$2 sbx_n=$3\n"
	"shift 3\n"
	"umask 077\n"
	"(\n"
	"\ti=0\n"
	"\twhile [ \"$i\" -lt \"$sbx_n\" ]; do shift; i=$((i + 1)); done\n"
	"\tif [ -n \"$sbx_rec\" ] && command -v script >/dev/null 2>&1; then\n"
	"\t\texec script -q -e -c \"$sbx_rec\" \"$sbx_out/typescript\"\n"
	"\tfi\n"
	"\texec \"$@\"\n"
	")\n"
	"sbx_st=$?\n"
	"i=0\n"
	"while [ \"$i\" -lt \"$sbx_n\" ]; do\n"
	"\ti=$((i + 1))\n"
	"\tif [ -f \"$HOME/$1\" ]; then cp \"$HOME/$1\" \"$sbx_out/$i\" || sbx_st=125; fi\n"
	"\tshift\n"
	"done\n"
	"exit \"$sbx_st\"\n";

static int token_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* The text without escape sequences and carriage returns. */
static void plain_text(const char *t, size_t len, struct sbx_buf *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == 0x1b && i + 1 < len) {
			char kind = t[++i];

			if (kind == '[') {		/* CSI: parameters, then a final byte */
				while (++i < len && !((unsigned char)t[i] >= 0x40 &&
						      (unsigned char)t[i] <= 0x7e))
					;
			} else if (strchr("]PX^_", kind)) {	/* strings: to BEL or ESC \ */
				while (++i < len && t[i] != '\a' &&
				       !(t[i] == 0x1b && i + 1 < len && t[i + 1] == '\\'))
					;
				i += i < len && t[i] == 0x1b;
			} else if (strchr("()*+#%", kind)) {	/* one more byte */
				i++;
			}
			continue;
		}
		if (c == '\r' || (c < 0x20 && c != '\n' && c != '\t'))
			continue;
		sbx_buf_addch(out, (char)c);
	}
}

char *sbx_login_find_token(const char *text, size_t len, const char *prefix)
{
	struct sbx_buf plain = SBX_BUF_INIT, token = SBX_BUF_INIT;
	const char *p = NULL, *hit;

	if (!prefix || !*prefix)
		return NULL;
	plain_text(text, len, &plain);
	for (hit = strstr(plain.buf, prefix); hit; hit = strstr(hit + 1, prefix))
		p = hit;
	while (p) {
		const char *line, *end;

		while (token_char(*p))
			sbx_buf_addch(&token, *p++);
		/* Wrapped by the terminal: the next line holds nothing but the token's rest. */
		if (*p != '\n' && (*p != ' ' || strspn(p, " ") != strcspn(p, "\n")))
			break;
		line = p + strcspn(p, "\n");
		if (!*line)
			break;
		line += 1 + strspn(line + 1, " ");
		for (end = line; token_char(*end); end++)
			;
		if (end == line || strspn(end, " ") != strcspn(end, "\n"))
			break;
		p = line;
	}
	sbx_buf_release(&plain);
	if (token.len < strlen(prefix) + MIN_TOKEN) {
		sbx_buf_release(&token);
		return NULL;
	}
	return sbx_buf_detach(&token);
}

/* Asks for the token on the terminal, without echo. */
static char *ask_token(const struct sbx_agent *a)
{
	struct termios old, quiet;
	char line[4096];
	int restore;

	fprintf(stderr, "sbx login: paste the token the login printed (it starts with '%s'): ",
		a->token_prefix);
	fflush(stderr);
	restore = !tcgetattr(STDIN_FILENO, &old);
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	line[strcspn(line, "\r\n")] = '\0';
	if (!line[0])
		return NULL;
	return sbx_strdup(line);
}

/*
 * One output of the flow, read without following a link, blocking on a FIFO
 * or reading without bound: the sandbox wrote the directory, and a runtime
 * script of the project could have left a link to a host file in the place
 * of a copy. 0 and b filled; 1 when missing; -1 with a message.
 */
static int take(int dirfd, const char *leaf, const char *what, size_t max, struct sbx_buf *b)
{
	int ret = sbx_safe_read_at(dirfd, leaf, what, max, b);

	if (ret < 0) {
		memset(b->buf, 0, b->len);
		sbx_buf_reset(b);
	}
	return ret;
}

/*
 * What the flow left in out: the files it wrote, and the token it printed.
 * NULL with a message when an output is not a plain file: then nothing of
 * this login is kept.
 */
static cJSON *collect(const struct sbx_agent *a, const char *out, int code)
{
	cJSON *cred = sbx_json_new_object();
	cJSON *env = sbx_json_add_item(cred, "env", sbx_json_new_object());
	cJSON *files = sbx_json_add_item(cred, "files", sbx_json_new_object());
	struct sbx_buf b = SBX_BUF_INIT;
	int dirfd = sbx_safe_open_dir(out), ret = dirfd < 0 ? -1 : 0;

	for (size_t i = 0; !ret && i < a->cred_files.nr; i++) {
		char *leaf = sbx_asprintf("%zu", i + 1), *what = sbx_asprintf("~/%s", a->cred_files.v[i]);

		ret = take(dirfd, leaf, what, CRED_MAX, &b);
		if (!ret && strlen(b.buf) == b.len)
			sbx_json_add_string(files, a->cred_files.v[i], b.buf);
		else if (!ret)
			sbx_warn("'%s' is not text: not kept", what);
		ret = ret < 0 ? -1 : 0;
		memset(b.buf, 0, b.len);
		sbx_buf_reset(&b);
		free(leaf);
		free(what);
	}
	if (!ret && a->token_env) {
		char *token = NULL;

		ret = take(dirfd, "typescript", "the terminal record", RECORD_MAX, &b);
		if (!ret)
			token = sbx_login_find_token(b.buf, b.len, a->token_prefix);
		ret = ret < 0 ? -1 : 0;
		if (!ret && !token && code == 0 && isatty(STDIN_FILENO))
			token = ask_token(a);
		if (token) {
			sbx_json_add_string(env, a->token_env, token);
			memset(token, 0, strlen(token));
		}
		free(token);
	}
	memset(b.buf, 0, b.len);
	sbx_buf_release(&b);
	if (dirfd >= 0)
		close(dirfd);
	if (ret) {
		sbx_credentials_free(cred);
		return NULL;
	}
	return cred;
}

static void login_command(struct sbx_session *s, const char *out, char **extra, int nr_extra)
{
	const struct sbx_agent *a = &s->agent;
	struct sbx_strvec cmd = SBX_STRVEC_INIT;
	struct sbx_buf rec = SBX_BUF_INIT;

	sbx_strvec_push(&cmd, a->command);
	sbx_strvec_pushv(&cmd, (const char *const *)a->login_args.v);
	for (int i = 0; i < nr_extra; i++)
		sbx_strvec_push(&cmd, extra[i]);
	if (a->token_env)
		sbx_sq_quote_argv(&rec, (const char *const *)cmd.v);
	sbx_strvec_clear(&s->command);
	sbx_strvec_pushv(&s->command, (const char *[]){ "sh", "-c", wrapper, "sbx-login", out,
							rec.buf, NULL });
	sbx_strvec_pushf(&s->command, "%zu", a->cred_files.nr);
	sbx_strvec_pushv(&s->command, (const char *const *)a->cred_files.v);
	sbx_strvec_pushv(&s->command, (const char *const *)cmd.v);
	sbx_strvec_clear(&cmd);
	sbx_buf_release(&rec);
}

/* Removes the output directories of logins whose sbx was killed: they hold credentials. */
static void reap(const char *run)
{
	DIR *d = opendir(run);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *end, *path;
		long pid;

		if (strncmp(e->d_name, "login.", 6))
			continue;
		pid = strtol(e->d_name + 6, &end, 10);
		if (*end != '.' || pid <= 0 || pid == (long)getpid() ||
		    !(kill((pid_t)pid, 0) && errno == ESRCH))
			continue;
		path = sbx_path_join(run, e->d_name);
		if (sbx_safe_remove_tree(path))
			sbx_clear_error();
		free(path);
	}
	if (d)
		closedir(d);
}

static void describe(const cJSON *cred, struct sbx_buf *what)
{
	for (const cJSON *e = cJSON_GetObjectItemCaseSensitive(cred, "env")->child; e; e = e->next)
		sbx_buf_addf(what, "%s%s", what->len ? ", " : "", e->string);
	for (const cJSON *f = cJSON_GetObjectItemCaseSensitive(cred, "files")->child; f; f = f->next)
		sbx_buf_addf(what, "%s~/%s", what->len ? ", " : "", f->string);
}

int sbx_login(struct sbx_session *s, char **extra, int nr_extra)
{
	const struct sbx_agent *a = &s->agent;
	struct sbx_buf what = SBX_BUF_INIT;
	char *run = sbx_runtime_dir(), *out = NULL, *where;
	struct sbx_tty tty;
	cJSON *cred = NULL;
	int code = -1;

	if (!a->can_login) {
		sbx_error("the agent '%s' has no login: give it credentials with \"secrets\" or "
			  "\"envPass\", or describe its login in agents.%s.login", a->name, a->name);
		goto out;
	}
	if (!run || sbx_mkdir_private(run, 0700))
		goto out;
	reap(run);
	out = sbx_asprintf("%s/login.%ld.XXXXXX", run, (long)getpid());
	if (!mkdtemp(out)) {
		sbx_error_errno("cannot create '%s'", out);
		free(out);
		out = NULL;
		goto out;
	}
	sbx_session_add_mount(s, out, out, 1);
	/* Always a fresh, ephemeral sandbox, on the terminal. */
	s->persistent = 0;
	s->tmux = 0;
	login_command(s, out, extra, nr_extra);
	sbx_note("sbx login: %s's own login runs in a sandbox; sbx keeps its credentials\n",
		 a->name);
	sbx_tty_save(&tty);
	code = s->backend->run(s);
	sbx_tty_restore(&tty);
	if (code < 0 || sbx_pending_signal())
		goto out;
	cred = collect(a, out, code);
	if (!cred) {
		sbx_error("nothing of the login of '%s' kept: %s", a->name, sbx_last_error());
		code = -1;
		goto out;
	}
	describe(cred, &what);
	if (!what.len) {
		if (code)
			sbx_error("the login of '%s' failed (exit %d)", a->name, code);
		else
			sbx_error("the login of '%s' left no credentials (looked for %s%s%s%s)",
				  a->name, a->cred_files.nr ? "~/" : "",
				  a->cred_files.nr ? a->cred_files.v[0] : "",
				  a->cred_files.nr && a->token_env ? " and " : "",
				  a->token_env ? "a printed token" : "");
		code = code ? code : -1;
		goto out;
	}
	if (sbx_credentials_save(a->name, cred)) {
		code = -1;
		goto out;
	}
	where = sbx_credentials_where(a->name);
	sbx_note("sbx login: kept %s of '%s' in %s\n", what.buf, a->name, where);
	free(where);
	code = 0;
out:
	if (out && sbx_safe_remove_tree(out)) {
		sbx_warn("%s", sbx_last_error());
		if (code == 0)
			sbx_clear_error();
	}
	sbx_credentials_free(cred);
	sbx_buf_release(&what);
	free(out);
	free(run);
	return code;
}
