#include "config.h"

#include "plugin_httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_ROUTES 32
#define PATH_LEN 256

struct route {
	char path[PATH_LEN];
	int times;
	int used;
	const char *status;
	const char *body;
	size_t len;
	unsigned delay_ms;
};

static struct {
	int listen_fd;
	int stop_pipe[2];
	int port;
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	struct route routes[MAX_ROUTES];
	size_t n_routes;
	char hit_path[MAX_ROUTES * 4][PATH_LEN];
	unsigned hits[MAX_ROUTES * 4];
	size_t n_hits;
	char base[64];
} srv = { .listen_fd = -1, .stop_pipe = { -1, -1 },
	  .lock = PTHREAD_MUTEX_INITIALIZER };

static void send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;  /* the client gave up (a timeout): fine */
		p += n;
		len -= (size_t)n;
	}
}

/* Wait delay_ms, or less when the server is told to stop or the client
   goes away. */
static void pause_for(int fd, unsigned delay_ms)
{
	struct pollfd p[2] = {
		{ .fd = srv.stop_pipe[0], .events = POLLIN },
		{ .fd = fd, .events = POLLIN },
	};

	(void)poll(p, 2, (int)delay_ms);
}

static void count_hit(const char *path)
{
	size_t i;

	for (i = 0; i < srv.n_hits; i++)
		if (strcmp(srv.hit_path[i], path) == 0) {
			srv.hits[i]++;
			return;
		}
	if (srv.n_hits < MAX_ROUTES * 4) {
		snprintf(srv.hit_path[srv.n_hits], PATH_LEN, "%s", path);
		srv.hits[srv.n_hits++] = 1;
	}
}

/* The answer for path (copied, so the lock is not held while sending). */
static int pick(const char *path, struct route *out)
{
	size_t i;

	pthread_mutex_lock(&srv.lock);
	count_hit(path);
	for (i = 0; i < srv.n_routes; i++) {
		struct route *r = &srv.routes[i];

		if (strcmp(r->path, path) != 0 ||
		    (r->times > 0 && r->used >= r->times))
			continue;
		r->used++;
		*out = *r;
		pthread_mutex_unlock(&srv.lock);
		return 0;
	}
	pthread_mutex_unlock(&srv.lock);
	return -1;
}

static void serve_one(int fd)
{
	struct timeval tv = { 5, 0 };
	char req[4096], path[PATH_LEN] = "", head[512];
	struct route r;
	size_t used = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (;;) {
		ssize_t n = recv(fd, req + used, sizeof(req) - 1 - used, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		used += (size_t)n;
		req[used] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
		if (used == sizeof(req) - 1)
			return;
	}
	if (sscanf(req, "GET %255s HTTP/1.1", path) != 1)
		return;
	if (pick(path, &r) != 0) {
		r.status = "404 Not Found";
		r.body = "not here\n";
		r.len = 9;
		r.delay_ms = 0;
	}
	snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Length: %zu\r\n"
	         "Connection: close\r\n\r\n", r.status, r.len);
	send_all(fd, head, strlen(head));
	if (r.delay_ms > 0)
		pause_for(fd, r.delay_ms);
	send_all(fd, r.body, r.len);
}

static void *server_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = srv.listen_fd, .events = POLLIN },
			{ .fd = srv.stop_pipe[0], .events = POLLIN },
		};
		int c;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents != 0)
			break;
		c = accept4(srv.listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(c);
		close(c);
	}
	return NULL;
}

int httpd_start(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	if (srv.running)
		return 0;
	srv.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (srv.listen_fd < 0 ||
	    bind(srv.listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(srv.listen_fd, (struct sockaddr *)&a, &alen) != 0 ||
	    listen(srv.listen_fd, 8) != 0 || pipe2(srv.stop_pipe, O_CLOEXEC) != 0)
		return -1;
	srv.port = ntohs(a.sin_port);
	snprintf(srv.base, sizeof(srv.base), "http://127.0.0.1:%d", srv.port);
	if (pthread_create(&srv.thread, NULL, server_main, NULL) != 0)
		return -1;
	srv.running = 1;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void httpd_stop(void)
{
	if (srv.running) {
		while (write(srv.stop_pipe[1], "x", 1) < 0 && errno == EINTR)
			;
		pthread_join(srv.thread, NULL);
		srv.running = 0;
	}
	close_fd(&srv.listen_fd);
	close_fd(&srv.stop_pipe[0]);
	close_fd(&srv.stop_pipe[1]);
}

void httpd_reset(void)
{
	pthread_mutex_lock(&srv.lock);
	srv.n_routes = 0;
	srv.n_hits = 0;
	pthread_mutex_unlock(&srv.lock);
}

void httpd_route(const char *path, int times, const char *status,
                 const char *body, size_t len, unsigned delay_ms)
{
	struct route *r;

	pthread_mutex_lock(&srv.lock);
	if (srv.n_routes < MAX_ROUTES) {
		r = &srv.routes[srv.n_routes++];
		memset(r, 0, sizeof(*r));
		snprintf(r->path, sizeof(r->path), "%s", path);
		r->times = times;
		r->status = status;
		r->body = body;
		r->len = len;
		r->delay_ms = delay_ms;
	}
	pthread_mutex_unlock(&srv.lock);
}

unsigned httpd_hits(const char *path)
{
	unsigned n = 0;
	size_t i;

	pthread_mutex_lock(&srv.lock);
	for (i = 0; i < srv.n_hits; i++)
		if (strcmp(srv.hit_path[i], path) == 0)
			n = srv.hits[i];
	pthread_mutex_unlock(&srv.lock);
	return n;
}

const char *httpd_base(void)
{
	return srv.base;
}
