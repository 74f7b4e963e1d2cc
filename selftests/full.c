// SPDX-License-Identifier: GPL-2.0
/*
 * full: full rings and the CQ reservation rule.
 *  - a full SQ: librxring's get_sqe returns NULL at sq_entries pending,
 *    space comes back once the kernel took them;
 *  - a full CQ: the kernel takes an SQE only while two CQ slots are free
 *    (docs/abi.md, Enter step 3), so with sq = cq = 8 and nothing consumed
 *    exactly 7 single NOPs are taken (or 4 extended pairs); `submitted` and
 *    the ENTER value are checked exactly, the rest is taken after the user
 *    consumes, and every user_data comes back exactly once;
 *  - a randomised run with a model of the rule: mixed single / pair NOPs,
 *    random consumption, sq 16 > cq 8; submitted, ENTER value, SQ head and
 *    CQ tail must equal the model's after every ENTER;
 *  - WAKEUP_ON_SQ_AVAIL: a second thread consumes CQEs and calls ENTER with
 *    ONLY_NOTIFY, and the blocked submitter goes on until all are taken;
 *    with a timeout and no consumer it returns what it took (success), or
 *    ETIME when it took nothing; a signal gives EINTR when nothing was
 *    taken.
 */
#include <pthread.h>
#include <sys/time.h>

#include <rxring.h>

#include "harness.h"
#include "common.h"

FIXTURE(full) {
	struct rx r;
};

FIXTURE_SETUP(full)
{
	self->r.fd = -1;
}

FIXTURE_TEARDOWN(full)
{
	if (self->r.fd >= 0)
		rx_teardown(&self->r);
}

TEST_F(full, sq_full_get_sqe_null)
{
	struct rxring ring;
	struct rxring_sqe *sqe;
	unsigned int i;

	ASSERT_EQ(0, rxring_queue_init(8, &ring, 0));
	EXPECT_EQ(8U, rxring_sq_space_left(&ring));
	for (i = 0; i < 8; i++) {
		sqe = rxring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe) TH_LOG("sqe %u", i);
		rxring_prep_nop(sqe);
		rxring_sqe_set_data(sqe, i);
	}
	EXPECT_EQ(0U, rxring_sq_space_left(&ring));
	EXPECT_EQ(NULL, rxring_get_sqe(&ring));
	EXPECT_EQ(NULL, rxring_get_sqe(&ring));
	/* The kernel takes all 8 (the CQ has 16 slots)... */
	EXPECT_EQ(8, rxring_submit(&ring));
	EXPECT_EQ(8U, rxring_sq_space_left(&ring));
	EXPECT_EQ(8U, rxring_cq_ready(&ring));
	/* ... and the slots can be used again. */
	sqe = rxring_get_sqe(&ring);
	ASSERT_NE(NULL, sqe);
	rxring_queue_exit(&ring);
}

/* Raw: the SQ holds exactly sq_entries published entries. */
TEST_F(full, sq_full_raw)
{
	struct rx *r = &self->r;
	__u32 sub = 0;

	ASSERT_EQ(0, rx_setup(r, 8, 32, 0));
	/* tail = head + entries is a full SQ, not garbage. */
	ASSERT_EQ(8, rx_submit_nops(r, 8, 0, 8, &sub));
	EXPECT_EQ(8U, sub);
	EXPECT_EQ(8ULL, rx_sq_head(r));
	EXPECT_EQ(0, rx_reap_nops(r, 0, 8)) TH_LOG("%s", rx_why);
}

