// SPDX-License-Identifier: GPL-2.0
/*
 * nop: RXRING_OP_NOP and the shape of completions.
 *  - round trips at SQ sizes 1, 2, 8, 64, 4096 (raw rings, many batches of
 *    varying size so the indices wrap many times): every user_data comes
 *    back exactly once with status 0, submitted and the ENTER value exact;
 *    the same through librxring;
 *  - NOP_RESULT with 0, 1, -1, INT32_MAX, INT32_MIN (a normal 16-byte CQE,
 *    one slot) and INT32_MAX + 1, INT32_MIN - 1, INT64_MIN, INT64_MAX (an
 *    extended pair: first slot user_data / flags_hi 0 / flags EXTENDED,
 *    second slot 64-bit status / extra 0), checked slot by slot in the raw
 *    CQ and through librxring (which must return the full 64-bit value);
 *  - NOP_EXTENDED (status 0, extra = additional1) and RESULT|EXTENDED;
 *  - an extended pair straddling the end of the CQ (CQ of 4 and 8: its
 *    halves in the last slot and slot 0), published with one tail update;
 *  - invalid NOPs complete with -EINVAL and their own user_data: non-zero
 *    fd / len / addr / additional2, unknown syscall_flags bits, offset
 *    without RESULT, additional1 without EXTENDED, SQE flag bits the PROBE
 *    does not list (CHAIN/DRAIN included while not accepted); opcodes
 *    RXRING_OP_LAST, 127, 128, 200, 255 -> -EINVAL; defined opcodes the
 *    PROBE says are not supported -> -EOPNOTSUPP; valid SQEs around the
 *    invalid ones still complete normally.
 */
#include <stdint.h>

#include <rxring.h>

#include "harness.h"
#include "common.h"

/* ---- round trips at several ring sizes --------------------------------- */

FIXTURE(sizes) {
	struct rx r;
};

FIXTURE_VARIANT(sizes) {
	__u32 sq;
	unsigned int total;	/* NOPs to push through */
};

FIXTURE_VARIANT_ADD(sizes, sq1) { .sq = 1, .total = 2000 };
FIXTURE_VARIANT_ADD(sizes, sq2) { .sq = 2, .total = 3000 };
FIXTURE_VARIANT_ADD(sizes, sq8) { .sq = 8, .total = 5000 };
FIXTURE_VARIANT_ADD(sizes, sq64) { .sq = 64, .total = 10000 };
FIXTURE_VARIANT_ADD(sizes, sq4096) { .sq = 4096, .total = 20000 };

FIXTURE_SETUP(sizes)
{
	int ret;

	rx_raise_memlock();
	ret = rx_setup(&self->r, variant->sq, 0, 0);
	ASSERT_EQ(0, ret) TH_LOG("setup sq %u: %s", variant->sq,
				 strerror(-ret));
	ASSERT_EQ(2 * variant->sq, self->r.cq_entries);
}

FIXTURE_TEARDOWN(sizes)
{
	rx_teardown(&self->r);
}

TEST_F_TIMEOUT(sizes, round_trips, 300)
{
	struct rx *r = &self->r;
	unsigned int done = 0, round = 0;

	while (done < variant->total) {
		/* Batch sizes 1..sq in a scrambled order. */
		unsigned int batch = 1 + (round * 7919u + 13) % variant->sq;
		__u32 sub = 0;
		int ret;

		if (batch > variant->total - done)
			batch = variant->total - done;
		ret = rx_submit_nops(r, batch, done, batch, &sub);
		ASSERT_EQ((int)batch, ret) TH_LOG("round %u", round);
		ASSERT_EQ(batch, sub) TH_LOG("round %u", round);
		ASSERT_EQ(r->sq_tail, rx_sq_head(r));
		ASSERT_EQ(0, rx_reap_nops(r, done, batch))
			TH_LOG("round %u: %s", round, rx_why);
		ASSERT_EQ(0ULL, rx_cq_ready(r));
		done += batch;
		round++;
	}
	EXPECT_EQ((__u64)variant->total, rx_sq_head(r));
	EXPECT_EQ((__u64)variant->total, rx_cq_tail(r));
	/* Nothing else turns up. */
	EXPECT_EQ(0, rx_enter(r, 0, 0, 0, 0, NULL));
}

