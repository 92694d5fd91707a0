#include "backend.h"
#include "config.h"
#include "error.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct sbx_backend *const sbx_backends[] = { &sbx_backend_lima, &sbx_backend_bwrap, NULL };

const struct sbx_backend *sbx_backend_find(const char *name)
{
	for (size_t i = 0; sbx_backends[i]; i++)
		if (!strcmp(sbx_backends[i]->name, name))
			return sbx_backends[i];
	return NULL;
}

int sbx_which(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	int found = 0;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	copy = sbx_strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *full = sbx_asprintf("%s/%s", *dir ? dir : ".", prog);

		found = access(full, X_OK) == 0;
		free(full);
	}
	free(copy);
	return found;
}

int sbx_backend_choose(const struct sbx_config *cfg, const struct sbx_backend **out)
{
	const char *name = sbx_config_string(cfg, "backend");

	*out = NULL;
	if (name && *name) {
		*out = sbx_backend_find(name);
		if (!*out)
			return sbx_error("unknown backend '%s': use lima or bwrap", name);
		return 0;
	}
	if (sbx_which("limactl")) {
		*out = &sbx_backend_lima;
		return 0;
	}
	return sbx_error("no backend: limactl was not found; install Lima (a VM per sandbox), "
			 "or choose bubblewrap with --backend bwrap or \"backend\": \"bwrap\" "
			 "(Linux only, a weaker boundary: same kernel)");
}
