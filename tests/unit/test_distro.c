/*
 * distro: the parsers against real release files and hand-made damage,
 * the supported-release table at its edges, and detection in fake roots.
 * Every table ends with an explicit block of error rows.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "distro.h"
#include "dx_plugin.h"
#include "fileio.h"
#include "testutil.h"

void test_distro_register(void);

typedef int (*parse_fn)(const char *text, size_t len, struct distro_info *out);

#define OS distro_parse_os_release
#define LSB distro_parse_lsb_release
#define RH distro_parse_redhat_release

static int str_eq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static int has(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

/* ---- real release files --------------------------------------------------------- */

static const struct fixture_row {
	const char *file;
	parse_fn parse;
	int parse_rc;
	const char *id;
	const char *version_id;
	const char *id_like;        /* NULL: not checked */
	const char *name;           /* NULL: not checked */
	int classify_rc;
	enum dx_distro distro;
} fixture_rows[] = {
	{ "ubuntu-18.04", OS, DX_OK, "ubuntu", "18.04", "debian", "Ubuntu",
	  DX_OK, DX_DISTRO_UBUNTU },
	{ "ubuntu-20.04", OS, DX_OK, "ubuntu", "20.04", "debian", "Ubuntu",
	  DX_OK, DX_DISTRO_UBUNTU },
	{ "ubuntu-22.04", OS, DX_OK, "ubuntu", "22.04", "debian", "Ubuntu",
	  DX_OK, DX_DISTRO_UBUNTU },
	{ "ubuntu-24.04", OS, DX_OK, "ubuntu", "24.04", "debian", "Ubuntu",
	  DX_OK, DX_DISTRO_UBUNTU },
	{ "debian-11", OS, DX_OK, "debian", "11", "", "Debian GNU/Linux",
	  DX_OK, DX_DISTRO_DEBIAN },
	{ "debian-12", OS, DX_OK, "debian", "12", "", "Debian GNU/Linux",
	  DX_OK, DX_DISTRO_DEBIAN },
	{ "centos-7", OS, DX_OK, "centos", "7", "rhel fedora", "CentOS Linux",
	  DX_OK, DX_DISTRO_CENTOS },
	{ "centos-stream-8", OS, DX_OK, "centos", "8", "rhel fedora",
	  "CentOS Stream", DX_OK, DX_DISTRO_CENTOS },
	{ "centos-stream-9", OS, DX_OK, "centos", "9", "rhel fedora",
	  "CentOS Stream", DX_OK, DX_DISTRO_CENTOS },
	{ "centos-stream-10", OS, DX_OK, "centos", "10", "rhel fedora",
	  "CentOS Stream", DX_OK, DX_DISTRO_CENTOS },
	{ "almalinux-9", OS, DX_OK, "almalinux", "9.3", "rhel centos fedora",
	  "AlmaLinux", DX_OK, DX_DISTRO_CENTOS },
	{ "rocky-9", OS, DX_OK, "rocky", "9.3", "rhel centos fedora",
	  "Rocky Linux", DX_OK, DX_DISTRO_CENTOS },
	{ "rhel-7.9", OS, DX_OK, "rhel", "7.9", "fedora",
	  "Red Hat Enterprise Linux Server", DX_OK, DX_DISTRO_RHEL },
	{ "rhel-8.10", OS, DX_OK, "rhel", "8.10", "fedora",
	  "Red Hat Enterprise Linux", DX_OK, DX_DISTRO_RHEL },
	{ "rhel-9.4", OS, DX_OK, "rhel", "9.4", "fedora",
	  "Red Hat Enterprise Linux", DX_OK, DX_DISTRO_RHEL },
	{ "rhel-10.0", OS, DX_OK, "rhel", "10.0", "centos fedora",
	  "Red Hat Enterprise Linux", DX_OK, DX_DISTRO_RHEL },
	{ "coreos", OS, DX_OK, "coreos", "2512.3.0", "",
	  "Container Linux by CoreOS", DX_OK, DX_DISTRO_COREOS },
	{ "flatcar", OS, DX_OK, "flatcar", "3815.2.5", "coreos",
	  "Flatcar Container Linux by Kinvolk", DX_OK, DX_DISTRO_COREOS },
	{ "crlf", OS, DX_OK, "ubuntu", "22.04", "debian", "Ubuntu",
	  DX_OK, DX_DISTRO_UBUNTU },
	{ "quoted-escapes", OS, DX_OK, "ubuntu", "22.04", "debian like",
	  "Ubuntu \"Jammy\" \\ $HOME `uname` \\n", DX_OK, DX_DISTRO_UBUNTU },
	{ "lsb-release-ubuntu-18.04", LSB, DX_OK, "ubuntu", "18.04", "",
	  "Ubuntu 18.04.6 LTS", DX_OK, DX_DISTRO_UBUNTU },
	{ "redhat-release-rhel-7.9", RH, DX_OK, "rhel", "7.9", "",
	  "Red Hat Enterprise Linux Server", DX_OK, DX_DISTRO_RHEL },
	{ "centos-release-7.9", RH, DX_OK, "centos", "7.9.2009", "",
	  "CentOS Linux", DX_OK, DX_DISTRO_CENTOS },

	/* error rows: nothing to parse */
	{ "empty", OS, DX_ERR_DISTRO_UNDETECTED, "", "", "", "",
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN },
	{ "garbage", OS, DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL, NULL,
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN },
	{ "garbage", LSB, DX_ERR_DISTRO_UNDETECTED, "", "", "", "",
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN },
	{ "garbage", RH, DX_ERR_DISTRO_UNDETECTED, "", "", "", "",
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu-22.04", LSB, DX_ERR_DISTRO_UNDETECTED, "", "", "", "",
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu-22.04", RH, DX_ERR_DISTRO_UNDETECTED, "", "", "", "",
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN },
	/* error rows: parsed, then refused */
	{ "fedora-40", OS, DX_OK, "fedora", "40", "", "Fedora Linux",
	  DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu-16.04", OS, DX_OK, "ubuntu", "16.04", "debian", "Ubuntu",
	  DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "rhel-7.5", OS, DX_OK, "rhel", "7.5", "fedora",
	  "Red Hat Enterprise Linux Server", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "debian-10", OS, DX_OK, "debian", "10", "", "Debian GNU/Linux",
	  DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "debian-trixie-sid", OS, DX_OK, "debian", "", "",
	  "Debian GNU/Linux", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "linuxmint-21.3", OS, DX_OK, "linuxmint", "21.3", "ubuntu debian",
	  "Linux Mint", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
};

/* tests/fixtures/os-release/<name> */
static const char *fixture(const char *name)
{
	char rel[256];

	tu_fmt(rel, sizeof(rel), "os-release/%s", name);
	return tu_fixture(rel);
}

static char *load_fixture(const char *name, size_t *len)
{
	char *buf = NULL;
	int r = fileio_read_all(fixture(name), 1 << 20, &buf, len);

	if (r != DX_OK) {
		fprintf(stderr, "cannot read fixture %s\n", name);
		CU_FAIL_FATAL("fixture unreadable");
	}
	return buf;
}

static void check_fixture_row(const struct fixture_row *row)
{
	struct distro_info info;
	enum dx_distro d = DX_DISTRO__COUNT;
	char msg[512] = "junk";
	size_t len;
	char *text = load_fixture(row->file, &len);
	const char *f = row->file;
	int r;

	r = row->parse(text, len, &info);
	free(text);
	TU_ROW_ASSERT(r == row->parse_rc, f);
	TU_ROW_ASSERT(str_eq(info.id, row->id), f);
	if (row->version_id != NULL)
		TU_ROW_ASSERT(str_eq(info.version_id, row->version_id), f);
	if (row->id_like != NULL)
		TU_ROW_ASSERT(str_eq(info.id_like, row->id_like), f);
	if (row->name != NULL)
		TU_ROW_ASSERT(str_eq(info.name, row->name), f);
	TU_ROW_ASSERT(info.source[0] == '\0', f);   /* only detect sets it */

	r = distro_classify(&info, &d, msg, sizeof(msg));
	TU_ROW_ASSERT(r == row->classify_rc, f);
	TU_ROW_ASSERT(d == row->distro, f);
	if (r == DX_OK)
		TU_ROW_ASSERT(msg[0] == '\0', f);
	if (r == DX_ERR_DISTRO_UNSUPPORTED) {
		TU_ROW_ASSERT(has(msg, info.id), f);
		TU_ROW_ASSERT(has(msg, info.version_id[0] ? info.version_id
		                                          : "VERSION_ID"), f);
	}
}

static void test_fixtures(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(fixture_rows); i++)
		check_fixture_row(&fixture_rows[i]);
}

