// SPDX-License-Identifier: GPL-2.0
/*
 * enter: RXRING_IOC_ENTER.
 *  - EINVAL, taking nothing: unknown flag bits, non-zero reserved fields,
 *    non-zero `submitted` on input, negative timeout with ENTER_TIMEOUT,
 *    non-zero timeout without it, min_complete > cq_entries, ONLY_NOTIFY
 *    with to_submit or min_complete; the limits themselves are valid
 *    (min_complete == cq_entries, timeout 0 and INT64_MAX);
 *  - EFAULT for NULL / unmapped records, taking nothing;
 *  - to_submit: at most what the SQ holds, exactly to_submit otherwise;
 *  - timeouts: min_complete 1 with nothing pending and 10 ms -> ETIME after
 *    at least 10 ms (and well under 5 s); a wait that took something
 *    succeeds on timeout or signal;
 *  - signals: SIGALRM with a no-op handler (no SA_RESTART) interrupting a
 *    wait -> EINTR (also with a long timeout);
 *  - the return value is the number of filled CQ slots (pairs count two);
 *    min_complete already satisfied returns at once; ONLY_NOTIFY returns it
 *    and takes nothing; a wake-up alone does not end a wait;
 *  - a waiter is woken by another thread's submission.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/time.h>

#include "harness.h"
#include "common.h"

FIXTURE(enter) {
	struct rx r;
};

FIXTURE_SETUP(enter)
{
	ASSERT_EQ(0, rx_setup(&self->r, 8, 16, 0));
}

FIXTURE_TEARDOWN(enter)
{
	rx_teardown(&self->r);
}

static int enter_rec(int fd, struct rxring_enter *e)
{
	return rx_ioctl(fd, RXRING_IOC_ENTER, e);
}

struct bad_enter {
	const char *name;
	struct rxring_enter e;
};

TEST_F(enter, bad_arguments_einval)
{
	const struct bad_enter bad[] = {
		{ "flags bit 3", { .to_submit = 1, .flags = 1U << 3 } },
		{ "flags bit 31", { .to_submit = 1, .flags = 1U << 31 } },
		{ "flags all", { .to_submit = 1, .flags = 0xffffffff,
				 .timeout_ns = 1 } },
		{ "resv0", { .to_submit = 1, .__resv0 = 1 } },
		{ "resv1", { .to_submit = 1, .__resv1 = 1 } },
		{ "resv2[0]", { .to_submit = 1, .__resv2 = { 1, 0 } } },
		{ "resv2[1]", { .to_submit = 1, .__resv2 = { 0, 1ULL << 63 } } },
		{ "submitted in", { .to_submit = 1, .submitted = 1 } },
		{ "submitted in max", { .to_submit = 1,
					.submitted = UINT32_MAX } },
		{ "timeout -1", { .to_submit = 1, .flags = RXRING_ENTER_TIMEOUT,
				  .timeout_ns = -1 } },
		{ "timeout INT64_MIN", { .to_submit = 1,
					 .flags = RXRING_ENTER_TIMEOUT,
					 .timeout_ns = INT64_MIN } },
		{ "timeout without flag", { .to_submit = 1,
					    .timeout_ns = 1000000 } },
		{ "negative timeout without flag", { .to_submit = 1,
						     .timeout_ns = -1 } },
		{ "min_complete cq+1", { .to_submit = 1, .min_complete = 17 } },
		{ "min_complete max", { .to_submit = 1,
					.min_complete = UINT32_MAX } },
		{ "min_complete cq+1 with timeout",
		  { .to_submit = 1, .min_complete = 17,
		    .flags = RXRING_ENTER_TIMEOUT, .timeout_ns = 1000 } },
		{ "ONLY_NOTIFY to_submit", { .to_submit = 1,
					     .flags = RXRING_ENTER_ONLY_NOTIFY } },
		{ "ONLY_NOTIFY min_complete",
		  { .min_complete = 1, .flags = RXRING_ENTER_ONLY_NOTIFY } },
		{ "ONLY_NOTIFY both",
		  { .to_submit = 8, .min_complete = 16,
		    .flags = RXRING_ENTER_ONLY_NOTIFY } },
	};
	struct rx *r = &self->r;
	struct rxring_enter e;
	size_t i;

	/* One NOP pending: a wrongly accepted record would take it. */
	rx_push_nop(r, 1);
	rx_publish(r);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		e = bad[i].e;
		EXPECT_EQ(-EINVAL, enter_rec(r->fd, &e)) TH_LOG("%s",
								bad[i].name);
		EXPECT_EQ(0ULL, rx_sq_head(r)) TH_LOG("%s", bad[i].name);
		EXPECT_EQ(0ULL, rx_cq_tail(r)) TH_LOG("%s", bad[i].name);
	}
	/* The same NOP with a good record. */
	memset(&e, 0, sizeof(e));
	e.to_submit = 1;
	e.min_complete = 1;
	EXPECT_EQ(1, enter_rec(r->fd, &e));
	EXPECT_EQ(1U, e.submitted);
}

