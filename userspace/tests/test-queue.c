// SPDX-License-Identifier: MIT
/*
 * Host-only tests of librxring against tests/fake-kernel.c: setup and
 * teardown (including every failure path), SQ full detection, submission
 * accounting, CQ peeking of plain CQEs, extended pairs and pairs that
 * straddle the end of the ring, 64-bit index wrap, INDIRECT mode, CQ
 * back-pressure and the wait paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <rxring.h>

#include "fake-kernel.h"

static int failures, checks;

#define CHECK(cond)							\
	do {								\
		checks++;						\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n",\
				__FILE__, __LINE__, __func__, #cond);	\
			failures++;					\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		checks++;						\
		if (_a != _b) {						\
			fprintf(stderr, "%s:%d: %s: %s == %lld, "	\
				"expected %s == %lld\n", __FILE__,	\
				__LINE__, __func__, #a, _a, #b, _b);	\
			failures++;					\
		}							\
	} while (0)

static void no_leaks(void)
{
	CHECK_EQ(fake_live_instances(), 0);
	CHECK_EQ(fake_live_mappings(), 0);
}

static void reset_knobs(void)
{
	memset(&fake_knobs, 0, sizeof(fake_knobs));
}

/* Queue n NOPs with user_data base, base+1, ...; returns how many fit. */
static unsigned int queue_nops(struct rxring *ring, unsigned int n,
			       __u64 base)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rxring_sqe *sqe = rxring_get_sqe(ring);

		if (!sqe)
			break;
		rxring_prep_nop(sqe);
		rxring_sqe_set_data(sqe, base + i);
	}
	return i;
}

static void test_setup_failures(void)
{
	struct rxring ring;
	int nth;

	reset_knobs();
	fake_knobs.fail_open = ENOENT;
	CHECK_EQ(rxring_queue_init(4, &ring, 0), -ENOENT);
	CHECK_EQ(ring.fd, -1);
	no_leaks();

	CHECK_EQ(rxring_queue_init(3, &ring, 0), -EINVAL);
	CHECK_EQ(ring.fd, -1);
	CHECK_EQ(rxring_queue_init(0, &ring, 0), -EINVAL);
	CHECK_EQ(rxring_queue_init(4, &ring, 0x80), -EINVAL);
	CHECK_EQ(rxring_queue_init(RXRING_MAX_SQ_ENTRIES * 2, &ring, 0),
		 -EINVAL);
	no_leaks();

	/* Fail each mmap in turn: everything mapped so far is undone. */
	for (nth = 1; nth <= 5; nth++) {
		unsigned int maps = fake_stats.maps;
		unsigned int unmaps = fake_stats.unmaps;

		fake_knobs.fail_mmap_nth = nth;
		CHECK_EQ(rxring_queue_init(8, &ring, RXRING_CREATE_INDIRECT),
			 -ENOMEM);
		CHECK_EQ(fake_stats.maps - maps, nth);
		CHECK_EQ(fake_stats.unmaps - unmaps, nth - 1);
		CHECK_EQ(ring.fd, -1);
		CHECK(!ring.sq.hdr && !ring.sq.sqes && !ring.sq.array);
		CHECK(!ring.cq.hdr && !ring.cq.cqes);
		no_leaks();
	}
	reset_knobs();
}

