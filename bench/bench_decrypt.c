/*
 * bench_decrypt - decrypting a ~4 KiB protected-settings payload in-process
 * (secrets_decrypt: base64, key files, envelope, RSA, cipher, JSON check)
 * against `openssl smime -decrypt` run as a subprocess, what the original
 * extension and waagent's other handlers do, in the same run, interleaved.
 * Prints the medians and the ratio for RSA 2048 and RSA 4096.  (`openssl
 * cms -decrypt` stands in for smime on the envelopes smime cannot read:
 * OAEP and subjectKeyIdentifier recipients, the FIPS handlers' fallback.)
 *
 * Usage: bench_decrypt [-n RUNS] [SRCDIR]
 *   SRCDIR (default $DX_TOP_SRCDIR, else ".") holds
 *   tests/fixtures/make-envelopes.sh, which makes the keys and envelopes
 *   with the openssl CLI into a temporary directory (removed at the end).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dx_plugin.h"
#include "secrets.h"

#define MAX_RUNS 1000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL) {
		buf[n] = 0;
		*len = (size_t)n;
	}
	return buf;
}

static char *b64(const unsigned char *d, size_t n)
{
	static const char dig[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1);
	size_t i, o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		out[o++] = dig[(v >> 18) & 63];
		out[o++] = dig[(v >> 12) & 63];
		out[o++] = i + 1 < n ? dig[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? dig[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* Runs argv (argv[0] absolute); its stdout is read whole, as a handler
   reads the plaintext.  Returns the exit status, -1 on failure. */
