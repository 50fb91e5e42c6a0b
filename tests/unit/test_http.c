/*
 * http: against a real HTTP server on 127.0.0.1 run by this suite (a
 * thread on an ephemeral port), so redirects, size caps, truncated bodies
 * and refused connections go through libcurl for real.  Nothing but
 * 127.0.0.1 is ever contacted: proxies are bypassed for the suite, and
 * every redirect target points back at the loopback.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dx_plugin.h"
#include "hash.h"
#include "http.h"
#include "log.h"
#include "testutil.h"

void test_http_register(void);

/* ---- the loopback server ---------------------------------------------------------- */

/* 12 bytes with a NUL inside: the length must come from the transfer,
   not from strlen(). */
static const char OK_BODY[] = "hello\0world\n";
#define OK_LEN (sizeof(OK_BODY) - 1)
#define BIG_LEN 4096
#define PARTIAL_SENT 100
#define PARTIAL_ANNOUNCED 1000
static const char PAYLOAD[] = "#!/bin/sh\necho installed\n";
static const char SECRET_BODY[] = "error-page-body-must-not-be-logged";

static struct {
	int listen_fd;
	int stop_pipe[2];
	int closed_fd;          /* bound, never listening: connect is refused */
	int port;
	int closed_port;
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	unsigned requests;      /* connections served */
	char user_agent[256];   /* of the last request */
} srv = { -1, { -1, -1 }, -1, 0, 0, 0, 0, PTHREAD_MUTEX_INITIALIZER, 0, "" };

static char dir[PATH_MAX];
static char log_path[PATH_MAX];
static int log_fd = -1;
static char *saved_no_proxy[2];
static const char *const no_proxy_names[2] = { "no_proxy", "NO_PROXY" };

static void send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;  /* the client gave up (a cap hit): fine */
		p += n;
		len -= (size_t)n;
	}
}

static void send_head(int fd, const char *status, const char *extra,
                      long content_length)
{
	char head[1024];
	char cl[64] = "";

	if (content_length >= 0)
		tu_fmt(cl, sizeof(cl), "Content-Length: %ld\r\n", content_length);
	tu_fmt(head, sizeof(head),
	       "HTTP/1.1 %s\r\n%s%sConnection: close\r\n\r\n", status, cl,
	       extra != NULL ? extra : "");
	send_all(fd, head, strlen(head));
}

static void send_redirect(int fd, const char *location)
{
	char extra[512];

	tu_fmt(extra, sizeof(extra), "Location: %s\r\n", location);
	/* A body that must not end up in the result of the followed GET. */
	send_head(fd, "302 Found", extra, 6);
	send_all(fd, "moved\n", 6);
}

