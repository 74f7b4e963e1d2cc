// SPDX-License-Identifier: GPL-2.0
/*
 * fileops: OPEN, CLOSE, DUP, SEEK, FSTAT, MMAP, MUNMAP against their system
 * call twins (openat, close, dup, lseek, fstat, mmap, munmap), on /tmp
 * (tmpfs in the VM).
 *  - PROBE lists the seven as supported, with the syscall_flags each takes;
 *  - OPEN: the lowest free fd, absolute / cwd-relative / dirfd-relative
 *    (O_PATH dirfd too) paths, an absolute path ignoring a bad dirfd,
 *    O_CLOEXEC, O_CREAT modes under the umask, O_TRUNC, O_APPEND, O_PATH,
 *    O_TMPFILE; the errors of openat(2) case by case (ENOENT, EEXIST,
 *    EISDIR, ENOTDIR, ELOOP, ENAMETOOLONG at 4096 bytes and for a long
 *    component, EFAULT, EBADF, EINVAL, EMFILE; EACCES and EPERM as an
 *    unprivileged child); the ring-only rules (len 0, a NUL inside, unknown
 *    flags, a mode without O_CREAT, extra fields); the documented scoped
 *    walk below a dirfd; one IN_OPEN event per open, as open(2) gives;
 *  - CLOSE, DUP: the fd tables after each, EBADF, EMFILE, O_CLOEXEC, O_PATH
 *    fds, closing the ring's own fd from inside ENTER;
 *  - SEEK: a sequence of SET/CUR/END/DATA/HOLE seeks matches lseek(2)
 *    step by step, errors included (EINVAL, ENXIO, ESPIPE, EBADF); a seek
 *    beyond 4 GiB on a sparse file comes back as an extended pair with the
 *    exact 64-bit position;
 *  - FSTAT: every field equals fstat(2) for a file (odd owner, mode and
 *    times), a directory, a pipe, a socket, /dev/null, an O_PATH symlink,
 *    the ring itself; ids seen from a child user namespace; EINVAL for a
 *    wrong len, EFAULT, EBADF;
 *  - MMAP: the bytes of a mapped file equal read(2) (offset 0 and one page
 *    in), shared and private writes, anonymous memory, an address above
 *    2^32 arriving whole (extended pair) and one below 2^31 as a plain CQE,
 *    the errors of mmap(2) (EBADF, EACCES, EINVAL, ENODEV, EEXIST,
 *    EOPNOTSUPP) and the ring-only EINVALs;
 *  - MUNMAP: an unmapped page faults (SIGSEGV, SEGV_MAPERR at that address)
 *    in a child; the errors of munmap(2);
 *  - CHAIN OPEN -> READ -> CLOSE, when PROBE lists CHAIN and READ;
 *  - sharing: a fork child and a process that got the ring over SCM_RIGHTS
 *    act as themselves: their OPENs land in their own fd table, their
 *    CLOSEs close their own fds, their MMAPs map into their own mm, and
 *    they open with their own credentials (EACCES after setuid) while the
 *    creator opens the same file through the same ring;
 *  - librxring's prep helpers encode exactly these SQEs and 64-bit results
 *    come back whole through rxring_wait_completion().
 */
#include <alloca.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <rxring.h>

#include "harness.h"
#include "common.h"

#define GiB		(1ULL << 30)
#define NOBODY		65534

/* Addresses the MMAP tests claim with MAP_FIXED_NOREPLACE. */
#define HIGH_ADDR	0x300000000000ULL	/* above 2^32 */
#define HIGH_ADDR2	0x310000000000ULL
#define LOW_ADDR	0x20000000ULL		/* below 2^31 */

/* The kernel's O_* values the module accepts (glibc's O_LARGEFILE is 0). */
#define KERNEL_O_LARGEFILE	0100000
#define OPEN_MASK	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | \
			 O_APPEND | O_NONBLOCK | O_SYNC | O_ASYNC | O_DIRECT | \
			 KERNEL_O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | \
			 O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE)
#define MMAP_MASK	(MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | \
			 MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_ANONYMOUS | \
			 MAP_32BIT | MAP_GROWSDOWN | MAP_LOCKED | \
			 MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | \
			 MAP_STACK | MAP_SYNC)

/* ---- helpers ------------------------------------------------------------ */

/* A system call's result the way a completion carries it. */
static long sys(long ret)
{
	return ret < 0 ? -errno : ret;
}

static long sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	void *p = mmap(addr, len, prot, flags, fd, off);

	return p == MAP_FAILED ? -errno : (long)p;
}

/*
 * One SQE through the ring: push, ENTER (submit 1, wait for 1), reap.
 * Returns the status, or INT64_MIN (reason in rx_why) if the ring itself
 * misbehaved. Safe in forked children (no harness calls).
 */
static __s64 run_raw(struct rx *r, struct rxring_sqe *sqe, struct rx_cqe *c)
{
	static __u64 seq = 0x1000;
	__u32 sub = 0;
	int ret;

	sqe->user_data = ++seq;
	rx_push(r, sqe);
	rx_publish(r);
	ret = rx_enter(r, 1, 1, 0, 0, &sub);
	if (ret < 1 || sub != 1) {
		snprintf(rx_why, sizeof(rx_why), "enter %d submitted %u",
			 ret, sub);
		return INT64_MIN;
	}
	ret = rx_reap(r, c);
	if (ret != 1 || c->user_data != sqe->user_data) {
		snprintf(rx_why, sizeof(rx_why), "reap %d user_data %llu", ret,
			 (unsigned long long)c->user_data);
		return INT64_MIN;
	}
	return c->status;
}

static struct rx_cqe last;	/* the last completion run() saw */

/*
 * run_raw() for test bodies: the ring must work, and a completion takes
 * one slot exactly when its status fits in 32 bits.
 */
static __s64 run(struct __test_metadata *_metadata, struct rx *r,
		 struct rxring_sqe *sqe)
{
	__s64 st = run_raw(r, sqe, &last);

	ASSERT_NE(INT64_MIN, st) TH_LOG("ring: %s", rx_why);
	if (st == (__s32)st) {
		ASSERT_EQ(1U, last.slots);
		ASSERT_EQ(0ULL, last.flags);
	} else {
		ASSERT_EQ(2U, last.slots);
		ASSERT_EQ((__u64)RXRING_CQE_EXTENDED, last.flags);
		ASSERT_EQ(0ULL, last.extra);
	}
	return st;
}

#define RUN(sqe)	run(_metadata, &self->r, (sqe))

/* A ring used by another process moved the indices: take them over. */
static void rx_resync(struct rx *r)
{
	r->sq_tail = rx_load(&r->sqh->tail);
	r->cq_head = rx_load(&r->cqh->head);
}

/* Plain SQE builders (librxring's helpers are checked separately). */
static void sqe_open(struct rxring_sqe *s, __u64 dirfd, const char *path,
		     size_t len, __u32 flags, __u64 mode)
{
	memset(s, 0, sizeof(*s));
	s->opcode = RXRING_OP_OPEN;
	s->fd = dirfd;
	s->addr = (__u64)(uintptr_t)path;
	s->len = len;
	s->syscall_flags = flags;
	s->offset = mode;
}

static void sqe_fd(struct rxring_sqe *s, __u8 op, __u64 fd)
{
	memset(s, 0, sizeof(*s));
	s->opcode = op;
	s->fd = fd;
}

static void sqe_seek(struct rxring_sqe *s, __u64 fd, __s64 off, __u64 whence)
{
	sqe_fd(s, RXRING_OP_SEEK, fd);
	s->offset = (__u64)off;
	s->len = whence;
}

static void sqe_fstat(struct rxring_sqe *s, __u64 fd, void *buf, __u64 len)
{
	sqe_fd(s, RXRING_OP_FSTAT, fd);
	s->addr = (__u64)(uintptr_t)buf;
	s->len = len;
}

static void sqe_mmap(struct rxring_sqe *s, __u64 addr, __u64 len, __u64 prot,
		     __u32 flags, __u64 fd, __u64 off)
{
	sqe_fd(s, RXRING_OP_MMAP, fd);
	s->addr = addr;
	s->len = len;
	s->additional1 = prot;
	s->syscall_flags = flags;
	s->offset = off;
}

static void sqe_munmap(struct rxring_sqe *s, __u64 addr, __u64 len)
{
	sqe_fd(s, RXRING_OP_MUNMAP, 0);
	s->addr = addr;
	s->len = len;
}

/* The fd open(2) would return next. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static int write_file(const char *path, const void *buf, size_t len,
		      mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	fchmod(fd, mode);
	close(fd);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Become uid/gid 65534 with no groups; returns 0 or -errno. */
static int drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -errno;
	return 0;
}

/* Failing checks in forked children: say where, exit 1. */
#define CHILD_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# child %s:%d: %s\n", __FILE__,	\
			__LINE__, #cond);				\
		_exit(1);						\
	}								\
} while (0)

/* Wait for a child; its wait status. */
static int reap_child(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

#define ASSERT_CHILD_OK(pid) do {					\
	int __st = reap_child(pid);					\
	ASSERT_TRUE(WIFEXITED(__st) && WEXITSTATUS(__st) == 0)		\
		TH_LOG("child status 0x%x", __st);			\
} while (0)

/* ---- fixture ------------------------------------------------------------ */

FIXTURE(fo) {
	struct rx r;
	char dir[64];		/* fresh directory on /tmp, mode 0755 */
	int dfd;		/* O_DIRECTORY fd of dir */
	struct rxring_probe probe;
};

