/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the kernel-operation selftests (futex, waitpid, timeout):
 * rings through librxring, SQE submission one at a time, waiting with a
 * watchdog, and user_data bookkeeping, so every test can check that each
 * accepted SQE completes exactly once.
 *
 * Like common.h, nothing here asserts: helpers return 0 / a count or
 * -errno, and -1 with a description in kops_why for bookkeeping errors.
 */
#ifndef RXRING_SELFTEST_KOPS_H
#define RXRING_SELFTEST_KOPS_H

#include <pthread.h>
#include <sys/wait.h>

#include <rxring.h>

#include "common.h"

/* How long a test waits for a completion that must come. */
#define KOPS_WATCHDOG_MS	10000

/* How long "nothing arrives" is watched for. */
#define KOPS_QUIET_MS		100

static char kops_why[512];

/* A ring of sq entries and cq CQ slots (0: 2 * sq). */
static inline int kops_ring(struct rxring *ring, unsigned int sq,
			    unsigned int cq)
{
	struct rxring_create p;

	rx_raise_memlock();
	memset(&p, 0, sizeof(p));
	p.sq_entries = sq;
	p.cq_entries = cq;
	return rxring_queue_init_params(ring, &p);
}

/* An instance without rings, for RXRING_IOC_FUTEX. */
static inline int kops_fd(void)
{
	return rx_open();
}

/*
 * Bookkeeping of user_data base .. base + n - 1: each one is submitted at
 * most once and must complete exactly once.
 */
struct kops_book {
	__u64 base;
	unsigned int n;
	unsigned int submitted;
	unsigned int completed;
	unsigned char *state;	/* 0 unused, 1 in flight, 2 completed */
	__s64 *status;		/* status of each completion */
	__u64 *extra;
	__u64 *flags;
	long long *when;	/* CLOCK_MONOTONIC ns when it was reaped */
};

static inline int kops_book_init(struct kops_book *b, __u64 base,
				 unsigned int n)
{
	memset(b, 0, sizeof(*b));
	b->base = base;
	b->n = n;
	b->state = calloc(n, 1);
	b->status = calloc(n, sizeof(*b->status));
	b->extra = calloc(n, sizeof(*b->extra));
	b->flags = calloc(n, sizeof(*b->flags));
	b->when = calloc(n, sizeof(*b->when));
	if (!b->state || !b->status || !b->extra || !b->flags || !b->when)
		return -ENOMEM;
	return 0;
}

static inline void kops_book_free(struct kops_book *b)
{
	free(b->state);
	free(b->status);
	free(b->extra);
	free(b->flags);
	free(b->when);
	memset(b, 0, sizeof(*b));
}

static inline int kops_book_submit(struct kops_book *b, __u64 ud)
{
	if (ud - b->base >= b->n || b->state[ud - b->base]) {
		snprintf(kops_why, sizeof(kops_why),
			 "user_data %llu submitted twice or out of range",
			 (unsigned long long)ud);
		return -1;
	}
	b->state[ud - b->base] = 1;
	b->submitted++;
	return 0;
}

/* Account for completion *c: it must be in flight. */
static inline int kops_book_complete(struct kops_book *b,
				     const struct rxring_completion *c)
{
	__u64 i = c->user_data - b->base;

	if (i >= b->n || b->state[i] != 1) {
		snprintf(kops_why, sizeof(kops_why),
			 "completion for user_data %llu (status %lld) that is %s",
			 (unsigned long long)c->user_data,
			 (long long)c->status,
			 i >= b->n ? "unknown" :
			 b->state[i] ? "already completed" : "not submitted");
		return -1;
	}
	b->state[i] = 2;
	b->status[i] = c->status;
	b->extra[i] = c->extra;
	b->flags[i] = c->flags;
	b->when[i] = rx_now_ns();
	b->completed++;
	return 0;
}

static inline bool kops_book_done(const struct kops_book *b, __u64 ud)
{
	return ud - b->base < b->n && b->state[ud - b->base] == 2;
}

static inline __s64 kops_book_status(const struct kops_book *b, __u64 ud)
{
	return b->status[ud - b->base];
}

