// SPDX-License-Identifier: GPL-2.0
/*
 * rw_blk: READ, WRITE, READV, WRITEV on block devices opened O_DIRECT, the
 * path that builds bios and submits them to the blk-mq queues. Each test
 * runs on the emulated NVMe namespace (/dev/nvme0n1, hard-IRQ completions)
 * and on two memory-backed null_blk devices made through configfs, one
 * completing in softirq, one inline in the submitter (the guest's
 * /dev/nullb0 keeps no data):
 *  - integrity: patterns written through the ring at random aligned
 *    offsets, 512 B .. 1 MiB, at queue depths 1, 32 and 128, read back
 *    through the ring and with pread(), compared;
 *  - reads and writes mixed in one batch; READV/WRITEV with different
 *    splits of the same data; the iovec count limit (UIO_MAXIOV);
 *  - the end of the device: a short read, 0 at the end, -ENOSPC for a
 *    write at the end, a short write across it;
 *  - edge cases answered as pread(2)/pwrite(2) answer them (huge lengths,
 *    offsets past 2^63, misaligned reads at the end);
 *  - RXRING_POS_CURRENT: consecutive reads advance the file position;
 *  - errors: unaligned offset / length / buffer / iovec -> -EINVAL, an
 *    unmapped buffer or iovec array -> -EFAULT, a bad fd or one not open
 *    for the direction -> -EBADF, a zero length -> 0, FSYNC;
 *  - device errors: a null_blk with bad blocks gives -EIO, one completion
 *    for a request of many bios;
 *  - /dev/nullb0 (not memory backed) at queue depth 128: every completion
 *    has the full length.
 */
#include <sys/mman.h>

#include <rxring.h>

#include "harness.h"
#include "rwutil.h"

#define SLOT	(1024 * 1024)	/* integrity tests: one op per 1 MiB slot */

FIXTURE(blk) {
	struct rx r;
	struct rw_nullb nb;
	int fd;
	__u64 size;
	unsigned int lbs;
	const char *path;
};

FIXTURE_VARIANT(blk) {
	const char *dev;	/* NULL: a configfs null_blk */
	int irqmode;
};

FIXTURE_VARIANT_ADD(blk, nvme) { .dev = "/dev/nvme0n1" };
FIXTURE_VARIANT_ADD(blk, nullb_softirq) { .irqmode = 1 };
FIXTURE_VARIANT_ADD(blk, nullb_inline) { .irqmode = 0 };

FIXTURE_SETUP(blk)
{
	char name[32];
	int ret;

	self->fd = -1;
	self->r.fd = -1;
	rx_raise_memlock();
	if (variant->dev) {
		self->path = variant->dev;
	} else {
		snprintf(name, sizeof(name), "rxblk%d", getpid());
		ret = rw_nullb_create(&self->nb, name, 256, 512,
				      variant->irqmode, 0, true, NULL);
		if (ret == -EOPNOTSUPP)
			SKIP(return, "no configfs null_blk");
		ASSERT_EQ(0, ret) TH_LOG("null_blk: %s", strerror(-ret));
		self->path = self->nb.dev;
	}
	self->fd = open(self->path, O_RDWR | O_DIRECT);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s is not there", self->path);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", self->path, strerror(errno));
	ASSERT_EQ(0, rw_dev_geometry(self->fd, &self->size, &self->lbs));
	ASSERT_LE(256ULL * SLOT, self->size);
	ASSERT_EQ(0, rx_setup(&self->r, 256, 0, 0));
}

FIXTURE_TEARDOWN(blk)
{
	if (self->r.fd >= 0)
		rx_teardown(&self->r);
	if (self->fd >= 0)
		close(self->fd);
	rw_nullb_destroy(&self->nb);
}

struct op {
	__u64 off;
	__u64 len;
	__u64 seed;
	void *buf;
	void *rbuf;
};

static void ops_free(struct op *ops, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		free(ops[i].buf);
		free(ops[i].rbuf);
	}
}

