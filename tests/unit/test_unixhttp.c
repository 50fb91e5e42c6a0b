/*
 * unixhttp: against a real server on a unix socket run by this suite (one
 * thread per exchange, answering with canned bytes: well formed, chunked,
 * truncated, malformed, over the cap, slow or silent), and against a real
 * Docker Engine when DX_TEST_DOCKER_SOCKET names its socket
 * (tests/integration/test_package.sh runs this suite so).
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dx_plugin.h"
#include "testutil.h"
#include "unixhttp.h"

void test_unixhttp_register(void);

#define TIMEOUT_MS 5000u
#define SHORT_TIMEOUT_MS 300u

/* What the server thread does with one connection. */
struct script {
	const char *resp;       /* bytes to send (resp_len of them) */
	size_t resp_len;
	size_t piece;           /* send in pieces of this size (0: at once) */
	unsigned piece_ms;      /* pause between pieces */
	int no_read;            /* do not even read the request */
	int stall;              /* then stay silent until the client hangs up */
	char request[2048];     /* what the client sent */
};

static char sock_dir[64];
static char sock_path[128];
static char dead_path[128];   /* bound, never listening */
static int listen_fd = -1;
static int dead_fd = -1;

static int bind_unix(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The request up to its blank line (our client sends no body). */
static void read_request(int fd, struct script *s)
{
	size_t used = 0;

	while (used + 1 < sizeof(s->request)) {
		ssize_t n = read(fd, s->request + used,
		                 sizeof(s->request) - 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		s->request[used] = '\0';
		if (strstr(s->request, "\r\n\r\n") != NULL)
			break;
	}
}

static void send_script(int fd, const struct script *s)
{
	size_t off = 0;

	while (off < s->resp_len) {
		size_t n = s->resp_len - off;
		ssize_t w;

		if (s->piece > 0 && n > s->piece)
			n = s->piece;
		w = send(fd, s->resp + off, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		off += (size_t)w;
		if (s->piece_ms > 0)
			pause_ms(s->piece_ms);
	}
}

static void *serve(void *arg)
{
	struct script *s = arg;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (!s->no_read)
		read_request(fd, s);
	send_script(fd, s);
	if (s->stall || s->no_read) {
		/* Until the client gives up and closes (bounded, so that a
		   client without a timeout fails the test, not hangs it). */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char junk[256];

		while (poll(&p, 1, 10000) > 0 &&
		       read(fd, junk, sizeof(junk)) > 0)
			;
	}
	close(fd);
	return NULL;
}

/* One exchange: the server plays `s`, the client GETs `path`. */
static int exchange(struct script *s, const char *path, unsigned timeout_ms,
                    size_t max, char **out, size_t *len)
{
	pthread_t t;
	int r;

	s->request[0] = '\0';
	CU_ASSERT_FATAL(pthread_create(&t, NULL, serve, s) == 0);
	r = unixhttp_get(sock_path, path, timeout_ms, max, out, len);
	pthread_join(t, NULL);
	return r;
}

#define S(text) text, sizeof(text) - 1
#define CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"
#define CONTINUE8 CONTINUE CONTINUE CONTINUE CONTINUE CONTINUE CONTINUE \
	CONTINUE CONTINUE

struct row {
	const char *name;
	const char *resp;
	size_t resp_len;
	size_t max;
	int want;
	const char *body;       /* when want is DX_OK */
	size_t body_len;
};

static const struct row rows[] = {
	{ "content-length", S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	  "Content-Type: text/plain\r\n\r\nOK"), 64, DX_OK, S("OK") },
	{ "NUL inside the body: length from the framing", S("HTTP/1.1 200 OK"
	  "\r\nContent-Length: 11\r\n\r\nhello\0world"), 64, DX_OK,
	  S("hello\0world") },
	{ "no reason phrase, HTTP/1.0", S("HTTP/1.0 200\r\n"
	  "content-length: 3\r\n\r\nabc"), 64, DX_OK, S("abc") },
	{ "bare LF line ends", S("HTTP/1.1 200 OK\nContent-Length: 2\n\nOK"),
	  64, DX_OK, S("OK") },
	{ "chunked", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"), 64, DX_OK, S("Wikipedia") },
	{ "chunked: upper-case hex, extensions, trailers", S("HTTP/1.1 200 OK"
	  "\r\nTRANSFER-ENCODING:  Chunked \r\n\r\nA;name=v\r\n0123456789\r\n"
	  "1 \r\n!\r\n0\r\nX-Trailer: 1\r\n\r\n"), 64, DX_OK,
	  S("0123456789!") },
	{ "chunked wins over Content-Length", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "2\r\nhi\r\n0\r\n\r\n"), 64, DX_OK, S("hi") },
	{ "no length: read until close", S("HTTP/1.1 200 OK\r\n\r\n[1,2,3]"),
	  64, DX_OK, S("[1,2,3]") },
	{ "another coding: read until close", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: identity\r\nContent-Length: 1\r\n\r\nabc"), 64,
	  DX_OK, S("abc") },
	{ "the same Content-Length twice", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length: 2\r\nContent-Length: 2\r\n\r\nOK"), 64, DX_OK,
	  S("OK") },
	{ "bytes past Content-Length are ignored", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length: 2\r\n\r\nOKjunk"), 64, DX_OK, S("OK") },
	{ "100 Continue before the answer", S("HTTP/1.1 100 Continue\r\n\r\n"
	  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"), 64, DX_OK, S("OK") },
	{ "eight interim responses", S(CONTINUE8 "HTTP/1.1 200 OK\r\n"
	  "Content-Length: 2\r\n\r\nOK"), 64, DX_OK, S("OK") },
	{ "nine interim responses: not an answer", S(CONTINUE8 CONTINUE
	  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "204: no body", S("HTTP/1.1 204 No Content\r\n\r\n"), 64, DX_OK,
	  S("") },
	{ "empty body", S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 64,
	  DX_OK, S("") },
	{ "exactly the cap", S("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
	  "abcd"), 4, DX_OK, S("abcd") },
	{ "exactly the cap, chunked", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n"),
	  4, DX_OK, S("abcd") },
	{ "404", S("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n"
	  "not found"), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "500", S("HTTP/1.1 500 Internal Server Error\r\n\r\n"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "a redirect is not followed", S("HTTP/1.1 301 Moved\r\n"
	  "Location: /elsewhere\r\nContent-Length: 0\r\n\r\n"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "101: not ours to switch", S("HTTP/1.1 101 Switching Protocols\r\n"
	  "\r\n"), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "over the cap, announced", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length: 5\r\n\r\nabcde"), 4, DX_ERR_TOO_LARGE, NULL, 0 },
	{ "over the cap, announced, not sent", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length: 18446744073709551615\r\n\r\n"), 64,
	  DX_ERR_TOO_LARGE, NULL, 0 },
	{ "over the cap, chunked", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
	  4, DX_ERR_TOO_LARGE, NULL, 0 },
	{ "over the cap, until close", S("HTTP/1.1 200 OK\r\n\r\nabcde"), 4,
	  DX_ERR_TOO_LARGE, NULL, 0 },
	{ "truncated body", S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
	  "abcde"), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "truncated chunked body: no last chunk", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "truncated chunk", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n9\r\nab"), 64, DX_ERR_DOWNLOAD,
	  NULL, 0 },
	{ "truncated headers", S("HTTP/1.1 200 OK\r\nContent-Le"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "nothing at all", S(""), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "not HTTP", S("SSH-2.0-OpenSSH_9.2\r\n\r\n"), 64, DX_ERR_DOWNLOAD,
	  NULL, 0 },
	{ "HTTP/2 status line", S("HTTP/2 200\r\n\r\nOK"), 64, DX_ERR_DOWNLOAD,
	  NULL, 0 },
	{ "status code not three digits", S("HTTP/1.1 20 OK\r\n\r\n"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "status code with letters", S("HTTP/1.1 2x0 OK\r\n\r\n"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "malformed Content-Length", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length: 2x\r\n\r\nOK"), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "negative Content-Length", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length: -1\r\n\r\nOK"), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "Content-Length past SIZE_MAX", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length: 99999999999999999999999\r\n\r\nOK"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "conflicting Content-Lengths", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length: 2\r\nContent-Length: 3\r\n\r\nOK!"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "folded header", S("HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\n"
	  "Content-Length: 2\r\n\r\nOK"), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "header without a colon", S("HTTP/1.1 200 OK\r\nbogus\r\n\r\nOK"),
	  64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "space before the colon", S("HTTP/1.1 200 OK\r\n"
	  "Content-Length : 2\r\n\r\nOK"), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "NUL in a header", S("HTTP/1.1 200 OK\r\nX-A: a\0b\r\n"
	  "Content-Length: 2\r\n\r\nOK"), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "chunk size not hex", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "chunk size missing", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n\r\nab\r\n0\r\n\r\n"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "chunk size overflows", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n10000000000000001\r\nab\r\n"
	  "0\r\n\r\n"), 64, DX_ERR_DOWNLOAD, NULL, 0 },
	{ "chunk longer than its size", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
	{ "chunked: trailers cut short", S("HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nX-T: 1\r\n"), 64,
	  DX_ERR_DOWNLOAD, NULL, 0 },
};

static void test_table(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const struct row *w = &rows[i];
		struct script s;
		char *out = (char *)"unset";
		size_t len = 99;
		int r;

		memset(&s, 0, sizeof(s));
		s.resp = w->resp;
		s.resp_len = w->resp_len;
		r = exchange(&s, "/_ping", TIMEOUT_MS, w->max, &out, &len);
		TU_ROW_ASSERT(r == w->want, w->name);
		if (w->want == DX_OK && r == DX_OK) {
			TU_ROW_ASSERT(len == w->body_len, w->name);
			TU_ROW_ASSERT(memcmp(out, w->body, w->body_len) == 0,
			              w->name);
			TU_ROW_ASSERT(out[len] == '\0', w->name);
		} else {
			TU_ROW_ASSERT(out == NULL && len == 0, w->name);
		}
		free(r == DX_OK ? out : NULL);
	}
}

/* What goes on the wire: a plain HTTP/1.1 GET that asks the engine to
   close, with the Host header HTTP/1.1 requires. */
static void test_request(void)
{
	struct script s;
	char *out = NULL;
	size_t len = 0;

	memset(&s, 0, sizeof(s));
	s.resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";
	s.resp_len = strlen(s.resp);
	CU_ASSERT_EQUAL(exchange(&s, "/v1.41/containers/json?all=1&filters="
	                         "%7B%22label%22%7D", TIMEOUT_MS, 64, &out,
	                         &len), DX_OK);
	free(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.request, "GET /v1.41/containers/json?"
	                              "all=1&filters=%7B%22label%22%7D "
	                              "HTTP/1.1\r\n"));
	CU_ASSERT(strncmp(s.request, "GET ", 4) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.request, "\r\nHost: localhost\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.request, "\r\nConnection: close\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.request, "\r\nUser-Agent: "
	                              "docker-extension/"));
}

/* A response dribbled out a few bytes at a time is still one response. */
static void test_slow_pieces(void)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	                           "chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n"
	                           "0\r\n\r\n";
	struct script s;
	char *out = NULL;
	size_t len = 0;

	memset(&s, 0, sizeof(s));
	s.resp = resp;
	s.resp_len = sizeof(resp) - 1;
	s.piece = 3;
	s.piece_ms = 2;
	CU_ASSERT_EQUAL_FATAL(exchange(&s, "/_ping", TIMEOUT_MS, 64, &out,
	                               &len), DX_OK);
	CU_ASSERT_EQUAL(len, 6);
	CU_ASSERT_STRING_EQUAL(out, "abcdef");
	free(out);
}

/* A body of many small reads: the buffer grows past its first size. */
static void test_large_until_close(void)
{
	enum { N = 100000 };
	static const char head[] = "HTTP/1.1 200 OK\r\n\r\n";
	char *resp = malloc(sizeof(head) - 1 + N);
	struct script s;
	char *out = NULL;
	size_t len = 0, i;

	CU_ASSERT_FATAL(resp != NULL);
	memcpy(resp, head, sizeof(head) - 1);
	for (i = 0; i < N; i++)
		resp[sizeof(head) - 1 + i] = (char)('a' + i % 26);
	memset(&s, 0, sizeof(s));
	s.resp = resp;
	s.resp_len = sizeof(head) - 1 + N;
	CU_ASSERT_EQUAL_FATAL(exchange(&s, "/x", TIMEOUT_MS, N, &out, &len),
	                      DX_OK);
	CU_ASSERT_EQUAL(len, N);
	CU_ASSERT(out[0] == 'a' && out[N - 1] == (char)('a' + (N - 1) % 26) &&
	          out[N] == '\0');
	free(out);
	s.request[0] = '\0';
	CU_ASSERT_EQUAL(exchange(&s, "/x", TIMEOUT_MS, N - 1, &out, &len),
	                DX_ERR_TOO_LARGE);
	free(resp);
}

/* More header bytes than UNIXHTTP_MAX_HEAD: refused, not buffered. */
static void test_headers_too_large(void)
{
	static const char pad[] = "X-Pad: 0123456789012345678901234567890\r\n";
	static const char tail[] = "Content-Length: 2\r\n\r\nOK";
	size_t n = UNIXHTTP_MAX_HEAD + 1024, used;
	char *resp = malloc(n + 128);
	struct script s;
	char *out = NULL;
	size_t len = 0;

	CU_ASSERT_FATAL(resp != NULL);
	memcpy(resp, "HTTP/1.1 200 OK\r\n", 17);
	for (used = 17; used < n; used += sizeof(pad) - 1)
		memcpy(resp + used, pad, sizeof(pad) - 1);
	memcpy(resp + used, tail, sizeof(tail) - 1);
	used += sizeof(tail) - 1;
	memset(&s, 0, sizeof(s));
	s.resp = resp;
	s.resp_len = used;
	CU_ASSERT_EQUAL(exchange(&s, "/x", TIMEOUT_MS, 64, &out, &len),
	                DX_ERR_DOWNLOAD);
	CU_ASSERT_PTR_NULL(out);
	free(resp);
}

/*
 * The deadline covers the whole exchange: an engine that accepts and
 * then says nothing, or stops halfway through a body, ends the call at
 * the timeout (the server would stay silent for 10 s).
 */
static void test_timeouts(void)
{
	static const struct {
		const char *name;
		const char *resp;
		int no_read;
	} cases[] = {
		{ "accepts, never reads", "", 1 },
		{ "reads, never answers", "", 0 },
		{ "stops in the headers", "HTTP/1.1 200 OK\r\nContent-", 0 },
		{ "stops in the body", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
		  "\r\nabc", 0 },
		{ "stops between chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
		  "chunked\r\n\r\n1\r\na\r\n", 0 },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(cases); i++) {
		struct script s;
		char *out = NULL;
		size_t len = 0;
		uint64_t t0, took;
		int r;

		memset(&s, 0, sizeof(s));
		s.resp = cases[i].resp;
		s.resp_len = strlen(cases[i].resp);
		s.no_read = cases[i].no_read;
		s.stall = 1;
		t0 = now_ms();
		r = exchange(&s, "/_ping", SHORT_TIMEOUT_MS, 64, &out, &len);
		took = now_ms() - t0;
		TU_ROW_ASSERT(r == DX_ERR_DOWNLOAD, cases[i].name);
		TU_ROW_ASSERT(out == NULL, cases[i].name);
		TU_ROW_ASSERT(took >= SHORT_TIMEOUT_MS, cases[i].name);
		TU_ROW_ASSERT(took < 5000, cases[i].name);
	}
}

static void test_no_server(void)
{
	char *out = NULL;
	size_t len = 0;
	char missing[160];

	/* A socket file nobody listens on: refused at once. */
	CU_ASSERT_EQUAL(unixhttp_get(dead_path, "/_ping", TIMEOUT_MS, 64, &out,
	                             &len), DX_ERR_DOWNLOAD);
	CU_ASSERT_PTR_NULL(out);
	tu_fmt(missing, sizeof(missing), "%s/no-such.sock", sock_dir);
	CU_ASSERT_EQUAL(unixhttp_get(missing, "/_ping", TIMEOUT_MS, 64, &out,
	                             &len), DX_ERR_DOWNLOAD);
	CU_ASSERT_PTR_NULL(out);
}

static void test_invalid_args(void)
{
	static const char *const bad_paths[] = {
		"", "_ping", "/a b", "/a\r\nX-Injected: 1", "/a\nb", "/a\tb",
		"/\x7f", "/caf\xc3\xa9",
	};
	char long_sock[200], long_path[UNIXHTTP_MAX_PATH + 2];
	char *out = (char *)"unset";
	size_t len = 7, i;

	for (i = 0; i < TU_N_ROWS(bad_paths); i++) {
		TU_ROW_ASSERT(unixhttp_get(sock_path, bad_paths[i], TIMEOUT_MS,
		                           64, &out, &len) == DX_ERR_INVALID_ARG,
		              bad_paths[i]);
		TU_ROW_ASSERT(out == NULL && len == 0, bad_paths[i]);
	}
	CU_ASSERT_EQUAL(unixhttp_get(sock_path, NULL, TIMEOUT_MS, 64, &out,
	                             &len), DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(unixhttp_get(NULL, "/_ping", TIMEOUT_MS, 64, &out,
	                             &len), DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(unixhttp_get("", "/_ping", TIMEOUT_MS, 64, &out, &len),
	                DX_ERR_INVALID_ARG);
	memset(long_sock, 'a', sizeof(long_sock) - 1);
	long_sock[0] = '/';
	long_sock[sizeof(long_sock) - 1] = '\0';
	CU_ASSERT_EQUAL(unixhttp_get(long_sock, "/_ping", TIMEOUT_MS, 64, &out,
	                             &len), DX_ERR_INVALID_ARG);
	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	CU_ASSERT_EQUAL(unixhttp_get(sock_path, long_path, TIMEOUT_MS, 64, &out,
	                             &len), DX_ERR_INVALID_ARG);
}

/* The real engine, when the caller started one: Go's net/http answers
   with Content-Length for small bodies and chunked for large ones. */
static void test_real_engine(void)
{
	const char *sock = getenv("DX_TEST_DOCKER_SOCKET");
	char *out = NULL;
	size_t len = 0;

	if (sock == NULL || *sock == '\0') {
		printf("(no DX_TEST_DOCKER_SOCKET: real engine not tried) ");
		CU_PASS("skipped");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(unixhttp_get(sock, "/_ping", TIMEOUT_MS, 64,
	                                   &out, &len), DX_OK);
	CU_ASSERT_STRING_EQUAL(out, "OK");
	free(out);
	CU_ASSERT_EQUAL_FATAL(unixhttp_get(sock, "/version", TIMEOUT_MS, 65536,
	                                   &out, &len), DX_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"ApiVersion\""));
	CU_ASSERT_EQUAL(strlen(out), len);
	free(out);
	CU_ASSERT_EQUAL_FATAL(unixhttp_get(sock, "/containers/json?all=1",
	                                   TIMEOUT_MS, 1u << 20, &out, &len),
	                      DX_OK);
	CU_ASSERT(len > 0 && out[0] == '[');
	free(out);
	/* The engine's 404, with its JSON error body, is a failure. */
	CU_ASSERT_EQUAL(unixhttp_get(sock, "/containers/0123456789ab/json",
	                             TIMEOUT_MS, 65536, &out, &len),
	                DX_ERR_DOWNLOAD);
	CU_ASSERT_PTR_NULL(out);
	/* /info is several KiB: over a small cap it is refused. */
	CU_ASSERT_EQUAL(unixhttp_get(sock, "/info", TIMEOUT_MS, 16, &out, &len),
	                DX_ERR_TOO_LARGE);
}

/* ---- suite set-up ------------------------------------------------------------------- */

/* The sockets live in a short directory of their own: sun_path holds
   108 bytes and the build tree can be deep. */
static int suite_init(void)
{
	snprintf(sock_dir, sizeof(sock_dir), "/tmp/dxuh.XXXXXX");
	if (mkdtemp(sock_dir) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/engine.sock", sock_dir);
	snprintf(dead_path, sizeof(dead_path), "%s/dead.sock", sock_dir);
	listen_fd = bind_unix(sock_path);
	dead_fd = bind_unix(dead_path);
	if (listen_fd < 0 || dead_fd < 0 || listen(listen_fd, 8) != 0)
		return -1;
	return 0;
}

static int suite_cleanup(void)
{
	if (listen_fd >= 0)
		close(listen_fd);
	if (dead_fd >= 0)
		close(dead_fd);
	listen_fd = dead_fd = -1;
	if (sock_dir[0] != '\0') {
		unlink(sock_path);
		unlink(dead_path);
		rmdir(sock_dir);
	}
	return 0;
}

void test_unixhttp_register(void)
{
	CU_pSuite s = CU_add_suite("unixhttp", suite_init, suite_cleanup);

	CU_add_test(s, "bodies, framing, caps, malformed and truncated responses",
	            test_table);
	CU_add_test(s, "the request: GET, Host, Connection: close", test_request);
	CU_add_test(s, "a response in small slow pieces", test_slow_pieces);
	CU_add_test(s, "a large body of unknown length", test_large_until_close);
	CU_add_test(s, "headers over the cap", test_headers_too_large);
	CU_add_test(s, "silent or stalled engine: the timeout ends the call",
	            test_timeouts);
	CU_add_test(s, "nobody listening", test_no_server);
	CU_add_test(s, "invalid arguments", test_invalid_args);
	CU_add_test(s, "the real Docker Engine (DX_TEST_DOCKER_SOCKET)",
	            test_real_engine);
}
