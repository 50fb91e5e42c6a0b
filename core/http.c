/*
 * http - downloads over libcurl, the one file that includes <curl/curl.h>.
 *
 * libcurl is not linked: it is dlopen()ed on the first download.  With
 * its TLS library, HTTP/2, SSH, LDAP and Kerberos it maps some thirty
 * shared libraries, which cost every handler process milliseconds and
 * megabytes of RSS, while most runs (enable handing over to its worker,
 * status, a healthy re-enable) never download anything; the engine API
 * on its unix socket goes through core/unixhttp.c instead.  The package
 * bundles libcurl in lib/, which the bundled loader's --library-path
 * makes dlopen() search as well.
 *
 * Everything a download may do is fixed here rather than left to callers:
 * https only (redirects too), TLS verification on, bounded in size (the
 * write callback stops at the cap) and in time (connect timeout, a minimum
 * speed and a total limit), so that a hostile or broken server can neither
 * fill memory nor hang the handler.
 */
#include "config.h"

#include "http.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dx_plugin.h"
#include "fileio.h"
#include "hash.h"
#include "log.h"
#include "unixhttp.h"

#ifndef DX_LIBCURL_SONAME
#error "DX_LIBCURL_SONAME must be defined by the build (configure.ac)"
#endif

#define HTTP_CONNECT_TIMEOUT_S 30L
/* A transfer slower than 1 KiB/s for a whole minute is stuck, not slow. */
#define HTTP_LOW_SPEED_BYTES 1024L
#define HTTP_LOW_SPEED_TIME_S 60L
/* The hard bound: a 256 MiB download at the low-speed floor would take
   days, so the total limit is what really ends a dribbling server. */
#define HTTP_TOTAL_TIMEOUT_S (10L * 60L)
#define HTTP_MAX_REDIRS 5L
/* First allocation when the server sends no Content-Length. */
#define HTTP_INITIAL_BUF 16384u
/* Room for a URL in a log line; longer ones are cut. */
#define HTTP_LOG_URL_MAX 512

static int allow_plain_http;

struct body {
	CURL *curl;
	char *data;
	size_t len;
	size_t cap;      /* bytes allocated, always <= max + 1 */
	size_t max;
	int too_large;   /* set when the write callback refused more data */
	int nomem;       /* set when it could not grow the buffer */
	int sized;       /* Content-Length already looked at */
};

/* The libcurl functions we call, resolved by dlsym() on first use. */
static struct {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode c);
} cu;

static void *curl_lib;
static int curl_ready;

/* dlsym() returns an object pointer; POSIX guarantees that it can hold a
   function pointer, and memcpy() says so without a cast ISO C lacks. */
static int resolve(const char *name, void *slot, size_t size)
{
	void *sym = dlsym(curl_lib, name);

	if (sym == NULL || size != sizeof(sym)) {
		log_error("cannot use %s: no %s in it", DX_LIBCURL_SONAME, name);
		return -1;
	}
	memcpy(slot, &sym, sizeof(sym));
	return 0;
}

#define RESOLVE(field, name) resolve(name, &cu.field, sizeof(cu.field))

