#ifndef SBX_NET_TLS_H
#define SBX_NET_TLS_H

#include <stddef.h>

/*
 * The first flight of a TLS client in a CONNECT tunnel (attacker-controlled):
 * the server name its ClientHello asks for, which sbx's proxy compares with
 * the name CONNECT named, so that an allowed name is not a way to reach
 * another name served at the same address.
 */

/* A ClientHello longer than this (its handshake message) is refused. */
#define SBX_TLS_HELLO_MAX 32768

enum sbx_tls_hello {
	SBX_TLS_MORE,		/* not all of it yet */
	SBX_TLS_SNI,		/* a host name; in sni, normalized */
	SBX_TLS_NO_SNI,		/* no server_name extension (or no host name in it) */
	SBX_TLS_ECH,		/* encrypted_client_hello: the real name is hidden */
	SBX_TLS_BAD,		/* not a ClientHello, malformed, or too long */
};

/*
 * Reads the ClientHello from the records at the start of data (len bytes so
 * far; the first byte is 0x16), reassembling a hello split across records
 * and segments. sni holds SBX_NET_NAME_MAX bytes.
 */
enum sbx_tls_hello sbx_tls_client_hello(const unsigned char *data, size_t len, char *sni);

#endif
