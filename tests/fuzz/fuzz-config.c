/*
 * libFuzzer harness for the configuration: whatever the bytes, parsing,
 * validating, merging (twice, so arrays accumulate and scalars override),
 * looking up and showing never crash, never leak, and agree with each other.
 * Bytes that are not JSON are tried as SBX_* variables, one per line.
 */
#include "config.h"
#include "json.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_env(const uint8_t *data, size_t size)
{
	char *text = sbx_strndup((const char *)data, size);
	char *envp[64];
	size_t n = 0;
	struct sbx_config *cfg = sbx_config_new();
	struct sbx_buf out = SBX_BUF_INIT;

	for (char *line = strtok(text, "\n"); line && n < 63; line = strtok(NULL, "\n"))
		envp[n++] = line;
	envp[n] = NULL;
	if (!sbx_config_merge_env(cfg, envp))
		sbx_config_show(cfg, &out, 0);
	(void)sbx_parse_size(text);
	sbx_buf_release(&out);
	sbx_config_free(cfg);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"cpus", "mounts", "mounts[0]", "mounts[1].location", "env", "network.mode",
		"notify.events[0]", "secrets", "agents", "personal", "", "[0]", "a..b", "env.",
	};
	struct sbx_buf out = SBX_BUF_INIT;
	struct sbx_config *cfg;
	cJSON *doc;
	int valid;

	if (size > 64 * 1024)
		return 0;
	if (sbx_jsonc_parse((const char *)data, size, "fuzz.json", &doc)) {
		check_env(data, size);
		return 0;
	}
	valid = !sbx_config_validate(doc, "fuzz.json");
	cfg = sbx_config_new();
	if (sbx_config_merge(cfg, SBX_LAYER_USER, "fuzz.json", doc) != (valid ? 0 : -1))
		abort();
	if (valid) {
		const cJSON *c;

		if (sbx_config_merge(cfg, SBX_LAYER_REPO, "again.json", doc))
			abort();
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			(void)sbx_config_get(cfg, paths[i]);
			(void)sbx_config_origin(cfg, paths[i]);
		}
		/* Every top-level key given has a value and an origin. */
		cJSON_ArrayForEach(c, doc)
			if (!sbx_config_get(cfg, c->string) || !sbx_config_origin(cfg, c->string))
				abort();
		sbx_config_show(cfg, &out, 0);
		sbx_config_show(cfg, &out, 1);
	}
	sbx_buf_release(&out);
	sbx_config_free(cfg);
	cJSON_Delete(doc);
	return 0;
}
