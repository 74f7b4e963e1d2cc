// SPDX-License-Identifier: GPL-2.0
/*
 * iopoll: RXRING_CREATE_IOPOLL, block I/O reaped by polling the device's
 * poll queues (docs/abi.md, "IOPOLL"). The guest boots the NVMe driver with
 * poll_queues=1; null_blk devices made through configfs get one poll queue
 * unless told otherwise.
 *  - PROBE and CREATE report it;
 *  - what cannot be polled completes with -EOPNOTSUPP: a regular file, a
 *    pipe, a block device without O_DIRECT, one without poll queues; other
 *    opcodes work as without IOPOLL;
 *  - NVMe: data written and read back through polled I/O, at queue depth
 *    32 and with registered files and buffers; the NVMe I/O queues raise
 *    no interrupt for polled reads (while plain ones do, one each);
 *  - null_blk with slow interrupt-mode completions (0.5 s): polled I/O is
 *    done long before, data checked; a request too big for one polled bio
 *    still completes (by interrupt); more requests in flight than the
 *    device's queue depth all complete;
 *  - ENTER with min_complete 0 polls once; librxring's peek enters for it;
 *  - with SQPOLL the kernel thread reaps: completions come without ENTER;
 *  - ext4 on such a null_blk: O_DIRECT reads and writes of a file are
 *    polled through ext4's ->iopoll;
 *  - teardown with polled I/O in flight: close right after submitting,
 *    and kill -9 of the process, neither hangs.
 */
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <rxring.h>

#include "harness.h"
#include "rwutil.h"

#define NVME_DEV	"/dev/nvme0n1"
/* A region of the NVMe namespace no other test writes to. */
#define NVME_BASE	(192ULL << 20)
#define BS		4096

static int setup(struct rx *r, __u32 sq, __u32 flags)
{
	return rx_setup(r, sq, 0, flags | RXRING_CREATE_IOPOLL);
}

static int reg_files(int fd, const int *fds, __u32 nr)
{
	struct rxring_register rr;

	memset(&rr, 0, sizeof(rr));
	rr.addr = (__u64)(uintptr_t)fds;
	rr.nr = nr;
	return rx_ioctl(fd, RXRING_IOC_REGISTER_FILES, &rr);
}

static int reg_bufs(int fd, const struct iovec *iov, __u32 nr)
{
	struct rxring_register rr;

	memset(&rr, 0, sizeof(rr));
	rr.addr = (__u64)(uintptr_t)iov;
	rr.nr = nr;
	return rx_ioctl(fd, RXRING_IOC_REGISTER_BUFFERS, &rr);
}

/* /sys/block/NAME/queue/io_poll of a /dev/NAME: 1, 0, or -errno. */
static int io_poll(const char *dev)
{
	char path[128], val[16];
	int ret;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/io_poll", dev + 5);
	ret = rw_read_str(path, val, sizeof(val));
	return ret ? ret : atoi(val);
}

/* Interrupts of the NVMe I/O queues (nvme0q1, ...) so far. */
static long long nvme_io_irqs(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	char line[1024];
	long long sum = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "nvme0q"), *q;
		long i;

		if (!p || p[6] == '0')
			continue;
		q = strchr(line, ':');
		if (!q)
			continue;
		q++;
		for (i = 0; i < ncpu; i++)
			sum += strtoll(q, &q, 10);
	}
	fclose(f);
	return sum;
}

