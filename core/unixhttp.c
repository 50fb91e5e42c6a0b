/*
 * unixhttp - HTTP/1.1 GET over a unix socket, for the Docker Engine API.
 *
 * The engine is root's and local, but it may be hung, half started or
 * not the engine at all, so nothing it sends is trusted: every wait is
 * bounded by one deadline, the headers by UNIXHTTP_MAX_HEAD and the body
 * by the caller's cap, checked before the bytes are stored.  The only
 * allocation is the body (once when its length is announced, doubling up
 * to the cap otherwise); everything else lives on the stack.
 */
#include "config.h"

#include "unixhttp.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dx_plugin.h"
#include "log.h"

/* Read buffer; a header line must fit in a line buffer of this size. */
#define UNIXHTTP_BUF 4096u
/* First allocation for a body of unknown length (the engine's _ping
   answers "OK"; a container list is a few KiB). */
#define UNIXHTTP_INITIAL_BODY 1024u
/* Between connect attempts while the engine's listen backlog is full. */
#define UNIXHTTP_RETRY_MS 5
/* Interim (1xx) responses skipped before the final one: HTTP sets no
   limit, but an engine sending more than this is not answering. */
#define UNIXHTTP_MAX_INTERIM 8

struct conn {
	int fd;
	uint64_t deadline;          /* CLOCK_MONOTONIC, ms */
	size_t head_left;           /* header bytes still allowed */
	size_t pos, end;            /* unread bytes are buf[pos..end) */
	const char *why;            /* the reason of a failure, for the log */
	char buf[UNIXHTTP_BUF];
};

struct resp {
	int status;
	int chunked;                /* Transfer-Encoding ends with chunked */
	int until_close;            /* another transfer-encoding: read to EOF */
	int has_length;
	size_t length;              /* Content-Length */
};

struct body {
	char *data;
	size_t len;
	size_t cap;                 /* allocated, never more than max + 1 */
	size_t max;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* -1: a failure, with c->why saying which. */
static int fail(struct conn *c, const char *why)
{
	c->why = why;
	return -1;
}

/* 0 when the socket is ready for `events`, -1 at the deadline. */
static int wait_ready(struct conn *c, short events)
{
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = events };
		uint64_t now = now_ms();
		uint64_t left = c->deadline > now ? c->deadline - now : 0;
		int n;

		if (left == 0)
			return fail(c, "timed out");
		n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return fail(c, strerror(errno));
	}
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Non-blocking, so that a hung engine cannot hold us past the deadline:
 * Linux answers EAGAIN (not EINPROGRESS) when a unix socket's backlog is
 * full, and the only way on is to try again.
 */
static int conn_open(struct conn *c, const struct sockaddr_un *sa)
{
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return fail(c, strerror(errno));
	for (;;) {
		int err = 0;
		socklen_t elen = sizeof(err);

		if (connect(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if (now_ms() >= c->deadline)
				return fail(c, "timed out connecting");
			pause_ms(UNIXHTTP_RETRY_MS);
			continue;
		}
		if (errno != EINPROGRESS)
			return fail(c, strerror(errno));
		if (wait_ready(c, POLLOUT) != 0)
			return -1;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
			return fail(c, strerror(errno));
		return err == 0 ? 0 : fail(c, strerror(err));
	}
}

static int send_all(struct conn *c, const char *data, size_t n)
{
	while (n > 0) {
		/* MSG_NOSIGNAL: an engine that hangs up must not kill the
		   handler with SIGPIPE. */
		ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL);

		if (w > 0) {
			data += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			if (wait_ready(c, POLLOUT) != 0)
				return -1;
		} else {
			return fail(c, w < 0 ? strerror(errno) : "send failed");
		}
	}
	return 0;
}

