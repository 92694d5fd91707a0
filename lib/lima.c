/*
 * The Lima backend: every sandbox is a Lima VM, and everything done to a VM
 * is one limactl call (lima-contract.md says exactly what each one does).
 *
 *   template    sbx-app-1a2b3c        built by `sbx setup` (or by the first run):
 *                                     base packages, the agents' npm packages and
 *                                     sbx itself, provisioned at first boot; then
 *                                     stopped, with provisioning and mounts removed
 *   session     sbx-app-4d5e6f-k3x9q  a clone per ephemeral run, deleted after it
 *   persistent  sbx-app-4d5e6f-keep   one clone per project, kept (--keep)
 *
 * What sbx keeps of its own, under $XDG_STATE_HOME/sbx:
 *   templates/NAME.json  the hash of the inputs the template was built from
 *   templates/NAME.yaml  the lima.yaml it was created from (never a secret in it)
 *   locks/NAME.lock      flock: one build of a template at a time, and no
 *                        rebuild while a run clones it; one start of a
 *                        persistent VM at a time
 *   sessions/NAME.json   ownership records (owner.h)
 *   logs/NAME.log        each limactl command line run for NAME and its stderr
 *
 * Secrets: values of the session's environment never reach an argv, a
 * lima.yaml or a log; they travel once, through the stdin of one
 * `limactl shell`, into a file in the guest's tmpfs that the launcher reads
 * and removes.
 */
#include "lima.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "owner.h"
#include "tmux.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ----------------------------------------------------------------- commands */

static int probe(struct sbx_buf *info)
{
	return sbx_lima_check_version(info, 0);
}

/* Does the name look like a session's: sbx-BASE-HHHHHH-RRRRR (hex hash, random base36)? */
static int session_looking(const char *name)
{
	size_t len = strlen(name);
	const char *p = name + len;

	if (strncmp(name, "sbx-", 4) || len < 4 + 1 + 7 + 6)
		return 0;
	for (int i = 0; i < 5; i++) {
		p--;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
			return 0;
	}
	if (*--p != '-')
		return 0;
	for (int i = 0; i < 6; i++) {
		p--;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	}
	return p[-1] == '-';
}

const cJSON *sbx_lima_find_record(const cJSON *records, const char *name)
{
	for (const cJSON *r = records ? records->child : NULL; r; r = r->next) {
		const char *n = sbx_json_get_string(r, "name");
		const char *backend = sbx_json_get_string(r, "backend");

		if (n && backend && !strcmp(n, name) && !strcmp(backend, BACKEND))
			return r;
	}
	return NULL;
}

/* A template's state file, parsed; NULL when sbx did not build it. */
static cJSON *template_state(const char *name)
{
	char *path = sbx_lima_state_file("templates", name, ".json");
	cJSON *state = NULL;

	if (path && !access(path, F_OK) && sbx_jsonc_read_file(path, &state))
		state = NULL;
	sbx_clear_error();
	free(path);
	return state;
}

static void add_listing(cJSON *out, const cJSON *inst, const cJSON *records)
{
	const char *name = sbx_json_get_string(inst, "name");
	const cJSON *rec = sbx_lima_find_record(records, name);
	cJSON *state = rec ? NULL : template_state(name);
	cJSON *e = sbx_json_append(out, sbx_json_new_object());
	const char *kind, *project;

	if (rec)
		kind = sbx_json_get_string(rec, "kind");
	else if (state)
		kind = "template";
	else if (strlen(name) > 5 && !strcmp(name + strlen(name) - 5, "-keep"))
		kind = "persistent";
	else
		kind = session_looking(name) ? "session" : "template";
	project = sbx_json_get_string(rec ? rec : state, "project");
	sbx_json_add_string(e, "name", name);
	sbx_json_add_string(e, "backend", BACKEND);
	sbx_json_add_string(e, "kind", kind ? kind : "session");
	sbx_json_add_string(e, "status", sbx_json_get_string(inst, "status") ?
			    sbx_json_get_string(inst, "status") : "Unknown");
	if (project)
		sbx_json_add_string(e, "project", project);
	if (rec && sbx_owner_alive(rec))
		sbx_json_add_number(e, "owner", sbx_json_get_number(rec, "pid", 0));
	if (rec && sbx_json_get_string(rec, "template"))
		sbx_json_add_string(e, "template", sbx_json_get_string(rec, "template"));
	sbx_tmux_listing(e, rec);
	cJSON_Delete(state);
}

