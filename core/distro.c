/*
 * distro - os-release parsing, the supported-release table, detection.
 *
 * Fail closed: a distribution is supported only when its own ID and
 * VERSION_ID match a row of the table below.  ID_LIKE never picks a plugin
 * (a derivative may use other package names, repositories or init setup),
 * it is only named in the refusal so that the user sees why.
 */
#include "config.h"

#include "distro.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dx_plugin.h"
#include "fileio.h"

/* Real os-release files are well under 1 KiB; the cap only keeps a bogus
   file (a device, a huge log) from being read into memory. */
#define DISTRO_READ_MAX (64u * 1024u)

/* Symlinks followed inside a fake root before giving up (like ELOOP). */
#define DISTRO_MAX_HOPS 8

/* The message's list of what is supported, kept next to the table. */
#define SUPPORTED_TEXT "ubuntu 18.04+, debian 11+, centos 7/8/9/10, " \
	"almalinux and rocky 8/9/10, rhel 7.9/8/9/10, coreos, flatcar"

/* ---- value buffer --------------------------------------------------------- */

/* A bounded string being built: bytes past the end are dropped, so a long
   value is truncated and always NUL-terminated. */
struct sbuf {
	char *s;
	size_t size;
	size_t len;
};

static void sbuf_putc(struct sbuf *b, char c)
{
	if (b->len + 1 < b->size)
		b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void ascii_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* '\r' counts as a line end so that CRLF files parse like LF ones. */
static int is_newline(char c)
{
	return c == '\n' || c == '\r';
}

/* os-release(5) forbids non-printable characters; finding one means a
   binary or damaged file, whose values we would rather not trust. */
static int is_control(char c)
{
	return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

/* ---- KEY=value assignments (os-release and lsb-release) ------------------------ */

struct cursor {
	const char *p;
	const char *end;
};

/* Which assignments a parser keeps, and where they go. */
struct field_map {
	const char *key;
	size_t offset;      /* of a char[DISTRO_FIELD_MAX] in distro_info */
};

static const struct field_map os_release_fields[] = {
	{ "ID", offsetof(struct distro_info, id) },
	{ "ID_LIKE", offsetof(struct distro_info, id_like) },
	{ "VERSION_ID", offsetof(struct distro_info, version_id) },
	{ "NAME", offsetof(struct distro_info, name) },
};

static const struct field_map lsb_release_fields[] = {
	{ "DISTRIB_ID", offsetof(struct distro_info, id) },
	{ "DISTRIB_RELEASE", offsetof(struct distro_info, version_id) },
	{ "DISTRIB_DESCRIPTION", offsetof(struct distro_info, name) },
};

static void skip_line(struct cursor *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
}

/* Inside double quotes only these four lose their backslash, as in sh. */
static int dq_escapable(char c)
{
	return c == '"' || c == '\\' || c == '$' || c == '`';
}

enum quote { Q_NONE, Q_SINGLE, Q_DOUBLE };

/* At a backslash: when a newline (LF or CRLF) follows, step onto it (the
   caller's loop steps past it) and say so: sh joins the two lines. */
static int skip_continuation(struct cursor *c)
{
	if (c->p[1] == '\n') {
		c->p++;
		return 1;
	}
	if (c->p[1] == '\r' && c->p + 2 < c->end && c->p[2] == '\n') {
		c->p += 2;
		return 1;
	}
	return 0;
}

/*
 * Read one value starting after '=' up to the end of its line (a quoted
 * part may span lines, as in sh and systemd's parser).  Quoted parts and
 * unquoted text may be adjacent, as in sh; trailing unquoted blanks are
 * dropped.  Returns 0, or -1 when the value must be ignored: an unclosed
 * quote, or a control character (os-release(5) forbids them; they are a
 * sign of a binary or damaged file).
 */
static int read_value(struct cursor *c, struct sbuf *v)
{
	enum quote q = Q_NONE;
	size_t keep = 0;    /* length without trailing unquoted blanks */
	int bad = 0;

	while (c->p < c->end && is_blank(*c->p))
		c->p++;
	for (; c->p < c->end; c->p++) {
		char ch = *c->p;

		if (q == Q_NONE && is_newline(ch))
			break;
		if (q == Q_NONE && (ch == '"' || ch == '\'')) {
			q = ch == '"' ? Q_DOUBLE : Q_SINGLE;
			continue;
		}
		if ((q == Q_DOUBLE && ch == '"') || (q == Q_SINGLE && ch == '\'')) {
			q = Q_NONE;
			keep = v->len;
			continue;
		}
		if (ch == '\\' && q != Q_SINGLE && c->p + 1 < c->end) {
			if (skip_continuation(c))
				continue;
			if (q == Q_NONE || dq_escapable(c->p[1]))
				ch = *++c->p;
			/* An escaped character is kept even when blank. */
			bad |= is_control(ch);
			sbuf_putc(v, ch);
			keep = v->len;
			continue;
		}
		/* Quoted values may span lines; nothing else is a control. */
		if (is_control(ch) && !(q != Q_NONE && is_newline(ch)))
			bad = 1;
		sbuf_putc(v, ch);
		if (q != Q_NONE || !is_blank(ch))
			keep = v->len;
	}
	v->len = keep;
	v->s[keep] = '\0';
	skip_line(c);
	return q == Q_NONE && !bad ? 0 : -1;
}

static char *field_for_key(const struct field_map *map, size_t n,
                           const char *key, size_t keylen,
                           struct distro_info *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(map[i].key) == keylen &&
		    memcmp(map[i].key, key, keylen) == 0)
			return (char *)out + map[i].offset;
	return NULL;
}

/* One line (or one multi-line quoted assignment); the cursor moves on. */
static void parse_one(struct cursor *c, const struct field_map *map,
                      size_t n, struct distro_info *out)
{
	const char *key;
	size_t keylen;
	char value[DISTRO_FIELD_MAX];
	struct sbuf v = { value, sizeof(value), 0 };
	char *dst;

	while (c->p < c->end && is_blank(*c->p))
		c->p++;
	if (c->p < c->end && *c->p == '#') {
		skip_line(c);
		return;
	}
	key = c->p;
	while (c->p < c->end && *c->p != '=' && !is_newline(*c->p))
		c->p++;
	if (c->p >= c->end || *c->p != '=') {   /* no '=': not an assignment */
		skip_line(c);
		return;
	}
	keylen = (size_t)(c->p - key);
	c->p++;
	value[0] = '\0';
	/* The value is read even for keys we skip, so that a quoted value
	   spanning lines is not taken for assignments of its own.  Keys are
	   matched exactly against the few valid names we keep, so a bad key
	   ("ID ", "I-D", garbage) is skipped like any unknown one. */
	if (read_value(c, &v) != 0)
		return;
	dst = field_for_key(map, n, key, keylen, out);
	if (dst != NULL)
		memcpy(dst, value, v.len + 1);  /* later assignments win, as in sh */
}

static int parse_assignments(const char *text, size_t len,
                             const struct field_map *map, size_t n,
                             struct distro_info *out)
{
	struct cursor c;

	if (out == NULL || (text == NULL && len > 0))
		return DX_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return DX_ERR_DISTRO_UNDETECTED;
	c.p = text;
	c.end = text + len;
	while (c.p < c.end) {
		parse_one(&c, map, n, out);
		if (c.p < c.end)
			c.p++;      /* the '\n' ending the line */
	}
	ascii_lower(out->id);
	return out->id[0] != '\0' ? DX_OK : DX_ERR_DISTRO_UNDETECTED;
}

int distro_parse_os_release(const char *text, size_t len,
                            struct distro_info *out)
{
	return parse_assignments(text, len, os_release_fields,
	                         sizeof(os_release_fields) /
	                         sizeof(os_release_fields[0]), out);
}

int distro_parse_lsb_release(const char *text, size_t len,
                             struct distro_info *out)
{
	return parse_assignments(text, len, lsb_release_fields,
	                         sizeof(lsb_release_fields) /
	                         sizeof(lsb_release_fields[0]), out);
}

/* ---- /etc/redhat-release ------------------------------------------------------ */

/* Product names (before " release ") and the os-release ID they had. */
static const struct {
	const char *prefix;
	const char *id;
} redhat_names[] = {
	{ "CentOS", "centos" },         /* "CentOS Linux", "CentOS Stream" */
	{ "Red Hat Enterprise Linux", "rhel" },
	{ "AlmaLinux", "almalinux" },
	{ "Rocky Linux", "rocky" },
	{ "Fedora", "fedora" },
};

static const char *find_word(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word);
	size_t i;

	for (i = 0; i + wl <= len; i++)
		if (memcmp(s + i, word, wl) == 0)
			return s + i;
	return NULL;
}

