// SPDX-License-Identifier: GPL-2.0
/*
 * hostile: a user who writes garbage into the shared rings.
 *  - garbage SQ tail (more than sq_entries ahead of the head: head + n + 1,
 *    head + 2^32, head + 2^63, behind the head, u64 wrap): ENTER fails with
 *    EINVAL and takes nothing, the CQ is not written; a sane tail works
 *    again afterwards;
 *  - garbage CQ head (ahead of the tail, more than cq_entries behind it):
 *    counts as a full CQ for submission (nothing taken, submitted 0, the
 *    ENTER value capped at cq_entries) and as ready for waiting
 *    (min_complete returns at once; alarm() watchdog); the kernel writes
 *    nothing in the CQ entries meanwhile; a sane head works again;
 *  - the kernel-owned indices (SQ head, CQ tail) overwritten by the user
 *    are not read back: the kernel goes on from its own copies;
 *  - random SQE contents (all opcodes, random fields and flags): every SQE
 *    gets exactly one completion, NOP results match a model of the NOP
 *    rules, everything else fails with -EINVAL or -EOPNOTSUPP;
 *  - a second thread scribbling random values into the SQ tail, the CQ
 *    head, the index array and the SQEs while the main thread enters, for a
 *    bounded time: every ENTER succeeds or fails with EINVAL / ETIME; after
 *    restoring sane indices the ring works exactly.
 */
#include <poll.h>
#include <pthread.h>

#include "harness.h"
#include "common.h"

FIXTURE(hostile) {
	struct rx r;
	struct rxring_probe probe;
};

FIXTURE_VARIANT(hostile) {
	__u32 flags;
};

FIXTURE_VARIANT_ADD(hostile, direct) { .flags = 0 };
FIXTURE_VARIANT_ADD(hostile, indirect) { .flags = RXRING_CREATE_INDIRECT };

FIXTURE_SETUP(hostile)
{
	ASSERT_EQ(0, rx_setup(&self->r, 8, 16, variant->flags));
	ASSERT_EQ(0, rx_probe(self->r.fd, &self->probe));
}

FIXTURE_TEARDOWN(hostile)
{
	rx_teardown(&self->r);
}

static unsigned long long rnd_state = 0x9e3779b97f4a7c15ULL;

static __u64 rnd64(void)
{
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ULL;
}