FIXTURE_SETUP(fo)
{
	int ret;

	rx_raise_memlock();
	umask(022);
	ret = rx_setup(&self->r, 16, 0, 0);
	ASSERT_EQ(0, ret) TH_LOG("setup: %s", strerror(-ret));
	ASSERT_EQ(0, rx_probe(self->r.fd, &self->probe));
	strcpy(self->dir, "/tmp/rxfo.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	self->dfd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, self->dfd);
	ASSERT_EQ(0, chdir("/"));
}

FIXTURE_TEARDOWN(fo)
{
	rx_teardown(&self->r);
	if (self->dfd >= 0)
		close(self->dfd);
	if (self->dir[0])
		rm_rf(self->dir);
}

/* dir/name into buf. */
static char *in_dir(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

#define P(name)	in_dir(alloca(PATH_MAX), PATH_MAX, self->dir, (name))

/* ---- probe -------------------------------------------------------------- */

TEST_F(fo, probe_lists_fileops)
{
	static const struct { unsigned int op; __u32 flags; } want[] = {
		{ RXRING_OP_OPEN, OPEN_MASK },
		{ RXRING_OP_CLOSE, 0 },
		{ RXRING_OP_DUP, O_CLOEXEC },
		{ RXRING_OP_SEEK, 0 },
		{ RXRING_OP_FSTAT, 0 },
		{ RXRING_OP_MMAP, MMAP_MASK },
		{ RXRING_OP_MUNMAP, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		const struct rxring_probe_op *op = &self->probe.ops[want[i].op];

		EXPECT_TRUE(rx_probe_supported(&self->probe, want[i].op))
			TH_LOG("opcode %u", want[i].op);
		EXPECT_EQ(want[i].flags, op->syscall_flags)
			TH_LOG("opcode %u", want[i].op);
	}
	EXPECT_EQ(0x7fffc3U, (unsigned int)OPEN_MASK);
}

/* ---- OPEN --------------------------------------------------------------- */

TEST_F(fo, open_like_openat)
{
	char *path = P("f"), buf[16];
	struct rxring_sqe s;
	struct stat a, b;
	int want, fd, fd2, pfd;

	ASSERT_EQ(0, write_file(path, "hello", 5, 0644));
	ASSERT_EQ(0, stat(path, &b));

	/* Absolute path, cwd-relative: the lowest free fd. */
	want = lowest_free_fd();
	sqe_open(&s, RXRING_AT_FDCWD, path, strlen(path), O_RDONLY, 0);
	fd = RUN(&s);
	ASSERT_EQ(want, fd);
	ASSERT_EQ(0, fstat(fd, &a));
	EXPECT_EQ(b.st_ino, a.st_ino);
	EXPECT_EQ(b.st_dev, a.st_dev);
	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(0, fcntl(fd, F_GETFD));
	EXPECT_EQ(5, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	/* Relative to the dirfd, O_RDWR | O_CLOEXEC: the next fd. */
	sqe_open(&s, self->dfd, "f", 1, O_RDWR | O_CLOEXEC, 0);
	fd2 = RUN(&s);
	ASSERT_EQ(want + 1, fd2);
	EXPECT_EQ(O_RDWR, fcntl(fd2, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd2, F_GETFD));
	ASSERT_EQ(0, fstat(fd2, &a));
	EXPECT_EQ(b.st_ino, a.st_ino);

	/* A freed slot is reused first, as by open(2). */
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, chdir(self->dir));
	sqe_open(&s, RXRING_AT_FDCWD, "./f", 3, O_WRONLY | O_APPEND, 0);
	ASSERT_EQ(want, RUN(&s));
	EXPECT_EQ(O_WRONLY | O_APPEND,
		  fcntl(want, F_GETFL) & (O_ACCMODE | O_APPEND));
	ASSERT_EQ(0, fstat(want, &a));
	EXPECT_EQ(b.st_ino, a.st_ino);
	close(want);
	close(fd2);

	/* An O_PATH directory fd works as a dirfd, as for openat(2). */
	pfd = open(self->dir, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, pfd);
	sqe_open(&s, pfd, "f", 1, O_RDONLY, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	close(fd);

	/* An absolute path ignores the dirfd, even a bad one. */
	close(pfd);
	fd = openat(pfd, path, O_RDONLY);
	ASSERT_LE(0, fd);
	close(fd);
	sqe_open(&s, pfd, path, strlen(path), O_RDONLY, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	close(fd);
	sqe_open(&s, 1ULL << 40, path, strlen(path), O_RDONLY, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	close(fd);

	/* The path needs no NUL: len bytes of a longer string. */
	sqe_open(&s, self->dfd, "fXYZ", 1, O_RDONLY, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &a));
	EXPECT_EQ(b.st_ino, a.st_ino);
	close(fd);
}

TEST_F(fo, open_create_modes)
{
	struct rxring_sqe s;
	struct stat a, b;
	char buf[8];
	int fd, tw;

	/* O_CREAT | O_EXCL with mode 0666 under umask 022. */
	sqe_open(&s, self->dfd, "new", 3, O_CREAT | O_EXCL | O_WRONLY, 0666);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	tw = openat(self->dfd, "twin", O_CREAT | O_EXCL | O_WRONLY, 0666);
	ASSERT_LE(0, tw);
	ASSERT_EQ(0, fstat(fd, &a));
	ASSERT_EQ(0, fstat(tw, &b));
	EXPECT_EQ(b.st_mode, a.st_mode);
	EXPECT_EQ((mode_t)(S_IFREG | 0644), a.st_mode);
	EXPECT_EQ(b.st_uid, a.st_uid);
	EXPECT_EQ(b.st_gid, a.st_gid);
	EXPECT_EQ(5, write(fd, "abcde", 5));
	close(fd);
	close(tw);

	/* Odd modes: setgid and sticky survive, as for openat(2). */
	umask(0);
	sqe_open(&s, self->dfd, "odd", 3, O_CREAT | O_RDONLY, 03751);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	tw = openat(self->dfd, "odd2", O_CREAT | O_RDONLY, 03751);
	ASSERT_LE(0, tw);
	ASSERT_EQ(0, fstat(fd, &a));
	ASSERT_EQ(0, fstat(tw, &b));
	EXPECT_EQ(b.st_mode, a.st_mode);
	close(fd);
	close(tw);
	umask(022);

	/* O_TRUNC empties it. */
	sqe_open(&s, self->dfd, "new", 3, O_TRUNC | O_RDWR, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &a));
	EXPECT_EQ(0, a.st_size);
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);

	/* O_PATH gives a path-only fd. */
	sqe_open(&s, self->dfd, "new", 3, O_PATH, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	EXPECT_EQ(O_PATH, fcntl(fd, F_GETFL) & O_PATH);
	EXPECT_EQ(-EBADF, sys(read(fd, buf, 1)));
	close(fd);

	/* O_TMPFILE: an unnamed file in the directory. */
	sqe_open(&s, self->dfd, ".", 1, O_TMPFILE | O_RDWR, 0600);
	fd = RUN(&s);
	tw = openat(self->dfd, ".", O_TMPFILE | O_RDWR, 0600);
	if (tw < 0) {
		EXPECT_EQ(-errno, fd);
	} else {
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fstat(fd, &a));
		ASSERT_EQ(0, fstat(tw, &b));
		EXPECT_EQ(0U, (unsigned int)a.st_nlink);
		EXPECT_EQ(b.st_mode, a.st_mode);
		close(fd);
		close(tw);
	}
}

/* One openat(2) case: ring and syscall give the same result. */
struct open_case {
	const char *what;
	int dirfd;		/* -1: the fixture's dirfd */
	const char *path;	/* relative to dir, or absolute */
	int flags;
	mode_t mode;
};

static void check_open_cases(struct __test_metadata *_metadata, struct rx *r,
			     int dfd, int filefd, int closed,
			     const char *longname)
{
	const struct open_case cases[] = {
		{ "missing", -1, "nope", O_RDONLY, 0 },
		{ "missing dir", -1, "nope/f", O_RDONLY, 0 },
		{ "exists", -1, "f", O_CREAT | O_EXCL | O_RDWR, 0600 },
		{ "dir for write", -1, "d", O_WRONLY, 0 },
		{ "dir creat", -1, "d", O_CREAT | O_RDWR, 0600 },
		{ "file as dir", -1, "f/x", O_RDONLY, 0 },
		{ "O_DIRECTORY file", -1, "f", O_DIRECTORY, 0 },
		{ "O_NOFOLLOW link", -1, "link", O_NOFOLLOW, 0 },
		{ "link", -1, "link", O_RDONLY, 0 },
		{ "loop", -1, "loop", O_RDONLY, 0 },
		{ "long name", -1, longname, O_RDONLY, 0 },
		{ "long name creat", -1, longname, O_CREAT | O_RDWR, 0600 },
		{ "tmpfile rdonly", -1, ".", O_TMPFILE | O_RDONLY, 0600 },
		{ "tmpfile on file", -1, "f", O_TMPFILE | O_RDWR, 0600 },
		{ "file dirfd", filefd, "x", O_RDONLY, 0 },
		{ "closed dirfd", closed, "f", O_RDONLY, 0 },
		{ "dirfd -1", -2, "f", O_RDONLY, 0 },
		{ "dot", -1, ".", O_RDONLY, 0 },
		{ "dot write", -1, ".", O_RDWR, 0 },
		{ "dotdot dir", -1, "d/..", O_DIRECTORY, 0 },
	};
	struct rxring_sqe s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct open_case *c = &cases[i];
		int dirfd = c->dirfd == -1 ? dfd :
			    c->dirfd == -2 ? -1 : c->dirfd;
		long want = sys(openat(dirfd, c->path, c->flags, c->mode));
		__s64 got;

		sqe_open(&s, (__u64)(__s64)dirfd, c->path, strlen(c->path),
			 c->flags, c->mode);
		got = run(_metadata, r, &s);
		if (want >= 0) {
			EXPECT_LE(0, got) TH_LOG("%s", c->what);
			close(want);
			if (got >= 0)
				close(got);
		} else {
			EXPECT_EQ(want, got) TH_LOG("%s", c->what);
		}
	}
}

TEST_F(fo, open_errors_like_openat)
{
	char longname[300], *f = P("f");
	int filefd, closed;

	ASSERT_EQ(0, write_file(f, "x", 1, 0644));
	ASSERT_EQ(0, mkdirat(self->dfd, "d", 0755));
	ASSERT_EQ(0, symlinkat("f", self->dfd, "link"));
	ASSERT_EQ(0, symlinkat("loop", self->dfd, "loop"));
	memset(longname, 'n', 256);
	longname[256] = '\0';
	filefd = openat(self->dfd, "f", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, filefd);
	closed = lowest_free_fd();
	check_open_cases(_metadata, &self->r, self->dfd, filefd, closed,
			 longname);
	close(filefd);
}

TEST_F(fo, open_path_limits)
{
	char *path, *page, *raw;
	struct rxring_sqe s;
	size_t n, fill, psz = rx_page();
	int fd;

	/* Exactly PATH_MAX - 1 bytes resolves; PATH_MAX is ENAMETOOLONG. */
	ASSERT_EQ(0, write_file(P("f"), "x", 1, 0644));
	path = malloc(PATH_MAX + 2);
	ASSERT_NE(NULL, path);
	n = (size_t)snprintf(path, PATH_MAX, "%s/", self->dir);
	fill = PATH_MAX - 1 - n - 1;		/* all but the final "f" */
	if (fill % 2) {
		path[n++] = '/';
		fill--;
	}
	for (; fill; fill -= 2) {
		path[n++] = '.';
		path[n++] = '/';
	}
	path[n++] = 'f';
	path[n] = '\0';
	ASSERT_EQ((size_t)PATH_MAX - 1, strlen(path));
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	close(fd);
	sqe_open(&s, RXRING_AT_FDCWD, path, PATH_MAX - 1, O_RDONLY, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	close(fd);
	memmove(path + 1, path, PATH_MAX);	/* "//tmp/...": PATH_MAX */
	ASSERT_EQ((size_t)PATH_MAX, strlen(path));
	EXPECT_EQ(-ENAMETOOLONG, sys(open(path, O_RDONLY)));
	sqe_open(&s, RXRING_AT_FDCWD, path, PATH_MAX, O_RDONLY, 0);
	EXPECT_EQ(-ENAMETOOLONG, RUN(&s));
	sqe_open(&s, RXRING_AT_FDCWD, path, 1ULL << 40, O_RDONLY, 0);
	EXPECT_EQ(-ENAMETOOLONG, RUN(&s));
	free(path);

	/* len 0 is the empty path: ENOENT, as openat(dirfd, ""). */
	EXPECT_EQ(-ENOENT, sys(openat(self->dfd, "", O_RDONLY)));
	sqe_open(&s, self->dfd, "f", 0, O_RDONLY, 0);
	EXPECT_EQ(-ENOENT, RUN(&s));

	/* A NUL inside the len bytes: EINVAL (rxring's rule). */
	sqe_open(&s, self->dfd, "f\0g", 3, O_RDONLY, 0);
	EXPECT_EQ(-EINVAL, RUN(&s));

	/* EFAULT: an unmapped path, and one running into an unmapped page. */
	page = rx_unmapped_page();
	ASSERT_NE(NULL, page);
	EXPECT_EQ(-EFAULT, sys(open(page, O_RDONLY)));
	sqe_open(&s, RXRING_AT_FDCWD, page, 5, O_RDONLY, 0);
	EXPECT_EQ(-EFAULT, RUN(&s));
	raw = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	ASSERT_EQ(0, munmap(raw + psz, psz));
	memcpy(raw + psz - 2, "/t", 2);
	sqe_open(&s, RXRING_AT_FDCWD, raw + psz - 2, 4, O_RDONLY, 0);
	EXPECT_EQ(-EFAULT, RUN(&s));
	sqe_open(&s, RXRING_AT_FDCWD, raw + psz - 2, 2, O_RDONLY, 0);
	EXPECT_EQ(-ENOENT, RUN(&s));
	munmap(raw, psz);
}

TEST_F(fo, open_ring_rules)
{
	struct rxring_sqe s;

	/* Flag bits open(2) would ignore are rejected. */
	sqe_open(&s, self->dfd, ".", 1, O_RDONLY | 0x20, 0);
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_open(&s, self->dfd, ".", 1, O_RDONLY | 0x80000000U, 0);
	EXPECT_EQ(-EINVAL, RUN(&s));
	/* A mode needs O_CREAT or O_TMPFILE and fits in 07777. */
	sqe_open(&s, self->dfd, ".", 1, O_RDONLY, 0644);
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_open(&s, self->dfd, "c", 1, O_CREAT | O_RDWR, 010644);
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_open(&s, self->dfd, "c", 1, O_CREAT | O_RDWR, 1ULL << 40);
	EXPECT_EQ(-EINVAL, RUN(&s));
	EXPECT_EQ(-ENOENT, sys(faccessat(self->dfd, "c", F_OK, 0)));
	/* Fields OPEN does not use. */
	sqe_open(&s, self->dfd, ".", 1, O_RDONLY, 0);
	s.additional1 = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_open(&s, self->dfd, ".", 1, O_RDONLY, 0);
	s.additional2 = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	/* A dirfd no fd can be. */
	sqe_open(&s, (1ULL << 32) | (__u64)self->dfd, ".", 1, O_RDONLY, 0);
	EXPECT_EQ(-EBADF, RUN(&s));
	sqe_open(&s, (__u64)-101, ".", 1, O_RDONLY, 0);
	EXPECT_EQ(-EBADF, RUN(&s));
	EXPECT_EQ(-EBADF, sys(openat(-101, ".", O_RDONLY)));
}

/*
 * Documented: below a dirfd the walk is scoped (file_open_root()): ".." at
 * the directory stays there and absolute symlinks resolve inside it.
 */
TEST_F(fo, open_dirfd_scoped)
{
	char rel[128], *f = P("f");
	struct rxring_sqe s;
	int fd;

	ASSERT_EQ(0, write_file(f, "x", 1, 0644));
	ASSERT_EQ(0, mkdirat(self->dfd, "sub", 0755));
	ASSERT_EQ(0, symlinkat(f, self->dfd, "abs"));
	snprintf(rel, sizeof(rel), "../%s/f", strrchr(self->dir, '/') + 1);

	fd = openat(self->dfd, rel, O_RDONLY);
	ASSERT_LE(0, fd);
	close(fd);
	sqe_open(&s, self->dfd, rel, strlen(rel), O_RDONLY, 0);
	EXPECT_EQ(-ENOENT, RUN(&s));
	/* Inside the directory ".." works as usual. */
	sqe_open(&s, self->dfd, "sub/../f", 8, O_RDONLY, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	close(fd);
	/* From the cwd it is plain openat(2). */
	ASSERT_EQ(0, chdir(self->dir));
	sqe_open(&s, RXRING_AT_FDCWD, rel, strlen(rel), O_RDONLY, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	close(fd);
	/* An absolute symlink: followed from the real root by openat(2). */
	fd = openat(self->dfd, "abs", O_RDONLY);
	ASSERT_LE(0, fd);
	close(fd);
	sqe_open(&s, self->dfd, "abs", 3, O_RDONLY, 0);
	EXPECT_EQ(-ENOENT, RUN(&s));
}

/* A child that is not root gets the errors openat(2) gives it. */
TEST_F(fo, open_as_unprivileged_child)
{
	pid_t pid;

	ASSERT_EQ(0, write_file(P("secret"), "s", 1, 0600));
	ASSERT_EQ(0, write_file(P("public"), "p", 1, 0644));
	ASSERT_EQ(0, mkdirat(self->dfd, "closed", 0700));
	ASSERT_EQ(0, write_file(P("closed/f"), "c", 1, 0644));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static const struct { const char *path; int flags; } c[] = {
			{ "secret", O_RDONLY },
			{ "public", O_RDWR },
			{ "closed/f", O_RDONLY },
			{ "newfile", O_CREAT | O_RDWR },
			{ "public", O_RDONLY | O_NOATIME },
			{ "public", O_RDONLY | O_TRUNC },
		};
		struct rxring_sqe s;
		struct rx_cqe cq;
		unsigned int i;

		CHILD_CHECK(drop_privileges() == 0);
		for (i = 0; i < ARRAY_SIZE(c); i++) {
			long want = sys(openat(self->dfd, c[i].path,
					       c[i].flags, 0600));
			__s64 got;

			CHILD_CHECK(want < 0);
			sqe_open(&s, self->dfd, c[i].path, strlen(c[i].path),
				 c[i].flags, c[i].flags & O_CREAT ? 0600 : 0);
			got = run_raw(&self->r, &s, &cq);
			if (got != want)
				fprintf(stderr, "# %s: ring %lld openat %ld\n",
					c[i].path, (long long)got, want);
			CHILD_CHECK(got == want);
		}
		/* What a nobody may open, it opens. */
		sqe_open(&s, self->dfd, "public", 6, O_RDONLY, 0);
		CHILD_CHECK(run_raw(&self->r, &s, &cq) >= 0);
		_exit(0);
	}
	ASSERT_CHILD_OK(pid);
}

TEST_F(fo, open_emfile)
{
	pid_t pid;

	ASSERT_EQ(0, write_file(P("f"), "x", 1, 0644));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rlimit rl;
		struct rxring_sqe s;
		struct rx_cqe cq;
		int low = lowest_free_fd();

		rl.rlim_cur = (rlim_t)low;
		rl.rlim_max = (rlim_t)low;
		CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
		CHILD_CHECK(sys(openat(self->dfd, "f", O_RDONLY)) == -EMFILE);
		sqe_open(&s, self->dfd, "f", 1, O_RDONLY, 0);
		CHILD_CHECK(run_raw(&self->r, &s, &cq) == -EMFILE);
		CHILD_CHECK(sys(dup(0)) == -EMFILE);
		sqe_fd(&s, RXRING_OP_DUP, 0);
		CHILD_CHECK(run_raw(&self->r, &s, &cq) == -EMFILE);
		/* EMFILE comes before EBADF for a bad dirfd, as in openat. */
		sqe_open(&s, 999, "f", 1, O_RDONLY, 0);
		CHILD_CHECK(run_raw(&self->r, &s, &cq) == -EMFILE);
		CHILD_CHECK(sys(openat(999, "f", O_RDONLY)) == -EMFILE);
		_exit(0);
	}
	ASSERT_CHILD_OK(pid);
}

/*
 * OPEN sends the same IN_OPEN events as open(2), once: the file and its
 * directory are both watched, so a second event would not be merged into
 * the first (inotify only merges an event equal to the last one queued).
 */
TEST_F(fo, open_inotify)
{
	char buf[4096], *f = P("f");
	int in, fd, n, pass, events[2];
	struct rxring_sqe s;

	ASSERT_EQ(0, write_file(f, "x", 1, 0644));
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LE(0, in);
	ASSERT_LE(0, inotify_add_watch(in, f, IN_OPEN));
	ASSERT_LE(0, inotify_add_watch(in, self->dir, IN_OPEN));
	for (pass = 0; pass < 2; pass++) {
		char *p;

		if (pass == 0) {
			fd = open(f, O_RDONLY);
		} else {
			sqe_open(&s, RXRING_AT_FDCWD, f, strlen(f), O_RDONLY,
				 0);
			fd = RUN(&s);
		}
		ASSERT_LE(0, fd);
		n = read(in, buf, sizeof(buf));
		ASSERT_LT(0, n);
		events[pass] = 0;
		for (p = buf; p < buf + n;
		     p += sizeof(struct inotify_event) +
			  ((struct inotify_event *)p)->len) {
			if (((struct inotify_event *)p)->mask & IN_OPEN)
				events[pass]++;
		}
		close(fd);
	}
	EXPECT_EQ(2, events[0]);
	EXPECT_EQ(events[0], events[1]);
	close(in);
}

/* ---- CLOSE and DUP ------------------------------------------------------ */

TEST_F(fo, close_like_close)
{
	struct rxring_sqe s;
	int fd, keep;

	fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, fd);
	keep = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, keep);
	sqe_fd(&s, RXRING_OP_CLOSE, fd);
	EXPECT_EQ(0, RUN(&s));
	EXPECT_EQ(-EBADF, sys(fcntl(fd, F_GETFD)));
	EXPECT_EQ(0, fcntl(keep, F_GETFD));
	/* The slot is free again: open(2) takes it. */
	EXPECT_EQ(fd, open("/dev/null", O_RDONLY));
	close(fd);
	/* Twice: EBADF, like close(2). */
	EXPECT_EQ(-EBADF, sys(close(fd)));
	sqe_fd(&s, RXRING_OP_CLOSE, fd);
	EXPECT_EQ(-EBADF, RUN(&s));
	sqe_fd(&s, RXRING_OP_CLOSE, (1ULL << 32) | (__u64)keep);
	EXPECT_EQ(-EBADF, RUN(&s));
	sqe_fd(&s, RXRING_OP_CLOSE, (__u64)-1);
	EXPECT_EQ(-EBADF, RUN(&s));
	/* Unused fields and flags. */
	sqe_fd(&s, RXRING_OP_CLOSE, keep);
	s.len = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_fd(&s, RXRING_OP_CLOSE, keep);
	s.syscall_flags = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_fd(&s, RXRING_OP_CLOSE, keep);
	s.additional2 = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	EXPECT_EQ(0, fcntl(keep, F_GETFD));
	/* An O_PATH fd closes too. */
	fd = open(self->dir, O_PATH);
	ASSERT_LE(0, fd);
	sqe_fd(&s, RXRING_OP_CLOSE, fd);
	EXPECT_EQ(0, RUN(&s));
	EXPECT_EQ(-EBADF, sys(fcntl(fd, F_GETFD)));
	close(keep);
}

/* CLOSE of the ring's own fd from inside its ENTER. */
TEST_F(fo, close_own_ring_fd)
{
	struct rxring_sqe s;
	int fd = self->r.fd;

	sqe_fd(&s, RXRING_OP_CLOSE, fd);
	EXPECT_EQ(0, RUN(&s));
	self->r.fd = -1;
	EXPECT_EQ(-EBADF, sys(fcntl(fd, F_GETFD)));
	EXPECT_EQ(-EBADF, rx_enter_raw(fd, 0, 0, 0, 0, NULL));
	/* The mappings outlive the fd; the last completion is still there. */
	EXPECT_EQ(self->r.cq_head, rx_cq_tail(&self->r));
}

TEST_F(fo, dup_like_dup)
{
	struct rxring_sqe s;
	int fd, want, nd, pfd;

	ASSERT_EQ(0, write_file(P("f"), "0123456789", 10, 0644));
	fd = openat(self->dfd, "f", O_RDWR | O_APPEND);
	ASSERT_LE(0, fd);
	want = lowest_free_fd();
	sqe_fd(&s, RXRING_OP_DUP, fd);
	nd = RUN(&s);
	ASSERT_EQ(want, nd);
	/* The same open file description: flags and offset shared. */
	EXPECT_EQ(0, fcntl(nd, F_GETFD));
	EXPECT_EQ(fcntl(fd, F_GETFL), fcntl(nd, F_GETFL));
	EXPECT_EQ(4, lseek(fd, 4, SEEK_SET));
	EXPECT_EQ(4, lseek(nd, 0, SEEK_CUR));
	close(nd);

	sqe_fd(&s, RXRING_OP_DUP, fd);
	s.syscall_flags = O_CLOEXEC;
	nd = RUN(&s);
	ASSERT_EQ(want, nd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(nd, F_GETFD));
	close(nd);

	/* O_PATH fds dup, as with dup(2). */
	pfd = open(self->dir, O_PATH);
	ASSERT_LE(0, pfd);
	sqe_fd(&s, RXRING_OP_DUP, pfd);
	nd = RUN(&s);
	ASSERT_LE(0, nd);
	EXPECT_EQ(O_PATH, fcntl(nd, F_GETFL) & O_PATH);
	close(nd);
	close(pfd);

	/* Errors. */
	EXPECT_EQ(-EBADF, sys(dup(pfd)));
	sqe_fd(&s, RXRING_OP_DUP, pfd);
	EXPECT_EQ(-EBADF, RUN(&s));
	sqe_fd(&s, RXRING_OP_DUP, (1ULL << 32) | (__u64)fd);
	EXPECT_EQ(-EBADF, RUN(&s));
	sqe_fd(&s, RXRING_OP_DUP, fd);
	s.syscall_flags = O_NONBLOCK;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_fd(&s, RXRING_OP_DUP, fd);
	s.addr = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_fd(&s, RXRING_OP_DUP, fd);
	s.offset = 3;
	EXPECT_EQ(-EINVAL, RUN(&s));
	EXPECT_EQ(want, lowest_free_fd());
	close(fd);
}

/* ---- SEEK --------------------------------------------------------------- */

TEST_F(fo, seek_like_lseek)
{
	static const struct { __s64 off; int whence; } steps[] = {
		{ 0, SEEK_SET }, { 100, SEEK_SET }, { 50, SEEK_CUR },
		{ -20, SEEK_CUR }, { 0, SEEK_END }, { -10, SEEK_END },
		{ 5000, SEEK_END }, { -1, SEEK_SET }, { -200000, SEEK_CUR },
		{ 0, SEEK_DATA }, { 0, SEEK_HOLE }, { 3 << 20, SEEK_DATA },
		{ 20000, SEEK_DATA }, { 20000, SEEK_HOLE }, { -5, SEEK_DATA },
		{ 17, 5 }, { 0, 100 }, { INT64_MAX, SEEK_SET },
		{ 1, SEEK_CUR }, { INT64_MIN, SEEK_CUR },
	};
	char buf[10000];
	struct rxring_sqe s;
	unsigned int i;
	int a, b;

	memset(buf, 'z', sizeof(buf));
	ASSERT_EQ(0, write_file(P("f"), buf, sizeof(buf), 0644));
	a = openat(self->dfd, "f", O_RDONLY);
	b = openat(self->dfd, "f", O_RDONLY);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		long want = sys(lseek(b, steps[i].off, steps[i].whence));

		sqe_seek(&s, a, steps[i].off, steps[i].whence);
		EXPECT_EQ(want, RUN(&s)) TH_LOG("step %u", i);
		EXPECT_EQ(lseek(b, 0, SEEK_CUR), lseek(a, 0, SEEK_CUR))
			TH_LOG("step %u", i);
	}
	/* whence values lseek(2) cannot even express. */
	sqe_seek(&s, a, 0, 1ULL << 32);
	EXPECT_EQ(-EINVAL, RUN(&s));
	/* Directories seek too. */
	EXPECT_EQ(0, lseek(self->dfd, 0, SEEK_SET));
	sqe_seek(&s, self->dfd, 0, SEEK_SET);
	EXPECT_EQ(0, RUN(&s));
	sqe_seek(&s, self->dfd, 0, SEEK_END);
	EXPECT_EQ(sys(lseek(self->dfd, 0, SEEK_END)), RUN(&s));
	close(a);
	close(b);
}