TEST_F(enter, limits_are_valid)
{
	struct rx *r = &self->r;
	long long t0;
	__u32 sub = 0;

	/* min_complete == cq_entries: a valid wait, times out. */
	EXPECT_EQ(-ETIME, rx_enter(r, 0, 16, RXRING_ENTER_TIMEOUT,
				   RX_MSEC, NULL));
	/* Timeout 0: expires at once. */
	t0 = rx_now_ns();
	EXPECT_EQ(-ETIME, rx_enter(r, 0, 1, RXRING_ENTER_TIMEOUT, 0, NULL));
	EXPECT_GT(5 * RX_NSEC, rx_now_ns() - t0);
	/* Nothing to wait for: the timeout does not matter. */
	EXPECT_EQ(0, rx_enter(r, 0, 0, RXRING_ENTER_TIMEOUT, 0, NULL));
	EXPECT_EQ(0, rx_enter(r, 0, 0, RXRING_ENTER_TIMEOUT, INT64_MAX,
			      NULL));
	/* INT64_MAX does not overflow into "expired". */
	rx_push_nop(r, 1);
	rx_publish(r);
	alarm(20);
	EXPECT_EQ(1, rx_enter(r, 1, 1, RXRING_ENTER_TIMEOUT, INT64_MAX,
			      &sub));
	alarm(0);
	EXPECT_EQ(1U, sub);
	/* ONLY_NOTIFY alone is fine. */
	EXPECT_EQ(1, rx_enter(r, 0, 0, RXRING_ENTER_ONLY_NOTIFY, 0, NULL));
	/* Every valid flag at once. */
	EXPECT_EQ(1, rx_enter(r, 0, 1, RXRING_ENTER_TIMEOUT |
			      RXRING_ENTER_WAKEUP_ON_SQ_AVAIL, RX_MSEC, NULL));
}

TEST_F(enter, bad_pointer_efault)
{
	struct rx *r = &self->r;
	void *hole = rx_unmapped_page();

	ASSERT_NE(NULL, hole);
	rx_push_nop(r, 1);
	rx_publish(r);
	EXPECT_EQ(-EFAULT, rx_ioctl(r->fd, RXRING_IOC_ENTER, NULL));
	EXPECT_EQ(-EFAULT, rx_ioctl(r->fd, RXRING_IOC_ENTER, hole));
	EXPECT_EQ(-EFAULT, rx_ioctl(r->fd, RXRING_IOC_ENTER,
				    (void *)-4096L));
	EXPECT_EQ(0ULL, rx_sq_head(r));
	EXPECT_EQ(0ULL, rx_cq_tail(r));
}

/*
 * [MUNMAP of the page holding the ENTER record, NOP, NOP]: the record
 * cannot be written back once the first is taken, yet the ENTER took all
 * three, so it succeeds and the SQ head and the CQ say so.
 */
