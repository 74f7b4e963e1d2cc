// SPDX-License-Identifier: GPL-2.0
/*
 * rw_file: READ, WRITE, READV, WRITEV, FSYNC on everything but O_DIRECT
 * block devices, i.e. through read_iter/write_iter.
 *  - regular files on tmpfs and on ext4 (made with mkfs.ext4 on a
 *    memory-backed null_blk in the guest; skipped when mkfs.ext4 or ext4 is
 *    not there), buffered and O_DIRECT: data written through the ring read
 *    back through the ring and with pread(), READV/WRITEV, a short read at
 *    end of file, 0 at end of file, RXRING_POS_CURRENT, FSYNC;
 *  - O_DIRECT on ext4 on a disk whose every I/O takes half a second: an
 *    ENTER that submits 32 reads (or writes) returns before any completes,
 *    and they complete later with the right data; closing the ring with
 *    32 in flight;
 *  - a pipe read that has nothing to read does not hold up the ring: NOPs
 *    submitted after it complete, then the writer writes and the read
 *    completes with the data; the same for a write into a full pipe, a
 *    socket, 64 pipes at once, end of file, EPIPE;
 *  - the iovec array is read at submission: scribbling over it while the
 *    READV waits changes nothing;
 *  - results of 1 byte (the internal "queued" value once) complete;
 *  - CANCEL of a waiting read; a waiting read whose submitter has exited
 *    completes with -ECANCELED when the exit closes its ring fd;
 *  - errors: -EAGAIN for an O_NONBLOCK pipe, -ESPIPE for an offset on a
 *    pipe, -EBADF for the wrong direction, -EFAULT for unmapped buffers
 *    (also when found by the worker), -EINVAL for a file without
 *    read_iter/write_iter (the ring's own fd); where several apply, the
 *    one the system call reports.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>

#include <rxring.h>

#include "harness.h"
#include "rwutil.h"

/* ---- regular files ------------------------------------------------------ */

FIXTURE(file) {
	struct rx r;
	char dir[64];
	char path[96];
	int fd;
	unsigned int align;	/* O_DIRECT: offsets and lengths */
};

FIXTURE_VARIANT(file) {
	bool ext4;
	bool direct;
};

FIXTURE_VARIANT_ADD(file, tmpfs) { .ext4 = false };
FIXTURE_VARIANT_ADD(file, ext4) { .ext4 = true };
FIXTURE_VARIANT_ADD(file, ext4_direct) { .ext4 = true, .direct = true };

/*
 * One ext4 file system for the whole program, on a fresh memory-backed
 * null_blk: made before the harness starts, removed when it exits (the
 * tests run in children, which leave with _exit()).
 */
static struct rw_nullb ext4_nb;
static char ext4_dir[64];
static bool ext4_mounted;

__attribute__((constructor)) static void ext4_up(void)
{
	char name[32], cmd[160];

	if (access("/usr/sbin/mkfs.ext4", X_OK) &&
	    access("/sbin/mkfs.ext4", X_OK))
		return;
	snprintf(name, sizeof(name), "rxext4%d", getpid());
	if (rw_nullb_create(&ext4_nb, name, 64, 512, 1, 0, true, NULL))
		return;
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1",
		 ext4_nb.dev);
	snprintf(ext4_dir, sizeof(ext4_dir), "/tmp/rxext4.%d", getpid());
	if (rw_system(cmd) || mkdir(ext4_dir, 0700)) {
		rw_nullb_destroy(&ext4_nb);
		return;
	}
	if (mount(ext4_nb.dev, ext4_dir, "ext4", 0, NULL)) {
		rmdir(ext4_dir);
		rw_nullb_destroy(&ext4_nb);
		return;
	}
	ext4_mounted = true;
}

__attribute__((destructor)) static void ext4_down(void)
{
	if (!ext4_mounted)
		return;
	umount(ext4_dir);
	rmdir(ext4_dir);
	rw_nullb_destroy(&ext4_nb);
}

FIXTURE_SETUP(file)
{
	int flags = O_RDWR | O_CREAT | O_TRUNC;

	self->fd = -1;
	self->r.fd = -1;
	self->align = 1;
	if (variant->ext4) {
		if (!ext4_mounted)
			SKIP(return, "no mkfs.ext4 or ext4 here");
		snprintf(self->dir, sizeof(self->dir), "%s", ext4_dir);
	} else {
		snprintf(self->dir, sizeof(self->dir), "/tmp");
	}
	if (variant->direct) {
		flags |= O_DIRECT;
		self->align = 4096;
	}
	snprintf(self->path, sizeof(self->path), "%s/rxfile.%d", self->dir,
		 getpid());
	self->fd = open(self->path, flags, 0600);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", self->path, strerror(errno));
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&self->r, 64, 0, 0));
}

FIXTURE_TEARDOWN(file)
{
	if (self->r.fd >= 0)
		rx_teardown(&self->r);
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
}

static __u64 pick_len(FIXTURE_DATA(file) *self, __u64 max)
{
	__u64 len = 1 + rw_rnd() % max;

	return (len + self->align - 1) / self->align * self->align;
}