/* n ops, one per 1 MiB slot from 1 MiB on, random length and offset. */
static int ops_make(struct op *ops, unsigned int n, unsigned int lbs,
		    __u64 max_len)
{
	unsigned int i;

	memset(ops, 0, n * sizeof(*ops));
	for (i = 0; i < n; i++) {
		__u64 blocks = max_len / lbs;

		ops[i].len = lbs * (1 + rw_rnd() % blocks);
		ops[i].off = (__u64)(i + 1) * SLOT +
			     lbs * (rw_rnd() % ((SLOT - ops[i].len) / lbs + 1));
		ops[i].seed = rw_rnd();
		ops[i].buf = rw_alloc(ops[i].len);
		ops[i].rbuf = rw_alloc(ops[i].len);
		if (!ops[i].buf || !ops[i].rbuf)
			return -ENOMEM;
		rw_fill(ops[i].buf, ops[i].len, ops[i].seed);
		memset(ops[i].rbuf, 0xee, ops[i].len);
	}
	return 0;
}

static void integrity(struct __test_metadata *_metadata,
		      FIXTURE_DATA(blk) *self, unsigned int qd,
		      unsigned int rounds)
{
	struct op *ops = calloc(qd, sizeof(*ops));
	__s64 *st = calloc(qd, sizeof(*st));
	unsigned int round, i;

	ASSERT_NE(NULL, ops);
	ASSERT_NE(NULL, st);
	for (round = 0; round < rounds; round++) {
		/* The debug lane moves a quarter of the data, in fewer rounds. */
		ASSERT_EQ(0, ops_make(ops, qd, self->lbs,
				      rx_lane_n(SLOT, SLOT / 4)));
		for (i = 0; i < qd; i++)
			rw_push(&self->r, RXRING_OP_WRITE, self->fd, ops[i].buf,
				ops[i].len, ops[i].off, i);
		ASSERT_EQ(0, rw_run(&self->r, qd, 0, st)) TH_LOG("%s", rx_why);
		for (i = 0; i < qd; i++)
			ASSERT_EQ((__s64)ops[i].len, st[i])
				TH_LOG("qd %u write %u", qd, i);
		for (i = 0; i < qd; i++)
			rw_push(&self->r, RXRING_OP_READ, self->fd, ops[i].rbuf,
				ops[i].len, ops[i].off, 1000 + i);
		ASSERT_EQ(0, rw_run(&self->r, qd, 1000, st))
			TH_LOG("%s", rx_why);
		for (i = 0; i < qd; i++) {
			ASSERT_EQ((__s64)ops[i].len, st[i])
				TH_LOG("qd %u read %u", qd, i);
			ASSERT_EQ(0, memcmp(ops[i].buf, ops[i].rbuf,
					    ops[i].len))
				TH_LOG("qd %u op %u: ring read differs", qd, i);
			memset(ops[i].rbuf, 0x11, ops[i].len);
			ASSERT_EQ((ssize_t)ops[i].len,
				  pread(self->fd, ops[i].rbuf, ops[i].len,
					(off_t)ops[i].off));
			ASSERT_EQ(0, memcmp(ops[i].buf, ops[i].rbuf,
					    ops[i].len))
				TH_LOG("qd %u op %u: pread differs", qd, i);
		}
		ops_free(ops, qd);
	}
	free(ops);
	free(st);
}

TEST_F_TIMEOUT(blk, integrity_qd1, 120)
{
	integrity(_metadata, self, 1, rx_lane_n(24, 4));
}

TEST_F_TIMEOUT(blk, integrity_qd32, 120)
{
	integrity(_metadata, self, 32, rx_lane_n(3, 1));
}

TEST_F_TIMEOUT(blk, integrity_qd128, 180)
{
	integrity(_metadata, self, 128, rx_lane_n(2, 1));
}

