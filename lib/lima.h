/*
 * The Lima backend's own declarations, shared by its files (internal to the
 * backend; nothing outside lib/lima*.c includes this):
 *   limactl.c        running limactl: calls, logs, locks, Lima's messages, progress
 *   lima-template.c  the template: its lima.yaml, setup, hashes
 *   lima-session.c   sessions: clone, start, environment, run, reaping
 *   lima-tmux.c      the command in tmux in the guest, attach
 *   lima-net.c       the network: rules and lockdown in the guest, a proxy per VM
 *   lima.c           the backend's operations: list, stop, remove, prune, doctor
 */
#ifndef SBX_LIMA_H
#define SBX_LIMA_H

#include "backend.h"
#include "buf.h"
#include "config.h"
#include "json.h"
#include "net-session.h"
#include "progress.h"
#include "project.h"
#include "session.h"
#include "spawn.h"
#include "strvec.h"

#include <time.h>

#define BACKEND "lima"
#define DEFAULT_IMAGE "template:debian-12"
/* Where the template sees sbx's source while it builds sbx (read-only). */
#define SOURCE_MOUNT "/mnt/sbx-src"
/*
 * Lima >= 2.0: opaque `template:NAME` bases, a repeatable `--set` (1.x keeps
 * the last one alone, silently) and `clone --start` (docs/lima.md).
 */
#define MIN_MAJOR 2
#define MIN_MINOR 0
#define MIN_VERSION "2.0"
/* A log grows by one header per command; past this size it starts again. */
#define LOG_LIMIT (1L << 20)
/* What one read of a pipe takes at most, so that bounds apply between reads. */
#define DRAIN_MAX (64 * 1024)
/* Enough of a failing command's stderr to find Lima's last fatal line. */
#define ERR_TAIL 16384
/* Provisioning (apt, npm, a build of sbx) can take long on a slow network. */
#define SETUP_TIMEOUT "30m"
#define CLONE_ATTEMPTS 5
/* limactl's grace after a signal it did not end of, before sbx ends it itself. */
#define GRACE_MS 2000

extern const char sbx_lima_install_hint[];


/* One limactl command: its arguments, where its output goes, how it ended. */
struct call {
	const char *step;		/* the limactl command, named in messages */
	const char *instance;		/* whose log gets its stderr; NULL: lima.log */
	struct sbx_strvec args;		/* argv, "limactl" first */
	const struct sbx_buf *input;	/* written to its stdin; NULL: /dev/null */
	struct sbx_buf *out;		/* gets its stdout; NULL: discarded */
	size_t out_max;			/* a guest's answer: more ends the call (-1); 0: no bound */
	struct sbx_buf err;		/* the tail of its stderr */
	struct sbx_progress *progress;	/* redrawn while it runs, or NULL */
	char *log;			/* the log's path */
	unsigned verbose : 1;		/* also copy its stderr to ours */
	unsigned own_group : 1;		/* in a process group of its own: cleanup that outlives signals */
	unsigned overflow : 1;		/* its stdout went past out_max */
	size_t logged;			/* of its stderr, in the log (LOG_LIMIT at most) */
	int code;			/* its exit code (128+N: signal N); -1: not run */
};

/*
 * What a template is built from: its lima.yaml's text and the hash of that
 * and sbx's version; the `--set` of its mounts, which replaces what a base
 * adds; the names of its provisioning steps, in order.
 */
struct template_spec {
	char *name;
	char *yaml;
	char *hash;
	char *mounts;
	struct sbx_strvec steps;
};

/* limactl.c */
char *sbx_lima_state_file(const char *dir, const char *name, const char *ext);
int sbx_lima_log_open(const char *instance, char **path);
void sbx_lima_log_header(int fd, char *const *argv);
int sbx_lima_lock_open(const char *name, int how);
int sbx_lima_relock(int fd, int how, const char *name);
void sbx_lima_unlock(int *fd);
/* sbx_progress_vbegin; with verbose (limactl's log streamed), never redrawn. */
void sbx_lima_progress_begin(struct sbx_progress *p, int quiet, int verbose, const char *fmt, ...)
	SBX_PRINTF(4, 5);