TEST_F_TIMEOUT(file, roundtrip, 120)
{
	enum { N = 32, SLOT = 256 * 1024 };
	void *w[N], *rd[N];
	__u64 len[N], off[N];
	__s64 st[N];
	unsigned int i;

	for (i = 0; i < N; i++) {
		len[i] = pick_len(self, SLOT);
		off[i] = (__u64)i * SLOT +
			 (SLOT - len[i]) / self->align * self->align *
			 (rw_rnd() % 2);
		w[i] = rw_alloc(len[i]);
		rd[i] = rw_alloc(len[i]);
		ASSERT_NE(NULL, w[i]);
		ASSERT_NE(NULL, rd[i]);
		rw_fill(w[i], len[i], i * 7 + 1);
		rw_push(&self->r, RXRING_OP_WRITE, self->fd, w[i], len[i],
			off[i], i);
	}
	ASSERT_EQ(0, rw_run(&self->r, N, 0, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < N; i++) {
		ASSERT_EQ((__s64)len[i], st[i]) TH_LOG("write %u", i);
		rw_push(&self->r, RXRING_OP_READ, self->fd, rd[i], len[i],
			off[i], 100 + i);
	}
	ASSERT_EQ(0, rw_run(&self->r, N, 100, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < N; i++) {
		ASSERT_EQ((__s64)len[i], st[i]) TH_LOG("read %u", i);
		ASSERT_EQ(0, memcmp(w[i], rd[i], len[i])) TH_LOG("op %u", i);
		memset(rd[i], 0, len[i]);
		ASSERT_EQ((ssize_t)len[i],
			  pread(self->fd, rd[i], len[i], (off_t)off[i]));
		ASSERT_EQ(0, memcmp(w[i], rd[i], len[i])) TH_LOG("op %u", i);
		free(w[i]);
		free(rd[i]);
	}
}

TEST_F(file, vectored)
{
	char *w = rw_alloc(64 * 1024), *rd = rw_alloc(64 * 1024);
	struct iovec wv[4], rv[3];
	unsigned int a = self->align > 1 ? self->align : 1000;

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, rd);
	rw_fill(w, 64 * 1024, 99);
	wv[0] = (struct iovec){ w, a };
	wv[1] = (struct iovec){ w + a, 3 * a };
	wv[2] = (struct iovec){ w + 4 * a, 0 };
	wv[3] = (struct iovec){ w + 4 * a, 4 * a };
	EXPECT_EQ(8 * a, rw_one(&self->r, RXRING_OP_WRITEV, self->fd, wv, 4,
				 self->align > 1 ? self->align : 17));
	rv[0] = (struct iovec){ rd, 5 * a };
	rv[1] = (struct iovec){ rd + 5 * a, 2 * a };
	rv[2] = (struct iovec){ rd + 7 * a, a };
	EXPECT_EQ(8 * a, rw_one(&self->r, RXRING_OP_READV, self->fd, rv, 3,
				 self->align > 1 ? self->align : 17));
	EXPECT_EQ(0, memcmp(w, rd, 8 * a));
	free(w);
	free(rd);
}

TEST_F(file, end_of_file)
{
	unsigned int a = self->align > 1 ? self->align : 100;
	char *buf = rw_alloc(16384);

	ASSERT_NE(NULL, buf);
	rw_fill(buf, 16384, 3);
	/* A file of 3 * a bytes. */
	ASSERT_EQ(3 * a, rw_one(&self->r, RXRING_OP_WRITE, self->fd, buf,
				3 * a, 0));
	EXPECT_EQ(a, rw_one(&self->r, RXRING_OP_READ, self->fd, buf, 2 * a,
			    2 * a));
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_READ, self->fd, buf, a,
			    3 * a));
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_READ, self->fd, buf, a,
			    100 * a));
	free(buf);
}

TEST_F(file, pos_current)
{
	unsigned int a = self->align > 1 ? self->align : 5;
	/* O_DIRECT may fill all of a read's buffer, even past end of file. */
	char *w = rw_alloc(4 * a), *rd = rw_alloc(8 * a);

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, rd);
	rw_fill(w, 4 * a, 11);
	EXPECT_EQ(a, rw_one(&self->r, RXRING_OP_WRITE, self->fd, w, a,
			    RXRING_POS_CURRENT));
	EXPECT_EQ(3 * a, rw_one(&self->r, RXRING_OP_WRITE, self->fd, w + a,
				3 * a, RXRING_POS_CURRENT));
	EXPECT_EQ(4 * a, lseek(self->fd, 0, SEEK_CUR));
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(2 * a, rw_one(&self->r, RXRING_OP_READ, self->fd, rd, 2 * a,
				RXRING_POS_CURRENT));
	EXPECT_EQ(2 * a, rw_one(&self->r, RXRING_OP_READ, self->fd,
				rd + 2 * a, 4 * a, RXRING_POS_CURRENT));
	EXPECT_EQ(0, memcmp(w, rd, 4 * a));
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_READ, self->fd, rd, a,
			    RXRING_POS_CURRENT));
	EXPECT_EQ(4 * a, lseek(self->fd, 0, SEEK_CUR));
	free(w);
	free(rd);
}

TEST_F(file, fsync_and_errors)
{
	struct rxring_sqe sqe;
	char *buf = rw_alloc(8192);
	int rdonly;
	__s64 st;

	ASSERT_NE(NULL, buf);
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_FSYNC, self->fd, NULL, 0, 0));
	rw_sqe(&sqe, RXRING_OP_FSYNC, self->fd, NULL, 0, 0, 4);
	sqe.syscall_flags = RXRING_FSYNC_DATASYNC;
	rx_push(&self->r, &sqe);
	ASSERT_EQ(0, rw_run(&self->r, 1, 4, &st));
	EXPECT_EQ(0, st);
	EXPECT_EQ(-EFAULT, rw_one(&self->r, RXRING_OP_WRITE, self->fd,
				  rx_unmapped_page(), 4096, 0));
	ASSERT_EQ(8192, pwrite(self->fd, buf, 8192, 0));
	EXPECT_EQ(-EFAULT, rw_one(&self->r, RXRING_OP_READ, self->fd,
				  rx_unmapped_page(), 4096, 0));
	rdonly = open(self->path, O_RDONLY);
	ASSERT_LE(0, rdonly);
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_WRITE, rdonly, buf, 10,
				 0));
	/* fsync on a read-only fd is fine, as fsync(2). */
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_FSYNC, rdonly, NULL, 0, 0));
	close(rdonly);
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_WRITE, self->fd, buf, 0, 0));
	free(buf);
}

/* ---- O_DIRECT on a slow disk: ENTER starts the I/O, it does not wait -- */

/* Each I/O of the slow disk takes this long (null_blk's timer mode). */
#define SLOW_NS		(500 * 1000 * 1000ULL)

struct slow_fs {
	struct rw_nullb nb;
	char dir[64];
	bool mounted;
};

static int slow_attr(struct slow_fs *s, const char *attr, const char *val)
{
	char path[224];

	snprintf(path, sizeof(path), "%s/%s", s->nb.cfg, attr);
	return rw_write_str(path, val);
}

static void slow_fs_down(struct slow_fs *s)
{
	if (s->mounted)
		umount(s->dir);
	s->mounted = false;
	if (s->dir[0])
		rmdir(s->dir);
	rw_nullb_destroy(&s->nb);
}

/*
 * ext4 on a memory-backed null_blk, made fast (mkfs, @len bytes of pattern
 * @seed written to file "f"), then powered off and on again with timer
 * completions of SLOW_NS each: the data stays, every I/O now takes that
 * long. 0, 1 to skip (no mkfs.ext4, ext4 or null_blk), -1 with rx_why.
 */
