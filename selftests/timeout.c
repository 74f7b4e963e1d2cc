// SPDX-License-Identifier: GPL-2.0
/*
 * timeout: RXRING_OP_TIMEOUT and RXRING_OP_CANCEL.
 *  - relative timeouts of 0, 1, 20 and 100 ms complete with -ETIME, never
 *    before the time asked for; 50 timeouts of random lengths each no
 *    earlier than its own deadline;
 *  - RXRING_TIMEOUT_ABS: a CLOCK_MONOTONIC deadline, not early; one in the
 *    past (and 0) at once;
 *  - a count timeout completes with 0 right after the N-th other
 *    completion (NOPs in later submissions, or in the same one), and with
 *    -ETIME on time when the count is not reached;
 *  - CANCEL of a timeout (timed and counted): target -ECANCELED, CANCEL 0,
 *    nothing more later; a second CANCEL, one for an unknown, a completed
 *    or its own user_data: -ENOENT;
 *  - the cancel/expiry race: many short timeouts, each raced by a CANCEL
 *    (separately and in the same submission, one at a time and 32 pairs
 *    at once): each target completes exactly once with -ETIME or
 *    -ECANCELED, and its CANCEL with 0 exactly when the target got
 *    -ECANCELED, -ENOENT otherwise;
 *  - timeouts that never fire (U64_MAX, relative and absolute) park until
 *    cancelled; closing a ring and exiting a process with 100 timeouts
 *    pending does not hang;
 *  - -EINVAL for unused fields and unknown flags of TIMEOUT and CANCEL.
 * Every accepted SQE completes exactly once: user_data bookkeeping.
 */
#include <limits.h>
#include <sys/wait.h>

#include "harness.h"
#include "kops.h"

FIXTURE(to) {
	struct rxring ring;
	struct kops_book b;
	__u64 ud;
};

FIXTURE_SETUP(to)
{
	int ret;

	ret = kops_ring(&self->ring, 256, 0);
	ASSERT_EQ(0, ret) TH_LOG("ring: %s", strerror(-ret));
	ASSERT_EQ(0, kops_book_init(&self->b, 1, 200000));
	self->ud = 1;
}

FIXTURE_TEARDOWN(to)
{
	rxring_queue_exit(&self->ring);
	kops_book_free(&self->b);
}

#define BALANCED() do {							\
	ASSERT_EQ(0, kops_book_balanced(&self->b)) TH_LOG("%s", kops_why); \
	ASSERT_EQ(0, kops_quiet(&self->ring, 20)) TH_LOG("%s", kops_why); \
} while (0)

#define QUIET(ms) ASSERT_EQ(0, kops_quiet(&self->ring, (ms)))		\
		TH_LOG("%s", kops_why)

#define SUBMIT(n) ASSERT_EQ((int)(n), kops_submit(&self->ring))

#define REAP_FOR(ud_, c_) do {						\
	ASSERT_EQ(0, kops_reap(&self->ring, &self->b, &(c_),		\
			       KOPS_WATCHDOG_MS)) TH_LOG("%s", kops_why); \
	ASSERT_EQ((__u64)(ud_), (c_).user_data);			\
} while (0)

#define REAP(n) ASSERT_EQ(0, kops_reap_n(&self->ring, &self->b, (n)))	\
		TH_LOG("%s", kops_why)

#define RUN1(ud_expr, st_) do {						\
	struct rxring_completion c1_;					\
	__u64 u1_ = (ud_expr);						\
	SUBMIT(1);							\
	REAP_FOR(u1_, c1_);						\
	ASSERT_EQ((__s64)(st_), c1_.status);				\
} while (0)

static __u64 q_timeout(FIXTURE_DATA(to) *self, __u64 ns, __u32 count,
		       unsigned int flags)
{
	__u64 ud = self->ud++;
	struct rxring_sqe *sqe = kops_sqe(&self->ring, &self->b, ud);

	if (!sqe)
		return 0;
	rxring_prep_timeout(sqe, ns, count, flags);
	rxring_sqe_set_data(sqe, ud);
	return ud;
}

static __u64 q_cancel(FIXTURE_DATA(to) *self, __u64 target)
{
	__u64 ud = self->ud++;
	struct rxring_sqe *sqe = kops_sqe(&self->ring, &self->b, ud);

	if (!sqe)
		return 0;
	rxring_prep_cancel(sqe, target);
	rxring_sqe_set_data(sqe, ud);
	return ud;
}