static void test_setup(void)
{
	struct rxring_create p;
	struct rxring ring;
	unsigned int opens = fake_stats.opens;

	reset_knobs();
	memset(&p, 0, sizeof(p));
	p.sq_entries = 16;
	p.cq_entries = 64;
	CHECK_EQ(rxring_queue_init_params(&ring, &p), 0);
	CHECK_EQ(fake_stats.opens - opens, 1);
	CHECK_EQ(fake_stats.last_open_flags, O_RDWR | O_CLOEXEC);
	CHECK_EQ(fake_stats.last_mmap_flags, MAP_SHARED | MAP_POPULATE);
	CHECK_EQ(fake_stats.last_mmap_prot, PROT_READ | PROT_WRITE);
	CHECK_EQ(p.version_major, RXRING_VERSION_MAJOR);
	CHECK_EQ(p.size, sizeof(p));
	CHECK_EQ(ring.sq.entries, 16);
	CHECK_EQ(ring.sq.mask, 15);
	CHECK_EQ(ring.cq.entries, 64);
	CHECK_EQ(ring.cq.mask, 63);
	CHECK(ring.sq.array == NULL);
	CHECK_EQ(ring.sizes[2], 0);
	CHECK_EQ(ring.features, p.features);
	CHECK_EQ(fake_live_mappings(), 4);
	rxring_queue_exit(&ring);
	no_leaks();
	CHECK_EQ(ring.fd, -1);
	/* A second exit is harmless. */
	rxring_queue_exit(&ring);
	no_leaks();

	CHECK_EQ(rxring_queue_init(2, &ring, RXRING_CREATE_INDIRECT), 0);
	CHECK(ring.sq.array != NULL);
	CHECK_EQ(ring.flags, RXRING_CREATE_INDIRECT);
	CHECK_EQ(ring.cq.entries, 4);
	CHECK_EQ(fake_live_mappings(), 5);
	rxring_queue_exit(&ring);
	no_leaks();
}

static void test_probe(void)
{
	struct rxring_probe pr;
	struct rxring ring;

	CHECK_EQ(rxring_queue_init(4, &ring, 0), 0);
	CHECK_EQ(rxring_probe(ring.fd, &pr), 0);
	CHECK_EQ(pr.last_op, RXRING_OP_LAST);
	CHECK(rxring_opcode_supported(&pr, RXRING_OP_NOP));
	CHECK(!rxring_opcode_supported(&pr, RXRING_OP_READ));
	CHECK(!rxring_opcode_supported(&pr, RXRING_OP_CANCEL));
	CHECK(!rxring_opcode_supported(&pr, RXRING_OP_LAST));
	CHECK(!rxring_opcode_supported(&pr, 200));
	CHECK(!rxring_opcode_supported(&pr, 100000));
	/* ops_len bounds the table even if later entries look valid. */
	pr.ops_len = 0;
	CHECK(!rxring_opcode_supported(&pr, RXRING_OP_NOP));
	CHECK_EQ(rxring_probe(-1, &pr), -EBADF);
	rxring_queue_exit(&ring);
	no_leaks();
}

static void test_sq_full(void)
{
	struct rxring_completion c;
	struct rxring ring;
	unsigned int i;

	reset_knobs();
	CHECK_EQ(rxring_queue_init(4, &ring, 0), 0);
	CHECK_EQ(rxring_sq_space_left(&ring), 4);
	CHECK_EQ(queue_nops(&ring, 10, 1), 4);
	CHECK(rxring_get_sqe(&ring) == NULL);
	CHECK_EQ(rxring_sq_space_left(&ring), 0);
	/* Nothing is visible to the kernel before submit. */
	CHECK_EQ(ring.sq.hdr->tail, 0);

	CHECK_EQ(rxring_submit(&ring), 4);
	CHECK_EQ(ring.sq.hdr->tail, 4);
	CHECK_EQ(ring.sq.published, 4);
	CHECK_EQ(rxring_sq_space_left(&ring), 4);
	CHECK_EQ(rxring_cq_ready(&ring), 4);
	for (i = 1; i <= 4; i++) {
		CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
		CHECK_EQ(c.user_data, i);
		CHECK_EQ(c.status, 0);
		CHECK_EQ(c.flags, 0);
		CHECK_EQ(c.extra, 0);
	}
	CHECK_EQ(rxring_peek_completion(&ring, &c), -EAGAIN);
	CHECK_EQ(rxring_cq_ready(&ring), 0);
	CHECK_EQ(ring.cq.hdr->head, 4);

	/* Submitting nothing does not enter the kernel. */
	i = fake_stats.enters;
	CHECK_EQ(rxring_submit(&ring), 0);
	CHECK_EQ(fake_stats.enters, i);

	rxring_queue_exit(&ring);
	no_leaks();
}

