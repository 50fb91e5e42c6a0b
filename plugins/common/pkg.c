#include "config.h"

#include "pkg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pkg_query_add(struct pkg_query *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->p[i].name, name) == 0)
			return;
	if (q->n < sizeof(q->p) / sizeof(q->p[0]))
		q->p[q->n++].name = name;
}

struct pkg_state *pkg_query_get(struct pkg_query *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->p[i].name, name) == 0)
			return &q->p[i];
	return NULL;
}

int pkg_installed(struct pkg_query *q, const char *name)
{
	struct pkg_state *p = pkg_query_get(q, name);

	return p != NULL && p->installed;
}

size_t pkg_add_installed(struct pkg_query *q, const char *const *names,
                         const char **argv, size_t *n)
{
	size_t i, added = 0;

	for (i = 0; names[i] != NULL && added < PKG_MAX; i++)
		if (pkg_installed(q, names[i])) {
			argv[(*n)++] = names[i];
			added++;
		}
	return added;
}

int pkg_pick_pin(struct family_state *st, const char *pkg,
                 const char *const *versions, size_t n, char *out,
                 size_t outsize)
{
	char seen[256] = "";
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (family_version_matches(versions[i], st->set->version)) {
			snprintf(out, outsize, "%s", versions[i]);
			family_log(st, DX_LOG_INFO, "docker.version %s resolved "
			           "to %s %s", st->set->version, pkg, out);
			return DX_OK;
		}
		if (i < 5) {
			(void)family_cat(seen, sizeof(seen), i > 0 ? ", " : "");
			(void)family_cat(seen, sizeof(seen), versions[i]);
		}
	}
	family_fail(st, "docker.version %s: no %s package of that version in "
	            "the repository (newest: %s)", st->set->version, pkg,
	            seen[0] ? seen : "none");
	return DX_ERR_VERSION_NOT_FOUND;
}

/* The packages of the chosen source; pkgs[0] is the engine. */
static int wanted_packages(struct family_state *st,
                           const struct pkg_family *fam, const char **pkgs)
{
	const char *engine = NULL, *compose = NULL;
	size_t i;

	if (st->set->source == DX_SOURCE_DOCKER) {
		for (i = 0; fam->docker_packages[i] != NULL && i + 1 < PKG_MAX;
		     i++)
			pkgs[i] = fam->docker_packages[i];
		pkgs[i] = NULL;
		return DX_OK;
	}
	st->distro->distro_packages(&st->os, &engine, &compose);
	if (engine == NULL) {
		family_fail(st, "docker.source \"distro\": %s %s has no Docker "
		            "package; use docker.source \"docker\"", st->os.id,
		            st->os.version_id);
		return DX_ERR_NO_DISTRO_PACKAGE;
	}
	pkgs[0] = engine;
	pkgs[1] = compose;   /* NULL where the distribution has no Compose */
	pkgs[2] = NULL;
	return DX_OK;
}

/* Docker (and Compose, when the source has a package for it) there,
   found as files: no command run. */
static int present(struct family_state *st, const char *const *pkgs)
{
	struct dx_probe probe;

	if (family_probe(st, &probe) != DX_OK)
		return 0;
	return probe.docker_installed &&
	       (probe.compose_installed || pkgs[1] == NULL);
}

/* ... and the engine at the pin (from the package database). */
static int at_pin(struct family_state *st, struct pkg_query *q,
                  const char *const *pkgs)
{
	struct pkg_state *engine = pkg_query_get(q, pkgs[0]);

	return engine != NULL && engine->installed &&
	       family_version_matches(engine->version, st->set->version);
}

static int record_new(struct family_state *st, struct pkg_query *q,
                      const char *const *pkgs)
{
	size_t i;
	int r = DX_OK;

	/* Only what was not there before: uninstall removes exactly what
	   the extension added. */
	for (i = 0; r == DX_OK && pkgs[i] != NULL; i++)
		if (!pkg_installed(q, pkgs[i]))
			r = family_record_add(st, "package", pkgs[i]);
	return r;
}

static void query_names(struct family_state *st, const struct pkg_family *fam,
                        const char *const *pkgs, struct pkg_query *q)
{
	size_t i;

	for (i = 0; pkgs[i] != NULL; i++)
		pkg_query_add(q, pkgs[i]);
	if (st->set->source != DX_SOURCE_DOCKER)
		return;
	for (i = 0; fam->conflicts[i] != NULL; i++)
		pkg_query_add(q, fam->conflicts[i]);
	for (i = 0; fam->extra_query != NULL && fam->extra_query[i] != NULL;
	     i++)
		pkg_query_add(q, fam->extra_query[i]);
}

int pkg_install(struct family_state *st, const struct pkg_family *fam)
{
	const char *pkgs[PKG_MAX] = { NULL };
	struct pkg_query q;
	int r, skip;

	memset(&q, 0, sizeof(q));
	r = wanted_packages(st, fam, pkgs);
	if (r != DX_OK)
		return r;
	query_names(st, fam, pkgs, &q);
	/* Unpinned, files are enough; a pin needs the package database. */
	skip = present(st, pkgs) && st->set->version == NULL;
	if (!skip) {
		r = fam->query(st, &q);
		if (r != DX_OK)
			return r;
		skip = present(st, pkgs) && st->set->version != NULL &&
		       at_pin(st, &q, pkgs);
	}
	if (skip) {
		family_log(st, DX_LOG_INFO, "Docker and Compose are installed%s: "
		           "no package change", st->set->version != NULL
		                                   ? " at the pinned version" : "");
		st->had_docker = 1;
	} else {
		r = fam->install(st, &q, pkgs);
		if (r == DX_OK)
			r = record_new(st, &q, pkgs);
	}
	if (r == DX_OK)
		r = family_users(st);
	return r;
}

/* ---- the package database ------------------------------------------------------- */

#define PKG_QUERY_OUT 16384

int pkg_query_run(struct family_state *st, struct pkg_query *q,
                  const char *const *head, int max_status,
                  void (*line_fn)(struct pkg_query *q, char *line),
                  const char *tool)
{
	const char *argv[sizeof(q->p) / sizeof(q->p[0]) + 8];
	char *out = malloc(PKG_QUERY_OUT), *line, *save = NULL;
	size_t i, n = 0;
	int status, r;

	if (out == NULL)
		return DX_ERR_NOMEM;
	for (; *head != NULL && n < 7; head++)
		argv[n++] = *head;
	for (i = 0; i < q->n; i++)
		argv[n++] = q->p[i].name;
	argv[n] = NULL;
	r = family_run(st, argv, NULL, FAMILY_QUICK_TIMEOUT_MS, out,
	               PKG_QUERY_OUT, &status);
	if (r == DX_OK && (status < 0 || status > max_status))
		r = DX_ERR_EXEC_FAILED;
	for (line = strtok_r(out, "\n", &save); r == DX_OK && line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		line_fn(q, line);
	if (r != DX_OK)
		family_fail(st, "cannot read the package database (%s)", tool);
	free(out);
	return r;
}