/* Reads of old data and writes of new data in the same batch. */
TEST_F_TIMEOUT(blk, mixed_batch, 120)
{
	enum { N = 64 };
	struct op ops[N];
	__s64 st[N];
	unsigned int i;

	ASSERT_EQ(0, ops_make(ops, N, self->lbs, 256 * 1024));
	for (i = 0; i < N; i++)
		ASSERT_EQ((ssize_t)ops[i].len,
			  pwrite(self->fd, ops[i].buf, ops[i].len,
				 (off_t)ops[i].off));
	/* Even slots: read back; odd slots: overwrite. */
	for (i = 0; i < N; i++) {
		if (i & 1) {
			ops[i].seed = rw_rnd();
			rw_fill(ops[i].buf, ops[i].len, ops[i].seed);
			rw_push(&self->r, RXRING_OP_WRITE, self->fd, ops[i].buf,
				ops[i].len, ops[i].off, i);
		} else {
			rw_push(&self->r, RXRING_OP_READ, self->fd, ops[i].rbuf,
				ops[i].len, ops[i].off, i);
		}
	}
	ASSERT_EQ(0, rw_run(&self->r, N, 0, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < N; i++) {
		ASSERT_EQ((__s64)ops[i].len, st[i]) TH_LOG("op %u", i);
		if (!(i & 1)) {
			ASSERT_EQ(0, memcmp(ops[i].buf, ops[i].rbuf,
					    ops[i].len));
		} else {
			ASSERT_EQ((ssize_t)ops[i].len,
				  pread(self->fd, ops[i].rbuf, ops[i].len,
					(off_t)ops[i].off));
			ASSERT_EQ(0, memcmp(ops[i].buf, ops[i].rbuf,
					    ops[i].len));
		}
	}
	ops_free(ops, N);
}

/* Split len (a multiple of lbs) into nr iovecs over buf. */
static unsigned int split(struct iovec *iov, unsigned int max, char *buf,
			  __u64 len, unsigned int lbs)
{
	unsigned int n = 0;

	while (len && n < max) {
		__u64 blocks = len / lbs, take;

		take = n + 1 == max ? blocks : 1 + rw_rnd() % blocks;
		iov[n].iov_base = buf;
		iov[n].iov_len = take * lbs;
		buf += take * lbs;
		len -= take * lbs;
		n++;
	}
	return n;
}

TEST_F_TIMEOUT(blk, vectored, 120)
{
	enum { N = 16, MAXV = 24 };
	struct iovec wv[N][MAXV], rv[N][MAXV];
	struct op ops[N];
	__s64 st[N];
	unsigned int i, nw[N], nr[N];

	ASSERT_EQ(0, ops_make(ops, N, self->lbs, SLOT));
	for (i = 0; i < N; i++) {
		nw[i] = split(wv[i], 1 + rw_rnd() % MAXV, ops[i].buf,
			      ops[i].len, self->lbs);
		rw_push(&self->r, RXRING_OP_WRITEV, self->fd, wv[i], nw[i],
			ops[i].off, i);
	}
	ASSERT_EQ(0, rw_run(&self->r, N, 0, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < N; i++) {
		ASSERT_EQ((__s64)ops[i].len, st[i]) TH_LOG("writev %u", i);
		nr[i] = split(rv[i], 1 + rw_rnd() % MAXV, ops[i].rbuf,
			      ops[i].len, self->lbs);
		rw_push(&self->r, RXRING_OP_READV, self->fd, rv[i], nr[i],
			ops[i].off, 100 + i);
	}
	ASSERT_EQ(0, rw_run(&self->r, N, 100, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < N; i++) {
		ASSERT_EQ((__s64)ops[i].len, st[i]) TH_LOG("readv %u", i);
		ASSERT_EQ(0, memcmp(ops[i].buf, ops[i].rbuf, ops[i].len))
			TH_LOG("op %u: %u -> %u iovecs", i, nw[i], nr[i]);
	}
	ops_free(ops, N);
}

/* UIO_MAXIOV iovecs are fine, one more is -EINVAL, none is 0. */
TEST_F(blk, iovec_count)
{
	unsigned int n = 1024, i;
	struct iovec *iov = calloc(n + 1, sizeof(*iov));
	char *buf = rw_alloc((size_t)n * self->lbs);

	ASSERT_NE(NULL, iov);
	ASSERT_NE(NULL, buf);
	for (i = 0; i <= n; i++) {
		iov[i].iov_base = buf + (size_t)(i % n) * self->lbs;
		iov[i].iov_len = self->lbs;
	}
	EXPECT_EQ((__s64)n * self->lbs,
		  rw_one(&self->r, RXRING_OP_READV, self->fd, iov, n, 0));
	EXPECT_EQ(-EINVAL,
		  rw_one(&self->r, RXRING_OP_READV, self->fd, iov, n + 1, 0));
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_READV, self->fd, iov, 0, 0));
	free(iov);
	free(buf);
}

TEST_F(blk, end_of_device)
{
	char *buf = rw_alloc(8192), *ref = rw_alloc(4096);
	__u64 end = self->size;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, ref);
	rw_fill(ref, 4096, 77);
	ASSERT_EQ(4096, pwrite(self->fd, ref, 4096, (off_t)(end - 4096)));
	/* 8 KiB from 4 KiB before the end: 4 KiB. */
	EXPECT_EQ(4096, rw_one(&self->r, RXRING_OP_READ, self->fd, buf, 8192,
			       end - 4096));
	EXPECT_EQ(0, memcmp(buf, ref, 4096));
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_READ, self->fd, buf, 8192,
			    end));
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_READ, self->fd, buf, 4096,
			    end + 4096));
	EXPECT_EQ(-ENOSPC, rw_one(&self->r, RXRING_OP_WRITE, self->fd, buf,
				  4096, end));
	/* A write across the end is short. */
	rw_fill(buf, 8192, 78);
	EXPECT_EQ(4096, rw_one(&self->r, RXRING_OP_WRITE, self->fd, buf,
			       8192, end - 4096));
	memset(ref, 0, 4096);
	ASSERT_EQ(4096, pread(self->fd, ref, 4096, (off_t)(end - 4096)));
	EXPECT_EQ(0, memcmp(buf, ref, 4096));
	free(buf);
	free(ref);
}

