/*
 * state: directory mode, keyed digests per area, applied record, the
 * update marker's lifetime.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "testutil.h"

void test_state_register(void);

static char base[PATH_MAX];
static char dir[PATH_MAX];

static int open_state(struct state *st)
{
	char msg[256];

	tu_fmt(base, sizeof(base), "%s", tu_mkdtemp("state"));
	tu_fmt(dir, sizeof(dir), "%s/st", base);
	setenv("DOCKER_EXTENSION_STATE_DIR", dir, 1);
	return state_open(st, msg, sizeof(msg));
}

static void close_state(void)
{
	unsetenv("DOCKER_EXTENSION_STATE_DIR");
	tu_rm_rf(base);
}

static void test_open_mode(void)
{
	struct state st;
	struct stat sb;
	char msg[256];

	CU_ASSERT_EQUAL_FATAL(open_state(&st), DX_OK);
	CU_ASSERT_STRING_EQUAL(st.dir, dir);
	CU_ASSERT_EQUAL(stat(dir, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0700);
	/* A loosened mode is tightened again. */
	chmod(dir, 0755);
	CU_ASSERT_EQUAL(state_open(&st, msg, sizeof(msg)), DX_OK);
	CU_ASSERT_EQUAL(stat(dir, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0700);
	/* error row: a file where the directory should be */
	rmdir(dir);
	tu_write_file(dir, "", 0600);
	CU_ASSERT_EQUAL(state_open(&st, msg, sizeof(msg)), DX_ERR_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "is not a directory"));
	close_state();
}

static void test_digests(void)
{
	struct state st;
	struct dx_settings a, b;
	struct state_digests da, db, again;
	char *opts1[] = { "--debug" };
	char *opts2[] = { "--debug", "--log-level=warn" };
	char *users[] = { "alice" };
	char path[PATH_MAX + 8];
	struct stat sb;
	int i;

	CU_ASSERT_EQUAL_FATAL(open_state(&st), DX_OK);
	memset(&a, 0, sizeof(a));
	a.options = opts1;
	a.n_options = 1;
	b = a;
	CU_ASSERT_EQUAL(state_digest(&st, &a, &da), DX_OK);
	CU_ASSERT_EQUAL(state_digest(&st, &b, &db), DX_OK);
	CU_ASSERT_EQUAL(memcmp(&da, &db, sizeof(da)), 0);
	/* The key is kept (0600): the same settings, the same digests. */
	tu_fmt(path, sizeof(path), "%s/key", dir);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(sb.st_size, 32);
	CU_ASSERT_EQUAL(state_digest(&st, &a, &again), DX_OK);
	CU_ASSERT_EQUAL(memcmp(&da, &again, sizeof(da)), 0);

	/* A daemon option changes the daemon area only. */
	b.options = opts2;
	b.n_options = 2;
	CU_ASSERT_EQUAL(state_digest(&st, &b, &db), DX_OK);
	for (i = 0; i < STATE_AREA__COUNT; i++) {
		if (i == STATE_AREA_DAEMON) {
			CU_ASSERT_STRING_NOT_EQUAL(da.hex[i], db.hex[i]);
		} else {
			CU_ASSERT_STRING_EQUAL(da.hex[i], db.hex[i]);
		}
	}
	/* Users change the users area only. */
	b = a;
	b.users = users;
	b.n_users = 1;
	CU_ASSERT_EQUAL(state_digest(&st, &b, &db), DX_OK);
	CU_ASSERT_STRING_EQUAL(da.hex[STATE_AREA_DAEMON],
	                       db.hex[STATE_AREA_DAEMON]);
	CU_ASSERT_STRING_NOT_EQUAL(da.hex[STATE_AREA_USERS],
	                           db.hex[STATE_AREA_USERS]);
	/* Field boundaries matter: ("ab","c") is not ("a","bc"). */
	{
		char *w1[] = { "ab", "c" }, *w2[] = { "a", "bc" };

		a.options = w1;
		a.n_options = 2;
		b = a;
		b.options = w2;
		CU_ASSERT_EQUAL(state_digest(&st, &a, &da), DX_OK);
		CU_ASSERT_EQUAL(state_digest(&st, &b, &db), DX_OK);
		CU_ASSERT_STRING_NOT_EQUAL(da.hex[STATE_AREA_DAEMON],
		                           db.hex[STATE_AREA_DAEMON]);
	}
	/* A secret changes its area's digest, and the digest is keyed: a
	   new key (another VM) gives another digest. */
	memset(&a, 0, sizeof(a));
	b = a;
	b.cert_key = "-----BEGIN PRIVATE KEY-----x";
	CU_ASSERT_EQUAL(state_digest(&st, &a, &da), DX_OK);
	CU_ASSERT_EQUAL(state_digest(&st, &b, &db), DX_OK);
	CU_ASSERT_STRING_NOT_EQUAL(da.hex[STATE_AREA_DAEMON],
	                           db.hex[STATE_AREA_DAEMON]);
	unlink(path);
	CU_ASSERT_EQUAL(state_digest(&st, &a, &again), DX_OK);
	CU_ASSERT_STRING_NOT_EQUAL(da.hex[STATE_AREA_DAEMON],
	                           again.hex[STATE_AREA_DAEMON]);
	close_state();
}