static int slow_fs_up(struct slow_fs *s, size_t len, __u64 seed)
{
	char name[32], cmd[160], val[32];
	void *buf;
	int fd, tries;

	memset(s, 0, sizeof(*s));
	if (access("/usr/sbin/mkfs.ext4", X_OK) &&
	    access("/sbin/mkfs.ext4", X_OK))
		return 1;
	snprintf(name, sizeof(name), "rxslow%d", getpid());
	if (rw_nullb_create(&s->nb, name, 64, 512, 0, 0, true, NULL))
		return 1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/rxslow.%d", getpid());
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1",
		 s->nb.dev);
	if (rw_system(cmd) || mkdir(s->dir, 0700) ||
	    mount(s->nb.dev, s->dir, "ext4", 0, NULL)) {
		slow_fs_down(s);
		return 1;
	}
	s->mounted = true;
	snprintf(cmd, sizeof(cmd), "%s/f", s->dir);
	buf = rw_alloc(len);
	fd = open(cmd, O_RDWR | O_CREAT, 0600);
	if (!buf || fd < 0)
		goto fail;
	rw_fill(buf, len, seed);
	if (pwrite(fd, buf, len, 0) != (ssize_t)len || fsync(fd))
		goto fail;
	close(fd);
	free(buf);
	buf = NULL;
	fd = -1;
	if (umount(s->dir))
		goto fail;
	s->mounted = false;
	snprintf(val, sizeof(val), "%llu", SLOW_NS);
	if (slow_attr(s, "power", "0") || slow_attr(s, "irqmode", "2") ||
	    slow_attr(s, "completion_nsec", val) ||
	    slow_attr(s, "power", "1"))
		goto fail;
	for (tries = 0; tries < 100 && access(s->nb.dev, F_OK); tries++)
		rx_sleep_ms(10);
	if (mount(s->nb.dev, s->dir, "ext4", 0, NULL))
		goto fail;
	s->mounted = true;
	return 0;
fail:
	snprintf(rx_why, sizeof(rx_why), "slow ext4: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	free(buf);
	slow_fs_down(s);
	return -1;
}

/*
 * 32 O_DIRECT reads of a file on ext4, then 32 O_DIRECT writes over it, on
 * a disk whose every I/O takes SLOW_NS: each ENTER that submits 32 returns
 * before the first of them completes and in less time than one I/O takes
 * (a synchronous ENTER took 32 of them), and all 32 complete later with
 * the data of the file, or write what pread() then reads back.
 */
FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

TEST_F_TIMEOUT(slow, odirect_enter_does_not_wait, 200)
{
	enum { N = 32, BS = 4096 };
	char *want = rw_alloc(N * BS), *buf = rw_alloc(N * BS);
	struct slow_fs s;
	char path[96];
	__s64 st[N];
	unsigned int i, round;
	struct rx r;
	int fd, ret;

	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, buf);
	ret = slow_fs_up(&s, N * BS, 11);
	if (ret == 1)
		SKIP(return, "no mkfs.ext4, ext4 or null_blk here");
	ASSERT_EQ(0, ret) TH_LOG("%s", rx_why);
	snprintf(path, sizeof(path), "%s/f", s.dir);
	fd = open(path, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&r, 64, 0, 0));
	rw_fill(want, N * BS, 11);

	for (round = 0; round < 2; round++) {
		bool write = round == 1;
		long long t0, t1;
		__u32 sub = 0;

		if (write)
			rw_fill(want, N * BS, 12);
		memset(buf, 0, N * BS);
		for (i = 0; i < N; i++)
			rw_push(&r, write ? RXRING_OP_WRITE : RXRING_OP_READ,
				fd, (write ? want : buf) + i * BS, BS,
				(__u64)i * BS, i);
		rx_publish(&r);
		t0 = rx_now_ns();
		ret = rx_enter(&r, N, 0, 0, 0, &sub);
		t1 = rx_now_ns();
		ASSERT_EQ(0, ret);
		ASSERT_EQ((__u32)N, sub);
		EXPECT_EQ(0ULL, rx_cq_ready(&r))
			TH_LOG("%s completed in ENTER", write ? "write" : "read");
		EXPECT_GT((long long)SLOW_NS, t1 - t0)
			TH_LOG("ENTER took %lld ms", (t1 - t0) / 1000000);
		ASSERT_EQ(0, rw_wait(&r, N));
		for (i = 0; i < N; i++) {
			struct rx_cqe c;

			ASSERT_EQ(1, rx_reap(&r, &c));
			ASSERT_GT((__u64)N, c.user_data);
			st[c.user_data] = c.status;
		}
		for (i = 0; i < N; i++)
			ASSERT_EQ(BS, st[i]) TH_LOG("op %u", i);
		if (write)
			ASSERT_EQ(N * BS, pread(fd, buf, N * BS, 0));
		ASSERT_EQ(0, memcmp(want, buf, N * BS));
	}

	/* Closed with 32 reads in flight: the close waits for them. */
	for (i = 0; i < N; i++)
		rw_push(&r, RXRING_OP_READ, fd, buf + i * BS, BS,
			(__u64)i * BS, i);
	rx_publish(&r);
	ASSERT_EQ(0, rx_enter(&r, N, 0, 0, 0, NULL));
	rx_teardown(&r);
	close(fd);
	slow_fs_down(&s);
	free(want);
	free(buf);
}

/* Submit what was pushed; all n must be taken. */
static int submit(struct rx *r, unsigned int n)
{
	__u32 sub = 0;
	int ret;

	rx_publish(r);
	ret = rx_enter(r, n, 0, 0, 0, &sub);
	if (ret < 0)
		return ret;
	return sub == n ? 0 : -EAGAIN;
}

/* Nothing arrives in the CQ for a while. */
static bool quiet(struct rx *r)
{
	rx_sleep_ms(50);
	return rx_cq_ready(r) == 0;
}

/* Reap @n completions into st[] by user_data (< @max); 0 or -1. */
static int slow_reap(struct rx *r, unsigned int n, __s64 *st, __u64 max)
{
	struct rx_cqe c;
	unsigned int i;

	if (rw_wait(r, n))
		return -1;
	for (i = 0; i < n; i++) {
		if (rx_reap(r, &c) != 1 || c.user_data >= max)
			return -1;
		st[c.user_data] = c.status;
	}
	return 0;
}

/* An instance whose workers are bounded by @max_workers. */
static int workers_setup(struct rx *r, __u32 sq, __u32 max_workers)
{
	struct rxring_create cr;

	rx_create_init(&cr, sq, 0, 0);
	cr.max_workers = max_workers;
	return rx_setup_cr(r, &cr);
}

/*
 * On the slow disk, with a cold page cache: 32 O_DIRECT reads and 32
 * buffered reads in one ENTER, which returns before any completes and in
 * less time than one I/O takes; all complete with the file's data. Then
 * buffered WRITEs and an FSYNC of them: ENTER returns at once, the FSYNC
 * completes once the device has answered.
 */