static int prefix_matches(const char *s, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	return len >= pl && memcmp(s, prefix, pl) == 0;
}

static void copy_span(char *dst, const char *s, size_t len)
{
	if (len > DISTRO_FIELD_MAX - 1)
		len = DISTRO_FIELD_MAX - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* An ID for a product we do not know: its first word, lower-cased, so the
   refusal names it (it is never in the supported table by accident: the
   known products are matched first). */
static void id_from_first_word(char *dst, const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && !is_blank(s[n]))
		n++;
	copy_span(dst, s, n);
	ascii_lower(dst);
}

static int text_is_printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (is_control(s[i]))
			return 0;
	return 1;
}

int distro_parse_redhat_release(const char *text, size_t len,
                                struct distro_info *out)
{
	const char *rel, *ver;
	size_t line, namelen, vlen, i;

	if (out == NULL || (text == NULL && len > 0))
		return DX_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	/* Only the first line counts; blanks around it and a CR dropped. */
	while (len > 0 && is_blank(*text)) {
		text++;
		len--;
	}
	line = 0;
	while (line < len && !is_newline(text[line]))
		line++;
	while (line > 0 && is_blank(text[line - 1]))
		line--;
	if (line == 0 || !text_is_printable(text, line))
		return DX_ERR_DISTRO_UNDETECTED;
	rel = find_word(text, line, " release ");
	if (rel == NULL)
		return DX_ERR_DISTRO_UNDETECTED;
	namelen = (size_t)(rel - text);
	copy_span(out->name, text, namelen);
	for (i = 0; i < sizeof(redhat_names) / sizeof(redhat_names[0]); i++) {
		if (prefix_matches(text, namelen, redhat_names[i].prefix)) {
			copy_span(out->id, redhat_names[i].id,
			          strlen(redhat_names[i].id));
			break;
		}
	}
	if (out->id[0] == '\0')
		id_from_first_word(out->id, text, namelen);
	/* The version is the word after "release": digits and dots. */
	ver = rel + strlen(" release ");
	vlen = 0;
	while (ver + vlen < text + line &&
	       ((ver[vlen] >= '0' && ver[vlen] <= '9') || ver[vlen] == '.'))
		vlen++;
	copy_span(out->version_id, ver, vlen);
	return DX_OK;
}