/*
 * Leave completions in the CQ between batches, so the head lags the tail:
 * batches of sq / 2, reaping only the batch before the last one. The CQ
 * (2 * sq) then always has room for the next batch.
 */
TEST_F_TIMEOUT(sizes, lagging_head, 300)
{
	struct rx *r = &self->r;
	unsigned int b = variant->sq / 2;
	unsigned int i, rounds;
	__u64 base = 0;

	if (!b)
		SKIP(return, "a 1-entry SQ has no room for a lag");
	rounds = variant->total / b;
	if (rounds > 400)
		rounds = 400;
	for (i = 0; i < rounds; i++) {
		__u32 sub = 0;
		int ret = rx_submit_nops(r, b, base, 0, &sub);

		/* Filled: this batch, plus the previous one (not reaped). */
		ASSERT_EQ((int)(i ? 2 * b : b), ret) TH_LOG("round %u", i);
		ASSERT_EQ(b, sub) TH_LOG("round %u", i);
		if (i) {
			ASSERT_EQ(0, rx_reap_nops(r, base - b, b))
				TH_LOG("round %u: %s", i, rx_why);
		}
		base += b;
	}
	ASSERT_EQ(0, rx_reap_nops(r, base - b, b)) TH_LOG("%s", rx_why);
	EXPECT_EQ(0ULL, rx_cq_ready(r));
	EXPECT_EQ(base, rx_cq_tail(r));
}

TEST_F_TIMEOUT(sizes, library_round_trips, 300)
{
	struct rxring ring;
	struct rxring_completion c;
	unsigned int done = 0, round = 0, i;
	unsigned char *seen;
	int ret;

	ret = rxring_queue_init(variant->sq, &ring, 0);
	ASSERT_EQ(0, ret) TH_LOG("rxring_queue_init: %s", strerror(-ret));
	seen = calloc(variant->total, 1);
	ASSERT_NE(NULL, seen);
	while (done < variant->total) {
		unsigned int batch = 1 + (round * 31u) % variant->sq;

		if (batch > variant->total - done)
			batch = variant->total - done;
		for (i = 0; i < batch; i++) {
			struct rxring_sqe *sqe = rxring_get_sqe(&ring);

			ASSERT_NE(NULL, sqe) TH_LOG("round %u sqe %u", round, i);
			rxring_prep_nop(sqe);
			rxring_sqe_set_data(sqe, done + i);
		}
		ASSERT_EQ((int)batch, rxring_submit_and_wait(&ring, batch));
		for (i = 0; i < batch; i++) {
			ASSERT_EQ(0, rxring_peek_completion(&ring, &c));
			ASSERT_LT(c.user_data, (__u64)variant->total);
			ASSERT_EQ(0, seen[c.user_data])
				TH_LOG("user_data %llu twice",
				       (unsigned long long)c.user_data);
			seen[c.user_data] = 1;
			ASSERT_EQ(0, c.status);
			ASSERT_EQ(0ULL, c.flags);
		}
		ASSERT_EQ(-EAGAIN, rxring_peek_completion(&ring, &c));
		done += batch;
		round++;
	}
	for (i = 0; i < variant->total; i++) {
		ASSERT_EQ(1, seen[i]) TH_LOG("user_data %u missing", i);
	}
	free(seen);
	rxring_queue_exit(&ring);
}

/* ---- completion shapes ------------------------------------------------- */

FIXTURE(nop) {
	struct rx r;
	struct rxring_probe probe;
};

FIXTURE_SETUP(nop)
{
	ASSERT_EQ(0, rx_setup(&self->r, 8, 16, 0));
	ASSERT_EQ(0, rx_probe(self->r.fd, &self->probe));
}

FIXTURE_TEARDOWN(nop)
{
	rx_teardown(&self->r);
}

/*
 * Submit one SQE and wait for its completion; returns the number of CQ
 * slots it used (tail delta), or -errno / -1000 on a bad ENTER.
 */