static void respond(int fd, const char *path, const char *ua)
{
	char loc[256];
	char big[BIG_LEN];

	if (strcmp(path, "/ok") == 0) {
		send_head(fd, "200 OK", NULL, (long)OK_LEN);
		send_all(fd, OK_BODY, OK_LEN);
	} else if (strcmp(path, "/empty") == 0) {
		send_head(fd, "200 OK", NULL, 0);
	} else if (strcmp(path, "/payload") == 0) {
		send_head(fd, "200 OK", "Content-Type: text/x-sh\r\n",
		          (long)strlen(PAYLOAD));
		send_all(fd, PAYLOAD, strlen(PAYLOAD));
	} else if (strcmp(path, "/ua") == 0) {
		send_head(fd, "200 OK", NULL, (long)strlen(ua));
		send_all(fd, ua, strlen(ua));
	} else if (strcmp(path, "/redirect") == 0) {
		send_redirect(fd, "/ok");
	} else if (strcmp(path, "/redirect-abs") == 0) {
		tu_fmt(loc, sizeof(loc), "http://127.0.0.1:%d/ok", srv.port);
		send_redirect(fd, loc);
	} else if (strcmp(path, "/loop") == 0) {
		send_redirect(fd, "/loop");
	} else if (strcmp(path, "/to-ftp") == 0) {
		/* Our own port: were ftp followed, this server would see a
		   second connection. */
		tu_fmt(loc, sizeof(loc), "ftp://127.0.0.1:%d/x", srv.port);
		send_redirect(fd, loc);
	} else if (strcmp(path, "/to-file") == 0) {
		send_redirect(fd, "file:///etc/passwd");
	} else if (strcmp(path, "/big") == 0 ||
	           strcmp(path, "/big-nolen") == 0) {
		memset(big, 'x', sizeof(big));
		/* Without a length the body ends at close: only the write
		   callback can enforce the cap. */
		send_head(fd, "200 OK", NULL,
		          strcmp(path, "/big") == 0 ? (long)BIG_LEN : -1L);
		send_all(fd, big, sizeof(big));
	} else if (strcmp(path, "/huge") == 0) {
		/* Announces more than HTTP_MAX_DOWNLOAD; the first bytes
		   must be enough to refuse it. */
		send_head(fd, "200 OK", NULL, (long)HTTP_MAX_DOWNLOAD + 1L);
		send_all(fd, "0123456789abcdef", 16);
	} else if (strcmp(path, "/partial") == 0) {
		/* A server that dies mid-body, after a pause. */
		memset(big, 'p', PARTIAL_SENT);
		send_head(fd, "200 OK", NULL, PARTIAL_ANNOUNCED);
		send_all(fd, big, PARTIAL_SENT);
		poll(NULL, 0, 50);
	} else if (strcmp(path, "/missing") == 0) {
		send_head(fd, "404 Not Found", NULL, (long)strlen(SECRET_BODY));
		send_all(fd, SECRET_BODY, strlen(SECRET_BODY));
	} else {
		send_head(fd, "500 Internal Server Error", NULL, 0);
	}
}

