#ifndef SBX_CMD_SCRIPTS_H
#define SBX_CMD_SCRIPTS_H

/*
 * The shell scripts sbx prints, compiled in from their files at build time
 * (the Makefile's embedding rule: each file becomes one string), so that
 * `sbx completion` and `sbx init` need nothing installed beside the binary.
 */
extern const char sbx_embedded_completions_sbx_bash[];	/* completions/sbx.bash */
extern const char sbx_embedded_completions_sbx_zsh[];	/* completions/sbx.zsh */
extern const char sbx_embedded_share_sbx_init_bash[];	/* share/sbx-init.bash */
extern const char sbx_embedded_share_sbx_init_zsh[];	/* share/sbx-init.zsh */

#endif
