/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the rxring selftests: raw ioctl and mmap wrappers that
 * talk to /dev/rxring directly (no librxring), so a test checks the kernel
 * and not the library. Every helper returns 0 / a count on success and
 * -errno on failure, and never asserts: the tests do that.
 *
 * struct rx keeps the user's own copies of the indices it produces (SQ tail)
 * and consumes (CQ head); the kernel-owned indices are only ever read from
 * the shared headers.
 */
#ifndef RXRING_SELFTEST_COMMON_H
#define RXRING_SELFTEST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <linux/rxring.h>

#define RX_DEV		"/dev/rxring"
#define RX_NSEC		1000000000LL
#define RX_MSEC		1000000LL

/* The largest record any rxring ioctl takes; big enough for every test. */
#define RX_MAX_OPS	64

static inline size_t rx_page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static inline size_t rx_round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

static inline long long rx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * RX_NSEC + ts.tv_nsec;
}

static inline void rx_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * RX_MSEC };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The debug kernel's lane (scripts/vm.sh sets RXRING_LANE=debug): KASAN,
 * lockdep and kmemleak under emulation make every operation several times
 * slower, so loops that only repeat the same checks run fewer rounds there.
 */
static inline bool rx_debug_lane(void)
{
	const char *v = getenv("RXRING_LANE");

	return v && !strcmp(v, "debug");
}

/* n, or debug_n in the debug kernel's lane. */
static inline unsigned int rx_lane_n(unsigned int n, unsigned int debug_n)
{
	return rx_debug_lane() ? debug_n : n;
}

/* Root (or CAP_IPC_LOCK) lifts the memlock limit; ignore failure. */
static inline void rx_raise_memlock(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	setrlimit(RLIMIT_MEMLOCK, &rl);
}

static inline int rx_open(void)
{
	int fd = open(RX_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static inline int rx_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

static inline void rx_create_init(struct rxring_create *c, __u32 sq,
				  __u32 cq, __u32 flags)
{
	memset(c, 0, sizeof(*c));
	c->version_major = RXRING_VERSION_MAJOR;
	c->version_minor = RXRING_VERSION_MINOR;
	c->version_patch = RXRING_VERSION_PATCH;
	c->flags = flags;
	c->size = sizeof(*c);
	c->sq_entries = sq;
	c->cq_entries = cq;
}

static inline int rx_create(int fd, struct rxring_create *c)
{
	return rx_ioctl(fd, RXRING_IOC_CREATE, c);
}

static inline int rx_probe(int fd, struct rxring_probe *p)
{
	memset(p, 0, sizeof(*p));
	return rx_ioctl(fd, RXRING_IOC_PROBE, p);
}

/* Raw ENTER. Returns the ioctl's value or -errno; *submitted if non-NULL. */
static inline int rx_enter_raw(int fd, __u32 to_submit, __u32 min_complete,
			       __u32 flags, __s64 timeout_ns, __u32 *submitted)
{
	struct rxring_enter e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.to_submit = to_submit;
	e.min_complete = min_complete;
	e.flags = flags;
	e.timeout_ns = timeout_ns;
	ret = rx_ioctl(fd, RXRING_IOC_ENTER, &e);
	if (submitted)
		*submitted = e.submitted;
	return ret;
}

static inline void *rx_mmap(int fd, __u64 off, size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)off);
}

