/*
 * sbx doctor's lines for notifications: is one on, which notifier, can it
 * show, the server, and whether its notifications get through. A running
 * server says what it uses (the desktop variables of the latest sbx run
 * that had any) and what failed last: the doctor's own environment may be
 * another (an ssh session) than the one notifications go to.
 */
#include "backend.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "notify.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The running server's counters and state, as the user's socket answers; NULL without one. */
static cJSON *server_stats(void)
{
	cJSON *req = sbx_json_new_object(), *answer = NULL;

	sbx_json_add_bool(req, "stats", 1);
	if (sbx_notify_ask(req, &answer, 1000)) {
		sbx_clear_error();
		answer = NULL;
	}
	cJSON_Delete(req);
	return answer;
}

static int has_string(const cJSON *array, const char *s)
{
	for (const cJSON *v = cJSON_IsArray(array) ? array->child : NULL; v; v = v->next)
		if (cJSON_IsString(v) && !strcmp(v->valuestring, s))
			return 1;
	return 0;
}

#define BUS_FIX "start 'sbx run' from your desktop session once: each run hands the server its " \
		"D-Bus address (DBUS_SESSION_BUS_ADDRESS)"

static void notifier_line(enum sbx_notifier n, const cJSON *stats, sbx_report_fn report)
{
	char *line;

	if (n == SBX_NOTIFIER_TERMINAL) {
		report(SBX_CHECK_WARN, "notifications",
		       "no desktop notifier: a bell and OSC 9 on the terminal of sbx run",
#ifdef __APPLE__
		       "brew install terminal-notifier"
#else
		       "install notify-send (apt-get install libnotify-bin)"
#endif
		       );
		return;
	}
	if (n == SBX_NOTIFIER_NOTIFY_SEND && stats &&
	    !has_string(cJSON_GetObjectItemCaseSensitive(stats, "desktop"),
			"DBUS_SESSION_BUS_ADDRESS")) {
		/* notify-send cannot autolaunch a bus without X11: it would fail every time. */
		report(SBX_CHECK_WARN, "notifications",
		       "notify-send, but the server knows no D-Bus session bus", BUS_FIX);
		return;
	}
	if (n == SBX_NOTIFIER_NOTIFY_SEND && !stats && !getenv("DBUS_SESSION_BUS_ADDRESS")) {
		report(SBX_CHECK_WARN, "notifications", "notify-send, but no D-Bus session bus",
		       "run sbx from a desktop session (DBUS_SESSION_BUS_ADDRESS is not set)");
		return;
	}
	line = sbx_asprintf("through %s", sbx_notifier_name(n));
	report(SBX_CHECK_OK, "notifications", line, NULL);
	free(line);
}

/* Did the server's last notification fail? Then why, and how many did. */
static void delivery_line(const cJSON *stats, sbx_report_fn report)
{
	double ok_at = sbx_json_get_number(stats, "delivered_at", 0);
	double failed_at = sbx_json_get_number(stats, "failed_at", 0);
	const char *failure = sbx_json_get_string(stats, "failure");
	struct sbx_buf b = SBX_BUF_INIT;

	if (failed_at <= 0 || failed_at < ok_at)
		return;
	sbx_buf_addf(&b, "the last notification failed (%.0f of %.0f failed): ",
		     sbx_json_get_number(stats, "failed", 0),
		     sbx_json_get_number(stats, "delivered", 0));
	sbx_notify_clean_text(&b, failure ? failure : "unknown", 200);
	report(SBX_CHECK_WARN, "notify delivery", b.buf,
	       failure && strstr(failure, "D-Bus") ? BUS_FIX :
	       "see the server's log, $XDG_STATE_HOME/sbx/notify.log");
	sbx_buf_release(&b);
}

void sbx_notify_doctor(const struct sbx_config *cfg, sbx_report_fn report)
{
	cJSON *stats;
	char *sock, *line;

	if (cfg && !sbx_config_bool(cfg, "notify.enabled")) {
		report(SBX_CHECK_OK, "notifications", "off (notify.enabled is false)", NULL);
		return;
	}
	stats = server_stats();
	notifier_line(sbx_notifier_detect(), stats, report);
	sock = sbx_notify_socket_path();
	if (sock) {
		line = sbx_asprintf(stats ? "server listening on %s"
				    : "server not running (sbx run starts it): %s", sock);
		report(SBX_CHECK_OK, "notify server", line, NULL);
		free(line);
	}
	sbx_clear_error();
	if (stats)
		delivery_line(stats, report);
	cJSON_Delete(stats);
	free(sock);
}