TEST_F_TIMEOUT(slow, buffered_and_fsync_enter_does_not_wait, 200)
{
	enum { N = 32, BS = 4096 };
	char *want = rw_alloc(2 * N * BS), *buf = rw_alloc(2 * N * BS);
	long long t0, t1, t2;
	struct slow_fs s;
	__s64 st[2 * N];
	char path[96];
	unsigned int i;
	int fdd, fdb, ret;
	struct rx r;
	__u32 sub = 0;

	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, buf);
	ret = slow_fs_up(&s, 2 * N * BS, 21);
	if (ret == 1)
		SKIP(return, "no mkfs.ext4, ext4 or null_blk here");
	ASSERT_EQ(0, ret) TH_LOG("%s", rx_why);
	snprintf(path, sizeof(path), "%s/f", s.dir);
	fdd = open(path, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, fdd);
	fdb = open(path, O_RDWR);
	ASSERT_LE(0, fdb);
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&r, 2 * N, 0, 0));
	rw_fill(want, 2 * N * BS, 21);
	memset(buf, 0, 2 * N * BS);

	/* The first half O_DIRECT, the second through the page cache. */
	for (i = 0; i < 2 * N; i++)
		rw_push(&r, RXRING_OP_READ, i < N ? fdd : fdb, buf + i * BS,
			BS, (__u64)i * BS, i);
	rx_publish(&r);
	t0 = rx_now_ns();
	ret = rx_enter(&r, 2 * N, 0, 0, 0, &sub);
	t1 = rx_now_ns();
	ASSERT_EQ(0, ret);
	ASSERT_EQ((__u32)(2 * N), sub);
	EXPECT_EQ(0ULL, rx_cq_ready(&r)) TH_LOG("reads completed in ENTER");
	EXPECT_GT((long long)SLOW_NS, t1 - t0)
		TH_LOG("ENTER took %lld ms", (t1 - t0) / 1000000);
	ASSERT_EQ(0, slow_reap(&r, 2 * N, st, 2 * N));
	for (i = 0; i < 2 * N; i++)
		ASSERT_EQ(BS, st[i]) TH_LOG("read %u", i);
	ASSERT_EQ(0, memcmp(want, buf, 2 * N * BS));

	/* Buffered writes of new data, then an FSYNC of them. */
	rw_fill(want, N * BS, 22);
	for (i = 0; i < N; i++)
		rw_push(&r, RXRING_OP_WRITE, fdb, want + i * BS, BS,
			(__u64)i * BS, i);
	rx_publish(&r);
	t0 = rx_now_ns();
	ret = rx_enter(&r, N, 0, 0, 0, &sub);
	t1 = rx_now_ns();
	ASSERT_EQ(0, ret);
	EXPECT_GT((long long)SLOW_NS, t1 - t0)
		TH_LOG("ENTER took %lld ms", (t1 - t0) / 1000000);
	ASSERT_EQ(0, slow_reap(&r, N, st, N));
	for (i = 0; i < N; i++)
		ASSERT_EQ(BS, st[i]) TH_LOG("write %u", i);
	rw_push(&r, RXRING_OP_FSYNC, fdb, NULL, 0, 0, 0);
	rx_publish(&r);
	t0 = rx_now_ns();
	ret = rx_enter(&r, 1, 0, 0, 0, &sub);
	t1 = rx_now_ns();
	ASSERT_EQ(0, ret);
	ASSERT_EQ(1U, sub);
	EXPECT_EQ(0ULL, rx_cq_ready(&r)) TH_LOG("FSYNC completed in ENTER");
	EXPECT_GT((long long)SLOW_NS, t1 - t0)
		TH_LOG("ENTER took %lld ms", (t1 - t0) / 1000000);
	ASSERT_EQ(0, slow_reap(&r, 1, st, 1));
	t2 = rx_now_ns();
	EXPECT_EQ(0, st[0]);
	/* It wrote the data out: at least one I/O of the slow disk. */
	EXPECT_LE((long long)SLOW_NS, t2 - t0)
		TH_LOG("FSYNC took %lld ms", (t2 - t0) / 1000000);
	ASSERT_EQ(N * BS, pread(fdd, buf, N * BS, 0));
	EXPECT_EQ(0, memcmp(want, buf, N * BS));

	/* Closed with cold reads and an FSYNC in flight. */
	posix_fadvise(fdb, 0, 0, POSIX_FADV_DONTNEED);
	for (i = 0; i < N; i++)
		rw_push(&r, RXRING_OP_READ, fdb, buf + i * BS, BS,
			(__u64)(N + i) * BS, i);
	ASSERT_EQ(N * BS, pwrite(fdb, want, N * BS, 0));
	rw_push(&r, RXRING_OP_FSYNC, fdb, NULL, 0, 0, N);
	rx_publish(&r);
	ASSERT_EQ(0, rx_enter(&r, N + 1, 0, 0, 0, NULL));
	rx_teardown(&r);
	close(fdd);
	close(fdb);
	slow_fs_down(&s);
	free(want);
	free(buf);
}

/*
 * Workers belong to their instance: one whose workers all block (FSYNCs on
 * the slow disk, at most 2 at once) does not hold up another's FSYNC of a
 * file on a fast disk or its read of a pipe. The second FSYNC of the
 * first instance waits for a worker: CANCEL takes it back (-ECANCELED),
 * while the one running says -EALREADY.
 */
TEST_F_TIMEOUT(slow, workers_per_instance, 200)
{
	enum { BS = 4096, NF = 4 };
	char *data = rw_alloc(64 * BS), got[8];
	struct rxring_sqe sqe;
	struct slow_fs s;
	struct rx a, b;
	__s64 st[16];
	char path[96];
	int fda, fdb, ret, p[2];
	long long t0, t1;
	unsigned int i;

	ASSERT_NE(NULL, data);
	ret = slow_fs_up(&s, BS, 31);
	if (ret == 1)
		SKIP(return, "no mkfs.ext4, ext4 or null_blk here");
	ASSERT_EQ(0, ret) TH_LOG("%s", rx_why);
	if (!ext4_mounted) {
		slow_fs_down(&s);
		SKIP(return, "no fast ext4 here");
	}
	rx_raise_memlock();
	ASSERT_EQ(0, workers_setup(&a, 16, 2));
	EXPECT_EQ(2U, a.cr.max_workers);
	EXPECT_NE(0ULL, a.cr.features & RXRING_FEAT_WORKERS);
	ASSERT_EQ(0, workers_setup(&b, 16, 0));
	EXPECT_LE(1U, b.cr.max_workers);
	snprintf(path, sizeof(path), "%s/f", s.dir);
	fda = open(path, O_RDWR);
	ASSERT_LE(0, fda);
	snprintf(path, sizeof(path), "%s/w%d", ext4_dir, getpid());
	fdb = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fdb);
	unlink(path);
	ASSERT_EQ(0, pipe(p));

	/* A: NF FSYNCs, each with dirty data to write out first. */
	rw_fill(data, 64 * BS, 32);
	ASSERT_EQ(64 * BS, pwrite(fda, data, 64 * BS, 0));
	for (i = 0; i < NF; i++)
		rw_push(&a, RXRING_OP_FSYNC, fda, NULL, 0, 0, i);
	ASSERT_EQ(0, submit(&a, NF));
	rx_sleep_ms(100);

	/* B: its FSYNC and pipe read complete while A's workers block. */
	ASSERT_EQ(64 * BS, pwrite(fdb, data, 64 * BS, 0));
	rw_push(&b, RXRING_OP_FSYNC, fdb, NULL, 0, 0, 0);
	rw_push(&b, RXRING_OP_READ, p[0], got, sizeof(got),
		RXRING_POS_CURRENT, 1);
	t0 = rx_now_ns();
	ASSERT_EQ(0, submit(&b, 2));
	ASSERT_EQ(3, write(p[1], "abc", 3));
	ASSERT_EQ(0, slow_reap(&b, 2, st, 2));
	t1 = rx_now_ns();
	EXPECT_EQ(0, st[0]);
	EXPECT_EQ(3, st[1]);
	EXPECT_GT((long long)SLOW_NS / 2, t1 - t0)
		TH_LOG("B's operations took %lld ms", (t1 - t0) / 1000000);
	EXPECT_EQ(0ULL, rx_cq_ready(&a)) TH_LOG("A's FSYNCs did not block");

	/* A's last FSYNC waits for a worker; the first one runs. */
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RXRING_OP_CANCEL;
	sqe.addr = NF - 1;
	sqe.user_data = 10;
	rx_push(&a, &sqe);
	sqe.addr = 0;
	sqe.user_data = 11;
	rx_push(&a, &sqe);
	ASSERT_EQ(0, submit(&a, 2));
	ASSERT_EQ(0, slow_reap(&a, NF + 2, st, 12));
	EXPECT_EQ(0, st[10]);
	EXPECT_EQ(-EALREADY, st[11]);
	EXPECT_EQ(-ECANCELED, st[NF - 1]);
	for (i = 0; i < NF - 1; i++)
		EXPECT_EQ(0, st[i]) TH_LOG("FSYNC %u", i);
	rx_teardown(&a);
	rx_teardown(&b);
	close(fda);
	close(fdb);
	close(p[0]);
	close(p[1]);
	slow_fs_down(&s);
	free(data);
}

