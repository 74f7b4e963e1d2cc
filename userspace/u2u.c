// SPDX-License-Identifier: MIT
/*
 * librxring: user-to-user ring pairs (rxring_u2u.h).
 *
 * Memory layout of a pair (one sealed memfd, offsets fixed by the counts):
 *
 *	0	struct rxring_u2u_shared (512 bytes: the description, then
 *		one 128-byte line per side with its waiting bits and pid)
 *	512	struct rxring_ring_header of the SQ
 *	1024	struct rxring_ring_header of the CQ
 *	2048	sq_entries struct rxring_sqe
 *	...	cq_entries struct rxring_cqe (128-byte aligned)
 *	...	the data area (4096-byte aligned), then padding to 4096
 *
 * Index discipline: each side keeps its own copy of the index it owns (the
 * tail of the ring it produces, the head of the ring it consumes) and only
 * ever stores it; the peer's index is loaded with acquire semantics and
 * checked (0 <= tail - head <= entries) before it is believed, and cached
 * so the peer's cache line is only read when the cached value says "full"
 * or "empty". Entries are written before the tail is store-released, and
 * copied out before the head is store-released.
 *
 * Wake-ups (the waiting bits): a side about to sleep on a word sets its bit
 * with a sequentially consistent read-modify-write, then loads the index
 * again; a side that has just published an index issues a full fence and
 * loads the peer's bits. Store-buffering with fences on both sides: at
 * least one of them sees the other's store, so either the sleeper sees the
 * new index and does not sleep, or the publisher sees the bit, clears it
 * and wakes. The futex itself compares the word under the lock the waker
 * takes, so the wake cannot fall between that check and the sleep.
 *
 * The waker clears the bit with a compare-and-swap against the word it
 * read, and every announcement also bumps a count in the upper bits of the
 * word: a bit set again by a newer announcement (the sleeper woke up by
 * itself, withdrew the bit and is going back to sleep) is never cleared by
 * a waker that saw the old one, whose WAKE may come too early for the new
 * sleep. A sleeper withdraws its own bit when a synchronous wait returns,
 * unless it may also have a WAIT SQE parked on that word; a bit left set
 * costs one spare WAKE later.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "rxring.h"
#include "rxring_u2u.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING	0x0002U
#endif

#define U2U_SQ_HEADER_OFF	512ULL
#define U2U_CQ_HEADER_OFF	1024ULL
#define U2U_SQES_OFF		2048ULL
#define U2U_ALIGN_CQES		128ULL
#define U2U_ALIGN_DATA		4096ULL
#define U2U_SEALS		(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define U2U_SEND_MAGIC		"rxu2u1"

_Static_assert(sizeof(struct rxring_u2u_side) == 128, "u2u side line");
_Static_assert(sizeof(struct rxring_u2u_shared) == 512, "u2u header size");
_Static_assert(offsetof(struct rxring_u2u_shared, side) == 128,
	       "u2u side lines");
_Static_assert(sizeof(struct rxring_ring_header) <=
	       U2U_CQ_HEADER_OFF - U2U_SQ_HEADER_OFF, "u2u ring header");
_Static_assert(sizeof(struct rxring_ring_header) <=
	       U2U_SQES_OFF - U2U_CQ_HEADER_OFF, "u2u ring header");

struct u2u_layout {
	__u64 sq_header_off, cq_header_off, sqes_off, cqes_off, data_off;
	__u64 total_size;
};

static __u64 u2u_align(__u64 v, __u64 to)
{
	return (v + to - 1) & ~(to - 1);
}

static bool u2u_pow2(__u32 v)
{
	return v && !(v & (v - 1));
}

/* The layout for these counts, or -EINVAL when they are out of range. */
static int u2u_layout(__u32 sq, __u32 cq, __u64 data, struct u2u_layout *l)
{
	if (!u2u_pow2(sq) || sq > RXRING_MAX_SQ_ENTRIES)
		return -EINVAL;
	if (!u2u_pow2(cq) || cq < 2 || cq > RXRING_MAX_CQ_ENTRIES)
		return -EINVAL;
	if (data > RXRING_U2U_MAX_DATA || data % U2U_ALIGN_DATA)
		return -EINVAL;
	l->sq_header_off = U2U_SQ_HEADER_OFF;
	l->cq_header_off = U2U_CQ_HEADER_OFF;
	l->sqes_off = U2U_SQES_OFF;
	l->cqes_off = u2u_align(l->sqes_off +
				(__u64)sq * sizeof(struct rxring_sqe),
				U2U_ALIGN_CQES);
	l->data_off = u2u_align(l->cqes_off +
				(__u64)cq * sizeof(struct rxring_cqe),
				U2U_ALIGN_DATA);
	l->total_size = u2u_align(l->data_off + data, U2U_ALIGN_DATA);
	return 0;
}

