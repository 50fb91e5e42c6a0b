/*
 * seq - sequence numbers.  The variable wins because waagent may keep
 * older and newer settings files side by side (it never deletes them) and
 * passes the one it means; the directory scan is for agents older than
 * 2.2.44, which did not set it.
 */
#include "config.h"

#include "seq.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "fileio.h"

int seq_parse(const char *text, unsigned long *out)
{
	unsigned long v = 0;
	const char *p;

	if (text == NULL || *text == '\0' || strlen(text) > 18)
		return DX_ERR_INVALID_ARG;
	for (p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return DX_ERR_INVALID_ARG;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*out = v;
	return DX_OK;
}

/* "N.settings" -> N; -1 for any other name. */
static int settings_name_seq(const char *name, unsigned long *out)
{
	char digits[32];
	const char *dot = strchr(name, '.');
	size_t n;

	if (dot == NULL || strcmp(dot, ".settings") != 0)
		return -1;
	n = (size_t)(dot - name);
	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, name, n);
	digits[n] = '\0';
	return seq_parse(digits, out) == DX_OK ? 0 : -1;
}

static int highest_settings_file(const char *dir, unsigned long *out,
                                 char *msg, size_t msgsize)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned long v, best = 0;
	int found = 0;

	if (d == NULL) {
		snprintf(msg, msgsize, "cannot read config folder %s: %s", dir,
		         strerror(errno));
		return DX_ERR_SETTINGS;
	}
	while ((e = readdir(d)) != NULL) {
		if (settings_name_seq(e->d_name, &v) != 0)
			continue;  /* other files are not ours to judge */
		if (!found || v > best)
			best = v;
		found = 1;
	}
	closedir(d);
	if (!found) {
		snprintf(msg, msgsize, "ConfigSequenceNumber is not set and %s "
		         "holds no N.settings file", dir);
		return DX_ERR_SETTINGS;
	}
	*out = best;
	return DX_OK;
}

int seq_current(const char *config_folder, unsigned long *out, char *msg,
                size_t msgsize)
{
	const char *env = getenv("ConfigSequenceNumber");

	if (env != NULL) {
		if (seq_parse(env, out) != DX_OK) {
			snprintf(msg, msgsize, "ConfigSequenceNumber='%.32s' is "
			         "not a sequence number", env);
			return DX_ERR_SETTINGS;
		}
		return DX_OK;
	}
	return highest_settings_file(config_folder, out, msg, msgsize);
}

int seq_read_mrseq(const char *dir, unsigned long *out)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len, n;
	int r;

	if (snprintf(path, sizeof(path), "%s/mrseq", dir) >= (int)sizeof(path))
		return DX_ERR_INVALID_ARG;
	r = fileio_read_all(path, 64, &text, &len);
	if (r != DX_OK)
		return DX_ERR_IO;
	n = strcspn(text, "\r\n");
	text[n] = '\0';
	r = seq_parse(text, out) == DX_OK ? DX_OK : DX_ERR_IO;
	free(text);
	return r;
}

int seq_write_mrseq(const char *dir, unsigned long seq)
{
	char path[PATH_MAX];
	char text[32];
	int n;

	if (snprintf(path, sizeof(path), "%s/mrseq", dir) >= (int)sizeof(path))
		return DX_ERR_INVALID_ARG;
	n = snprintf(text, sizeof(text), "%lu", seq);
	return fileio_write_atomic(path, text, (size_t)n, 0644);
}