TEST_F(enter, record_unmapped_by_taken_sqe)
{
	struct rx *r = &self->r;
	struct rxring_enter *e = mmap(NULL, rx_page(), RX_RW,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct rxring_sqe *sqe;

	ASSERT_NE(MAP_FAILED, e);
	sqe = rx_next_sqe(r);
	rx_sqe_fill(sqe, RXRING_OP_MUNMAP, 0, 0, 0, 1);
	sqe->addr = (__u64)(uintptr_t)e;
	sqe->len = rx_page();
	r->sq_tail++;
	rx_push_nop(r, 2);
	rx_push_nop(r, 3);
	rx_publish(r);
	memset(e, 0, sizeof(*e));
	e->to_submit = 3;
	EXPECT_EQ(3, rx_ioctl(r->fd, RXRING_IOC_ENTER, e));
	EXPECT_EQ(3ULL, rx_sq_head(r));
	EXPECT_EQ(3ULL, rx_cq_tail(r));
	EXPECT_EQ(0, rx_reap_nops(r, 1, 3)) TH_LOG("%s", rx_why);
}

TEST_F(enter, to_submit_bounds)
{
	struct rx *r = &self->r;
	__u32 sub;
	int i;

	for (i = 0; i < 5; i++)
		rx_push_nop(r, i);
	rx_publish(r);
	sub = 0;
	EXPECT_EQ(2, rx_enter(r, 2, 0, 0, 0, &sub));
	EXPECT_EQ(2U, sub);
	EXPECT_EQ(2ULL, rx_sq_head(r));
	sub = 0;
	EXPECT_EQ(2, rx_enter(r, 0, 0, 0, 0, &sub));
	EXPECT_EQ(0U, sub);
	EXPECT_EQ(2ULL, rx_sq_head(r));
	/* More than the SQ holds: what is there. */
	sub = 0;
	EXPECT_EQ(5, rx_enter(r, 100, 0, 0, 0, &sub));
	EXPECT_EQ(3U, sub);
	EXPECT_EQ(5ULL, rx_sq_head(r));
	/* Empty SQ. */
	sub = 0;
	EXPECT_EQ(5, rx_enter(r, UINT32_MAX, 0, 0, 0, &sub));
	EXPECT_EQ(0U, sub);
	EXPECT_EQ(0, rx_reap_nops(r, 0, 5)) TH_LOG("%s", rx_why);
}

TEST_F(enter, timeout_etime)
{
	struct rx *r = &self->r;
	long long t0, dt;
	__u32 sub = 0;

	t0 = rx_now_ns();
	EXPECT_EQ(-ETIME, rx_enter(r, 0, 1, RXRING_ENTER_TIMEOUT,
				   10 * RX_MSEC, &sub));
	dt = rx_now_ns() - t0;
	EXPECT_LE(10 * RX_MSEC, dt);
	EXPECT_GT(5 * RX_NSEC, dt);
	EXPECT_EQ(0U, sub);

	/* Fewer completions than asked for: still ETIME, nothing taken. */
	ASSERT_EQ(3, rx_submit_nops(r, 3, 0, 3, &sub));
	t0 = rx_now_ns();
	EXPECT_EQ(-ETIME, rx_enter(r, 0, 4, RXRING_ENTER_TIMEOUT,
				   20 * RX_MSEC, NULL));
	dt = rx_now_ns() - t0;
	EXPECT_LE(20 * RX_MSEC, dt);
	EXPECT_GT(5 * RX_NSEC, dt);
}

TEST_F(enter, taken_then_timeout_succeeds)
{
	struct rx *r = &self->r;
	long long t0;
	__u32 sub = 0;

	rx_push_nop(r, 7);
	rx_publish(r);
	t0 = rx_now_ns();
	/* Waits for 2, only 1 comes: the timeout ends it, but it took one. */
	EXPECT_EQ(1, rx_enter(r, 1, 2, RXRING_ENTER_TIMEOUT, 20 * RX_MSEC,
			      &sub));
	EXPECT_LE(20 * RX_MSEC, rx_now_ns() - t0);
	EXPECT_EQ(1U, sub);
	EXPECT_EQ(0, rx_reap_nops(r, 7, 1)) TH_LOG("%s", rx_why);
}

static void arm_timer_ms(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

TEST_F(enter, signal_eintr)
{
	struct rx *r = &self->r;
	long long t0, dt;

	ASSERT_EQ(0, rx_catch_signal(SIGALRM));

	/* No timeout: only the signal ends the wait. */
	arm_timer_ms(50);
	t0 = rx_now_ns();
	EXPECT_EQ(-EINTR, rx_enter(r, 0, 1, 0, 0, NULL));
	dt = rx_now_ns() - t0;
	EXPECT_LE(40 * RX_MSEC, dt);

	/* A long timeout: the signal comes first. */
	arm_timer_ms(50);
	t0 = rx_now_ns();
	EXPECT_EQ(-EINTR, rx_enter(r, 0, 1, RXRING_ENTER_TIMEOUT,
				   20 * RX_NSEC, NULL));
	dt = rx_now_ns() - t0;
	EXPECT_GT(10 * RX_NSEC, dt);
}

TEST_F(enter, taken_then_signal_succeeds)
{
	struct rx *r = &self->r;
	__u32 sub = 0;

	ASSERT_EQ(0, rx_catch_signal(SIGALRM));
	rx_push_nop(r, 9);
	rx_publish(r);
	arm_timer_ms(100);
	/* Waits for 2, only 1 comes; the signal ends it: success. */
	EXPECT_EQ(1, rx_enter(r, 1, 2, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	EXPECT_EQ(0, rx_reap_nops(r, 9, 1)) TH_LOG("%s", rx_why);
}

TEST_F(enter, return_value_is_filled_slots)
{
	struct rx *r = &self->r;
	struct rx_cqe c;
	__u32 sub = 0;

	EXPECT_EQ(0, rx_enter(r, 0, 0, 0, 0, NULL));
	EXPECT_EQ(3, rx_submit_nops(r, 3, 0, 0, &sub));
	EXPECT_EQ(3, rx_enter(r, 0, 0, 0, 0, NULL));
	ASSERT_EQ(1, rx_reap(r, &c));
	EXPECT_EQ(2, rx_enter(r, 0, 0, 0, 0, NULL));
	/* A pair counts two; min_complete counts slots too. */
	rx_push_nop_flags(r, RXRING_NOP_EXTENDED, 0, 1, 50);
	rx_publish(r);
	EXPECT_EQ(4, rx_enter(r, 1, 4, 0, 0, &sub));
	EXPECT_EQ(4, rx_enter(r, 0, 0, RXRING_ENTER_ONLY_NOTIFY, 0, NULL));
	rx_push_nop_flags(r, RXRING_NOP_EXTENDED, 0, 2, 51);
	rx_publish(r);
	alarm(20);
	EXPECT_EQ(6, rx_enter(r, 1, 6, 0, 0, &sub));
	/* Already there: no wait. */
	EXPECT_EQ(6, rx_enter(r, 0, 6, 0, 0, NULL));
	EXPECT_EQ(6, rx_enter(r, 0, 1, 0, 0, NULL));
	alarm(0);
	EXPECT_EQ(4, rx_drain(r));
	EXPECT_EQ(0, rx_enter(r, 0, 0, 0, 0, NULL));
}

TEST_F(enter, only_notify_takes_nothing)
{
	struct rx *r = &self->r;
	__u32 sub = 0;

	rx_push_nop(r, 1);
	rx_publish(r);
	EXPECT_EQ(0, rx_enter(r, 0, 0, RXRING_ENTER_ONLY_NOTIFY, 0, &sub));
	EXPECT_EQ(0U, sub);
	EXPECT_EQ(0ULL, rx_sq_head(r));
	EXPECT_EQ(1, rx_enter(r, 1, 0, 0, 0, &sub));
}

struct waiter {
	int fd;
	__u32 min_complete;
	__s64 timeout_ns;
	int ret;
	long long elapsed;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	long long t0 = rx_now_ns();

	int ret = rx_enter_raw(w->fd, 0, w->min_complete,
			       w->timeout_ns ? RXRING_ENTER_TIMEOUT : 0,
			       w->timeout_ns, NULL);

	w->elapsed = rx_now_ns() - t0;
	__atomic_store_n(&w->ret, ret, __ATOMIC_RELEASE);
	return NULL;
}

TEST_F_TIMEOUT(enter, woken_by_other_thread_submit, 60)
{
	struct rx *r = &self->r;
	struct waiter w = { .fd = r->fd, .min_complete = 1,
			    .timeout_ns = 20 * RX_NSEC, .ret = 12345 };
	pthread_t th;
	__u32 sub = 0;

	ASSERT_EQ(0, pthread_create(&th, NULL, waiter_fn, &w));
	rx_sleep_ms(100);
	/* Still waiting: nothing has completed. */
	EXPECT_EQ(12345, __atomic_load_n(&w.ret, __ATOMIC_ACQUIRE));
	ASSERT_EQ(1, rx_submit_nops(r, 1, 5, 0, &sub));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(1, w.ret);
	EXPECT_GT(10 * RX_NSEC, w.elapsed);
}

TEST_F_TIMEOUT(enter, woken_by_pair, 60)
{
	struct rx *r = &self->r;
	struct waiter w = { .fd = r->fd, .min_complete = 2,
			    .timeout_ns = 20 * RX_NSEC, .ret = 12345 };
	pthread_t th;
	__u32 sub = 0;

	ASSERT_EQ(0, pthread_create(&th, NULL, waiter_fn, &w));
	rx_sleep_ms(100);
	EXPECT_EQ(12345, __atomic_load_n(&w.ret, __ATOMIC_ACQUIRE));
	rx_push_nop_flags(r, RXRING_NOP_EXTENDED, 0, 3, 4);
	rx_publish(r);
	ASSERT_EQ(2, rx_enter(r, 1, 0, 0, 0, &sub));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(2, w.ret);
	EXPECT_GT(10 * RX_NSEC, w.elapsed);
}

TEST_F_TIMEOUT(enter, notify_alone_does_not_end_wait, 60)
{
	struct rx *r = &self->r;
	struct waiter w = { .fd = r->fd, .min_complete = 1,
			    .timeout_ns = 400 * RX_MSEC };
	pthread_t th;
	int i;

	ASSERT_EQ(0, pthread_create(&th, NULL, waiter_fn, &w));
	for (i = 0; i < 5; i++) {
		rx_sleep_ms(40);
		EXPECT_EQ(0, rx_enter(r, 0, 0, RXRING_ENTER_ONLY_NOTIFY, 0,
				      NULL));
	}
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(-ETIME, w.ret);
	EXPECT_LE(400 * RX_MSEC, w.elapsed);
}

TEST_HARNESS_MAIN
