#include "git.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

static int initialised;

#ifdef SBX_LIBGIT2_MBEDTLS
/*
 * Debian's libgit2 is built with mbedTLS, whose global init parses the whole
 * CA bundle (about 3 ms, most of sbx's own time per command) for HTTPS that
 * sbx never does through libgit2: it only reads local repositories.
 * libgit2.so imports these two functions; definitions in the executable take
 * precedence, so the bundle is not parsed. Any HTTPS through libgit2 in this
 * process would then fail certificate verification, never pass it.
 */
struct mbedtls_x509_crt;
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);
int mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path);

int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

int mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}
#endif

static void shutdown_git(void)
{
	git_libgit2_shutdown();
}

void sbx_git_init(void)
{
	const char *file, *dir;
	char *saved_file, *saved_dir;

	if (initialised)
		return;
	initialised = 1;
	file = getenv("SSL_CERT_FILE");
	dir = getenv("SSL_CERT_DIR");
	saved_file = file ? strdup(file) : NULL;
	saved_dir = dir ? strdup(dir) : NULL;
	/*
	 * libgit2's init has OpenSSL parse the whole CA bundle (about 5 ms), for
	 * HTTPS that sbx never does through libgit2 (it only reads local
	 * repositories). Point OpenSSL at nothing for the duration of the call.
	 */
	setenv("SSL_CERT_FILE", "/dev/null", 1);
	setenv("SSL_CERT_DIR", "/dev/null", 1);
	git_libgit2_init();
	if (saved_file)
		setenv("SSL_CERT_FILE", saved_file, 1);
	else
		unsetenv("SSL_CERT_FILE");
	if (saved_dir)
		setenv("SSL_CERT_DIR", saved_dir, 1);
	else
		unsetenv("SSL_CERT_DIR");
	free(saved_file);
	free(saved_dir);
	atexit(shutdown_git);
}