/* mmap() returning -errno for failure and 0 (unmapping again) for success. */
static inline int rx_try_mmap(int fd, __u64 off, size_t len, int prot,
			      int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

#define RX_RW	(PROT_READ | PROT_WRITE)

/* One mapped instance. */
struct rx {
	int fd;
	struct rxring_create cr;
	struct rxring_ring_header *sqh;
	struct rxring_sqe *sqes;
	__u32 *array;			/* INDIRECT only */
	struct rxring_ring_header *cqh;
	struct rxring_cqe *cqes;
	__u32 sq_entries, sq_mask;
	__u32 cq_entries, cq_mask;
	__u64 sq_tail;			/* user's own SQ tail */
	__u64 cq_head;			/* user's own CQ head */
};

static inline void rx_unmap(struct rx *r)
{
	if (r->sqh && r->sqh != MAP_FAILED)
		munmap(r->sqh, r->cr.sq_header_size);
	if (r->sqes && (void *)r->sqes != MAP_FAILED)
		munmap(r->sqes, r->cr.sq_entries_size);
	if (r->array && (void *)r->array != MAP_FAILED)
		munmap(r->array, r->cr.sq_array_size);
	if (r->cqh && r->cqh != MAP_FAILED)
		munmap(r->cqh, r->cr.cq_header_size);
	if (r->cqes && (void *)r->cqes != MAP_FAILED)
		munmap(r->cqes, r->cr.cq_entries_size);
	r->sqh = r->cqh = NULL;
	r->sqes = NULL;
	r->array = NULL;
	r->cqes = NULL;
}

/* Map every region of an already created instance (r->fd, r->cr). */
static inline int rx_map(struct rx *r)
{
	r->sqh = rx_mmap(r->fd, RXRING_OFF_SQ_HEADER, r->cr.sq_header_size,
			 RX_RW);
	r->sqes = rx_mmap(r->fd, RXRING_OFF_SQ_ENTRIES, r->cr.sq_entries_size,
			  RX_RW);
	if (r->cr.flags & RXRING_CREATE_INDIRECT)
		r->array = rx_mmap(r->fd, RXRING_OFF_SQ_ARRAY,
				   r->cr.sq_array_size, RX_RW);
	r->cqh = rx_mmap(r->fd, RXRING_OFF_CQ_HEADER, r->cr.cq_header_size,
			 RX_RW);
	r->cqes = rx_mmap(r->fd, RXRING_OFF_CQ_ENTRIES, r->cr.cq_entries_size,
			  RX_RW);
	if (r->sqh == MAP_FAILED || (void *)r->sqes == MAP_FAILED ||
	    (void *)r->array == MAP_FAILED || r->cqh == MAP_FAILED ||
	    (void *)r->cqes == MAP_FAILED) {
		int err = -errno;

		rx_unmap(r);
		return err ? err : -EINVAL;
	}
	r->sq_entries = r->cr.sq_entries;
	r->sq_mask = r->sq_entries - 1;
	r->cq_entries = r->cr.cq_entries;
	r->cq_mask = r->cq_entries - 1;
	r->sq_tail = __atomic_load_n(&r->sqh->tail, __ATOMIC_ACQUIRE);
	r->cq_head = __atomic_load_n(&r->cqh->head, __ATOMIC_ACQUIRE);
	return 0;
}

/* open + CREATE with record @cr (written back to r->cr) + map everything. */
static inline int rx_setup_cr(struct rx *r, const struct rxring_create *cr)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->fd = rx_open();
	if (r->fd < 0)
		return r->fd;
	r->cr = *cr;
	ret = rx_create(r->fd, &r->cr);
	if (!ret)
		ret = rx_map(r);
	if (ret) {
		close(r->fd);
		r->fd = -1;
	}
	return ret;
}

/* open + CREATE + map everything. */
static inline int rx_setup(struct rx *r, __u32 sq, __u32 cq, __u32 flags)
{
	struct rxring_create cr;

	rx_create_init(&cr, sq, cq, flags);
	return rx_setup_cr(r, &cr);
}