static void test_applied(void)
{
	struct state st;
	struct dx_settings s;
	struct state_digests d, back;
	char path[PATH_MAX + 16];
	struct stat sb;

	CU_ASSERT_EQUAL_FATAL(open_state(&st), DX_OK);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(state_read_applied(&st, &back), DX_ERR_IO);
	CU_ASSERT_EQUAL(state_digest(&st, &s, &d), DX_OK);
	CU_ASSERT_EQUAL(state_write_applied(&st, &d), DX_OK);
	CU_ASSERT_EQUAL(state_read_applied(&st, &back), DX_OK);
	CU_ASSERT_EQUAL(memcmp(&d, &back, sizeof(d)), 0);
	tu_fmt(path, sizeof(path), "%s/applied", dir);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
	/* An area not (yet) applied reads as "", never equal to a digest. */
	memcpy(&back, &d, sizeof(d));
	back.hex[STATE_AREA_COMPOSE][0] = '\0';
	CU_ASSERT_EQUAL(state_write_applied(&st, &back), DX_OK);
	CU_ASSERT_EQUAL(state_read_applied(&st, &back), DX_OK);
	CU_ASSERT_STRING_EQUAL(back.hex[STATE_AREA_COMPOSE], "");
	CU_ASSERT_STRING_EQUAL(back.hex[STATE_AREA_DAEMON], d.hex[STATE_AREA_DAEMON]);
	/* error row: a damaged line is no record of its area */
	tu_write_file(path, "daemon=abc\n", 0600);
	CU_ASSERT_EQUAL(state_read_applied(&st, &back), DX_OK);
	CU_ASSERT_STRING_EQUAL(back.hex[STATE_AREA_DAEMON], "");
	state_forget_applied(&st);
	CU_ASSERT_EQUAL(state_read_applied(&st, &back), DX_ERR_IO);
	close_state();
}

static void test_markers(void)
{
	struct state st;
	unsigned long seq = 0;
	char path[PATH_MAX + 16];

	CU_ASSERT_EQUAL_FATAL(open_state(&st), DX_OK);
	CU_ASSERT_FALSE(state_is_updating(&st, 3600));
	CU_ASSERT_EQUAL(state_mark_updating(&st), DX_OK);
	CU_ASSERT_TRUE(state_is_updating(&st, 3600));
	/* An old marker (an update that died half-way) no longer counts. */
	tu_fmt(path, sizeof(path), "%s/updating", dir);
	tu_write_file(path, "1000\n", 0600);
	CU_ASSERT_FALSE(state_is_updating(&st, 3600));
	/* error row: garbage */
	tu_write_file(path, "soon\n", 0600);
	CU_ASSERT_FALSE(state_is_updating(&st, 3600));
	state_clear_updating(&st);
	CU_ASSERT_FALSE(state_is_updating(&st, 3600));

	{
		struct state_ticket t, back, other;

		CU_ASSERT_EQUAL(state_read_ticket(&st, "requested", &back),
		                DX_ERR_IO);
		memset(&t, 0, sizeof(t));
		t.seq = 9;
		t.pid = 1234;
		tu_fmt(t.folder, sizeof(t.folder), "%s", "/var/lib/waagent/X-1.0/status");
		CU_ASSERT_EQUAL(state_write_ticket(&st, "requested", &t), DX_OK);
		CU_ASSERT_EQUAL(state_read_ticket(&st, "requested", &back), DX_OK);
		CU_ASSERT_EQUAL(back.seq, 9);
		CU_ASSERT_EQUAL(back.pid, 1234);
		CU_ASSERT_STRING_EQUAL(back.folder, t.folder);
		CU_ASSERT_TRUE(state_ticket_same(&t, &back));
		/* The same seq of another version's directory is not the same. */
		other = t;
		tu_fmt(other.folder, sizeof(other.folder), "%s", "/var/lib/waagent/X-1.1/status");
		CU_ASSERT_FALSE(state_ticket_same(&t, &other));
		other = t;
		other.seq = 10;
		CU_ASSERT_FALSE(state_ticket_same(&t, &other));
		/* error row: garbage */
		tu_fmt(path, sizeof(path), "%s/requested", dir);
		tu_write_file(path, "nine\n", 0600);
		CU_ASSERT_EQUAL(state_read_ticket(&st, "requested", &back),
		                DX_ERR_IO);
		state_remove(&st, "requested");
		CU_ASSERT_EQUAL(state_read_ticket(&st, "requested", &back),
		                DX_ERR_IO);
	}
	(void)seq;
	close_state();
}

void test_state_register(void)
{
	CU_pSuite s = CU_add_suite("state", NULL, NULL);

	CU_add_test(s, "directory created and kept 0700", test_open_mode);
	CU_add_test(s, "keyed digests per area", test_digests);
	CU_add_test(s, "applied record", test_applied);
	CU_add_test(s, "update marker and requested seq", test_markers);
}