TEST_F(hostile, garbage_sq_tail_einval)
{
	struct rx *r = &self->r;
	__u64 bad[8];
	unsigned char *snap;
	struct rx_cqe c;
	__u32 sub;
	size_t i;

	/* Move the head off zero first: 5 NOPs in and out. */
	ASSERT_EQ(5, rx_submit_nops(r, 5, 0, 5, &sub));
	ASSERT_EQ(0, rx_reap_nops(r, 0, 5)) TH_LOG("%s", rx_why);
	/* One valid NOP pending at the user's tail. */
	rx_push_nop(r, 0x77);
	snap = malloc(r->cr.cq_entries_size);
	ASSERT_NE(NULL, snap);
	memcpy(snap, r->cqes, r->cr.cq_entries_size);

	bad[0] = 5 + 8 + 1;		/* one more than the SQ holds */
	bad[1] = 5 + 100;
	bad[2] = 5 + (1ULL << 32);	/* a truncating check would pass */
	bad[3] = 5 + (1ULL << 63);
	bad[4] = 4;			/* behind the head */
	bad[5] = 0;
	bad[6] = UINT64_MAX;		/* head - tail wraps */
	bad[7] = 5 - (1ULL << 32) + 1;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		rx_store(&r->sqh->tail, bad[i]);
		sub = 0;
		EXPECT_EQ(-EINVAL, rx_enter(r, 1, 0, 0, 0, &sub))
			TH_LOG("tail %llu", (unsigned long long)bad[i]);
		EXPECT_EQ(-EINVAL, rx_enter(r, 8, 0, 0, 0, &sub))
			TH_LOG("tail %llu", (unsigned long long)bad[i]);
		EXPECT_EQ(0U, sub);
		EXPECT_EQ(5ULL, rx_sq_head(r));
		EXPECT_EQ(5ULL, rx_cq_tail(r));
	}
	/* Nothing was written into the CQ. */
	EXPECT_EQ(0, memcmp(snap, r->cqes, r->cr.cq_entries_size));
	free(snap);

	/* A sane tail again: the pending NOP goes through. */
	rx_publish(r);
	sub = 0;
	EXPECT_EQ(1, rx_enter(r, 1, 1, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	ASSERT_EQ(1, rx_reap(r, &c));
	EXPECT_EQ(0x77ULL, c.user_data);
	EXPECT_EQ(0, c.status);
}

TEST_F(hostile, garbage_cq_head_full_and_ready)
{
	struct rx *r = &self->r;
	__u64 bad[7], tail;
	unsigned char *snap;
	struct rx_cqe c;
	long long t0;
	__u32 sub;
	size_t i;

	/* 3 completions in the CQ, 1 NOP pending in the SQ. */
	ASSERT_EQ(3, rx_submit_nops(r, 3, 0, 3, &sub));
	rx_push_nop(r, 0x99);
	rx_publish(r);
	tail = rx_cq_tail(r);
	ASSERT_EQ(3ULL, tail);
	snap = malloc(r->cr.cq_entries_size);
	ASSERT_NE(NULL, snap);
	memcpy(snap, r->cqes, r->cr.cq_entries_size);

	bad[0] = tail + 1;			/* ahead of the tail */
	bad[1] = tail + 1000;
	bad[2] = tail + (1ULL << 32);
	bad[3] = UINT64_MAX - 100;		/* 104 behind, mod 2^64 */
	bad[4] = tail - 16 - 1 + (1ULL << 63);
	bad[5] = tail + (1ULL << 63);
	bad[6] = tail - (1ULL << 40);		/* far behind */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		rx_store(&r->cqh->head, bad[i]);

		/* Full for submission: the pending NOP stays. */
		alarm(20);
		sub = 0;
		EXPECT_EQ(16, rx_enter(r, 1, 0, 0, 0, &sub))
			TH_LOG("head %llu", (unsigned long long)bad[i]);
		EXPECT_EQ(0U, sub);
		EXPECT_EQ(3ULL, rx_sq_head(r));

		/* Ready for waiting: no wait, whatever min_complete. */
		EXPECT_EQ(16, rx_enter(r, 0, 1, 0, 0, NULL));
		EXPECT_EQ(16, rx_enter(r, 0, 16, 0, 0, NULL));
		t0 = rx_now_ns();
		EXPECT_EQ(16, rx_enter(r, 0, 16, RXRING_ENTER_TIMEOUT,
				       10 * RX_NSEC, NULL));
		EXPECT_GT(5 * RX_NSEC, rx_now_ns() - t0)
			TH_LOG("head %llu", (unsigned long long)bad[i]);
		/* Submission and waiting in one call. */
		sub = 0;
		EXPECT_EQ(16, rx_enter(r, 1, 16, 0, 0, &sub));
		EXPECT_EQ(0U, sub);
		alarm(0);

		EXPECT_EQ(tail, rx_cq_tail(r));
	}
	/* The kernel wrote nothing into the CQ entries. */
	EXPECT_EQ(0, memcmp(snap, r->cqes, r->cr.cq_entries_size));
	free(snap);

	/* A sane head again: the pending NOP goes through. */
	rx_store(&r->cqh->head, r->cq_head);
	sub = 0;
	EXPECT_EQ(4, rx_enter(r, 1, 4, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	ASSERT_EQ(0, rx_reap_nops(r, 0, 3)) TH_LOG("%s", rx_why);
	ASSERT_EQ(1, rx_reap(r, &c));
	EXPECT_EQ(0x99ULL, c.user_data);
}

TEST_F(hostile, kernel_owned_indices_not_read_back)
{
	struct rx *r = &self->r;
	struct rx_cqe c;
	__u32 sub;
	int round;

	ASSERT_EQ(3, rx_submit_nops(r, 3, 0, 3, &sub));
	ASSERT_EQ(0, rx_reap_nops(r, 0, 3)) TH_LOG("%s", rx_why);

	for (round = 0; round < 4; round++) {
		__u64 garbage[4] = { 12345, 0, UINT64_MAX, 1ULL << 40 };
		__u64 head = 3 + round, tail = 3 + round;

		/* The user scribbles on the SQ head and the CQ tail. */
		rx_store(&r->sqh->head, garbage[round]);
		rx_store(&r->cqh->tail, garbage[round] + 7);
		rx_push_nop(r, 0x500 + round);
		rx_publish(r);
		sub = 0;
		EXPECT_EQ(1, rx_enter(r, 1, 0, 0, 0, &sub))
			TH_LOG("round %d", round);
		EXPECT_EQ(1U, sub);
		/* The kernel wrote its own values back. */
		EXPECT_EQ(head + 1, rx_sq_head(r));
		EXPECT_EQ(tail + 1, rx_cq_tail(r));
		/* And the completion went to its real slot. */
		EXPECT_EQ(0x500ULL + round,
			  r->cqes[tail & r->cq_mask].user_data);
		ASSERT_EQ(1, rx_reap(r, &c));
		EXPECT_EQ(0x500ULL + round, c.user_data);
	}
}

/* The result the NOP rules of docs/abi.md give for an SQE. */
struct expect {
	bool valid;
	__s64 status;
	bool pair;
	__u64 extra;
};

static struct expect nop_model(const struct rxring_sqe *s, __u8 sqe_flags_ok)
{
	struct expect e = { .valid = false, .status = -EINVAL };
	bool res = s->syscall_flags & RXRING_NOP_RESULT;
	bool ext = s->syscall_flags & RXRING_NOP_EXTENDED;

	if (s->flags & ~sqe_flags_ok)
		return e;
	if (s->fd || s->len || s->addr || s->additional2)
		return e;
	if (s->syscall_flags & ~(RXRING_NOP_RESULT | RXRING_NOP_EXTENDED))
		return e;
	if (!res && s->offset)
		return e;
	if (!ext && s->additional1)
		return e;
	e.valid = true;
	e.status = res ? (__s64)s->offset : 0;
	e.pair = ext || e.status != (__s32)e.status;
	e.extra = ext ? s->additional1 : 0;
	return e;
}

/*
 * A random SQE: each field zero half of the time, else random. Opcodes
 * the module implements other than NOP are never used: random arguments
 * to CLOSE, MUNMAP, WRITE... would wreck the test process.
 */
static void random_sqe(struct rxring_sqe *s, __u64 user_data,
		       const struct rxring_probe *probe)
{
	__u64 v = rnd64();

	memset(s, 0, sizeof(*s));
	switch (v % 4) {
	case 0:		/* any byte */
		s->opcode = (__u8)(v >> 8);
		break;
	case 1:		/* near the defined range */
		s->opcode = (__u8)((v >> 8) % (RXRING_OP_LAST + 2));
		break;
	default:
		s->opcode = RXRING_OP_NOP;
		break;
	}
	/*
	 * Only SQE flags the module rejects: CHAIN and DRAIN, once accepted,
	 * tie SQEs together (-ECANCELED after a failed link), which the model
	 * below does not cover.
	 */
	if (!(v >> 16 & 7))
		s->flags = (__u8)(v >> 24) & ~probe->sqe_flags;
	if (v >> 32 & 1)
		s->syscall_flags = (v >> 33 & 1) ? (__u32)rnd64() :
				   (__u32)(v >> 34 & 3);
	if (!(v >> 36 & 7))
		s->fd = rnd64() & 0xff;
	if (!(v >> 39 & 7))
		s->len = rnd64();
	if (!(v >> 42 & 7))
		s->addr = rnd64();
	if (v >> 45 & 1)
		s->offset = (v >> 46 & 1) ? rnd64() : rnd64() & 0xffff;
	if (v >> 47 & 1)
		s->additional1 = rnd64();
	if (!(v >> 48 & 7))
		s->additional2 = rnd64();
	s->user_data = user_data;
	if (s->opcode != RXRING_OP_NOP && s->opcode < RXRING_OP_LAST &&
	    rx_probe_supported(probe, s->opcode))
		s->opcode = RXRING_OP_NOP;
}

TEST_F_TIMEOUT(hostile, random_sqe_contents, 120)
{
	enum { N = 3000 };
	struct rx *r = &self->r;
	struct rxring_sqe *sent;
	unsigned char *seen;
	unsigned int done = 0, bad = 0;
	struct rx_cqe c;

	sent = calloc(N, sizeof(*sent));
	seen = calloc(N, 1);
	ASSERT_NE(NULL, sent);
	ASSERT_NE(NULL, seen);
	while (done < N) {
		unsigned int batch = 1 + rnd64() % 8, i;
		__u32 sub = 0;
		int ret;

		if (batch > N - done)
			batch = N - done;
		for (i = 0; i < batch; i++) {
			random_sqe(&sent[done + i], done + i, &self->probe);
			rx_push(r, &sent[done + i]);
		}
		rx_publish(r);
		/* CQ of 16 holds 8 pairs: all are taken. */
		ret = rx_enter(r, batch, 0, 0, 0, &sub);
		ASSERT_LE(0, ret);
		ASSERT_EQ(batch, sub);
		for (i = 0; i < batch; i++) {
			const struct rxring_sqe *s;
			struct expect e;

			ASSERT_EQ(1, rx_reap(r, &c));
			ASSERT_LT(c.user_data, (__u64)done + batch);
			ASSERT_LE((__u64)done, c.user_data);
			ASSERT_EQ(0, seen[c.user_data]);
			seen[c.user_data] = 1;
			s = &sent[c.user_data];
			if (s->opcode == RXRING_OP_NOP) {
				e = nop_model(s, self->probe.sqe_flags);
			} else if (s->opcode >= RXRING_OP_LAST) {
				e = (struct expect){ .status = -EINVAL };
			} else if (!rx_probe_supported(&self->probe,
						       s->opcode)) {
				/* -EOPNOTSUPP, or -EINVAL for bad flags. */
				e = (struct expect){ .status = -EOPNOTSUPP };
				if (c.status == -EINVAL && s->flags &
				    ~self->probe.sqe_flags)
					e.status = -EINVAL;
			} else {
				/* Never generated (see random_sqe()). */
				e = (struct expect){ .status = INT64_MIN };
			}
			if (c.status != e.status || (c.slots == 2) != e.pair ||
			    c.extra != e.extra) {
				if (bad++ < 10)
					TH_LOG("op %u flags 0x%x sf 0x%x fd %llu len %llu addr %llx off %llx a1 %llx a2 %llx: status %lld slots %u extra %llx, want %lld %s %llx",
					       s->opcode, s->flags,
					       s->syscall_flags,
					       (unsigned long long)s->fd,
					       (unsigned long long)s->len,
					       (unsigned long long)s->addr,
					       (unsigned long long)s->offset,
					       (unsigned long long)s->additional1,
					       (unsigned long long)s->additional2,
					       (long long)c.status, c.slots,
					       (unsigned long long)c.extra,
					       (long long)e.status,
					       e.pair ? "pair" : "single",
					       (unsigned long long)e.extra);
			}
		}
		ASSERT_EQ(0, rx_reap(r, &c));
		done += batch;
	}
	EXPECT_EQ(0U, bad);
	free(sent);
	free(seen);
}

/* ---- a scribbling thread ------------------------------------------------ */

struct scribbler {
	struct rx *r;
	int stop;		/* set (atomically) to end the thread */
	unsigned long writes;
};

static void *scribble_fn(void *arg)
{
	struct scribbler *s = arg;
	struct rx *r = s->r;
	unsigned long long st = 0x1234567887654321ULL;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		__u64 v, what;

		st ^= st >> 12;
		st ^= st << 25;
		st ^= st >> 27;
		v = st * 2685821657736338717ULL;
		what = v & 7;
		v >>= 3;
		switch (what) {
		case 0:	/* tail near the head: often valid */
			__atomic_store_n(&r->sqh->tail,
					 rx_sq_head(r) + (v % 12),
					 __ATOMIC_RELEASE);
			break;
		case 1:
			__atomic_store_n(&r->sqh->tail, v, __ATOMIC_RELEASE);
			break;
		case 2:	/* head near the tail: often valid */
			__atomic_store_n(&r->cqh->head,
					 rx_cq_tail(r) - (v % 20),
					 __ATOMIC_RELEASE);
			break;
		case 3:
			__atomic_store_n(&r->cqh->head, v, __ATOMIC_RELEASE);
			break;
		case 4:
			if (r->array)
				__atomic_store_n(&r->array[v & r->sq_mask],
						 (v & 0x100) ? (__u32)(v >> 9) :
						 (__u32)((v >> 9) &
							 r->sq_mask),
						 __ATOMIC_RELAXED);
			break;
		case 5: {
			/*
			 * An SQE word other than the first: the opcode stays
			 * NOP, so no implemented operation ever runs on
			 * random arguments.
			 */
			__u64 *w = (__u64 *)&r->sqes[v & r->sq_mask];

			__atomic_store_n(&w[1 + (v >> 8) % 7], v >> 3,
					 __ATOMIC_RELAXED);
			break;
		}
		default:
			sched_yield();
			break;
		}
		s->writes++;
	}
	return NULL;
}

/*
 * ENTER in a loop until `end`, with random to_submit and now and then a
 * short wait. Returns false (with the reason in rx_why) at the first
 * result that is neither a success nor a clean failure.
 */
static bool __attribute__((noinline))
enter_loop(struct rx *r, long long end, unsigned long *enters,
	   unsigned long *errors)
{
	while (rx_now_ns() < end) {
		__u32 to_submit = (__u32)(rnd64() % 20), sub = 0;
		bool wait = !(*enters % 5);
		int ret;

		ret = rx_enter(r, to_submit, wait ? 1 : 0,
			       wait ? RXRING_ENTER_TIMEOUT : 0,
			       wait ? RX_MSEC : 0, &sub);
		(*enters)++;
		if (ret < 0)
			(*errors)++;
		/* Only clean failures, with nothing taken. */
		if ((ret < 0 && ret != -EINVAL && !(wait && ret == -ETIME)) ||
		    (ret < 0 && sub) || ret > 16 || sub > to_submit) {
			snprintf(rx_why, sizeof(rx_why),
				 "ENTER(%u) returned %d (%s), submitted %u",
				 to_submit, ret, strerror(ret < 0 ? -ret : 0),
				 sub);
			return false;
		}
	}
	return true;
}

TEST_F_TIMEOUT(hostile, scribbler_thread, 120)
{
	struct rx *r = &self->r;
	struct scribbler s = { .r = r };
	unsigned long enters = 0, errors = 0;
	pthread_t th;
	__u64 head, tail, i;
	struct rx_cqe c;
	bool ok;
	__u32 sub;

	for (i = 0; i < r->sq_entries; i++) {
		rx_sqe_fill(&r->sqes[i], RXRING_OP_NOP, 0, 0, 0, i);
		if (r->array)
			r->array[i] = (__u32)i;
	}
	ASSERT_EQ(0, pthread_create(&th, NULL, scribble_fn, &s));
	alarm(60);
	ok = enter_loop(r, rx_now_ns() + 2 * RX_NSEC, &enters, &errors);
	/* Stop the thread before any ASSERT can unmap the rings. */
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(th, NULL));
	alarm(0);
	EXPECT_TRUE(ok) TH_LOG("%s", rx_why);
	TH_LOG("%lu ENTERs (%lu failed), %lu scribbles", enters, errors,
	       s.writes);

	/* Sane values again, from the kernel-owned indices. */
	head = rx_sq_head(r);
	tail = rx_cq_tail(r);
	r->sq_tail = head;
	rx_publish(r);
	r->cq_head = tail;
	rx_store(&r->cqh->head, tail);
	for (i = 0; i < 3; i++)
		rx_push_nop(r, 0xf00 + i);
	rx_publish(r);
	sub = 0;
	EXPECT_EQ(3, rx_enter(r, 3, 3, 0, 0, &sub));
	EXPECT_EQ(3U, sub);
	EXPECT_EQ(head + 3, rx_sq_head(r));
	EXPECT_EQ(tail + 3, rx_cq_tail(r));
	EXPECT_EQ(0, rx_reap_nops(r, 0xf00, 3)) TH_LOG("%s", rx_why);
	EXPECT_EQ(0, rx_reap(r, &c));
}

TEST_HARNESS_MAIN