static int list(cJSON *out)
{
	cJSON *all, *records = NULL;

	if (sbx_lima_list(&all))
		return -1;
	if (sbx_owner_list(&records))
		sbx_clear_error();
	for (const cJSON *inst = all->child; inst; inst = inst->next)
		if (!strncmp(sbx_json_get_string(inst, "name"), "sbx-", 4))
			add_listing(out, inst, records);
	cJSON_Delete(records);
	cJSON_Delete(all);
	return 0;
}

static int stop(const char *name)
{
	struct call c;
	int ret;

	sbx_lima_call_init(&c, name, "stop", name, NULL);
	ret = sbx_lima_call_run(&c);
	/* Stopping what is already stopped is not a failure. */
	if (ret > 0 && sbx_lima_call_said(&c, "got `Stopped`"))
		ret = 0;
	else if (ret)
		ret = sbx_lima_call_fail(&c, "cannot stop '%s'", name);
	sbx_lima_call_release(&c);
	return ret;
}

static int remove_sandbox(const char *name, int force)
{
	struct call c;
	int ret;
	char *log;

	if (force)
		sbx_lima_call_init(&c, name, "delete", "-f", name, NULL);
	else
		sbx_lima_call_init(&c, name, "delete", name, NULL);
	ret = sbx_lima_call_run(&c);
	if (ret && sbx_lima_call_said(&c, "expected status `Stopped`"))
		ret = sbx_error("'%s' is running: stop it first ('sbx stop %s') or use 'sbx rm -f'",
				name, name);
	else if (ret)
		ret = sbx_lima_call_fail(&c, "cannot delete '%s'", name);
	sbx_lima_call_release(&c);
	if (ret)
		return -1;
	sbx_lima_forget_template(name);
	sbx_lima_net_forget(name);
	log = sbx_lima_state_file("logs", name, ".log");
	if (log)
		unlink(log);
	free(log);
	return sbx_owner_remove(name);
}

/*
 * Orphans: sessions whose owner is dead, and session-looking VMs that no
 * record owns and no template state claims (an sbx killed between clone
 * and record cannot happen, but a state directory wiped by hand can).
 * Persistent VMs and templates are never pruned.
 */
static int prune(int dry_run, cJSON *removed)
{
	cJSON *all, *records = NULL;
	int ret;

	if (sbx_lima_list(&all))
		return -1;
	ret = sbx_lima_reap_orphans(dry_run, removed);
	if (sbx_owner_list(&records)) {
		cJSON_Delete(all);
		return -1;
	}
	for (const cJSON *inst = all->child; inst; inst = inst->next) {
		const char *name = sbx_json_get_string(inst, "name");
		cJSON *state;
		int seen = 0;

		if (!session_looking(name) || sbx_lima_find_record(records, name))
			continue;
		for (const cJSON *r = removed ? removed->child : NULL; r; r = r->next)
			seen |= !strcmp(r->valuestring, name);
		state = template_state(name);
		if (!seen && !state) {
			if (!dry_run && sbx_lima_delete(name, 1))
				ret = -1;
			else if (removed)
				sbx_json_append(removed, sbx_json_new_string(name));
		}
		cJSON_Delete(state);
	}
	cJSON_Delete(records);
	cJSON_Delete(all);
	return ret;
}

/* ------------------------------------------------------------------ doctor */

