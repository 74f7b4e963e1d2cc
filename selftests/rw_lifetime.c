// SPDX-License-Identifier: GPL-2.0
/*
 * rw_lifetime: an instance outlives the I/O it started, and going away with
 * I/O in flight neither hangs nor leaks.
 *
 * The I/O goes to a null_blk made through configfs that completes each
 * request 200 ms after it arrives (timer mode), so 128 reads are certainly
 * in flight when the ring goes:
 *  - close(): it returns once the reads are done (not before: the buffers
 *    are the caller's again), within a few seconds;
 *  - exit() and SIGKILL of the process with 128 reads in flight, and with
 *    64 pipe reads waiting for data: the process is gone within a few
 *    seconds;
 *  - the data fd closed right after submission, the ring fd closed while
 *    its rings stay mapped: the reads complete into the CQ all the same;
 *  - afterwards /sys/module/rxring/refcnt is back where it was: every
 *    instance was released (the harness unloads the module at the end).
 */
#include <signal.h>
#include <sys/mman.h>

#include <rxring.h>

#include "harness.h"
#include "rwutil.h"

#define NR_IO		128
#define IO_LEN		(64 * 1024)
#define DELAY_NS	200000000UL	/* each request takes 200 ms */

static int module_refs(void)
{
	char buf[32];

	if (rw_read_str("/sys/module/rxring/refcnt", buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* Wait until the module's reference count is back to @want. */
static bool refs_back(int want)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (module_refs() == want)
			return true;
		rx_sleep_ms(10);
	}
	return false;
}

FIXTURE(life) {
	struct rw_nullb nb;
	int refs;
	char *bufs;
};

FIXTURE_SETUP(life)
{
	char name[32];
	int ret;

	rx_raise_memlock();
	signal(SIGPIPE, SIG_IGN);
	snprintf(name, sizeof(name), "rxslow%d", getpid());
	/* Memory backed: a read of what was never written gives zeroes. */
	ret = rw_nullb_create_qd(&self->nb, name, 64, 512, 2, DELAY_NS,
				 true, NULL, 256);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret) TH_LOG("null_blk: %s", strerror(-ret));
	self->refs = module_refs();
	ASSERT_LE(0, self->refs);
	self->bufs = rw_alloc((size_t)NR_IO * IO_LEN);
	ASSERT_NE(NULL, self->bufs);
}

FIXTURE_TEARDOWN(life)
{
	rw_nullb_destroy(&self->nb);
	free(self->bufs);
}

/* Open the slow device and submit NR_IO reads; the device fd or -errno. */
static int start_reads(FIXTURE_DATA(life) *self, struct rx *r)
{
	__u32 sub = 0;
	int fd, i, ret;

	fd = open(self->nb.dev, O_RDWR | O_DIRECT);
	if (fd < 0)
		return -errno;
	for (i = 0; i < NR_IO; i++)
		rw_push(r, RXRING_OP_READ, fd, self->bufs + (size_t)i * IO_LEN,
			IO_LEN, (__u64)i * IO_LEN, i);
	rx_publish(r);
	ret = rx_enter(r, NR_IO, 0, 0, 0, &sub);
	if (ret < 0 || sub != NR_IO) {
		close(fd);
		return ret < 0 ? ret : -EAGAIN;
	}
	return fd;
}

TEST_F_TIMEOUT(life, close_with_io_in_flight, 60)
{
	long long t0, dt;
	struct rx r;
	int fd;

	ASSERT_EQ(0, rx_setup(&r, NR_IO, 0, 0));
	EXPECT_EQ(self->refs + 1, module_refs());
	memset(self->bufs, 0x5a, (size_t)NR_IO * IO_LEN);
	fd = start_reads(self, &r);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	t0 = rx_now_ns();
	/* Nothing is done yet: the device takes 200 ms. */
	EXPECT_GT(NR_IO, (int)rx_cq_ready(&r));
	rx_teardown(&r);
	dt = rx_now_ns() - t0;
	EXPECT_GT(10 * RX_NSEC, dt);
	/* The reads are over: the device wrote zeroes into every buffer. */
	EXPECT_EQ(0, self->bufs[0]);
	EXPECT_EQ(0, self->bufs[(size_t)NR_IO * IO_LEN - 1]);
	EXPECT_TRUE(refs_back(self->refs));
	close(fd);
}

