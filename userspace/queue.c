// SPDX-License-Identifier: MIT
/*
 * librxring: submitting SQEs and reaping completions.
 *
 * Both rings are single-producer single-consumer queues with free-running
 * 64-bit indices (docs/abi.md, "Ring headers"). We own the SQ tail and the
 * CQ head; the kernel owns the SQ head and the CQ tail. Every index the
 * other side writes is read with acquire semantics, every index we publish
 * is written with release semantics.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "rxring.h"

static inline __u64 rxring_load_acquire(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline __u64 rxring_load_relaxed(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void rxring_store_release(__u64 *p, __u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* ---- Submission ---- */

struct rxring_sqe *rxring_get_sqe(struct rxring *ring)
{
	struct rxring_sq *sq = &ring->sq;
	__u64 head = rxring_load_acquire(&sq->hdr->head);

	/* >= rather than ==: a bogus head must not hand out a live slot. */
	if (sq->sqe_tail - head >= sq->entries)
		return NULL;
	return &sq->sqes[sq->sqe_tail++ & sq->mask];
}

unsigned int rxring_sq_space_left(const struct rxring *ring)
{
	const struct rxring_sq *sq = &ring->sq;
	__u64 used = sq->sqe_tail - rxring_load_acquire(&sq->hdr->head);

	return used >= sq->entries ? 0 : (unsigned int)(sq->entries - used);
}

/*
 * Publish every SQE handed out by rxring_get_sqe() and return how many
 * entries the kernel has yet to take (published tail - kernel head);
 * *flushed says how many this call published.
 */
static unsigned int rxring_flush_sq(struct rxring *ring, unsigned int *flushed)
{
	struct rxring_sq *sq = &ring->sq;
	__u64 tail = sq->sqe_tail, pending;

	*flushed = (unsigned int)(tail - sq->published);
	if (sq->published != tail) {
		if (sq->array) {
			/* INDIRECT: identity mapping, slot i holds SQE i. */
			__u64 i;

			for (i = sq->published; i != tail; i++)
				sq->array[i & sq->mask] = (__u32)(i & sq->mask);
		}
		/* The SQEs (and array slots) are visible before the tail. */
		rxring_store_release(&sq->hdr->tail, tail);
		sq->published = tail;
	}

	pending = tail - rxring_load_acquire(&sq->hdr->head);
	if (pending > sq->entries)	/* a bogus head; the kernel checks */
		pending = sq->entries;
	return (unsigned int)pending;
}

int rxring_enter(int fd, struct rxring_enter *arg)
{
	int ret = ioctl(fd, RXRING_IOC_ENTER, arg);

	return ret < 0 ? -errno : ret;
}

/*
 * SQPOLL: the kernel thread takes what was published; enter only to wake
 * it (NEED_WAKEUP) or to wait. The full barrier orders the tail store
 * before the load of status, as the kernel orders its store of the flag
 * before its load of the tail: one side always sees the other.
 */
static int rxring_submit_sqpoll(struct rxring *ring, unsigned int flushed,
				unsigned int wait_nr)
{
	struct rxring_enter e;
	__u32 status;
	int ret;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	status = __atomic_load_n(&ring->sq.hdr->status, __ATOMIC_RELAXED);
	if (wait_nr || (status & RXRING_RING_NEED_WAKEUP)) {
		memset(&e, 0, sizeof(e));
		e.min_complete = wait_nr;
		ret = rxring_enter(ring->fd, &e);
		if (ret < 0)
			return ret;
	}
	return (int)flushed;
}

int rxring_submit_and_wait(struct rxring *ring, unsigned int wait_nr)
{
	struct rxring_enter e;
	unsigned int flushed;
	unsigned int to_submit = rxring_flush_sq(ring, &flushed);
	int ret;

	if (ring->flags & RXRING_CREATE_SQPOLL)
		return rxring_submit_sqpoll(ring, flushed, wait_nr);
	if (!to_submit && !wait_nr)
		return 0;

	memset(&e, 0, sizeof(e));
	e.to_submit = to_submit;
	e.min_complete = wait_nr;
	ret = rxring_enter(ring->fd, &e);
	if (ret < 0)
		return ret;
	return (int)e.submitted;
}

int rxring_submit(struct rxring *ring)
{
	return rxring_submit_and_wait(ring, 0);
}

/* ---- Completion ---- */

unsigned int rxring_cq_ready(const struct rxring *ring)
{
	const struct rxring_cq *cq = &ring->cq;
	__u64 ready = rxring_load_acquire(&cq->hdr->tail) -
		      rxring_load_relaxed(&cq->hdr->head);

	return ready > cq->entries ? cq->entries : (unsigned int)ready;
}

/*
 * A WAITPID completion names a child the kernel left a zombie (it cannot
 * reap it): reap it now, so the caller sees waitpid(2) semantics. The
 * kernel saw the child exit, so WNOHANG finds it unless someone else
 * reaped it first (or SIGCHLD is ignored and it was never a zombie).
 */
static void rxring_reap_zombie(struct rxring_completion *c)
{
	int saved = errno, st = 0;
	pid_t pid = (pid_t)c->status, ret;

	if (c->status <= 0 || c->status != pid)
		return;
	do {
		ret = waitpid(pid, &st, WNOHANG);
	} while (ret < 0 && errno == EINTR);
	if (ret == pid)
		c->extra = (__u32)st;
	errno = saved;
}

/*
 * IOPOLL without SQPOLL: polled I/O completes only when someone polls for
 * it; an ENTER that waits for nothing polls once.
 */
static void rxring_iopoll_once(struct rxring *ring)
{
	struct rxring_enter e;

	if ((ring->flags & (RXRING_CREATE_IOPOLL | RXRING_CREATE_SQPOLL)) !=
	    RXRING_CREATE_IOPOLL)
		return;
	memset(&e, 0, sizeof(e));
	rxring_enter(ring->fd, &e);
}