static int submit_one(struct rx *r, const struct rxring_sqe *sqe)
{
	__u64 tail = rx_cq_tail(r);
	__u32 sub = 0;
	int ret;

	rx_push(r, sqe);
	rx_publish(r);
	ret = rx_enter(r, 1, 1, 0, 0, &sub);
	if (ret < 0)
		return ret;
	if (sub != 1)
		return -1000;
	return (int)(rx_cq_tail(r) - tail);
}

/* Check the raw slots of the completion at the user's CQ head. */
static void check_normal_slot(struct __test_metadata *_metadata,
			      struct rx *r, __u64 user_data, __s32 status)
{
	const struct rxring_cqe *cqe = &r->cqes[r->cq_head & r->cq_mask];

	EXPECT_EQ(user_data, cqe->user_data);
	EXPECT_EQ(status, cqe->status);
	EXPECT_EQ(0U, cqe->flags);
}

static void check_extended_slots(struct __test_metadata *_metadata,
				 struct rx *r, __u64 user_data,
				 __s64 status, __u64 extra)
{
	const struct rxring_cqe_ext_hi *hi =
		(const void *)&r->cqes[r->cq_head & r->cq_mask];
	const struct rxring_cqe_ext_lo *lo =
		(const void *)&r->cqes[(r->cq_head + 1) & r->cq_mask];

	EXPECT_EQ(user_data, hi->user_data);
	EXPECT_EQ(0U, hi->flags_hi);
	EXPECT_EQ(RXRING_CQE_EXTENDED, hi->flags);
	EXPECT_EQ(status, lo->status);
	EXPECT_EQ(extra, lo->extra);
}

static const __s64 normal_values[] = {
	0, 1, -1, 2, -2, 1000000, INT32_MAX, INT32_MIN, INT32_MIN + 1,
	-EINVAL,
};

static const __s64 wide_values[] = {
	(__s64)INT32_MAX + 1, (__s64)INT32_MIN - 1, INT64_MIN, INT64_MAX,
	(__s64)UINT32_MAX, 1LL << 32, -(1LL << 32), 0x123456789abcdefLL,
};

TEST_F(nop, result_fits_normal_cqe)
{
	struct rx *r = &self->r;
	struct rxring_sqe sqe;
	struct rx_cqe c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(normal_values); i++) {
		rx_sqe_fill(&sqe, RXRING_OP_NOP, RXRING_NOP_RESULT,
			    (__u64)normal_values[i], 0, 0x100 + i);
		ASSERT_EQ(1, submit_one(r, &sqe))
			TH_LOG("value %lld", (long long)normal_values[i]);
		check_normal_slot(_metadata, r, 0x100 + i,
				  (__s32)normal_values[i]);
		ASSERT_EQ(1, rx_reap(r, &c));
		EXPECT_EQ(normal_values[i], c.status);
		EXPECT_EQ(1U, c.slots);
	}
}

TEST_F(nop, result_wide_extended_pair)
{
	struct rx *r = &self->r;
	struct rxring_sqe sqe;
	struct rx_cqe c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(wide_values); i++) {
		rx_sqe_fill(&sqe, RXRING_OP_NOP, RXRING_NOP_RESULT,
			    (__u64)wide_values[i], 0, 0x200 + i);
		ASSERT_EQ(2, submit_one(r, &sqe))
			TH_LOG("value %lld", (long long)wide_values[i]);
		check_extended_slots(_metadata, r, 0x200 + i, wide_values[i],
				     0);
		ASSERT_EQ(1, rx_reap(r, &c));
		EXPECT_EQ(wide_values[i], c.status);
		EXPECT_EQ(2U, c.slots);
		EXPECT_EQ((__u64)RXRING_CQE_EXTENDED, c.flags);
	}
}

