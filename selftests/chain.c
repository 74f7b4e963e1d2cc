// SPDX-License-Identifier: GPL-2.0
/*
 * chain: RXRING_SQE_CHAIN and RXRING_SQE_DRAIN.
 *  - PROBE lists both flags;
 *  - CHAIN: the next SQE is not even taken from the SQ (the SQ head stays)
 *    until the linked one completed: a pipe READ linked to a NOP holds the
 *    NOP back until the writer writes; ENTER with min_complete goes on
 *    taking the rest once the link completes; WAKEUP_ON_SQ_AVAIL waits at
 *    the barrier too; a chain spans ENTER calls;
 *  - failure: an SQE of a chain that fails (synchronously, asynchronously,
 *    invalid) completes its successors in the chain with -ECANCELED, and
 *    the first SQE after the chain runs normally; a CANCEL queued behind a
 *    link waits for it like any SQE;
 *  - DRAIN: starts only after everything before it completed, and what
 *    follows it waits in the SQ behind it; writes then a DRAIN read of the
 *    same blocks see the data;
 *  - a data chain WRITE -> FSYNC -> READ on a file;
 *  - priority is accepted (advisory).
 */
#include <pthread.h>

#include <rxring.h>

#include "harness.h"
#include "rwutil.h"

FIXTURE(chain) {
	struct rx r;
	int p[2];
};

FIXTURE_SETUP(chain)
{
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&self->r, 64, 0, 0));
	ASSERT_EQ(0, pipe(self->p));
}

FIXTURE_TEARDOWN(chain)
{
	rx_teardown(&self->r);
	close(self->p[0]);
	close(self->p[1]);
}

static void push_flags(struct rx *r, __u8 op, int fd, const void *addr,
		       __u64 len, __u64 offset, __u64 ud, __u8 flags)
{
	struct rxring_sqe sqe;

	rw_sqe(&sqe, op, fd, addr, len, offset, ud);
	sqe.flags = flags;
	rx_push(r, &sqe);
}

static void push_nop(struct rx *r, __u64 ud, __u8 flags)
{
	push_flags(r, RXRING_OP_NOP, 0, NULL, 0, 0, ud, flags);
}

/* A TIMEOUT of ms milliseconds: completes with -ETIME. */
static void push_timeout(struct rx *r, __u64 ms, __u64 ud, __u8 flags)
{
	struct rxring_sqe sqe;

	rx_sqe_fill(&sqe, RXRING_OP_TIMEOUT, 0, ms * RX_MSEC, 0, ud);
	sqe.flags = flags;
	rx_push(r, &sqe);
}

/* Reap exactly n completions in order: user_data and status each. */
static int expect_in_order(struct rx *r, const __u64 *ud, const __s64 *st,
			   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rx_cqe c;
		int ret = rw_reap_wait(r, &c);

		if (ret != 1) {
			snprintf(rx_why, sizeof(rx_why), "completion %u: %d",
				 i, ret);
			return -1;
		}
		if (c.user_data != ud[i] || c.status != st[i]) {
			snprintf(rx_why, sizeof(rx_why),
				 "completion %u: user_data %llu status %lld, want %llu %lld",
				 i, (unsigned long long)c.user_data,
				 (long long)c.status,
				 (unsigned long long)ud[i], (long long)st[i]);
			return -1;
		}
	}
	return 0;
}

TEST_F(chain, probe_lists_flags)
{
	struct rxring_probe p;

	ASSERT_EQ(0, rx_probe(self->r.fd, &p));
	EXPECT_EQ(RXRING_SQE_CHAIN | RXRING_SQE_DRAIN, p.sqe_flags);
	EXPECT_TRUE(rx_probe_supported(&p, RXRING_OP_READ));
	EXPECT_TRUE(rx_probe_supported(&p, RXRING_OP_WRITE));
	EXPECT_TRUE(rx_probe_supported(&p, RXRING_OP_READV));
	EXPECT_TRUE(rx_probe_supported(&p, RXRING_OP_WRITEV));
	EXPECT_TRUE(rx_probe_supported(&p, RXRING_OP_FSYNC));
	EXPECT_EQ(RXRING_FSYNC_DATASYNC | RXRING_RW_FIXED_FILE,
		  p.ops[RXRING_OP_FSYNC].syscall_flags);
}