/* pread(2)/pwrite(2)'s answer, as a status: the count or -errno. */
static __s64 sys_rw(bool write, int fd, void *buf, __u64 len, __u64 off)
{
	ssize_t n = write ? pwrite(fd, buf, (size_t)len, (off_t)off) :
			    pread(fd, buf, (size_t)len, (off_t)off);

	return n < 0 ? -errno : n;
}

/*
 * Where the checks of pread(2)/pwrite(2) on the device meet, the ring
 * answers as they do: a huge length is EFAULT before anything (not
 * clamped first); offset + length past 2^63 is EINVAL (not ENOSPC or 0);
 * a misaligned read at or past the end is 0 (the end comes before the
 * alignment); the same misaligned read before the end is EINVAL.
 */
TEST_F(blk, edges_like_pread)
{
	/*
	 * Mapped 2^39 below the end of user space (47 bits), where nothing
	 * else is (7.x may place mmap(NULL) lower): buf + 2^40 is past it.
	 */
	char *buf = mmap((void *)(0x800000000000ULL - (1ULL << 39)), 8192,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	const struct {
		bool write;
		__u64 len, off;
		unsigned int skew;	/* buffer misalignment */
	} c[] = {
		{ false, 1ULL << 40, 0, 0 },
		{ true, 1ULL << 40, 0, 0 },
		{ false, 8192, (1ULL << 63) - 4096, 0 },
		{ true, 8192, (1ULL << 63) - 4096, 0 },
		{ false, 4096, self->size, 8 },
		{ false, 4096, self->size + 4096, 8 },
		{ false, 4096, 0, 8 },
		{ true, 0, self->size, 0 },
	};
	unsigned int i;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_LT(0x800000000000ULL - (1ULL << 40), (__u64)(uintptr_t)buf);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		char *b = buf + c[i].skew;
		__s64 want = sys_rw(c[i].write, self->fd, b, c[i].len,
				    c[i].off);

		EXPECT_EQ(want, rw_one(&self->r, c[i].write ? RXRING_OP_WRITE :
				       RXRING_OP_READ, self->fd, b, c[i].len,
				       c[i].off))
			TH_LOG("case %u: %s len 0x%llx off 0x%llx", i,
			       c[i].write ? "write" : "read",
			       (unsigned long long)c[i].len,
			       (unsigned long long)c[i].off);
	}
	munmap(buf, 8192);
}

