/* Lookups in a few threads (net-resolve.h). */
#include "net-resolve.h"
#include "error.h"
#include "net-policy.h"
#include "xalloc.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Enough for a sandbox's bursts; a lookup that hangs holds one thread until it times out. */
#define MAX_THREADS 4

struct job {
	unsigned long id;
	char host[SBX_NET_NAME_MAX];
	struct addrinfo *res;
	int err;
	struct job *next;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *todo, **todo_tail, *done;
	int threads, idle;
	int wake[2];
} r = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, NULL, 0, 0,
	{ -1, -1 } };

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&r.mu);
	for (;;) {
		struct addrinfo hints;
		struct job *j;

		while (!r.todo) {
			r.idle++;
			pthread_cond_wait(&r.cv, &r.mu);
			r.idle--;
		}
		j = r.todo;
		r.todo = j->next;
		if (!r.todo)
			r.todo_tail = &r.todo;
		pthread_mutex_unlock(&r.mu);

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		j->err = getaddrinfo(j->host, NULL, &hints, &j->res);

		pthread_mutex_lock(&r.mu);
		j->next = r.done;
		r.done = j;
		/* A full pipe already says there is something to take. */
		if (write(r.wake[1], "r", 1) < 0) {
			/* Full: the loop has a wake pending already. */
		}
	}
	return NULL;
}

int sbx_resolver_start(void)
{
	if (r.wake[0] >= 0)
		return r.wake[0];
	if (pipe(r.wake))
		return sbx_error_errno("cannot create a pipe");
	for (int i = 0; i < 2; i++) {
		fcntl(r.wake[i], F_SETFD, FD_CLOEXEC);
		fcntl(r.wake[i], F_SETFL, fcntl(r.wake[i], F_GETFL) | O_NONBLOCK);
	}
	r.todo_tail = &r.todo;
	return r.wake[0];
}

void sbx_resolver_submit(unsigned long id, const char *host)
{
	struct job *j = sbx_calloc(1, sizeof(*j));

	j->id = id;
	snprintf(j->host, sizeof(j->host), "%s", host);
	pthread_mutex_lock(&r.mu);
	*r.todo_tail = j;
	r.todo_tail = &j->next;
	if (!r.idle && r.threads < MAX_THREADS) {
		pthread_t t;
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		/* Without a thread the job waits for one that finishes: slower, still answered. */
		if (!pthread_create(&t, &attr, worker, NULL))
			r.threads++;
		pthread_attr_destroy(&attr);
	}
	pthread_cond_signal(&r.cv);
	pthread_mutex_unlock(&r.mu);
}

int sbx_resolver_take(unsigned long *id, struct addrinfo **res, int *err)
{
	char drain[64];
	struct job *j;

	while (read(r.wake[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&r.mu);
	j = r.done;
	if (j)
		r.done = j->next;
	pthread_mutex_unlock(&r.mu);
	if (!j)
		return 0;
	*id = j->id;
	*res = j->res;
	*err = j->err;
	free(j);
	return 1;
}