/* A memory-backed null_blk through configfs, with poll_queues set. */
static int nullb_make(struct rw_nullb *nb, const char *name, int poll_queues,
		      int irqmode, unsigned long completion_nsec,
		      unsigned int queue_depth)
{
	char path[224], val[32];
	struct {
		const char *attr;
		unsigned long val;
	} attrs[] = {
		{ "size", 64 }, { "blocksize", 512 }, { "memory_backed", 1 },
		{ "irqmode", (unsigned long)irqmode },
		{ "completion_nsec", completion_nsec },
		{ "poll_queues", (unsigned long)poll_queues },
		{ "hw_queue_depth", queue_depth ? queue_depth : 64 },
	};
	unsigned int i;
	int ret, tries;

	memset(nb, 0, sizeof(*nb));
	if (access(RW_NULLB_CFG, F_OK))
		return -EOPNOTSUPP;
	snprintf(nb->cfg, sizeof(nb->cfg), "%s/%s", RW_NULLB_CFG, name);
	snprintf(nb->dev, sizeof(nb->dev), "/dev/%s", name);
	if (mkdir(nb->cfg, 0755))
		return -errno;
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), "%s/%s", nb->cfg, attrs[i].attr);
		snprintf(val, sizeof(val), "%lu", attrs[i].val);
		ret = rw_write_str(path, val);
		if (ret)
			goto fail;
	}
	snprintf(path, sizeof(path), "%s/power", nb->cfg);
	ret = rw_write_str(path, "1");
	if (ret)
		goto fail;
	nb->powered = true;
	for (tries = 0; tries < 100; tries++) {
		struct stat st;

		if (!stat(nb->dev, &st) && S_ISBLK(st.st_mode))
			return 0;
		rx_sleep_ms(10);
	}
	ret = -ENODEV;
fail:
	rw_nullb_destroy(nb);
	return ret;
}

/* n I/Os of BS bytes at off + i * stride, queued at once; statuses. */
static int run_batch(struct rx *r, __u8 op, int fd, char *buf,
		     unsigned int n, __u64 off, __u64 stride, __s64 *st)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rw_push(r, op, fd, buf + (size_t)i * BS, BS, off + i * stride,
			i);
	return rw_run(r, n, 0, st);
}

/* Every test gets two minutes: the guest is emulated and may be slow. */
FIXTURE(iopoll) {
	int unused;
};

FIXTURE_SETUP(iopoll)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(iopoll)
{
}

TEST_F_TIMEOUT(iopoll, probe_and_create, 120)
{
	struct rxring_probe p;
	struct rx r;
	int fd = rx_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rx_probe(fd, &p));
	close(fd);
	EXPECT_NE(0U, p.create_flags & RXRING_CREATE_IOPOLL);
	EXPECT_NE(0ULL, p.features & RXRING_FEAT_IOPOLL);
	ASSERT_EQ(0, setup(&r, 8, 0));
	EXPECT_EQ(RXRING_CREATE_IOPOLL, r.cr.flags);
	EXPECT_NE(0ULL, r.cr.features & RXRING_FEAT_IOPOLL);
	/* NOPs as usual; an ENTER that waits sleeps as usual. */
	EXPECT_EQ(0, rx_submit_nops(&r, 4, 10, 4, NULL) < 4);
	EXPECT_EQ(0, rx_reap_nops(&r, 10, 4)) TH_LOG("%s", rx_why);
	EXPECT_EQ(-ETIME, rx_enter(&r, 0, 1, RXRING_ENTER_TIMEOUT,
				   20 * RX_MSEC, NULL));
	rx_teardown(&r);
	ASSERT_EQ(0, setup(&r, 8, RXRING_CREATE_INDIRECT |
			   RXRING_CREATE_SQPOLL));
	rx_teardown(&r);
}