TEST_F(full, cq_full_single_nops)
{
	struct rx *r = &self->r;
	unsigned char seen[8] = { 0 };
	struct rx_cqe c;
	__u32 sub;
	int i;

	ASSERT_EQ(0, rx_setup(r, 8, 8, 0));
	for (i = 0; i < 8; i++)
		rx_push_nop(r, i);
	rx_publish(r);

	/* Taken while two slots are free: at filled 0..6, so 7. */
	sub = 0;
	EXPECT_EQ(7, rx_enter(r, 8, 0, 0, 0, &sub));
	EXPECT_EQ(7U, sub);
	EXPECT_EQ(7ULL, rx_sq_head(r));
	EXPECT_EQ(7ULL, rx_cq_tail(r));

	/* Full: nothing more is taken, and that is no error. */
	sub = 0;
	EXPECT_EQ(7, rx_enter(r, 1, 0, 0, 0, &sub));
	EXPECT_EQ(0U, sub);
	EXPECT_EQ(7ULL, rx_sq_head(r));
	/* Waiting for what is there returns at once. */
	EXPECT_EQ(7, rx_enter(r, 0, 7, 0, 0, NULL));

	/* Consume one: filled 6, two free, the last SQE goes in. */
	ASSERT_EQ(1, rx_reap(r, &c));
	ASSERT_LT(c.user_data, 8ULL);
	seen[c.user_data]++;
	sub = 0;
	EXPECT_EQ(7, rx_enter(r, 1, 0, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	EXPECT_EQ(8ULL, rx_sq_head(r));
	EXPECT_EQ(8ULL, rx_cq_tail(r));

	/* Nothing lost: 8 user_data, each once, status 0. */
	while (rx_reap(r, &c) == 1) {
		ASSERT_LT(c.user_data, 8ULL);
		seen[c.user_data]++;
		EXPECT_EQ(0, c.status);
		EXPECT_EQ(1U, c.slots);
	}
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(1, seen[i]) TH_LOG("user_data %d", i);
	}
	EXPECT_EQ(0, rx_enter(r, 0, 0, 0, 0, NULL));
}

TEST_F(full, cq_full_extended_pairs)
{
	struct rx *r = &self->r;
	unsigned char seen[8] = { 0 };
	struct rx_cqe c;
	__u32 sub;
	int i;

	ASSERT_EQ(0, rx_setup(r, 8, 8, 0));
	for (i = 0; i < 8; i++)
		rx_push_nop_flags(r, RXRING_NOP_EXTENDED, 0, 100 + i, i);
	rx_publish(r);

	/* Pairs at filled 0, 2, 4, 6: four, and the CQ is exactly full. */
	sub = 0;
	EXPECT_EQ(8, rx_enter(r, 8, 0, 0, 0, &sub));
	EXPECT_EQ(4U, sub);
	EXPECT_EQ(8ULL, rx_cq_tail(r));

	/* One pair consumed: room for one more. */
	ASSERT_EQ(1, rx_reap(r, &c));
	ASSERT_EQ(2U, c.slots);
	ASSERT_LT(c.user_data, 8ULL);
	seen[c.user_data]++;
	sub = 0;
	EXPECT_EQ(8, rx_enter(r, 4, 0, 0, 0, &sub));
	EXPECT_EQ(1U, sub);

	/* Two pairs consumed: two more. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(1, rx_reap(r, &c));
		ASSERT_LT(c.user_data, 8ULL);
		seen[c.user_data]++;
	}
	sub = 0;
	EXPECT_EQ(8, rx_enter(r, 3, 0, 0, 0, &sub));
	EXPECT_EQ(2U, sub);
	EXPECT_EQ(7ULL, rx_sq_head(r));

	/* Drain; the last one goes in. */
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, rx_reap(r, &c));
		ASSERT_LT(c.user_data, 8ULL);
		seen[c.user_data]++;
	}
	sub = 0;
	EXPECT_EQ(2, rx_enter(r, 1, 2, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	ASSERT_EQ(1, rx_reap(r, &c));
	ASSERT_LT(c.user_data, 8ULL);
	seen[c.user_data]++;
	EXPECT_EQ(c.user_data + 100, c.extra);
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(1, seen[i]) TH_LOG("user_data %d", i);
	}
}