static inline __u64 u2u_load(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void u2u_store(__u64 *p, __u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline void u2u_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
#endif
}

static __s64 u2u_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void u2u_reset(struct rxring_u2u *u)
{
	memset(u, 0, sizeof(*u));
	u->memfd = -1;
	u->futex_fd = -1;
	u->peer_pidfd = -1;
	u->liveness_ns = RXRING_U2U_LIVENESS_NS;
	u->spin_ns = RXRING_U2U_SPIN_NS;
}

static void u2u_close_fd(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

void rxring_u2u_forget(struct rxring_u2u *u)
{
	int saved = errno;

	if (u->sh)
		munmap(u->sh, u->map_size);
	u2u_close_fd(&u->memfd);
	u2u_close_fd(&u->futex_fd);
	u2u_close_fd(&u->peer_pidfd);
	u2u_reset(u);
	errno = saved;
}

/*
 * Whether the calling thread can run on one CPU only (a one-CPU machine, or
 * pinned). Then a peer that is not asleep is waiting for this CPU, and
 * polling for it is wasted: a waiter yields the CPU at once instead.
 */
static bool u2u_one_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	return !sched_getaffinity(0, sizeof(set), &set) &&
	       CPU_COUNT(&set) == 1;
}

/* Point the private state at the mapping, for role (SUBMITTER/HANDLER). */
static void u2u_bind(struct rxring_u2u *u, const struct u2u_layout *l,
		     __u32 sq, __u32 cq, __u64 data, unsigned int role)
{
	char *base = (char *)u->sh;
	struct rxring_u2u_ring sqr = {
		.hdr = (void *)(base + l->sq_header_off),
		.entries = base + l->sqes_off,
		.entries_nr = sq,
		.mask = sq - 1,
	};
	struct rxring_u2u_ring cqr = {
		.hdr = (void *)(base + l->cq_header_off),
		.entries = base + l->cqes_off,
		.entries_nr = cq,
		.mask = cq - 1,
	};
	struct rxring_u2u_ring *prod, *cons;

	u->role = role;
	if (role == RXRING_U2U_SUBMITTER) {
		u->prod = sqr;
		u->cons = cqr;
		u->mine = &u->sh->side[0];
		u->peer = &u->sh->side[1];
	} else {
		u->prod = cqr;
		u->cons = sqr;
		u->mine = &u->sh->side[1];
		u->peer = &u->sh->side[0];
	}
	prod = &u->prod;
	cons = &u->cons;
	/*
	 * Our own indices start where the shared header has them (a fresh
	 * pair: 0; a creator may have produced before we attached). The
	 * cached peer indices start pessimistic: "full" and "empty", so the
	 * first use loads and checks the real ones.
	 */
	prod->index = __atomic_load_n(&prod->hdr->tail, __ATOMIC_RELAXED);
	prod->peer_index = prod->index - prod->entries_nr;
	cons->index = __atomic_load_n(&cons->hdr->head, __ATOMIC_RELAXED);
	cons->peer_index = cons->index;
	u->data = data ? base + l->data_off : NULL;
	u->data_size = data;
	u->spin_yield = u2u_one_cpu() ? 1 : 64;
}

/* Take side role (1 or 2) of the pair: 0, or -EBUSY when it is taken. */
static int u2u_claim(struct rxring_u2u_shared *sh, unsigned int role)
{
	__u32 zero = 0;
	struct rxring_u2u_side *s = &sh->side[role - 1];

	if (!__atomic_compare_exchange_n(&s->attached, &zero, 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EBUSY;
	__atomic_store_n(&s->pid, (__s32)getpid(), __ATOMIC_RELEASE);
	return 0;
}

static int u2u_open_futex(struct rxring_u2u *u)
{
	u->futex_fd = open(LIBRXRING_DEVICE, O_RDWR | O_CLOEXEC);
	return u->futex_fd < 0 ? -errno : 0;
}

int rxring_u2u_create(struct rxring_u2u *u, unsigned int sq_entries,
		      unsigned int cq_entries, size_t data_size,
		      unsigned int role)
{
	int saved = errno, ret;
	struct u2u_layout l;
	__u64 data;
	void *m;

	u2u_reset(u);
	if (role != RXRING_U2U_SUBMITTER && role != RXRING_U2U_HANDLER)
		return -EINVAL;
	if (!cq_entries)
		cq_entries = sq_entries <= RXRING_MAX_CQ_ENTRIES / 2 ?
			     2 * sq_entries : 0;
	if ((__u64)data_size > RXRING_U2U_MAX_DATA)
		return -EINVAL;
	data = u2u_align(data_size, U2U_ALIGN_DATA);
	ret = u2u_layout(sq_entries, cq_entries, data, &l);
	if (ret)
		return ret;

	ret = u2u_open_futex(u);
	if (ret)
		goto fail;
	u->memfd = memfd_create("rxring-u2u", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (u->memfd < 0 || ftruncate(u->memfd, (off_t)l.total_size) ||
	    fcntl(u->memfd, F_ADD_SEALS, U2U_SEALS)) {
		ret = -errno;
		goto fail;
	}
	m = mmap(NULL, (size_t)l.total_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, u->memfd, 0);
	if (m == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	u->sh = m;
	u->map_size = (size_t)l.total_size;

	/* Fresh memfd pages are zero: indices, status and sides included. */
	u->sh->magic = RXRING_U2U_MAGIC;
	u->sh->version = RXRING_U2U_VERSION;
	u->sh->header_size = sizeof(struct rxring_u2u_shared);
	u->sh->sq_entries = sq_entries;
	u->sh->cq_entries = cq_entries;
	u->sh->data_size = data;
	u->sh->total_size = l.total_size;
	u->sh->sq_header_off = l.sq_header_off;
	u->sh->cq_header_off = l.cq_header_off;
	u->sh->sqes_off = l.sqes_off;
	u->sh->cqes_off = l.cqes_off;
	u->sh->data_off = l.data_off;
	ret = u2u_claim(u->sh, role);
	if (ret)
		goto fail;
	u2u_bind(u, &l, sq_entries, cq_entries, data, role);
	errno = saved;
	return 0;

fail:
	rxring_u2u_forget(u);
	errno = saved;
	return ret;
}

static bool u2u_dropped(const struct rxring_u2u *u)
{
	__u32 s = __atomic_load_n(&u->prod.hdr->status, __ATOMIC_ACQUIRE) |
		  __atomic_load_n(&u->cons.hdr->status, __ATOMIC_ACQUIRE);

	return s & RXRING_RING_DROP;
}

int rxring_u2u_attach(struct rxring_u2u *u, int memfd, unsigned int role)
{
	struct rxring_u2u_shared h;
	int saved = errno, ret, seals;
	struct u2u_layout l;
	struct stat st;
	void *m;

	u2u_reset(u);
	if (role > RXRING_U2U_HANDLER)
		return -EINVAL;

	/* The size must be fixed for good: sealed against shrink and grow. */
	seals = fcntl(memfd, F_GET_SEALS);
	if (seals < 0) {
		ret = -errno;
		goto out;
	}
	if ((seals & U2U_SEALS) != U2U_SEALS) {
		ret = -EPERM;
		goto out;
	}
	if (fstat(memfd, &st)) {
		ret = -errno;
		goto out;
	}
	if (st.st_size < (off_t)U2U_SQES_OFF ||
	    (__u64)st.st_size > RXRING_U2U_MAX_DATA + (64ULL << 20)) {
		ret = -EPROTO;
		goto out;
	}
	u->memfd = fcntl(memfd, F_DUPFD_CLOEXEC, 0);
	if (u->memfd < 0) {
		ret = -errno;
		goto out;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 u->memfd, 0);
	if (m == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	u->sh = m;
	u->map_size = (size_t)st.st_size;

	/* Read the description once, then believe only the copy. */
	memcpy(&h, (const void *)u->sh, offsetof(struct rxring_u2u_shared,
						 side));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	ret = -EPROTO;
	if (h.magic != RXRING_U2U_MAGIC || h.header_size != sizeof(h))
		goto fail;
	if (h.version != RXRING_U2U_VERSION) {
		ret = -EPROTONOSUPPORT;
		goto fail;
	}
	if (u2u_layout(h.sq_entries, h.cq_entries, h.data_size, &l))
		goto fail;
	if (h.total_size != l.total_size || l.total_size != (__u64)st.st_size ||
	    h.sq_header_off != l.sq_header_off ||
	    h.cq_header_off != l.cq_header_off || h.sqes_off != l.sqes_off ||
	    h.cqes_off != l.cqes_off || h.data_off != l.data_off)
		goto fail;

	ret = u2u_open_futex(u);
	if (ret)
		goto fail;
	if (role == RXRING_U2U_ANY) {
		role = RXRING_U2U_SUBMITTER;
		ret = u2u_claim(u->sh, role);
		if (ret) {
			role = RXRING_U2U_HANDLER;
			ret = u2u_claim(u->sh, role);
		}
	} else {
		ret = u2u_claim(u->sh, role);
	}
	if (ret)
		goto fail;
	u2u_bind(u, &l, h.sq_entries, h.cq_entries, h.data_size, role);
	if (u2u_dropped(u)) {
		ret = -EPIPE;
		goto fail;
	}
	errno = saved;
	return 0;

fail:
	rxring_u2u_forget(u);
out:
	errno = saved;
	return ret;
}

static void u2u_wake(struct rxring_u2u *u, __u64 *word)
{
	rxring_futex(u->futex_fd, RXRING_FUTEX_WAKE, word, INT_MAX, 0, NULL,
		     0);
	u->stats.wakes++;
}

void rxring_u2u_close(struct rxring_u2u *u)
{
	if (u->sh) {
		__atomic_fetch_or(&u->prod.hdr->status, RXRING_RING_DROP,
				  __ATOMIC_RELEASE);
		__atomic_fetch_or(&u->cons.hdr->status, RXRING_RING_DROP,
				  __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		/* The words the peer may sleep on, in any way. */
		if (u->futex_fd >= 0) {
			u2u_wake(u, &u->prod.hdr->tail);
			u2u_wake(u, &u->cons.hdr->head);
		}
	}
	rxring_u2u_forget(u);
}

int rxring_u2u_set_peer(struct rxring_u2u *u, pid_t pid)
{
	int saved = errno, fd;

	if (pid <= 0)
		return -EINVAL;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		fd = -errno;
		errno = saved;
		return fd;
	}
	u2u_close_fd(&u->peer_pidfd);
	u->peer_pidfd = fd;
	u->peer_pid = pid;
	errno = saved;
	return 0;
}

/* ---- indices ---- */

static int u2u_broken(struct rxring_u2u *u)
{
	u->error = -EIO;
	return -EIO;
}

/* Free slots in the ring we produce (loading the head when < need). */
static long u2u_room(struct rxring_u2u *u, __u32 need)
{
	struct rxring_u2u_ring *r = &u->prod;
	__u64 used = r->index - r->peer_index, head;

	if (r->entries_nr - used >= need)
		return (long)(r->entries_nr - used);
	head = u2u_load(&r->hdr->head);
	used = r->index - head;
	if (used > r->entries_nr)	/* head behind by more, or ahead */
		return u2u_broken(u);
	r->peer_index = head;
	return (long)(r->entries_nr - used);
}

/* Filled slots in the ring we consume (loading the tail when < need). */
static long u2u_avail(struct rxring_u2u *u, __u32 need)
{
	struct rxring_u2u_ring *r = &u->cons;
	__u64 avail = r->peer_index - r->index, tail;

	if (avail >= need)
		return (long)avail;
	tail = u2u_load(&r->hdr->tail);
	avail = tail - r->index;
	if (avail > r->entries_nr)	/* tail behind our head, or too far */
		return u2u_broken(u);
	r->peer_index = tail;
	return (long)avail;
}

/*
 * After publishing: wake the peer if it said it may be asleep on word
 * (bit RXRING_U2U_WAIT_*).
 */
static void u2u_notify(struct rxring_u2u *u, __u32 bit, __u64 *word)
{
	__u32 w;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	w = __atomic_load_n(&u->peer->waiting, __ATOMIC_RELAXED);
	if (w & bit) {
		/* Fails, leaving the bit, if it was announced again. */
		__atomic_compare_exchange_n(&u->peer->waiting, &w, w & ~bit,
					    false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
		u2u_wake(u, word);
	}
}

/* Before producing: 0, or why not (-EIO, -EPIPE). */
static int u2u_can_produce(struct rxring_u2u *u)
{
	if (!u->sh)
		return -EBADF;
	if (u->error)
		return u->error;
	if (u2u_dropped(u)) {
		u->error = -EPIPE;
		return -EPIPE;
	}
	return 0;
}

/* Nothing to consume: -EAGAIN, or -EPIPE/-EIO when nothing will come. */
static int u2u_empty(struct rxring_u2u *u)
{
	if (u->error)
		return u->error;
	if (u2u_dropped(u)) {
		/* Entries published before the DROP bit are still ours. */
		long n = u2u_avail(u, 1);

		if (n < 0)
			return (int)n;
		return n ? -EAGAIN : -EPIPE;
	}
	return -EAGAIN;
}

static void u2u_publish_tail(struct rxring_u2u *u)
{
	u2u_store(&u->prod.hdr->tail, u->prod.index);
	u2u_notify(u, RXRING_U2U_WAIT_CONSUME, &u->prod.hdr->tail);
}

static void u2u_publish_head(struct rxring_u2u *u)
{
	u2u_store(&u->cons.hdr->head, u->cons.index);
	u2u_notify(u, RXRING_U2U_WAIT_PRODUCE, &u->cons.hdr->head);
}

int rxring_u2u_push_sqes(struct rxring_u2u *u, const struct rxring_sqe *sqes,
			 unsigned int n)
{
	struct rxring_u2u_ring *r = &u->prod;
	struct rxring_sqe *ring;
	__u64 base;
	unsigned int i;
	long room;
	int ret;

	if (u->role != RXRING_U2U_SUBMITTER || !n || n > INT_MAX / 2)
		return u->sh ? -EINVAL : -EBADF;
	ret = u2u_can_produce(u);
	if (ret)
		return ret;
	/* After the slots rxring_u2u_get_sqe() handed out, if any. */
	room = u2u_room(u, r->pending + n);
	if (room < 0)
		return (int)room;
	room -= r->pending;
	if (room <= 0)
		return -EAGAIN;
	if ((unsigned long)room < n)
		n = (unsigned int)room;
	ring = r->entries;
	base = r->index + r->pending;
	for (i = 0; i < n; i++)
		memcpy(&ring[(base + i) & r->mask], &sqes[i], sizeof(*sqes));
	r->index = base + n;
	r->pending = 0;
	u2u_publish_tail(u);
	return (int)n;
}

struct rxring_sqe *rxring_u2u_get_sqe(struct rxring_u2u *u)
{
	struct rxring_u2u_ring *r = &u->prod;
	struct rxring_sqe *ring = r->entries;
	long room;

	if (u->role != RXRING_U2U_SUBMITTER || u->error)
		return NULL;
	room = u2u_room(u, r->pending + 1);
	if (room <= (long)r->pending)
		return NULL;
	return &ring[(r->index + r->pending++) & r->mask];
}

int rxring_u2u_get_sqes(struct rxring_u2u *u, struct rxring_sqe **sqes,
			unsigned int n)
{
	struct rxring_u2u_ring *r = &u->prod;
	struct rxring_sqe *ring = r->entries;
	__u32 slot;
	long room;
	int ret;

	if (u->role != RXRING_U2U_SUBMITTER || !n || n > INT_MAX / 2)
		return u->sh ? -EINVAL : -EBADF;
	ret = u2u_can_produce(u);
	if (ret)
		return ret;
	room = u2u_room(u, r->pending + n);
	if (room < 0)
		return (int)room;
	room -= r->pending;
	if (room <= 0)
		return -EAGAIN;
	/* Only what is contiguous: the rest comes with the next call. */
	slot = (__u32)((r->index + r->pending) & r->mask);
	if ((unsigned long)room > r->entries_nr - slot)
		room = (long)(r->entries_nr - slot);
	if ((unsigned long)room < n)
		n = (unsigned int)room;
	*sqes = &ring[slot];
	r->pending += n;
	return (int)n;
}

int rxring_u2u_submit(struct rxring_u2u *u)
{
	struct rxring_u2u_ring *r = &u->prod;
	__u32 n = r->pending;
	int ret;

	if (u->role != RXRING_U2U_SUBMITTER)
		return u->sh ? -EINVAL : -EBADF;
	ret = u2u_can_produce(u);
	if (ret) {
		r->pending = 0;
		return ret;
	}
	if (!n)
		return 0;
	r->index += n;
	r->pending = 0;
	u2u_publish_tail(u);
	return (int)n;
}

int rxring_u2u_pop_sqes(struct rxring_u2u *u, struct rxring_sqe *sqes,
			unsigned int n)
{
	struct rxring_u2u_ring *r = &u->cons;
	const struct rxring_sqe *ring;
	unsigned int i;
	long avail;

	if (u->role != RXRING_U2U_HANDLER || !n || n > INT_MAX)
		return u->sh ? -EINVAL : -EBADF;
	if (u->error == -EIO)
		return -EIO;
	avail = u2u_avail(u, n);
	if (avail < 0)
		return (int)avail;
	if (!avail)
		return u2u_empty(u);
	if ((unsigned long)avail < n)
		n = (unsigned int)avail;
	ring = r->entries;
	for (i = 0; i < n; i++)
		memcpy(&sqes[i], &ring[(r->index + i) & r->mask],
		       sizeof(*sqes));
	r->index += n;
	u2u_publish_head(u);
	return (int)n;
}

int rxring_u2u_peek_sqes(struct rxring_u2u *u, const struct rxring_sqe **sqes,
			 unsigned int n)
{
	struct rxring_u2u_ring *r = &u->cons;
	const struct rxring_sqe *ring = r->entries;
	__u32 slot;
	long avail;

	if (u->role != RXRING_U2U_HANDLER || !n || n > INT_MAX)
		return u->sh ? -EINVAL : -EBADF;
	if (u->error == -EIO)
		return -EIO;
	avail = u2u_avail(u, n);
	if (avail < 0)
		return (int)avail;
	if (!avail)
		return u2u_empty(u);
	/* Only what is contiguous: the rest comes with the next call. */
	slot = (__u32)(r->index & r->mask);
	if ((unsigned long)avail > r->entries_nr - slot)
		avail = (long)(r->entries_nr - slot);
	if ((unsigned long)avail < n)
		n = (unsigned int)avail;
	*sqes = &ring[slot];
	return (int)n;
}

int rxring_u2u_advance_sqes(struct rxring_u2u *u, unsigned int n)
{
	struct rxring_u2u_ring *r = &u->cons;

	if (u->role != RXRING_U2U_HANDLER)
		return u->sh ? -EINVAL : -EBADF;
	if (u->error == -EIO)
		return -EIO;
	/* No further than the (checked) tail we last read. */
	if (n > r->peer_index - r->index)
		return -EINVAL;
	if (n) {
		r->index += n;
		u2u_publish_head(u);
	}
	return 0;
}

static bool u2u_needs_pair(const struct rxring_completion *c)
{
	return c->status != (__s32)c->status || c->flags > UINT32_MAX ||
	       (c->flags & RXRING_CQE_EXTENDED) || c->extra;
}

int rxring_u2u_push_cqes(struct rxring_u2u *u,
			 const struct rxring_completion *c, unsigned int n)
{
	struct rxring_u2u_ring *r = &u->prod;
	struct rxring_cqe *ring;
	unsigned int i;
	long room = 0;
	int ret;

	if (u->role != RXRING_U2U_HANDLER || !n || n > INT_MAX)
		return u->sh ? -EINVAL : -EBADF;
	ret = u2u_can_produce(u);
	if (ret)
		return ret;
	ring = r->entries;
	for (i = 0; i < n; i++) {
		__u32 need = u2u_needs_pair(&c[i]) ? 2 : 1;

		if (room < need) {
			room = u2u_room(u, need + (n - i - 1));
			if (room < 0)
				return (int)room;
			if (room < need)
				break;
		}
		if (need == 1) {
			struct rxring_cqe cqe = {
				.user_data = c[i].user_data,
				.status = (__s32)c[i].status,
				.flags = (__u32)c[i].flags,
			};

			memcpy(&ring[r->index & r->mask], &cqe, sizeof(cqe));
		} else {
			struct rxring_cqe_ext_hi hi = {
				.user_data = c[i].user_data,
				.flags_hi = (__u32)(c[i].flags >> 32),
				.flags = (__u32)c[i].flags |
					 RXRING_CQE_EXTENDED,
			};
			struct rxring_cqe_ext_lo lo = {
				.status = c[i].status,
				.extra = c[i].extra,
			};

			/* The second slot may be slot 0: slot by slot. */
			memcpy(&ring[r->index & r->mask], &hi, sizeof(hi));
			memcpy(&ring[(r->index + 1) & r->mask], &lo,
			       sizeof(lo));
		}
		r->index += need;
		room -= need;
	}
	if (!i)
		return -EAGAIN;
	u2u_publish_tail(u);
	return (int)i;
}

int rxring_u2u_pop_cqes(struct rxring_u2u *u, struct rxring_completion *c,
			unsigned int n)
{
	struct rxring_u2u_ring *r = &u->cons;
	const struct rxring_cqe *ring = r->entries;
	unsigned int i;
	long avail = 0;

	if (u->role != RXRING_U2U_SUBMITTER || !n || n > INT_MAX)
		return u->sh ? -EINVAL : -EBADF;
	if (u->error == -EIO)
		return -EIO;
	for (i = 0; i < n; i++) {
		struct rxring_cqe cqe;

		if (avail < 1) {
			avail = u2u_avail(u, n - i);
			if (avail < 0)
				break;
			if (!avail)
				break;
		}
		memcpy(&cqe, &ring[r->index & r->mask], sizeof(cqe));
		if (cqe.flags & RXRING_CQE_EXTENDED) {
			struct rxring_cqe_ext_hi hi;
			struct rxring_cqe_ext_lo lo;

			/* A pair is published with one tail update. */
			if (avail < 2) {
				avail = u2u_avail(u, 2);
				if (avail >= 0 && avail < 2)
					avail = u2u_broken(u);
				if (avail < 0)
					break;
			}
			memcpy(&hi, &cqe, sizeof(hi));
			memcpy(&lo, &ring[(r->index + 1) & r->mask],
			       sizeof(lo));
			c[i].user_data = hi.user_data;
			c[i].status = lo.status;
			c[i].flags = (__u64)hi.flags_hi << 32 | hi.flags;
			c[i].extra = lo.extra;
			r->index += 2;
			avail -= 2;
		} else {
			c[i].user_data = cqe.user_data;
			c[i].status = cqe.status;
			c[i].flags = cqe.flags;
			c[i].extra = 0;
			r->index += 1;
			avail -= 1;
		}
	}
	if (i)
		u2u_publish_head(u);
	if (i)
		return (int)i;
	if (avail < 0)
		return (int)avail;
	return u2u_empty(u);
}

/* ---- waiting ---- */

int rxring_u2u_ready(struct rxring_u2u *u, unsigned int what)
{
	long n;

	if (!u->sh)
		return -EBADF;
	if (u->error == -EIO)
		return -EIO;
	switch (what) {
	case RXRING_U2U_READABLE:
		/* Asking for more than can be there always loads the tail. */
		n = u2u_avail(u, u->cons.entries_nr + 1);
		break;
	case RXRING_U2U_WRITABLE:
		n = u2u_room(u, u->prod.entries_nr + 1);
		/* A completion may need two slots. */
		if (n == 1 && u->role == RXRING_U2U_HANDLER)
			n = 0;
		break;
	default:
		return -EINVAL;
	}
	return (int)n;
}

/*
 * > 0 ready, 0 not yet, < 0 never (-EPIPE, -EIO). Room is no use once the
 * peer has gone; entries it published before are still there to take.
 */
static int u2u_ready_or_gone(struct rxring_u2u *u, unsigned int what)
{
	int n;

	if (what == RXRING_U2U_WRITABLE) {
		n = u2u_can_produce(u);
		return n ? n : rxring_u2u_ready(u, what);
	}
	n = rxring_u2u_ready(u, what);
	if (n)
		return n;
	if (u->error)
		return u->error;
	if (u2u_dropped(u)) {
		/* Entries published before the DROP bit was set. */
		n = rxring_u2u_ready(u, what);
		if (n)
			return n;
		u->error = -EPIPE;
		return -EPIPE;
	}
	return 0;
}

/* Whether the peer's process has exited, through a pidfd. */
static bool u2u_peer_dead(struct rxring_u2u *u)
{
	struct pollfd p;
	int saved = errno, ret;

	u->stats.liveness_checks++;
	if (u->peer_pidfd < 0) {
		pid_t pid;

		/* The pid the peer wrote: a hint, used only if no better. */
		if (!__atomic_load_n(&u->peer->attached, __ATOMIC_ACQUIRE))
			return false;
		pid = __atomic_load_n(&u->peer->pid, __ATOMIC_RELAXED);
		if (pid <= 0)
			return false;
		if (rxring_u2u_set_peer(u, pid) == -ESRCH)
			return true;
		if (u->peer_pidfd < 0)
			return false;
	}
	p.fd = u->peer_pidfd;
	p.events = POLLIN;
	p.revents = 0;
	ret = poll(&p, 1, 0);
	errno = saved;
	return ret > 0 && (p.revents & POLLIN);
}

int rxring_u2u_check(struct rxring_u2u *u)
{
	if (!u->sh)
		return -EBADF;
	if (u->error)
		return u->error;
	if (u2u_dropped(u) || u2u_peer_dead(u)) {
		u->error = -EPIPE;
		return -EPIPE;
	}
	return 0;
}

static int u2u_word(struct rxring_u2u *u, unsigned int what, __u32 *bit,
		    __u64 **word)
{
	if (!u->sh)
		return -EBADF;
	if (what == RXRING_U2U_READABLE) {
		*bit = RXRING_U2U_WAIT_CONSUME;
		*word = &u->cons.hdr->tail;
	} else if (what == RXRING_U2U_WRITABLE) {
		*bit = RXRING_U2U_WAIT_PRODUCE;
		*word = &u->prod.hdr->head;
	} else {
		return -EINVAL;
	}
	return 0;
}

/*
 * The value to wait for the word to leave. READABLE: our head (the tail
 * the ring has while empty). WRITABLE: the head just loaded while it
 * said "no room"; when there is room, a value the head cannot have, so a
 * WAIT fails with -EAGAIN at once.
 */
static __u64 u2u_expected(const struct rxring_u2u *u, unsigned int what,
			  int ready)
{
	if (what == RXRING_U2U_READABLE)
		return u->cons.index;
	return ready ? ~u->prod.peer_index : u->prod.peer_index;
}

/*
 * Say we may sleep on what (set bit, bump the count), then look again. A
 * peer that keeps rewriting our word cannot hold us here: after a few
 * failed attempts the bit is just set.
 */
static int u2u_announce(struct rxring_u2u *u, __u32 bit, unsigned int what)
{
	__u32 w = __atomic_load_n(&u->mine->waiting, __ATOMIC_RELAXED);
	unsigned int tries;

	for (tries = 0; tries < 16; tries++) {
		if (__atomic_compare_exchange_n(&u->mine->waiting, &w,
						(w + RXRING_U2U_WAIT_COUNT) |
						bit, false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			break;
	}
	if (tries == 16)
		__atomic_fetch_or(&u->mine->waiting, bit, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return u2u_ready_or_gone(u, what);
}

static int u2u_wait(struct rxring_u2u *u, unsigned int what,
		    __s64 timeout_ns, __u32 bit, __u64 *word);

int rxring_u2u_wait(struct rxring_u2u *u, unsigned int what,
		    __s64 timeout_ns)
{
	__u64 *word;
	__u32 bit;
	int ret;

	ret = u2u_word(u, what, &bit, &word);
	if (ret)
		return ret;
	ret = u2u_wait(u, what, timeout_ns, bit, word);
	/*
	 * Not asleep any more: withdraw the bit, so the peer does not wake
	 * nobody, unless a WAIT SQE of ours may still be parked on the word.
	 */
	if (!(u->sqe_armed & bit))
		__atomic_fetch_and(&u->mine->waiting, ~bit, __ATOMIC_RELAXED);
	return ret;
}

static int u2u_wait(struct rxring_u2u *u, unsigned int what,
		    __s64 timeout_ns, __u32 bit, __u64 *word)
{
	__s64 deadline = -1, slice, left, now, end = 0;
	unsigned int spins, polls, rounds;
	int ret;

	ret = u2u_ready_or_gone(u, what);
	if (ret)
		return ret > 0 ? 0 : ret;
	/*
	 * A busy peer answers within microseconds, sooner than a sleep and
	 * a wake-up take: poll the index a little first (not when the caller
	 * does not want to wait at all). Every `polls` polls (64; 1 when
	 * this thread has one CPU: polling is no use then) yield the CPU, in
	 * case the peer waits for this one (both on one CPU, or more runnable
	 * tasks than CPUs). The clock is only read between rounds (every
	 * round, every 8th with one CPU): reading it can be a system call
	 * (no vDSO clock source, e.g. HPET), and a peer that answers during
	 * the first polls should cost none.
	 */
	if (u->spin_ns > 0 && timeout_ns) {
		polls = u->spin_yield ? u->spin_yield : 64;
		rounds = polls == 1 ? 8 : 1;
		for (spins = 1;; spins++) {
			u2u_cpu_relax();
			ret = u2u_ready_or_gone(u, what);
			if (ret)
				return ret > 0 ? 0 : ret;
			if (spins % polls)
				continue;
			if (!(spins / polls % rounds)) {
				now = u2u_now_ns();
				if (!end) {
					/* The deadline counts from here. */
					if (timeout_ns > 0)
						deadline = now + timeout_ns;
					end = now + u->spin_ns;
					if (deadline >= 0 && deadline < end)
						end = deadline;
				}
				if (now >= end)
					break;
			}
			sched_yield();
			u->stats.yields++;
		}
	} else if (timeout_ns >= 0) {
		deadline = u2u_now_ns() + timeout_ns;
	}
	for (;;) {
		ret = u2u_announce(u, bit, what);
		if (ret)
			return ret > 0 ? 0 : ret;

		slice = u->liveness_ns > 0 ? u->liveness_ns : 0;
		if (deadline >= 0) {
			left = deadline - u2u_now_ns();
			if (left <= 0)
				return -ETIMEDOUT;
			if (!slice || left < slice)
				slice = left;
		}
		ret = rxring_futex(u->futex_fd, RXRING_FUTEX_WAIT64, word,
				   u2u_expected(u, what, 0), (__u64)slice,
				   NULL, 0);
		u->stats.waits++;
		if (ret == -ETIMEDOUT) {
			/* Asleep for a whole slice: is the peer still there? */
			ret = rxring_u2u_check(u);
			if (ret && rxring_u2u_ready(u, what) <= 0)
				return ret;
		} else if (ret && ret != -EAGAIN) {
			return ret;	/* -EINTR, or a futex error */
		}
	}
}

int rxring_u2u_prep_wait(struct rxring_u2u *u, struct rxring_sqe *sqe,
			 unsigned int what, __u64 timeout_ns)
{
	__u64 ud = sqe->user_data, *word;
	__u32 bit;
	int ret;

	ret = u2u_word(u, what, &bit, &word);
	if (!ret) {
		u->sqe_armed |= bit;
		ret = u2u_announce(u, bit, what);
	}
	if (ret < 0) {
		rxring_prep_nop(sqe);
		sqe->user_data = ud;
		return ret;
	}
	rxring_prep_futex_wait64(sqe, word, u2u_expected(u, what, ret),
				 timeout_ns, 0);
	sqe->user_data = ud;
	return ret;
}

/* ---- handing a pair over a unix socket ---- */

int rxring_u2u_send(int sock, const struct rxring_u2u *u)
{
	union {
		char b[CMSG_SPACE(sizeof(int)) +
		       CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	char buf[8] = U2U_SEND_MAGIC;
	struct iovec iov = { buf, sizeof(buf) };
	struct ucred cred = { getpid(), getuid(), getgid() };
	struct msghdr msg;
	struct cmsghdr *cm;
	int saved = errno, ret, creds;

	if (!u->sh || u->memfd < 0)
		return -EBADF;
	for (creds = 1; creds >= 0; creds--) {
		memset(&ctl, 0, sizeof(ctl));
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.b;
		msg.msg_controllen = creds ? sizeof(ctl.b) :
				     CMSG_SPACE(sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &u->memfd, sizeof(int));
		if (creds) {
			/* Checked by the kernel: it must be our own pid. */
			cm = CMSG_NXTHDR(&msg, cm);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_CREDENTIALS;
			cm->cmsg_len = CMSG_LEN(sizeof(cred));
			memcpy(CMSG_DATA(cm), &cred, sizeof(cred));
		}
		do {
			ret = (int)sendmsg(sock, &msg, MSG_NOSIGNAL);
		} while (ret < 0 && errno == EINTR);
		if (ret >= 0 || errno != EPERM)
			break;
	}
	ret = ret < 0 ? -errno : 0;
	errno = saved;
	return ret;
}

int rxring_u2u_recv(int sock, struct rxring_u2u *u, unsigned int role)
{
	union {
		char b[CMSG_SPACE(16 * sizeof(int)) +
		       CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	char buf[16];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg;
	struct cmsghdr *cm;
	int saved = errno, on = 1, old = 1, memfd = -1, ret;
	socklen_t len = sizeof(old);
	pid_t pid = 0;

	u2u_reset(u);
	/* SO_PASSCRED: the kernel tells us the sender's pid. */
	if (getsockopt(sock, SOL_SOCKET, SO_PASSCRED, &old, &len))
		old = 1;
	if (!old)
		setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.b;
	msg.msg_controllen = sizeof(ctl.b);
	do {
		ret = (int)recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		ret = -errno;
	if (!old)
		setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &old, sizeof(old));

	for (cm = ret >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_RIGHTS) {
			size_t i, nfds = (cm->cmsg_len - CMSG_LEN(0)) /
					 sizeof(int);

			for (i = 0; i < nfds; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
				       sizeof(fd));
				if (memfd < 0)
					memfd = fd;
				else
					close(fd);
			}
		} else if (cm->cmsg_type == SCM_CREDENTIALS &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
			pid = cred.pid;
		}
	}
	if (ret == 0)
		ret = -ECONNRESET;	/* the other end is closed */
	else if (ret > 0 && memfd < 0)
		ret = -EBADMSG;
	else if (ret > 0)
		ret = rxring_u2u_attach(u, memfd, role);
	if (memfd >= 0)
		close(memfd);
	if (!ret && pid > 0)
		rxring_u2u_set_peer(u, pid);	/* else the header's hint */
	errno = saved;
	return ret;
}
