// SPDX-License-Identifier: GPL-2.0
/*
 * indirect: RXRING_CREATE_INDIRECT, the SQ index array.
 *  - the kernel takes the SQE named by array[head & mask]: one entry at a
 *    time with random slot numbers (exact mapping), whole batches with
 *    permuted slots, the same slot named several times, a 4096-entry ring
 *    with random permutations over many batches;
 *  - out-of-range indices (sq_entries, sq_entries + 1, 0x7fffffff,
 *    0x80000000, 0xffffffff) are skipped: no completion, counted in
 *    `submitted` and in the SQ header's `dropped` (cumulative), and the
 *    valid entries around them complete normally; a batch of only
 *    out-of-range indices posts nothing;
 *  - without INDIRECT the array region does not exist and SQEs are taken
 *    from slot head & mask.
 */
#include "harness.h"
#include "common.h"

FIXTURE(ind) {
	struct rx r;
};

FIXTURE_VARIANT(ind) {
	__u32 sq;
};

FIXTURE_VARIANT_ADD(ind, sq8) { .sq = 8 };
FIXTURE_VARIANT_ADD(ind, sq4096) { .sq = 4096 };

FIXTURE_SETUP(ind)
{
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&self->r, variant->sq, 0,
			      RXRING_CREATE_INDIRECT));
	ASSERT_NE(NULL, self->r.array);
	ASSERT_EQ(0ULL, self->r.sqh->dropped);
}

FIXTURE_TEARDOWN(ind)
{
	rx_teardown(&self->r);
}

static unsigned int rnd_state = 777;

static unsigned int rnd(unsigned int n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Write a NOP with user_data 1000 + slot into every SQE slot. */
static void fill_slots(struct rx *r)
{
	__u32 i;

	for (i = 0; i < r->sq_entries; i++)
		rx_sqe_fill(&r->sqes[i], RXRING_OP_NOP, 0, 0, 0, 1000 + i);
}

/* Queue array entry `idx` at the tail (without touching any SQE). */
static void push_index(struct rx *r, __u32 idx)
{
	r->array[r->sq_tail & r->sq_mask] = idx;
	r->sq_tail++;
}

TEST_F(ind, one_at_a_time_exact_slot)
{
	struct rx *r = &self->r;
	struct rx_cqe c;
	unsigned int i;

	fill_slots(r);
	for (i = 0; i < 3 * r->sq_entries && i < 2000; i++) {
		__u32 slot = rnd(r->sq_entries);
		__u32 sub = 0;

		push_index(r, slot);
		rx_publish(r);
		ASSERT_EQ(1, rx_enter(r, 1, 1, 0, 0, &sub));
		ASSERT_EQ(1U, sub);
		ASSERT_EQ(1, rx_reap(r, &c));
		ASSERT_EQ(1000ULL + slot, c.user_data) TH_LOG("i %u", i);
		ASSERT_EQ(0, c.status);
	}
	EXPECT_EQ(0ULL, r->sqh->dropped);
}

TEST_F_TIMEOUT(ind, permuted_batches, 120)
{
	struct rx *r = &self->r;
	__u32 n = r->sq_entries, *perm;
	unsigned char *seen;
	unsigned int round, i;
	struct rx_cqe c;

	perm = calloc(n, sizeof(*perm));
	seen = calloc(n, 1);
	ASSERT_NE(NULL, perm);
	ASSERT_NE(NULL, seen);
	fill_slots(r);
	for (round = 0; round < 6; round++) {
		__u32 sub = 0;

		/* A random permutation of 0..n-1 (reversed on round 0). */
		for (i = 0; i < n; i++)
			perm[i] = round ? i : n - 1 - i;
		for (i = n - 1; round && i > 0; i--) {
			__u32 j = rnd(i + 1), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (i = 0; i < n; i++)
			push_index(r, perm[i]);
		rx_publish(r);
		ASSERT_EQ((int)n, rx_enter(r, n, n, 0, 0, &sub));
		ASSERT_EQ(n, sub);
		memset(seen, 0, n);
		for (i = 0; i < n; i++) {
			ASSERT_EQ(1, rx_reap(r, &c));
			ASSERT_LE(1000ULL, c.user_data);
			ASSERT_GT(1000ULL + n, c.user_data);
			ASSERT_EQ(0, seen[c.user_data - 1000])
				TH_LOG("slot %llu twice",
				       (unsigned long long)c.user_data - 1000);
			seen[c.user_data - 1000] = 1;
		}
		ASSERT_EQ(0, rx_reap(r, &c));
	}
	EXPECT_EQ(0ULL, r->sqh->dropped);
	free(perm);
	free(seen);
}

TEST_F(ind, same_slot_many_times)
{
	struct rx *r = &self->r;
	__u32 sub = 0;
	struct rx_cqe c;
	int i;

	fill_slots(r);
	for (i = 0; i < 4 && i < (int)r->sq_entries; i++)
		push_index(r, r->sq_entries - 1);
	rx_publish(r);
	ASSERT_EQ(i, rx_enter(r, i, i, 0, 0, &sub));
	ASSERT_EQ((__u32)i, sub);
	while (i--) {
		ASSERT_EQ(1, rx_reap(r, &c));
		EXPECT_EQ(1000ULL + r->sq_entries - 1, c.user_data);
	}
}

TEST_F(ind, out_of_range_dropped)
{
	struct rx *r = &self->r;
	__u32 n = r->sq_entries;
	const __u32 idx[8] = { 5, n, 2, 0xffffffff, n - 1, 0x80000000, 0,
			       n + 1 };
	unsigned char seen[8] = { 0 };
	struct rx_cqe c;
	__u64 cq_tail;
	__u32 sub = 0;
	int i;

	if (n < 8)
		SKIP(return, "needs 8 slots");
	fill_slots(r);
	for (i = 0; i < 8; i++)
		push_index(r, idx[i]);
	rx_publish(r);

	/* 8 taken (4 of them dropped), 4 completions. */
	ASSERT_EQ(4, rx_enter(r, 8, 4, 0, 0, &sub));
	EXPECT_EQ(8U, sub);
	EXPECT_EQ(8ULL, rx_sq_head(r));
	EXPECT_EQ(4ULL, rx_cq_tail(r));
	EXPECT_EQ(4ULL, r->sqh->dropped);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, rx_reap(r, &c));
		EXPECT_EQ(0, c.status);
		if (c.user_data == 1005)
			seen[0]++;
		else if (c.user_data == 1002)
			seen[1]++;
		else if (c.user_data == 1000ULL + n - 1)
			seen[2]++;
		else if (c.user_data == 1000)
			seen[3]++;
		else
			seen[4]++;
	}
	EXPECT_EQ(1, seen[0]);
	EXPECT_EQ(1, seen[1]);
	EXPECT_EQ(1, seen[2]);
	EXPECT_EQ(1, seen[3]);
	EXPECT_EQ(0, seen[4]);
	EXPECT_EQ(0, rx_reap(r, &c));

	/* Only out-of-range indices: nothing posted, all counted. */
	cq_tail = rx_cq_tail(r);
	for (i = 0; i < 8; i++)
		push_index(r, n + (__u32)i * 0x1000);
	rx_publish(r);
	sub = 0;
	EXPECT_EQ(0, rx_enter(r, 8, 0, 0, 0, &sub));
	EXPECT_EQ(8U, sub);
	EXPECT_EQ(16ULL, rx_sq_head(r));
	EXPECT_EQ(cq_tail, rx_cq_tail(r));
	EXPECT_EQ(12ULL, r->sqh->dropped);

	/* ... and a dropped entry at the head does not block the next. */
	push_index(r, 0xffffffff);
	push_index(r, 3);
	rx_publish(r);
	sub = 0;
	EXPECT_EQ(1, rx_enter(r, 2, 1, 0, 0, &sub));
	EXPECT_EQ(2U, sub);
	ASSERT_EQ(1, rx_reap(r, &c));
	EXPECT_EQ(1003ULL, c.user_data);
	EXPECT_EQ(13ULL, r->sqh->dropped);
}