TEST_F_TIMEOUT(iopoll, not_pollable, 120)
{
	char path[] = "/tmp/rxiopoll-XXXXXX";
	char *buf = rw_alloc(BS);
	struct rw_nullb nb;
	int tmp, pfd[2], blk, nopoll = -1, ret;
	struct rx r;

	ASSERT_NE(NULL, buf);
	tmp = mkstemp(path);
	ASSERT_LE(0, tmp);
	unlink(path);
	ASSERT_EQ(0, pipe(pfd));
	blk = open("/dev/nullb0", O_RDWR);
	ASSERT_LE(0, blk);
	ret = nullb_make(&nb, "rxiop0", 0, 0, 0, 0);
	if (ret != -EOPNOTSUPP) {
		ASSERT_EQ(0, ret);
		EXPECT_EQ(0, io_poll(nb.dev));
		nopoll = open(nb.dev, O_RDWR | O_DIRECT);
		ASSERT_LE(0, nopoll);
	}
	ASSERT_EQ(0, setup(&r, 8, 0));
	EXPECT_EQ(-EOPNOTSUPP, rw_one(&r, RXRING_OP_WRITE, tmp, buf, BS, 0));
	EXPECT_EQ(-EOPNOTSUPP, rw_one(&r, RXRING_OP_READ, tmp, buf, BS, 0));
	EXPECT_EQ(-EOPNOTSUPP, rw_one(&r, RXRING_OP_READ, pfd[0], buf, BS,
				      RXRING_POS_CURRENT));
	/* A block device, but not O_DIRECT. */
	EXPECT_EQ(-EOPNOTSUPP, rw_one(&r, RXRING_OP_READ, blk, buf, BS, 0));
	if (nopoll >= 0) {
		/* O_DIRECT, but no poll queues. */
		EXPECT_EQ(-EOPNOTSUPP, rw_one(&r, RXRING_OP_READ, nopoll, buf,
					      BS, 0));
		EXPECT_EQ(-EOPNOTSUPP, rw_one(&r, RXRING_OP_WRITE, nopoll,
					      buf, BS, 0));
	}
	/* The fd checks come first. */
	EXPECT_EQ(-EBADF, rw_one(&r, RXRING_OP_READ, 1000, buf, BS, 0));
	/* What is not a read or write works as usual. */
	EXPECT_EQ(0, rw_one(&r, RXRING_OP_FSYNC, tmp, NULL, 0, 0));
	EXPECT_EQ(0, rw_one(&r, RXRING_OP_NOP, 0, NULL, 0, 0));
	rx_teardown(&r);
	if (nopoll >= 0)
		close(nopoll);
	rw_nullb_destroy(&nb);
	close(blk);
	close(tmp);
	close(pfd[0]);
	close(pfd[1]);
	free(buf);
}

static int open_nvme(struct __test_metadata *_metadata)
{
	int ret = io_poll(NVME_DEV);

	if (ret != 1)
		return -1;
	return open(NVME_DEV, O_RDWR | O_DIRECT);
}

TEST_F_TIMEOUT(iopoll, nvme_data, 120)
{
	enum { N = 32 };
	char *w = rw_alloc(N * BS), *rd = rw_alloc(N * BS), *chk;
	struct iovec iov[2];
	__s64 st[N];
	unsigned int i;
	struct rx r;
	int fd = open_nvme(_metadata);

	if (fd < 0)
		SKIP(return, "%s has no poll queues (nvme.poll_queues=)",
		     NVME_DEV);
	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, rd);
	rx_raise_memlock();
	ASSERT_EQ(0, setup(&r, N, 0));
	rw_fill(w, N * BS, 31);
	ASSERT_EQ(0, run_batch(&r, RXRING_OP_WRITE, fd, w, N, NVME_BASE,
			       2 * BS, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < N; i++)
		EXPECT_EQ(BS, st[i]) TH_LOG("write %u", i);
	memset(rd, 0, N * BS);
	ASSERT_EQ(0, run_batch(&r, RXRING_OP_READ, fd, rd, N, NVME_BASE,
			       2 * BS, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < N; i++)
		EXPECT_EQ(BS, st[i]) TH_LOG("read %u", i);
	EXPECT_EQ(0, memcmp(w, rd, N * BS));
	/* What the device holds, read the usual way. */
	chk = rw_alloc(BS);
	ASSERT_NE(NULL, chk);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(BS, pread(fd, chk, BS, NVME_BASE + i * 2 * BS));
		EXPECT_EQ(0, memcmp(chk, w + i * BS, BS)) TH_LOG("block %u", i);
	}
	/* READV and WRITEV: one bio of up to four pages is polled too. */
	rw_fill(w, 4 * BS, 32);
	iov[0].iov_base = w;
	iov[0].iov_len = BS;
	iov[1].iov_base = w + BS;
	iov[1].iov_len = 3 * BS;
	EXPECT_EQ(4 * BS, rw_one(&r, RXRING_OP_WRITEV, fd, iov, 2,
				 NVME_BASE + 100 * BS));
	memset(rd, 0, 4 * BS);
	iov[0].iov_base = rd;
	iov[0].iov_len = 3 * BS;
	iov[1].iov_base = rd + 3 * BS;
	iov[1].iov_len = BS;
	EXPECT_EQ(4 * BS, rw_one(&r, RXRING_OP_READV, fd, iov, 2,
				 NVME_BASE + 100 * BS));
	EXPECT_EQ(0, memcmp(w, rd, 4 * BS));

	/* Registered file and a registered 128 KiB buffer: one bio. */
	ASSERT_EQ(0, reg_files(r.fd, &fd, 1));
	iov[0].iov_base = rd;
	iov[0].iov_len = N * BS;
	ASSERT_EQ(0, reg_bufs(r.fd, iov, 1));
	memset(rd, 0, N * BS);
	{
		struct rxring_sqe sqe;
		__s64 s1;

		rw_sqe(&sqe, RXRING_OP_READ, 0, rd, N * BS, NVME_BASE, 5);
		sqe.syscall_flags = RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF;
		rx_push(&r, &sqe);
		ASSERT_EQ(0, rw_run(&r, 1, 5, &s1)) TH_LOG("%s", rx_why);
		EXPECT_EQ(N * BS, s1);
	}
	rw_fill(w, N * BS, 31);
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, memcmp(rd + i * BS, i & 1 ? rd + i * BS :
				    w + (i / 2) * BS, BS) * !(i & 1))
			TH_LOG("block %u", i);
	rx_teardown(&r);
	close(fd);
	free(chk);
	free(w);
	free(rd);
}

