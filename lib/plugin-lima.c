/*
 * The plugins in Lima's terms: template scripts become lima.yaml provision
 * entries (mode system or user, in the enabled order), forwards become
 * portForwards of the session's clone (a host socket in the guest is a
 * `reverse: true` entry; "~/" in the guest is Lima's {{.Home}}).
 */
#include "plugin.h"
#include "json.h"
#include "session.h"
#include "xalloc.h"

#include <sbx/plugin.h>

#include <stdlib.h>
#include <string.h>

struct provision {
	cJSON *list;
	const char *mode;
};

static int add_provision(void *data, const char *plugin, const char *script)
{
	struct provision *p = data;
	cJSON *e = sbx_json_append(p->list, sbx_json_new_object());
	char *step = sbx_asprintf("the plugin %s's %s script", plugin, p->mode);

	sbx_json_add_string(e, "mode", p->mode);
	sbx_json_add_string(e, "script", script);
	/* How a failure of it is named (lima-template.c takes the key out). */
	sbx_json_add_string(e, "sbxStep", step);
	free(step);
	return 0;
}

int sbx_plugins_lima_template(const struct sbx_config *cfg, cJSON *yaml)
{
	struct provision p = { cJSON_GetObjectItemCaseSensitive(yaml, "provision"), "system" };

	if (!p.list)
		p.list = sbx_json_add_item(yaml, "provision", sbx_json_new_array());
	if (sbx_plugins_template_scripts(cfg, "lima", SBX_PLUGIN_SCRIPT_SYSTEM, add_provision, &p))
		return -1;
	p.mode = "user";
	return sbx_plugins_template_scripts(cfg, "lima", SBX_PLUGIN_SCRIPT_USER, add_provision, &p);
}

static char *lima_guest(const char *guest)
{
	return strncmp(guest, "~/", 2) ? sbx_strdup(guest) : sbx_asprintf("{{.Home}}%s", guest + 1);
}

void sbx_plugins_lima_clone(const struct sbx_session *s, struct sbx_strvec *args)
{
	const struct sbx_plugin_session *ps = s->plugins;
	struct sbx_buf b = SBX_BUF_INIT;
	cJSON *list;

	if (!ps || !ps->nr_forwards)
		return;
	list = sbx_json_new_array();
	for (size_t i = 0; i < ps->nr_forwards; i++) {
		const struct sbx_plugin_forward *f = &ps->forwards[i];
		cJSON *e = sbx_json_append(list, sbx_json_new_object());

		if (f->host_socket) {
			char *guest = lima_guest(f->guest_socket);

			sbx_json_add_string(e, "guestSocket", guest);
			sbx_json_add_string(e, "hostSocket", f->host_socket);
			sbx_json_add_bool(e, "reverse", 1);
			free(guest);
		} else {
			sbx_json_add_number(e, "guestPort", f->guest_port);
			sbx_json_add_number(e, "hostPort", f->host_port);
		}
	}
	/* Appended: others (hook events) may forward sockets of their own. */
	sbx_buf_adds(&b, ".portForwards += ");
	sbx_json_print(&b, list, 0);
	sbx_strvec_push(args, "--set");
	sbx_strvec_push(args, b.buf);
	cJSON_Delete(list);
	sbx_buf_release(&b);
}
