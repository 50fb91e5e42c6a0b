/*
 * fuzz_distro - libFuzzer target for the release-file parsers and the
 * supported-release table (core/distro.c).
 *
 * Each input is parsed as os-release, as lsb-release and as
 * redhat-release text, and every result is classified.  Besides the
 * sanitizers, the target checks what the parsers promise:
 *  - every field is NUL-terminated inside its array;
 *  - the ID is lower-case; no value keeps a control character other than
 *    the tab and the line ends that a quoted value may span;
 *  - redhat-release gives printable fields and a version of digits and
 *    dots;
 *  - distro_classify() accepts only IDs of its table, always leaves a
 *    terminated message (also in a buffer of a few bytes) and says why
 *    it refuses;
 *  - a round trip: the fields parsed from the input, written back as
 *    KEY="value" lines (with \ before " \ $ `), parse to the same fields.
 *
 * Build and run by hand (from a configured build directory):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I. -I$SRC/include -I$SRC/core \
 *     -o fuzz_distro $SRC/tests/fuzz/fuzz_distro.c $SRC/core/distro.c \
 *     $SRC/core/fileio.c
 *   mkdir -p corpus && ./fuzz_distro -max_total_time=300 \
 *     -dict=$SRC/tests/fuzz/distro.dict corpus $SRC/tests/fuzz/corpus/distro
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distro.h"
#include "dx_plugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_distro: %s:%d: check failed: %s\n", \
			        __FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

static void check_field(const char *f, size_t size)
{
	CHECK(memchr(f, '\0', size) != NULL);
}

static void check_info(const struct distro_info *in)
{
	const char *p;

	check_field(in->id, sizeof(in->id));
	check_field(in->id_like, sizeof(in->id_like));
	check_field(in->version_id, sizeof(in->version_id));
	check_field(in->name, sizeof(in->name));
	check_field(in->source, sizeof(in->source));
	for (p = in->id; *p != '\0'; p++)
		CHECK(!(*p >= 'A' && *p <= 'Z'));
}

/* os-release(5) forbids control characters: only the tab, and the line
   ends inside a quoted value, may reach a field. */
static void check_no_controls(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		CHECK(!((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') ||
		        ch == 0x7f));
	}
}

static void check_assignments(const struct distro_info *in)
{
	check_no_controls(in->id);
	check_no_controls(in->id_like);
	check_no_controls(in->version_id);
	check_no_controls(in->name);
}

static void check_redhat(const struct distro_info *in, int r)
{
	const char *p;

	if (r != DX_OK) {
		CHECK(in->id[0] == '\0' && in->version_id[0] == '\0' &&
		      in->name[0] == '\0');
		return;
	}
	CHECK(in->id[0] != '\0');
	for (p = in->name; *p != '\0'; p++)
		CHECK(!((unsigned char)*p < 0x20 && *p != '\t') && *p != 0x7f);
	for (p = in->id; *p != '\0'; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f && *p != ' ' &&
		      *p != '\t');
	for (p = in->version_id; *p != '\0'; p++)
		CHECK((*p >= '0' && *p <= '9') || *p == '.');
}

static const char *const supported_ids[] = {
	"ubuntu", "debian", "centos", "almalinux", "rocky", "rhel", "coreos",
	"flatcar",
};

static void check_classify(const struct distro_info *in, size_t msgsize)
{
	enum dx_distro d = DX_DISTRO__COUNT;
	char *msg = malloc(msgsize > 0 ? msgsize : 1);
	int r, known = 0;
	size_t i;

	CHECK(msg != NULL);
	memset(msg, 'x', msgsize > 0 ? msgsize : 1);
	r = distro_classify(in, &d, msg, msgsize);
	if (msgsize > 0)
		CHECK(memchr(msg, '\0', msgsize) != NULL);
	for (i = 0; i < sizeof(supported_ids) / sizeof(supported_ids[0]); i++)
		if (strcmp(in->id, supported_ids[i]) == 0)
			known = 1;
	CHECK(strcmp(distro_name(d), "") != 0);
	switch (r) {
	case DX_OK:
		CHECK(known);
		CHECK(d > DX_DISTRO_UNKNOWN && d < DX_DISTRO__COUNT);
		CHECK(strcmp(distro_name(d), "unknown") != 0);
		break;
	case DX_ERR_DISTRO_UNDETECTED:
		CHECK(in->id[0] == '\0');
		CHECK(d == DX_DISTRO_UNKNOWN);
		if (msgsize > 1)
			CHECK(msg[0] != '\0');
		break;
	case DX_ERR_DISTRO_UNSUPPORTED:
		CHECK(in->id[0] != '\0');
		CHECK(d == DX_DISTRO_UNKNOWN);
		if (msgsize > 1)
			CHECK(msg[0] != '\0');
		break;
	default:
		CHECK(0);
	}
	free(msg);
	/* No message buffer at all is allowed too. */
	r = distro_classify(in, &d, NULL, 0);
	CHECK(r == DX_OK || r == DX_ERR_DISTRO_UNDETECTED ||
	      r == DX_ERR_DISTRO_UNSUPPORTED);
}