/* Sequential reads: how many NVMe I/O queue interrupts they cost. */
static long long irqs_for_reads(struct rx *r, int fd, char *buf,
				unsigned int n)
{
	long long before = nvme_io_irqs();
	unsigned int i;

	for (i = 0; i < n; i++)
		if (rw_one(r, RXRING_OP_READ, fd, buf, BS, NVME_BASE + i * BS) !=
		    BS)
			return -1;
	return nvme_io_irqs() - before;
}

/* The same through a registered file (index 0) and buffer (index 0). */
static long long irqs_for_fixed_reads(struct rx *r, char *buf, unsigned int n)
{
	long long before = nvme_io_irqs();
	struct rxring_sqe sqe;
	unsigned int i;
	__s64 st;

	for (i = 0; i < n; i++) {
		rw_sqe(&sqe, RXRING_OP_READ, 0, buf, BS, NVME_BASE + i * BS, i);
		sqe.syscall_flags = RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF;
		rx_push(r, &sqe);
		if (rw_run(r, 1, i, &st) || st != BS)
			return -1;
	}
	return nvme_io_irqs() - before;
}

TEST_F_TIMEOUT(iopoll, nvme_no_interrupts, 120)
{
	char *buf = rw_alloc(BS);
	long long plain, polled, fixed;
	struct iovec iov;
	struct rx r;
	int fd = open_nvme(_metadata);

	if (fd < 0)
		SKIP(return, "%s has no poll queues (nvme.poll_queues=)",
		     NVME_DEV);
	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, nvme_io_irqs());
	ASSERT_EQ(0, rx_setup(&r, 8, 0, 0));
	plain = irqs_for_reads(&r, fd, buf, 16);
	rx_teardown(&r);
	ASSERT_EQ(0, setup(&r, 8, 0));
	polled = irqs_for_reads(&r, fd, buf, 16);
	rx_teardown(&r);
	/* Registered file and buffer: polled as well. */
	rx_raise_memlock();
	ASSERT_EQ(0, setup(&r, 8, 0));
	ASSERT_EQ(0, reg_files(r.fd, &fd, 1));
	iov.iov_base = buf;
	iov.iov_len = BS;
	ASSERT_EQ(0, reg_bufs(r.fd, &iov, 1));
	fixed = irqs_for_fixed_reads(&r, buf, 16);
	rx_teardown(&r);
	TH_LOG("NVMe I/O queue interrupts for 16 reads: %lld plain, %lld polled, %lld polled into a registered buffer",
	       plain, polled, fixed);
	EXPECT_LE(8, plain);
	EXPECT_LE(0, polled);
	EXPECT_GE(2, polled);
	EXPECT_LE(0, fixed);
	EXPECT_GE(2, fixed);
	close(fd);
	free(buf);
}