TEST_F(blk, pos_current)
{
	char *a = rw_alloc(8192), *b = rw_alloc(8192);

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	rw_fill(a, 8192, 5);
	ASSERT_EQ(8192, pwrite(self->fd, a, 8192, 1 << 20));
	ASSERT_EQ(1 << 20, lseek(self->fd, 1 << 20, SEEK_SET));
	EXPECT_EQ(4096, rw_one(&self->r, RXRING_OP_READ, self->fd, b, 4096,
			       RXRING_POS_CURRENT));
	EXPECT_EQ(4096, rw_one(&self->r, RXRING_OP_READ, self->fd, b + 4096,
			       4096, RXRING_POS_CURRENT));
	EXPECT_EQ(0, memcmp(a, b, 8192));
	EXPECT_EQ((1 << 20) + 8192, lseek(self->fd, 0, SEEK_CUR));
	/* An explicit offset leaves the position alone. */
	EXPECT_EQ(4096, rw_one(&self->r, RXRING_OP_READ, self->fd, b, 4096,
			       0));
	EXPECT_EQ((1 << 20) + 8192, lseek(self->fd, 0, SEEK_CUR));
	free(a);
	free(b);
}

TEST_F(blk, unaligned_einval)
{
	char *buf = rw_alloc(3 * 4096);
	struct iovec iov[2];
	unsigned int lbs = self->lbs;

	ASSERT_NE(NULL, buf);
	EXPECT_EQ(-EINVAL, rw_one(&self->r, RXRING_OP_READ, self->fd, buf,
				  lbs, 1));
	EXPECT_EQ(-EINVAL, rw_one(&self->r, RXRING_OP_READ, self->fd, buf,
				  lbs + 1, 0));
	EXPECT_EQ(-EINVAL, rw_one(&self->r, RXRING_OP_WRITE, self->fd, buf,
				  lbs - 1, 0));
	EXPECT_EQ(-EINVAL, rw_one(&self->r, RXRING_OP_READ, self->fd, buf + 1,
				  lbs, 0));
	/*
	 * Memory is aligned to the queue's DMA alignment, not to blocks (4
	 * bytes for NVMe, 512 for null_blk): as pwrite(2) and preadv(2).
	 */
	EXPECT_EQ(sys_rw(true, self->fd, buf + 8, lbs, 0),
		  rw_one(&self->r, RXRING_OP_WRITE, self->fd, buf + 8, lbs, 0));
	iov[0].iov_base = buf;
	iov[0].iov_len = lbs;
	iov[1].iov_base = buf + lbs + 4;
	iov[1].iov_len = lbs;
	EXPECT_EQ(preadv(self->fd, iov, 2, 0) < 0 ? -errno : 2 * (__s64)lbs,
		  rw_one(&self->r, RXRING_OP_READV, self->fd, iov, 2, 0));
	iov[1].iov_base = buf + 2 * lbs;
	iov[1].iov_len = lbs / 2;
	EXPECT_EQ(-EINVAL, rw_one(&self->r, RXRING_OP_READV, self->fd, iov, 2,
				  0));
	/* Offsets past 2^63 - 1 are no offsets. */
	EXPECT_EQ(-EINVAL, rw_one(&self->r, RXRING_OP_READ, self->fd, buf,
				  lbs, 1ULL << 63));
	/* Fields READ does not use. */
	{
		struct rxring_sqe sqe;
		__s64 st;

		rw_sqe(&sqe, RXRING_OP_READ, self->fd, buf, lbs, 0, 9);
		sqe.additional1 = 1;
		rx_push(&self->r, &sqe);
		ASSERT_EQ(0, rw_run(&self->r, 1, 9, &st));
		EXPECT_EQ(-EINVAL, st);
		rw_sqe(&sqe, RXRING_OP_READ, self->fd, buf, lbs, 0, 9);
		sqe.syscall_flags = 1;
		rx_push(&self->r, &sqe);
		ASSERT_EQ(0, rw_run(&self->r, 1, 9, &st));
		EXPECT_EQ(-EINVAL, st);
	}
	/* The same aligned request works. */
	EXPECT_EQ((__s64)lbs, rw_one(&self->r, RXRING_OP_READ, self->fd, buf,
				     lbs, lbs));
	free(buf);
}