/*
 * CANCEL of a read waiting for a page being read from the slow disk: 0 at
 * once; the read completes with -ECANCELED after it, once the page is
 * there (a page wait cannot be unhooked earlier).
 */
TEST_F_TIMEOUT(slow, cancel_page_wait, 200)
{
	enum { BS = 4096 };
	struct rxring_sqe sqe;
	struct slow_fs s;
	struct rx_cqe c;
	char path[96], buf[BS];
	struct rx r;
	int fd, ret;

	ret = slow_fs_up(&s, 16 * BS, 41);
	if (ret == 1)
		SKIP(return, "no mkfs.ext4, ext4 or null_blk here");
	ASSERT_EQ(0, ret) TH_LOG("%s", rx_why);
	snprintf(path, sizeof(path), "%s/f", s.dir);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&r, 8, 0, 0));
	rw_push(&r, RXRING_OP_READ, fd, buf, BS, 8 * BS, 1);
	ASSERT_EQ(0, submit(&r, 1));
	/* A worker starts the read and hooks the record onto the page. */
	rx_sleep_ms(100);
	EXPECT_EQ(0ULL, rx_cq_ready(&r));
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RXRING_OP_CANCEL;
	sqe.addr = 1;
	sqe.user_data = 2;
	rx_push(&r, &sqe);
	ASSERT_EQ(0, submit(&r, 1));
	ASSERT_EQ(1, rw_reap_wait(&r, &c));
	EXPECT_EQ(2ULL, c.user_data);
	EXPECT_EQ(0, c.status);
	ASSERT_EQ(1, rw_reap_wait(&r, &c));
	EXPECT_EQ(1ULL, c.user_data);
	EXPECT_EQ(-ECANCELED, c.status);
	/* The page is there now: the same read completes inside ENTER. */
	rw_push(&r, RXRING_OP_READ, fd, buf, BS, 8 * BS, 3);
	ASSERT_EQ(0, submit(&r, 1));
	EXPECT_EQ(1ULL, rx_cq_ready(&r));
	ASSERT_EQ(1, rw_reap_wait(&r, &c));
	EXPECT_EQ(3ULL, c.user_data);
	EXPECT_EQ(BS, c.status);
	rx_teardown(&r);
	close(fd);
	slow_fs_down(&s);
}

/*
 * CHAIN and DRAIN on ext4, where writes and FSYNC run in workers and
 * reads hit the page cache in ENTER: each link starts after the one
 * before it completed, and DRAIN waits for everything before it.
 */
TEST_F_TIMEOUT(slow, chain_and_drain_on_ext4, 120)
{
	enum { N = 8, BS = 4096 };
	char *data = rw_alloc(N * BS), *buf = rw_alloc(N * BS);
	struct rxring_sqe sqe;
	struct rx_cqe c;
	__u64 order[N + 3];
	char path[96];
	unsigned int i;
	struct rx r;
	int fd;

	ASSERT_NE(NULL, data);
	ASSERT_NE(NULL, buf);
	if (!ext4_mounted)
		SKIP(return, "no ext4 here");
	snprintf(path, sizeof(path), "%s/c%d", ext4_dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	unlink(path);
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&r, 32, 0, 0));
	rw_fill(data, N * BS, 51);

	/* WRITE -> FSYNC -> READ, linked. */
	rw_sqe(&sqe, RXRING_OP_WRITE, fd, data, BS, 0, 1);
	sqe.flags = RXRING_SQE_CHAIN;
	rx_push(&r, &sqe);
	rw_sqe(&sqe, RXRING_OP_FSYNC, fd, NULL, 0, 0, 2);
	sqe.flags = RXRING_SQE_CHAIN;
	rx_push(&r, &sqe);
	rw_push(&r, RXRING_OP_READ, fd, buf, BS, 0, 3);
	rx_publish(&r);
	ASSERT_EQ(3, rx_enter(&r, 3, 3, 0, 0, NULL));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, rx_reap(&r, &c));
		EXPECT_EQ(i + 1ULL, c.user_data);
		EXPECT_EQ(i == 1 ? 0 : BS, c.status) TH_LOG("op %u", i + 1);
	}
	EXPECT_EQ(0, memcmp(data, buf, BS));

	/* N writes, then a DRAIN read of all of them, then a NOP. */
	for (i = 0; i < N; i++)
		rw_push(&r, RXRING_OP_WRITE, fd, data + i * BS, BS,
			(__u64)i * BS, 10 + i);
	rw_sqe(&sqe, RXRING_OP_READ, fd, buf, N * BS, 0, 100);
	sqe.flags = RXRING_SQE_DRAIN;
	rx_push(&r, &sqe);
	rw_push(&r, RXRING_OP_NOP, 0, NULL, 0, 0, 101);
	memset(buf, 0, N * BS);
	rx_publish(&r);
	/* ENTER waits at the DRAIN barrier for what it needs. */
	ASSERT_LE(0, rx_enter(&r, N + 2, N + 2, 0, 0, NULL));
	ASSERT_EQ(0, rw_wait(&r, N + 2));
	for (i = 0; i < N + 2; i++) {
		ASSERT_EQ(1, rx_reap(&r, &c));
		order[i] = c.user_data;
		EXPECT_EQ(c.user_data == 101 ? 0 :
			  c.user_data == 100 ? N * BS : BS, c.status);
	}
	/* The DRAIN read comes after every write. */
	for (i = 0; i < N + 2 && order[i] != 100; i++)
		;
	ASSERT_GT(N + 2U, i);
	EXPECT_LE((unsigned int)N, i) TH_LOG("DRAIN read completed %uth", i + 1);
	EXPECT_EQ(0, memcmp(data, buf, N * BS));
	rx_teardown(&r);
	close(fd);
	free(data);
	free(buf);
}