/* ---- os-release syntax ------------------------------------------------------------ */

static const struct text_row {
	const char *what;
	const char *text;
	size_t len;                 /* 0: strlen(text) */
	int rc;
	const char *id;
	const char *version_id;     /* NULL: not checked */
	const char *name;           /* NULL: not checked */
} text_rows[] = {
	{ "unquoted", "ID=ubuntu\nVERSION_ID=22.04\n", 0, DX_OK, "ubuntu",
	  "22.04", "" },
	{ "double quotes", "ID=\"debian\"\nVERSION_ID=\"12\"\n", 0, DX_OK,
	  "debian", "12", NULL },
	{ "single quotes", "ID='rhel'\nVERSION_ID='9.4'\n", 0, DX_OK, "rhel",
	  "9.4", NULL },
	{ "the four escapes", "ID=x\nNAME=\"a\\\"b\\\\c\\$d\\`e\"\n", 0, DX_OK,
	  "x", NULL, "a\"b\\c$d`e" },
	{ "other backslashes kept in double quotes",
	  "ID=x\nNAME=\"a\\nb\\'c\"\n", 0, DX_OK, "x", NULL, "a\\nb\\'c" },
	{ "no escapes in single quotes", "ID=x\nNAME='a\\\"b\\\\'\n", 0,
	  DX_OK, "x", NULL, "a\\\"b\\\\" },
	{ "unquoted backslash escapes", "ID=x\nNAME=a\\ b\\\\c\n", 0, DX_OK,
	  "x", NULL, "a b\\c" },
	{ "quotes inside the other quotes", "ID=x\nNAME=\"it's\" \n", 0, DX_OK,
	  "x", NULL, "it's" },
	{ "adjacent quoted parts", "ID=x\nNAME=\"a\"'b'c\n", 0, DX_OK, "x",
	  NULL, "abc" },
	{ "blanks inside quotes kept", "ID=x\nNAME=\"  a  \"\n", 0, DX_OK, "x",
	  NULL, "  a  " },
	{ "blanks around the value dropped", "ID= \tubuntu \t\nNAME=a b  \n",
	  0, DX_OK, "ubuntu", NULL, "a b" },
	{ "no final newline", "VERSION_ID=20.04\nID=ubuntu", 0, DX_OK,
	  "ubuntu", "20.04", NULL },
	{ "CRLF", "ID=ubuntu\r\nVERSION_ID=\"20.04\"\r\nNAME=Ubuntu\r\n", 0,
	  DX_OK, "ubuntu", "20.04", "Ubuntu" },
	{ "comments and blank lines", "# ID=fedora\n\n   \n\t# x=y\nID=ubuntu\n",
	  0, DX_OK, "ubuntu", "", NULL },
	{ "indented assignment", "  \tID=ubuntu\n", 0, DX_OK, "ubuntu", NULL,
	  NULL },
	{ "ID lower-cased", "ID=UbUnTu\n", 0, DX_OK, "ubuntu", NULL, NULL },
	{ "only ID is lower-cased", "ID=X\nNAME=MiXeD\n", 0, DX_OK, "x", NULL,
	  "MiXeD" },
	{ "the last assignment wins", "ID=fedora\nID=ubuntu\n", 0, DX_OK,
	  "ubuntu", NULL, NULL },
	{ "quoted value over two lines",
	  "NAME=\"a\nID=fedora\"\nID=ubuntu\n", 0, DX_OK, "ubuntu", NULL,
	  "a\nID=fedora" },
	{ "line continuation", "ID=ubu\\\nntu\nVERSION_ID=\"1\\\r\n8.04\"\n", 0,
	  DX_OK, "ubuntu", "18.04", NULL },
	{ "bad lines skipped, good ones kept",
	  "\x01\x02\x03\nI D=fedora\nID=ubuntu\n\xff\xfe=\n", 0, DX_OK,
	  "ubuntu", NULL, NULL },
	{ "NUL line skipped", "\0\0\0\nID=ubuntu\n", 14, DX_OK, "ubuntu", NULL,
	  NULL },
	{ "unknown keys ignored", "PRETTY_NAME=\"x\"\nID=debian\nFOO=bar\n", 0,
	  DX_OK, "debian", "", "" },
	{ "a trailing backslash is kept", "ID=ubuntu\\", 0, DX_OK, "ubuntu\\",
	  NULL, NULL },
	{ "UTF-8 is not a control", "ID=x\nNAME=\"Ubuntu \xc3\xa9\"\n", 0,
	  DX_OK, "x", NULL, "Ubuntu \xc3\xa9" },

	/* error rows: no usable ID */
	{ "empty text", "", 0, DX_ERR_DISTRO_UNDETECTED, "", "", "" },
	{ "only comments", "# ID=ubuntu\n#\n", 0, DX_ERR_DISTRO_UNDETECTED,
	  "", NULL, NULL },
	{ "empty value", "ID=\nVERSION_ID=22.04\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", "22.04", NULL },
	{ "empty quoted value", "ID=\"\"\n", 0, DX_ERR_DISTRO_UNDETECTED, "",
	  NULL, NULL },
	{ "no '='", "ID ubuntu\nID\n", 0, DX_ERR_DISTRO_UNDETECTED, "", NULL,
	  NULL },
	{ "'=' on the next line", "ID\n=ubuntu\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL },
	{ "blank before '='", "ID =ubuntu\n", 0, DX_ERR_DISTRO_UNDETECTED, "",
	  NULL, NULL },
	{ "key starting with a digit", "1D=ubuntu\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL },
	{ "key with a dash", "I-D=ubuntu\n-ID=ubuntu\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL },
	{ "keys are case-sensitive", "id=ubuntu\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL },
	{ "only '='", "=\n==\n=ID=ubuntu\n", 0, DX_ERR_DISTRO_UNDETECTED, "",
	  NULL, NULL },
	{ "unclosed double quote", "ID=\"ubuntu\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL },
	{ "unclosed single quote", "ID='ubuntu\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL },
	{ "unclosed quote hides what follows", "NAME=\"x\nID=ubuntu\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, "" },
	{ "NUL in the value", "ID=ubu\0ntu\n", 11, DX_ERR_DISTRO_UNDETECTED,
	  "", NULL, NULL },
	{ "NUL in quotes", "ID=\"ubuntu\0\"\n", 13, DX_ERR_DISTRO_UNDETECTED,
	  "", NULL, NULL },
	{ "NUL in the key", "I\0D=ubuntu\n", 11, DX_ERR_DISTRO_UNDETECTED, "",
	  NULL, NULL },
	{ "terminal escape in the value", "ID=\x1b[31mubuntu\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL },
	{ "escaped control character", "ID=ubu\\\x01ntu\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL },
	{ "DEL in the value", "ID=ubuntu\x7f\n", 0, DX_ERR_DISTRO_UNDETECTED,
	  "", NULL, NULL },
	{ "len stops before the ID", "ID=ubuntu\n", 2,
	  DX_ERR_DISTRO_UNDETECTED, "", NULL, NULL },
};

static void test_os_release_syntax(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(text_rows); i++) {
		const struct text_row *row = &text_rows[i];
		struct distro_info info;
		size_t len = row->len ? row->len : strlen(row->text);
		int r;

		memset(&info, 'x', sizeof(info));   /* must all be reset */
		r = distro_parse_os_release(row->text, len, &info);
		TU_ROW_ASSERT(r == row->rc, row->what);
		TU_ROW_ASSERT(str_eq(info.id, row->id), row->what);
		if (row->version_id != NULL)
			TU_ROW_ASSERT(str_eq(info.version_id, row->version_id),
			              row->what);
		if (row->name != NULL)
			TU_ROW_ASSERT(str_eq(info.name, row->name), row->what);
		TU_ROW_ASSERT(info.source[0] == '\0', row->what);
	}
}

/* Each field holds DISTRO_FIELD_MAX - 1 bytes; the rest is dropped. */
static void test_truncation(void)
{
	static const size_t lens[] = {
		DISTRO_FIELD_MAX - 2, DISTRO_FIELD_MAX - 1, DISTRO_FIELD_MAX,
		DISTRO_FIELD_MAX + 1, 4000
	};
	char text[9000];
	char want[DISTRO_FIELD_MAX];
	struct distro_info info;
	size_t i, n, keep;

	for (i = 0; i < TU_N_ROWS(lens); i++) {
		n = lens[i];
		keep = n < DISTRO_FIELD_MAX - 1 ? n : DISTRO_FIELD_MAX - 1;
		/* NAME quoted, ID unquoted: both cut at the same length. */
		tu_fmt(text, sizeof(text), "NAME=\"%0*d\"\nID=%0*d\n", (int)n, 0,
		       (int)n, 0);
		memset(want, '0', keep);
		want[keep] = '\0';
		CU_ASSERT_EQUAL(distro_parse_os_release(text, strlen(text),
		                                        &info), DX_OK);
		CU_ASSERT_EQUAL(strlen(info.name), keep);
		CU_ASSERT_STRING_EQUAL(info.name, want);
		CU_ASSERT_STRING_EQUAL(info.id, want);
	}
	/* An escaped backslash at the limit is one character: it is the
	   last byte that fits, and what follows is dropped. */
	memset(text, 'A', sizeof(text));
	memcpy(text, "ID=", 3);
	memcpy(text + 3 + DISTRO_FIELD_MAX - 2, "\\\\B", 3);
	CU_ASSERT_EQUAL(distro_parse_os_release(text, 3 + DISTRO_FIELD_MAX + 5,
	                                        &info), DX_OK);
	CU_ASSERT_EQUAL(strlen(info.id), DISTRO_FIELD_MAX - 1);
	CU_ASSERT_EQUAL(info.id[DISTRO_FIELD_MAX - 2], '\\');
}

/* ---- lsb-release and redhat-release ------------------------------------------------- */

static const struct small_row {
	const char *what;
	parse_fn parse;
	const char *text;
	size_t len;                 /* 0: strlen(text) */
	int rc;
	const char *id;
	const char *version_id;
	const char *name;
} small_rows[] = {
	{ "lsb ubuntu", LSB, "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=20.04\n"
	  "DISTRIB_CODENAME=focal\nDISTRIB_DESCRIPTION=\"Ubuntu 20.04.6 LTS\"\n",
	  0, DX_OK, "ubuntu", "20.04", "Ubuntu 20.04.6 LTS" },
	{ "lsb mint", LSB, "DISTRIB_ID=LinuxMint\nDISTRIB_RELEASE=21.3\n", 0,
	  DX_OK, "linuxmint", "21.3", "" },
	{ "lsb CRLF", LSB, "DISTRIB_ID=Ubuntu\r\nDISTRIB_RELEASE=18.04\r\n", 0,
	  DX_OK, "ubuntu", "18.04", "" },
	{ "rh centos 7", RH, "CentOS Linux release 7.9.2009 (Core)\n", 0, DX_OK,
	  "centos", "7.9.2009", "CentOS Linux" },
	{ "rh rhel 7.9", RH,
	  "Red Hat Enterprise Linux Server release 7.9 (Maipo)\n", 0, DX_OK,
	  "rhel", "7.9", "Red Hat Enterprise Linux Server" },
	{ "rh rhel 8.10", RH, "Red Hat Enterprise Linux release 8.10 (Ootpa)\n",
	  0, DX_OK, "rhel", "8.10", "Red Hat Enterprise Linux" },
	{ "rh centos stream 8", RH, "CentOS Stream release 8\n", 0, DX_OK,
	  "centos", "8", "CentOS Stream" },
	{ "rh centos stream 9, no newline", RH, "CentOS Stream release 9", 0,
	  DX_OK, "centos", "9", "CentOS Stream" },
	{ "rh almalinux", RH, "AlmaLinux release 9.3 (Shamrock Pampas Cat)\n", 0,
	  DX_OK, "almalinux", "9.3", "AlmaLinux" },
	{ "rh rocky", RH, "Rocky Linux release 9.3 (Blue Onyx)\n", 0, DX_OK,
	  "rocky", "9.3", "Rocky Linux" },
	{ "rh centos 6", RH, "CentOS release 6.10 (Final)\n", 0, DX_OK,
	  "centos", "6.10", "CentOS" },
	{ "rh fedora", RH, "Fedora release 40 (Forty)\n", 0, DX_OK, "fedora",
	  "40", "Fedora" },
	{ "rh unknown product", RH, "Scientific Linux release 7.9 (Nitrogen)\n",
	  0, DX_OK, "scientific", "7.9", "Scientific Linux" },
	{ "rh CRLF and blanks", RH, "  CentOS Linux release 7.9.2009 (Core) \r\n",
	  0, DX_OK, "centos", "7.9.2009", "CentOS Linux" },
	{ "rh second line ignored", RH, "Rocky Linux release 8.9 (Green "
	  "Obsidian)\nRed Hat Enterprise Linux release 9.4 (Plow)\n", 0, DX_OK,
	  "rocky", "8.9", "Rocky Linux" },
	{ "rh no version", RH, "CentOS Linux release (Core)\n", 0, DX_OK,
	  "centos", "", "CentOS Linux" },

	/* error rows */
	{ "lsb empty", LSB, "", 0, DX_ERR_DISTRO_UNDETECTED, "", "", "" },
	{ "lsb os-release keys", LSB, "ID=ubuntu\nVERSION_ID=22.04\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", "", "" },
	{ "lsb no DISTRIB_ID", LSB, "DISTRIB_RELEASE=18.04\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", "18.04", "" },
	{ "rh empty", RH, "", 0, DX_ERR_DISTRO_UNDETECTED, "", "", "" },
	{ "rh blank line", RH, " \r\n", 0, DX_ERR_DISTRO_UNDETECTED, "", "",
	  "" },
	{ "rh no 'release'", RH, "CentOS Linux 7.9.2009 (Core)\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", "", "" },
	{ "rh 'release' on line 2", RH, "CentOS Linux\nrelease 7.9\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", "", "" },
	{ "rh only 'release'", RH, "release 7\n", 0, DX_ERR_DISTRO_UNDETECTED,
	  "", "", "" },
	{ "rh NUL", RH, "CentOS\0Linux release 7.9.2009\n", 30,
	  DX_ERR_DISTRO_UNDETECTED, "", "", "" },
	{ "rh binary", RH, "\x7f" "ELF\x02\x01 release 7\n", 0,
	  DX_ERR_DISTRO_UNDETECTED, "", "", "" },
};

static void test_lsb_and_redhat(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(small_rows); i++) {
		const struct small_row *row = &small_rows[i];
		struct distro_info info;
		size_t len = row->len ? row->len : strlen(row->text);

		memset(&info, 'x', sizeof(info));
		TU_ROW_ASSERT(row->parse(row->text, len, &info) == row->rc,
		              row->what);
		TU_ROW_ASSERT(str_eq(info.id, row->id), row->what);
		TU_ROW_ASSERT(str_eq(info.version_id, row->version_id), row->what);
		TU_ROW_ASSERT(str_eq(info.name, row->name), row->what);
		TU_ROW_ASSERT(str_eq(info.id_like, ""), row->what);
	}
}

/* ---- the supported-release table ------------------------------------------------------ */

static const struct classify_row {
	const char *id;
	const char *version_id;
	const char *id_like;
	int rc;
	enum dx_distro distro;
} classify_rows[] = {
	{ "ubuntu", "18.04", "debian", DX_OK, DX_DISTRO_UBUNTU },
	{ "ubuntu", "18.10", "", DX_OK, DX_DISTRO_UBUNTU },
	{ "ubuntu", "20.04", "", DX_OK, DX_DISTRO_UBUNTU },
	{ "ubuntu", "22.04", "", DX_OK, DX_DISTRO_UBUNTU },
	{ "ubuntu", "24.04", "", DX_OK, DX_DISTRO_UBUNTU },
	{ "ubuntu", "26.04", "", DX_OK, DX_DISTRO_UBUNTU },
	{ "ubuntu", "100.04", "", DX_OK, DX_DISTRO_UBUNTU },
	{ "debian", "11", "", DX_OK, DX_DISTRO_DEBIAN },
	{ "debian", "12", "", DX_OK, DX_DISTRO_DEBIAN },
	{ "debian", "13", "", DX_OK, DX_DISTRO_DEBIAN },
	{ "centos", "7", "rhel fedora", DX_OK, DX_DISTRO_CENTOS },
	{ "centos", "7.9.2009", "", DX_OK, DX_DISTRO_CENTOS },
	{ "centos", "8", "", DX_OK, DX_DISTRO_CENTOS },
	{ "centos", "9", "", DX_OK, DX_DISTRO_CENTOS },
	{ "centos", "10", "", DX_OK, DX_DISTRO_CENTOS },
	{ "almalinux", "8.10", "", DX_OK, DX_DISTRO_CENTOS },
	{ "almalinux", "9.3", "", DX_OK, DX_DISTRO_CENTOS },
	{ "almalinux", "10.0", "", DX_OK, DX_DISTRO_CENTOS },
	{ "rocky", "8.9", "", DX_OK, DX_DISTRO_CENTOS },
	{ "rocky", "9.3", "", DX_OK, DX_DISTRO_CENTOS },
	{ "rocky", "10.0", "", DX_OK, DX_DISTRO_CENTOS },
	{ "rhel", "7.9", "fedora", DX_OK, DX_DISTRO_RHEL },
	{ "rhel", "7.10", "", DX_OK, DX_DISTRO_RHEL },    /* numeric, not text */
	{ "rhel", "8.0", "", DX_OK, DX_DISTRO_RHEL },
	{ "rhel", "8", "", DX_OK, DX_DISTRO_RHEL },
	{ "rhel", "8.10", "", DX_OK, DX_DISTRO_RHEL },
	{ "rhel", "9.4", "", DX_OK, DX_DISTRO_RHEL },
	{ "rhel", "10.0", "", DX_OK, DX_DISTRO_RHEL },
	{ "rhel", "10.1", "", DX_OK, DX_DISTRO_RHEL },
	{ "coreos", "2512.3.0", "", DX_OK, DX_DISTRO_COREOS },
	{ "coreos", "", "", DX_OK, DX_DISTRO_COREOS },
	{ "flatcar", "3815.2.5", "coreos", DX_OK, DX_DISTRO_COREOS },
	{ "flatcar", "", "", DX_OK, DX_DISTRO_COREOS },

	/* error rows: too old, too new, missing or malformed VERSION_ID */
	{ "ubuntu", "16.04", "debian", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "ubuntu", "17.10", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", "18.03", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", "18", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", "", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", "22.04a", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", "22..04", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", ".22", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", "22.04.", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", " 22.04", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", "-22.04", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu", "1.2.3.4.5", "", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "ubuntu", "99999999999999999999.04", "", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "debian", "10", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "debian", "", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "debian", "testing", "", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "centos", "6", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "centos", "6.10", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "centos", "11", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "centos", "", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "almalinux", "7.9", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "almalinux", "11.0", "", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "rocky", "7", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "rocky", "", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "rhel", "7.8", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "rhel", "7.5", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "rhel", "7.0", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "rhel", "7", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "rhel", "6.10", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "rhel", "11.0", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "rhel", "", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	/* error rows: IDs that are not in the table */
	{ "fedora", "40", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "linuxmint", "21.3", "ubuntu debian", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "pop", "22.04", "ubuntu debian", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "ol", "8.9", "fedora", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "fedora-coreos", "40", "", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "Ubuntu", "22.04", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "ubuntu ", "22.04", "", DX_ERR_DISTRO_UNSUPPORTED,
	  DX_DISTRO_UNKNOWN },
	{ "ubunt", "22.04", "", DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN },
	{ "", "22.04", "ubuntu", DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN },
};

static void fill_info(struct distro_info *info, const char *id,
                      const char *version_id, const char *id_like)
{
	memset(info, 0, sizeof(*info));
	tu_fmt(info->id, sizeof(info->id), "%s", id);
	tu_fmt(info->version_id, sizeof(info->version_id), "%s", version_id);
	tu_fmt(info->id_like, sizeof(info->id_like), "%s", id_like);
}

static void test_classify(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(classify_rows); i++) {
		const struct classify_row *row = &classify_rows[i];
		struct distro_info info;
		enum dx_distro d = DX_DISTRO__COUNT;
		char msg[512] = "junk";
		char what[128];
		int r;

		snprintf(what, sizeof(what), "%s %s", row->id, row->version_id);
		fill_info(&info, row->id, row->version_id, row->id_like);
		r = distro_classify(&info, &d, msg, sizeof(msg));
		TU_ROW_ASSERT(r == row->rc, what);
		TU_ROW_ASSERT(d == row->distro, what);
		if (r == DX_OK) {
			TU_ROW_ASSERT(msg[0] == '\0', what);
			continue;
		}
		if (r != DX_ERR_DISTRO_UNSUPPORTED) {
			TU_ROW_ASSERT(has(msg, "no ID"), what);
			continue;
		}
		TU_ROW_ASSERT(has(msg, row->id), what);
		TU_ROW_ASSERT(has(msg, row->version_id[0] ? row->version_id
		                                          : "VERSION_ID"), what);
		/* An unknown ID's refusal names its ID_LIKE. */
		if (row->id_like[0] != '\0' &&
		    has(msg, "unsupported distribution"))
			TU_ROW_ASSERT(has(msg, row->id_like), what);
	}
}

static void test_messages(void)
{
	struct distro_info info;
	enum dx_distro d;
	char msg[512];
	char small[32];

	fill_info(&info, "fedora", "40", "");
	CU_ASSERT_EQUAL(distro_classify(&info, &d, msg, sizeof(msg)),
	                DX_ERR_DISTRO_UNSUPPORTED);
	CU_ASSERT_STRING_EQUAL(msg, "unsupported distribution: ID=fedora "
	                       "VERSION_ID=40 (supported: ubuntu 18.04+, "
	                       "debian 11+, centos 7/8/9/10, almalinux and "
	                       "rocky 8/9/10, rhel 7.9/8/9/10, coreos, flatcar)");

	fill_info(&info, "ubuntu", "16.04", "debian");
	CU_ASSERT_EQUAL(distro_classify(&info, &d, msg, sizeof(msg)),
	                DX_ERR_DISTRO_UNSUPPORTED);
	CU_ASSERT_STRING_EQUAL(msg, "ubuntu 16.04 is not supported "
	                       "(ubuntu 18.04 or later is)");

	fill_info(&info, "rhel", "7.5", "fedora");
	CU_ASSERT_EQUAL(distro_classify(&info, &d, msg, sizeof(msg)),
	                DX_ERR_DISTRO_UNSUPPORTED);
	CU_ASSERT_STRING_EQUAL(msg, "rhel 7.5 is not supported "
	                       "(rhel 7.9, 8, 9 or 10 is)");

	fill_info(&info, "debian", "", "");
	CU_ASSERT_EQUAL(distro_classify(&info, &d, msg, sizeof(msg)),
	                DX_ERR_DISTRO_UNSUPPORTED);
	CU_ASSERT_STRING_EQUAL(msg, "debian with no VERSION_ID is not "
	                       "supported (debian 11 or later is)");

	/* ID_LIKE is named, and said not to count. */
	fill_info(&info, "linuxmint", "21.3", "ubuntu debian");
	CU_ASSERT_EQUAL(distro_classify(&info, &d, msg, sizeof(msg)),
	                DX_ERR_DISTRO_UNSUPPORTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ID=linuxmint VERSION_ID=21.3 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ID_LIKE=\"ubuntu debian\" is not "
	                              "used"));

	fill_info(&info, "arch", "", "");
	CU_ASSERT_EQUAL(distro_classify(&info, &d, msg, sizeof(msg)),
	                DX_ERR_DISTRO_UNSUPPORTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ID=arch VERSION_ID=(none) "));

	/* A short buffer is cut, never overrun; NULL/0 is allowed. */
	memset(small, '#', sizeof(small));
	fill_info(&info, "fedora", "40", "");
	CU_ASSERT_EQUAL(distro_classify(&info, &d, small, 16),
	                DX_ERR_DISTRO_UNSUPPORTED);
	CU_ASSERT_EQUAL(strlen(small), 15);
	CU_ASSERT_EQUAL(small[16], '#');
	CU_ASSERT_EQUAL(distro_classify(&info, &d, NULL, 0),
	                DX_ERR_DISTRO_UNSUPPORTED);
	CU_ASSERT_EQUAL(d, DX_DISTRO_UNKNOWN);
	fill_info(&info, "ubuntu", "22.04", "");
	CU_ASSERT_EQUAL(distro_classify(&info, &d, NULL, 0), DX_OK);
	CU_ASSERT_EQUAL(d, DX_DISTRO_UBUNTU);
}

static void test_bad_arguments(void)
{
	struct distro_info info;
	enum dx_distro d = DX_DISTRO_UBUNTU;
	char msg[256];

	CU_ASSERT_EQUAL(distro_parse_os_release(NULL, 0, &info),
	                DX_ERR_DISTRO_UNDETECTED);
	CU_ASSERT_EQUAL(distro_parse_os_release(NULL, 4, &info),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(distro_parse_os_release("ID=x", 4, NULL),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(distro_parse_lsb_release(NULL, 0, &info),
	                DX_ERR_DISTRO_UNDETECTED);
	CU_ASSERT_EQUAL(distro_parse_lsb_release("x", 1, NULL),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(distro_parse_redhat_release(NULL, 0, &info),
	                DX_ERR_DISTRO_UNDETECTED);
	CU_ASSERT_EQUAL(distro_parse_redhat_release(NULL, 3, &info),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(distro_classify(NULL, &d, msg, sizeof(msg)),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(d, DX_DISTRO_UNKNOWN);
	fill_info(&info, "ubuntu", "22.04", "");
	CU_ASSERT_EQUAL(distro_classify(&info, NULL, msg, sizeof(msg)),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(distro_detect("", NULL, &d, msg, sizeof(msg)),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(distro_detect("", &info, NULL, msg, sizeof(msg)),
	                DX_ERR_INVALID_ARG);
}

/* ---- detection in fake roots ---------------------------------------------------------- */

/* Fixture names that are made rather than copied. */
#define MAKE_DIR "<directory>"
#define MAKE_BIG "<over 64 KiB>"

struct placed {
	const char *rel;            /* path under the root, e.g. "etc/os-release" */
	const char *fixture;
};

static const struct detect_row {
	const char *what;
	struct placed files[3];
	int rc;
	enum dx_distro distro;
	const char *id;
	const char *version_id;
	const char *source;         /* under the root; NULL: none */
	const char *msg_has[3];
} detect_rows[] = {
	{ "etc/os-release", { { "etc/os-release", "ubuntu-22.04" } },
	  DX_OK, DX_DISTRO_UBUNTU, "ubuntu", "22.04", "/etc/os-release",
	  { NULL } },
	{ "usr/lib/os-release fallback",
	  { { "usr/lib/os-release", "debian-12" } },
	  DX_OK, DX_DISTRO_DEBIAN, "debian", "12", "/usr/lib/os-release",
	  { NULL } },
	{ "etc/os-release wins over usr/lib",
	  { { "etc/os-release", "rhel-9.4" },
	    { "usr/lib/os-release", "debian-12" } },
	  DX_OK, DX_DISTRO_RHEL, "rhel", "9.4", "/etc/os-release", { NULL } },
	{ "etc/os-release without ID falls through",
	  { { "etc/os-release", "empty" },
	    { "usr/lib/os-release", "flatcar" } },
	  DX_OK, DX_DISTRO_COREOS, "flatcar", "3815.2.5",
	  "/usr/lib/os-release", { NULL } },
	{ "garbage os-release falls through to lsb-release",
	  { { "etc/os-release", "garbage" },
	    { "etc/lsb-release", "lsb-release-ubuntu-18.04" } },
	  DX_OK, DX_DISTRO_UBUNTU, "ubuntu", "18.04", "/etc/lsb-release",
	  { NULL } },
	{ "lsb-release only",
	  { { "etc/lsb-release", "lsb-release-ubuntu-18.04" } },
	  DX_OK, DX_DISTRO_UBUNTU, "ubuntu", "18.04", "/etc/lsb-release",
	  { NULL } },
	{ "redhat-release only",
	  { { "etc/redhat-release", "redhat-release-rhel-7.9" } },
	  DX_OK, DX_DISTRO_RHEL, "rhel", "7.9", "/etc/redhat-release",
	  { NULL } },
	{ "centos-release only",
	  { { "etc/centos-release", "centos-release-7.9" } },
	  DX_OK, DX_DISTRO_CENTOS, "centos", "7.9.2009", "/etc/centos-release",
	  { NULL } },
	{ "redhat-release before centos-release",
	  { { "etc/centos-release", "centos-release-7.9" },
	    { "etc/redhat-release", "redhat-release-rhel-7.9" } },
	  DX_OK, DX_DISTRO_RHEL, "rhel", "7.9", "/etc/redhat-release",
	  { NULL } },
	{ "os-release before the old files",
	  { { "etc/redhat-release", "redhat-release-rhel-7.9" },
	    { "usr/lib/os-release", "centos-stream-9" } },
	  DX_OK, DX_DISTRO_CENTOS, "centos", "9", "/usr/lib/os-release",
	  { NULL } },
	{ "CRLF os-release", { { "etc/os-release", "crlf" } },
	  DX_OK, DX_DISTRO_UBUNTU, "ubuntu", "22.04", "/etc/os-release",
	  { NULL } },
	{ "coreos", { { "usr/lib/os-release", "coreos" } },
	  DX_OK, DX_DISTRO_COREOS, "coreos", "2512.3.0", "/usr/lib/os-release",
	  { NULL } },
	{ "a directory in the way falls through",
	  { { "etc/os-release", MAKE_DIR },
	    { "usr/lib/os-release", "almalinux-9" } },
	  DX_OK, DX_DISTRO_CENTOS, "almalinux", "9.3", "/usr/lib/os-release",
	  { NULL } },

	/* error rows: refused (no fall-through once an ID is found) */
	{ "fedora refused", { { "etc/os-release", "fedora-40" } },
	  DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN, "fedora", "40",
	  "/etc/os-release", { "ID=fedora", "VERSION_ID=40" } },
	{ "refused etc/os-release does not fall through",
	  { { "etc/os-release", "ubuntu-16.04" },
	    { "usr/lib/os-release", "ubuntu-22.04" } },
	  DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN, "ubuntu", "16.04",
	  "/etc/os-release", { "ubuntu 16.04", "18.04" } },
	{ "linuxmint refused", { { "etc/os-release", "linuxmint-21.3" } },
	  DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN, "linuxmint", "21.3",
	  "/etc/os-release", { "ID=linuxmint", "VERSION_ID=21.3", "ID_LIKE" } },
	{ "debian testing refused", { { "etc/os-release", "debian-trixie-sid" } },
	  DX_ERR_DISTRO_UNSUPPORTED, DX_DISTRO_UNKNOWN, "debian", "",
	  "/etc/os-release", { "debian", "VERSION_ID" } },
	/* error rows: nothing found */
	{ "empty root", { { NULL, NULL } },
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN, "", "", NULL,
	  { "/etc/os-release: not found", "/usr/lib/os-release: not found",
	    "/etc/centos-release: not found" } },
	{ "no file has an ID",
	  { { "etc/os-release", "empty" },
	    { "usr/lib/os-release", "garbage" },
	    { "etc/lsb-release", "ubuntu-22.04" } },
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN, "", "", NULL,
	  { "/etc/os-release: no ID", "/usr/lib/os-release: no ID",
	    "/etc/lsb-release: no ID" } },
	{ "only a directory", { { "etc/os-release", MAKE_DIR } },
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN, "", "", NULL,
	  { "/etc/os-release: Is a directory" } },
	{ "over the size cap", { { "etc/os-release", MAKE_BIG } },
	  DX_ERR_DISTRO_UNDETECTED, DX_DISTRO_UNKNOWN, "", "", NULL,
	  { "/etc/os-release: larger than 65536 bytes" } },
};

static void place(const char *root, const struct placed *p)
{
	char path[PATH_MAX], dir[PATH_MAX];
	char *slash;

	tu_fmt(path, sizeof(path), "%s/%s", root, p->rel);
	tu_fmt(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	tu_mkdir_p(dir);
	if (str_eq(p->fixture, MAKE_DIR)) {
		tu_mkdir_p(path);
	} else if (str_eq(p->fixture, MAKE_BIG)) {
		static char big[70 * 1024];

		memset(big, '#', sizeof(big) - 1);
		memcpy(big + sizeof(big) - 11, "\nID=ubuntu\n", 11);
		big[sizeof(big) - 1] = '\0';
		tu_write_file(path, big, 0644);
	} else {
		tu_copy_file(fixture(p->fixture), path, 0644);
	}
}

/* info.source is root + the file, or its tail after "..." when long. */
static int source_is(const char *source, const char *root, const char *rel)
{
	char want[PATH_MAX];
	size_t n = strlen(source), rn = strlen(rel);

	tu_fmt(want, sizeof(want), "%s%s", root, rel);
	if (strlen(want) < DISTRO_SOURCE_MAX)
		return str_eq(source, want);
	return n == DISTRO_SOURCE_MAX - 1 && strncmp(source, "...", 3) == 0 &&
	       str_eq(source + n - rn, rel);
}

static void check_detect_row(const struct detect_row *row)
{
	char root[PATH_MAX];
	struct distro_info info;
	enum dx_distro d = DX_DISTRO__COUNT;
	char msg[1024] = "junk";
	size_t i;
	int r;

	tu_fmt(root, sizeof(root), "%s", tu_mkdtemp("distro"));
	for (i = 0; i < TU_N_ROWS(row->files) && row->files[i].rel; i++)
		place(root, &row->files[i]);
	r = distro_detect(root, &info, &d, msg, sizeof(msg));
	TU_ROW_ASSERT(r == row->rc, row->what);
	TU_ROW_ASSERT(d == row->distro, row->what);
	TU_ROW_ASSERT(str_eq(info.id, row->id), row->what);
	TU_ROW_ASSERT(str_eq(info.version_id, row->version_id), row->what);
	if (row->source != NULL)
		TU_ROW_ASSERT(source_is(info.source, root, row->source), row->what);
	else
		TU_ROW_ASSERT(info.source[0] == '\0', row->what);
	if (r == DX_OK)
		TU_ROW_ASSERT(msg[0] == '\0', row->what);
	else
		TU_ROW_ASSERT(msg[0] != '\0', row->what);
	for (i = 0; i < TU_N_ROWS(row->msg_has) && row->msg_has[i]; i++)
		TU_ROW_ASSERT(has(msg, row->msg_has[i]), row->what);
	tu_rm_rf(root);
}

static void test_detect(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(detect_rows); i++)
		check_detect_row(&detect_rows[i]);
}

/* Links in the root: relative ones as the kernel resolves them, absolute
   ones inside the root (never the host's file), loops given up. */
static void test_detect_symlinks(void)
{
	static const struct {
		const char *what;
		const char *target;     /* of etc/os-release */
		int rc;
		const char *id;
		const char *source;
	} rows[] = {
		{ "relative link", "../usr/lib/os-release", DX_OK, "flatcar",
		  "/etc/os-release" },
		{ "absolute link", "/usr/lib/os-release", DX_OK, "flatcar",
		  "/etc/os-release" },
		{ "absolute link to a link", "/etc/os-release.d",
		  DX_OK, "flatcar", "/etc/os-release" },
		/* error rows: the link is useless, usr/lib is used */
		{ "dangling absolute link", "/nonexistent/os-release", DX_OK,
		  "flatcar", "/usr/lib/os-release" },
		{ "link loop", "/etc/os-release", DX_OK, "flatcar",
		  "/usr/lib/os-release" },
	};
	char root[PATH_MAX], path[PATH_MAX], msg[512];
	struct distro_info info;
	enum dx_distro d;
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		tu_fmt(root, sizeof(root), "%s", tu_mkdtemp("distro-link"));
		tu_fmt(path, sizeof(path), "%s/etc", root);
		tu_mkdir_p(path);
		tu_fmt(path, sizeof(path), "%s/usr/lib", root);
		tu_mkdir_p(path);
		tu_fmt(path, sizeof(path), "%s/usr/lib/os-release", root);
		tu_copy_file(fixture("flatcar"), path, 0644);
		tu_fmt(path, sizeof(path), "%s/etc/os-release.d", root);
		CU_ASSERT_EQUAL(symlink("../usr/lib/os-release", path), 0);
		tu_fmt(path, sizeof(path), "%s/etc/os-release", root);
		CU_ASSERT_EQUAL(symlink(rows[i].target, path), 0);

		CU_ASSERT_EQUAL(distro_detect(root, &info, &d, msg, sizeof(msg)),
		                rows[i].rc);
		TU_ROW_ASSERT(str_eq(info.id, rows[i].id), rows[i].what);
		TU_ROW_ASSERT(d == DX_DISTRO_COREOS, rows[i].what);
		TU_ROW_ASSERT(source_is(info.source, root, rows[i].source),
		              rows[i].what);
		tu_rm_rf(root);
	}
}

static void test_detect_root_forms(void)
{
	char root[PATH_MAX], slashed[PATH_MAX], path[PATH_MAX];
	char longroot[PATH_MAX], msg[512];
	struct distro_info info;
	enum dx_distro d;
	static const char *const real_roots[] = { "", "/", NULL };
	size_t i;
	int r;

	/* Trailing slashes do not double in the source. */
	tu_fmt(root, sizeof(root), "%s", tu_mkdtemp("distro-root"));
	tu_fmt(path, sizeof(path), "%s/etc", root);
	tu_mkdir_p(path);
	tu_fmt(path, sizeof(path), "%s/etc/os-release", root);
	tu_copy_file(fixture("debian-12"), path, 0644);
	tu_fmt(slashed, sizeof(slashed), "%s//", root);
	CU_ASSERT_EQUAL(distro_detect(slashed, &info, &d, msg, sizeof(msg)),
	                DX_OK);
	CU_ASSERT_EQUAL(d, DX_DISTRO_DEBIAN);
	CU_ASSERT_TRUE(source_is(info.source, root, "/etc/os-release"));

	/* A deep root is named in full. */
	tu_fmt(longroot, sizeof(longroot), "%s/%0150d", root, 0);
	tu_fmt(path, sizeof(path), "%s/etc", longroot);
	tu_mkdir_p(path);
	tu_fmt(path, sizeof(path), "%s/etc/os-release", longroot);
	tu_copy_file(fixture("debian-11"), path, 0644);
	CU_ASSERT_EQUAL(distro_detect(longroot, &info, &d, msg, sizeof(msg)),
	                DX_OK);
	CU_ASSERT_TRUE(source_is(info.source, longroot, "/etc/os-release"));
	CU_ASSERT(strlen(info.source) > 150);
	tu_rm_rf(root);

	/* "", "/" and NULL read the real system; whatever it is, the answer
	   is consistent and names a real file. */
	for (i = 0; i < TU_N_ROWS(real_roots); i++) {
		r = distro_detect(real_roots[i], &info, &d, msg, sizeof(msg));
		CU_ASSERT(r == DX_OK || r == DX_ERR_DISTRO_UNSUPPORTED ||
		          r == DX_ERR_DISTRO_UNDETECTED);
		if (r == DX_OK || r == DX_ERR_DISTRO_UNSUPPORTED) {
			CU_ASSERT_EQUAL(info.source[0], '/');
			CU_ASSERT_NOT_EQUAL(info.source[1], '/');
			CU_ASSERT_NOT_EQUAL(info.id[0], '\0');
		}
		CU_ASSERT_EQUAL(r == DX_OK, d != DX_DISTRO_UNKNOWN);
	}
}

static void test_names(void)
{
	static const struct {
		enum dx_distro d;
		const char *name;
	} rows[] = {
		{ DX_DISTRO_UBUNTU, "ubuntu" },
		{ DX_DISTRO_DEBIAN, "debian" },
		{ DX_DISTRO_CENTOS, "centos" },
		{ DX_DISTRO_RHEL, "rhel" },
		{ DX_DISTRO_COREOS, "coreos" },
		/* error rows */
		{ DX_DISTRO_UNKNOWN, "unknown" },
		{ DX_DISTRO__COUNT, "unknown" },
		{ (enum dx_distro)-1, "unknown" },
		{ (enum dx_distro)1000, "unknown" },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++)
		CU_ASSERT_STRING_EQUAL(distro_name(rows[i].d), rows[i].name);
}

void test_distro_register(void)
{
	CU_pSuite s = CU_add_suite("distro", NULL, NULL);

	CU_add_test(s, "real release files parse and classify", test_fixtures);
	CU_add_test(s, "os-release syntax and damage", test_os_release_syntax);
	CU_add_test(s, "long values are truncated", test_truncation);
	CU_add_test(s, "lsb-release and redhat-release", test_lsb_and_redhat);
	CU_add_test(s, "the supported-release table", test_classify);
	CU_add_test(s, "refusal messages", test_messages);
	CU_add_test(s, "bad arguments", test_bad_arguments);
	CU_add_test(s, "detect in fake roots", test_detect);
	CU_add_test(s, "detect follows links inside the root",
	            test_detect_symlinks);
	CU_add_test(s, "detect: root forms and the real system",
	            test_detect_root_forms);
	CU_add_test(s, "distro_name", test_names);
}