/* ---- classification -------------------------------------------------------------- */

#define VERSION_PARTS 4

/* "22.04" -> {22, 4, 0, 0}.  Only dotted decimal numbers are accepted:
   anything else is not a version we can compare, so it is refused. */
static int parse_version(const char *s, unsigned long v[VERSION_PARTS])
{
	size_t part = 0;

	memset(v, 0, VERSION_PARTS * sizeof(v[0]));
	for (;;) {
		size_t digits = 0;

		while (*s >= '0' && *s <= '9') {
			if (++digits > 9)   /* keeps v[] far from overflow */
				return -1;
			v[part] = v[part] * 10 + (unsigned long)(*s - '0');
			s++;
		}
		if (digits == 0)
			return -1;
		if (*s == '\0')
			return 0;
		if (*s != '.' || ++part >= VERSION_PARTS)
			return -1;
		s++;
	}
}

static int version_cmp(const unsigned long a[VERSION_PARTS],
                       const unsigned long b[VERSION_PARTS])
{
	size_t i;

	for (i = 0; i < VERSION_PARTS; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/*
 * The supported releases.  `min` is the lowest VERSION_ID accepted;
 * `max_major` the highest major (0: no upper bound).  A row with min NULL
 * accepts any version, even none: CoreOS and Flatcar are rolling releases.
 */
struct support_row {
	const char *id;
	enum dx_distro distro;
	const char *min;
	unsigned long max_major;
	const char *supported;      /* "... or later is" for the message */
};

static const struct support_row support_table[] = {
	{ "ubuntu", DX_DISTRO_UBUNTU, "18.04", 0, "ubuntu 18.04 or later" },
	{ "debian", DX_DISTRO_DEBIAN, "11", 0, "debian 11 or later" },
	{ "centos", DX_DISTRO_CENTOS, "7", 10, "centos 7, 8, 9 or 10" },
	{ "almalinux", DX_DISTRO_CENTOS, "8", 10, "almalinux 8, 9 or 10" },
	{ "rocky", DX_DISTRO_CENTOS, "8", 10, "rocky 8, 9 or 10" },
	/* RHEL 7 only from 7.9: the last 7 minor, the one still maintained. */
	{ "rhel", DX_DISTRO_RHEL, "7.9", 10, "rhel 7.9, 8, 9 or 10" },
	{ "coreos", DX_DISTRO_COREOS, NULL, 0, NULL },
	{ "flatcar", DX_DISTRO_COREOS, NULL, 0, NULL },
};

static void set_msg(char *msg, size_t msgsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_msg(char *msg, size_t msgsize, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || msgsize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msgsize, fmt, ap);
	va_end(ap);
}

static const struct support_row *find_row(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(support_table) / sizeof(support_table[0]); i++)
		if (strcmp(support_table[i].id, id) == 0)
			return &support_table[i];
	return NULL;
}

static int version_supported(const struct support_row *row,
                             const char *version_id)
{
	unsigned long have[VERSION_PARTS], min[VERSION_PARTS];

	if (row->min == NULL)
		return 1;
	if (parse_version(version_id, have) != 0 ||
	    parse_version(row->min, min) != 0)
		return 0;
	if (version_cmp(have, min) < 0)
		return 0;
	return row->max_major == 0 || have[0] <= row->max_major;
}

static void refuse_unknown(const struct distro_info *info, char *msg,
                           size_t msgsize)
{
	const char *ver = info->version_id[0] ? info->version_id : "(none)";

	if (info->id_like[0] != '\0')
		set_msg(msg, msgsize, "unsupported distribution: ID=%s "
		        "VERSION_ID=%s (supported: %s; ID_LIKE=\"%s\" is not "
		        "used: derivatives are not supported)", info->id, ver,
		        SUPPORTED_TEXT, info->id_like);
	else
		set_msg(msg, msgsize, "unsupported distribution: ID=%s "
		        "VERSION_ID=%s (supported: %s)", info->id, ver,
		        SUPPORTED_TEXT);
}

int distro_classify(const struct distro_info *info, enum dx_distro *out,
                    char *msg, size_t msgsize)
{
	const struct support_row *row;

	if (out != NULL)
		*out = DX_DISTRO_UNKNOWN;
	if (info == NULL || out == NULL) {
		set_msg(msg, msgsize, "distro_classify: no input");
		return DX_ERR_INVALID_ARG;
	}
	set_msg(msg, msgsize, "%s", "");
	if (info->id[0] == '\0') {
		set_msg(msg, msgsize, "no ID in %s",
		        info->source[0] ? info->source : "os-release");
		return DX_ERR_DISTRO_UNDETECTED;
	}
	row = find_row(info->id);
	if (row == NULL) {
		refuse_unknown(info, msg, msgsize);
		return DX_ERR_DISTRO_UNSUPPORTED;
	}
	if (!version_supported(row, info->version_id)) {
		if (info->version_id[0] == '\0')
			set_msg(msg, msgsize, "%s with no VERSION_ID is not "
			        "supported (%s is)", info->id, row->supported);
		else
			set_msg(msg, msgsize, "%s %s is not supported (%s is)",
			        info->id, info->version_id, row->supported);
		return DX_ERR_DISTRO_UNSUPPORTED;
	}
	*out = row->distro;
	return DX_OK;
}

/* ---- detection ------------------------------------------------------------------- */

static const struct {
	const char *path;
	int (*parse)(const char *text, size_t len, struct distro_info *out);
} release_files[] = {
	{ "/etc/os-release", distro_parse_os_release },
	{ "/usr/lib/os-release", distro_parse_os_release },
	{ "/etc/lsb-release", distro_parse_lsb_release },
	{ "/etc/redhat-release", distro_parse_redhat_release },
	{ "/etc/centos-release", distro_parse_redhat_release },
};

/* Adds one "; "-separated item to a fixed buffer; what does not fit is
   dropped (the list is only for the message). */
static void note(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used > 0 && used + 1 < size)
		used += (size_t)snprintf(buf + used, size - used, "; ");
	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* Should a path not fit the source field, keep its end, which is the
   part that tells which file it was. */
static void set_source(struct distro_info *info, const char *path)
{
	size_t len = strlen(path);
	const size_t room = sizeof(info->source) - 1;

	if (len <= room) {
		memcpy(info->source, path, len + 1);
		return;
	}
	memcpy(info->source, "...", 3);
	memcpy(info->source + 3, path + len - (room - 3), room - 3 + 1);
}

/* Where the symlink at `link` points, as a path under `root`: an absolute
   target is taken inside the root, a relative one from the link's
   directory.  Returns 0, or -1 with errno set. */
static int follow_link(const char *root, const char *link, char *dst,
                       size_t dstsize)
{
	char target[PATH_MAX];
	const char *slash;
	ssize_t n;
	int w;

	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	slash = strrchr(link, '/');
	if (target[0] == '/')
		w = snprintf(dst, dstsize, "%s%s", root, target);
	else
		w = snprintf(dst, dstsize, "%.*s/%s",
		             slash != NULL ? (int)(slash - link) : 1,
		             slash != NULL ? link : ".", target);
	if (w < 0 || (size_t)w >= dstsize) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Under a fake root an absolute symlink (etc/os-release -> /usr/lib/...)
 * must point into that root, not at the host's file, so the links of the
 * file itself are followed by hand.  (Links in its parent directories and
 * ".." above the root are left to the kernel: images do not use them for
 * os-release.)  Returns 0, or -1 with errno set.
 */
static int resolve_in_root(const char *root, const char *path, char *out,
                           size_t outsize)
{
	char next[PATH_MAX];
	int hops;

	if (snprintf(out, outsize, "%s", path) >= (int)outsize) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (root[0] == '\0')
		return 0;
	for (hops = 0; hops < DISTRO_MAX_HOPS; hops++) {
		struct stat st;

		if (lstat(out, &st) != 0 || !S_ISLNK(st.st_mode))
			return 0;   /* the read reports a missing file */
		if (follow_link(root, out, next, sizeof(next)) != 0)
			return -1;
		if (snprintf(out, outsize, "%s", next) >= (int)outsize) {
			errno = ENAMETOOLONG;
			return -1;
		}
	}
	errno = ELOOP;
	return -1;
}

/* Reads and parses one candidate.  DX_OK with `info` filled, or an error
   with a reason appended to `tried`. */
static int try_file(const char *root, size_t i, struct distro_info *info,
                    char *tried, size_t triedsize)
{
	char path[PATH_MAX], real[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (snprintf(path, sizeof(path), "%s%s", root,
	             release_files[i].path) >= (int)sizeof(path)) {
		r = DX_ERR_INVALID_ARG;
		note(tried, triedsize, "%s%s: path too long", root,
		       release_files[i].path);
		goto out;
	}
	if (resolve_in_root(root, path, real, sizeof(real)) != 0) {
		r = DX_ERR_IO;
		note(tried, triedsize, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = fileio_read_all(real, DISTRO_READ_MAX, &buf, &len);
	if (r == DX_ERR_IO) {
		note(tried, triedsize, "%s: %s", path,
		       errno == ENOENT ? "not found" : strerror(errno));
		goto out;
	}
	if (r == DX_ERR_TOO_LARGE) {
		note(tried, triedsize, "%s: larger than %u bytes", path,
		       DISTRO_READ_MAX);
		goto out;
	}
	if (r != DX_OK)
		goto out;
	r = release_files[i].parse(buf, len, info);
	if (r != DX_OK) {
		note(tried, triedsize, "%s: no ID", path);
		goto out;
	}
	set_source(info, path);
out:
	free(buf);
	return r;
}

int distro_detect(const char *root, struct distro_info *info,
                  enum dx_distro *out, char *msg, size_t msgsize)
{
	char base[PATH_MAX];
	char tried[1024] = "";
	size_t i, n;
	int r;

	if (info == NULL || out == NULL) {
		set_msg(msg, msgsize, "distro_detect: no output");
		return DX_ERR_INVALID_ARG;
	}
	memset(info, 0, sizeof(*info));
	*out = DX_DISTRO_UNKNOWN;
	set_msg(msg, msgsize, "%s", "");
	/* "" and "/" are the real system; a trailing '/' would only double
	   the slash in the paths and messages. */
	if (snprintf(base, sizeof(base), "%s", root != NULL ? root : "") >=
	    (int)sizeof(base)) {
		set_msg(msg, msgsize, "root directory name too long");
		return DX_ERR_INVALID_ARG;
	}
	for (n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
		base[n - 1] = '\0';
	for (i = 0; i < sizeof(release_files) / sizeof(release_files[0]); i++) {
		r = try_file(base, i, info, tried, sizeof(tried));
		if (r == DX_OK)
			return distro_classify(info, out, msg, msgsize);
		if (r == DX_ERR_NOMEM) {
			set_msg(msg, msgsize, "out of memory reading %s%s",
			        base, release_files[i].path);
			return r;
		}
		memset(info, 0, sizeof(*info));
	}
	set_msg(msg, msgsize, "cannot detect the distribution, no os-release "
	        "with an ID (tried %s)", tried);
	return DX_ERR_DISTRO_UNDETECTED;
}

const char *distro_name(enum dx_distro d)
{
	static const char *const names[DX_DISTRO__COUNT] = {
		[DX_DISTRO_UNKNOWN] = "unknown",
		[DX_DISTRO_UBUNTU] = "ubuntu",
		[DX_DISTRO_DEBIAN] = "debian",
		[DX_DISTRO_CENTOS] = "centos",
		[DX_DISTRO_RHEL] = "rhel",
		[DX_DISTRO_COREOS] = "coreos",
	};

	if ((int)d < 0 || d >= DX_DISTRO__COUNT || names[d] == NULL)
		return "unknown";
	return names[d];
}