static __u64 q_nop(FIXTURE_DATA(to) *self)
{
	__u64 ud = self->ud++;
	struct rxring_sqe *sqe = kops_sqe(&self->ring, &self->b, ud);

	if (!sqe)
		return 0;
	rxring_prep_nop(sqe);
	rxring_sqe_set_data(sqe, ud);
	return ud;
}

static __u64 q_raw(FIXTURE_DATA(to) *self, const struct rxring_sqe *src)
{
	__u64 ud = self->ud++;
	struct rxring_sqe *sqe = kops_sqe(&self->ring, &self->b, ud);

	if (!sqe)
		return 0;
	*sqe = *src;
	sqe->user_data = ud;
	return ud;
}

/* ---- expiry ------------------------------------------------------------ */

TEST_F(to, relative_not_early)
{
	static const long long ms[] = { 0, 1, 20, 100 };
	struct rxring_completion c;
	unsigned int i;

	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		long long t0 = rx_now_ns(), dt;
		__u64 ud = q_timeout(self, (__u64)(ms[i] * RX_MSEC), 0, 0);

		SUBMIT(1);
		REAP_FOR(ud, c);
		dt = rx_now_ns() - t0;
		EXPECT_EQ(-ETIME, c.status);
		EXPECT_EQ(0ULL, c.flags);
		EXPECT_LE(ms[i] * RX_MSEC, dt) TH_LOG("%lld ms", ms[i]);
		EXPECT_GT(ms[i] * RX_MSEC + 5 * RX_NSEC, dt);
	}
	BALANCED();
}

TEST_F(to, abs_not_early)
{
	struct rxring_completion c;
	long long deadline = rx_now_ns() + 50 * RX_MSEC, t0;
	__u64 ud;

	ud = q_timeout(self, (__u64)deadline, 0, RXRING_TIMEOUT_ABS);
	SUBMIT(1);
	REAP_FOR(ud, c);
	EXPECT_EQ(-ETIME, c.status);
	EXPECT_LE(deadline, rx_now_ns());

	/* In the past, and 0: at once. */
	t0 = rx_now_ns();
	RUN1(q_timeout(self, (__u64)(t0 - 10 * RX_MSEC), 0,
		       RXRING_TIMEOUT_ABS), -ETIME);
	RUN1(q_timeout(self, 1, 0, RXRING_TIMEOUT_ABS), -ETIME);
	RUN1(q_timeout(self, 0, 0, RXRING_TIMEOUT_ABS), -ETIME);
	EXPECT_GT(2 * RX_NSEC, rx_now_ns() - t0);
	BALANCED();
}

/* Many timeouts in flight at once, each completes no earlier than asked. */
TEST_F(to, many_timeouts_each_on_time)
{
	const unsigned int n = 50;
	long long deadline[50];
	__u64 first = self->ud;
	unsigned int i;

	srand(1234);
	for (i = 0; i < n; i++) {
		long long ns = (rand() % 100 + 1) * RX_MSEC;
		__u64 ud;

		deadline[i] = rx_now_ns() + ns;
		if (i % 2)
			ud = q_timeout(self, (__u64)ns, 0, 0);
		else
			ud = q_timeout(self, (__u64)deadline[i], 0,
				       RXRING_TIMEOUT_ABS);
		ASSERT_NE(0ULL, ud);
	}
	SUBMIT(n);
	for (i = 0; i < n; i++) {
		struct rxring_completion c;
		__u64 k;

		ASSERT_EQ(0, kops_reap(&self->ring, &self->b, &c,
				       KOPS_WATCHDOG_MS)) TH_LOG("%s", kops_why);
		k = c.user_data - first;
		ASSERT_GT(n, k);
		EXPECT_EQ(-ETIME, c.status);
		/* Reaped at once when it arrives: never before its time. */
		EXPECT_LE(deadline[k],
			  self->b.when[c.user_data - self->b.base])
			TH_LOG("timeout %llu completed %lld us early",
			       (unsigned long long)k,
			       (deadline[k] -
				self->b.when[c.user_data - self->b.base]) /
			       1000);
	}
	BALANCED();
}

/*
 * Thousands of pending timeouts with distinct deadlines 20 us apart: all
 * complete with -ETIME, in deadline order, in reasonable time (the timer
 * must not rescan everything pending for each expiry forever).
 */