/* A linked pipe READ holds the next SQE in the SQ until it completes. */
TEST_F(chain, link_holds_next_in_sq)
{
	static const __u64 ud[] = { 1, 2, 3 };
	static const __s64 st[] = { 4, 0, 0 };
	char buf[8];
	__u32 sub = 0;

	push_flags(&self->r, RXRING_OP_READ, self->p[0], buf, 4,
		   RXRING_POS_CURRENT, 1, RXRING_SQE_CHAIN);
	push_nop(&self->r, 2, 0);
	push_nop(&self->r, 3, 0);
	rx_publish(&self->r);
	ASSERT_LE(0, rx_enter(&self->r, 3, 0, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	EXPECT_EQ(1ULL, rx_sq_head(&self->r));
	rx_sleep_ms(50);
	EXPECT_EQ(0ULL, rx_cq_ready(&self->r));
	/* Still held: another ENTER takes nothing. */
	ASSERT_LE(0, rx_enter(&self->r, 2, 0, 0, 0, &sub));
	EXPECT_EQ(0U, sub);
	ASSERT_EQ(4, write(self->p[1], "data", 4));
	ASSERT_EQ(0, rw_wait(&self->r, 1));
	/* The link completed: the rest is taken now. */
	ASSERT_LE(0, rx_enter(&self->r, 2, 2, 0, 0, &sub));
	EXPECT_EQ(2U, sub);
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 3)) TH_LOG("%s",
								   rx_why);
}

struct writer {
	int fd;
	int ms;
};

static void *write_later(void *arg)
{
	struct writer *w = arg;

	rx_sleep_ms(w->ms);
	if (write(w->fd, "late", 4) != 4)
		return (void *)1;
	return NULL;
}

/* ENTER waiting for completions goes on submitting past the link. */
TEST_F(chain, enter_min_complete_crosses_link)
{
	static const __u64 ud[] = { 1, 2, 3 };
	static const __s64 st[] = { 4, 4, 0 };
	/* One write for each read, the second one later. */
	struct writer w = { self->p[1], 100 }, w2 = { self->p[1], 300 };
	char buf[8], buf2[8];
	pthread_t t, t2;
	__u32 sub = 0;
	int ret;

	push_flags(&self->r, RXRING_OP_READ, self->p[0], buf, 4,
		   RXRING_POS_CURRENT, 1, RXRING_SQE_CHAIN);
	push_flags(&self->r, RXRING_OP_READ, self->p[0], buf2, 4,
		   RXRING_POS_CURRENT, 2, RXRING_SQE_CHAIN);
	push_nop(&self->r, 3, 0);
	rx_publish(&self->r);
	ASSERT_EQ(0, pthread_create(&t, NULL, write_later, &w));
	ASSERT_EQ(0, pthread_create(&t2, NULL, write_later, &w2));
	ret = rx_enter(&self->r, 3, 3, RXRING_ENTER_TIMEOUT, 10 * RX_NSEC,
		       &sub);
	pthread_join(t2, NULL);
	pthread_join(t, NULL);
	EXPECT_EQ(3, ret);
	EXPECT_EQ(3U, sub);
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 3)) TH_LOG("%s",
								   rx_why);
}