TEST_F(fo, seek_errors)
{
	struct rxring_sqe s;
	int p[2], fd, pfd;

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-ESPIPE, sys(lseek(p[0], 0, SEEK_CUR)));
	sqe_seek(&s, p[0], 0, SEEK_CUR);
	EXPECT_EQ(-ESPIPE, RUN(&s));
	/* Bad fd beats bad whence, as in lseek(2). */
	close(p[1]);
	EXPECT_EQ(-EBADF, sys(lseek(p[1], 0, 7)));
	sqe_seek(&s, p[1], 0, 7);
	EXPECT_EQ(-EBADF, RUN(&s));
	sqe_seek(&s, (1ULL << 32) | (__u64)p[0], 0, SEEK_SET);
	EXPECT_EQ(-EBADF, RUN(&s));
	/* O_PATH fds cannot seek. */
	pfd = open(self->dir, O_PATH);
	ASSERT_LE(0, pfd);
	EXPECT_EQ(-EBADF, sys(lseek(pfd, 0, SEEK_SET)));
	sqe_seek(&s, pfd, 0, SEEK_SET);
	EXPECT_EQ(-EBADF, RUN(&s));
	/* Unused fields. */
	fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, fd);
	sqe_seek(&s, fd, 0, SEEK_SET);
	s.addr = 8;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_seek(&s, fd, 0, SEEK_SET);
	s.syscall_flags = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_seek(&s, fd, 0, SEEK_SET);
	s.additional1 = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	close(fd);
	close(pfd);
	close(p[0]);
}

