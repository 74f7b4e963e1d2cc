// SPDX-License-Identifier: GPL-2.0
/*
 * fixed: registered files and buffers (RXRING_IOC_REGISTER_FILES,
 * RXRING_IOC_REGISTER_BUFFERS, RXRING_RW_FIXED_FILE, RXRING_RW_FIXED_BUF):
 *  - the ioctls' argument checks: flags and reserved fields, addr/nr
 *    mismatch, a bad fd, an rxring fd, a second table (EBUSY), removing a
 *    table that is not there (ENXIO), a zero-length buffer, PROBE and
 *    the feature bit;
 *  - data through a registered file and buffer on a memory-backed
 *    null_blk opened O_DIRECT (inline and softirq completions) and on the
 *    NVMe namespace, at queue depth 32, compared with pread();
 *  - index errors: a file index past the table or an empty slot (EBADF),
 *    a buffer index past the table (EINVAL), a range outside the buffer
 *    (EFAULT), FIXED_BUF on READV (EINVAL);
 *  - misaligned requests, the end of the device, the file position, and
 *    a multi-page buffer that starts inside a page;
 *  - a regular file (sync path) and a pipe that makes the read wait
 *    (deferred path), both with a registered file and buffer;
 *  - removal refused (EBUSY) while an operation is in flight (a FUTEX
 *    wait), allowed after; registering again afterwards.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <rxring.h>

#include "harness.h"
#include "rwutil.h"

#define BUFS	32
#define BS	4096

static int reg(int fd, unsigned long cmd, const void *addr, __u32 nr,
	       __u32 flags)
{
	struct rxring_register r;

	memset(&r, 0, sizeof(r));
	r.addr = (__u64)(uintptr_t)addr;
	r.nr = nr;
	r.flags = flags;
	return rx_ioctl(fd, cmd, &r);
}

/* An io_uring instance, or -1 where the kernel has none. */
static int io_uring_fd(void)
{
	/* struct io_uring_params: 120 bytes, all inputs 0. */
	__u64 params[15] = { 0 };

	return syscall(425 /* io_uring_setup */, 4, params);
}

/* One READ or WRITE SQE with the fixed flags. */
static void fx_push(struct rx *r, __u8 op, unsigned int fidx, void *addr,
		    __u64 len, __u64 off, int buf, __u64 user_data)
{
	struct rxring_sqe sqe;

	rw_sqe(&sqe, op, 0, addr, len, off, user_data);
	sqe.fd = fidx;
	sqe.syscall_flags = RXRING_RW_FIXED_FILE;
	if (buf >= 0) {
		sqe.syscall_flags |= RXRING_RW_FIXED_BUF;
		sqe.additional1 = (__u64)buf;
	}
	rx_push(r, &sqe);
}

static __s64 fx_one(struct rx *r, __u8 op, unsigned int fidx, void *addr,
		    __u64 len, __u64 off, int buf)
{
	__s64 st;

	fx_push(r, op, fidx, addr, len, off, buf, 77);
	if (rw_run(r, 1, 77, &st)) {
		fprintf(stderr, "# fx_one: %s\n", rx_why);
		return -1000;
	}
	return st;
}