/*
 * null_blk completing by timer after 0.5 s: polled requests are done long
 * before (null_blk completes them when polled).
 */
TEST_F_TIMEOUT(iopoll, nullb_fast_and_slow, 120)
{
	enum { N = 16 };
	char *w = rw_alloc(N * 4 * BS), *rd = rw_alloc(N * 4 * BS);
	long long t0, polled_ns, slow_ns;
	struct iovec iov[8];
	struct rw_nullb nb;
	__s64 st[N];
	unsigned int i;
	struct rx r;
	int fd, ret;

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, rd);
	ret = nullb_make(&nb, "rxiop1", 1, 2, 500000000, 0);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(1, io_poll(nb.dev));
	fd = open(nb.dev, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setup(&r, N, 0));
	rw_fill(w, N * BS, 41);
	t0 = rx_now_ns();
	ASSERT_EQ(0, run_batch(&r, RXRING_OP_WRITE, fd, w, N, 0, BS, st))
		TH_LOG("%s", rx_why);
	for (i = 0; i < N; i++)
		EXPECT_EQ(BS, st[i]);
	memset(rd, 0, N * BS);
	for (i = 0; i < N; i++)
		EXPECT_EQ(BS, rw_one(&r, RXRING_OP_READ, fd, rd + i * BS, BS,
				     i * BS));
	polled_ns = rx_now_ns() - t0;
	EXPECT_EQ(0, memcmp(w, rd, N * BS));
	/* 17 round trips, each 0.5 s by interrupt. */
	EXPECT_GT(4 * RX_NSEC, polled_ns);

	/*
	 * Eight 512-byte pieces of eight pages: more segments than the
	 * record's own bio holds (four), so two bios, not polled: by the
	 * timer.
	 */
	rw_fill(w, 16 * BS, 42);
	for (i = 0; i < 8; i++) {
		iov[i].iov_base = w + i * 2 * BS;
		iov[i].iov_len = 512;
	}
	t0 = rx_now_ns();
	EXPECT_EQ(8 * 512, rw_one(&r, RXRING_OP_WRITEV, fd, iov, 8, 0));
	slow_ns = rx_now_ns() - t0;
	EXPECT_LE(400 * RX_MSEC, slow_ns);
	memset(rd, 0, 16 * BS);
	EXPECT_EQ(8 * 512, rw_one(&r, RXRING_OP_READ, fd, rd, 8 * 512, 0));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0, memcmp(w + i * 2 * BS, rd + i * 512, 512))
			TH_LOG("piece %u", i);
	TH_LOG("%u polled round trips %lld ms, one by interrupt %lld ms",
	       N + 1, polled_ns / RX_MSEC, slow_ns / RX_MSEC);
	rx_teardown(&r);
	close(fd);
	rw_nullb_destroy(&nb);
	free(w);
	free(rd);
}

/*
 * ext4 on a null_blk with a poll queue whose interrupt-mode completions
 * take 0.5 s: O_DIRECT reads and writes of a file go through ext4's own
 * direct I/O and are polled (->iopoll), eight in a row done long before
 * two would be by interrupt; the data is the file's.
 */