/* The kernel may take fewer than to_submit; the rest go next time. */
static void test_partial_take(void)
{
	struct rxring_completion c;
	struct rxring ring;
	unsigned int i;

	reset_knobs();
	CHECK_EQ(rxring_queue_init(8, &ring, 0), 0);
	fake_knobs.max_take = 3;
	CHECK_EQ(queue_nops(&ring, 8, 0), 8);
	CHECK_EQ(rxring_submit(&ring), 3);
	CHECK_EQ(rxring_sq_space_left(&ring), 3);
	CHECK_EQ(rxring_submit(&ring), 3);
	CHECK_EQ(rxring_submit(&ring), 2);
	CHECK_EQ(rxring_submit(&ring), 0);
	for (i = 0; i < 8; i++) {
		CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
		CHECK_EQ(c.user_data, i);
	}
	rxring_queue_exit(&ring);
	no_leaks();
	reset_knobs();
}

/* Hand-written CQEs: sign extension, 64-bit flags, bogus states. */
static void test_peek_crafted(void)
{
	struct rxring_completion c;
	struct rxring_cqe_ext_hi *hi;
	struct rxring_cqe_ext_lo *lo;
	struct rxring_cqe *cqes;
	struct rxring ring;

	reset_knobs();
	CHECK_EQ(rxring_queue_init(4, &ring, 0), 0);
	CHECK_EQ(ring.cq.entries, 8);
	cqes = ring.cq.cqes;

	/* A negative 32-bit status is sign-extended. */
	cqes[0].user_data = 0x1111;
	cqes[0].status = -EBADF;
	cqes[0].flags = 0;
	/* An extended pair with flags_hi, in slots 1 and 2. */
	hi = (struct rxring_cqe_ext_hi *)&cqes[1];
	lo = (struct rxring_cqe_ext_lo *)&cqes[2];
	hi->user_data = 0x2222;
	hi->flags_hi = 0x80000001;
	hi->flags = RXRING_CQE_EXTENDED;
	lo->status = -0x7000000000000000LL;
	lo->extra = 0x0123456789abcdefULL;
	ring.cq.hdr->tail = 3;

	CHECK_EQ(rxring_cq_ready(&ring), 3);
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 0x1111);
	CHECK_EQ(c.status, -EBADF);
	CHECK_EQ(c.flags, 0);
	CHECK_EQ(ring.cq.hdr->head, 1);
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 0x2222);
	CHECK_EQ(c.status, -0x7000000000000000LL);
	CHECK(c.flags == (0x80000001ULL << 32 | RXRING_CQE_EXTENDED));
	CHECK(c.extra == 0x0123456789abcdefULL);
	CHECK_EQ(ring.cq.hdr->head, 3);
	CHECK_EQ(rxring_peek_completion(&ring, &c), -EAGAIN);

	/* A pair straddling the end: slot 7 and slot 0. */
	ring.cq.hdr->head = 7;
	hi = (struct rxring_cqe_ext_hi *)&cqes[7];
	lo = (struct rxring_cqe_ext_lo *)&cqes[0];
	hi->user_data = 0x3333;
	hi->flags_hi = 0;
	hi->flags = RXRING_CQE_EXTENDED;
	lo->status = 1LL << 40;
	lo->extra = 7;
	ring.cq.hdr->tail = 9;
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 0x3333);
	CHECK_EQ(c.status, 1LL << 40);
	CHECK_EQ(c.flags, RXRING_CQE_EXTENDED);
	CHECK_EQ(c.extra, 7);
	CHECK_EQ(ring.cq.hdr->head, 9);

	/* Half a pair visible: impossible from a correct kernel. */
	hi = (struct rxring_cqe_ext_hi *)&cqes[9 & 7];
	hi->flags = RXRING_CQE_EXTENDED;
	ring.cq.hdr->tail = 10;
	CHECK_EQ(rxring_peek_completion(&ring, &c), -EIO);
	CHECK_EQ(ring.cq.hdr->head, 9);

	/* A tail more than cq_entries ahead. */
	ring.cq.hdr->tail = 9 + 9;
	CHECK_EQ(rxring_peek_completion(&ring, &c), -EIO);
	CHECK_EQ(rxring_cq_ready(&ring), 8);
	CHECK_EQ(ring.cq.hdr->head, 9);

	/* Put it back the way the fake kernel left it before closing. */
	ring.cq.hdr->head = ring.cq.hdr->tail = 0;
	rxring_queue_exit(&ring);
	no_leaks();
}