TEST(ioctl_checks)
{
	struct rxring_probe probe;
	struct rxring_register rr;
	struct iovec iov;
	int fd, fds[2], devnull;
	char *buf;

	rx_raise_memlock();
	fd = rx_open();
	ASSERT_LE(0, fd);
	memset(&probe, 0, sizeof(probe));
	ASSERT_EQ(0, rx_probe(fd, &probe));
	ASSERT_NE(0ULL, probe.features & RXRING_FEAT_FIXED);
	ASSERT_EQ(RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF,
		  probe.ops[RXRING_OP_READ].syscall_flags);
	ASSERT_EQ(RXRING_RW_FIXED_FILE,
		  probe.ops[RXRING_OP_READV].syscall_flags);

	devnull = open("/dev/null", O_RDWR);
	ASSERT_LE(0, devnull);
	fds[0] = devnull;
	fds[1] = -1;
	/* Flags, reserved fields, addr without nr and the other way. */
	EXPECT_EQ(-EINVAL, reg(fd, RXRING_IOC_REGISTER_FILES, fds, 2, 1));
	memset(&rr, 0, sizeof(rr));
	rr.addr = (__u64)(uintptr_t)fds;
	rr.nr = 2;
	rr.__resv[1] = 1;
	EXPECT_EQ(-EINVAL, rx_ioctl(fd, RXRING_IOC_REGISTER_FILES, &rr));
	EXPECT_EQ(-EINVAL, reg(fd, RXRING_IOC_REGISTER_FILES, fds, 0, 0));
	EXPECT_EQ(-EINVAL, reg(fd, RXRING_IOC_REGISTER_FILES, NULL, 2, 0));
	/* Nothing registered yet. */
	EXPECT_EQ(-ENXIO, reg(fd, RXRING_IOC_REGISTER_FILES, NULL, 0, 0));
	EXPECT_EQ(-ENXIO, reg(fd, RXRING_IOC_REGISTER_BUFFERS, NULL, 0, 0));
	/* A closed fd, an rxring instance (its own fd). */
	fds[1] = 1000;
	EXPECT_EQ(-EBADF, reg(fd, RXRING_IOC_REGISTER_FILES, fds, 2, 0));
	fds[1] = fd;
	EXPECT_EQ(-EBADF, reg(fd, RXRING_IOC_REGISTER_FILES, fds, 2, 0));
	/*
	 * Files that can hold this instance's fd (a unix socket in flight,
	 * an io_uring's table): EBADF, or a cycle could keep both alive.
	 */
	fds[1] = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_LE(0, fds[1]);
	EXPECT_EQ(-EBADF, reg(fd, RXRING_IOC_REGISTER_FILES, fds, 2, 0));
	close(fds[1]);
	fds[1] = io_uring_fd();
	if (fds[1] >= 0) {
		EXPECT_EQ(-EBADF,
			  reg(fd, RXRING_IOC_REGISTER_FILES, fds, 2, 0));
		close(fds[1]);
	}
	/* Other sockets are fine. */
	fds[1] = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fds[1]);
	EXPECT_EQ(0, reg(fd, RXRING_IOC_REGISTER_FILES, fds, 2, 0));
	EXPECT_EQ(0, reg(fd, RXRING_IOC_REGISTER_FILES, NULL, 0, 0));
	close(fds[1]);
	fds[1] = -1;
	ASSERT_EQ(0, reg(fd, RXRING_IOC_REGISTER_FILES, fds, 2, 0));
	EXPECT_EQ(-EBUSY, reg(fd, RXRING_IOC_REGISTER_FILES, fds, 2, 0));
	EXPECT_EQ(0, reg(fd, RXRING_IOC_REGISTER_FILES, NULL, 0, 0));
	EXPECT_EQ(-ENXIO, reg(fd, RXRING_IOC_REGISTER_FILES, NULL, 0, 0));
	EXPECT_EQ(0, reg(fd, RXRING_IOC_REGISTER_FILES, fds, 2, 0));

	/* Buffers: zero length, unmapped memory, then a good one. */
	buf = rw_alloc(BS);
	ASSERT_NE(NULL, buf);
	iov.iov_base = buf;
	iov.iov_len = 0;
	EXPECT_EQ(-EINVAL, reg(fd, RXRING_IOC_REGISTER_BUFFERS, &iov, 1, 0));
	iov.iov_base = rx_unmapped_page();
	iov.iov_len = BS;
	EXPECT_EQ(-EFAULT, reg(fd, RXRING_IOC_REGISTER_BUFFERS, &iov, 1, 0));
	iov.iov_base = buf;
	ASSERT_EQ(0, reg(fd, RXRING_IOC_REGISTER_BUFFERS, &iov, 1, 0));
	EXPECT_EQ(-EBUSY, reg(fd, RXRING_IOC_REGISTER_BUFFERS, &iov, 1, 0));
	EXPECT_EQ(0, reg(fd, RXRING_IOC_REGISTER_BUFFERS, NULL, 0, 0));
	/* Tables left registered go with the instance. */
	ASSERT_EQ(0, reg(fd, RXRING_IOC_REGISTER_BUFFERS, &iov, 1, 0));
	close(fd);
	close(devnull);
	free(buf);
}