/* Positions past 4 GiB come back whole, as extended pairs. */
TEST_F(fo, seek_sparse_beyond_4g)
{
	const __s64 size = 8 * GiB, data = 6 * GiB + 12345;
	const __s64 pos = 5 * GiB + 123;
	struct rxring_sqe s;
	int fd, tw;

	fd = openat(self->dfd, "sparse", O_RDWR | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, size));
	ASSERT_EQ(1, pwrite(fd, "D", 1, data));
	tw = openat(self->dfd, "sparse", O_RDONLY);
	ASSERT_LE(0, tw);

	sqe_seek(&s, fd, pos, SEEK_SET);
	EXPECT_EQ(pos, RUN(&s));
	EXPECT_EQ(2U, last.slots);
	EXPECT_EQ(pos, lseek(fd, 0, SEEK_CUR));
	sqe_seek(&s, fd, -(__s64)GiB, SEEK_CUR);
	EXPECT_EQ(pos - (__s64)GiB, RUN(&s));
	sqe_seek(&s, fd, 0, SEEK_END);
	EXPECT_EQ(size, RUN(&s));
	sqe_seek(&s, fd, -size + 7, SEEK_END);
	EXPECT_EQ(7, RUN(&s));
	EXPECT_EQ(1U, last.slots);
	sqe_seek(&s, fd, 0, SEEK_DATA);
	EXPECT_EQ(lseek(tw, 0, SEEK_DATA), RUN(&s));
	EXPECT_LE(4 * (__s64)GiB, last.status);
	sqe_seek(&s, fd, data, SEEK_HOLE);
	EXPECT_EQ(lseek(tw, data, SEEK_HOLE), RUN(&s));
	sqe_seek(&s, fd, size, SEEK_DATA);
	EXPECT_EQ(-ENXIO, RUN(&s));
	close(tw);
	close(fd);
}