/* Through the fake kernel: pair in the last CQ slot and slot 0. */
static void test_straddle(void)
{
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	struct rxring ring;
	unsigned int i;

	reset_knobs();
	CHECK_EQ(rxring_queue_init(4, &ring, 0), 0);
	for (i = 0; i < 7; i++) {
		CHECK_EQ(queue_nops(&ring, 1, i), 1);
		CHECK_EQ(rxring_submit(&ring), 1);
		CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
		CHECK_EQ(c.user_data, i);
	}
	CHECK_EQ(ring.cq.hdr->head & ring.cq.mask, 7);

	sqe = rxring_get_sqe(&ring);
	rxring_prep_nop_extended(sqe, -42, 0xabcdef);
	rxring_sqe_set_data(sqe, 0xfeed);
	CHECK_EQ(rxring_submit(&ring), 1);
	CHECK_EQ(rxring_cq_ready(&ring), 2);
	CHECK_EQ(((struct rxring_cqe_ext_hi *)&ring.cq.cqes[7])->user_data,
		 0xfeed);
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 0xfeed);
	CHECK_EQ(c.status, -42);
	CHECK_EQ(c.extra, 0xabcdef);
	CHECK_EQ(c.flags, RXRING_CQE_EXTENDED);
	CHECK_EQ(ring.cq.hdr->head, 9);
	CHECK_EQ(rxring_peek_completion(&ring, &c), -EAGAIN);

	/* NOP_RESULT: small values stay plain, big ones become a pair. */
	sqe = rxring_get_sqe(&ring);
	rxring_prep_nop_result(sqe, INT32_MIN);
	rxring_sqe_set_data(sqe, 1);
	sqe = rxring_get_sqe(&ring);
	rxring_prep_nop_result(sqe, (__s64)INT32_MAX + 1);
	rxring_sqe_set_data(sqe, 2);
	CHECK_EQ(rxring_submit(&ring), 2);
	CHECK_EQ(rxring_cq_ready(&ring), 3);
	CHECK_EQ(rxring_wait_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 1);
	CHECK_EQ(c.status, INT32_MIN);
	CHECK_EQ(c.flags, 0);
	CHECK_EQ(rxring_wait_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 2);
	CHECK_EQ(c.status, (__s64)INT32_MAX + 1);
	CHECK_EQ(c.flags, RXRING_CQE_EXTENDED);
	CHECK_EQ(c.extra, 0);

	/* Errors come back as completions. */
	sqe = rxring_get_sqe(&ring);
	rxring_prep_rw(sqe, 99, 0, 0, 0, 0);
	rxring_sqe_set_data(sqe, 3);
	sqe = rxring_get_sqe(&ring);
	rxring_prep_rw(sqe, RXRING_OP_READ, 0, 0, 0, 0);
	rxring_sqe_set_data(sqe, 4);
	CHECK_EQ(rxring_submit_and_wait(&ring, 2), 2);
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 3);
	CHECK_EQ(c.status, -EINVAL);
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 4);
	CHECK_EQ(c.status, -EOPNOTSUPP);

	rxring_queue_exit(&ring);
	no_leaks();
}

