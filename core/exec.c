/*
 * exec - run one command the safe way (modelled on OpenSSH subprocess()).
 *
 * The parent prepares everything before fork() (environment array, pipes,
 * /dev/null, the signal set to restore) so that the child only calls
 * async-signal-safe functions and never allocates.  The child writes its
 * errno to a close-on-exec pipe when it cannot exec, which tells "could not
 * start" apart from a command that really exited 127.
 */
#include "config.h"

#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dx_plugin.h"

#define EXEC_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* Plain C rather than C.UTF-8: it exists everywhere, and it keeps the
   messages of the tools we parse in English and ASCII. */
#define EXEC_LANG "LANG=C"
#define EXEC_N_DEFAULTS 3

/* Everything the child needs, computed before fork(). */
struct child_plan {
	const char *const *argv;
	const char *const *envp;
	int in_fd;                   /* becomes 0 */
	int out_fd;                  /* becomes 1 and 2 */
	int err_fd;                  /* close-on-exec; gets errno on failure */
	long max_fd;                 /* bound for the last-resort close loop */
	struct sigaction dfl;
	sigset_t empty;
};

/* The last cap bytes of the output, wrapping at cap. */
struct ring {
	char *buf;                   /* NULL: discard everything */
	size_t cap;
	size_t head;                 /* next write; the oldest byte when full */
	size_t len;
	int truncated;
};

/* The kernel's layout of a getdents64 record. */
struct exec_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Close every descriptor >= lowfd listed in /proc/self/fd.  Raw syscalls
   only (opendir() allocates, and we run between fork and exec).  Returns
   -1 when /proc is not there. */
static int close_proc_fds(int lowfd)
{
	uint64_t buf[512];           /* uint64_t: the records need alignment */
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -1;
	for (;;) {
		long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
		long off = 0;

		if (n < 0) {
			close(dfd);
			return -1;
		}
		if (n == 0)
			break;
		while (off < n) {
			const struct exec_dirent64 *d =
				(const struct exec_dirent64 *)((char *)buf + off);
			const char *s = d->d_name;
			long fd = 0;

			off += d->d_reclen;
			if (*s == '\0' || *s == '.')
				continue;
			for (; *s >= '0' && *s <= '9' && fd <= INT_MAX; s++)
				fd = fd * 10 + (*s - '0');
			/* /proc lists descriptors in order, so closing the ones
			   already read does not disturb the walk. */
			if (*s == '\0' && fd >= lowfd && fd <= INT_MAX &&
			    fd != dfd)
				close((int)fd);
		}
	}
	close(dfd);
	return 0;
}

static void close_from(int lowfd, long max_fd);

/* Async-signal-safe as well: the child and the handler's worker use it. */
void exec_close_from(int lowfd)
{
	long max_fd = sysconf(_SC_OPEN_MAX);

	close_from(lowfd, max_fd > 0 && max_fd < 65536 ? max_fd : 65536);
}

static void close_from(int lowfd, long max_fd)
{
	long fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0U) == 0)
		return;
#endif
	if (close_proc_fds(lowfd) == 0)
		return;
	for (fd = lowfd; fd < max_fd; fd++)
		close((int)fd);
}