TEST_F_TIMEOUT(to, thousands_of_distinct_deadlines, 300)
{
	const unsigned int n = 8192;
	struct rxring big;
	struct kops_book b;
	struct rxring_completion c;
	long long t0, first_ns = 200 * RX_MSEC;
	unsigned int i, out_of_order = 0;
	__u64 last = 0;

	ASSERT_EQ(0, kops_ring(&big, 8192, 16384));
	ASSERT_EQ(0, kops_book_init(&b, 1, n));
	for (i = 0; i < n; i++) {
		struct rxring_sqe *sqe = kops_sqe(&big, &b, 1 + i);

		ASSERT_NE(NULL, sqe);
		rxring_prep_timeout(sqe, (__u64)(first_ns + i * 20000LL), 0,
				    0);
		rxring_sqe_set_data(sqe, 1 + i);
	}
	t0 = rx_now_ns();
	ASSERT_EQ((int)n, rxring_submit(&big));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, kops_reap(&big, &b, &c, 60000))
			TH_LOG("completion %u: %s", i, kops_why);
		ASSERT_EQ(-ETIME, c.status);
		out_of_order += c.user_data < last;
		last = c.user_data;
	}
	TH_LOG("%u timeouts over %lld ms of deadlines completed in %lld ms (%u out of order)",
	       n, (first_ns + n * 20000LL) / RX_MSEC, kops_ms_since(t0),
	       out_of_order);
	EXPECT_EQ(0U, out_of_order);
	EXPECT_EQ(0, kops_book_balanced(&b));
	kops_book_free(&b);
	rxring_queue_exit(&big);
}

/* ---- counts ---------------------------------------------------------------- */

TEST_F(to, count_completes_after_n_completions)
{
	struct rxring_completion c;
	__u64 t, n;
	int i;

	/* NOPs in later submissions. */
	t = q_timeout(self, 10 * RX_NSEC, 3, 0);
	SUBMIT(1);
	for (i = 0; i < 2; i++) {
		n = q_nop(self);
		SUBMIT(1);
		REAP_FOR(n, c);
	}
	QUIET(30);
	n = q_nop(self);
	SUBMIT(1);
	REAP_FOR(n, c);
	/* Completed right after the third one. */
	REAP_FOR(t, c);
	EXPECT_EQ(0, c.status);

	/* NOPs in the same submission, after the TIMEOUT. */
	t = q_timeout(self, 10 * RX_NSEC, 2, 0);
	q_nop(self);
	q_nop(self);
	SUBMIT(3);
	REAP(3);
	EXPECT_EQ(0, kops_book_status(&self->b, t));

	/* Completions of any kind count: a CANCEL of nothing, -ENOENT. */
	t = q_timeout(self, 10 * RX_NSEC, 1, 0);
	q_cancel(self, 999999);
	SUBMIT(2);
	REAP(2);
	EXPECT_EQ(0, kops_book_status(&self->b, t));

	/* Not reached: -ETIME on time. */
	t = q_timeout(self, 50 * RX_MSEC, 5, 0);
	q_nop(self);
	SUBMIT(2);
	REAP(2);
	EXPECT_EQ(-ETIME, kops_book_status(&self->b, t));
	BALANCED();
}

/*
 * A count TIMEOUT's own completion is one of the "other completions" of
 * the rest: A (count 1) and B (count 2), then one NOP: the NOP completes
 * A, whose completion completes B.
 */
TEST_F(to, count_timeouts_count_each_other)
{
	__u64 a, b, n;

	a = q_timeout(self, 10 * RX_NSEC, 1, 0);
	b = q_timeout(self, 10 * RX_NSEC, 2, 0);
	SUBMIT(2);
	QUIET(20);
	n = q_nop(self);
	SUBMIT(1);
	REAP(3);
	EXPECT_EQ(0, kops_book_status(&self->b, n));
	EXPECT_EQ(0, kops_book_status(&self->b, a));
	EXPECT_EQ(0, kops_book_status(&self->b, b));
	BALANCED();
}

/* Earlier completions do not count towards a later TIMEOUT. */
TEST_F(to, count_starts_at_submission)
{
	struct rxring_completion c;
	__u64 t, n;

	q_nop(self);
	q_nop(self);
	SUBMIT(2);
	/* Two completions are waiting in the CQ, unreaped. */
	t = q_timeout(self, 10 * RX_NSEC, 2, 0);
	SUBMIT(1);
	REAP(2);
	QUIET(30);
	n = q_nop(self);
	SUBMIT(1);
	REAP_FOR(n, c);
	QUIET(30);
	n = q_nop(self);
	SUBMIT(1);
	REAP_FOR(n, c);
	REAP_FOR(t, c);
	EXPECT_EQ(0, c.status);
	BALANCED();
}

/* ---- CANCEL ------------------------------------------------------------------ */