/*
 * A clone's boot step: `--set`s into args that add script to its system
 * provisioning (run as root at every boot, after cloud-init) and a
 * readiness probe (description, probe script, hint) that holds its start
 * until the step has done its work: a failed provisioning script does not
 * fail a start, a failed probe does (docs/lima.md).
 */
void sbx_lima_clone_boot(struct sbx_strvec *args, const char *script, const char *description,
			 const char *probe, const char *hint);
void sbx_lima_call_init(struct call *c, const char *instance, const char *step, ...);
void sbx_lima_call_release(struct call *c);
int sbx_lima_not_found(void);
int sbx_lima_call_run(struct call *c);
int sbx_lima_call_fail(const struct call *c, const char *fmt, ...) SBX_PRINTF(2, 3);
int sbx_lima_call_must(struct call *c, const char *fmt, ...) SBX_PRINTF(2, 3);
int sbx_lima_call_said(const struct call *c, const char *words);
int sbx_lima_interrupted(void);
int sbx_lima_check_version(struct sbx_buf *info, int cached);
int sbx_lima_list(cJSON **all);
int sbx_lima_find(const char *name, cJSON **obj);

/* lima-template.c */
void sbx_lima_spec_release(struct template_spec *t);
int sbx_lima_spec_init(struct template_spec *t, const struct sbx_project *project,
		       const struct sbx_config *cfg);
char *sbx_lima_built_hash(const char *name);
int sbx_lima_template_fresh(const struct template_spec *t, int trust_state);
void sbx_lima_forget_template(const char *name);
int sbx_lima_delete(const char *name, int own);
int sbx_lima_ensure_template(const struct template_spec *t, const struct sbx_project *project,
			     int force, int quiet, int verbose, int *lockfd, int trust_state);
int sbx_lima_setup(struct sbx_session *s);

/* lima-session.c */
int sbx_lima_wait_command(struct sbx_child *c);
cJSON *sbx_lima_record_extra(const char *tmpl);
int sbx_lima_reap_orphans(int dry_run, cJSON *removed);
int sbx_lima_run(struct sbx_session *s);

/* lima-tmux.c */
int sbx_lima_run_tmux(struct sbx_session *s, const char *name, const char *envfile,
		      const char *tmpl, int *handed_over);
int sbx_lima_attach(const char *name);

/* lima.c */
const cJSON *sbx_lima_find_record(const cJSON *records, const char *name);

/*
 * lima-net.c: the template's part (the ruleset and sbx-lockdown, installed,
 * not loaded: sbx_lima_net_provision appends it to the provision list); a
 * run's part: prepare (before the clone: the proxy's listening port, kept
 * per persistent VM, and the session's proxy variables with a new token),
 * clone (the clone's boot script and readiness probe), start (the proxy,
 * logging for run), release (ends the proxy; handed_over: a keeper owns it).
 */
struct lima_net {
	int listen_fd;
	int port;
	struct sbx_net_proxy proxy;
	char *log;
};

extern const char sbx_lima_egress_rules[];
extern const char sbx_lima_egress_none_rules[];
void sbx_lima_net_provision(cJSON *provision);
void sbx_lima_net_init(struct lima_net *n);
int sbx_lima_net_prepare(struct sbx_session *s, const char *persistent, struct lima_net *n);
void sbx_lima_net_clone(const struct sbx_session *s, const struct lima_net *n,
			struct sbx_strvec *args);
int sbx_lima_net_start(struct sbx_session *s, const char *run, const char *sandbox,
		       struct lima_net *n);
void sbx_lima_net_release(struct lima_net *n, int handed_over);
/* Forgets a persistent VM's network (its port and mode), when it is removed. */
void sbx_lima_net_forget(const char *name);

#endif