TEST_F(blk, unmapped_efault)
{
	size_t pg = rx_page();
	char *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *gone = rx_unmapped_page();
	struct iovec iov[2];

	ASSERT_NE(MAP_FAILED, two);
	ASSERT_NE(NULL, gone);
	EXPECT_EQ(-EFAULT, rw_one(&self->r, RXRING_OP_READ, self->fd, gone,
				  4096, 0));
	EXPECT_EQ(-EFAULT, rw_one(&self->r, RXRING_OP_WRITE, self->fd, gone,
				  4096, 0));
	/* Half mapped, larger than one bio's worth of first page. */
	ASSERT_EQ(0, munmap(two + pg, pg));
	EXPECT_EQ(-EFAULT, rw_one(&self->r, RXRING_OP_READ, self->fd, two,
				  2 * pg, 0));
	/* An iovec array that is not mapped, and an iovec that is not. */
	EXPECT_EQ(-EFAULT, rw_one(&self->r, RXRING_OP_READV, self->fd, gone,
				  2, 0));
	iov[0].iov_base = two;
	iov[0].iov_len = pg;
	iov[1].iov_base = gone;
	iov[1].iov_len = pg;
	EXPECT_EQ(-EFAULT, rw_one(&self->r, RXRING_OP_READV, self->fd, iov, 2,
				  0));
	/* A kernel address. */
	EXPECT_EQ(-EFAULT, rw_one(&self->r, RXRING_OP_READ, self->fd,
				  (void *)(uintptr_t)0xffffffff81000000ULL,
				  4096, 0));
	EXPECT_EQ(4096, rw_one(&self->r, RXRING_OP_READ, self->fd, two, 4096,
			       0));
	munmap(two, pg);
}

TEST_F(blk, bad_fd_ebadf)
{
	char *buf = rw_alloc(4096);
	int rd, wr, closed;

	ASSERT_NE(NULL, buf);
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_READ, -1, buf, 4096, 0));
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_READ, 100000, buf, 4096,
				 0));
	{
		struct rxring_sqe sqe;
		__s64 st;

		rw_sqe(&sqe, RXRING_OP_READ, 0, buf, 4096, 0, 3);
		sqe.fd = 1ULL << 32;
		rx_push(&self->r, &sqe);
		ASSERT_EQ(0, rw_run(&self->r, 1, 3, &st));
		EXPECT_EQ(-EBADF, st);
	}
	closed = dup(self->fd);
	ASSERT_LE(0, closed);
	close(closed);
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_READ, closed, buf, 4096,
				 0));
	rd = open(self->path, O_RDONLY | O_DIRECT);
	wr = open(self->path, O_WRONLY | O_DIRECT);
	ASSERT_LE(0, rd);
	ASSERT_LE(0, wr);
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_WRITE, rd, buf, 4096, 0));
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_WRITEV, rd, buf, 0, 0));
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_READ, wr, buf, 4096, 0));
	EXPECT_EQ(4096, rw_one(&self->r, RXRING_OP_READ, rd, buf, 4096, 0));
	EXPECT_EQ(4096, rw_one(&self->r, RXRING_OP_WRITE, wr, buf, 4096, 0));
	close(rd);
	close(wr);
	free(buf);
}

TEST_F(blk, zero_length)
{
	char *buf = rw_alloc(4096);

	ASSERT_NE(NULL, buf);
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_READ, self->fd, buf, 0, 0));
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_WRITE, self->fd, buf, 0, 0));
	/* Zero bytes need no alignment and no buffer. */
	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_READ, self->fd, NULL, 0, 1));
	free(buf);
}