/*
 * FSTAT and SEEK_DATA/SEEK_HOLE of a file on ext4 go on in a worker: the
 * same answers as fstat(2) and lseek(2), also when the file is gone.
 */
TEST_F_TIMEOUT(slow, fstat_seek_on_ext4, 120)
{
	static const int whence[] = { SEEK_DATA, SEEK_HOLE, SEEK_DATA,
				      SEEK_HOLE, SEEK_DATA };
	static const off_t at[] = { 0, 0, 1 << 20, 1 << 20, 3 << 20 };
	static char blk[4096] = "data";
	struct rxring_stat rst;
	struct rxring_sqe sqe;
	struct rx_cqe c;
	struct stat st;
	char path[96];
	unsigned int i;
	struct rx r;
	int fd;

	if (!ext4_mounted)
		SKIP(return, "no ext4 here");
	snprintf(path, sizeof(path), "%s/s%d", ext4_dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	unlink(path);
	/* Data at 1 MiB and at 2 MiB + 4 KiB, holes elsewhere. */
	ASSERT_EQ(4096, pwrite(fd, blk, 4096, 1 << 20));
	ASSERT_EQ(4096, pwrite(fd, blk, 4096, (2 << 20) + 4096));
	ASSERT_EQ(0, fsync(fd));
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&r, 8, 0, 0));
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		off_t want = lseek(fd, at[i], whence[i]);

		memset(&sqe, 0, sizeof(sqe));
		sqe.opcode = RXRING_OP_SEEK;
		sqe.fd = fd;
		sqe.offset = at[i];
		sqe.len = whence[i];
		sqe.user_data = i;
		rx_push(&r, &sqe);
		ASSERT_EQ(0, submit(&r, 1));
		ASSERT_EQ(1, rw_reap_wait(&r, &c));
		EXPECT_EQ(want < 0 ? -errno : want, c.status)
			TH_LOG("whence %d at %lld", whence[i],
			       (long long)at[i]);
	}
	ASSERT_EQ(0, fstat(fd, &st));
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RXRING_OP_FSTAT;
	sqe.fd = fd;
	sqe.addr = (__u64)(uintptr_t)&rst;
	sqe.len = sizeof(rst);
	sqe.user_data = 9;
	rx_push(&r, &sqe);
	ASSERT_EQ(0, submit(&r, 1));
	ASSERT_EQ(1, rw_reap_wait(&r, &c));
	EXPECT_EQ(0, c.status);
	EXPECT_EQ((__u64)st.st_ino, rst.ino);
	EXPECT_EQ((__s64)st.st_size, rst.size);
	EXPECT_EQ((__u64)st.st_blocks, rst.blocks);
	EXPECT_EQ(st.st_mode, rst.mode);
	/* A bad buffer is EFAULT from the worker, as from fstat(2). */
	sqe.addr = 8;
	rx_push(&r, &sqe);
	ASSERT_EQ(0, submit(&r, 1));
	ASSERT_EQ(1, rw_reap_wait(&r, &c));
	EXPECT_EQ(-EFAULT, c.status);
	rx_teardown(&r);
	close(fd);
}

/* ---- files that make an operation wait ---------------------------------- */

FIXTURE(wait) {
	struct rx r;
};

FIXTURE_SETUP(wait)
{
	signal(SIGPIPE, SIG_IGN);
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&self->r, 128, 0, 0));
}

FIXTURE_TEARDOWN(wait)
{
	rx_teardown(&self->r);
}

TEST_F(wait, pipe_read_does_not_stall)
{
	char buf[64] = { 0 };
	struct rx_cqe c;
	int p[2], i;

	ASSERT_EQ(0, pipe(p));
	rw_push(&self->r, RXRING_OP_READ, p[0], buf, sizeof(buf),
		RXRING_POS_CURRENT, 1);
	ASSERT_EQ(0, submit(&self->r, 1));
	EXPECT_TRUE(quiet(&self->r));
	/* NOPs after it complete at once. */
	for (i = 0; i < 16; i++)
		rx_push_nop(&self->r, 100 + i);
	rx_publish(&self->r);
	ASSERT_EQ(16, rx_enter(&self->r, 16, 16, 0, 0, NULL));
	ASSERT_EQ(0, rx_reap_nops(&self->r, 100, 16)) TH_LOG("%s", rx_why);
	EXPECT_TRUE(quiet(&self->r));
	/* The writer writes: the read completes with the data. */
	ASSERT_EQ(10, write(p[1], "0123456789", 10));
	ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
	EXPECT_EQ(1ULL, c.user_data);
	EXPECT_EQ(10, c.status);
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
	close(p[0]);
	close(p[1]);
}

TEST_F(wait, pipe_write_into_full_pipe)
{
	static char fill[1 << 16], got[1 << 16];
	struct rx_cqe c;
	int p[2], size;

	ASSERT_EQ(0, pipe(p));
	size = fcntl(p[1], F_GETPIPE_SZ);
	ASSERT_LT(0, size);
	ASSERT_GE((int)sizeof(fill), size);
	ASSERT_EQ(size, write(p[1], fill, size));
	rw_push(&self->r, RXRING_OP_WRITE, p[1], "abcdefgh", 8,
		RXRING_POS_CURRENT, 2);
	ASSERT_EQ(0, submit(&self->r, 1));
	rx_push_nop(&self->r, 3);
	ASSERT_EQ(0, submit(&self->r, 1));
	ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
	EXPECT_EQ(3ULL, c.user_data);
	EXPECT_TRUE(quiet(&self->r));
	ASSERT_EQ(size, read(p[0], got, size));
	ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
	EXPECT_EQ(2ULL, c.user_data);
	EXPECT_EQ(8, c.status);
	ASSERT_EQ(8, read(p[0], got, 8));
	EXPECT_EQ(0, memcmp(got, "abcdefgh", 8));
	close(p[0]);
	close(p[1]);
}

