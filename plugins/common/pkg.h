/*
 * pkg - what the package families (apt, rpm) share about installing
 * Docker: the packages of the chosen source, what the package database
 * says about them, "present at the pin" (skip), the pin picked among the
 * versions a repository offers, and the record of what the extension
 * added.  A family supplies only its package manager's commands
 * (struct pkg_family).
 */
#ifndef DX_PKG_H
#define DX_PKG_H

#include <stddef.h>

#include "family.h"

#define PKG_MAX 16

/* One package as the package database knows it. */
struct pkg_state {
	const char *name;
	int installed;
	char version[128];     /* with the epoch when it has one */
};

struct pkg_query {
	struct pkg_state p[PKG_MAX * 2 + 2];
	size_t n;
};

void pkg_query_add(struct pkg_query *q, const char *name);
struct pkg_state *pkg_query_get(struct pkg_query *q, const char *name);
/* 1 when the database says `name` is installed. */
int pkg_installed(struct pkg_query *q, const char *name);

/* Ask the package database about every package of q in one command:
   `head` (NULL-terminated: the program and its options) followed by the
   names.  An exit status up to max_status is an answer (dpkg-query and
   rpm -q count the unknown packages in it); each output line goes to
   `line_fn`, which fills q.  `tool` names the command in the failure. */
int pkg_query_run(struct family_state *st, struct pkg_query *q,
                  const char *const *head, int max_status,
                  void (*line_fn)(struct pkg_query *q, char *line),
                  const char *tool);

/* What a package family does with its package manager. */
struct pkg_family {
	const char *const *docker_packages;   /* Docker's; the engine first */
	const char *const *conflicts;         /* removed before Docker's */
	const char *const *extra_query;       /* also asked about, or NULL */
	/* Fill q from the package database (one command). */
	int (*query)(struct family_state *st, struct pkg_query *q);
	/* Install pkgs (NULL-terminated, the engine first) from the
	   settings' source at the pin; q is what is installed now. */
	int (*install)(struct family_state *st, struct pkg_query *q,
	               const char *const *pkgs);
};

/* The whole install step: the packages of the settings' source (or
   DX_ERR_NO_DISTRO_PACKAGE), skipped when present (at the pin), else
   fam->install; new packages recorded; the docker group's users. */
int pkg_install(struct family_state *st, const struct pkg_family *fam);

/* The pin among `versions` (newest first): the first that matches
   st->set->version, copied to out and logged; DX_ERR_VERSION_NOT_FOUND
   (naming the newest ones) when none does. */
int pkg_pick_pin(struct family_state *st, const char *pkg,
                 const char *const *versions, size_t n, char *out,
                 size_t outsize);

/* argv[*n...] gets the names of `names` the database says are installed;
   returns how many were added (argv has room for PKG_MAX more). */
size_t pkg_add_installed(struct pkg_query *q, const char *const *names,
                         const char **argv, size_t *n);

#endif
