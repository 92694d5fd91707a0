#ifndef SBX_NET_RESOLVE_H
#define SBX_NET_RESOLVE_H

#include <netdb.h>

/*
 * Name lookups off the proxy's loop: getaddrinfo blocks (for seconds, when a
 * name server does not answer), so a few threads run it and the loop learns
 * of each finished lookup through a descriptor it polls. Only names the
 * policy allowed are ever submitted.
 */

/* Starts the resolver; returns the descriptor that becomes readable when a lookup ends. */
int sbx_resolver_start(void);
/* Looks host up for the lookup numbered id. */
void sbx_resolver_submit(unsigned long id, const char *host);
/*
 * Takes a finished lookup: 1 with *id, and *res (to freeaddrinfo) or *err
 * (getaddrinfo's error); 0 when none is left. Drains the descriptor.
 */
int sbx_resolver_take(unsigned long *id, struct addrinfo **res, int *err);

#endif