/* to_submit counts dropped entries too: it stops after to_submit of them. */
TEST_F(ind, to_submit_counts_dropped)
{
	struct rx *r = &self->r;
	struct rx_cqe c;
	__u32 sub = 0;

	fill_slots(r);
	push_index(r, 0xffffffff);
	push_index(r, 1);
	push_index(r, 2);
	rx_publish(r);
	EXPECT_EQ(1, rx_enter(r, 2, 0, 0, 0, &sub));
	EXPECT_EQ(2U, sub);
	EXPECT_EQ(2ULL, rx_sq_head(r));
	EXPECT_EQ(1ULL, r->sqh->dropped);
	ASSERT_EQ(1, rx_reap(r, &c));
	EXPECT_EQ(1001ULL, c.user_data);
	sub = 0;
	EXPECT_EQ(1, rx_enter(r, 5, 1, 0, 0, &sub));
	EXPECT_EQ(1U, sub);
	ASSERT_EQ(1, rx_reap(r, &c));
	EXPECT_EQ(1002ULL, c.user_data);
}

/* Without INDIRECT: slot = head & mask; the array has no meaning. */
TEST(direct_mode_uses_head_slot)
{
	struct rx r;
	struct rx_cqe c;
	__u32 sub = 0, i;

	ASSERT_EQ(0, rx_setup(&r, 4, 0, 0));
	ASSERT_EQ(NULL, r.array);
	ASSERT_EQ(0ULL, r.cr.sq_array_size);
	for (i = 0; i < 4; i++)
		rx_sqe_fill(&r.sqes[i], RXRING_OP_NOP, 0, 0, 0, 50 + i);
	for (i = 0; i < 10; i++) {
		r.sq_tail++;
		rx_publish(&r);
		ASSERT_EQ(1, rx_enter(&r, 1, 1, 0, 0, &sub));
		ASSERT_EQ(1, rx_reap(&r, &c));
		EXPECT_EQ(50ULL + (i & 3), c.user_data);
	}
	EXPECT_EQ(0ULL, r.sqh->dropped);
	rx_teardown(&r);
}

TEST_HARNESS_MAIN