TEST_F(blk, fsync)
{
	struct rxring_sqe sqe;
	__s64 st;

	EXPECT_EQ(0, rw_one(&self->r, RXRING_OP_FSYNC, self->fd, NULL, 0, 0));
	rw_sqe(&sqe, RXRING_OP_FSYNC, self->fd, NULL, 0, 0, 1);
	sqe.syscall_flags = RXRING_FSYNC_DATASYNC;
	rx_push(&self->r, &sqe);
	ASSERT_EQ(0, rw_run(&self->r, 1, 1, &st));
	EXPECT_EQ(0, st);
	rw_sqe(&sqe, RXRING_OP_FSYNC, self->fd, NULL, 0, 0, 1);
	sqe.syscall_flags = 2;
	rx_push(&self->r, &sqe);
	ASSERT_EQ(0, rw_run(&self->r, 1, 1, &st));
	EXPECT_EQ(-EINVAL, st);
	EXPECT_EQ(-EINVAL, rw_one(&self->r, RXRING_OP_FSYNC, self->fd, NULL,
				  1, 0));
	EXPECT_EQ(-EBADF, rw_one(&self->r, RXRING_OP_FSYNC, -1, NULL, 0, 0));
}

/* Bad blocks on a null_blk: -EIO, once per request. */
TEST(device_error_eio)
{
	struct rw_nullb nb;
	char name[32], *buf = rw_alloc(SLOT);
	struct rx r;
	int fd, ret;

	ASSERT_NE(NULL, buf);
	snprintf(name, sizeof(name), "rxbad%d", getpid());
	/* Sectors 2048..2055 (1 MiB .. 1 MiB + 4 KiB) are bad. */
	ret = rw_nullb_create(&nb, name, 64, 512, 1, 0, true, "+2048-2055");
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret) TH_LOG("null_blk: %s", strerror(-ret));
	fd = open(nb.dev, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&r, 64, 0, 0));
	EXPECT_EQ(4096, rw_one(&r, RXRING_OP_READ, fd, buf, 4096, 0));
	EXPECT_EQ(-EIO, rw_one(&r, RXRING_OP_READ, fd, buf, 4096, 1 << 20));
	EXPECT_EQ(-EIO, rw_one(&r, RXRING_OP_WRITE, fd, buf, 512,
			       (1 << 20) + 3584));
	/* 1 MiB around the bad range: several bios, one -EIO. */
	EXPECT_EQ(-EIO, rw_one(&r, RXRING_OP_READ, fd, buf, SLOT,
			       (1 << 20) - SLOT / 2));
	EXPECT_EQ(SLOT, rw_one(&r, RXRING_OP_READ, fd, buf, SLOT, 4 << 20));
	rx_teardown(&r);
	close(fd);
	rw_nullb_destroy(&nb);
	free(buf);
}

/* The guest's /dev/nullb0 keeps no data; lengths only, at QD 128. */
TEST(nullb0_qd128)
{
	enum { N = 128 };
	char *buf = rw_alloc((size_t)N * 4096);
	__s64 st[N];
	unsigned int i, round;
	struct rx r;
	int fd;

	ASSERT_NE(NULL, buf);
	fd = open("/dev/nullb0", O_RDWR | O_DIRECT);
	if (fd < 0)
		SKIP(return, "/dev/nullb0: %s", strerror(errno));
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&r, N, 0, 0));
	for (round = 0; round < rx_lane_n(8, 2); round++) {
		for (i = 0; i < N; i++)
			rw_push(&r, (i + round) & 1 ? RXRING_OP_READ :
				RXRING_OP_WRITE, fd, buf + (size_t)i * 4096,
				4096, (rw_rnd() % 100000) * 4096, i);
		ASSERT_EQ(0, rw_run(&r, N, 0, st)) TH_LOG("%s", rx_why);
		for (i = 0; i < N; i++)
			ASSERT_EQ(4096, st[i]) TH_LOG("op %u", i);
	}
	rx_teardown(&r);
	close(fd);
	free(buf);
}

TEST_HARNESS_MAIN
