/* What ls, stop, rm and prune share: every sandbox of every usable backend. */
#include "cmd.h"
#include "backend.h"
#include "error.h"
#include "json.h"

#include <string.h>

cJSON *sbx_list_sandboxes(void)
{
	cJSON *all = sbx_json_new_array();

	for (size_t i = 0; sbx_backends[i]; i++) {
		struct sbx_buf info = SBX_BUF_INIT;

		/* A backend that is not installed has no sandboxes to show. */
		if (!sbx_backends[i]->probe(&info))
			sbx_backends[i]->list(all);
		sbx_buf_release(&info);
	}
	sbx_clear_error();
	return all;
}

const cJSON *sbx_find_sandbox(const cJSON *all, const char *name)
{
	for (const cJSON *e = all ? all->child : NULL; e; e = e->next) {
		const char *n = sbx_json_get_string(e, "name");

		if (n && !strcmp(n, name))
			return e;
	}
	return NULL;
}