TEST_F_TIMEOUT(iopoll, ext4_file_polled, 120)
{
	enum { N = 8 };
	char *w = rw_alloc(N * BS), *rd = rw_alloc(N * BS);
	char dir[64], path[96], cmd[256];
	struct rw_nullb nb;
	long long t0, ns;
	unsigned int i;
	struct rx r;
	int fd, ret;

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, rd);
	if (access("/usr/sbin/mkfs.ext4", X_OK) &&
	    access("/sbin/mkfs.ext4", X_OK))
		SKIP(return, "no mkfs.ext4");
	ret = nullb_make(&nb, "rxiop6", 1, 0, 0, 0);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret);
	snprintf(dir, sizeof(dir), "/tmp/rxiop6.%d", getpid());
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F -b 4096 %s >/dev/null 2>&1",
		 nb.dev);
	ASSERT_EQ(0, rw_system(cmd));
	ASSERT_EQ(0, mkdir(dir, 0700));
	if (mount(nb.dev, dir, "ext4", 0, NULL)) {
		rmdir(dir);
		rw_nullb_destroy(&nb);
		SKIP(return, "no ext4 here");
	}
	rw_fill(w, N * BS, 61);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(N * BS, pwrite(fd, w, N * BS, 0));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	ASSERT_EQ(0, umount(dir));
	/* The same data, every interrupt-driven I/O 0.5 s from now on. */
	snprintf(cmd, sizeof(cmd), "%s/power", nb.cfg);
	ASSERT_EQ(0, rw_write_str(cmd, "0"));
	snprintf(cmd, sizeof(cmd), "%s/irqmode", nb.cfg);
	ASSERT_EQ(0, rw_write_str(cmd, "2"));
	snprintf(cmd, sizeof(cmd), "%s/completion_nsec", nb.cfg);
	ASSERT_EQ(0, rw_write_str(cmd, "500000000"));
	snprintf(cmd, sizeof(cmd), "%s/power", nb.cfg);
	ASSERT_EQ(0, rw_write_str(cmd, "1"));
	for (i = 0; i < 100 && access(nb.dev, F_OK); i++)
		rx_sleep_ms(10);
	ASSERT_EQ(0, mount(nb.dev, dir, "ext4", 0, NULL));
	fd = open(path, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setup(&r, 16, 0));

	memset(rd, 0, N * BS);
	t0 = rx_now_ns();
	for (i = 0; i < N; i++)
		EXPECT_EQ(BS, rw_one(&r, RXRING_OP_READ, fd, rd + i * BS, BS,
				     i * BS)) TH_LOG("read %u", i);
	ns = rx_now_ns() - t0;
	EXPECT_EQ(0, memcmp(w, rd, N * BS));
	EXPECT_GT(RX_NSEC, ns) TH_LOG("%u reads took %lld ms", N,
				      ns / RX_MSEC);
	rw_fill(w, N * BS, 62);
	for (i = 0; i < N; i++)
		EXPECT_EQ(BS, rw_one(&r, RXRING_OP_WRITE, fd, w + i * BS, BS,
				     i * BS)) TH_LOG("write %u", i);
	memset(rd, 0, N * BS);
	for (i = 0; i < N; i++)
		EXPECT_EQ(BS, rw_one(&r, RXRING_OP_READ, fd, rd + i * BS, BS,
				     i * BS));
	EXPECT_EQ(0, memcmp(w, rd, N * BS));
	rx_teardown(&r);
	close(fd);
	umount(dir);
	rmdir(dir);
	rw_nullb_destroy(&nb);
	free(w);
	free(rd);
}

/* More polled requests than the device has tags: all complete. */
TEST_F_TIMEOUT(iopoll, nullb_deeper_than_queue, 120)
{
	enum { N = 64 };
	char *buf = rw_alloc(N * BS);
	struct rw_nullb nb;
	__s64 st[N];
	unsigned int i, round;
	struct rx r;
	int fd, ret;

	ASSERT_NE(NULL, buf);
	ret = nullb_make(&nb, "rxiop2", 1, 0, 0, 4);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret);
	fd = open(nb.dev, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setup(&r, N, 0));
	for (round = 0; round < 4; round++) {
		rw_fill(buf, N * BS, round);
		ASSERT_EQ(0, run_batch(&r, round & 1 ? RXRING_OP_READ :
				       RXRING_OP_WRITE, fd, buf, N, 0, BS, st))
			TH_LOG("%s", rx_why);
		for (i = 0; i < N; i++)
			EXPECT_EQ(BS, st[i]) TH_LOG("round %u #%u", round, i);
	}
	rx_teardown(&r);
	close(fd);
	rw_nullb_destroy(&nb);
	free(buf);
}