/*
 * OPEN adds O_LARGEFILE as openat(2) does in a 64-bit process: a file of
 * 3 GiB opens (EOVERFLOW without it), with the same file status flags as
 * openat(2) gives, and a write past 2 GiB works (EFBIG without it).
 */
TEST_F(fo, open_large_file)
{
	const __s64 size = 3 * GiB;
	struct rxring_sqe s;
	char *path = P("large");
	int fd, tw;
	__s64 rfd;

	fd = open(path, O_RDWR | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, size));
	close(fd);
	tw = open(path, O_RDWR);
	ASSERT_LE(0, tw);
	sqe_open(&s, RXRING_AT_FDCWD, path, strlen(path), O_RDWR, 0);
	rfd = RUN(&s);
	ASSERT_LE(0, rfd);
	EXPECT_EQ(fcntl(tw, F_GETFL), fcntl((int)rfd, F_GETFL));
	EXPECT_EQ(1, pwrite((int)rfd, "L", 1, size + 1));
	close((int)rfd);
	close(tw);
}

/* ---- FSTAT -------------------------------------------------------------- */

/* Ring FSTAT and fstat(2) of fd agree field by field. */
static void check_fstat(struct __test_metadata *_metadata, struct rx *r,
			int fd, const char *what)
{
	struct rxring_stat st;
	struct rxring_sqe s;
	struct stat k;

	memset(&st, 0xa5, sizeof(st));
	sqe_fstat(&s, fd, &st, sizeof(st));
	ASSERT_EQ(0, run(_metadata, r, &s)) TH_LOG("%s", what);
	ASSERT_EQ(0, fstat(fd, &k)) TH_LOG("%s", what);
	EXPECT_EQ((__u64)k.st_dev, st.dev) TH_LOG("%s", what);
	EXPECT_EQ((__u64)k.st_ino, st.ino) TH_LOG("%s", what);
	EXPECT_EQ((__u32)k.st_mode, st.mode) TH_LOG("%s", what);
	EXPECT_EQ((__u32)k.st_nlink, st.nlink) TH_LOG("%s", what);
	EXPECT_EQ((__u32)k.st_uid, st.uid) TH_LOG("%s", what);
	EXPECT_EQ((__u32)k.st_gid, st.gid) TH_LOG("%s", what);
	EXPECT_EQ((__u64)k.st_rdev, st.rdev) TH_LOG("%s", what);
	EXPECT_EQ((__s64)k.st_size, st.size) TH_LOG("%s", what);
	EXPECT_EQ((__u64)k.st_blksize, st.blksize) TH_LOG("%s", what);
	EXPECT_EQ((__u64)k.st_blocks, st.blocks) TH_LOG("%s", what);
	EXPECT_EQ((__s64)k.st_atim.tv_sec, st.atime_sec) TH_LOG("%s", what);
	EXPECT_EQ((__u32)k.st_atim.tv_nsec, st.atime_nsec) TH_LOG("%s", what);
	EXPECT_EQ((__s64)k.st_mtim.tv_sec, st.mtime_sec) TH_LOG("%s", what);
	EXPECT_EQ((__u32)k.st_mtim.tv_nsec, st.mtime_nsec) TH_LOG("%s", what);
	EXPECT_EQ((__s64)k.st_ctim.tv_sec, st.ctime_sec) TH_LOG("%s", what);
	EXPECT_EQ((__u32)k.st_ctim.tv_nsec, st.ctime_nsec) TH_LOG("%s", what);
	EXPECT_EQ(0U, st.__resv0) TH_LOG("%s", what);
}

TEST_F(fo, fstat_like_fstat)
{
	const struct timespec ts[2] = {
		{ .tv_sec = 123456789, .tv_nsec = 987654321 },
		{ .tv_sec = -1000, .tv_nsec = 5 },	/* before 1970 */
	};
	char buf[12345];
	int fd, p[2], sv[2], pfd;

	memset(buf, 'q', sizeof(buf));
	ASSERT_EQ(0, write_file(P("f"), buf, sizeof(buf), 0644));
	ASSERT_EQ(0, fchownat(self->dfd, "f", 1234, 5678, 0));
	ASSERT_EQ(0, fchmodat(self->dfd, "f", 04751, 0));
	ASSERT_EQ(0, utimensat(self->dfd, "f", ts, 0));
	ASSERT_EQ(0, linkat(self->dfd, "f", self->dfd, "f2", 0));
	fd = openat(self->dfd, "f", O_RDONLY);
	ASSERT_LE(0, fd);
	check_fstat(_metadata, &self->r, fd, "file");
	close(fd);

	check_fstat(_metadata, &self->r, self->dfd, "directory");
	ASSERT_EQ(0, pipe(p));
	check_fstat(_metadata, &self->r, p[0], "pipe");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	check_fstat(_metadata, &self->r, sv[0], "socket");
	fd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, fd);
	check_fstat(_metadata, &self->r, fd, "/dev/null");
	close(fd);
	ASSERT_EQ(0, symlinkat("f", self->dfd, "lnk"));
	pfd = openat(self->dfd, "lnk", O_PATH | O_NOFOLLOW);
	ASSERT_LE(0, pfd);
	check_fstat(_metadata, &self->r, pfd, "O_PATH symlink");
	check_fstat(_metadata, &self->r, self->r.fd, "the ring");
	close(pfd);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(fo, fstat_errors)
{
	struct rxring_stat st, pat;
	struct rxring_sqe s;
	struct stat kst;
	char *page, *raw;
	size_t psz = rx_page();
	int fd;

	fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, fd);
	memset(&pat, 0x5a, sizeof(pat));
	st = pat;
	/* len must be the record's size. */
	sqe_fstat(&s, fd, &st, sizeof(st) - 1);
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_fstat(&s, fd, &st, sizeof(st) + 8);
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_fstat(&s, fd, &st, 0);
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_fstat(&s, fd, &st, sizeof(st));
	s.offset = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_fstat(&s, fd, &st, sizeof(st));
	s.syscall_flags = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	/* Bad fds. */
	sqe_fstat(&s, 999, &st, sizeof(st));
	EXPECT_EQ(-EBADF, RUN(&s));
	EXPECT_EQ(-EBADF, sys(fstat(999, &kst)));
	sqe_fstat(&s, (1ULL << 32) | (__u64)fd, &st, sizeof(st));
	EXPECT_EQ(-EBADF, RUN(&s));
	EXPECT_EQ(0, memcmp(&st, &pat, sizeof(st)));
	/* EFAULT: unmapped, read-only, and straddling into a hole. */
	page = rx_unmapped_page();
	ASSERT_NE(NULL, page);
	EXPECT_EQ(-EFAULT, sys(fstat(fd, (struct stat *)page)));
	sqe_fstat(&s, fd, page, sizeof(st));
	EXPECT_EQ(-EFAULT, RUN(&s));
	raw = mmap(NULL, 2 * psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	sqe_fstat(&s, fd, raw, sizeof(st));
	EXPECT_EQ(-EFAULT, RUN(&s));
	ASSERT_EQ(0, mprotect(raw, psz, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, munmap(raw + psz, psz));
	sqe_fstat(&s, fd, raw + psz - 8, sizeof(st));
	EXPECT_EQ(-EFAULT, RUN(&s));
	munmap(raw, psz);
	close(fd);
}

/* uid and gid as the caller's user namespace sees them. */
TEST_F(fo, fstat_user_namespace)
{
	pid_t pid;
	int fd;

	ASSERT_EQ(0, write_file(P("f"), "x", 1, 0644));
	ASSERT_EQ(0, fchownat(self->dfd, "f", 1234, 5678, 0));
	fd = openat(self->dfd, "f", O_RDONLY);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rxring_stat st;
		struct rxring_sqe s;
		struct rx_cqe cq;
		struct stat k;

		if (unshare(CLONE_NEWUSER))
			_exit(2);
		sqe_fstat(&s, fd, &st, sizeof(st));
		CHILD_CHECK(run_raw(&self->r, &s, &cq) == 0);
		CHILD_CHECK(fstat(fd, &k) == 0);
		CHILD_CHECK(k.st_uid == st.uid && k.st_gid == st.gid);
		CHILD_CHECK(st.uid == NOBODY && st.gid == NOBODY);
		_exit(0);
	}
	{
		int st = reap_child(pid);

		if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
			SKIP(return, "unshare(CLONE_NEWUSER) failed");
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
			TH_LOG("child status 0x%x", st);
	}
	close(fd);
}