TEST_F(chain, wakeup_on_sq_avail_waits_at_barrier)
{
	struct writer w = { self->p[1], 100 };
	char buf[8];
	pthread_t t;
	__u32 sub = 0;
	int ret;

	push_flags(&self->r, RXRING_OP_READ, self->p[0], buf, 4,
		   RXRING_POS_CURRENT, 1, RXRING_SQE_CHAIN);
	push_nop(&self->r, 2, 0);
	rx_publish(&self->r);
	ASSERT_EQ(0, pthread_create(&t, NULL, write_later, &w));
	ret = rx_enter(&self->r, 2, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL, 0,
		       &sub);
	pthread_join(t, NULL);
	EXPECT_LE(0, ret);
	EXPECT_EQ(2U, sub);
	EXPECT_EQ(0, rw_wait(&self->r, 2));
	EXPECT_EQ(2, rx_drain(&self->r));
	/* With a timeout and nothing coming: what it took, or ETIME. */
	push_flags(&self->r, RXRING_OP_READ, self->p[0], buf, 4,
		   RXRING_POS_CURRENT, 3, RXRING_SQE_CHAIN);
	push_nop(&self->r, 4, 0);
	rx_publish(&self->r);
	ret = rx_enter(&self->r, 2, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
		       RXRING_ENTER_TIMEOUT, 50 * RX_MSEC, &sub);
	EXPECT_LE(0, ret);
	EXPECT_EQ(1U, sub);
	ret = rx_enter(&self->r, 1, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
		       RXRING_ENTER_TIMEOUT, 50 * RX_MSEC, &sub);
	EXPECT_EQ(-ETIME, ret);
	ASSERT_EQ(4, write(self->p[1], "abcd", 4));
	ASSERT_EQ(0, rw_wait(&self->r, 1));
	ASSERT_LE(0, rx_enter(&self->r, 1, 2, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	EXPECT_EQ(2, rx_drain(&self->r));
}

/* A chain link submitted alone still holds the next ENTER's SQE. */
TEST_F(chain, link_spans_enters)
{
	static const __u64 ud[] = { 1, 2 };
	static const __s64 st[] = { 4, 0 };
	char buf[8];
	__u32 sub = 0;

	push_flags(&self->r, RXRING_OP_READ, self->p[0], buf, 4,
		   RXRING_POS_CURRENT, 1, RXRING_SQE_CHAIN);
	rx_publish(&self->r);
	ASSERT_LE(0, rx_enter(&self->r, 1, 0, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	push_nop(&self->r, 2, 0);
	rx_publish(&self->r);
	ASSERT_LE(0, rx_enter(&self->r, 1, 0, 0, 0, &sub));
	EXPECT_EQ(0U, sub);
	ASSERT_EQ(4, write(self->p[1], "wxyz", 4));
	ASSERT_EQ(0, rw_wait(&self->r, 1));
	ASSERT_LE(0, rx_enter(&self->r, 1, 2, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 2)) TH_LOG("%s",
								   rx_why);
}

/* A link that fails at once cancels the rest of its chain. */
TEST_F(chain, sync_failure_cancels_rest)
{
	static const __u64 ud[] = { 1, 2, 3, 4, 5 };
	static const __s64 st[] = { -EBADF, -ECANCELED, -ECANCELED, 0, 0 };
	char buf[8];

	push_flags(&self->r, RXRING_OP_READ, -1, buf, 4, RXRING_POS_CURRENT,
		   1, RXRING_SQE_CHAIN);
	push_nop(&self->r, 2, RXRING_SQE_CHAIN);
	push_nop(&self->r, 3, 0);		/* last link of the chain */
	push_nop(&self->r, 4, 0);		/* not in it */
	push_nop(&self->r, 5, RXRING_SQE_CHAIN);
	rx_publish(&self->r);
	ASSERT_EQ(5, rx_enter(&self->r, 5, 5, 0, 0, NULL));
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 5)) TH_LOG("%s",
								   rx_why);
	/* NOP 5 succeeded: its successor runs. */
	push_nop(&self->r, 6, 0);
	rx_publish(&self->r);
	ASSERT_EQ(1, rx_enter(&self->r, 1, 1, 0, 0, NULL));
	ASSERT_EQ(0, rx_reap_nops(&self->r, 6, 1)) TH_LOG("%s", rx_why);
}

/* Middle of a chain fails: the links before it ran, the ones after not. */
TEST_F(chain, middle_failure)
{
	static const __u64 ud[] = { 1, 2, 3, 4 };
	static const __s64 st[] = { 0, -EINVAL, -ECANCELED, 0 };
	struct rxring_sqe bad;

	push_nop(&self->r, 1, RXRING_SQE_CHAIN);
	rx_sqe_fill(&bad, RXRING_OP_NOP, 0, 5, 0, 2);	/* offset w/o RESULT */
	bad.flags = RXRING_SQE_CHAIN;
	rx_push(&self->r, &bad);
	push_nop(&self->r, 3, 0);
	push_nop(&self->r, 4, 0);
	rx_publish(&self->r);
	ASSERT_EQ(4, rx_enter(&self->r, 4, 4, 0, 0, NULL));
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 4)) TH_LOG("%s",
								   rx_why);
}