TEST_F(to, cancel_timeout)
{
	struct rxring_completion c;
	__u64 t, cn;

	t = q_timeout(self, 10 * RX_NSEC, 0, 0);
	SUBMIT(1);
	QUIET(20);
	cn = q_cancel(self, t);
	SUBMIT(1);
	REAP_FOR(t, c);
	EXPECT_EQ(-ECANCELED, c.status);
	REAP_FOR(cn, c);
	EXPECT_EQ(0, c.status);
	RUN1(q_cancel(self, t), -ENOENT);

	/* A counted one: cancelled, later completions do not revive it. */
	t = q_timeout(self, 10 * RX_NSEC, 2, 0);
	SUBMIT(1);
	cn = q_cancel(self, t);
	SUBMIT(1);
	REAP(2);
	EXPECT_EQ(-ECANCELED, kops_book_status(&self->b, t));
	EXPECT_EQ(0, kops_book_status(&self->b, cn));
	q_nop(self);
	q_nop(self);
	q_nop(self);
	SUBMIT(3);
	REAP(3);

	/* The CANCEL and its target in one submission. */
	t = q_timeout(self, 10 * RX_NSEC, 0, 0);
	cn = q_cancel(self, t);
	SUBMIT(2);
	REAP(2);
	EXPECT_EQ(-ECANCELED, kops_book_status(&self->b, t));
	EXPECT_EQ(0, kops_book_status(&self->b, cn));
	QUIET(50);
	BALANCED();
}

TEST_F(to, cancel_unknown_enoent)
{
	__u64 n, self_ud;
	struct rxring_sqe *sqe;

	RUN1(q_cancel(self, 123456789), -ENOENT);
	RUN1(q_cancel(self, 0), -ENOENT);
	RUN1(q_cancel(self, ~0ULL), -ENOENT);
	/* Something that already completed. */
	n = q_nop(self);
	SUBMIT(1);
	REAP(1);
	RUN1(q_cancel(self, n), -ENOENT);
	/* Itself: not pending while it runs. */
	self_ud = self->ud++;
	sqe = kops_sqe(&self->ring, &self->b, self_ud);
	ASSERT_NE(NULL, sqe);
	rxring_prep_cancel(sqe, self_ud);
	rxring_sqe_set_data(sqe, self_ud);
	SUBMIT(1);
	REAP(1);
	EXPECT_EQ(-ENOENT, kops_book_status(&self->b, self_ud));
	BALANCED();
}

/* Timeouts that never come due wait until cancelled. */
TEST_F(to, never_due_until_cancelled)
{
	__u64 t1, t2, c1, c2;

	t1 = q_timeout(self, ~0ULL, 0, 0);
	t2 = q_timeout(self, ~0ULL, 0, RXRING_TIMEOUT_ABS);
	SUBMIT(2);
	QUIET(50);
	c1 = q_cancel(self, t1);
	c2 = q_cancel(self, t2);
	SUBMIT(2);
	REAP(4);
	EXPECT_EQ(-ECANCELED, kops_book_status(&self->b, t1));
	EXPECT_EQ(-ECANCELED, kops_book_status(&self->b, t2));
	EXPECT_EQ(0, kops_book_status(&self->b, c1));
	EXPECT_EQ(0, kops_book_status(&self->b, c2));
	BALANCED();
}

/* ---- the cancel / expiry race -------------------------------------------------- */

static unsigned int race_iters(void)
{
	const char *s = getenv("RXRING_RACE_ITERS");
	unsigned long v = s ? strtoul(s, NULL, 0) : 0;

	return v ? (unsigned int)v : 2000;
}

/* Busy-wait about us microseconds. */
static void spin_us(long long us)
{
	long long end = rx_now_ns() + us * 1000;

	while (rx_now_ns() < end)
		;
}

struct race_tally {
	unsigned int expired, cancelled;
};

/* Check one pair; returns 0 or -1 with kops_why. */
static int race_check(const struct kops_book *b, __u64 t, __u64 cn,
		      struct race_tally *tally)
{
	__s64 ts = b->status[t - b->base], cs = b->status[cn - b->base];

	if (b->state[t - b->base] != 2 || b->state[cn - b->base] != 2) {
		snprintf(kops_why, sizeof(kops_why), "pair %llu/%llu incomplete",
			 (unsigned long long)t, (unsigned long long)cn);
		return -1;
	}
	if (ts == -ETIME && cs == -ENOENT) {
		tally->expired++;
		return 0;
	}
	if (ts == -ECANCELED && cs == 0) {
		tally->cancelled++;
		return 0;
	}
	snprintf(kops_why, sizeof(kops_why),
		 "TIMEOUT %llu completed with %lld, its CANCEL with %lld",
		 (unsigned long long)t, (long long)ts, (long long)cs);
	return -1;
}