/* All four indices start just below 2^64 and wrap during the test. */
static void test_index_wrap(void)
{
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	struct rxring ring;
	__u64 next = 0, i, n = 0;

	reset_knobs();
	fake_knobs.start_index = ~0ULL - 5;
	CHECK_EQ(rxring_queue_init(4, &ring, RXRING_CREATE_INDIRECT), 0);
	CHECK(ring.sq.sqe_tail == ~0ULL - 5);
	CHECK_EQ(rxring_sq_space_left(&ring), 4);
	for (i = 0; i < 40; i++) {
		sqe = rxring_get_sqe(&ring);
		CHECK(sqe != NULL);
		if (!sqe)
			break;
		if (i % 3 == 0)
			rxring_prep_nop_extended(sqe, (__s64)i, ~i);
		else
			rxring_prep_nop(sqe);
		rxring_sqe_set_data(sqe, i);
		if (i % 2 == 0)
			continue;
		CHECK_EQ(rxring_submit(&ring), 2);
		while (rxring_peek_completion(&ring, &c) == 0) {
			CHECK(c.user_data == next);
			if (next % 3 == 0) {
				CHECK_EQ(c.status, next);
				CHECK(c.extra == ~next);
				CHECK_EQ(c.flags, RXRING_CQE_EXTENDED);
			} else {
				CHECK_EQ(c.status, 0);
				CHECK_EQ(c.flags, 0);
			}
			next++;
			n++;
		}
	}
	CHECK_EQ(n, 40);
	CHECK(ring.sq.hdr->tail == 34);
	CHECK_EQ(fake_dropped(ring.fd), 0);
	rxring_queue_exit(&ring);
	no_leaks();
	reset_knobs();
}

/* INDIRECT: the library writes an identity array before the tail. */
static void test_indirect(void)
{
	struct rxring_completion c;
	struct rxring ring;
	unsigned int i;

	reset_knobs();
	CHECK_EQ(rxring_queue_init(4, &ring, RXRING_CREATE_INDIRECT), 0);
	/* The fake fills the array with 0xffffffff: nothing written yet. */
	CHECK_EQ(ring.sq.array[0], 0xffffffffU);
	CHECK_EQ(queue_nops(&ring, 3, 10), 3);
	CHECK_EQ(ring.sq.array[0], 0xffffffffU);
	CHECK_EQ(rxring_submit(&ring), 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ(ring.sq.array[i], i);
	CHECK_EQ(ring.sq.array[3], 0xffffffffU);
	CHECK_EQ(queue_nops(&ring, 4, 13), 4);
	CHECK_EQ(rxring_submit(&ring), 4);
	for (i = 0; i < 4; i++)
		CHECK_EQ(ring.sq.array[i], i);
	for (i = 0; i < 7; i++) {
		CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
		CHECK_EQ(c.user_data, 10 + i);
	}
	CHECK_EQ(fake_dropped(ring.fd), 0);
	rxring_queue_exit(&ring);
	no_leaks();
}

/* A full CQ stops submission; reaping lets it go on. */
static void test_cq_backpressure(void)
{
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	struct rxring ring;
	unsigned int i;

	reset_knobs();
	CHECK_EQ(rxring_queue_init(4, &ring, 0), 0);
	for (i = 0; i < 4; i++) {
		sqe = rxring_get_sqe(&ring);
		rxring_prep_nop_extended(sqe, i, i);
		rxring_sqe_set_data(sqe, i);
	}
	CHECK_EQ(rxring_submit(&ring), 4);
	CHECK_EQ(rxring_cq_ready(&ring), 8);

	CHECK_EQ(queue_nops(&ring, 4, 4), 4);
	CHECK_EQ(rxring_submit(&ring), 0);	/* CQ full */
	CHECK_EQ(rxring_sq_space_left(&ring), 0);
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 0);
	CHECK_EQ(rxring_submit(&ring), 1);	/* two slots free */
	CHECK_EQ(rxring_submit(&ring), 0);	/* one slot free */
	for (i = 1; i < 4; i++) {
		CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
		CHECK_EQ(c.user_data, i);
		CHECK_EQ(c.extra, i);
	}
	CHECK_EQ(rxring_submit(&ring), 3);
	for (i = 4; i < 8; i++) {
		CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
		CHECK_EQ(c.user_data, i);
	}
	CHECK_EQ(rxring_peek_completion(&ring, &c), -EAGAIN);
	rxring_queue_exit(&ring);
	no_leaks();
}