/* An SQE with unknown flag bits and CHAIN breaks its chain too. */
TEST_F(chain, invalid_flags_break_chain)
{
	static const __u64 ud[] = { 1, 2, 3 };
	static const __s64 st[] = { -EINVAL, -ECANCELED, 0 };

	push_nop(&self->r, 1, RXRING_SQE_CHAIN | 0x80);
	push_nop(&self->r, 2, 0);
	push_nop(&self->r, 3, 0);
	rx_publish(&self->r);
	ASSERT_EQ(3, rx_enter(&self->r, 3, 3, 0, 0, NULL));
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 3)) TH_LOG("%s",
								   rx_why);
}

/* A link that fails later (a TIMEOUT: -ETIME) cancels the rest. */
TEST_F(chain, async_failure_cancels_rest)
{
	static const __u64 ud[] = { 1, 2, 3, 4 };
	static const __s64 st[] = { -ETIME, -ECANCELED, -ECANCELED, 0 };
	char buf[8];

	push_timeout(&self->r, 30, 1, RXRING_SQE_CHAIN);
	push_flags(&self->r, RXRING_OP_READ, self->p[0], buf, 4,
		   RXRING_POS_CURRENT, 2, RXRING_SQE_CHAIN);
	push_nop(&self->r, 3, 0);
	push_nop(&self->r, 4, 0);
	rx_publish(&self->r);
	ASSERT_EQ(4, rx_enter(&self->r, 4, 4, RXRING_ENTER_TIMEOUT,
			      10 * RX_NSEC, NULL));
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 4)) TH_LOG("%s",
								   rx_why);
	/* The pipe read never ran: the pipe still works normally. */
	ASSERT_EQ(1, write(self->p[1], "q", 1));
	EXPECT_EQ(1, rw_one(&self->r, RXRING_OP_READ, self->p[0], buf, 4,
			    RXRING_POS_CURRENT));
}

/*
 * A CANCEL is an SQE like any other: behind a link in flight it waits in
 * the SQ too, so it cannot reach the link (docs/abi.md).
 */
TEST_F(chain, cancel_waits_behind_link)
{
	static const __u64 ud[] = { 1, 9 };
	static const __s64 st[] = { 1, -ENOENT };
	struct rxring_sqe sqe;
	char buf[8];
	__u32 sub = 0;

	push_flags(&self->r, RXRING_OP_READ, self->p[0], buf, 4,
		   RXRING_POS_CURRENT, 1, RXRING_SQE_CHAIN);
	rx_publish(&self->r);
	ASSERT_LE(0, rx_enter(&self->r, 1, 0, 0, 0, &sub));
	ASSERT_EQ(1U, sub);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RXRING_OP_CANCEL;
	sqe.addr = 1;
	sqe.user_data = 9;
	rx_push(&self->r, &sqe);
	rx_publish(&self->r);
	ASSERT_LE(0, rx_enter(&self->r, 1, 0, 0, 0, &sub));
	EXPECT_EQ(0U, sub);
	ASSERT_EQ(1, write(self->p[1], "x", 1));
	ASSERT_EQ(0, rw_wait(&self->r, 1));
	ASSERT_LE(0, rx_enter(&self->r, 1, 2, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 2)) TH_LOG("%s",
								   rx_why);
}