static int load_curl(void)
{
	/* RTLD_LOCAL: its symbols must not satisfy a plugin's references. */
	curl_lib = dlopen(DX_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (curl_lib == NULL) {
		log_error("cannot load %s, which downloads need: %s (install "
		          "libcurl; the extension package bundles it in lib/)",
		          DX_LIBCURL_SONAME, dlerror());
		return -1;
	}
	if (RESOLVE(global_init, "curl_global_init") != 0 ||
	    RESOLVE(global_cleanup, "curl_global_cleanup") != 0 ||
	    RESOLVE(easy_init, "curl_easy_init") != 0 ||
	    RESOLVE(easy_setopt, "curl_easy_setopt") != 0 ||
	    RESOLVE(easy_perform, "curl_easy_perform") != 0 ||
	    RESOLVE(easy_getinfo, "curl_easy_getinfo") != 0 ||
	    RESOLVE(easy_cleanup, "curl_easy_cleanup") != 0 ||
	    RESOLVE(easy_strerror, "curl_easy_strerror") != 0) {
		dlclose(curl_lib);
		curl_lib = NULL;
		return -1;
	}
	return 0;
}

#undef RESOLVE

/* libcurl (and through it the TLS library) is loaded and initialised on
   first use: most runs of the handler never make a request. */
static int ensure_init(void)
{
	if (curl_ready)
		return DX_OK;
	if (curl_lib == NULL && load_curl() != 0)
		return DX_ERR_DOWNLOAD;
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("%s failed to initialise", DX_LIBCURL_SONAME);
		return DX_ERR_INTERNAL;
	}
	curl_ready = 1;
	return DX_OK;
}

int http_global_init(void)
{
	return DX_OK;
}

void http_global_cleanup(void)
{
	/* No dlclose(): libcurl's TLS library may have registered exit
	   handlers that must still find their code. */
	if (curl_ready) {
		cu.global_cleanup();
		curl_ready = 0;
	}
}

void http_allow_plain_http(int allow)
{
	allow_plain_http = allow != 0;
}

/*
 * A URL for a log line: without user:password@ and without the query and
 * fragment, which is where signed-URL tokens (Azure SAS, S3 presigned)
 * live.  The log ends up in support bundles; credentials must not.
 */
static void redact_url(const char *url, char *out, size_t size)
{
	const char *host = url;
	const char *auth = strstr(url, "://");
	size_t scheme_len = 0;
	size_t keep;
	int cut;

	if (auth != NULL) {
		const char *a = auth + 3;
		size_t alen = strcspn(a, "/?#");
		const char *at = NULL;
		size_t i;

		for (i = 0; i < alen; i++)
			if (a[i] == '@')
				at = a + i;
		scheme_len = (size_t)(a - url);
		host = at != NULL ? at + 1 : a;
	}
	keep = strcspn(host, "?#");
	cut = host[keep] != '\0';
	if (scheme_len > HTTP_LOG_URL_MAX)
		scheme_len = HTTP_LOG_URL_MAX;
	if (keep > HTTP_LOG_URL_MAX)
		keep = HTTP_LOG_URL_MAX;
	snprintf(out, size, "%.*s%.*s%s", (int)scheme_len, url, (int)keep,
	         host, cut ? "?..." : "");
}

