#ifndef SBX_COMMANDS_H
#define SBX_COMMANDS_H

/*
 * The one list of commands. It expands into the declarations and the table
 * (cmd/table.c); each command lives in cmd/NAME.c as `sbx_cmd_NAME`.
 * The order is the order of `sbx --help`.
 */
#define SBX_COMMAND_LIST(X) \
	X(run) \
	X(shell) \
	X(setup) \
	X(ls) \
	X(stop) \
	X(rm) \
	X(prune) \
	X(attach) \
	X(doctor) \
	X(config) \
	X(trust) \
	X(hook) \
	X(notify) \
	X(net) \
	X(wt) \
	X(plugins) \
	X(login) \
	X(logout) \
	X(completion) \
	X(init) \
	X(help) \
	X(version)

#define SBX_DECLARE_COMMAND(n) extern const struct sbx_cmd sbx_cmd_##n;
SBX_COMMAND_LIST(SBX_DECLARE_COMMAND)

#endif
