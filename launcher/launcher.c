/*
 * launcher - bin/docker-extension of the extension package.
 *
 * The package must run on VMs that have none of our libraries and a glibc
 * older or newer than the one we built with.  The handler dlopen()s its
 * distribution plugin, so it cannot be a static program; instead the
 * package carries the handler (libexec/docker-extension), every library it
 * and the plugins need, libc included, and the dynamic loader they were
 * built with (lib/).  This small program is static so that it runs on any
 * glibc or none at all, and starts the handler through the bundled loader:
 *
 *   <root>/lib/<ld.so> --library-path <root>/lib \
 *       --argv0 <root>/libexec/docker-extension \
 *       <root>/libexec/docker-extension ARGS...
 *
 * --library-path rather than LD_LIBRARY_PATH: the path lives in the
 * loader, not in the environment, so the programs the handler runs
 * (apt-get, systemctl, docker) start with the system's own libraries.
 * --argv0 hands the handler its real path, from which it finds plugins/
 * (/proc/self/exe would name the loader).
 *
 * Every failure is one line on stderr and exit 127, the shell's "command
 * could not be run", which waagent shows in the extension's status.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The loader's name is fixed by the architecture's ABI, so it is known
   at compile time; the package script checks that the handler's
   PT_INTERP names the same file (it looks for DX_LDSO_MARK below). */
#ifndef DX_LDSO_NAME
#if defined(__x86_64__) && defined(__ILP32__)
#define DX_LDSO_NAME "ld-linux-x32.so.2"
#elif defined(__x86_64__)
#define DX_LDSO_NAME "ld-linux-x86-64.so.2"
#elif defined(__aarch64__) && defined(__AARCH64EB__)
#define DX_LDSO_NAME "ld-linux-aarch64_be.so.1"
#elif defined(__aarch64__)
#define DX_LDSO_NAME "ld-linux-aarch64.so.1"
#elif defined(__i386__)
#define DX_LDSO_NAME "ld-linux.so.2"
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
#define DX_LDSO_NAME "ld-linux-armhf.so.3"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DX_LDSO_NAME "ld64.so.2"
#elif defined(__s390x__)
#define DX_LDSO_NAME "ld64.so.1"
#elif defined(__riscv) && __riscv_xlen == 64
#define DX_LDSO_NAME "ld-linux-riscv64-lp64d.so.1"
#else
#error "unknown architecture: build with -DDX_LDSO_NAME='\"<the ld.so name>\"'"
#endif
#endif

#define PROG "docker-extension (launcher)"
#define EXIT_CANNOT_RUN 127

/* Found by scripts/make-extension-zip.py in the binary; volatile so that
   the compiler keeps it although nothing reads it at run time. */
volatile const char dx_ldso_mark[] = "DX_LDSO_NAME=" DX_LDSO_NAME;

static void die(const char *what, const char *path, int err)
{
	if (err != 0)
		fprintf(stderr, PROG ": %s %s: %s\n", what, path, strerror(err));
	else
		fprintf(stderr, PROG ": %s %s\n", what, path);
	exit(EXIT_CANNOT_RUN);
}

/* Our own path.  /proc/self/exe is exact even when started through a
   symlink or a relative path; argv[0] is the fallback for a system
   without /proc mounted (waagent always passes an absolute path). */
static void self_path(const char *argv0, char *out, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", out, size - 1);

	if (n > 0 && (size_t)n < size - 1) {
		out[n] = '\0';
		return;
	}
	if (argv0 == NULL || strchr(argv0, '/') == NULL)
		die("cannot find the package directory: /proc/self/exe is "
		    "unreadable and argv[0] is not a path:",
		    argv0 != NULL ? argv0 : "(none)", 0);
	if (strlen(argv0) >= PATH_MAX || realpath(argv0, out) == NULL)
		die("cannot resolve", argv0, errno);
}

/* "/a/b/bin/docker-extension" -> "/a/b": the package root. */
static void package_root(char *path)
{
	int i;

	for (i = 0; i < 2; i++) {
		char *slash = strrchr(path, '/');

		if (slash == NULL || slash == path)
			die("the launcher is not in <package>/bin:", path, 0);
		*slash = '\0';
	}
}

static void join(char *out, size_t size, const char *root, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", root, rel);

	if (n < 0 || (size_t)n >= size)
		die("path too long:", root, 0);
}

/* The environment variables that would load code into our process that
   was built for the system's libc, not the bundled one.  The handler
   builds each child's environment from scratch, so removing them here
   takes nothing away from the programs it runs. */
static const char *const loader_vars[] = {
	"LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", NULL
};

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	char root[PATH_MAX];
	char ldso[PATH_MAX + 64];
	char libdir[PATH_MAX + 64];
	char handler[PATH_MAX + 64];
	static char opt_library_path[] = "--library-path";
	static char opt_argv0[] = "--argv0";
	char **args;
	size_t i, n;

	self_path(argc > 0 ? argv[0] : NULL, self, sizeof(self));
	memcpy(root, self, strlen(self) + 1);
	package_root(root);
	join(ldso, sizeof(ldso), root, "lib/" DX_LDSO_NAME);
	join(libdir, sizeof(libdir), root, "lib");
	join(handler, sizeof(handler), root, "libexec/docker-extension");
	/* Checked here only for the message: execv() would fail on the
	   loader with ENOENT, and the loader on the handler with its own
	   less obvious words. */
	if (access(ldso, R_OK | X_OK) != 0)
		die("cannot run the bundled dynamic loader", ldso, errno);
	if (access(handler, R_OK) != 0)
		die("cannot read the handler", handler, errno);
	for (i = 0; loader_vars[i] != NULL; i++)
		if (unsetenv(loader_vars[i]) != 0)
			die("cannot unset", loader_vars[i], errno);

	/* ldso --library-path DIR --argv0 HANDLER HANDLER ARGS... NULL */
	n = 6 + (argc > 1 ? (size_t)argc - 1 : 0) + 1;
	args = calloc(n, sizeof(*args));
	if (args == NULL)
		die("out of memory starting", handler, ENOMEM);
	args[0] = ldso;
	args[1] = opt_library_path;
	args[2] = libdir;
	args[3] = opt_argv0;
	args[4] = handler;
	args[5] = handler;
	for (i = 1; i < (size_t)argc; i++)
		args[5 + i] = argv[i];
	args[n - 1] = NULL;
	execv(ldso, args);
	die("cannot run the bundled dynamic loader", ldso, errno);
	return EXIT_CANNOT_RUN;
}