/* Everything submitted has completed. */
static inline int kops_book_balanced(const struct kops_book *b)
{
	if (b->completed != b->submitted) {
		snprintf(kops_why, sizeof(kops_why),
			 "%u submitted, %u completed", b->submitted,
			 b->completed);
		return -1;
	}
	return 0;
}

/*
 * Take an SQE, let prep fill it (via the caller), record its user_data.
 * Returns the SQE or NULL (SQ full, or bookkeeping error).
 */
static inline struct rxring_sqe *kops_sqe(struct rxring *ring,
					  struct kops_book *b, __u64 ud)
{
	struct rxring_sqe *sqe = rxring_get_sqe(ring);

	if (!sqe) {
		snprintf(kops_why, sizeof(kops_why), "SQ full");
		return NULL;
	}
	if (b && kops_book_submit(b, ud))
		return NULL;
	return sqe;
}

/* Submit everything queued; the number the kernel took, or -errno. */
static inline int kops_submit(struct rxring *ring)
{
	return rxring_submit(ring);
}

/* Reap one completion into b, waiting up to ms. 0, -ETIME or -1. */
static inline int kops_reap(struct rxring *ring, struct kops_book *b,
			    struct rxring_completion *c, long ms)
{
	struct rxring_completion tmp;
	int ret;

	if (!c)
		c = &tmp;
	ret = rxring_wait_completion_timeout(ring, c, ms * RX_MSEC);
	if (ret) {
		snprintf(kops_why, sizeof(kops_why),
			 "no completion within %ld ms (%s); %u of %u in flight",
			 ms, strerror(-ret), b ? b->submitted - b->completed : 0,
			 b ? b->submitted : 0);
		return ret;
	}
	if (b && kops_book_complete(b, c))
		return -1;
	return 0;
}

/* Reap n completions into b, each within the watchdog. */
static inline int kops_reap_n(struct rxring *ring, struct kops_book *b,
			      unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = kops_reap(ring, b, NULL, KOPS_WATCHDOG_MS);
		if (ret)
			return ret;
	}
	return 0;
}

/* No completion turns up within ms: 0, or -1 with kops_why. */
static inline int kops_quiet(struct rxring *ring, long ms)
{
	struct rxring_completion c;
	int ret = rxring_wait_completion_timeout(ring, &c, ms * RX_MSEC);

	if (ret == -ETIME)
		return 0;
	if (!ret)
		snprintf(kops_why, sizeof(kops_why),
			 "unexpected completion: user_data %llu status %lld flags 0x%llx",
			 (unsigned long long)c.user_data, (long long)c.status,
			 (unsigned long long)c.flags);
	else
		snprintf(kops_why, sizeof(kops_why), "wait: %s",
			 strerror(-ret));
	return -1;
}

/*
 * Submit the one SQE prep'ed by the caller and wait for a completion,
 * which must be for ud. Returns 0 with *c, or -errno / -1.
 */
static inline int kops_run1(struct rxring *ring, struct kops_book *b,
			    __u64 ud, struct rxring_completion *c)
{
	int ret = kops_submit(ring);

	if (ret != 1) {
		snprintf(kops_why, sizeof(kops_why), "submit: %d", ret);
		return ret < 0 ? ret : -1;
	}
	ret = kops_reap(ring, b, c, KOPS_WATCHDOG_MS);
	if (ret)
		return ret;
	if (c->user_data != ud) {
		snprintf(kops_why, sizeof(kops_why),
			 "completion for %llu, expected %llu",
			 (unsigned long long)c->user_data,
			 (unsigned long long)ud);
		return -1;
	}
	return 0;
}

/* A raw SQE of the caller's making, submitted and completed alone. */
static inline int kops_raw1(struct rxring *ring, struct kops_book *b,
			    const struct rxring_sqe *src,
			    struct rxring_completion *c)
{
	struct rxring_sqe *sqe = kops_sqe(ring, b, src->user_data);

	if (!sqe)
		return -1;
	*sqe = *src;
	return kops_run1(ring, b, src->user_data, c);
}

static inline long long kops_ms_since(long long t0)
{
	return (rx_now_ns() - t0) / RX_MSEC;
}

#endif /* RXRING_SELFTEST_KOPS_H */
