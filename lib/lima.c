/* The lima backend. Being built: every operation says so. */
#include "backend.h"
#include "error.h"

static int not_yet(void)
{
	return sbx_error("the lima backend is not implemented yet");
}

static int probe(struct sbx_buf *info)
{
	(void)info;
	return not_yet();
}

static int setup(struct sbx_session *s)
{
	(void)s;
	return not_yet();
}

static int run(struct sbx_session *s)
{
	(void)s;
	return not_yet();
}

static int list(cJSON *out)
{
	(void)out;
	return 0;
}

static int stop(const char *name)
{
	(void)name;
	return not_yet();
}

static int remove_sandbox(const char *name, int force)
{
	(void)name;
	(void)force;
	return not_yet();
}

static int prune(int dry_run, cJSON *removed)
{
	(void)dry_run;
	(void)removed;
	return 0;
}

static void doctor(const struct sbx_config *cfg, sbx_report_fn report)
{
	(void)cfg;
	report(SBX_CHECK_FAIL, "lima", "not implemented yet", NULL);
}

const struct sbx_backend sbx_backend_lima = {
	.name = "lima",
	.probe = probe,
	.setup = setup,
	.run = run,
	.list = list,
	.stop = stop,
	.remove = remove_sandbox,
	.prune = prune,
	.doctor = doctor,
};