static int has_prefix_nocase(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Checked before libcurl sees the URL: the protocol restriction below
 * would refuse these too, but only after a handle is set up and with a
 * vaguer message.  A URL without a scheme is refused as well (libcurl
 * would guess one).
 */
static int check_scheme(const char *url)
{
	char shown[HTTP_LOG_URL_MAX + 64];

	if (has_prefix_nocase(url, "https://"))
		return DX_OK;
	if (has_prefix_nocase(url, "http://") && allow_plain_http)
		return DX_OK;
	if (*url == '\0') {
		log_error("refusing an empty URL (only https is allowed)");
		return DX_ERR_INVALID_ARG;
	}
	redact_url(url, shown, sizeof(shown));
	if (has_prefix_nocase(url, "http://"))
		log_error("refusing http:// URL %s (only https is allowed)",
		          shown);
	else
		log_error("refusing URL %s: unsupported scheme (only https is "
		          "allowed)", shown);
	return DX_ERR_INVALID_ARG;
}

static int body_reserve(struct body *b, size_t need)
{
	size_t cap;
	char *bigger;

	if (need <= b->cap)
		return 0;
	cap = b->cap > 0 ? b->cap : HTTP_INITIAL_BUF;
	while (cap < need && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap < need)
		cap = need;
	/* Never more than the cap allows: max bytes plus the NUL. */
	if (cap > b->max + 1)
		cap = b->max + 1;
	bigger = realloc(b->data, cap);
	if (bigger == NULL)
		return -1;
	b->data = bigger;
	b->cap = cap;
	return 0;
}

/*
 * The size cap lives here, where the bytes arrive: returning less than
 * was offered makes libcurl abort the transfer (CURLE_WRITE_ERROR), so
 * nothing past max is ever stored.  Only the final response's body comes
 * through here (libcurl drops the bodies of redirects it follows and, with
 * FAILONERROR, of error responses), so its Content-Length is checked on
 * the first call to refuse an oversized body before buffering any of it.
 */
static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n;

	if (nmemb != 0 && size > SIZE_MAX / nmemb) {
		b->too_large = 1;
		return 0;
	}
	n = size * nmemb;
	if (!b->sized) {
		curl_off_t cl = -1;

		b->sized = 1;
		if (cu.easy_getinfo(b->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		                    &cl) == CURLE_OK && cl >= 0) {
			if ((uintmax_t)cl > (uintmax_t)b->max) {
				b->too_large = 1;
				return 0;
			}
			/* Announced and within the cap: one allocation. */
			if (body_reserve(b, (size_t)cl + 1) != 0) {
				b->nomem = 1;
				return 0;
			}
		}
	}
	if (n > b->max - b->len) {
		b->too_large = 1;
		return 0;
	}
	if (body_reserve(b, b->len + n + 1) != 0) {
		b->nomem = 1;
		return 0;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	return n;
}

/* Hand the body to the caller, NUL-terminated (an empty body never
   reached the write callback, so it may have no buffer yet). */
static int body_take(struct body *b, char **out, size_t *len)
{
	if (body_reserve(b, 1) != 0)
		return DX_ERR_NOMEM;
	b->data[b->len] = '\0';
	*out = b->data;
	*len = b->len;
	b->data = NULL;
	return DX_OK;
}

/*
 * Where the CA bundle is, looked up at run time: the extension package
 * carries a libcurl built on Debian, whose compiled-in bundle path
 * (/etc/ssl/certs/ca-certificates.crt) does not exist on RHEL or CentOS,
 * and verification would fail there with "error setting certificate
 * file".  The file list is Go's crypto/x509 (root_linux.go), which has
 * served every distribution we support.
 */
static const char *const ca_files[] = {
	"/etc/ssl/certs/ca-certificates.crt",     /* Debian, Ubuntu, Flatcar */
	"/etc/pki/tls/certs/ca-bundle.crt",       /* RHEL, CentOS, Fedora */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7+ */
	"/etc/ssl/ca-bundle.pem",                 /* openSUSE */
	"/etc/pki/tls/cacert.pem",                /* OpenELEC */
	"/etc/ssl/cert.pem",                      /* Alpine */
	NULL
};
/* Hashed certificate directories (c_rehash), only when no bundle exists. */
static const char *const ca_dirs[] = {
	"/etc/ssl/certs",
	"/etc/pki/tls/certs",
	NULL
};

const char *http_ca_pick(const char *const *files, const char *const *dirs,
                         int *is_dir)
{
	struct stat st;
	size_t i;

	*is_dir = 0;
	for (i = 0; files != NULL && files[i] != NULL; i++)
		if (stat(files[i], &st) == 0 && S_ISREG(st.st_mode))
			return files[i];
	for (i = 0; dirs != NULL && dirs[i] != NULL; i++)
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			*is_dir = 1;
			return dirs[i];
		}
	return NULL;
}

const char *http_ca_location(int *is_dir)
{
	return http_ca_pick(ca_files, ca_dirs, is_dir);
}

#define SETOPT(h, opt, val)                                        \
	do {                                                       \
		CURLcode c_ = cu.easy_setopt((h), (opt), (val));   \
		if (c_ != CURLE_OK)                                \
			return c_;                                 \
	} while (0)