static void doctor_vm_types(const struct sbx_config *cfg, sbx_report_fn report)
{
	struct call c;
	struct sbx_buf out = SBX_BUF_INIT, types = SBX_BUF_INIT;
	const char *want = cfg ? sbx_config_string(cfg, "vmType") : NULL;
	cJSON *info = NULL;
	int have = 0;

	sbx_lima_call_init(&c, NULL, "info", NULL);
	c.out = &out;
	if (sbx_lima_call_must(&c, "cannot ask Lima what it can run") ||
	    !(info = cJSON_ParseWithLength(out.buf, out.len))) {
		report(SBX_CHECK_WARN, "lima vmTypes", c.code ? sbx_last_error() :
		       "'limactl info' did not answer JSON", "check Lima's installation");
		goto out;
	}
	for (const cJSON *v = cJSON_GetObjectItemCaseSensitive(info, "vmTypes") ?
	     cJSON_GetObjectItemCaseSensitive(info, "vmTypes")->child : NULL; v; v = v->next) {
		if (!cJSON_IsString(v))
			continue;
		sbx_buf_addf(&types, "%s%s", types.len ? ", " : "", v->valuestring);
		have |= want && !strcmp(want, v->valuestring);
	}
	if (!types.len)
		report(SBX_CHECK_FAIL, "lima vmTypes", "Lima reports no VM type it can run",
		       "install QEMU (Linux) or use macOS 13+ for vz");
	else if (want && !have)
		report(SBX_CHECK_FAIL, "lima vmTypes", types.buf,
		       "the configured vmType is not among them: change \"vmType\" or remove it");
	else
		report(SBX_CHECK_OK, "lima vmTypes", types.buf, NULL);
out:
	cJSON_Delete(info);
	sbx_buf_release(&types);
	sbx_buf_release(&out);
	sbx_lima_call_release(&c);
}

static void doctor_template(const struct sbx_config *cfg, sbx_report_fn report)
{
	struct sbx_project project;
	struct template_spec t;
	char *hash;
	int fresh;

	if (!cfg || sbx_project_detect(&project, NULL)) {
		sbx_clear_error();
		return;
	}
	if (sbx_lima_spec_init(&t, &project, cfg)) {
		report(SBX_CHECK_FAIL, "lima template", sbx_last_error(), "set SBX_SOURCE_DIR");
		sbx_project_release(&project);
		return;
	}
	fresh = sbx_lima_template_fresh(&t, 0);
	hash = sbx_lima_built_hash(t.name);
	if (fresh > 0)
		report(SBX_CHECK_OK, "lima template", t.name, NULL);
	else if (fresh < 0)
		report(SBX_CHECK_WARN, "lima template", sbx_last_error(), "see the log it names");
	else
		report(SBX_CHECK_WARN, "lima template", hash ?
		       "out of date: its inputs changed since it was built" : "not built yet",
		       "run 'sbx setup' (sbx run also builds it, the first time)");
	free(hash);
	sbx_lima_spec_release(&t);
	sbx_project_release(&project);
}

static void doctor(const struct sbx_config *cfg, sbx_report_fn report)
{
	struct sbx_buf info = SBX_BUF_INIT;
	const char *chosen = cfg ? sbx_config_string(cfg, "backend") : NULL;
	/* Lima is not a failure on a machine that chose bwrap. */
	enum sbx_check bad = chosen && !strcmp(chosen, "bwrap") ? SBX_CHECK_WARN : SBX_CHECK_FAIL;

	/* Nor where it is not installed and not chosen: nothing uses it (doctor's backend line). */
	if (!sbx_which("limactl")) {
		report(chosen && !strcmp(chosen, "lima") ? SBX_CHECK_FAIL : SBX_CHECK_WARN, "lima",
		       "limactl was not found on PATH", sbx_lima_install_hint);
		return;
	}
	if (sbx_lima_check_version(&info, 0)) {
		report(bad, "lima", sbx_last_error(), geteuid() == 0 ?
		       "run sbx as your own user: Lima does not run as root" :
		       "upgrade or reinstall Lima");
		sbx_buf_release(&info);
		return;
	}
	report(SBX_CHECK_OK, "lima", info.buf, NULL);
	sbx_buf_release(&info);
	doctor_vm_types(cfg, report);
	doctor_template(cfg, report);
}

const struct sbx_backend sbx_backend_lima = {
	.name = BACKEND,
	.probe = probe,
	.setup = sbx_lima_setup,
	.run = sbx_lima_run,
	.list = list,
	.stop = stop,
	.remove = remove_sandbox,
	.prune = prune,
	.doctor = doctor,
	.attach = sbx_lima_attach,
};