/* ---- MMAP and MUNMAP ---------------------------------------------------- */

TEST_F(fo, mmap_file_like_read)
{
	size_t psz = rx_page(), len = 3 * psz + 100, i;
	struct rxring_sqe s;
	char *data, *got, *map;
	__s64 addr;
	int fd, rw;

	data = malloc(len);
	got = malloc(len);
	ASSERT_NE(NULL, data);
	ASSERT_NE(NULL, got);
	for (i = 0; i < len; i++)
		data[i] = (char)(i * 7 + i / 4093);
	ASSERT_EQ(0, write_file(P("f"), data, len, 0644));
	fd = openat(self->dfd, "f", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, read(fd, got, len));

	/* The whole file, read-only and shared. */
	sqe_mmap(&s, 0, len, PROT_READ, MAP_SHARED, fd, 0);
	addr = RUN(&s);
	ASSERT_LT(0, addr);
	EXPECT_LT((__s64)UINT32_MAX, addr);
	EXPECT_EQ(2U, last.slots);
	EXPECT_EQ(0, addr & (__s64)(psz - 1));
	map = (char *)(uintptr_t)addr;
	EXPECT_EQ(0, memcmp(map, got, len));
	ASSERT_EQ(0, munmap(map, len));

	/* From the second page on. */
	sqe_mmap(&s, 0, len - psz, PROT_READ, MAP_PRIVATE, fd, psz);
	addr = RUN(&s);
	ASSERT_LT(0, addr);
	map = (char *)(uintptr_t)addr;
	EXPECT_EQ(len - psz, (size_t)pread(fd, got, len - psz, psz));
	EXPECT_EQ(0, memcmp(map, got, len - psz));
	ASSERT_EQ(0, munmap(map, len - psz));

	/* A private writable mapping leaves the file alone. */
	sqe_mmap(&s, 0, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	addr = RUN(&s);
	ASSERT_LT(0, addr);
	map = (char *)(uintptr_t)addr;
	map[0] = 'P';
	EXPECT_EQ(1, pread(fd, got, 1, 0));
	EXPECT_EQ(data[0], got[0]);
	ASSERT_EQ(0, munmap(map, psz));

	/* A shared writable mapping writes the file. */
	rw = openat(self->dfd, "f", O_RDWR);
	ASSERT_LE(0, rw);
	sqe_mmap(&s, 0, psz, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	addr = RUN(&s);
	ASSERT_LT(0, addr);
	map = (char *)(uintptr_t)addr;
	memcpy(map + 10, "shared", 6);
	EXPECT_EQ(6, pread(fd, got, 6, 10));
	EXPECT_EQ(0, memcmp(got, "shared", 6));
	ASSERT_EQ(0, munmap(map, psz));
	close(rw);
	close(fd);
	free(data);
	free(got);
}

TEST_F(fo, mmap_anonymous_and_fixed)
{
	size_t psz = rx_page(), i;
	struct rxring_sqe s;
	unsigned char *m;
	__s64 addr;
	long probe;

	/* Anonymous private memory: zeroed, writable. */
	sqe_mmap(&s, 0, 5 * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, RXRING_FD_NONE, 0);
	addr = RUN(&s);
	ASSERT_LT(0, addr);
	m = (unsigned char *)(uintptr_t)addr;
	for (i = 0; i < 5 * psz; i++)
		ASSERT_EQ(0, m[i]);
	memset(m, 0x77, 5 * psz);
	ASSERT_EQ(0, munmap(m, 5 * psz));

	/* Above 2^32, at exactly the address asked for: an extended pair. */
	sqe_mmap(&s, HIGH_ADDR, psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 RXRING_FD_NONE, 0);
	EXPECT_EQ((__s64)HIGH_ADDR, RUN(&s));
	EXPECT_EQ(2U, last.slots);
	((volatile char *)(uintptr_t)HIGH_ADDR)[0] = 1;
	/* Taken now: EEXIST, as from mmap(2). */
	EXPECT_EQ(-EEXIST, sys_mmap((void *)(uintptr_t)HIGH_ADDR, psz,
				    PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
				    MAP_FIXED_NOREPLACE, -1, 0));
	EXPECT_EQ(-EEXIST, RUN(&s));
	/* MAP_FIXED replaces it. */
	sqe_mmap(&s, HIGH_ADDR, psz, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, RXRING_FD_NONE, 0);
	EXPECT_EQ((__s64)HIGH_ADDR, RUN(&s));
	EXPECT_EQ(0, ((volatile char *)(uintptr_t)HIGH_ADDR)[0]);
	EXPECT_EQ(0, munmap((void *)(uintptr_t)HIGH_ADDR, psz));

	/* Below 2^31: a plain 16-byte completion. */
	probe = sys_mmap((void *)(uintptr_t)LOW_ADDR, psz, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
	ASSERT_EQ((long)LOW_ADDR, probe);
	ASSERT_EQ(0, munmap((void *)(uintptr_t)LOW_ADDR, psz));
	sqe_mmap(&s, LOW_ADDR, psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 RXRING_FD_NONE, 0);
	EXPECT_EQ((__s64)LOW_ADDR, RUN(&s));
	EXPECT_EQ(1U, last.slots);
	EXPECT_EQ(0, munmap((void *)(uintptr_t)LOW_ADDR, psz));

	/* MAP_32BIT: below 2 GiB. */
	sqe_mmap(&s, 0, psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_32BIT, RXRING_FD_NONE, 0);
	addr = RUN(&s);
	ASSERT_LT(0, addr);
	EXPECT_GT((__s64)1 << 31, addr);
	EXPECT_EQ(0, munmap((void *)(uintptr_t)addr, psz));
}

struct mmap_case {
	const char *what;
	size_t len;
	int prot, flags, fd;
	off_t off;
};

static void check_mmap_cases(struct __test_metadata *_metadata, struct rx *r,
			     const struct mmap_case *c, unsigned int n)
{
	struct rxring_sqe s;
	unsigned int i;

	for (i = 0; i < n; i++) {
		long want = sys_mmap(NULL, c[i].len, c[i].prot, c[i].flags,
				     c[i].fd, c[i].off);

		if (want >= 0)
			munmap((void *)want, c[i].len);
		EXPECT_GT(0, want) TH_LOG("%s", c[i].what);
		sqe_mmap(&s, 0, c[i].len, c[i].prot, c[i].flags,
			 (__u64)(__s64)c[i].fd, (__u64)c[i].off);
		EXPECT_EQ(want, run(_metadata, r, &s)) TH_LOG("%s", c[i].what);
	}
}

TEST_F(fo, mmap_errors_like_mmap)
{
	const size_t psz = rx_page();
	int ro, wo, p[2], pfd, closed, d;
	struct rxring_sqe s;

	ASSERT_EQ(0, write_file(P("f"), "0123456789", 10, 0644));
	ro = openat(self->dfd, "f", O_RDONLY);
	wo = openat(self->dfd, "f", O_WRONLY);
	ASSERT_LE(0, ro);
	ASSERT_LE(0, wo);
	ASSERT_EQ(0, pipe(p));
	pfd = openat(self->dfd, "f", O_PATH);
	ASSERT_LE(0, pfd);
	ASSERT_EQ(0, mkdirat(self->dfd, "d", 0755));
	d = openat(self->dfd, "d", O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, d);
	closed = lowest_free_fd();
	const struct mmap_case c[] = {
		{ "closed fd", psz, PROT_READ, MAP_SHARED, closed, 0 },
		{ "O_PATH fd", psz, PROT_READ, MAP_SHARED, pfd, 0 },
		{ "write ro", psz, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0 },
		{ "read wo", psz, PROT_READ, MAP_PRIVATE, wo, 0 },
		{ "len 0", 0, PROT_READ, MAP_SHARED, ro, 0 },
		{ "odd offset", psz, PROT_READ, MAP_SHARED, ro, 100 },
		{ "no type", psz, PROT_READ, 0, ro, 0 },
		{ "pipe", psz, PROT_READ, MAP_SHARED, p[0], 0 },
		{ "directory", psz, PROT_READ, MAP_PRIVATE, d, 0 },
		{ "huge len", (size_t)1 << 62, PROT_READ, MAP_PRIVATE, ro, 0 },
		{ "validate sync", psz, PROT_READ,
		  MAP_SHARED_VALIDATE | MAP_SYNC, ro, 0 },
		{ "anon no type", psz, PROT_READ, MAP_ANONYMOUS, -1, 0 },
	};
	check_mmap_cases(_metadata, &self->r, c, ARRAY_SIZE(c));

	/* The ring's own rules: all EINVAL (or EBADF for the fd). */
	sqe_mmap(&s, 0, psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, ro, 0);
	EXPECT_EQ(-EINVAL, RUN(&s));			/* anon with an fd */
	sqe_mmap(&s, 0, psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		 RXRING_FD_NONE, psz);
	EXPECT_EQ(-EINVAL, RUN(&s));			/* anon offset */
	sqe_mmap(&s, 0, psz, PROT_READ | 0x8 /* PROT_SEM */, MAP_PRIVATE, ro, 0);
	EXPECT_EQ(-EINVAL, RUN(&s));			/* unknown prot */
	sqe_mmap(&s, 0, psz, 1ULL << 40, MAP_PRIVATE, ro, 0);
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_mmap(&s, 0, psz, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, RXRING_FD_NONE,
		 0);
	EXPECT_EQ(-EINVAL, RUN(&s));			/* no MAP_HUGETLB */
	sqe_mmap(&s, 0, psz, PROT_READ, MAP_PRIVATE | MAP_DENYWRITE, ro, 0);
	EXPECT_EQ(-EINVAL, RUN(&s));			/* legacy flag */
	sqe_mmap(&s, 0, psz, PROT_READ, MAP_PRIVATE, ro, 0);
	s.additional2 = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_mmap(&s, 0, psz, PROT_READ, MAP_PRIVATE, (1ULL << 32) | (__u64)ro,
		 0);
	EXPECT_EQ(-EBADF, RUN(&s));
	close(d);
	close(pfd);
	close(p[0]);
	close(p[1]);
	close(ro);
	close(wo);
}

static volatile uintptr_t fault_want;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	_exit(sig == SIGSEGV && si->si_code == SEGV_MAPERR &&
	      (uintptr_t)si->si_addr == fault_want ? 42 : 43);
}

/* Touch addr in a child: 0 if it read fine, 42 if it faulted there. */
static int touch_in_child(uintptr_t addr)
{
	struct sigaction sa;
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		fault_want = addr;
		(void)*(volatile char *)addr;
		_exit(0);
	}
	st = reap_child(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 256 + WTERMSIG(st);
}

TEST_F(fo, munmap_then_fault)
{
	size_t psz = rx_page();
	struct rxring_sqe s;
	char *m;
	__s64 addr;

	m = mmap(NULL, 4 * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 1, 4 * psz);
	sqe_munmap(&s, (uintptr_t)(m + psz), 2 * psz);
	EXPECT_EQ(0, RUN(&s));
	EXPECT_EQ(0, touch_in_child((uintptr_t)m));
	EXPECT_EQ(42, touch_in_child((uintptr_t)(m + psz)));
	EXPECT_EQ(42, touch_in_child((uintptr_t)(m + 3 * psz - 1)));
	EXPECT_EQ(0, touch_in_child((uintptr_t)(m + 3 * psz)));
	/* Unmapping a hole is fine, as with munmap(2). */
	EXPECT_EQ(0, RUN(&s));
	munmap(m, 4 * psz);

	/* A ring MMAP undone by a ring MUNMAP. */
	sqe_mmap(&s, 0, psz, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, RXRING_FD_NONE, 0);
	addr = RUN(&s);
	ASSERT_LT(0, addr);
	EXPECT_EQ(0, touch_in_child((uintptr_t)addr));
	sqe_munmap(&s, (__u64)addr, psz);
	EXPECT_EQ(0, RUN(&s));
	EXPECT_EQ(42, touch_in_child((uintptr_t)addr));
}

TEST_F(fo, munmap_errors_like_munmap)
{
	size_t psz = rx_page();
	struct rxring_sqe s;
	char *m;

	m = mmap(NULL, psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(-EINVAL, sys(munmap(m + 1, psz)));
	sqe_munmap(&s, (uintptr_t)m + 1, psz);
	EXPECT_EQ(-EINVAL, RUN(&s));
	EXPECT_EQ(-EINVAL, sys(munmap(m, 0)));
	sqe_munmap(&s, (uintptr_t)m, 0);
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_munmap(&s, (uintptr_t)m, (__u64)-(__s64)psz);
	EXPECT_EQ(sys(munmap(m, (size_t)-(ssize_t)psz)), RUN(&s));
	sqe_munmap(&s, -(__u64)psz, psz);
	EXPECT_EQ(sys(munmap((void *)-(uintptr_t)psz, psz)), RUN(&s));
	/* Unused fields. */
	sqe_munmap(&s, (uintptr_t)m, psz);
	s.fd = 3;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_munmap(&s, (uintptr_t)m, psz);
	s.syscall_flags = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	sqe_munmap(&s, (uintptr_t)m, psz);
	s.offset = 1;
	EXPECT_EQ(-EINVAL, RUN(&s));
	/* Still mapped after all that. */
	EXPECT_EQ(0, touch_in_child((uintptr_t)m));
	munmap(m, psz);
}

/* ---- CHAIN -------------------------------------------------------------- */

TEST_F(fo, chain_open_read_close)
{
	const struct rxring_probe *pr = &self->probe;
	struct rxring_sqe s[3];
	char buf[16] = "";
	struct rx_cqe c[3];
	__u32 sub = 0;
	int fd, i;

	if (!(pr->sqe_flags & RXRING_SQE_CHAIN) ||
	    !rx_probe_supported(pr, RXRING_OP_READ))
		SKIP(return, "needs CHAIN and READ (PROBE: CHAIN %s, READ %s)",
		     pr->sqe_flags & RXRING_SQE_CHAIN ? "yes" : "no",
		     rx_probe_supported(pr, RXRING_OP_READ) ? "yes" : "no");

	ASSERT_EQ(0, write_file(P("f"), "chained!", 8, 0644));
	fd = lowest_free_fd();
	sqe_open(&s[0], self->dfd, "f", 1, O_RDONLY, 0);
	s[0].flags = RXRING_SQE_CHAIN;
	sqe_fd(&s[1], RXRING_OP_READ, fd);
	s[1].addr = (uintptr_t)buf;
	s[1].len = sizeof(buf);
	s[1].flags = RXRING_SQE_CHAIN;
	sqe_fd(&s[2], RXRING_OP_CLOSE, fd);
	for (i = 0; i < 3; i++) {
		s[i].user_data = 100 + i;
		rx_push(&self->r, &s[i]);
	}
	rx_publish(&self->r);
	ASSERT_LE(3, rx_enter(&self->r, 3, 3, 0, 0, &sub));
	ASSERT_EQ(3U, sub);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(1, rx_reap(&self->r, &c[i]));
	for (i = 0; i < 3; i++) {
		switch (c[i].user_data) {
		case 100:
			EXPECT_EQ(fd, c[i].status);
			break;
		case 101:
			EXPECT_EQ(8, c[i].status);
			break;
		case 102:
			EXPECT_EQ(0, c[i].status);
			break;
		default:
			EXPECT_TRUE(0) TH_LOG("user_data %llu",
					      (unsigned long long)c[i].user_data);
		}
	}
	EXPECT_EQ(0, memcmp(buf, "chained!", 8));
	EXPECT_EQ(-EBADF, sys(fcntl(fd, F_GETFD)));
}

/* ---- sharing: fork ------------------------------------------------------ */

/* A fork child's OPEN, CLOSE and MMAP act on the child, not the creator. */
TEST_F(fo, shared_fork_acts_as_child)
{
	size_t psz = rx_page();
	int pipefd[2], want, keep;
	struct stat fst;
	__u64 got[2];
	pid_t pid;

	ASSERT_EQ(0, write_file(P("f"), "x", 1, 0644));
	ASSERT_EQ(0, stat(P("f"), &fst));
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	keep = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, keep);
	want = lowest_free_fd();

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rxring_sqe s;
		struct rx_cqe cq;
		struct stat k;
		__s64 fd, addr;

		sqe_open(&s, RXRING_AT_FDCWD, P("f"), strlen(P("f")),
			 O_RDONLY, 0);
		fd = run_raw(&self->r, &s, &cq);
		CHILD_CHECK(fd == want);
		CHILD_CHECK(fstat((int)fd, &k) == 0 && k.st_ino == fst.st_ino);
		/* CLOSE closes the child's copy of keep. */
		sqe_fd(&s, RXRING_OP_CLOSE, keep);
		CHILD_CHECK(run_raw(&self->r, &s, &cq) == 0);
		CHILD_CHECK(fcntl(keep, F_GETFD) < 0 && errno == EBADF);
		/* MMAP maps into the child. */
		sqe_mmap(&s, HIGH_ADDR2, psz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 RXRING_FD_NONE, 0);
		addr = run_raw(&self->r, &s, &cq);
		CHILD_CHECK(addr == (__s64)HIGH_ADDR2);
		*(volatile char *)(uintptr_t)addr = 1;
		got[0] = (__u64)fd;
		got[1] = (__u64)addr;
		CHILD_CHECK(write(pipefd[1], got, sizeof(got)) ==
			    (ssize_t)sizeof(got));
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ((ssize_t)sizeof(got), read(pipefd[0], got, sizeof(got)));
	close(pipefd[0]);
	ASSERT_CHILD_OK(pid);
	rx_resync(&self->r);

	/* Not in the parent's table, not in the parent's memory. */
	EXPECT_EQ((__u64)want, got[0]);
	EXPECT_EQ(-EBADF, sys(fcntl(want, F_GETFD)));
	EXPECT_EQ(0, fcntl(keep, F_GETFD));
	EXPECT_EQ(-ENOMEM, sys(msync((void *)(uintptr_t)HIGH_ADDR2, psz,
				     MS_ASYNC)));
	close(keep);
}

/* A child that dropped its privileges opens as itself. */
TEST_F(fo, shared_fork_child_credentials)
{
	struct rxring_sqe s;
	pid_t pid;
	int fd;

	ASSERT_EQ(0, write_file(P("secret"), "s", 1, 0600));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rx_cqe cq;

		CHILD_CHECK(drop_privileges() == 0);
		sqe_open(&s, self->dfd, "secret", 6, O_RDONLY, 0);
		CHILD_CHECK(run_raw(&self->r, &s, &cq) == -EACCES);
		sqe_open(&s, self->dfd, "new", 3, O_CREAT | O_RDWR, 0600);
		CHILD_CHECK(run_raw(&self->r, &s, &cq) == -EACCES);
		_exit(0);
	}
	ASSERT_CHILD_OK(pid);
	rx_resync(&self->r);
	/* The creator, through the same ring, may. */
	sqe_open(&s, self->dfd, "secret", 6, O_RDONLY, 0);
	fd = RUN(&s);
	ASSERT_LE(0, fd);
	close(fd);
}

/* ---- sharing: SCM_RIGHTS ------------------------------------------------ */

static int send_fd(int sock, int fd, const void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)data, len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == (ssize_t)len ? 0 : -1;
}