FIXTURE(blk) {
	struct rx r;
	struct rw_nullb nb;
	int fd;
	__u64 size;
	unsigned int lbs;
	char *bufs;
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
	const char *path = variant->dev;
	struct iovec iov[BUFS];
	char name[32];
	int ret, i;

	self->fd = -1;
	self->r.fd = -1;
	self->bufs = NULL;
	rx_raise_memlock();
	if (!path) {
		snprintf(name, sizeof(name), "rxfx%d", getpid());
		ret = rw_nullb_create(&self->nb, name, 64, 512,
				      variant->irqmode, 0, true, NULL);
		if (ret == -EOPNOTSUPP)
			SKIP(return, "no configfs null_blk");
		ASSERT_EQ(0, ret) TH_LOG("null_blk: %s", strerror(-ret));
		path = self->nb.dev;
	}
	self->fd = open(path, O_RDWR | O_DIRECT);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s is not there", path);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, rw_dev_geometry(self->fd, &self->size, &self->lbs));
	ASSERT_EQ(0, rx_setup(&self->r, 64, 0, 0));
	/* One big buffer, registered as BUFS buffers of BS bytes. */
	self->bufs = rw_alloc(BUFS * BS);
	ASSERT_NE(NULL, self->bufs);
	for (i = 0; i < BUFS; i++) {
		iov[i].iov_base = self->bufs + i * BS;
		iov[i].iov_len = BS;
	}
	ASSERT_EQ(0, reg(self->r.fd, RXRING_IOC_REGISTER_BUFFERS, iov, BUFS,
			 0));
	ASSERT_EQ(0, reg(self->r.fd, RXRING_IOC_REGISTER_FILES, &self->fd, 1,
			 0));
}

FIXTURE_TEARDOWN(blk)
{
	rx_teardown(&self->r);
	if (self->fd >= 0)
		close(self->fd);
	free(self->bufs);
	rw_nullb_destroy(&self->nb);
}

/* Write patterns through registered buffers, read them back both ways. */
TEST_F(blk, io)
{
	__u64 blocks = self->size / BS, off[BUFS];
	__s64 st[BUFS];
	char *check;
	int i, round;

	check = rw_alloc(BS);
	ASSERT_NE(NULL, check);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < BUFS; i++) {
			/* Distinct random blocks. */
			off[i] = ((rw_rnd() % (blocks / BUFS)) * BUFS + i) *
				 BS;
			rw_fill(self->bufs + i * BS, BS, off[i] + round);
			fx_push(&self->r, RXRING_OP_WRITE, 0,
				self->bufs + i * BS, BS, off[i], i, i);
		}
		ASSERT_EQ(0, rw_run(&self->r, BUFS, 0, st)) TH_LOG("%s", rx_why);
		for (i = 0; i < BUFS; i++)
			ASSERT_EQ(BS, st[i]) TH_LOG("write %d", i);
		memset(self->bufs, 0, BUFS * BS);
		for (i = 0; i < BUFS; i++)
			fx_push(&self->r, RXRING_OP_READ, 0,
				self->bufs + i * BS, BS, off[i], i, i);
		ASSERT_EQ(0, rw_run(&self->r, BUFS, 0, st)) TH_LOG("%s", rx_why);
		for (i = 0; i < BUFS; i++) {
			ASSERT_EQ(BS, st[i]) TH_LOG("read %d", i);
			ASSERT_EQ(BS, pread(self->fd, check, BS, off[i]));
			ASSERT_EQ(0, memcmp(check, self->bufs + i * BS, BS));
			rw_fill(check, BS, off[i] + round);
			ASSERT_EQ(0, memcmp(check, self->bufs + i * BS, BS))
				TH_LOG("round %d buffer %d", round, i);
		}
	}
	/* A part of a buffer, at an offset inside it. */
	rw_fill(self->bufs + 3 * BS, BS, 99);
	ASSERT_EQ(2048, fx_one(&self->r, RXRING_OP_WRITE, 0,
			       self->bufs + 3 * BS + 1024, 2048, 8192, 3));
	ASSERT_EQ(2048, pread(self->fd, check, 2048, 8192));
	ASSERT_EQ(0, memcmp(check, self->bufs + 3 * BS + 1024, 2048));
	/* A registered file with a plain buffer. */
	ASSERT_EQ(BS, fx_one(&self->r, RXRING_OP_READ, 0, check, BS, 0, -1));
	free(check);
}

