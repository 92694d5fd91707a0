/* sbx doctor's lines for notifications: is one on, which notifier, can it show, the server. */
#include "backend.h"
#include "config.h"
#include "notify.h"
#include "xalloc.h"

#include <stdlib.h>
#include <unistd.h>

void sbx_notify_doctor(const struct sbx_config *cfg, sbx_report_fn report)
{
	enum sbx_notifier n;
	char *sock, *line;
	int fd;

	if (cfg && !sbx_config_bool(cfg, "notify.enabled")) {
		report(SBX_CHECK_OK, "notifications", "off (notify.enabled is false)", NULL);
		return;
	}
	n = sbx_notifier_detect();
	if (n == SBX_NOTIFIER_TERMINAL) {
		report(SBX_CHECK_WARN, "notifications",
		       "no desktop notifier: a bell and OSC 9 on the terminal of sbx run",
#ifdef __APPLE__
		       "brew install terminal-notifier"
#else
		       "install notify-send (apt-get install libnotify-bin)"
#endif
		       );
	} else if (n == SBX_NOTIFIER_NOTIFY_SEND && !getenv("DBUS_SESSION_BUS_ADDRESS")) {
		/* notify-send cannot autolaunch a bus without X11: it would fail every time. */
		report(SBX_CHECK_WARN, "notifications", "notify-send, but no D-Bus session bus",
		       "run sbx from a desktop session (DBUS_SESSION_BUS_ADDRESS is not set)");
	} else {
		line = sbx_asprintf("through %s", sbx_notifier_name(n));
		report(SBX_CHECK_OK, "notifications", line, NULL);
		free(line);
	}
	sock = sbx_notify_socket_path();
	if (!sock)
		return;
	fd = sbx_notify_connect(sock, 200);
	line = sbx_asprintf(fd >= 0 ? "server listening on %s" : "server not running (sbx run starts it): %s",
			    sock);
	report(SBX_CHECK_OK, "notify server", line, NULL);
	if (fd >= 0)
		close(fd);
	free(line);
	free(sock);
}