/* A single NOP fits when exactly one slot would be left after a pair. */
TEST_F(full, odd_fill_then_pair)
{
	struct rx *r = &self->r;
	__u32 sub;

	ASSERT_EQ(0, rx_setup(r, 8, 8, 0));
	/* 5 singles: filled 5, free 3. */
	ASSERT_EQ(5, rx_submit_nops(r, 5, 0, 0, &sub));
	/* A pair (free 3 >= 2) then a single (free 1 < 2: stays). */
	rx_push_nop_flags(r, RXRING_NOP_EXTENDED, 0, 0, 10);
	rx_push_nop(r, 11);
	rx_publish(r);
	sub = 0;
	EXPECT_EQ(7, rx_enter(r, 2, 0, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	EXPECT_EQ(6ULL, rx_sq_head(r));
}

/* ---- randomised run against a model of the reservation rule ------------ */

static unsigned int rnd_state = 12345;

static unsigned int rnd(unsigned int n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

TEST_F_TIMEOUT(full, model_random, 300)
{
	enum { SQ = 16, CQ = 8, ROUNDS = 1500, MAXUD = 1 << 16 };
	struct rx *r = &self->r;
	unsigned char *slots_of;	/* per user_data: 1 or 2; 0: done */
	__u64 m_sq_head = 0, m_cq_tail = 0, next_ud = 0;
	unsigned int m_filled = 0, round;
	struct rx_cqe c;

	ASSERT_EQ(0, rx_setup(r, SQ, CQ, 0));
	slots_of = calloc(MAXUD, 1);
	ASSERT_NE(NULL, slots_of);

	for (round = 0; round < ROUNDS; round++) {
		unsigned int space = SQ - (unsigned int)(r->sq_tail - m_sq_head);
		unsigned int add = rnd(space + 1), i, consume;
		__u32 to_submit, sub = 0, m_taken = 0;
		__u64 k;
		int ret;

		/* Queue `add` NOPs, about a third of them pairs. */
		for (i = 0; i < add && next_ud < MAXUD; i++, next_ud++) {
			if (rnd(3) == 0) {
				rx_push_nop_flags(r, RXRING_NOP_EXTENDED, 0,
						  next_ud, next_ud);
				slots_of[next_ud] = 2;
			} else {
				rx_push_nop(r, next_ud);
				slots_of[next_ud] = 1;
			}
		}
		rx_publish(r);

		/* The model takes SQEs in order while two slots are free. */
		to_submit = rnd(SQ + 4);
		for (k = m_sq_head; k < r->sq_tail && m_taken < to_submit;
		     k++) {
			if (CQ - m_filled < 2)
				break;
			m_filled += slots_of[k];
			m_cq_tail += slots_of[k];
			m_taken++;
		}
		m_sq_head += m_taken;

		ret = rx_enter(r, to_submit, 0, 0, 0, &sub);
		ASSERT_EQ((int)m_filled, ret) TH_LOG("round %u", round);
		ASSERT_EQ(m_taken, sub) TH_LOG("round %u", round);
		ASSERT_EQ(m_sq_head, rx_sq_head(r)) TH_LOG("round %u", round);
		ASSERT_EQ(m_cq_tail, rx_cq_tail(r)) TH_LOG("round %u", round);

		/* Consume some whole completions. */
		consume = rnd(5);
		for (i = 0; i < consume; i++) {
			ret = rx_reap(r, &c);
			ASSERT_LE(0, ret);
			if (!ret)
				break;
			ASSERT_LT(c.user_data, next_ud);
			ASSERT_NE(0, slots_of[c.user_data])
				TH_LOG("user_data %llu twice",
				       (unsigned long long)c.user_data);
			ASSERT_EQ(slots_of[c.user_data], c.slots);
			if (c.slots == 2) {
				ASSERT_EQ(c.user_data, c.extra);
			}
			ASSERT_EQ(0, c.status);
			m_filled -= c.slots;
			slots_of[c.user_data] = 0;
		}
	}
	free(slots_of);
}

/* ---- WAKEUP_ON_SQ_AVAIL ------------------------------------------------- */

struct consumer {
	struct rx *r;
	unsigned int want;	/* completions to consume */
	unsigned int got;
	unsigned int notifies;
	int err;		/* first problem seen, 0 if none */
	unsigned char seen[64];
};

static void *consumer_fn(void *arg)
{
	struct consumer *k = arg;
	long long deadline = rx_now_ns() + 20 * RX_NSEC;
	struct rx_cqe c;

	/* Let the submitter block first. */
	rx_sleep_ms(50);
	while (k->got < k->want && rx_now_ns() < deadline) {
		int n = 0, ret;

		while ((ret = rx_reap(k->r, &c)) == 1) {
			if (c.user_data >= sizeof(k->seen) ||
			    k->seen[c.user_data]++) {
				k->err = k->err ? k->err : 1;
			}
			k->got++;
			n++;
		}
		if (ret < 0)
			k->err = k->err ? k->err : 2;
		if (n) {
			ret = rx_enter_raw(k->r->fd, 0, 0,
					   RXRING_ENTER_ONLY_NOTIFY, 0, NULL);
			if (ret < 0)
				k->err = k->err ? k->err : 3;
			k->notifies++;
		} else {
			rx_sleep_ms(2);
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(full, wakeup_on_sq_avail_with_consumer, 60)
{
	struct rx *r = &self->r;
	struct consumer k = { .r = r, .want = 40 };
	pthread_t th;
	__u32 sub = 0;
	long long t0;
	unsigned int i;
	int ret;

	/* 40 NOPs through an SQ of 64 and a CQ of 8. */
	ASSERT_EQ(0, rx_setup(r, 64, 8, 0));
	for (i = 0; i < 40; i++)
		rx_push_nop(r, i);
	rx_publish(r);

	ASSERT_EQ(0, pthread_create(&th, NULL, consumer_fn, &k));
	t0 = rx_now_ns();
	ret = rx_enter(r, 40, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
		       RXRING_ENTER_TIMEOUT, 30 * RX_NSEC, &sub);
	EXPECT_LE(0, ret) TH_LOG("ENTER: %s", strerror(-ret));
	EXPECT_LE(ret, 8);
	EXPECT_EQ(40U, sub);
	EXPECT_EQ(40ULL, rx_sq_head(r));
	/* It had to wait for the consumer. */
	EXPECT_LE(40 * RX_MSEC, rx_now_ns() - t0);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, k.err);
	EXPECT_EQ(40U, k.got);
	EXPECT_LT(0U, k.notifies);
	for (i = 0; i < 40; i++) {
		EXPECT_EQ(1, k.seen[i]) TH_LOG("user_data %u", i);
	}
}

TEST_F(full, wakeup_on_sq_avail_room_no_wait)
{
	struct rx *r = &self->r;
	__u32 sub = 0;
	long long t0;

	ASSERT_EQ(0, rx_setup(r, 8, 16, 0));
	t0 = rx_now_ns();
	for (sub = 0; sub < 8; sub++)
		rx_push_nop(r, sub);
	rx_publish(r);
	sub = 0;
	/* Room for all: no waiting (no timeout given: would hang). */
	alarm(20);
	EXPECT_EQ(8, rx_enter(r, 8, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL, 0,
			      &sub));
	alarm(0);
	EXPECT_EQ(8U, sub);
	EXPECT_GT(5 * RX_NSEC, rx_now_ns() - t0);
}

TEST_F(full, wakeup_on_sq_avail_timeout)
{
	struct rx *r = &self->r;
	__u32 sub;
	long long t0, dt;
	int i;

	ASSERT_EQ(0, rx_setup(r, 16, 8, 0));
	for (i = 0; i < 16; i++)
		rx_push_nop(r, i);
	rx_publish(r);

	/* Takes 7, waits for room, times out: success with what it took. */
	sub = 0;
	t0 = rx_now_ns();
	EXPECT_EQ(7, rx_enter(r, 16, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
			      RXRING_ENTER_TIMEOUT, 50 * RX_MSEC, &sub));
	dt = rx_now_ns() - t0;
	EXPECT_EQ(7U, sub);
	EXPECT_LE(50 * RX_MSEC, dt);
	EXPECT_GT(5 * RX_NSEC, dt);

	/* Takes nothing, times out: ETIME. */
	sub = 0;
	t0 = rx_now_ns();
	EXPECT_EQ(-ETIME, rx_enter(r, 9, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
				   RXRING_ENTER_TIMEOUT, 30 * RX_MSEC, &sub));
	dt = rx_now_ns() - t0;
	EXPECT_EQ(0U, sub);
	EXPECT_LE(30 * RX_MSEC, dt);
	EXPECT_EQ(7ULL, rx_sq_head(r));

	/* Without WAKEUP (and min_complete 0) it does not wait at all. */
	sub = 0;
	t0 = rx_now_ns();
	EXPECT_EQ(7, rx_enter(r, 9, 0, RXRING_ENTER_TIMEOUT, 2 * RX_NSEC,
			      &sub));
	EXPECT_EQ(0U, sub);
	EXPECT_GT(RX_NSEC, rx_now_ns() - t0);
}

TEST_F(full, wakeup_on_sq_avail_signal_eintr)
{
	struct rx *r = &self->r;
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	__u32 sub = 0;
	int i;

	ASSERT_EQ(0, rx_setup(r, 16, 8, 0));
	for (i = 0; i < 16; i++)
		rx_push_nop(r, i);
	rx_publish(r);
	ASSERT_EQ(7, rx_enter(r, 7, 0, 0, 0, &sub));

	/* Nothing fits; the wait for room is interrupted. */
	ASSERT_EQ(0, rx_catch_signal(SIGALRM));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	sub = 0;
	EXPECT_EQ(-EINTR, rx_enter(r, 9, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL,
				   0, &sub));
	EXPECT_EQ(0U, sub);
	EXPECT_EQ(7ULL, rx_sq_head(r));
}

TEST_HARNESS_MAIN