static int recv_fd(int sock, void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != (ssize_t)len)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * The receiver of a ring over SCM_RIGHTS: a process that never had the
 * ring (it drops what fork gave it) maps the rings itself and submits.
 * It reports over the socket: the fd its OPEN got, the address its MMAP
 * got, and its OPEN of the root-only file after setuid.
 */
static void scm_child(int sock, const char *dir, int keep)
{
	size_t psz = rx_page();
	struct rxring_sqe s;
	struct rx_cqe cq;
	char path[PATH_MAX];
	__s64 out[4];
	struct rx r;
	int want;

	memset(&r, 0, sizeof(r));
	r.fd = recv_fd(sock, &r.cr, sizeof(r.cr));
	CHILD_CHECK(r.fd >= 0);
	CHILD_CHECK(rx_map(&r) == 0);

	want = lowest_free_fd();
	in_dir(path, sizeof(path), dir, "f");
	sqe_open(&s, RXRING_AT_FDCWD, path, strlen(path), O_RDONLY, 0);
	out[0] = run_raw(&r, &s, &cq);
	CHILD_CHECK(out[0] == want);
	CHILD_CHECK(fcntl((int)out[0], F_GETFD) == 0);

	sqe_fd(&s, RXRING_OP_CLOSE, keep);
	CHILD_CHECK(run_raw(&r, &s, &cq) == 0);
	CHILD_CHECK(fcntl(keep, F_GETFD) < 0 && errno == EBADF);

	sqe_mmap(&s, HIGH_ADDR2, psz, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 RXRING_FD_NONE, 0);
	out[1] = run_raw(&r, &s, &cq);
	CHILD_CHECK(out[1] == (__s64)HIGH_ADDR2);
	*(volatile char *)(uintptr_t)out[1] = 7;

	CHILD_CHECK(drop_privileges() == 0);
	in_dir(path, sizeof(path), dir, "secret");
	sqe_open(&s, RXRING_AT_FDCWD, path, strlen(path), O_RDONLY, 0);
	out[2] = run_raw(&r, &s, &cq);
	out[3] = want;
	CHILD_CHECK(write(sock, out, sizeof(out)) == (ssize_t)sizeof(out));
	_exit(0);
}