static int run(char *const argv[], char *out, size_t outsize, size_t *outlen)
{
	int fds[2], status;
	pid_t pid;
	size_t used = 0;
	ssize_t n;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		close(fds[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + used, outsize - used)) > 0)
		used += (size_t)n;
	close(fds[0]);
	*outlen = used;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int find_openssl(char *out, size_t size)
{
	const char *path = getenv("PATH"), *p, *colon;

	if (path == NULL || *path == '\0')
		path = "/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *colon ? colon + 1 : colon) {
		colon = strchr(p, ':');
		if (colon == NULL)
			colon = p + strlen(p);
		snprintf(out, size, "%.*s/openssl", (int)(colon - p), p);
		if (colon > p && access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

struct fixture {
	const char *id;        /* a2048, b4096 */
	const char *envelope;  /* file name under env/ */
	const char *tool;      /* smime, or cms where smime cannot (OAEP,
	                          subjectKeyIdentifier recipients) */
	char thumb[64];
	char der_path[4200], crt[4200], prv[4200];
	char *b64;
	unsigned char *plain;
	size_t plain_len;
};

static int setup(struct fixture *f, const char *dir)
{
	char path[4200];
	unsigned char *der, *t;
	size_t len;

	snprintf(path, sizeof(path), "%s/thumb/%s", dir, f->id);
	t = read_file(path, &len);
	if (t == NULL)
		return -1;
	snprintf(f->thumb, sizeof(f->thumb), "%s", (char *)t);
	free(t);
	snprintf(f->der_path, sizeof(f->der_path), "%s/env/%s.der", dir,
	         f->envelope);
	snprintf(f->crt, sizeof(f->crt), "%s/keys/%s.crt", dir, f->thumb);
	snprintf(f->prv, sizeof(f->prv), "%s/keys/%s.prv", dir, f->thumb);
	der = read_file(f->der_path, &len);
	if (der == NULL)
		return -1;
	f->b64 = b64(der, len);
	free(der);
	snprintf(path, sizeof(path), "%s/plain/big.json", dir);
	f->plain = read_file(path, &f->plain_len);
	return f->b64 != NULL && f->plain != NULL ? 0 : -1;
}

static int bench(struct fixture *f, const char *openssl, const char *keydir,
                 int runs)
{
	static double in_proc[MAX_RUNS], sub[MAX_RUNS], load[MAX_RUNS];
	static char out[1 << 16];
	struct secrets_keydir kd;
	char tool[16], dec[] = "-decrypt", inform[] = "-inform",
	     derf[] = "DER", in[] = "-in", recip[] = "-recip", inkey[] = "-inkey";
	char *argv[12];
	char msg[512], exe[4096];
	int i;

	snprintf(kd.dir, sizeof(kd.dir), "%s", keydir);
	snprintf(exe, sizeof(exe), "%s", openssl);
	argv[0] = exe;
	snprintf(tool, sizeof(tool), "%s", f->tool);
	argv[1] = tool;
	argv[2] = dec;
	argv[3] = inform;
	argv[4] = derf;
	argv[5] = in;
	argv[6] = f->der_path;
	argv[7] = recip;
	argv[8] = f->crt;
	argv[9] = inkey;
	argv[10] = f->prv;
	argv[11] = NULL;
	for (i = 0; i < runs; i++) {
		char *plain = NULL;
		size_t plen = 0, olen = 0;
		struct secrets_key *key = NULL;
		double t0;
		int r;

		t0 = now_ms();
		r = secrets_decrypt(&kd, f->b64, f->thumb, &plain, &plen, msg,
		                    sizeof(msg));
		in_proc[i] = now_ms() - t0;
		if (r != DX_OK || plen != f->plain_len ||
		    memcmp(plain, f->plain, plen) != 0) {
			fprintf(stderr, "bench: in-process decryption failed: "
			        "%s\n", msg);
			return -1;
		}
		secrets_free_plaintext(plain, plen);

		t0 = now_ms();
		r = run(argv, out, sizeof(out), &olen);
		sub[i] = now_ms() - t0;
		if (r != 0 || olen != f->plain_len ||
		    memcmp(out, f->plain, olen) != 0) {
			fprintf(stderr, "bench: openssl %s failed (%d)\n",
			        f->tool, r);
			return -1;
		}

		t0 = now_ms();
		r = secrets_key_load(keydir, f->thumb, &key, msg, sizeof(msg));
		load[i] = now_ms() - t0;
		secrets_key_free(key);
		if (r != DX_OK)
			return -1;
	}
	{
		double a = median(in_proc, (size_t)runs);
		double b = median(sub, (size_t)runs);
		double l = median(load, (size_t)runs);

		printf("%-28s in-process %6.2f ms (key files %4.2f ms)   "
		       "openssl %-5s %6.2f ms   ratio %4.2fx\n", f->envelope,
		       a, l, f->tool, b, b / a);
	}
	return 0;
}

static int make_fixtures(const char *srcdir, const char *dir)
{
	char sh[] = "/bin/sh", script[4200], out[4200];
	char *argv[4];
	int status;
	pid_t pid;

	snprintf(script, sizeof(script), "%s/tests/fixtures/make-envelopes.sh",
	         srcdir);
	snprintf(out, sizeof(out), "%s", dir);
	argv[0] = sh;
	argv[1] = script;
	argv[2] = out;
	argv[3] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 1);
		execv(sh, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void remove_tree(const char *dir)
{
	char rm[] = "/bin/rm", rf[] = "-rf", d[4200];
	char *argv[4];
	char out[16];
	size_t n;

	snprintf(d, sizeof(d), "%s", dir);
	argv[0] = rm;
	argv[1] = rf;
	argv[2] = d;
	argv[3] = NULL;
	(void)run(argv, out, sizeof(out), &n);
}

int main(int argc, char **argv)
{
	struct fixture fx[] = {
		{ "a2048", "a2048-des3-pkcs1-issuer", "smime", "", "", "", "",
		  NULL, NULL, 0 },
		{ "a2048", "a2048-aes256-pkcs1-issuer", "smime", "", "", "", "",
		  NULL, NULL, 0 },
		{ "a2048", "a2048-aes256-oaep256-keyid", "cms", "", "", "", "",
		  NULL, NULL, 0 },
		{ "b4096", "b4096-des3-pkcs1-issuer", "smime", "", "", "", "",
		  NULL, NULL, 0 },
		{ "b4096", "b4096-aes256-pkcs1-issuer", "smime", "", "", "", "",
		  NULL, NULL, 0 },
		{ "b4096", "b4096-aes256-oaep256-keyid", "cms", "", "", "", "",
		  NULL, NULL, 0 },
	};
	const char *srcdir = getenv("DX_TOP_SRCDIR");
	char dir[] = "/tmp/dx-bench.XXXXXX", keydir[256], openssl[4096];
	int runs = 31, i, rc = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else
			srcdir = argv[i];
	}
	if (srcdir == NULL)
		srcdir = ".";
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "bench: -n takes 1-%d\n", MAX_RUNS);
		return 2;
	}
	if (find_openssl(openssl, sizeof(openssl)) != 0) {
		fprintf(stderr, "bench: openssl not found\n");
		return 77;
	}
	if (mkdtemp(dir) == NULL) {
		perror("bench: mkdtemp");
		return 1;
	}
	if (make_fixtures(srcdir, dir) != 0) {
		fprintf(stderr, "bench: %s/tests/fixtures/make-envelopes.sh "
		        "failed\n", srcdir);
		goto out;
	}
	snprintf(keydir, sizeof(keydir), "%s/keys", dir);
	printf("decrypting a 4 KiB payload, median of %d runs each, "
	       "interleaved\n", runs);
	for (i = 0; i < (int)(sizeof(fx) / sizeof(fx[0])); i++) {
		if (setup(&fx[i], dir) != 0 || bench(&fx[i], openssl, keydir,
		                                     runs) != 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < (int)(sizeof(fx) / sizeof(fx[0])); i++) {
		free(fx[i].b64);
		free(fx[i].plain);
	}
	remove_tree(dir);
	return rc;
}
