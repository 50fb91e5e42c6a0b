#include "config.h"

#include "testutil.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *path)
{
	fprintf(stderr, "test setup failed: %s %s: %s\n", what, path,
	        strerror(errno));
	abort();
}

const char *tu_env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "test setup: %s is not set (run through make check)\n",
		        name);
		abort();
	}
	return v;
}

const char *tu_mkdtemp(const char *tag)
{
	static char path[4096];
	char base[4096];
	/* Absolute, so that paths handed to exec and the loader are too. */
	snprintf(base, sizeof(base), "%s/tests/tmp", tu_env("DX_TOP_BUILDDIR"));
	if (mkdir(base, 0755) != 0 && errno != EEXIST)
		die("mkdir", base);
	chmod(base, 0755);
	if (snprintf(path, sizeof(path), "%s/%s.XXXXXX", base, tag) >=
	    (int)sizeof(path))
		die("path too long", base);
	if (mkdtemp(path) == NULL)
		die("mkdtemp", path);
	if (chmod(path, 0755) != 0)
		die("chmod", path);
	return path;
}

void tu_rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char child[4096];

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	d = opendir(path);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			if (snprintf(child, sizeof(child), "%s/%s", path,
			             e->d_name) < (int)sizeof(child))
				tu_rm_rf(child);
		}
		closedir(d);
	}
	rmdir(path);
}

void tu_write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	size_t len = strlen(text);

	if (fd < 0)
		die("open", path);
	if (write(fd, text, len) != (ssize_t)len)
		die("write", path);
	fchmod(fd, mode);
	close(fd);
}

const char *tu_read_file(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

void tu_copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY);
	int out;
	ssize_t n;

	if (in < 0)
		die("open", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (out < 0)
		die("open", to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("write", to);
	fchmod(out, mode);
	close(in);
	close(out);
}

const char *tu_fixture(const char *rel)
{
	static char path[4096];

	if (snprintf(path, sizeof(path), "%s/tests/fixtures/%s",
	             tu_env("DX_TOP_SRCDIR"), rel) >= (int)sizeof(path))
		die("path too long", rel);
	return path;
}

void tu_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "test setup failed: path too long: %s\n", out);
		abort();
	}
}

void tu_mkdir_p(const char *path)
{
	char buf[4096];
	char *p;

	tu_fmt(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			die("mkdir", buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		die("mkdir", buf);
}

void tu_row_assert(int ok, unsigned line, const char *file, const char *cond,
                   const char *row)
{
	char text[512];

	snprintf(text, sizeof(text), "[%s] %s", row, cond);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, text, file, "",
	                        CU_FALSE);
}

int tu_count_entries(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

size_t tu_count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

int tu_valid_utf8(const char *text, size_t n)
{
	static const unsigned long min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, k, j;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0) {
			k = 2;
			cp = s[i] & 0x1F;
		} else if ((s[i] & 0xF0) == 0xE0) {
			k = 3;
			cp = s[i] & 0x0F;
		} else if ((s[i] & 0xF8) == 0xF0) {
			k = 4;
			cp = s[i] & 0x07;
		} else {
			return 0;
		}
		if (i + k > n)
			return 0;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if (cp < min_cp[k] || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k;
	}
	return 1;
}
