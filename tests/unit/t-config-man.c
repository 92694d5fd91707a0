/*
 * sbx.json(5) documents the configuration: every key of the schema has an
 * entry ("*network.mode*" on a line of its own; a map's entries as
 * "*agents.<name>.command*", an array's objects as "*mounts[].location*"),
 * and every SBX_* variable is named. A new key without its entry fails here.
 */
#include "tap.h"

#include "buf.h"
#include "config-schema.h"
#include "xalloc.h"

static struct sbx_buf page = SBX_BUF_INIT;

/* "SBX_NOTIFY_SOUND" as scdoc source writes it: "SBX\_NOTIFY\_SOUND". */
static char *escaped(const char *s)
{
	struct sbx_buf b = SBX_BUF_INIT;

	for (; *s; s++) {
		if (*s == '_')
			sbx_buf_addch(&b, '\\');
		sbx_buf_addch(&b, *s);
	}
	return sbx_buf_detach(&b);
}

static void check_key(const char *path, const struct sbx_config_key *k)
{
	char *entry = sbx_asprintf("\n*%s*\n", path);

	if (!ok(strstr(page.buf, entry) != NULL, "sbx.json(5) has an entry for %s", path))
		diag("add a line '*%s*' and its description to share/man/sbx.json.5.scd", path);
	free(entry);
	if (k->env) {
		char *var = escaped(k->env);

		ok(strstr(page.buf, var) != NULL, "sbx.json(5) names %s", k->env);
		free(var);
	}
}

static void walk(const char *prefix, const struct sbx_config_key *fields)
{
	for (const struct sbx_config_key *f = fields; f->name; f++) {
		char *path = sbx_asprintf("%s%s", prefix, f->name);

		if (f->type == SBX_CT_OBJECT) {
			char *sub = sbx_asprintf("%s.", path);

			walk(sub, f->fields);
			free(sub);
		} else {
			check_key(path, f);
			if (f->item && f->item->type == SBX_CT_OBJECT) {
				char *sub = sbx_asprintf("%s%s", path,
							 f->type == SBX_CT_MAP ? ".<name>." : "[].");

				walk(sub, f->item->fields);
				free(sub);
			}
		}
		free(path);
	}
}

int main(void)
{
	if (!ok(!sbx_buf_read_file(&page, SBX_SRCDIR "/share/man/sbx.json.5.scd"),
		"the page's source can be read"))
		return done_testing();
	walk("", sbx_config_schema.fields);
	sbx_buf_release(&page);
	return done_testing();
}