TEST_F(nop, nop_extended)
{
	struct rx *r = &self->r;
	struct rxring_sqe sqe;
	const __u64 extras[] = { 0, 1, 0xdeadbeefcafef00dULL, UINT64_MAX };
	size_t i;

	/* EXTENDED alone: status 0, extra = additional1. */
	for (i = 0; i < ARRAY_SIZE(extras); i++) {
		rx_sqe_fill(&sqe, RXRING_OP_NOP, RXRING_NOP_EXTENDED, 0,
			    extras[i], 0x300 + i);
		ASSERT_EQ(2, submit_one(r, &sqe));
		check_extended_slots(_metadata, r, 0x300 + i, 0, extras[i]);
		rx_cq_advance(r, 2);
	}
	/* RESULT | EXTENDED: a pair even for a small status. */
	rx_sqe_fill(&sqe, RXRING_OP_NOP,
		    RXRING_NOP_RESULT | RXRING_NOP_EXTENDED, 5, 6, 0x310);
	ASSERT_EQ(2, submit_one(r, &sqe));
	check_extended_slots(_metadata, r, 0x310, 5, 6);
	rx_cq_advance(r, 2);
	rx_sqe_fill(&sqe, RXRING_OP_NOP,
		    RXRING_NOP_RESULT | RXRING_NOP_EXTENDED, (__u64)INT64_MIN,
		    UINT64_MAX, 0x311);
	ASSERT_EQ(2, submit_one(r, &sqe));
	check_extended_slots(_metadata, r, 0x311, INT64_MIN, UINT64_MAX);
	rx_cq_advance(r, 2);
	rx_sqe_fill(&sqe, RXRING_OP_NOP,
		    RXRING_NOP_RESULT | RXRING_NOP_EXTENDED, (__u64)-1, 0,
		    0x312);
	ASSERT_EQ(2, submit_one(r, &sqe));
	check_extended_slots(_metadata, r, 0x312, -1, 0);
	rx_cq_advance(r, 2);
	EXPECT_EQ(0ULL, rx_cq_ready(r));
}

/* Mixed singles and pairs in one batch: the CQ is exactly their sum. */
TEST_F(nop, mixed_batch)
{
	struct rx *r = &self->r;
	unsigned char seen[8] = { 0 };
	struct rx_cqe c;
	__u32 sub = 0;
	unsigned int i, slots = 0;
	int ret;

	for (i = 0; i < 8; i++) {
		if (i % 3 == 1) {
			rx_push_nop_flags(r, RXRING_NOP_EXTENDED, 0, i * 11, i);
			slots += 2;
		} else {
			rx_push_nop_flags(r, RXRING_NOP_RESULT, i, 0, i);
			slots += 1;
		}
	}
	rx_publish(r);
	ret = rx_enter(r, 8, slots, 0, 0, &sub);
	EXPECT_EQ((int)slots, ret);
	EXPECT_EQ(8U, sub);
	/* In whatever order: look each one up by its user_data. */
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(1, rx_reap(r, &c));
		ASSERT_LT(c.user_data, 8ULL);
		ASSERT_EQ(0, seen[c.user_data]);
		seen[c.user_data] = 1;
		if (c.user_data % 3 == 1) {
			EXPECT_EQ(2U, c.slots);
			EXPECT_EQ(0, c.status);
			EXPECT_EQ(c.user_data * 11, c.extra);
		} else {
			EXPECT_EQ(1U, c.slots);
			EXPECT_EQ((__s64)c.user_data, c.status);
			EXPECT_EQ(0ULL, c.extra);
		}
	}
	EXPECT_EQ(0, rx_reap(r, &c));
}