/*
 * Every option that matters for safety is checked: a libcurl that refused
 * one (too old, built without a feature) must fail the download rather
 * than run it with the default.
 */
static CURLcode setup_handle(CURL *h, const char *url, struct body *b,
                             char *errbuf)
{
	int ca_is_dir;
	const char *ca = http_ca_location(&ca_is_dir);

	SETOPT(h, CURLOPT_URL, url);
	SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
	/* No signals: a SIGALRM-based resolver timeout is unsafe in a
	   process that also runs children and may run threads. */
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(h, CURLOPT_PROTOCOLS_STR, allow_plain_http ? "https,http"
	                                                  : "https");
	SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, allow_plain_http ? "https,http"
	                                                        : "https");
#else
	SETOPT(h, CURLOPT_PROTOCOLS, allow_plain_http
	       ? (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP) : (long)CURLPROTO_HTTPS);
	SETOPT(h, CURLOPT_REDIR_PROTOCOLS, allow_plain_http
	       ? (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP) : (long)CURLPROTO_HTTPS);
#endif
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(h, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRS);
	/* The defaults already verify; saying so keeps it that way if a
	   default ever changes, and makes it greppable. */
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* None found: libcurl's compiled-in default, which then fails with
	   its own message.  Only a directory: the default bundle must go,
	   or its absence fails the transfer before the directory is read. */
	if (ca != NULL && !ca_is_dir) {
		SETOPT(h, CURLOPT_CAINFO, ca);
	} else if (ca != NULL) {
		SETOPT(h, CURLOPT_CAINFO, (char *)NULL);
		SETOPT(h, CURLOPT_CAPATH, ca);
	}
	/* A 4xx/5xx body is an error page, not the file we asked for. */
	SETOPT(h, CURLOPT_FAILONERROR, 1L);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT_S);
	SETOPT(h, CURLOPT_LOW_SPEED_LIMIT, HTTP_LOW_SPEED_BYTES);
	SETOPT(h, CURLOPT_LOW_SPEED_TIME, HTTP_LOW_SPEED_TIME_S);
	SETOPT(h, CURLOPT_TIMEOUT, HTTP_TOTAL_TIMEOUT_S);
	SETOPT(h, CURLOPT_USERAGENT, "docker-extension/" PACKAGE_VERSION);
	SETOPT(h, CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(h, CURLOPT_WRITEDATA, b);
	return CURLE_OK;
}

#undef SETOPT

int http_get(const char *url, size_t max, char **out, size_t *len)
{
	char errbuf[CURL_ERROR_SIZE];
	char shown[HTTP_LOG_URL_MAX + 64];
	struct body b;
	CURL *h = NULL;
	CURLcode c;
	long status = 0;
	int r;

	if (out != NULL)
		*out = NULL;
	if (len != NULL)
		*len = 0;
	if (url == NULL || out == NULL || len == NULL) {
		log_error("http_get: %s is NULL", url == NULL ? "the URL"
		                                              : "an output");
		return DX_ERR_INVALID_ARG;
	}
	r = check_scheme(url);
	if (r != DX_OK)
		return r;
	r = ensure_init();
	if (r != DX_OK)
		return r;
	memset(&b, 0, sizeof(b));
	/* max + 1 (for the NUL) must not wrap. */
	b.max = max < SIZE_MAX ? max : SIZE_MAX - 1;
	errbuf[0] = '\0';
	redact_url(url, shown, sizeof(shown));
	h = cu.easy_init();
	if (h == NULL) {
		log_error("cannot create a libcurl handle for %s", shown);
		r = DX_ERR_NOMEM;
		goto out;
	}
	b.curl = h;
	c = setup_handle(h, url, &b, errbuf);
	if (c != CURLE_OK) {
		/* A download with only part of our restrictions applied is
		   not one we want: refuse it. */
		log_error("cannot set up the download of %s: %s", shown,
		          cu.easy_strerror(c));
		r = DX_ERR_DOWNLOAD;
		goto out;
	}
	c = cu.easy_perform(h);
	(void)cu.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (b.nomem) {
		log_error("download of %s: out of memory", shown);
		r = DX_ERR_NOMEM;
		goto out;
	}
	if (b.too_large) {
		log_error("download of %s refused: larger than %zu bytes", shown,
		          b.max);
		r = DX_ERR_TOO_LARGE;
		goto out;
	}
	if (c != CURLE_OK) {
		/* The error buffer has the specific reason ("Failed to
		   connect to ... Connection refused"); the generic text is
		   the fallback.  Never the body: it may be anything. */
		if (status > 0)
			log_error("download of %s failed: %s (HTTP status %ld)",
			          shown, errbuf[0] != '\0' ? errbuf
			                                   : cu.easy_strerror(c),
			          status);
		else
			log_error("download of %s failed: %s", shown,
			          errbuf[0] != '\0' ? errbuf : cu.easy_strerror(c));
		r = c == CURLE_OUT_OF_MEMORY ? DX_ERR_NOMEM : DX_ERR_DOWNLOAD;
		goto out;
	}
	r = body_take(&b, out, len);
out:
	if (h != NULL)
		cu.easy_cleanup(h);
	free(b.data);
	return r;
}