/* KEY="value", with the four characters that lose their backslash inside
   double quotes escaped. */
static void put_assignment(char *buf, size_t size, size_t *len,
                           const char *key, const char *value)
{
	const char *p;

	if (value[0] == '\0')
		return;
	*len += (size_t)snprintf(buf + *len, size - *len, "%s=\"", key);
	for (p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\' || *p == '$' || *p == '`')
			buf[(*len)++] = '\\';
		buf[(*len)++] = *p;
	}
	buf[(*len)++] = '"';
	buf[(*len)++] = '\n';
	buf[*len] = '\0';
}

static void check_same(const struct distro_info *a,
                       const struct distro_info *b)
{
	CHECK(strcmp(a->id, b->id) == 0);
	CHECK(strcmp(a->id_like, b->id_like) == 0);
	CHECK(strcmp(a->version_id, b->version_id) == 0);
	CHECK(strcmp(a->name, b->name) == 0);
}

static void round_trip(const struct distro_info *in, int lsb)
{
	/* Four values of at most 127 bytes, each doubled by escapes. */
	char *buf = malloc(4 * (2 * DISTRO_FIELD_MAX + 32));
	struct distro_info again;
	size_t len = 0;
	int r;

	CHECK(buf != NULL);
	buf[0] = '\0';
	if (lsb) {
		put_assignment(buf, 4 * (2 * DISTRO_FIELD_MAX + 32), &len,
		               "DISTRIB_ID", in->id);
		put_assignment(buf, 4 * (2 * DISTRO_FIELD_MAX + 32), &len,
		               "DISTRIB_RELEASE", in->version_id);
		put_assignment(buf, 4 * (2 * DISTRO_FIELD_MAX + 32), &len,
		               "DISTRIB_DESCRIPTION", in->name);
		r = distro_parse_lsb_release(buf, len, &again);
	} else {
		put_assignment(buf, 4 * (2 * DISTRO_FIELD_MAX + 32), &len, "ID",
		               in->id);
		put_assignment(buf, 4 * (2 * DISTRO_FIELD_MAX + 32), &len,
		               "ID_LIKE", in->id_like);
		put_assignment(buf, 4 * (2 * DISTRO_FIELD_MAX + 32), &len,
		               "VERSION_ID", in->version_id);
		put_assignment(buf, 4 * (2 * DISTRO_FIELD_MAX + 32), &len,
		               "NAME", in->name);
		r = distro_parse_os_release(buf, len, &again);
	}
	CHECK(r == (in->id[0] != '\0' ? DX_OK : DX_ERR_DISTRO_UNDETECTED));
	check_same(in, &again);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct distro_info info;
	size_t msgsize = size > 0 ? data[0] % 24 : 0;
	int r;

	/* os-release */
	memset(&info, 0xa5, sizeof(info));
	r = distro_parse_os_release(text, size, &info);
	CHECK(r == DX_OK || r == DX_ERR_DISTRO_UNDETECTED);
	CHECK((r == DX_OK) == (info.id[0] != '\0'));
	check_info(&info);
	check_assignments(&info);
	CHECK(info.source[0] == '\0');
	round_trip(&info, 0);
	check_classify(&info, 256);
	check_classify(&info, msgsize);

	/* lsb-release: the same rules, other keys (no ID_LIKE). */
	memset(&info, 0xa5, sizeof(info));
	r = distro_parse_lsb_release(text, size, &info);
	CHECK(r == DX_OK || r == DX_ERR_DISTRO_UNDETECTED);
	CHECK((r == DX_OK) == (info.id[0] != '\0'));
	check_info(&info);
	check_assignments(&info);
	CHECK(info.id_like[0] == '\0');
	round_trip(&info, 1);
	check_classify(&info, 256);

	/* redhat-release: the first line only. */
	memset(&info, 0xa5, sizeof(info));
	r = distro_parse_redhat_release(text, size, &info);
	CHECK(r == DX_OK || r == DX_ERR_DISTRO_UNDETECTED);
	check_info(&info);
	check_redhat(&info, r);
	check_classify(&info, 256);
	check_classify(&info, msgsize);
	return 0;
}