TEST_F_TIMEOUT(to, cancel_expiry_race_one_at_a_time, 300)
{
	unsigned int iters = race_iters(), i;
	struct race_tally tally = { 0, 0 };
	long long t0 = rx_now_ns();

	srand(42);
	for (i = 0; i < iters; i++) {
		__u64 ns = (__u64)(rand() % 200) * 1000;	/* 0..200 us */
		__u64 t, cn;

		t = q_timeout(self, ns, 0, 0);
		if (i % 2) {
			/* Separate submissions, a random gap between. */
			SUBMIT(1);
			spin_us(rand() % 200);
			cn = q_cancel(self, t);
			SUBMIT(1);
		} else {
			cn = q_cancel(self, t);
			SUBMIT(2);
		}
		REAP(2);
		ASSERT_EQ(0, race_check(&self->b, t, cn, &tally))
			TH_LOG("iteration %u: %s", i, kops_why);
	}
	TH_LOG("%u races in %lld ms: %u expired first, %u cancelled first",
	       iters, kops_ms_since(t0), tally.expired, tally.cancelled);
	EXPECT_EQ(iters, tally.expired + tally.cancelled);
	QUIET(50);
	BALANCED();
}

TEST_F_TIMEOUT(to, cancel_expiry_race_batches, 300)
{
	unsigned int rounds = race_iters() / 32, i, k;
	struct race_tally tally = { 0, 0 };
	long long t0 = rx_now_ns();

	srand(7);
	for (i = 0; i < rounds; i++) {
		__u64 t[32], cn[32];

		for (k = 0; k < 32; k++)
			t[k] = q_timeout(self, (__u64)(rand() % 300) * 1000,
					 0, 0);
		SUBMIT(32);
		spin_us(rand() % 300);
		for (k = 0; k < 32; k++)
			cn[k] = q_cancel(self, t[k]);
		SUBMIT(32);
		REAP(64);
		for (k = 0; k < 32; k++)
			ASSERT_EQ(0, race_check(&self->b, t[k], cn[k], &tally))
				TH_LOG("round %u pair %u: %s", i, k, kops_why);
	}
	TH_LOG("%u races in %lld ms: %u expired first, %u cancelled first",
	       rounds * 32, kops_ms_since(t0), tally.expired,
	       tally.cancelled);
	QUIET(50);
	BALANCED();
}

/* ---- invalid SQEs ---------------------------------------------------------------- */

TEST_F(to, invalid_fields_einval)
{
	struct rxring_sqe s;
	unsigned int i;

	for (i = 0; i < 6; i++) {
		rxring_prep_timeout(&s, RX_MSEC, 0, 0);
		switch (i) {
		case 0: s.fd = 1; break;
		case 1: s.addr = 8; break;
		case 2: s.additional1 = 1; break;
		case 3: s.additional2 = 1; break;
		case 4: s.len = 0x100000000ULL; break;
		case 5: s.syscall_flags = 0x2; break;
		}
		RUN1(q_raw(self, &s), -EINVAL);
	}
	for (i = 0; i < 6; i++) {
		rxring_prep_cancel(&s, 1);
		switch (i) {
		case 0: s.fd = 1; break;
		case 1: s.len = 1; break;
		case 2: s.offset = 1; break;
		case 3: s.additional1 = 1; break;
		case 4: s.additional2 = 1; break;
		case 5: s.syscall_flags = 1; break;
		}
		RUN1(q_raw(self, &s), -EINVAL);
	}
	BALANCED();
}

/* ---- teardown with pending timeouts -------------------------------------------- */

static int park_timeouts(struct rxring *ring, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rxring_sqe *sqe = rxring_get_sqe(ring);

		if (!sqe)
			return -ENOSPC;
		rxring_prep_timeout(sqe, (10 + i) * RX_NSEC, i % 3, 0);
		rxring_sqe_set_data(sqe, i);
	}
	return rxring_submit(ring);
}

TEST(close_ring_with_pending_timeouts)
{
	struct rxring ring;
	long long t0;

	ASSERT_EQ(0, kops_ring(&ring, 128, 0));
	ASSERT_EQ(100, park_timeouts(&ring, 100));
	ASSERT_EQ(0U, rxring_cq_ready(&ring));
	t0 = rx_now_ns();
	rxring_queue_exit(&ring);
	EXPECT_GT(5000, kops_ms_since(t0));
}

TEST(exit_with_pending_timeouts)
{
	int st;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		struct rxring ring;

		if (kops_ring(&ring, 128, 0) || park_timeouts(&ring, 100) != 100)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_HARNESS_MAIN