/* The engine API needs no libcurl: see core/unixhttp.c. */
int http_unix_get(const char *socket_path, const char *path,
                  unsigned timeout_ms, size_t max, char **out, size_t *len)
{
	return unixhttp_get(socket_path, path, timeout_ms, max, out, len);
}

static int is_sha256_hex(const char *s)
{
	size_t i;

	/* The NUL test comes first: strchr() finds the terminator too. */
	for (i = 0; i < HASH_SHA256_HEX_LEN; i++)
		if (s[i] == '\0' ||
		    strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return 0;
	return s[HASH_SHA256_HEX_LEN] == '\0';
}

/*
 * One attempt only: a transient failure comes back as DX_ERR_DOWNLOAD and
 * the caller's layer decides about retries (bounded, with backoff), so
 * that the retry policy lives in one place and is not multiplied here.
 */
int http_download(const char *url, const char *path, mode_t mode,
                  const char *sha256_hex)
{
	char got[HASH_SHA256_HEX_LEN + 1];
	char shown[HTTP_LOG_URL_MAX + 64];
	char *data = NULL;
	size_t len = 0;
	int r;

	if (url == NULL || path == NULL || *path == '\0') {
		log_error("http_download: %s", url == NULL ? "the URL is NULL"
		                                           : "no destination path");
		return DX_ERR_INVALID_ARG;
	}
	/* Checked before the download: a typo in a pinned hash should not
	   cost a 100 MB transfer to discover. */
	if (sha256_hex != NULL && !is_sha256_hex(sha256_hex)) {
		log_error("http_download: the expected SHA-256 for %s is not 64 "
		          "hex digits", path);
		return DX_ERR_INVALID_ARG;
	}
	r = http_get(url, HTTP_MAX_DOWNLOAD, &data, &len);
	if (r != DX_OK)
		goto out;
	if (sha256_hex != NULL) {
		hash_sha256_hex(data, len, got);
		if (strcasecmp(got, sha256_hex) != 0) {
			redact_url(url, shown, sizeof(shown));
			log_error("checksum mismatch for %s: expected SHA-256 %s, "
			          "got %s; %s not written", shown, sha256_hex, got,
			          path);
			r = DX_ERR_CHECKSUM;
			goto out;
		}
	}
	r = fileio_write_atomic(path, data, len, mode);
	if (r == DX_ERR_IO)
		log_error("cannot write %s: %s", path, strerror(errno));
	else if (r != DX_OK)
		log_error("cannot write %s (code %d)", path, r);
out:
	free(data);
	return r;
}