/* DRAIN: after everything earlier completed; what follows waits too. */
TEST_F(chain, drain_waits_for_all)
{
	static const __u64 ud[] = { 2, 1, 3, 4 };
	static const __s64 st[] = { 0, -ETIME, 0, 0 };
	__u32 sub = 0;

	push_timeout(&self->r, 60, 1, 0);
	push_nop(&self->r, 2, 0);
	push_nop(&self->r, 3, RXRING_SQE_DRAIN);
	push_nop(&self->r, 4, 0);
	rx_publish(&self->r);
	ASSERT_LE(0, rx_enter(&self->r, 4, 0, 0, 0, &sub));
	EXPECT_EQ(2U, sub);
	EXPECT_EQ(2ULL, rx_sq_head(&self->r));
	/* With min_complete, ENTER takes the rest once the drain clears. */
	ASSERT_LE(0, rx_enter(&self->r, 2, 4, RXRING_ENTER_TIMEOUT,
			      10 * RX_NSEC, &sub));
	EXPECT_EQ(2U, sub);
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 4)) TH_LOG("%s",
								   rx_why);
	/* Nothing in flight: a DRAIN goes at once. */
	push_nop(&self->r, 5, RXRING_SQE_DRAIN);
	rx_publish(&self->r);
	ASSERT_EQ(1, rx_enter(&self->r, 1, 1, 0, 0, NULL));
	ASSERT_EQ(0, rx_reap_nops(&self->r, 5, 1)) TH_LOG("%s", rx_why);
}

/* Block writes, then a DRAIN read of the same blocks sees them. */
TEST_F(chain, drain_orders_io)
{
	enum { N = 16, LEN = 64 * 1024 };
	char *w = rw_alloc((size_t)N * LEN), *rd = rw_alloc((size_t)N * LEN);
	unsigned int i;
	__s64 st[N + 1];
	int fd;

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, rd);
	fd = open("/dev/nvme0n1", O_RDWR | O_DIRECT);
	if (fd < 0)
		SKIP(return, "/dev/nvme0n1: %s", strerror(errno));
	for (i = 0; i < N; i++) {
		rw_fill(w + (size_t)i * LEN, LEN, 1000 + i + rw_rnd());
		rw_push(&self->r, RXRING_OP_WRITE, fd, w + (size_t)i * LEN,
			LEN, (__u64)(64 + i) * LEN, i);
	}
	push_flags(&self->r, RXRING_OP_READ, fd, rd, (size_t)N * LEN,
		   64ULL * LEN, N, RXRING_SQE_DRAIN);
	ASSERT_EQ(0, rw_run(&self->r, N + 1, 0, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < N; i++)
		EXPECT_EQ(LEN, st[i]);
	EXPECT_EQ((__s64)N * LEN, st[N]);
	EXPECT_EQ(0, memcmp(w, rd, (size_t)N * LEN));
	close(fd);
	free(w);
	free(rd);
}

/* WRITE -> FSYNC -> READ on a file, linked. */
TEST_F(chain, write_fsync_read)
{
	static const __u64 ud[] = { 1, 2, 3 };
	static const __s64 st[] = { 11, 0, 11 };
	char path[64], buf[16] = { 0 };
	int fd;

	snprintf(path, sizeof(path), "/tmp/rxchain%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	unlink(path);
	push_flags(&self->r, RXRING_OP_WRITE, fd, "hello world", 11, 0, 1,
		   RXRING_SQE_CHAIN);
	push_flags(&self->r, RXRING_OP_FSYNC, fd, NULL, 0, 0, 2,
		   RXRING_SQE_CHAIN);
	push_flags(&self->r, RXRING_OP_READ, fd, buf, sizeof(buf), 0, 3, 0);
	rx_publish(&self->r);
	ASSERT_EQ(3, rx_enter(&self->r, 3, 3, 0, 0, NULL));
	ASSERT_EQ(0, expect_in_order(&self->r, ud, st, 3)) TH_LOG("%s",
								   rx_why);
	EXPECT_EQ(0, memcmp(buf, "hello world", 11));
	close(fd);
}

/* priority is advisory: any value is accepted. */
TEST_F(chain, priority_accepted)
{
	struct rxring_sqe sqe;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		rx_sqe_fill(&sqe, RXRING_OP_NOP, 0, 0, 0, i);
		sqe.priority = (__u16)(i * 0x5555);
		rx_push(&self->r, &sqe);
	}
	rx_publish(&self->r);
	ASSERT_EQ(4, rx_enter(&self->r, 4, 4, 0, 0, NULL));
	ASSERT_EQ(0, rx_reap_nops(&self->r, 0, 4)) TH_LOG("%s", rx_why);
}

TEST_HARNESS_MAIN