TEST_F(wait, socket_read)
{
	char buf[32] = { 0 };
	struct rx_cqe c;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	rw_push(&self->r, RXRING_OP_READ, sv[0], buf, sizeof(buf),
		RXRING_POS_CURRENT, 5);
	ASSERT_EQ(0, submit(&self->r, 1));
	EXPECT_TRUE(quiet(&self->r));
	ASSERT_EQ(5, write(sv[1], "hello", 5));
	ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
	EXPECT_EQ(5ULL, c.user_data);
	EXPECT_EQ(5, c.status);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	/* A socket write that fits goes at once. */
	EXPECT_EQ(3, rw_one(&self->r, RXRING_OP_WRITE, sv[0], "xyz", 3,
			    RXRING_POS_CURRENT));
	EXPECT_EQ(3, read(sv[1], buf, sizeof(buf)));
	close(sv[0]);
	close(sv[1]);
}

/* 64 pipes read at once; written in reverse order. */
/*
 * A write that write(2) does at once is done at once, though poll() says
 * the socket is not writable (a unix socket with more than a quarter of
 * its send buffer queued): on 6.1, whose sockets take no RWF_NOWAIT, the
 * module tries it with IOCB_NOWAIT itself instead of waiting for poll().
 */
TEST_F(wait, socket_write_behind_queued_data)
{
	static char queued[56 * 1024], more[1766];
	struct rx_cqe c;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ((ssize_t)sizeof(queued),
		  send(sv[0], queued, sizeof(queued), MSG_DONTWAIT));
	rw_push(&self->r, RXRING_OP_WRITE, sv[0], more, sizeof(more),
		RXRING_POS_CURRENT, 6);
	ASSERT_EQ(0, submit(&self->r, 1));
	ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
	EXPECT_EQ(6ULL, c.user_data);
	EXPECT_EQ((__s64)sizeof(more), c.status);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(wait, many_pipes)
{
	enum { N = 64 };
	int p[N][2], i;
	char buf[N][8];
	unsigned char seen[N] = { 0 };
	struct rx_cqe c;

	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, pipe(p[i]));
		rw_push(&self->r, RXRING_OP_READ, p[i][0], buf[i], 8,
			RXRING_POS_CURRENT, i);
	}
	ASSERT_EQ(0, submit(&self->r, N));
	EXPECT_TRUE(quiet(&self->r));
	for (i = N - 1; i >= 0; i--) {
		/* All 8 bytes defined: snprintf() leaves the last one. */
		char msg[8] = { 0 };

		snprintf(msg, sizeof(msg), "p%05d", i);
		ASSERT_EQ(8, write(p[i][1], msg, 8));
	}
	for (i = 0; i < N; i++) {
		char msg[8] = { 0 };

		ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
		ASSERT_GT((__u64)N, c.user_data);
		ASSERT_EQ(0, seen[c.user_data]);
		seen[c.user_data] = 1;
		EXPECT_EQ(8, c.status);
		snprintf(msg, sizeof(msg), "p%05d", (int)c.user_data);
		EXPECT_EQ(0, memcmp(buf[c.user_data], msg, 8))
			TH_LOG("pipe %llu: read '%.7s', wrote '%s'",
			       (unsigned long long)c.user_data,
			       buf[c.user_data], msg);
	}
	for (i = 0; i < N; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

TEST_F(wait, eof_and_epipe)
{
	char buf[8];
	struct rx_cqe c;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	rw_push(&self->r, RXRING_OP_READ, p[0], buf, sizeof(buf),
		RXRING_POS_CURRENT, 7);
	ASSERT_EQ(0, submit(&self->r, 1));
	EXPECT_TRUE(quiet(&self->r));
	close(p[1]);
	ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
	EXPECT_EQ(7ULL, c.user_data);
	EXPECT_EQ(0, c.status);
	close(p[0]);

	ASSERT_EQ(0, pipe(p));
	close(p[0]);
	EXPECT_EQ(-EPIPE, rw_one(&self->r, RXRING_OP_WRITE, p[1], "x", 1,
				 RXRING_POS_CURRENT));
	close(p[1]);
}

/* The iovec array is copied at submission. */
TEST_F(wait, iovec_reuse)
{
	char a[4] = { 0 }, b[6] = { 0 }, c3[20] = { 0 }, other[64];
	struct iovec iov[3] = {
		{ a, sizeof(a) }, { b, sizeof(b) }, { c3, sizeof(c3) },
	};
	struct rx_cqe c;
	int p[2], i;

	ASSERT_EQ(0, pipe(p));
	rw_push(&self->r, RXRING_OP_READV, p[0], iov, 3, RXRING_POS_CURRENT,
		9);
	ASSERT_EQ(0, submit(&self->r, 1));
	EXPECT_TRUE(quiet(&self->r));
	for (i = 0; i < 3; i++) {
		iov[i].iov_base = other;
		iov[i].iov_len = 1;
	}
	memset(other, 0, sizeof(other));
	ASSERT_EQ(15, write(p[1], "AAAABBBBBBCCCCC", 15));
	ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
	EXPECT_EQ(9ULL, c.user_data);
	EXPECT_EQ(15, c.status);
	EXPECT_EQ(0, memcmp(a, "AAAA", 4));
	EXPECT_EQ(0, memcmp(b, "BBBBBB", 6));
	EXPECT_EQ(0, memcmp(c3, "CCCCC", 5));
	EXPECT_EQ(0, other[0]);
	close(p[0]);
	close(p[1]);
}

TEST_F(wait, cancel_waiting_read)
{
	struct rxring_sqe sqe;
	char buf[8];
	struct rx_cqe c;
	__s64 st;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	rw_push(&self->r, RXRING_OP_READ, p[0], buf, sizeof(buf),
		RXRING_POS_CURRENT, 77);
	ASSERT_EQ(0, submit(&self->r, 1));
	EXPECT_TRUE(quiet(&self->r));
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RXRING_OP_CANCEL;
	sqe.addr = 77;
	sqe.user_data = 78;
	rx_push(&self->r, &sqe);
	ASSERT_EQ(0, submit(&self->r, 1));
	ASSERT_EQ(0, rw_wait(&self->r, 2));
	ASSERT_EQ(1, rx_reap(&self->r, &c));
	ASSERT_EQ(77ULL, c.user_data);
	EXPECT_EQ(-ECANCELED, c.status);
	ASSERT_EQ(1, rx_reap(&self->r, &c));
	ASSERT_EQ(78ULL, c.user_data);
	EXPECT_EQ(0, c.status);
	rx_push(&self->r, &sqe);
	ASSERT_EQ(0, rw_run(&self->r, 1, 78, &st));
	EXPECT_EQ(-ENOENT, st);
	/* The pipe is untouched. */
	ASSERT_EQ(3, write(p[1], "abc", 3));
	EXPECT_EQ(3, rw_one(&self->r, RXRING_OP_READ, p[0], buf, sizeof(buf),
			    RXRING_POS_CURRENT));
	close(p[0]);
	close(p[1]);
}

/* The submitter is gone by the time the file is ready. */
TEST_F(wait, submitter_exited)
{
	struct rx_cqe c;
	pid_t pid;
	int p[2], st;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static char buf[16];

		rw_push(&self->r, RXRING_OP_READ, p[0], buf, sizeof(buf),
			RXRING_POS_CURRENT, 11);
		_exit(submit(&self->r, 1) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, st);
	/* The parent's view of the SQ tail moves on with the child's push. */
	self->r.sq_tail++;
	/* Its exit closed its fd of the ring: that cancelled the read. */
	ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
	EXPECT_EQ(11ULL, c.user_data);
	EXPECT_EQ(-ECANCELED, c.status);
	/* The pipe is untouched. */
	ASSERT_EQ(2, write(p[1], "zz", 2));
	EXPECT_EQ(2, rw_one(&self->r, RXRING_OP_READ, p[0], &st, 2,
			    RXRING_POS_CURRENT));
	close(p[0]);
	close(p[1]);
}

/* A result of 1 byte is a completion like any other. */
TEST_F(wait, one_byte_results)
{
	char buf[4] = { 0 };
	int p[2], fd;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(1, write(p[1], "1", 1));
	EXPECT_EQ(1, rw_one(&self->r, RXRING_OP_READ, p[0], buf, 4,
			    RXRING_POS_CURRENT));
	EXPECT_EQ(1, rw_one(&self->r, RXRING_OP_WRITE, p[1], "2", 1,
			    RXRING_POS_CURRENT));
	EXPECT_EQ(1, read(p[0], buf, 4));
	EXPECT_EQ('2', buf[0]);
	fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, rw_one(&self->r, RXRING_OP_WRITE, fd, "3", 1, 0));
	EXPECT_EQ(1, rw_one(&self->r, RXRING_OP_READ, fd, buf, 4, 0));
	EXPECT_EQ('3', buf[0]);
	close(fd);
	close(p[0]);
	close(p[1]);
}