/* ENTER without min_complete polls once: completions come that way. */
TEST_F_TIMEOUT(iopoll, enter_polls_once, 120)
{
	enum { N = 16 };
	char *buf = rw_alloc(N * BS);
	struct rxring_completion c;
	struct rw_nullb nb;
	unsigned int i, got = 0, enters = 0;
	__u32 sub = 0;
	struct rxring ring;
	struct rx r;
	int fd, ret;

	ASSERT_NE(NULL, buf);
	ret = nullb_make(&nb, "rxiop3", 1, 0, 0, 0);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret);
	fd = open(nb.dev, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setup(&r, N, 0));
	for (i = 0; i < N; i++)
		rw_push(&r, RXRING_OP_READ, fd, buf + i * BS, BS, i * BS, i);
	rx_publish(&r);
	ASSERT_LE(0, rx_enter(&r, N, 0, 0, 0, &sub));
	EXPECT_EQ((__u32)N, sub);
	while (rx_cq_ready(&r) < N && enters < 100000) {
		ASSERT_LE(0, rx_enter(&r, 0, 0, 0, 0, NULL));
		enters++;
	}
	EXPECT_EQ((__u64)N, rx_cq_ready(&r));
	for (i = 0; i < N; i++) {
		struct rx_cqe cq;

		ASSERT_EQ(1, rx_reap(&r, &cq));
		EXPECT_EQ(BS, cq.status);
	}
	rx_teardown(&r);

	/* librxring: peeking enters to poll. */
	ASSERT_EQ(0, rxring_queue_init(N, &ring, RXRING_CREATE_IOPOLL));
	for (i = 0; i < N; i++) {
		struct rxring_sqe *sqe = rxring_get_sqe(&ring);

		ASSERT_NE(NULL, sqe);
		rxring_prep_read(sqe, fd, buf + i * BS, BS, i * BS);
		rxring_sqe_set_data(sqe, i);
	}
	EXPECT_EQ(N, rxring_submit(&ring));
	for (i = 0; i < 100000 && got < N; i++) {
		if (!rxring_peek_completion(&ring, &c)) {
			EXPECT_EQ(BS, c.status);
			got++;
		}
	}
	EXPECT_EQ((unsigned int)N, got);
	rxring_queue_exit(&ring);
	close(fd);
	rw_nullb_destroy(&nb);
	free(buf);
}

/* SQPOLL and IOPOLL: the thread submits and reaps; no ENTER at all. */
TEST_F_TIMEOUT(iopoll, with_sqpoll, 120)
{
	enum { N = 16 };
	char *w = rw_alloc(N * BS), *rd = rw_alloc(N * BS);
	struct rw_nullb nb;
	struct rxring_sqe sqe;
	unsigned int i, round;
	long long end;
	struct rx r;
	int fd, ret;

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, rd);
	ret = nullb_make(&nb, "rxiop4", 1, 2, 500000000, 0);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret);
	fd = open(nb.dev, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	memset(&r, 0, sizeof(r));
	r.fd = rx_open();
	ASSERT_LE(0, r.fd);
	rx_create_init(&r.cr, N, 0, RXRING_CREATE_IOPOLL |
		       RXRING_CREATE_SQPOLL);
	r.cr.sq_thread_idle = 2000;
	ASSERT_EQ(0, rx_create(r.fd, &r.cr));
	ASSERT_EQ(0, rx_map(&r));
	ASSERT_EQ(0, reg_files(r.fd, &fd, 1));
	rw_fill(w, N * BS, 51);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < N; i++) {
			rw_sqe(&sqe, round ? RXRING_OP_READ : RXRING_OP_WRITE,
			       0, (round ? rd : w) + i * BS, BS, i * BS, i);
			sqe.syscall_flags = RXRING_RW_FIXED_FILE;
			rx_push(&r, &sqe);
		}
		rx_publish(&r);
		/* Much less than the 0.5 s an interrupt would take. */
		end = rx_now_ns() + 300 * RX_MSEC;
		while (rx_cq_ready(&r) < N && rx_now_ns() < end)
			;
		ASSERT_EQ((__u64)N, rx_cq_ready(&r)) TH_LOG("round %u", round);
		for (i = 0; i < N; i++) {
			struct rx_cqe c;

			ASSERT_EQ(1, rx_reap(&r, &c));
			EXPECT_EQ(BS, c.status);
		}
	}
	EXPECT_EQ(0, memcmp(w, rd, N * BS));
	rx_teardown(&r);
	close(fd);
	rw_nullb_destroy(&nb);
	free(w);
	free(rd);
}