/* The child: only async-signal-safe calls from here to execve(). */
static _Noreturn void run_child(const struct child_plan *p)
{
	int report = p->err_fd;
	int in, out, err, sig, e;

	/* Its own process group, so that a timeout reaches grandchildren. */
	if (setpgid(0, 0) != 0)
		goto fail;
	/* Ignored signals stay ignored across exec; handlers were the
	   parent's.  All signals are blocked since before fork(), so none of
	   the parent's handlers can run here meanwhile. */
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &p->dfl, NULL);
	/* Move the three pipes above 2 first: when the parent had stdio
	   closed, one of them may sit on 0, 1 or 2 and be clobbered. */
	in = fcntl(p->in_fd, F_DUPFD_CLOEXEC, 3);
	out = fcntl(p->out_fd, F_DUPFD_CLOEXEC, 3);
	err = fcntl(p->err_fd, F_DUPFD_CLOEXEC, 3);
	if (in < 0 || out < 0 || err < 0)
		goto fail;
	report = err;
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	if (err != 3) {
		if (dup2(err, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
			goto fail;
		report = 3;
	}
	close_from(4, p->max_fd);
	if (sigprocmask(SIG_SETMASK, &p->empty, NULL) != 0)
		goto fail;
	execve(p->argv[0], (char *const *)p->argv, (char *const *)p->envp);
fail:
	e = errno;
	while (write(report, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/* "NAME=" length of an environment entry, 0 when it is not NAME=VALUE. */
static size_t env_name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq == NULL || eq == entry ? 0 : (size_t)(eq - entry) + 1;
}

/* defaults, then r->envp; a later entry with the same name replaces the
   earlier one in place. */
static int build_env(const char *const *extra, const char *home,
                     const char ***out)
{
	const char **env;
	size_t n_extra = 0, n, i, j;

	*out = NULL;
	while (extra != NULL && extra[n_extra] != NULL) {
		if (env_name_len(extra[n_extra]) == 0)
			return DX_ERR_INVALID_ARG;
		n_extra++;
	}
	env = calloc(EXEC_N_DEFAULTS + n_extra + 1, sizeof(*env));
	if (env == NULL)
		return DX_ERR_NOMEM;
	env[0] = EXEC_PATH;
	env[1] = EXEC_LANG;
	env[2] = home;
	n = EXEC_N_DEFAULTS;
	for (i = 0; i < n_extra; i++) {
		size_t len = env_name_len(extra[i]);

		for (j = 0; j < n; j++)
			if (strncmp(env[j], extra[i], len) == 0)
				break;
		env[j] = extra[i];
		if (j == n)
			n++;
	}
	env[n] = NULL;
	*out = env;
	return DX_OK;
}

static void home_entry(char *buf, size_t size)
{
	const struct passwd *pw;

	/* The handler runs as root; skip NSS for the usual case. */
	if (geteuid() == 0) {
		snprintf(buf, size, "HOME=/root");
		return;
	}
	pw = getpwuid(geteuid());
	if (pw == NULL || pw->pw_dir == NULL || pw->pw_dir[0] != '/' ||
	    snprintf(buf, size, "HOME=%s", pw->pw_dir) >= (int)size)
		snprintf(buf, size, "HOME=/");
}

static void ring_put(struct ring *g, const char *p, size_t n)
{
	if (g->buf == NULL)
		return;
	if (n > g->cap) {
		/* Only the end of this chunk can survive. */
		g->truncated = 1;
		p += n - g->cap;
		n = g->cap;
	}
	while (n > 0) {
		size_t k = g->cap - g->head;

		if (k > n)
			k = n;
		memcpy(g->buf + g->head, p, k);
		g->head += k;
		if (g->head == g->cap)
			g->head = 0;
		if (g->len + k > g->cap) {
			g->truncated = 1;
			g->len = g->cap;
		} else {
			g->len += k;
		}
		p += k;
		n -= k;
	}
}

static void reverse(char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n / 2; i++) {
		char c = p[i];

		p[i] = p[n - 1 - i];
		p[n - 1 - i] = c;
	}
}

/* Put the oldest byte first (rotation by three reversals, in place). */
static void ring_finish(struct ring *g)
{
	if (g->buf == NULL)
		return;
	if (g->len == g->cap && g->head != 0) {
		reverse(g->buf, g->head);
		reverse(g->buf + g->head, g->cap - g->head);
		reverse(g->buf, g->cap);
	}
	g->buf[g->len] = '\0';
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static pid_t reap(pid_t pid, int *status)
{
	pid_t w;

	do
		w = waitpid(pid, status, 0);
	while (w < 0 && errno == EINTR);
	return w;
}

static void kill_group(pid_t pid)
{
	/* The child made itself a group leader before exec, so this reaches
	   whatever it started that did not leave the group. */
	if (kill(-pid, SIGKILL) != 0)
		(void)kill(pid, SIGKILL);
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/*
 * Feed stdin and drain the output together until the child is reaped or
 * the deadline passes: a child that writes a lot before it reads would
 * otherwise deadlock with us.  Sets *pid to -1 once reaped.  Returns
 * DX_OK (look at *status and r->timed_out) or DX_ERR_INTERNAL.
 */
/* How long output is still read after the child exited (its last
   writes are in the pipe already; a descendant's later ones are not its). */
#define EXIT_GRACE_NS (100LL * 1000 * 1000)

static int pump(struct dx_run *r, pid_t *pid, int *in_fd, int *out_fd,
                struct ring *ring, int64_t deadline, int *status)
{
	char scratch[16384];
	size_t in_off = 0;
	int64_t grace_end = 0;

	for (;;) {
		struct pollfd pfd[2];
		nfds_t nfds = 0, i;
		int tmo = -1, rc;

		/* The child may exit while something it started (a daemon)
		   keeps the output pipe open: once it has exited, take what
		   is already written and stop, instead of waiting for an EOF
		   that may never come. */
		if (grace_end == 0 && *out_fd >= 0) {
			pid_t w = waitpid(*pid, status, WNOHANG);

			if (w < 0 && errno != EINTR) {
				*pid = -1;
				return DX_ERR_INTERNAL;
			}
			if (w == *pid) {
				*pid = -1;
				close_fd(in_fd);
				grace_end = now_ns() + EXIT_GRACE_NS;
			}
		}
		if (grace_end != 0) {
			int64_t left = grace_end - now_ns();

			if (*out_fd < 0 || left <= 0) {
				close_fd(out_fd);
				return DX_OK;
			}
			tmo = (int)((left + 999999) / 1000000);
		}
		if (grace_end == 0 && *out_fd < 0 && *in_fd < 0) {
			pid_t w;

			do
				w = waitpid(*pid, status,
				            deadline == 0 ? 0 : WNOHANG);
			while (w < 0 && errno == EINTR);
			if (w < 0) {
				/* ECHILD: someone else reaped it (SIGCHLD
				   ignored?); its pid is no longer ours. */
				*pid = -1;
				return DX_ERR_INTERNAL;
			}
			if (w == *pid) {
				*pid = -1;
				return DX_OK;
			}
		}
		if (deadline != 0 && grace_end == 0) {
			int64_t left = deadline - now_ns();

			if (left <= 0) {
				pid_t w;

				kill_group(*pid);
				w = reap(*pid, status);
				*pid = -1;
				r->timed_out = 1;
				return w < 0 ? DX_ERR_INTERNAL : DX_OK;
			}
			left = (left + 999999) / 1000000;
			tmo = left > INT_MAX ? INT_MAX : (int)left;
		}
		if (*out_fd >= 0) {
			pfd[nfds].fd = *out_fd;
			pfd[nfds].events = POLLIN;
			nfds++;
		}
		if (*in_fd >= 0) {
			pfd[nfds].fd = *in_fd;
			pfd[nfds].events = POLLOUT;
			nfds++;
		}
		/* Both pipes closed but the child still runs under a time
		   limit: look at it now and then.  With the output open, look
		   at the child every 50 ms too (see above). */
		if (nfds == 0 && tmo > 20)
			tmo = 20;
		if (grace_end == 0 && *out_fd >= 0 && (tmo < 0 || tmo > 50))
			tmo = 50;
		rc = poll(pfd, nfds, tmo);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return DX_ERR_INTERNAL;
		}
		for (i = 0; i < nfds; i++) {
			ssize_t n;

			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == *out_fd) {
				n = read(*out_fd, scratch, sizeof(scratch));
				if (n > 0)
					ring_put(ring, scratch, (size_t)n);
				else if (n == 0 ||
				         (errno != EINTR && errno != EAGAIN))
					close_fd(out_fd);
				continue;
			}
			n = write(*in_fd, r->stdin_data + in_off,
			          r->stdin_len - in_off);
			if (n > 0)
				in_off += (size_t)n;
			/* EPIPE: the child does not want the rest. */
			if ((n < 0 && errno != EINTR && errno != EAGAIN) ||
			    in_off == r->stdin_len)
				close_fd(in_fd);
		}
	}
}

int exec_run(struct dx_run *r)
{
	struct child_plan plan;
	struct ring ring = { NULL, 0, 0, 0, 0 };
	const char **envp = NULL;
	char home[PATH_MAX + 8];
	sigset_t all, run_mask, saved_mask, pending;
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
	int err_pipe[2] = { -1, -1 };
	int devnull = -1, mask_saved = 0, pipe_was_pending = 0;
	int status = 0, child_errno = 0, ret;
	int64_t deadline = 0;
	pid_t pid = -1;

	if (r == NULL)
		return DX_ERR_INVALID_ARG;
	/* The results are defined whatever happens next. */
	r->exit_status = -1;
	r->term_signal = 0;
	r->timed_out = 0;
	r->output_len = 0;
	r->output_truncated = 0;
	if (r->argv == NULL || r->argv[0] == NULL ||
	    (r->output != NULL && r->output_size == 0))
		return DX_ERR_INVALID_ARG;
	if (r->output != NULL) {
		r->output[0] = '\0';
		ring.buf = r->output;
		ring.cap = r->output_size - 1;
	}
	if (r->argv[0][0] != '/') {
		/* No PATH search: the caller names exactly what runs. */
		r->exit_status = 127;
		errno = ENOENT;
		return DX_ERR_EXEC;
	}
	if (r->timeout_ms > 0)
		deadline = now_ns() + (int64_t)r->timeout_ms * 1000000;

	home_entry(home, sizeof(home));
	ret = build_env(r->envp, home, &envp);
	if (ret != DX_OK)
		goto out;

	/* From here on a failure means the command could not be started. */
	ret = DX_ERR_EXEC;
	if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
		goto out;
	if (r->stdin_data != NULL) {
		if (pipe2(in_pipe, O_CLOEXEC) != 0)
			goto out;
	} else {
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull < 0)
			goto out;
	}
	memset(&plan, 0, sizeof(plan));
	plan.argv = r->argv;
	plan.envp = envp;
	plan.in_fd = r->stdin_data != NULL ? in_pipe[0] : devnull;
	plan.out_fd = out_pipe[1];
	plan.err_fd = err_pipe[1];
	plan.max_fd = sysconf(_SC_OPEN_MAX);
	if (plan.max_fd < 0 || plan.max_fd > INT_MAX)
		plan.max_fd = 65536;
	plan.dfl.sa_handler = SIG_DFL;
	sigemptyset(&plan.dfl.sa_mask);
	sigemptyset(&plan.empty);

	/* A child that exits without reading its stdin makes our write fail
	   with EPIPE; SIGPIPE stays blocked while we write, and one we cause
	   is consumed before the caller's mask comes back.  Every signal is
	   blocked across fork() so that none of the caller's handlers runs
	   in the child before it resets them. */
	sigemptyset(&pending);
	sigpending(&pending);
	pipe_was_pending = sigismember(&pending, SIGPIPE) == 1;
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &saved_mask) != 0)
		goto out;
	mask_saved = 1;
	pid = fork();
	if (pid == 0)
		run_child(&plan);
	child_errno = errno;
	run_mask = saved_mask;
	sigaddset(&run_mask, SIGPIPE);
	(void)sigprocmask(SIG_SETMASK, &run_mask, NULL);
	if (pid < 0) {
		errno = child_errno;
		goto out;
	}

	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[1]);
	close_fd(&in_pipe[0]);
	close_fd(&devnull);

	/* EOF here means exec succeeded (the pipe was close-on-exec). */
	for (;;) {
		ssize_t n = read(err_pipe[0], &child_errno, sizeof(child_errno));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			child_errno = 0;
		else if (n != (ssize_t)sizeof(child_errno) || child_errno == 0)
			child_errno = EIO;
		break;
	}
	close_fd(&err_pipe[0]);
	if (child_errno != 0) {
		/* It is exiting with 127 on its own; a failed reap means it is
		   not ours to reap (or kill) any more. */
		(void)reap(pid, &status);
		pid = -1;
		errno = child_errno;
		goto out;
	}

	/* From here on a failure is ours, not the command's. */
	ret = DX_ERR_INTERNAL;
	if (r->stdin_data == NULL || r->stdin_len == 0)
		close_fd(&in_pipe[1]);
	else if (fcntl(in_pipe[1], F_SETFL, O_NONBLOCK) != 0)
		goto out;
	if (fcntl(out_pipe[0], F_SETFL, O_NONBLOCK) != 0)
		goto out;
	if (pump(r, &pid, &in_pipe[1], &out_pipe[0], &ring, deadline,
	         &status) != DX_OK)
		goto out;
	if (WIFEXITED(status))
		r->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		r->term_signal = WTERMSIG(status);
	ret = r->timed_out ? DX_ERR_EXEC_TIMEOUT : DX_OK;