TEST_F(wait, errors)
{
	void *gone = rx_unmapped_page();
	char buf[8];
	struct rx_cqe c;
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, rw_one(&self->r, RXRING_OP_READ, p[0], buf, 8,
				  RXRING_POS_CURRENT));
	EXPECT_EQ(-ESPIPE, rw_one(&self->r, RXRING_OP_READ, p[0], buf, 8, 0));
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_READ, p[1], buf, 8,
				 RXRING_POS_CURRENT));
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_WRITE, p[0], buf, 8,
				 RXRING_POS_CURRENT));
	close(p[0]);
	close(p[1]);
	/* Files without read_iter/write_iter: the ring itself, say. */
	EXPECT_EQ(-EINVAL, rw_one(&self->r, RXRING_OP_READ, self->r.fd, buf, 8,
				  RXRING_POS_CURRENT));
	EXPECT_EQ(-EINVAL, rw_one(&self->r, RXRING_OP_WRITE, self->r.fd, buf,
				  8, RXRING_POS_CURRENT));

	/* An unmapped buffer found by the worker, when the data comes. */
	ASSERT_EQ(0, pipe(p));
	rw_push(&self->r, RXRING_OP_READ, p[0], gone, 8, RXRING_POS_CURRENT,
		12);
	ASSERT_EQ(0, submit(&self->r, 1));
	EXPECT_TRUE(quiet(&self->r));
	ASSERT_EQ(2, write(p[1], "zz", 2));
	ASSERT_EQ(1, rw_reap_wait(&self->r, &c));
	EXPECT_EQ(12ULL, c.user_data);
	EXPECT_EQ(-EFAULT, c.status);
	close(p[0]);
	close(p[1]);
}

/* What the system call twin of a READ/WRITE/READV/WRITEV answers. */
static __s64 sys_twin(__u8 op, int fd, void *addr, __u64 len, __u64 off)
{
	bool cur = off == RXRING_POS_CURRENT;
	ssize_t n;

	switch (op) {
	case RXRING_OP_READ:
		n = cur ? read(fd, addr, len) : pread(fd, addr, len, off);
		break;
	case RXRING_OP_WRITE:
		n = cur ? write(fd, addr, len) : pwrite(fd, addr, len, off);
		break;
	case RXRING_OP_READV:
		n = cur ? readv(fd, addr, (int)len) :
			  preadv(fd, addr, (int)len, off);
		break;
	default:
		n = cur ? writev(fd, addr, (int)len) :
			  pwritev(fd, addr, (int)len, off);
		break;
	}
	return n < 0 ? -errno : n;
}

struct twin_case {
	__u8 op;
	int fd;
	void *addr;
	__u64 len, off;
};

/*
 * Where several checks fail at once, the ring reports the error the
 * system call of the running kernel reports: ESPIPE (an offset on a pipe)
 * before anything, read(2)'s direction before its buffer, the fd before
 * the iovec count, and readv(2)'s iovec array before the file's direction
 * (6.1) or after it (6.8 and later).
 */
TEST_F(wait, error_order_like_syscalls)
{
	struct iovec *many = calloc(UIO_MAXIOV + 1, sizeof(*many));
	void *gone = rx_unmapped_page();
	struct twin_case c[9];
	unsigned int i;
	char buf[8];
	int p[2];

	ASSERT_NE(NULL, many);
	ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
	ASSERT_EQ(-1, fcntl(1000, F_GETFD));
	c[0] = (struct twin_case){ RXRING_OP_READ, p[1], buf, 8, 0 };
	c[1] = (struct twin_case){ RXRING_OP_READ, p[0], buf, 0, 5 };
	c[2] = (struct twin_case){ RXRING_OP_WRITE, p[1], buf, 0, 5 };
	c[3] = (struct twin_case){ RXRING_OP_READ, p[1], gone, 8,
				   RXRING_POS_CURRENT };
	c[4] = (struct twin_case){ RXRING_OP_READV, 1000, many,
				   UIO_MAXIOV + 1, RXRING_POS_CURRENT };
	c[5] = (struct twin_case){ RXRING_OP_READV, p[0], gone, 2, 0 };
	c[6] = (struct twin_case){ RXRING_OP_READV, p[1], gone, 2,
				   RXRING_POS_CURRENT };
	c[7] = (struct twin_case){ RXRING_OP_WRITEV, p[0], gone, 2,
				   RXRING_POS_CURRENT };
	c[8] = (struct twin_case){ RXRING_OP_WRITEV, p[0], many, 0,
				   RXRING_POS_CURRENT };
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		EXPECT_EQ(sys_twin(c[i].op, c[i].fd, c[i].addr, c[i].len,
				   c[i].off),
			  rw_one(&self->r, c[i].op, c[i].fd, c[i].addr,
				 c[i].len, c[i].off))
			TH_LOG("case %u", i);
	}
	close(p[0]);
	close(p[1]);
	free(many);
}

TEST_HARNESS_MAIN