TEST_F(nop, library_full_64bit_status)
{
	struct rxring ring;
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	size_t i;

	ASSERT_EQ(0, rxring_queue_init(8, &ring, 0));
	for (i = 0; i < ARRAY_SIZE(wide_values); i++) {
		sqe = rxring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		rxring_prep_nop_result(sqe, wide_values[i]);
		rxring_sqe_set_data(sqe, 0x400 + i);
		ASSERT_EQ(1, rxring_submit_and_wait(&ring, 1));
		ASSERT_EQ(0, rxring_peek_completion(&ring, &c));
		EXPECT_EQ(0x400 + i, c.user_data);
		EXPECT_EQ(wide_values[i], c.status);
		EXPECT_EQ(0ULL, c.extra);
		EXPECT_EQ((__u64)RXRING_CQE_EXTENDED,
			  c.flags & RXRING_CQE_EXTENDED);
	}
	for (i = 0; i < ARRAY_SIZE(normal_values); i++) {
		sqe = rxring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		rxring_prep_nop_result(sqe, normal_values[i]);
		rxring_sqe_set_data(sqe, 0x500 + i);
		ASSERT_EQ(1, rxring_submit_and_wait(&ring, 1));
		ASSERT_EQ(0, rxring_peek_completion(&ring, &c));
		EXPECT_EQ(0x500 + i, c.user_data);
		EXPECT_EQ(normal_values[i], c.status);
		EXPECT_EQ(0ULL, c.flags);
	}
	sqe = rxring_get_sqe(&ring);
	ASSERT_NE(NULL, sqe);
	rxring_prep_nop_extended(sqe, INT64_MAX, 0x1122334455667788ULL);
	rxring_sqe_set_data(sqe, 0x600);
	ASSERT_EQ(1, rxring_submit_and_wait(&ring, 1));
	ASSERT_EQ(0, rxring_peek_completion(&ring, &c));
	EXPECT_EQ(0x600ULL, c.user_data);
	EXPECT_EQ(INT64_MAX, c.status);
	EXPECT_EQ(0x1122334455667788ULL, c.extra);
	EXPECT_EQ(-EAGAIN, rxring_peek_completion(&ring, &c));
	rxring_queue_exit(&ring);
}

/* ---- an extended pair across the end of the CQ ------------------------- */

FIXTURE(wrap) {
	struct rx r;
};

FIXTURE_VARIANT(wrap) {
	__u32 sq, cq;
};

FIXTURE_VARIANT_ADD(wrap, cq4) { .sq = 2, .cq = 0 };
FIXTURE_VARIANT_ADD(wrap, cq8) { .sq = 4, .cq = 0 };
FIXTURE_VARIANT_ADD(wrap, cq2) { .sq = 1, .cq = 2 };

FIXTURE_SETUP(wrap)
{
	ASSERT_EQ(0, rx_setup(&self->r, variant->sq, variant->cq, 0));
}

FIXTURE_TEARDOWN(wrap)
{
	rx_teardown(&self->r);
}

TEST_F(wrap, pair_straddles_ring_end)
{
	struct rx *r = &self->r;
	const struct rxring_cqe_ext_hi *hi;
	const struct rxring_cqe_ext_lo *lo;
	__u32 last = r->cq_entries - 1;
	struct rx_cqe c;
	__u64 n = 0;
	__u32 sub;
	int lap;

	for (lap = 0; lap < 3; lap++) {
		/* Single NOPs, consumed one by one, until tail % cq == last. */
		while ((rx_cq_tail(r) & r->cq_mask) != last) {
			sub = 0;
			ASSERT_EQ(1, rx_submit_nops(r, 1, n, 1, &sub));
			ASSERT_EQ(1U, sub);
			ASSERT_EQ(1, rx_reap(r, &c));
			ASSERT_EQ(n, c.user_data);
			n++;
		}
		ASSERT_EQ(r->cq_head, rx_cq_tail(r));
		/* Poison both slots so stale contents cannot pass. */
		memset(&r->cqes[last], 0xee, sizeof(r->cqes[0]));
		memset(&r->cqes[0], 0xee, sizeof(r->cqes[0]));

		rx_push_nop_flags(r, RXRING_NOP_RESULT | RXRING_NOP_EXTENDED,
				  (__u64)(INT64_MIN + lap), 0xabcd0000 + lap,
				  0xe0 + lap);
		rx_publish(r);
		sub = 0;
		ASSERT_EQ(2, rx_enter(r, 1, 1, 0, 0, &sub));
		ASSERT_EQ(1U, sub);
		/* One tail update of two. */
		ASSERT_EQ(r->cq_head + 2, rx_cq_tail(r));

		hi = (const void *)&r->cqes[last];
		lo = (const void *)&r->cqes[0];
		EXPECT_EQ(0xe0ULL + lap, hi->user_data);
		EXPECT_EQ(0U, hi->flags_hi);
		EXPECT_EQ(RXRING_CQE_EXTENDED, hi->flags);
		EXPECT_EQ(INT64_MIN + lap, lo->status);
		EXPECT_EQ(0xabcd0000ULL + lap, lo->extra);

		ASSERT_EQ(1, rx_reap(r, &c));
		EXPECT_EQ(0xe0ULL + lap, c.user_data);
		EXPECT_EQ(2U, c.slots);
		/* Next lap starts at slot 1. */
		ASSERT_EQ(1ULL, rx_cq_tail(r) & r->cq_mask);
	}
}