/* Read one request head (bounded in size and time), answer, close. */
static void serve_one(int fd)
{
	struct timeval tv = { 2, 0 };
	char req[4096];
	char path[256] = "";
	char ua[256] = "";
	size_t used = 0;
	const char *h;

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
	path[strcspn(path, "?")] = '\0';  /* route on the path alone */
	h = strstr(req, "\r\nUser-Agent: ");
	if (h != NULL)
		sscanf(h + 14, "%255[^\r\n]", ua);
	pthread_mutex_lock(&srv.lock);
	srv.requests++;
	tu_fmt(srv.user_agent, sizeof(srv.user_agent), "%s", ua);
	pthread_mutex_unlock(&srv.lock);
	respond(fd, path, ua);
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

static unsigned requests(void)
{
	unsigned n;

	pthread_mutex_lock(&srv.lock);
	n = srv.requests;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* A TCP socket on 127.0.0.1 with a kernel-chosen port. */
static int bind_loopback(int *port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void server_stop(void)
{
	if (srv.running) {
		while (write(srv.stop_pipe[1], "x", 1) < 0 && errno == EINTR)
			;
		pthread_join(srv.thread, NULL);
		srv.running = 0;
	}
	close_fd(&srv.listen_fd);
	close_fd(&srv.closed_fd);
	close_fd(&srv.stop_pipe[0]);
	close_fd(&srv.stop_pipe[1]);
}

static int server_start(void)
{
	srv.listen_fd = bind_loopback(&srv.port);
	/* Bound but not listening: the port stays ours and a connect to it
	   is refused at once, with no race against other processes. */
	srv.closed_fd = bind_loopback(&srv.closed_port);
	if (srv.listen_fd < 0 || srv.closed_fd < 0 ||
	    listen(srv.listen_fd, 8) != 0 ||
	    pipe2(srv.stop_pipe, O_CLOEXEC) != 0)
		return -1;
	if (pthread_create(&srv.thread, NULL, server_main, NULL) != 0)
		return -1;
	srv.running = 1;
	return 0;
}

static const char *url_of(const char *path)
{
	static char url[256];

	tu_fmt(url, sizeof(url), "http://127.0.0.1:%d%s", srv.port, path);
	return url;
}

/* ---- log capture -------------------------------------------------------------------- */

static void log_reset(void)
{
	CU_ASSERT_FATAL(ftruncate(log_fd, 0) == 0);
}

static const char *log_text(void)
{
	const char *t = tu_read_file(log_path);

	return t != NULL ? t : "";
}

/* ---- suite set-up ------------------------------------------------------------------- */

static int suite_init(void)
{
	size_t i;

	if (http_global_init() != DX_OK)
		return -1;
	http_allow_plain_http(1);
	/* A proxy from the environment would send our loopback requests
	   elsewhere: bypass it for 127.0.0.1 while the suite runs. */
	for (i = 0; i < TU_N_ROWS(no_proxy_names); i++) {
		const char *v = getenv(no_proxy_names[i]);

		saved_no_proxy[i] = v != NULL ? strdup(v) : NULL;
		setenv(no_proxy_names[i], "127.0.0.1", 1);
	}
	tu_fmt(dir, sizeof(dir), "%s", tu_mkdtemp("http"));
	tu_fmt(log_path, sizeof(log_path), "%s/log", dir);
	/* O_APPEND: after ftruncate() the next line lands at offset 0. */
	log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	                        O_CLOEXEC, 0600);
	if (log_fd < 0)
		return -1;
	log_set_fd(log_fd);
	return server_start();
}

static int suite_cleanup(void)
{
	size_t i;

	server_stop();
	log_set_fd(2);
	close_fd(&log_fd);
	http_allow_plain_http(0);
	for (i = 0; i < TU_N_ROWS(no_proxy_names); i++) {
		if (saved_no_proxy[i] != NULL)
			setenv(no_proxy_names[i], saved_no_proxy[i], 1);
		else
			unsetenv(no_proxy_names[i]);
		free(saved_no_proxy[i]);
		saved_no_proxy[i] = NULL;
	}
	http_global_cleanup();
	if (dir[0] != '\0')
		tu_rm_rf(dir);
	return 0;
}

/* ---- http_get ------------------------------------------------------------------------ */

static int all_bytes(const char *p, size_t n, char c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

static void test_get_table(void)
{
	static const struct {
		const char *path;
		size_t max;
		int want;
		const char *body;    /* NULL: BIG_LEN bytes of 'x' */
		size_t len;
	} rows[] = {
		{ "/ok", 1024, DX_OK, OK_BODY, OK_LEN },
		{ "/ok", OK_LEN, DX_OK, OK_BODY, OK_LEN },  /* exactly the cap */
		{ "/empty", 1024, DX_OK, "", 0 },
		{ "/empty", 0, DX_OK, "", 0 },
		{ "/redirect", 1024, DX_OK, OK_BODY, OK_LEN },
		{ "/redirect-abs", 1024, DX_OK, OK_BODY, OK_LEN },
		{ "/big-nolen", BIG_LEN, DX_OK, NULL, BIG_LEN },
		/* error rows */
		{ "/ok", OK_LEN - 1, DX_ERR_TOO_LARGE, NULL, 0 },
		{ "/ok", 0, DX_ERR_TOO_LARGE, NULL, 0 },
		{ "/big", BIG_LEN - 1, DX_ERR_TOO_LARGE, NULL, 0 },
		{ "/big-nolen", BIG_LEN - 1, DX_ERR_TOO_LARGE, NULL, 0 },
		{ "/big-nolen", 10, DX_ERR_TOO_LARGE, NULL, 0 },
		{ "/missing", 1024, DX_ERR_DOWNLOAD, NULL, 0 },
		{ "/nowhere", 1024, DX_ERR_DOWNLOAD, NULL, 0 },     /* 500 */
		{ "/partial", 4096, DX_ERR_DOWNLOAD, NULL, 0 },
		{ "/loop", 1024, DX_ERR_DOWNLOAD, NULL, 0 },
		{ "/to-file", 1024, DX_ERR_DOWNLOAD, NULL, 0 },
		{ "/to-ftp", 1024, DX_ERR_DOWNLOAD, NULL, 0 },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		char row[64];
		char *out = (char *)"junk";
		size_t len = 99;
		int r;

		tu_fmt(row, sizeof(row), "%s max %zu", rows[i].path,
		       rows[i].max);
		r = http_get(url_of(rows[i].path), rows[i].max, &out, &len);
		TU_ROW_ASSERT(r == rows[i].want, row);
		if (r != DX_OK || rows[i].want != DX_OK) {
			TU_ROW_ASSERT(out == NULL && len == 0, row);
			if (r == DX_OK)
				free(out);
			continue;
		}
		TU_ROW_ASSERT(out != NULL && len == rows[i].len, row);
		if (out == NULL || len != rows[i].len) {
			free(out);
			continue;
		}
		TU_ROW_ASSERT(out[len] == '\0', row);
		if (rows[i].body != NULL)
			TU_ROW_ASSERT(memcmp(out, rows[i].body, len) == 0, row);
		else
			TU_ROW_ASSERT(all_bytes(out, len, 'x'), row);
		free(out);
	}
}

static void test_redirect_to_other_scheme_not_followed(void)
{
	static const char *const paths[] = { "/to-ftp", "/to-file" };
	size_t i;

	for (i = 0; i < TU_N_ROWS(paths); i++) {
		unsigned before = requests();
		char *out;
		size_t len;

		CU_ASSERT_EQUAL(http_get(url_of(paths[i]), 1024, &out, &len),
		                DX_ERR_DOWNLOAD);
		/* One request, the redirect: the ftp target (this same
		   server) was never connected to. */
		CU_ASSERT_EQUAL(requests(), before + 1);
	}
}

static void test_error_log(void)
{
	char *out;
	size_t len;
	const char *t;

	log_reset();
	CU_ASSERT_EQUAL(http_get(url_of("/missing"), 1024, &out, &len),
	                DX_ERR_DOWNLOAD);
	t = log_text();
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "ERROR: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, url_of("/missing")));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "HTTP status 404"));
	/* curl's own reason, from the error buffer */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "returned error: 404"));
	CU_ASSERT_PTR_NULL(strstr(t, SECRET_BODY));
}

static void test_log_hides_credentials(void)
{
	char url[256];
	char *out;
	size_t len;
	const char *t;

	tu_fmt(url, sizeof(url),
	       "http://user:pa55word@127.0.0.1:%d/missing?sig=t0ken#frag",
	       srv.port);
	log_reset();
	CU_ASSERT_EQUAL(http_get(url, 1024, &out, &len), DX_ERR_DOWNLOAD);
	t = log_text();
	CU_ASSERT_PTR_NOT_NULL(strstr(t, url_of("/missing?...")));
	CU_ASSERT_PTR_NULL(strstr(t, "pa55word"));
	CU_ASSERT_PTR_NULL(strstr(t, "user:"));
	CU_ASSERT_PTR_NULL(strstr(t, "t0ken"));
	CU_ASSERT_PTR_NULL(strstr(t, "frag"));
}

static void test_user_agent(void)
{
	char *out;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(http_get(url_of("/ua"), 1024, &out, &len), DX_OK);
	CU_ASSERT_STRING_EQUAL(out, "docker-extension/" PACKAGE_VERSION);
	free(out);
}

static void test_refused_schemes(void)
{
	char no_scheme[128], ftp[128];
	const char *rows[] = {
		"file:///etc/passwd",
		"FILE:///etc/passwd",
		NULL,                  /* ftp://127.0.0.1:<port>/x */
		"gopher://127.0.0.1/",
		NULL,                  /* 127.0.0.1:<port>/ok, no scheme */
		"https:/127.0.0.1/",
		"",
	};
	size_t i;
	unsigned before = requests();

	tu_fmt(ftp, sizeof(ftp), "ftp://127.0.0.1:%d/x", srv.port);
	tu_fmt(no_scheme, sizeof(no_scheme), "127.0.0.1:%d/ok", srv.port);
	rows[2] = ftp;
	rows[4] = no_scheme;
	for (i = 0; i < TU_N_ROWS(rows); i++) {
		char *out = (char *)"junk";
		size_t len = 99;

		log_reset();
		TU_ROW_ASSERT(http_get(rows[i], 1024, &out, &len) ==
		              DX_ERR_INVALID_ARG, rows[i]);
		TU_ROW_ASSERT(out == NULL && len == 0, rows[i]);
		TU_ROW_ASSERT(strstr(log_text(), "only https is allowed") != NULL,
		              rows[i]);
		TU_ROW_ASSERT(http_download(rows[i], "/nonexistent/x", 0600, NULL) ==
		              DX_ERR_INVALID_ARG, rows[i]);
	}
	CU_ASSERT_EQUAL(requests(), before);
}

static void test_plain_http_refused(void)
{
	static const char *const paths[] = { "/ok", "/redirect" };
	char upper[128];
	size_t i;
	char *out = (char *)"junk";
	size_t len = 99;
	unsigned before = requests();

	http_allow_plain_http(0);
	for (i = 0; i < TU_N_ROWS(paths); i++) {
		log_reset();
		CU_ASSERT_EQUAL(http_get(url_of(paths[i]), 1024, &out, &len),
		                DX_ERR_INVALID_ARG);
		CU_ASSERT_PTR_NULL(out);
		CU_ASSERT_EQUAL(len, 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(log_text(), "refusing http:// URL"));
		CU_ASSERT_PTR_NOT_NULL(strstr(log_text(), "only https is allowed"));
	}
	tu_fmt(upper, sizeof(upper), "HTTP://127.0.0.1:%d/ok", srv.port);
	CU_ASSERT_EQUAL(http_get(upper, 1024, &out, &len), DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(http_download(url_of("/payload"), "/nonexistent/x",
	                              0600, NULL), DX_ERR_INVALID_ARG);
	http_allow_plain_http(1);
	CU_ASSERT_EQUAL(requests(), before);
}

static void test_connection_refused(void)
{
	const char *schemes[] = { "http", "https" };
	size_t i;

	for (i = 0; i < TU_N_ROWS(schemes); i++) {
		char url[128];
		char *out = (char *)"junk";
		size_t len = 99;

		tu_fmt(url, sizeof(url), "%s://127.0.0.1:%d/ok", schemes[i],
		       srv.closed_port);
		log_reset();
		TU_ROW_ASSERT(http_get(url, 1024, &out, &len) == DX_ERR_DOWNLOAD,
		              url);
		TU_ROW_ASSERT(out == NULL && len == 0, url);
		TU_ROW_ASSERT(strstr(log_text(), url) != NULL, url);
	}
}

static void test_get_invalid_args(void)
{
	char *out = (char *)"junk";
	size_t len = 99;

	CU_ASSERT_EQUAL(http_get(NULL, 1024, &out, &len), DX_ERR_INVALID_ARG);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(http_get(url_of("/ok"), 1024, NULL, &len),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(http_get(url_of("/ok"), 1024, &out, NULL),
	                DX_ERR_INVALID_ARG);
}

/* ---- http_download --------------------------------------------------------------------- */

static const char *dest(const char *name)
{
	static char path[PATH_MAX];

	tu_fmt(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Entries in the work directory besides the log: catches temp files. */
static int count_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "log") != 0)
			n++;
	closedir(d);
	return n;
}

static void payload_sha(char out[HASH_SHA256_HEX_LEN + 1], int upper)
{
	size_t i;

	hash_sha256_hex(PAYLOAD, strlen(PAYLOAD), out);
	for (i = 0; upper && out[i] != '\0'; i++)
		if (out[i] >= 'a' && out[i] <= 'f')
			out[i] = (char)(out[i] - 'a' + 'A');
}

static void test_download_modes(void)
{
	static const struct {
		mode_t mode;
		mode_t umask;
		int sha;        /* 0: none, 1: lower-case, 2: upper-case */
	} rows[] = {
		{ 0600, 022, 0 },
		{ 0644, 022, 1 },
		{ 0644, 077, 2 },
		{ 0755, 0, 1 },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		char sha[HASH_SHA256_HEX_LEN + 1];
		char row[64];
		const char *path = dest("script.sh");
		const char *got;
		struct stat st;
		mode_t old;
		int r;

		tu_fmt(row, sizeof(row), "mode %04o umask %03o sha %d",
		       (unsigned)rows[i].mode, (unsigned)rows[i].umask,
		       rows[i].sha);
		payload_sha(sha, rows[i].sha == 2);
		old = umask(rows[i].umask);
		r = http_download(url_of("/payload"), path, rows[i].mode,
		                  rows[i].sha ? sha : NULL);
		umask(old);
		TU_ROW_ASSERT(r == DX_OK, row);
		TU_ROW_ASSERT(stat(path, &st) == 0, row);
		TU_ROW_ASSERT((st.st_mode & 07777) == rows[i].mode, row);
		TU_ROW_ASSERT(S_ISREG(st.st_mode), row);
		got = tu_read_file(path);
		TU_ROW_ASSERT(got != NULL && strcmp(got, PAYLOAD) == 0, row);
		TU_ROW_ASSERT(count_entries() == 1, row);
		unlink(path);
	}
}

static void test_download_via_redirect(void)
{
	const char *path = dest("ok.bin");
	struct stat st;
	FILE *f;
	char buf[64];
	size_t n = 0;

	CU_ASSERT_EQUAL_FATAL(http_download(url_of("/redirect"), path, 0600,
	                                    NULL), DX_OK);
	CU_ASSERT_FATAL(stat(path, &st) == 0);
	CU_ASSERT_EQUAL(st.st_size, (off_t)OK_LEN);
	f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CU_ASSERT_EQUAL(n, OK_LEN);
	CU_ASSERT(memcmp(buf, OK_BODY, OK_LEN) == 0);
	unlink(path);
}

static void test_download_checksum_mismatch(void)
{
	char wrong[HASH_SHA256_HEX_LEN + 1];
	const char *path = dest("script.sh");
	const char *got;
	struct stat st;

	payload_sha(wrong, 0);
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	log_reset();
	CU_ASSERT_EQUAL(http_download(url_of("/payload"), path, 0644, wrong),
	                DX_ERR_CHECKSUM);
	CU_ASSERT_FALSE(exists(path));
	CU_ASSERT_EQUAL(count_entries(), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(log_text(), "checksum mismatch"));
	CU_ASSERT_PTR_NOT_NULL(strstr(log_text(), wrong));

	/* A file already there stays as it was: bytes and mode. */
	tu_write_file(path, "old contents\n", 0640);
	CU_ASSERT_EQUAL(http_download(url_of("/payload"), path, 0644, wrong),
	                DX_ERR_CHECKSUM);
	got = tu_read_file(path);
	CU_ASSERT(got != NULL && strcmp(got, "old contents\n") == 0);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
	CU_ASSERT_EQUAL(count_entries(), 1);
	unlink(path);
}

static void test_download_malformed_sha(void)
{
	static const char *const rows[] = {
		"",
		"abc",
		/* 63 digits */
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		/* 65 digits */
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
		/* 64 with a non-hex digit */
		"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		/* 64 with a space */
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 ",
		/* 64 with a sign */
		"-3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	const char *path = dest("script.sh");
	unsigned before = requests();
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		TU_ROW_ASSERT(http_download(url_of("/payload"), path, 0644,
		                            rows[i]) == DX_ERR_INVALID_ARG, rows[i]);
		TU_ROW_ASSERT(!exists(path), rows[i]);
	}
	/* Refused before any transfer. */
	CU_ASSERT_EQUAL(requests(), before);
	CU_ASSERT_EQUAL(count_entries(), 0);
}

static void test_download_errors(void)
{
	static const struct {
		const char *path;
		int want;
	} rows[] = {
		{ "/missing", DX_ERR_DOWNLOAD },
		{ "/partial", DX_ERR_DOWNLOAD },
		{ "/to-file", DX_ERR_DOWNLOAD },
		{ "/huge", DX_ERR_TOO_LARGE },
	};
	const char *path = dest("out.bin");
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		TU_ROW_ASSERT(http_download(url_of(rows[i].path), path, 0644, NULL) ==
		              rows[i].want, rows[i].path);
		TU_ROW_ASSERT(!exists(path), rows[i].path);
		TU_ROW_ASSERT(count_entries() == 0, rows[i].path);
	}
	/* The fetch works but the destination cannot be written. */
	CU_ASSERT_EQUAL(http_download(url_of("/payload"), dest("no/such/dir"),
	                              0644, NULL), DX_ERR_IO);
	CU_ASSERT_EQUAL(count_entries(), 0);
	/* Invalid arguments */
	CU_ASSERT_EQUAL(http_download(NULL, path, 0644, NULL),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(http_download(url_of("/payload"), NULL, 0644, NULL),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(http_download(url_of("/payload"), "", 0644, NULL),
	                DX_ERR_INVALID_ARG);
}

/* ---- the CA bundle ------------------------------------------------------------------ */

/* The package's libcurl comes from the build machine, its compiled-in
   bundle path from that distribution: the first existing file wins, a
   directory only when no file exists, and a directory named as a file
   does not count. */
static void test_ca_pick(void)
{
	char missing[PATH_MAX], bundle[PATH_MAX], certdir[PATH_MAX];
	int is_dir = -1;

	tu_fmt(missing, sizeof(missing), "%s", dest("ca-missing.pem"));
	tu_fmt(bundle, sizeof(bundle), "%s", dest("ca-bundle.pem"));
	tu_fmt(certdir, sizeof(certdir), "%s", dest("ca-certs"));
	tu_write_file(bundle, "not parsed here\n", 0644);
	tu_mkdir_p(certdir);
	{
		const char *files[] = { missing, certdir, bundle, NULL };
		const char *dirs[] = { certdir, NULL };
		const char *got = http_ca_pick(files, dirs, &is_dir);

		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CU_ASSERT_STRING_EQUAL(got, bundle);
		CU_ASSERT_EQUAL(is_dir, 0);
	}
	{
		const char *files[] = { missing, NULL };
		const char *dirs[] = { missing, bundle, certdir, NULL };
		const char *got = http_ca_pick(files, dirs, &is_dir);

		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CU_ASSERT_STRING_EQUAL(got, certdir);
		CU_ASSERT_EQUAL(is_dir, 1);
	}
	{
		const char *files[] = { missing, NULL };
		const char *dirs[] = { missing, NULL };

		CU_ASSERT_PTR_NULL(http_ca_pick(files, dirs, &is_dir));
		CU_ASSERT_EQUAL(is_dir, 0);
		CU_ASSERT_PTR_NULL(http_ca_pick(NULL, NULL, &is_dir));
	}
	(void)unlink(bundle);
	(void)rmdir(certdir);
	/* This machine's (Debian's) bundle is the first in the list. */
	if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
		const char *got = http_ca_location(&is_dir);

		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CU_ASSERT_STRING_EQUAL(got, "/etc/ssl/certs/ca-certificates.crt");
		CU_ASSERT_EQUAL(is_dir, 0);
	}
}

void test_http_register(void)
{
	CU_pSuite s = CU_add_suite("http", suite_init, suite_cleanup);

	CU_add_test(s, "get: bodies, caps, redirects, failures", test_get_table);
	CU_add_test(s, "redirects to other schemes are not followed",
	            test_redirect_to_other_scheme_not_followed);
	CU_add_test(s, "errors are logged with URL and status, never the body",
	            test_error_log);
	CU_add_test(s, "logged URLs lose credentials and query",
	            test_log_hides_credentials);
	CU_add_test(s, "user agent", test_user_agent);
	CU_add_test(s, "file://, ftp:// and others refused up front",
	            test_refused_schemes);
	CU_add_test(s, "plain http refused unless allowed",
	            test_plain_http_refused);
	CU_add_test(s, "connection refused", test_connection_refused);
	CU_add_test(s, "get: invalid arguments", test_get_invalid_args);
	CU_add_test(s, "download: exact mode whatever the umask, sha256 ok",
	            test_download_modes);
	CU_add_test(s, "download follows a redirect", test_download_via_redirect);
	CU_add_test(s, "download: checksum mismatch writes nothing",
	            test_download_checksum_mismatch);
	CU_add_test(s, "download: malformed sha256 refused",
	            test_download_malformed_sha);
	CU_add_test(s, "download: failures write nothing",
	            test_download_errors);
	CU_add_test(s, "CA bundle: first existing file, else a directory",
	            test_ca_pick);
}