/* 1 when buf has unread bytes, 0 at the end of the stream, -1 on error. */
static int fill(struct conn *c)
{
	if (c->pos < c->end)
		return 1;
	for (;;) {
		ssize_t n = read(c->fd, c->buf, sizeof(c->buf));

		if (n > 0) {
			c->pos = 0;
			c->end = (size_t)n;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return fail(c, strerror(errno));
		if (wait_ready(c, POLLIN) != 0)
			return -1;
	}
}

/*
 * One header line, without its line end, NUL-terminated.  Counted
 * against the header cap; a bare LF is taken as a line end (RFC 9112
 * 2.2 allows it), a NUL inside a line is not.
 */
static int read_line(struct conn *c, char *line, size_t size)
{
	size_t n = 0;

	for (;;) {
		int f = fill(c);
		char ch;

		if (f < 0)
			return -1;
		if (f == 0)
			return fail(c, "truncated response");
		ch = c->buf[c->pos++];
		if (c->head_left == 0)
			return fail(c, "response headers too large");
		c->head_left--;
		if (ch == '\n')
			break;
		if (ch == '\0')
			return fail(c, "NUL byte in the response headers");
		if (n + 1 >= size)
			return fail(c, "response header line too long");
		line[n++] = ch;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return 0;
}

/* "HTTP/1.x NNN reason"; the reason may be empty or missing. */
static int parse_status(struct conn *c, const char *line, int *status)
{
	static const char version[] = "HTTP/1.";
	const char *p = line;
	int i;

	/* Byte by byte, each read only once the one before it matched (so
	   never past the NUL of a short line). */
	for (i = 0; version[i] != '\0'; i++, p++)
		if (*p != version[i])
			return fail(c, "not an HTTP/1.x status line");
	if ((p[0] != '0' && p[0] != '1') || p[1] != ' ')
		return fail(c, "not an HTTP/1.x status line");
	p += 2;
	*status = 0;
	for (i = 0; i < 3; i++) {
		if (p[i] < '0' || p[i] > '9')
			return fail(c, "malformed status code");
		*status = *status * 10 + (p[i] - '0');
	}
	if (p[3] != '\0' && p[3] != ' ')
		return fail(c, "malformed status code");
	if (*status < 100)
		return fail(c, "malformed status code");
	return 0;
}

/* Decimal digits only, no sign, no overflow. */
static int parse_size(const char *s, size_t *out)
{
	size_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		size_t d = (size_t)(*s - '0');

		if (*s < '0' || *s > '9' || v > (SIZE_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* The value with its surrounding spaces and tabs cut, in place. */
static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Whether the last coding of a Transfer-Encoding list is chunked. */
static int ends_chunked(const char *v)
{
	const char *last = strrchr(v, ',');

	last = last != NULL ? last + 1 : v;
	last += strspn(last, " \t");
	return strncasecmp(last, "chunked", 7) == 0 &&
	       last[7 + strspn(last + 7, " \t")] == '\0';
}

/*
 * The two headers that frame the body.  Two different Content-Lengths
 * are refused (RFC 9112 6.3: a framing we cannot trust); with a
 * Transfer-Encoding the Content-Length is ignored, as the RFC says.
 */
static int parse_header(struct conn *c, char *line, struct resp *r)
{
	char *colon = strchr(line, ':');
	char *value;
	size_t n;

	if (line[0] == ' ' || line[0] == '\t')
		return fail(c, "folded header line");
	if (colon == NULL || colon == line ||
	    strcspn(line, " \t") < (size_t)(colon - line))
		return fail(c, "malformed header line");
	*colon = '\0';
	value = trim(colon + 1);
	if (strcasecmp(line, "Content-Length") == 0) {
		if (parse_size(value, &n) != 0)
			return fail(c, "malformed Content-Length");
		if (r->has_length && n != r->length)
			return fail(c, "conflicting Content-Length headers");
		r->has_length = 1;
		r->length = n;
	} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
		if (ends_chunked(value))
			r->chunked = 1;
		else
			r->until_close = 1;
	}
	return 0;
}

/* Status line and headers of one response. */
static int read_one_head(struct conn *c, struct resp *r)
{
	char line[UNIXHTTP_BUF];

	memset(r, 0, sizeof(*r));
	if (read_line(c, line, sizeof(line)) != 0 ||
	    parse_status(c, line, &r->status) != 0)
		return -1;
	for (;;) {
		if (read_line(c, line, sizeof(line)) != 0)
			return -1;
		if (line[0] == '\0')
			return 0;
		if (parse_header(c, line, r) != 0)
			return -1;
	}
}

/* The final response's head: interim 1xx ones (100 Continue, 103 Early
   Hints) are skipped, each within its own header cap. */
static int read_head(struct conn *c, struct resp *r)
{
	int interim;

	for (interim = 0; interim <= UNIXHTTP_MAX_INTERIM; interim++) {
		c->head_left = UNIXHTTP_MAX_HEAD;
		if (read_one_head(c, r) != 0)
			return -1;
		if (r->status == 101)
			return fail(c, "unexpected protocol switch");
		if (r->status >= 200)
			return 0;
	}
	return fail(c, "too many interim (1xx) responses");
}

/*
 * Room for `more` bytes and the NUL; DX_ERR_TOO_LARGE past the cap.
 * `exact`: the length is known (Content-Length), allocate just that;
 * otherwise double, so that many small reads cost few reallocations.
 */
static int body_reserve(struct body *b, size_t more, int exact)
{
	size_t need, cap;
	char *bigger;

	if (more > b->max - b->len)
		return DX_ERR_TOO_LARGE;
	need = b->len + more + 1;
	if (need <= b->cap)
		return DX_OK;
	cap = b->cap > 0 ? b->cap : UNIXHTTP_INITIAL_BODY;
	while (cap < need && cap <= SIZE_MAX / 2)
		cap *= 2;
	/* need <= max + 1 here, so the cap can always hold it. */
	if (exact || cap < need || cap > b->max + 1)
		cap = exact || cap < need ? need : b->max + 1;
	bigger = realloc(b->data, cap);
	if (bigger == NULL)
		return DX_ERR_NOMEM;
	b->data = bigger;
	b->cap = cap;
	return DX_OK;
}

/*
 * Up to `n` body bytes (all of them unless `to_eof`): DX_OK, a cap or
 * memory error, or DX_ERR_DOWNLOAD when the stream ends early.
 */
static int read_bytes(struct conn *c, struct body *b, size_t n, int to_eof)
{
	while (n > 0) {
		int f = fill(c);
		size_t take;
		int r;

		if (f < 0)
			return DX_ERR_DOWNLOAD;
		if (f == 0) {
			if (to_eof)
				return DX_OK;
			fail(c, "truncated response body");
			return DX_ERR_DOWNLOAD;
		}
		take = c->end - c->pos;
		if (take > n)
			take = n;
		r = body_reserve(b, take, 0);
		if (r != DX_OK)
			return r;
		memcpy(b->data + b->len, c->buf + c->pos, take);
		b->len += take;
		c->pos += take;
		n -= take;
	}
	return DX_OK;
}

/* "1a3f" or "1a3f;ext=1": hex digits, optional spaces, optional
   extensions (ignored). */
static int parse_chunk_size(struct conn *c, const char *line, size_t *size)
{
	size_t v = 0;
	const char *p = line;

	for (; *p != '\0' && strchr("0123456789abcdefABCDEF", *p) != NULL;
	     p++) {
		unsigned d = (unsigned)(*p <= '9' ? *p - '0'
		                                  : (*p | 0x20) - 'a' + 10);

		if (v > (SIZE_MAX >> 4))
			return fail(c, "chunk size overflows");
		v = v << 4 | d;
	}
	if (p == line)
		return fail(c, "malformed chunk size");
	p += strspn(p, " \t");
	if (*p != '\0' && *p != ';')
		return fail(c, "malformed chunk size");
	*size = v;
	return 0;
}

/* Chunk lines and trailers share the header cap of the response. */
static int read_chunked(struct conn *c, struct body *b)
{
	char line[UNIXHTTP_BUF];
	size_t size;

	c->head_left = UNIXHTTP_MAX_HEAD;
	for (;;) {
		int r;

		if (read_line(c, line, sizeof(line)) != 0 ||
		    parse_chunk_size(c, line, &size) != 0)
			return DX_ERR_DOWNLOAD;
		if (size == 0)
			break;
		r = read_bytes(c, b, size, 0);
		if (r != DX_OK)
			return r;
		if (read_line(c, line, sizeof(line)) != 0)
			return DX_ERR_DOWNLOAD;
		if (line[0] != '\0') {
			fail(c, "chunk longer than its size");
			return DX_ERR_DOWNLOAD;
		}
		/* Chunk framing is tiny but unbounded in number: only the
		   framing of one chunk counts against the cap. */
		c->head_left = UNIXHTTP_MAX_HEAD;
	}
	do {
		if (read_line(c, line, sizeof(line)) != 0)
			return DX_ERR_DOWNLOAD;
	} while (line[0] != '\0');
	return DX_OK;
}

static int read_body(struct conn *c, const struct resp *r, struct body *b)
{
	if (r->status == 204 || r->status == 304)
		return DX_OK;
	if (r->chunked)
		return read_chunked(c, b);
	if (r->has_length && !r->until_close) {
		/* Refused before a byte is stored; otherwise one allocation. */
		int rc = body_reserve(b, r->length, 1);

		return rc != DX_OK ? rc : read_bytes(c, b, r->length, 0);
	}
	return read_bytes(c, b, SIZE_MAX, 1);
}

/* A request path must not be able to add a header or a second request. */
static int path_ok(const char *path)
{
	const char *p;

	if (path == NULL || path[0] != '/' || strlen(path) > UNIXHTTP_MAX_PATH)
		return 0;
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

static int make_addr(const char *socket_path, struct sockaddr_un *sa)
{
	size_t n = socket_path != NULL ? strlen(socket_path) : 0;

	if (n == 0 || n >= sizeof(sa->sun_path))
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, socket_path, n + 1);
	return 0;
}

/* Connect, send, read the head and the body: the exchange proper. */
static int exchange(struct conn *c, const struct sockaddr_un *sa,
                    const char *path, struct resp *r, struct body *b)
{
	char req[UNIXHTTP_MAX_PATH + 256];
	int n;

	/* The host name is a placeholder (the socket is the address), but
	   HTTP/1.1 requires the header and the engine's router reads it. */
	n = snprintf(req, sizeof(req),
	             "GET %s HTTP/1.1\r\nHost: localhost\r\n"
	             "User-Agent: docker-extension/" PACKAGE_VERSION "\r\n"
	             "Accept: */*\r\nConnection: close\r\n\r\n", path);
	if (n < 0 || (size_t)n >= sizeof(req))
		return DX_ERR_INVALID_ARG;
	if (conn_open(c, sa) != 0 || send_all(c, req, (size_t)n) != 0 ||
	    read_head(c, r) != 0)
		return DX_ERR_DOWNLOAD;
	/* Only 2xx: a redirect is not followed and an error page is not
	   the document asked for. */
	if (r->status < 200 || r->status > 299)
		return DX_ERR_DOWNLOAD;
	return read_body(c, r, b);
}

int unixhttp_get(const char *socket_path, const char *path,
                 unsigned timeout_ms, size_t max, char **out, size_t *len)
{
	struct sockaddr_un sa;
	struct conn c;
	struct resp r;
	struct body b = { NULL, 0, 0, 0 };
	int rc;

	*out = NULL;
	*len = 0;
	if (make_addr(socket_path, &sa) != 0 || !path_ok(path))
		return DX_ERR_INVALID_ARG;
	memset(&r, 0, sizeof(r));
	c.fd = -1;
	c.pos = c.end = 0;
	c.why = NULL;
	c.head_left = UNIXHTTP_MAX_HEAD;
	c.deadline = now_ms() + timeout_ms;
	/* max + 1 (the NUL) must not wrap. */
	b.max = max < SIZE_MAX ? max : SIZE_MAX - 1;
	rc = exchange(&c, &sa, path, &r, &b);
	if (rc == DX_OK)
		rc = body_reserve(&b, 0, 1);
	if (rc == DX_OK) {
		b.data[b.len] = '\0';
		*out = b.data;
		*len = b.len;
		b.data = NULL;
	} else if (rc == DX_ERR_TOO_LARGE) {
		log_debug("engine API %s on %s: response larger than %zu bytes",
		          path, socket_path, b.max);
	} else if (r.status > 0) {
		log_debug("engine API %s on %s: HTTP status %d%s%s", path,
		          socket_path, r.status, c.why != NULL ? ", " : "",
		          c.why != NULL ? c.why : "");
	} else {
		log_debug("engine API %s on %s: %s", path, socket_path,
		          c.why != NULL ? c.why : "failed");
	}
	if (c.fd >= 0)
		close(c.fd);
	free(b.data);
	return rc;
}