/* ---- invalid SQEs ------------------------------------------------------ */

struct bad_sqe {
	const char *name;
	struct rxring_sqe sqe;
	int status;
};

#define NOPSQE(...) { .opcode = RXRING_OP_NOP, __VA_ARGS__ }

static const struct bad_sqe bad_nops[] = {
	{ "fd", NOPSQE(.fd = 1), -EINVAL },
	{ "fd max", NOPSQE(.fd = UINT64_MAX), -EINVAL },
	{ "len", NOPSQE(.len = 1), -EINVAL },
	{ "addr", NOPSQE(.addr = 0x1000), -EINVAL },
	{ "additional2", NOPSQE(.additional2 = 1), -EINVAL },
	{ "additional2 with RESULT",
	  NOPSQE(.syscall_flags = RXRING_NOP_RESULT, .additional2 = 1),
	  -EINVAL },
	{ "syscall_flags bit 2", NOPSQE(.syscall_flags = 1U << 2), -EINVAL },
	{ "syscall_flags bit 31", NOPSQE(.syscall_flags = 1U << 31),
	  -EINVAL },
	{ "syscall_flags RESULT|bit 3",
	  NOPSQE(.syscall_flags = RXRING_NOP_RESULT | 8), -EINVAL },
	{ "offset without RESULT", NOPSQE(.offset = 5), -EINVAL },
	{ "offset with EXTENDED only",
	  NOPSQE(.syscall_flags = RXRING_NOP_EXTENDED, .offset = 5),
	  -EINVAL },
	{ "additional1 without EXTENDED", NOPSQE(.additional1 = 1),
	  -EINVAL },
	{ "additional1 with RESULT only",
	  NOPSQE(.syscall_flags = RXRING_NOP_RESULT, .additional1 = 1),
	  -EINVAL },
};

/*
 * Submit bad[i] one by one, each between two valid NOPs, in one batch;
 * check every completion. user_data: valid ones 0x1000 + i, bad 0x2000 + i.
 */
static void submit_bad(struct __test_metadata *_metadata, struct rx *r,
		       const struct bad_sqe *bad, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct rxring_sqe sqe = bad[i].sqe;
		struct rx_cqe c;
		__u32 sub = 0;
		int ret;

		sqe.user_data = 0x2000 + i;
		rx_push_nop(r, 0x1000 + i);
		rx_push(r, &sqe);
		rx_push_nop(r, 0x1000 + i);
		rx_publish(r);
		ret = rx_enter(r, 3, 3, 0, 0, &sub);
		EXPECT_EQ(3, ret) TH_LOG("%s", bad[i].name);
		EXPECT_EQ(3U, sub) TH_LOG("%s", bad[i].name);

		ASSERT_EQ(1, rx_reap(r, &c));
		EXPECT_EQ(0x1000 + i, c.user_data);
		EXPECT_EQ(0, c.status);

		ASSERT_EQ(1, rx_reap(r, &c)) TH_LOG("%s", bad[i].name);
		EXPECT_EQ(0x2000 + i, c.user_data) TH_LOG("%s", bad[i].name);
		EXPECT_EQ(bad[i].status, c.status)
			TH_LOG("%s: status %lld", bad[i].name,
			       (long long)c.status);
		EXPECT_EQ(0ULL, c.flags) TH_LOG("%s", bad[i].name);
		EXPECT_EQ(1U, c.slots) TH_LOG("%s", bad[i].name);

		ASSERT_EQ(1, rx_reap(r, &c));
		EXPECT_EQ(0x1000 + i, c.user_data);
		EXPECT_EQ(0, c.status);
		ASSERT_EQ(0, rx_reap(r, &c)) TH_LOG("%s", bad[i].name);
	}
}