int rxring_peek_completion(struct rxring *ring, struct rxring_completion *c)
{
	struct rxring_cq *cq = &ring->cq;
	__u64 head = rxring_load_relaxed(&cq->hdr->head);
	__u64 avail = rxring_load_acquire(&cq->hdr->tail) - head;
	struct rxring_cqe cqe;
	unsigned int used;

	if (!avail && (ring->flags & RXRING_CREATE_IOPOLL)) {
		rxring_iopoll_once(ring);
		avail = rxring_load_acquire(&cq->hdr->tail) - head;
	}
	if (!avail)
		return -EAGAIN;
	if (avail > cq->entries)	/* tail not where a kernel can put it */
		return -EIO;

	/*
	 * Copy the slots out rather than dereferencing them as two different
	 * types; the kernel will not touch them until we move the head.
	 */
	memcpy(&cqe, &cq->cqes[head & cq->mask], sizeof(cqe));
	if (cqe.flags & RXRING_CQE_EXTENDED) {
		struct rxring_cqe_ext_hi hi;
		struct rxring_cqe_ext_lo lo;

		/* A pair is published with one tail update. */
		if (avail < 2)
			return -EIO;
		memcpy(&hi, &cqe, sizeof(hi));
		memcpy(&lo, &cq->cqes[(head + 1) & cq->mask], sizeof(lo));
		c->user_data = hi.user_data;
		c->status = lo.status;
		c->flags = (__u64)hi.flags_hi << 32 | hi.flags;
		c->extra = lo.extra;
		used = 2;
	} else {
		c->user_data = cqe.user_data;
		c->status = cqe.status;		/* sign-extends */
		c->flags = cqe.flags;
		c->extra = 0;
		used = 1;
	}

	/* Our reads of the slots happen before the kernel may reuse them. */
	rxring_store_release(&cq->hdr->head, head + used);
	if (c->flags & RXRING_CQE_ZOMBIE)
		rxring_reap_zombie(c);
	return 0;
}

int rxring_peek_batch(struct rxring *ring, struct rxring_completion *c,
		      unsigned int max)
{
	struct rxring_cq *cq = &ring->cq;
	__u64 head = rxring_load_relaxed(&cq->hdr->head);
	__u64 avail = rxring_load_acquire(&cq->hdr->tail) - head;
	unsigned int n = 0, zombies = 0;
	__u64 pos = 0;

	if (!avail && (ring->flags & RXRING_CREATE_IOPOLL)) {
		rxring_iopoll_once(ring);
		avail = rxring_load_acquire(&cq->hdr->tail) - head;
	}
	if (avail > cq->entries)	/* tail not where a kernel can put it */
		return -EIO;
	while (n < max && pos < avail) {
		const struct rxring_cqe *cqe = &cq->cqes[(head + pos) & cq->mask];
		struct rxring_completion *out = &c[n];

		if (cqe->flags & RXRING_CQE_EXTENDED) {
			struct rxring_cqe_ext_hi hi;
			struct rxring_cqe_ext_lo lo;

			if (avail - pos < 2) {
				if (!n)
					return -EIO;
				break;
			}
			memcpy(&hi, cqe, sizeof(hi));
			memcpy(&lo, &cq->cqes[(head + pos + 1) & cq->mask],
			       sizeof(lo));
			out->user_data = hi.user_data;
			out->status = lo.status;
			out->flags = (__u64)hi.flags_hi << 32 | hi.flags;
			out->extra = lo.extra;
			pos += 2;
		} else {
			out->user_data = cqe->user_data;
			out->status = cqe->status;	/* sign-extends */
			out->flags = cqe->flags;
			out->extra = 0;
			pos += 1;
		}
		zombies |= out->flags & RXRING_CQE_ZOMBIE;
		n++;
	}
	if (!n)
		return 0;
	/* Our reads of the slots happen before the kernel may reuse them. */
	rxring_store_release(&cq->hdr->head, head + pos);
	if (zombies) {
		unsigned int i;

		for (i = 0; i < n; i++)
			if (c[i].flags & RXRING_CQE_ZOMBIE)
				rxring_reap_zombie(&c[i]);
	}
	return (int)n;
}

int rxring_wait_completion(struct rxring *ring, struct rxring_completion *c)
{
	struct rxring_enter e;
	int ret;

	for (;;) {
		ret = rxring_peek_completion(ring, c);
		if (ret != -EAGAIN)
			return ret;

		memset(&e, 0, sizeof(e));
		e.min_complete = 1;
		ret = rxring_enter(ring->fd, &e);
		if (ret < 0)
			return ret;
	}
}

static __s64 rxring_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int rxring_wait_completion_timeout(struct rxring *ring,
				   struct rxring_completion *c,
				   __s64 timeout_ns)
{
	struct rxring_enter e;
	__s64 start, left;
	int ret;

	if (timeout_ns < 0)
		return -EINVAL;

	ret = rxring_peek_completion(ring, c);
	if (ret != -EAGAIN)
		return ret;

	start = rxring_now_ns();
	for (;;) {
		left = timeout_ns - (rxring_now_ns() - start);
		if (left < 0)
			left = 0;

		memset(&e, 0, sizeof(e));
		e.min_complete = 1;
		e.flags = RXRING_ENTER_TIMEOUT;
		e.timeout_ns = left;
		ret = rxring_enter(ring->fd, &e);
		if (ret < 0)
			return ret;	/* -ETIME, -EINTR, ... */

		ret = rxring_peek_completion(ring, c);
		if (ret != -EAGAIN)
			return ret;
		if (!left)
			return -ETIME;
	}
}