/* The data fd and then the ring fd closed; the rings stay mapped. */
TEST_F_TIMEOUT(life, fds_closed_rings_mapped, 60)
{
	struct rx r;
	int fd, i;

	ASSERT_EQ(0, rx_setup(&r, NR_IO, 0, 0));
	fd = start_reads(self, &r);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	close(fd);
	close(r.fd);
	r.fd = -1;
	/* The mappings keep the instance; the completions still come. */
	for (i = 0; i < 1000 && rx_cq_ready(&r) < NR_IO; i++)
		rx_sleep_ms(10);
	ASSERT_EQ((__u64)NR_IO, rx_cq_ready(&r));
	for (i = 0; i < NR_IO; i++) {
		struct rx_cqe c;

		ASSERT_EQ(1, rx_reap(&r, &c));
		EXPECT_EQ(IO_LEN, c.status);
	}
	EXPECT_EQ(self->refs + 1, module_refs());
	rx_unmap(&r);
	EXPECT_TRUE(refs_back(self->refs));
}

/* A child with I/O (and maybe waiting pipe reads) in flight goes away. */
static void child_goes(struct __test_metadata *_metadata,
		       FIXTURE_DATA(life) *self, bool kill_it, bool pipes)
{
	int ready[2], st, i;
	long long t0;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static char pbuf[64][8];
		struct rx r;
		int fd;

		close(ready[0]);
		if (rx_setup(&r, 256, 0, 0))
			_exit(1);
		fd = start_reads(self, &r);
		if (fd < 0)
			_exit(2);
		for (i = 0; pipes && i < 64; i++) {
			int p[2];

			if (pipe(p))
				_exit(3);
			rw_push(&r, RXRING_OP_READ, p[0], pbuf[i], 8,
				RXRING_POS_CURRENT, 1000 + i);
		}
		if (pipes) {
			rx_publish(&r);
			if (rx_enter(&r, 64, 0, 0, 0, NULL) < 0)
				_exit(4);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(5);
		if (kill_it)
			pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	t0 = rx_now_ns();
	if (kill_it)
		ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_GT(10 * RX_NSEC, rx_now_ns() - t0);
	if (kill_it) {
		EXPECT_TRUE(WIFSIGNALED(st));
	} else {
		EXPECT_TRUE(WIFEXITED(st));
		EXPECT_EQ(0, WEXITSTATUS(st));
	}
	EXPECT_TRUE(refs_back(self->refs));
}

TEST_F_TIMEOUT(life, exit_with_io_in_flight, 60)
{
	child_goes(_metadata, self, false, false);
}

TEST_F_TIMEOUT(life, sigkill_with_io_in_flight, 60)
{
	child_goes(_metadata, self, true, false);
}

TEST_F_TIMEOUT(life, exit_with_io_and_pipe_reads, 60)
{
	child_goes(_metadata, self, false, true);
}

TEST_F_TIMEOUT(life, sigkill_with_io_and_pipe_reads, 60)
{
	child_goes(_metadata, self, true, true);
}

/* Again and again: nothing piles up. */
TEST_F_TIMEOUT(life, repeated, 120)
{
	int round;

	for (round = 0; round < 5; round++) {
		struct rx r;
		int fd;

		ASSERT_EQ(0, rx_setup(&r, NR_IO, 0, 0));
		fd = start_reads(self, &r);
		ASSERT_LE(0, fd);
		if (round & 1)
			rx_unmap(&r);
		rx_teardown(&r);
		close(fd);
	}
	EXPECT_TRUE(refs_back(self->refs));
}

TEST_HARNESS_MAIN