/*
 * Polled I/O in flight when the instance goes: nobody polls but teardown,
 * which reaps it. A process killed with it in flight, too.
 */
TEST_F_TIMEOUT(iopoll, teardown_in_flight, 120)
{
	enum { N = 32 };
	char *buf = rw_alloc(N * BS);
	struct rw_nullb nb;
	unsigned int i, round;
	struct rx r;
	int fd, ret, st;

	ASSERT_NE(NULL, buf);
	ret = nullb_make(&nb, "rxiop5", 1, 0, 0, 0);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret);
	fd = open(nb.dev, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	for (round = 0; round < 8; round++) {
		__u32 sub = 0;

		ASSERT_EQ(0, setup(&r, N, 0));
		for (i = 0; i < N; i++)
			rw_push(&r, RXRING_OP_READ, fd, buf + i * BS, BS,
				i * BS, i);
		rx_publish(&r);
		ASSERT_LE(0, rx_enter(&r, N, 0, 0, 0, &sub));
		EXPECT_EQ((__u32)N, sub);
		rx_teardown(&r);
	}
	for (round = 0; round < 4; round++) {
		int go[2];
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(go));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			struct rx cr;
			__u32 sub;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (setup(&cr, N, 0))
				_exit(2);
			for (;;) {
				for (i = 0; i < N && rx_sq_space(&cr); i++)
					rw_push(&cr, RXRING_OP_READ, fd,
						buf + i * BS, BS, i * BS, i);
				rx_publish(&cr);
				if (rx_enter(&cr, N, 0, 0, 0, &sub) < 0)
					_exit(3);
				rx_drain(&cr);
				if (write(go[1], "g", 1) != 1)
					_exit(4);
			}
		}
		ASSERT_EQ(1, read(go[0], &c, 1));
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_TRUE(WIFSIGNALED(st));
		close(go[0]);
		close(go[1]);
	}
	/* The same with SQPOLL: the thread polls when it is killed. */
	for (round = 0; round < 4; round++) {
		int go[2];
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(go));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			struct rxring_sqe sqe;
			struct rx cr;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			memset(&cr, 0, sizeof(cr));
			cr.fd = rx_open();
			rx_create_init(&cr.cr, N, 0, RXRING_CREATE_IOPOLL |
				       RXRING_CREATE_SQPOLL);
			if (cr.fd < 0 || rx_create(cr.fd, &cr.cr) ||
			    rx_map(&cr) || reg_files(cr.fd, &fd, 1))
				_exit(2);
			for (;;) {
				for (i = 0; i < N && rx_sq_space(&cr); i++) {
					rw_sqe(&sqe, RXRING_OP_READ, 0,
					       buf + i * BS, BS, i * BS, i);
					sqe.syscall_flags = RXRING_RW_FIXED_FILE;
					rx_push(&cr, &sqe);
				}
				rx_publish(&cr);
				rx_drain(&cr);
				if (write(go[1], "g", 1) != 1)
					_exit(4);
			}
		}
		ASSERT_EQ(1, read(go[0], &c, 1));
		rx_sleep_ms(round * 3);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_TRUE(WIFSIGNALED(st));
		close(go[0]);
		close(go[1]);
	}
	/* The device is idle again: its I/O all completed. */
	ASSERT_EQ(0, setup(&r, N, 0));
	EXPECT_EQ(BS, rw_one(&r, RXRING_OP_READ, fd, buf, BS, 0));
	rx_teardown(&r);
	close(fd);
	rw_nullb_destroy(&nb);
	free(buf);
}

TEST_HARNESS_MAIN
