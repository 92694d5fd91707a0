#ifndef SBX_PATHS_H
#define SBX_PATHS_H

#include <sys/types.h>

/*
 * Where sbx keeps things, following the XDG base directory spec: a variable
 * that is unset, empty or relative is ignored. Every function returns a newly
 * allocated path (the caller frees it) or NULL after recording an error.
 *
 *   config   $XDG_CONFIG_HOME/sbx   (~/.config/sbx)       config.json
 *   data     $XDG_DATA_HOME/sbx     (~/.local/share/sbx)  homes, plugins
 *   state    $XDG_STATE_HOME/sbx    (~/.local/state/sbx)  sessions, logs
 *   runtime  $XDG_RUNTIME_DIR/sbx   ($TMPDIR/sbx-UID)     sockets
 */
char *sbx_home_dir(void);
char *sbx_config_dir(void);
char *sbx_data_dir(void);
char *sbx_state_dir(void);
char *sbx_runtime_dir(void);
/* A run's own directory on the host, which its sandbox never sees: RUNTIME/sessions/NAME. */
char *sbx_run_dir(const char *name);

/* mkdir -p; the last component gets mode, parents 0755 (less the umask). */
int sbx_mkdir_p(const char *path, mode_t mode);
/* Like sbx_mkdir_p, then insists the directory is ours and has exactly mode. */
int sbx_mkdir_private(const char *path, mode_t mode);
/* dir + "/" + name, newly allocated. */
char *sbx_path_join(const char *dir, const char *name);
/*
 * path with "." and empty components dropped and ".." taking the one before
 * it away, by the letters alone (as Go's filepath.Clean): "/a/b/../c/" is
 * "/a/c". For comparing paths, not for opening them.
 */
char *sbx_path_clean(const char *path);
/* Is path absolute? */
int sbx_path_is_absolute(const char *path);
/* A path with "~/" expanded to the home directory; others copied. */
char *sbx_path_expand_home(const char *path);
/* The absolute path of the running sbx executable (symbolic links resolved). */
char *sbx_self_exe(void);

#endif