TEST_F(nop, invalid_fields_einval)
{
	submit_bad(_metadata, &self->r, bad_nops, ARRAY_SIZE(bad_nops));
}

TEST_F(nop, valid_edge_fields_accepted)
{
	/* Every field NOP may use, at its extreme. */
	static const struct bad_sqe good[] = {
		{ "RESULT offset max",
		  NOPSQE(.syscall_flags = RXRING_NOP_RESULT,
			 .offset = UINT64_MAX), -1 },
		{ "EXTENDED additional1 max",
		  NOPSQE(.syscall_flags = RXRING_NOP_EXTENDED,
			 .additional1 = UINT64_MAX), 0 },
		{ "RESULT 7", NOPSQE(.syscall_flags = RXRING_NOP_RESULT,
				     .offset = 7), 7 },
	};
	struct rx *r = &self->r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		struct rxring_sqe sqe = good[i].sqe;
		struct rx_cqe c;
		int slots;

		sqe.user_data = 0x3000 + i;
		slots = submit_one(r, &sqe);
		EXPECT_LE(1, slots) TH_LOG("%s", good[i].name);
		ASSERT_EQ(1, rx_reap(r, &c));
		EXPECT_EQ(0x3000 + i, c.user_data);
		EXPECT_EQ(good[i].status, c.status) TH_LOG("%s", good[i].name);
	}
}

TEST_F(nop, unsupported_sqe_flags_einval)
{
	struct bad_sqe bad[8];
	size_t n = 0;
	unsigned int bit;

	for (bit = 0; bit < 8; bit++) {
		if (self->probe.sqe_flags & (1U << bit))
			continue;
		memset(&bad[n], 0, sizeof(bad[n]));
		bad[n].name = "sqe flag";
		bad[n].sqe.opcode = RXRING_OP_NOP;
		bad[n].sqe.flags = 1U << bit;
		bad[n].status = -EINVAL;
		n++;
	}
	/* CHAIN and DRAIN are not accepted yet: at least those two here. */
	if (!(self->probe.sqe_flags & (RXRING_SQE_CHAIN | RXRING_SQE_DRAIN))) {
		EXPECT_EQ(8UL, n);
	}
	ASSERT_LT(0UL, n);
	submit_bad(_metadata, &self->r, bad, n);

	/* All undefined bits at once. */
	memset(&bad[0], 0, sizeof(bad[0]));
	bad[0].name = "all undefined sqe flags";
	bad[0].sqe.opcode = RXRING_OP_NOP;
	bad[0].sqe.flags = (__u8)~(RXRING_SQE_CHAIN | RXRING_SQE_DRAIN);
	bad[0].status = -EINVAL;
	submit_bad(_metadata, &self->r, bad, 1);
}

TEST_F(nop, bad_opcodes_einval)
{
	static const unsigned int ops[] = {
		RXRING_OP_LAST, RXRING_OP_LAST + 1, 63, 64, 127, 128, 200, 254,
		255,
	};
	struct bad_sqe bad[ARRAY_SIZE(ops)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		memset(&bad[i], 0, sizeof(bad[i]));
		bad[i].name = "opcode";
		bad[i].sqe.opcode = (__u8)ops[i];
		bad[i].status = -EINVAL;
	}
	submit_bad(_metadata, &self->r, bad, ARRAY_SIZE(bad));
}

TEST_F(nop, unimplemented_opcodes_eopnotsupp)
{
	struct bad_sqe bad[RXRING_OP_LAST];
	size_t n = 0;
	unsigned int op;

	for (op = 0; op < RXRING_OP_LAST; op++) {
		if (rx_probe_supported(&self->probe, op))
			continue;
		memset(&bad[n], 0, sizeof(bad[n]));
		bad[n].name = "unsupported opcode";
		bad[n].sqe.opcode = (__u8)op;
		bad[n].status = -EOPNOTSUPP;
		n++;
	}
	if (!n)
		SKIP(return, "every defined opcode is implemented");
	submit_bad(_metadata, &self->r, bad, n);
}

TEST_HARNESS_MAIN