static inline void rx_teardown(struct rx *r)
{
	rx_unmap(r);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static inline int rx_enter(struct rx *r, __u32 to_submit, __u32 min_complete,
			   __u32 flags, __s64 timeout_ns, __u32 *submitted)
{
	return rx_enter_raw(r->fd, to_submit, min_complete, flags, timeout_ns,
			    submitted);
}

static inline __u64 rx_load(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void rx_store(__u64 *p, __u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline __u64 rx_sq_head(const struct rx *r)
{
	return rx_load(&r->sqh->head);
}

static inline __u64 rx_cq_tail(const struct rx *r)
{
	return rx_load(&r->cqh->tail);
}

/* Filled CQ slots as seen from the user's own head. */
static inline __u64 rx_cq_ready(const struct rx *r)
{
	return rx_cq_tail(r) - r->cq_head;
}

/* Free SQ slots as seen from the kernel's published head. */
static inline __u32 rx_sq_space(const struct rx *r)
{
	return r->sq_entries - (__u32)(r->sq_tail - rx_sq_head(r));
}

static inline void rx_sqe_fill(struct rxring_sqe *sqe, __u8 opcode,
			       __u32 syscall_flags, __u64 offset,
			       __u64 additional1, __u64 user_data)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = opcode;
	sqe->syscall_flags = syscall_flags;
	sqe->offset = offset;
	sqe->additional1 = additional1;
	sqe->user_data = user_data;
}

/*
 * The SQE the next push goes to. In INDIRECT mode the array entry is set
 * to the identity slot too.
 */
static inline struct rxring_sqe *rx_next_sqe(struct rx *r)
{
	__u32 slot = (__u32)(r->sq_tail & r->sq_mask);

	if (r->array)
		r->array[slot] = slot;
	return &r->sqes[slot];
}

/* Queue a copy of *sqe (not yet published). */
static inline void rx_push(struct rx *r, const struct rxring_sqe *sqe)
{
	*rx_next_sqe(r) = *sqe;
	r->sq_tail++;
}

static inline void rx_push_nop(struct rx *r, __u64 user_data)
{
	struct rxring_sqe sqe;

	rx_sqe_fill(&sqe, RXRING_OP_NOP, 0, 0, 0, user_data);
	rx_push(r, &sqe);
}

static inline void rx_push_nop_flags(struct rx *r, __u32 syscall_flags,
				     __u64 offset, __u64 additional1,
				     __u64 user_data)
{
	struct rxring_sqe sqe;

	rx_sqe_fill(&sqe, RXRING_OP_NOP, syscall_flags, offset, additional1,
		    user_data);
	rx_push(r, &sqe);
}

/* Store-release the SQ tail. */
static inline void rx_publish(struct rx *r)
{
	rx_store(&r->sqh->tail, r->sq_tail);
}

/* One completion read from the CQ, normal or extended. */
struct rx_cqe {
	__u64 user_data;
	__s64 status;
	__u64 flags;		/* 64-bit flags: flags_hi << 32 | flags */
	__u64 extra;
	unsigned int slots;	/* 1 or 2 */
};

/*
 * Read the completion at the user's CQ head without consuming it.
 * Returns 1 if one is there, 0 if the CQ is empty, -EPROTO if the first
 * slot says EXTENDED but only one slot is published (a torn pair).
 */
static inline int rx_peek(struct rx *r, struct rx_cqe *c)
{
	__u64 tail = rx_cq_tail(r);
	__u64 avail = tail - r->cq_head;
	const struct rxring_cqe *cqe;

	if (!avail)
		return 0;
	cqe = &r->cqes[r->cq_head & r->cq_mask];
	if (cqe->flags & RXRING_CQE_EXTENDED) {
		const struct rxring_cqe_ext_hi *hi = (const void *)cqe;
		const struct rxring_cqe_ext_lo *lo =
			(const void *)&r->cqes[(r->cq_head + 1) & r->cq_mask];

		if (avail < 2)
			return -EPROTO;
		c->user_data = hi->user_data;
		c->flags = (__u64)hi->flags_hi << 32 | hi->flags;
		c->status = lo->status;
		c->extra = lo->extra;
		c->slots = 2;
	} else {
		c->user_data = cqe->user_data;
		c->status = cqe->status;
		c->flags = cqe->flags;
		c->extra = 0;
		c->slots = 1;
	}
	return 1;
}

/* Consume n slots: advance and store-release the CQ head. */
static inline void rx_cq_advance(struct rx *r, unsigned int n)
{
	r->cq_head += n;
	rx_store(&r->cqh->head, r->cq_head);
}

/* rx_peek() + consume. */
static inline int rx_reap(struct rx *r, struct rx_cqe *c)
{
	int ret = rx_peek(r, c);

	if (ret == 1)
		rx_cq_advance(r, c->slots);
	return ret;
}

/* Consume everything that is in the CQ; returns the number of completions. */
static inline int rx_drain(struct rx *r)
{
	struct rx_cqe c;
	int n = 0, ret;

	while ((ret = rx_reap(r, &c)) == 1)
		n++;
	return ret < 0 ? ret : n;
}

/*
 * Reap exactly n completions of plain NOPs whose user_data are base ..
 * base + n - 1, in any order: each exactly once, status 0, flags 0, one
 * slot. Returns 0, or -1 with a description of the first problem in rx_why.
 */
static char rx_why[256];

static inline int rx_reap_nops(struct rx *r, __u64 base, unsigned int n)
{
	unsigned char *seen = calloc(n ? n : 1, 1);
	struct rx_cqe c;
	unsigned int i;
	int ret = -1;

	if (!seen) {
		snprintf(rx_why, sizeof(rx_why), "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		int got = rx_reap(r, &c);

		if (got != 1) {
			snprintf(rx_why, sizeof(rx_why),
				 "completion %u of %u: rx_reap %d", i, n, got);
			goto out;
		}
		if (c.user_data - base >= n || seen[c.user_data - base]) {
			snprintf(rx_why, sizeof(rx_why),
				 "completion %u: unexpected user_data %llu",
				 i, (unsigned long long)c.user_data);
			goto out;
		}
		seen[c.user_data - base] = 1;
		if (c.status || c.flags || c.slots != 1) {
			snprintf(rx_why, sizeof(rx_why),
				 "user_data %llu: status %lld flags 0x%llx",
				 (unsigned long long)c.user_data,
				 (long long)c.status,
				 (unsigned long long)c.flags);
			goto out;
		}
	}
	ret = 0;
out:
	free(seen);
	return ret;
}

/*
 * Submit n plain NOPs (user_data base, base + 1, ...) with one ENTER,
 * waiting for min_complete slots. Returns the ENTER value or -errno.
 */
static inline int rx_submit_nops(struct rx *r, unsigned int n, __u64 base,
				 __u32 min_complete, __u32 *submitted)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rx_push_nop(r, base + i);
	rx_publish(r);
	return rx_enter(r, n, min_complete, 0, 0, submitted);
}

/* Whether the module implements op (PROBE record). */
static inline bool rx_probe_supported(const struct rxring_probe *p,
				      unsigned int op)
{
	return op < p->ops_len && op < RX_MAX_OPS &&
	       (p->ops[op].flags & RXRING_PROBE_OP_SUPPORTED);
}

/* A page that is certainly not mapped: map one and unmap it again. */
static inline void *rx_unmapped_page(void)
{
	void *p = mmap(NULL, rx_page(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, rx_page());
	return p;
}

static inline void rx_noop_handler(int sig)
{
	(void)sig;
}

/* Install a handler without SA_RESTART so blocking calls get EINTR. */
static inline int rx_catch_signal(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rx_noop_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	return sigaction(sig, &sa, NULL) ? -errno : 0;
}

#endif /* RXRING_SELFTEST_COMMON_H */