TEST_F(blk, index_errors)
{
	struct rxring_sqe sqe;
	struct iovec iov = { self->bufs, BS };
	__s64 st;

	/* File index past the table; buffer index past the table. */
	EXPECT_EQ(-EBADF, fx_one(&self->r, RXRING_OP_READ, 1, self->bufs, BS,
				 0, 0));
	EXPECT_EQ(-EINVAL, fx_one(&self->r, RXRING_OP_READ, 0, self->bufs, BS,
				  0, BUFS));
	/* Outside the buffer: before it, across its end. */
	EXPECT_EQ(-EFAULT, fx_one(&self->r, RXRING_OP_READ, 0,
				  self->bufs + BS - 512, BS, 0, 0));
	EXPECT_EQ(-EFAULT, fx_one(&self->r, RXRING_OP_READ, 0,
				  self->bufs + BS, BS, 0, 0));
	/* READV takes FIXED_FILE but not FIXED_BUF. */
	rw_sqe(&sqe, RXRING_OP_READV, 0, &iov, 1, 0, 5);
	sqe.syscall_flags = RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF;
	rx_push(&self->r, &sqe);
	ASSERT_EQ(0, rw_run(&self->r, 1, 5, &st)) TH_LOG("%s", rx_why);
	EXPECT_EQ(-EINVAL, st);
	rw_sqe(&sqe, RXRING_OP_READV, 0, &iov, 1, 0, 5);
	sqe.syscall_flags = RXRING_RW_FIXED_FILE;
	rx_push(&self->r, &sqe);
	ASSERT_EQ(0, rw_run(&self->r, 1, 5, &st)) TH_LOG("%s", rx_why);
	EXPECT_EQ(BS, st);
	/* additional1 without FIXED_BUF. */
	rw_sqe(&sqe, RXRING_OP_READ, self->fd, self->bufs, BS, 0, 5);
	sqe.additional1 = 1;
	rx_push(&self->r, &sqe);
	ASSERT_EQ(0, rw_run(&self->r, 1, 5, &st)) TH_LOG("%s", rx_why);
	EXPECT_EQ(-EINVAL, st);
	/* FSYNC by index. */
	rw_sqe(&sqe, RXRING_OP_FSYNC, 0, NULL, 0, 0, 5);
	sqe.syscall_flags = RXRING_RW_FIXED_FILE;
	rx_push(&self->r, &sqe);
	ASSERT_EQ(0, rw_run(&self->r, 1, 5, &st)) TH_LOG("%s", rx_why);
	EXPECT_EQ(0, st);
}

/*
 * The edges of the registered-buffer block path: misaligned address,
 * length and offset (EINVAL), the end of the device (a read there is
 * empty, one across it is clamped, a write there ENOSPC), the file
 * position (RXRING_POS_CURRENT), and a buffer of several pages that does
 * not start on a page, read from the middle of one page into the next.
 */
TEST_F(blk, edges)
{
	unsigned int lbs = self->lbs, sh = lbs < BS ? lbs : 0;
	char *big = self->bufs + sh, *check;
	struct iovec iov = { big, 3 * BS };
	__u64 base = 64 * 1024;

	check = rw_alloc(3 * BS);
	ASSERT_NE(NULL, check);
	if (lbs > 1) {
		EXPECT_EQ(-EINVAL, fx_one(&self->r, RXRING_OP_READ, 0,
					  self->bufs + 1, lbs, 0, 0));
		EXPECT_EQ(-EINVAL, fx_one(&self->r, RXRING_OP_READ, 0,
					  self->bufs, lbs - 1, 0, 0));
		EXPECT_EQ(-EINVAL, fx_one(&self->r, RXRING_OP_READ, 0,
					  self->bufs, lbs, 1, 0));
	}
	EXPECT_EQ(0, fx_one(&self->r, RXRING_OP_READ, 0, self->bufs, BS,
			    self->size, 0));
	if (lbs < BS)
		EXPECT_EQ(lbs, fx_one(&self->r, RXRING_OP_READ, 0, self->bufs,
				      BS, self->size - lbs, 0));
	EXPECT_EQ(-ENOSPC, fx_one(&self->r, RXRING_OP_WRITE, 0, self->bufs,
				  BS, self->size, 0));

	/* The file position: used, then advanced by the bytes moved. */
	ASSERT_EQ(8192, lseek(self->fd, 8192, SEEK_SET));
	EXPECT_EQ(BS, fx_one(&self->r, RXRING_OP_READ, 0, self->bufs, BS,
			     RXRING_POS_CURRENT, 0));
	EXPECT_EQ(8192 + BS, lseek(self->fd, 0, SEEK_CUR));

	/* One buffer of three pages' length, @sh bytes into a page. */
	ASSERT_EQ(0, reg(self->r.fd, RXRING_IOC_REGISTER_BUFFERS, NULL, 0, 0));
	ASSERT_EQ(0, reg(self->r.fd, RXRING_IOC_REGISTER_BUFFERS, &iov, 1, 0));
	rw_fill(big, 3 * BS, 4242);
	ASSERT_EQ(3 * BS, fx_one(&self->r, RXRING_OP_WRITE, 0, big, 3 * BS,
				 base, 0));
	ASSERT_EQ(3 * BS, pread(self->fd, check, 3 * BS, base));
	ASSERT_EQ(0, memcmp(check, big, 3 * BS));
	memset(big, 0, 3 * BS);
	/* From lbs bytes into the second page, two pages' worth. */
	ASSERT_EQ(2 * BS - lbs, fx_one(&self->r, RXRING_OP_READ, 0,
				       big + BS + lbs, 2 * BS - lbs,
				       base + BS + lbs, 0));
	rw_fill(check, 3 * BS, 4242);
	EXPECT_EQ(0, memcmp(check + BS + lbs, big + BS + lbs, 2 * BS - lbs));
	EXPECT_EQ(0, big[BS + lbs - 1]);
	free(check);
}