TEST_F(fo, shared_scm_rights_acts_as_receiver)
{
	size_t psz = rx_page();
	struct rxring_sqe s;
	int sv[2], keep, fd;
	__s64 got[4];
	__s64 addr;
	pid_t pid;

	ASSERT_EQ(0, write_file(P("f"), "x", 1, 0644));
	ASSERT_EQ(0, write_file(P("secret"), "s", 1, 0600));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	keep = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, keep);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Forget the ring fork handed down: only the passed one. */
		close(sv[0]);
		rx_teardown(&self->r);
		scm_child(sv[1], self->dir, keep);
	}
	close(sv[1]);
	ASSERT_EQ(0, send_fd(sv[0], self->r.fd, &self->r.cr,
			     sizeof(self->r.cr)));
	ASSERT_EQ((ssize_t)sizeof(got), read(sv[0], got, sizeof(got)));
	ASSERT_CHILD_OK(pid);
	close(sv[0]);
	rx_resync(&self->r);

	/* The receiver's OPEN went to its own table, its CLOSE too. */
	EXPECT_EQ(got[3], got[0]);
	EXPECT_EQ(-EBADF, sys(fcntl((int)got[0], F_GETFD)));
	EXPECT_EQ(0, fcntl(keep, F_GETFD));
	/* Its credentials, not the creator's. */
	EXPECT_EQ(-EACCES, got[2]);
	/* Its MMAP went to its own mm: the address is free here. */
	EXPECT_EQ((__s64)HIGH_ADDR2, got[1]);
	EXPECT_EQ(-ENOMEM, sys(msync((void *)(uintptr_t)HIGH_ADDR2, psz,
				     MS_ASYNC)));
	sqe_mmap(&s, HIGH_ADDR2, psz, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 RXRING_FD_NONE, 0);
	addr = RUN(&s);
	EXPECT_EQ((__s64)HIGH_ADDR2, addr);
	EXPECT_EQ(0, *(volatile char *)(uintptr_t)HIGH_ADDR2);
	munmap((void *)(uintptr_t)HIGH_ADDR2, psz);
	/* The creator opens the secret through the same ring. */
	sqe_open(&s, self->dfd, "secret", 6, O_RDONLY, 0);
	fd = RUN(&s);
	EXPECT_LE(0, fd);
	close(fd);
	close(keep);
}

/* ---- librxring ---------------------------------------------------------- */

TEST_F(fo, librxring_prep_helpers)
{
	struct rxring_stat st;
	struct rxring_sqe s;
	char path[] = "abc";

	memset(&s, 0xff, sizeof(s));
	rxring_prep_open(&s, AT_FDCWD, path, 3, O_RDWR | O_CREAT, 0640);
	EXPECT_EQ(RXRING_OP_OPEN, s.opcode);
	EXPECT_EQ(RXRING_AT_FDCWD, s.fd);
	EXPECT_EQ((__u64)(uintptr_t)path, s.addr);
	EXPECT_EQ(3ULL, s.len);
	EXPECT_EQ((__u32)(O_RDWR | O_CREAT), s.syscall_flags);
	EXPECT_EQ(0640ULL, s.offset);
	EXPECT_EQ(0, s.flags);
	EXPECT_EQ(0ULL, s.additional1 | s.additional2 | s.user_data);

	memset(&s, 0xff, sizeof(s));
	rxring_prep_close(&s, 7);
	EXPECT_EQ(RXRING_OP_CLOSE, s.opcode);
	EXPECT_EQ(7ULL, s.fd);
	EXPECT_EQ(0ULL, s.addr | s.len | s.offset | s.syscall_flags);

	memset(&s, 0xff, sizeof(s));
	rxring_prep_dup(&s, 8, O_CLOEXEC);
	EXPECT_EQ(RXRING_OP_DUP, s.opcode);
	EXPECT_EQ(8ULL, s.fd);
	EXPECT_EQ((__u32)O_CLOEXEC, s.syscall_flags);

	memset(&s, 0xff, sizeof(s));
	rxring_prep_seek(&s, 9, -5, SEEK_END);
	EXPECT_EQ(RXRING_OP_SEEK, s.opcode);
	EXPECT_EQ(9ULL, s.fd);
	EXPECT_EQ((__u64)-5, s.offset);
	EXPECT_EQ((__u64)SEEK_END, s.len);
	EXPECT_EQ(0ULL, s.addr | s.syscall_flags | s.additional1);

	memset(&s, 0xff, sizeof(s));
	rxring_prep_fstat(&s, 10, &st);
	EXPECT_EQ(RXRING_OP_FSTAT, s.opcode);
	EXPECT_EQ((__u64)(uintptr_t)&st, s.addr);
	EXPECT_EQ((__u64)sizeof(st), s.len);

	memset(&s, 0xff, sizeof(s));
	rxring_prep_mmap(&s, (void *)0x1000, 8192, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_EQ(RXRING_OP_MMAP, s.opcode);
	EXPECT_EQ(RXRING_FD_NONE, s.fd);
	EXPECT_EQ(0x1000ULL, s.addr);
	EXPECT_EQ(8192ULL, s.len);
	EXPECT_EQ((__u32)(MAP_PRIVATE | MAP_ANONYMOUS), s.syscall_flags);
	EXPECT_EQ((__u64)PROT_READ, s.additional1);
	EXPECT_EQ(0ULL, s.offset | s.additional2);

	memset(&s, 0xff, sizeof(s));
	rxring_prep_munmap(&s, (void *)0x2000, 4096);
	EXPECT_EQ(RXRING_OP_MUNMAP, s.opcode);
	EXPECT_EQ(0ULL, s.fd | s.offset | s.syscall_flags);
	EXPECT_EQ(0x2000ULL, s.addr);
	EXPECT_EQ(4096ULL, s.len);
}

/* 64-bit results arrive whole through rxring_wait_completion(). */
TEST_F(fo, librxring_64bit_results)
{
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	struct rxring ring;
	struct rxring_stat st;
	struct stat k;
	size_t psz = rx_page();
	int fd, ret;

	fd = openat(self->dfd, "big", O_RDWR | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 16 * GiB));
	ret = rxring_queue_init(8, &ring, 0);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));

	sqe = rxring_get_sqe(&ring);
	ASSERT_NE(NULL, sqe);
	rxring_prep_seek(sqe, fd, 12 * GiB + 1, SEEK_SET);
	rxring_sqe_set_data(sqe, 1);
	sqe = rxring_get_sqe(&ring);
	ASSERT_NE(NULL, sqe);
	rxring_prep_mmap(sqe, (void *)(uintptr_t)HIGH_ADDR, psz,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
	rxring_sqe_set_data(sqe, 2);
	sqe = rxring_get_sqe(&ring);
	ASSERT_NE(NULL, sqe);
	rxring_prep_fstat(sqe, fd, &st);
	rxring_sqe_set_data(sqe, 3);
	ASSERT_EQ(3, rxring_submit_and_wait(&ring, 3));

	ASSERT_EQ(0, rxring_wait_completion(&ring, &c));
	EXPECT_EQ(1ULL, c.user_data);
	EXPECT_EQ((__s64)(12 * GiB + 1), c.status);
	EXPECT_EQ((__u64)RXRING_CQE_EXTENDED, c.flags);
	ASSERT_EQ(0, rxring_wait_completion(&ring, &c));
	EXPECT_EQ(2ULL, c.user_data);
	EXPECT_EQ((__s64)HIGH_ADDR, c.status);
	*(volatile char *)(uintptr_t)HIGH_ADDR = 1;
	ASSERT_EQ(0, rxring_wait_completion(&ring, &c));
	EXPECT_EQ(3ULL, c.user_data);
	EXPECT_EQ(0, c.status);
	ASSERT_EQ(0, fstat(fd, &k));
	EXPECT_EQ((__s64)k.st_size, st.size);
	EXPECT_EQ((__u64)k.st_ino, st.ino);
	rxring_queue_exit(&ring);
	munmap((void *)(uintptr_t)HIGH_ADDR, psz);
	close(fd);
}

TEST_HARNESS_MAIN
