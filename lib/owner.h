#ifndef SBX_OWNER_H
#define SBX_OWNER_H

#include <cjson/cJSON.h>
#include <sys/types.h>

/*
 * Who owns a sandbox. Before sbx creates a session's sandbox it records, in
 * $XDG_STATE_HOME/sbx/sessions/NAME.json, its own pid and that process's start
 * time; a record whose process is gone (or whose pid now belongs to a process
 * started at another time) is an orphan, left by an sbx killed with SIGKILL,
 * and the next `sbx run` or `sbx prune` deletes its sandbox.
 *
 * A record: {"name", "backend", "kind": "session" | "persistent" | "template",
 *            "project", "pid", "start", "created", "tty"} (+ backend extras); "tty"
 * is the terminal on stderr or stdin, when there is one (notify.h's fallback).
 */
int sbx_owner_write(const char *name, const char *backend, const char *kind,
		    const char *project_dir, cJSON *extra);
/* The record of name, or NULL (no error recorded when it does not exist). */
cJSON *sbx_owner_read(const char *name);
int sbx_owner_remove(const char *name);
/* Every record, as an array (never NULL on success). */
int sbx_owner_list(cJSON **out);
/* Is the record's owner this very process, or another live one? */
int sbx_owner_alive(const cJSON *record);

/* A process's start time in a form only compared for equality; 0 when unknown. */
unsigned long long sbx_process_start_time(pid_t pid);

#endif