/* A regular file and a pipe: the sync and the waiting paths. */
TEST(files)
{
	char path[] = "/tmp/rxfixed-XXXXXX", *buf, *other;
	struct rxring_sqe sqe;
	struct rx_cqe c;
	struct iovec iov;
	struct rx r;
	__s64 st;
	int fds[3], p[2];

	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&r, 8, 0, 0));
	fds[0] = mkstemp(path);
	ASSERT_LE(0, fds[0]);
	unlink(path);
	ASSERT_EQ(0, pipe(p));
	fds[1] = p[0];
	fds[2] = -1;
	ASSERT_EQ(0, reg(r.fd, RXRING_IOC_REGISTER_FILES, fds, 3, 0));
	buf = rw_alloc(2 * BS);
	other = rw_alloc(BS);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, other);
	iov.iov_base = buf;
	iov.iov_len = 2 * BS;
	ASSERT_EQ(0, reg(r.fd, RXRING_IOC_REGISTER_BUFFERS, &iov, 1, 0));

	rw_fill(buf, 2 * BS, 7);
	EXPECT_EQ(2 * BS, fx_one(&r, RXRING_OP_WRITE, 0, buf, 2 * BS, 0, 0));
	EXPECT_EQ(BS, pread(fds[0], other, BS, BS));
	EXPECT_EQ(0, memcmp(other, buf + BS, BS));
	memset(buf, 0, 2 * BS);
	EXPECT_EQ(BS, fx_one(&r, RXRING_OP_READ, 0, buf + 100, BS, BS, 0));
	EXPECT_EQ(0, memcmp(other, buf + 100, BS));
	/* The empty slot. */
	EXPECT_EQ(-EBADF, fx_one(&r, RXRING_OP_READ, 2, buf, BS, 0, 0));

	/* The pipe: the read waits for data, by index, into the buffer. */
	fx_push(&r, RXRING_OP_READ, 1, buf, 5, RXRING_POS_CURRENT, 0, 9);
	rx_publish(&r);
	ASSERT_LE(0, rx_enter(&r, 1, 0, 0, 0, NULL));
	rx_sleep_ms(50);
	EXPECT_EQ(0ULL, rx_cq_ready(&r));
	/* Not while the read is in flight. */
	EXPECT_EQ(-EBUSY, reg(r.fd, RXRING_IOC_REGISTER_FILES, NULL, 0, 0));
	EXPECT_EQ(-EBUSY, reg(r.fd, RXRING_IOC_REGISTER_BUFFERS, NULL, 0, 0));
	ASSERT_EQ(5, write(p[1], "hello", 5));
	ASSERT_EQ(1, rw_reap_wait(&r, &c));
	EXPECT_EQ(9ULL, c.user_data);
	EXPECT_EQ(5, c.status);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(0, reg(r.fd, RXRING_IOC_REGISTER_FILES, NULL, 0, 0));
	EXPECT_EQ(0, reg(r.fd, RXRING_IOC_REGISTER_BUFFERS, NULL, 0, 0));
	/* Gone: by index is EBADF, the buffer EINVAL. */
	EXPECT_EQ(-EBADF, fx_one(&r, RXRING_OP_READ, 0, buf, BS, 0, -1));
	rw_sqe(&sqe, RXRING_OP_READ, fds[0], buf, BS, 0, 3);
	sqe.syscall_flags = RXRING_RW_FIXED_BUF;
	rx_push(&r, &sqe);
	ASSERT_EQ(0, rw_run(&r, 1, 3, &st)) TH_LOG("%s", rx_why);
	EXPECT_EQ(-EINVAL, st);
	/* And again, after removal. */
	EXPECT_EQ(0, reg(r.fd, RXRING_IOC_REGISTER_FILES, fds, 1, 0));
	EXPECT_EQ(BS, fx_one(&r, RXRING_OP_READ, 0, buf, BS, 0, -1));

	rx_teardown(&r);
	close(fds[0]);
	close(p[0]);
	close(p[1]);
	free(buf);
	free(other);
}

TEST_HARNESS_MAIN