out:
	child_errno = errno;
	if (pid > 0) {
		/* Never leave a child behind, whatever went wrong. */
		kill_group(pid);
		(void)reap(pid, &status);
	}
	close_fd(&in_pipe[0]);
	close_fd(&in_pipe[1]);
	close_fd(&out_pipe[0]);
	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[0]);
	close_fd(&err_pipe[1]);
	close_fd(&devnull);
	if (mask_saved) {
		sigset_t pipe_set;
		const struct timespec zero = { 0, 0 };

		sigemptyset(&pipe_set);
		sigaddset(&pipe_set, SIGPIPE);
		sigemptyset(&pending);
		if (!pipe_was_pending && sigpending(&pending) == 0 &&
		    sigismember(&pending, SIGPIPE) == 1)
			(void)sigtimedwait(&pipe_set, NULL, &zero);
		(void)sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	}
	if (ret == DX_ERR_EXEC)
		r->exit_status = 127;
	ring_finish(&ring);
	r->output_len = ring.len;
	r->output_truncated = ring.truncated;
	free(envp);
	errno = child_errno;
	return ret;
}

int exec_resolve(const char *name, char *out, size_t outsize)
{
	static const char search[] = EXEC_SEARCH_PATH;
	const char *dir = search;

	if (name == NULL || *name == '\0' || strchr(name, '/') != NULL ||
	    out == NULL || outsize == 0)
		return DX_ERR_INVALID_ARG;
	while (*dir != '\0') {
		size_t n = strcspn(dir, ":");
		struct stat st;
		int k = snprintf(out, outsize, "%.*s/%s", (int)n, dir, name);

		if (k > 0 && (size_t)k < outsize && stat(out, &st) == 0 &&
		    S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return DX_OK;
		dir += n;
		if (*dir == ':')
			dir++;
	}
	out[0] = '\0';
	return DX_ERR_EXEC;
}