static void test_wait(void)
{
	struct rxring_completion c;
	struct rxring ring;
	unsigned int enters;

	reset_knobs();
	CHECK_EQ(rxring_queue_init(4, &ring, 0), 0);

	/* Nothing in flight: the timeout expires. */
	CHECK_EQ(rxring_wait_completion_timeout(&ring, &c, 0), -ETIME);
	CHECK_EQ(rxring_wait_completion_timeout(&ring, &c, 1000), -ETIME);
	CHECK_EQ(rxring_wait_completion_timeout(&ring, &c, -1), -EINVAL);

	/* Completions that arrive only while waiting. */
	fake_knobs.defer = true;
	CHECK_EQ(queue_nops(&ring, 2, 50), 2);
	CHECK_EQ(rxring_submit(&ring), 2);
	CHECK_EQ(rxring_peek_completion(&ring, &c), -EAGAIN);
	enters = fake_stats.enters;
	CHECK_EQ(rxring_wait_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 50);
	CHECK_EQ(fake_stats.enters - enters, 1);
	CHECK_EQ(rxring_wait_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 51);
	CHECK_EQ(fake_stats.enters - enters, 1);

	CHECK_EQ(queue_nops(&ring, 1, 52), 1);
	CHECK_EQ(rxring_submit(&ring), 1);
	CHECK_EQ(rxring_wait_completion_timeout(&ring, &c, 1000000), 0);
	CHECK_EQ(c.user_data, 52);

	/* A signal while waiting. */
	CHECK_EQ(queue_nops(&ring, 1, 53), 1);
	CHECK_EQ(rxring_submit(&ring), 1);
	fake_knobs.eintr_next = 1;
	CHECK_EQ(rxring_wait_completion(&ring, &c), -EINTR);
	fake_knobs.eintr_next = 1;
	CHECK_EQ(rxring_wait_completion_timeout(&ring, &c, 1000000), -EINTR);
	CHECK_EQ(rxring_wait_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 53);

	/* submit_and_wait submits and waits in one call. */
	CHECK_EQ(queue_nops(&ring, 3, 60), 3);
	CHECK_EQ(rxring_submit_and_wait(&ring, 3), 3);
	CHECK_EQ(rxring_cq_ready(&ring), 3);
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 60);
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(rxring_peek_completion(&ring, &c), 0);
	CHECK_EQ(c.user_data, 62);

	/* Kernel-side argument checks surface as -errno. */
	CHECK_EQ(rxring_submit_and_wait(&ring, 9), -EINVAL);
	rxring_queue_exit(&ring);
	no_leaks();
	reset_knobs();
}

static void test_enter_raw(void)
{
	struct rxring_enter e;
	struct rxring ring;

	reset_knobs();
	CHECK_EQ(rxring_queue_init(4, &ring, 0), 0);
	memset(&e, 0, sizeof(e));
	e.flags = RXRING_ENTER_ONLY_NOTIFY;
	CHECK_EQ(rxring_enter(ring.fd, &e), 0);
	e.flags = 1U << 31;
	CHECK_EQ(rxring_enter(ring.fd, &e), -EINVAL);
	CHECK_EQ(rxring_enter(-1, &e), -EBADF);
	rxring_queue_exit(&ring);
	no_leaks();
}

int main(void)
{
	test_setup_failures();
	test_setup();
	test_probe();
	test_sq_full();
	test_partial_take();
	test_peek_crafted();
	test_straddle();
	test_index_wrap();
	test_indirect();
	test_cq_backpressure();
	test_wait();
	test_enter_raw();

	if (failures) {
		fprintf(stderr, "test-queue: %d of %d checks FAILED\n",
			failures, checks);
		return 1;
	}
	printf("test-queue: all %d checks passed\n", checks);
	return 0;
}
