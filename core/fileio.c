/*
 * fileio - capped whole-file reads and atomic writes.
 */
#include "config.h"

#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dx_plugin.h"

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding `path` so that the rename is durable. */
static void sync_parent_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int fileio_write_atomic(const char *path, const void *data, size_t len,
                        mode_t mode)
{
	char tmp[PATH_MAX];
	int fd = -1;
	int r = DX_ERR_IO;
	int saved_errno = 0;

	if (path == NULL || *path == '\0' || (data == NULL && len > 0))
		return DX_ERR_INVALID_ARG;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    (int)sizeof(tmp))
		return DX_ERR_INVALID_ARG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		saved_errno = errno;
		tmp[0] = '\0';
		goto out;
	}
	/* The final mode is set before the first byte: a secret is never
	   readable by others, not even for a moment. */
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		saved_errno = errno;
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		saved_errno = errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		saved_errno = errno;
		goto out;
	}
	tmp[0] = '\0';
	sync_parent_dir(path);
	r = DX_OK;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	if (r != DX_OK)
		errno = saved_errno;
	return r;
}

int fileio_read_all(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t cap, used = 0;
	int fd = -1;
	int r = DX_ERR_IO;
	int saved_errno = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		saved_errno = errno;
		goto out;
	}
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
		r = DX_ERR_TOO_LARGE;
		goto out;
	}
	/* Room for the whole file, the NUL, and one spare byte so that the
	   read that sees end-of-file has somewhere to go. */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 4096;
	buf = malloc(cap);
	if (buf == NULL) {
		r = DX_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			char *bigger;
			size_t next = cap * 2;

			if (used > max) {
				r = DX_ERR_TOO_LARGE;
				goto out;
			}
			if (next > max + 2)
				next = max + 2;
			if (next <= cap) {
				r = DX_ERR_TOO_LARGE;
				goto out;
			}
			bigger = realloc(buf, next);
			if (bigger == NULL) {
				r = DX_ERR_NOMEM;
				goto out;
			}
			buf = bigger;
			cap = next;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved_errno = errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max) {
		r = DX_ERR_TOO_LARGE;
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
	r = DX_OK;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (r == DX_ERR_IO)
		errno = saved_errno;
	return r;
}
