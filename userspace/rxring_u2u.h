/* SPDX-License-Identifier: MIT */
/*
 * librxring user-to-user rings: a ring pair between two processes in plain
 * shared memory, notified through rxring's futex.
 *
 * This is Redox's plan for user-to-user rings (a process talking to a
 * "scheme" server without the kernel in the data path) on Linux:
 *
 *  - A pair is one SQ and one CQ with exactly the kernel rings' formats:
 *    struct rxring_ring_header (free-running 64-bit head and tail on their
 *    own 128-byte lines, RXRING_RING_DROP in status), 64-byte struct
 *    rxring_sqe, 16-byte struct rxring_cqe with extended pairs. Opcodes
 *    RXRING_OP_USER_FIRST (128) .. 255 are free for the pair's own protocol;
 *    the library does not look at the entries' contents.
 *  - It lives in a sealed memfd (size fixed with F_SEAL_SHRINK | F_SEAL_GROW
 *    | F_SEAL_SEAL), optionally with a data area both sides map, and is
 *    handed to the other process by fork() or over a unix socket
 *    (rxring_u2u_send() / rxring_u2u_recv(), SCM_RIGHTS).
 *  - Two roles: the SUBMITTER produces SQEs and consumes completions (a
 *    client); the HANDLER consumes SQEs and produces completions (a scheme
 *    server, a driver). One thread per side at a time, like the kernel
 *    rings.
 *  - Blocking goes through rxring's FUTEX, WAIT64 directly on the 64-bit
 *    tail (waiting for entries) or head (waiting for room): synchronously
 *    with rxring_u2u_wait() (RXRING_IOC_FUTEX), or as an SQE on the caller's
 *    kernel ring with rxring_u2u_prep_wait(), so one thread can wait for
 *    its kernel ring and any number of user-to-user rings at once.
 *  - Wake-ups are only sent when the peer may be asleep: a side that is
 *    about to sleep (after polling the index for spin_ns) sets a "waiting"
 *    bit in the pair's shared header and then re-reads the index; a side
 *    that publishes an index reads the peer's bits (with a full barrier in
 *    between on both sides, so one of the two always sees the other) and
 *    issues a FUTEX WAKE only if one is set, clearing it. While both sides
 *    are busy no system call is made. docs/u2u.md has the details.
 *
 * The peer is not trusted. Its indices are checked on every read (an SQ or
 * CQ with tail - head outside 0..entries, or an extended pair cut in two,
 * is -EIO, for good: the pair is then unusable), every slot index is
 * masked, entries are copied out before they are returned, the memfd's
 * size is sealed so it cannot shrink under the mapping, and the attacher
 * checks the creator's header (magic, version, counts, layout, size)
 * against the memfd it got. A peer that exits cleanly sets
 * RXRING_RING_DROP in both ring headers and wakes any waiter: the other
 * side sees -EPIPE (pops first return what was published before). A peer
 * that dies (kill -9) is noticed by waiters, which sleep at most
 * liveness_ns (default 100 ms) at a time and then poll a pidfd of the peer:
 * -EPIPE as well. All functions return -errno and never set errno.
 *
 * Build: #include <rxring_u2u.h>, link librxring (pkg-config librxring).
 */
#ifndef LIBRXRING_U2U_H
#define LIBRXRING_U2U_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <rxring.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Roles (struct rxring_u2u.role). */
#define RXRING_U2U_ANY		0U	/* attach: whichever side is free */
#define RXRING_U2U_SUBMITTER	1U	/* produces SQEs, consumes CQEs */
#define RXRING_U2U_HANDLER	2U	/* consumes SQEs, produces CQEs */

/* What to wait for (rxring_u2u_wait(), rxring_u2u_prep_wait()). */
#define RXRING_U2U_READABLE	0x01U	/* entries in the ring we consume */
#define RXRING_U2U_WRITABLE	0x02U	/* room in the ring we produce */

/* Shared header of a pair: first bytes of the memfd. */
#define RXRING_U2U_MAGIC	0x3175327532757872ULL	/* "rxu2u2u1" LE */
#define RXRING_U2U_VERSION	1U

/*
 * struct rxring_u2u_side.waiting: two bits, and in the bits above them a
 * count of the announcements (it tells a waker whether the bit it saw is
 * still the one it clears).
 */
#define RXRING_U2U_WAIT_CONSUME	0x01U	/* asleep on the tail it consumes */
#define RXRING_U2U_WAIT_PRODUCE	0x02U	/* asleep on the head it produces */
#define RXRING_U2U_WAIT_BITS	0x03U
#define RXRING_U2U_WAIT_COUNT	0x04U	/* one announcement */

/*
 * One side's line of the shared header, written by that side (and its
 * waiting bits cleared by the peer that wakes it).
 */
struct rxring_u2u_side {
	__u32	waiting;	/* RXRING_U2U_WAIT_*, count above them */
	__s32	pid;		/* the side's pid as it wrote it: a hint */
	__u32	attached;	/* 1 once a process has taken this role */
	__u32	__resv0;
	__u8	__pad[112];
};

/*
 * The pair's own header, at offset 0 of the memfd. Everything on the first
 * line is written once by the creator before the memfd is handed over and
 * is copied and checked by the attacher, never re-read.
 */
struct rxring_u2u_shared {
	__u64	magic;		/* RXRING_U2U_MAGIC */
	__u32	version;	/* RXRING_U2U_VERSION */
	__u32	header_size;	/* sizeof(struct rxring_u2u_shared) */
	__u32	sq_entries;	/* power of two, 1 .. RXRING_MAX_SQ_ENTRIES */
	__u32	cq_entries;	/* power of two, 2 .. RXRING_MAX_CQ_ENTRIES */
	__u64	data_size;	/* bytes of the data area, page multiple */
	__u64	total_size;	/* bytes of the memfd */
	__u64	sq_header_off;	/* struct rxring_ring_header of the SQ */
	__u64	cq_header_off;	/* struct rxring_ring_header of the CQ */
	__u64	sqes_off;	/* sq_entries struct rxring_sqe */
	__u64	cqes_off;	/* cq_entries struct rxring_cqe */
	__u64	data_off;	/* the data area */
	__u8	__pad0[48];
	struct rxring_u2u_side side[2];	/* [0] submitter, [1] handler */
	__u8	__pad1[128];
};

/* Defaults of struct rxring_u2u's tunables. */
#define RXRING_U2U_LIVENESS_NS	(100 * 1000 * 1000LL)
#define RXRING_U2U_SPIN_NS	(50 * 1000LL)

/* Limit of the data area. */
#define RXRING_U2U_MAX_DATA	(1ULL << 32)

/* Counters of one side, for tests and benchmarks (never shared). */
struct rxring_u2u_stats {
	__u64	wakes;		/* FUTEX WAKEs issued */
	__u64	waits;		/* FUTEX WAITs issued (synchronous) */
	__u64	liveness_checks;/* pidfd polls */
	__u64	yields;		/* sched_yield() calls while polling */
};

/* One side of a pair, private to the process. */
struct rxring_u2u_ring {
	struct rxring_ring_header *hdr;
	void *entries;		/* struct rxring_sqe[] or struct rxring_cqe[] */
	__u32 entries_nr;
	__u32 mask;
	__u64 index;		/* our own index: tail if we produce, head if
				 * we consume (never read back from hdr) */
	__u64 peer_index;	/* the peer's index as last read and checked */
	__u32 pending;		/* SQ: slots handed out by get_sqe, unpublished */
	__u32 __resv;
};

struct rxring_u2u {
	struct rxring_u2u_shared *sh;	/* the mapping (whole memfd) */
	size_t map_size;
	int memfd;
	int futex_fd;		/* an open /dev/rxring, for RXRING_IOC_FUTEX */
	int peer_pidfd;		/* -1 until known */
	pid_t peer_pid;		/* 0 until known */
	unsigned int role;	/* RXRING_U2U_SUBMITTER or _HANDLER */
	int error;		/* sticky: -EIO (garbage), -EPIPE (peer gone) */
	__u32 sqe_armed;	/* RXRING_U2U_WAIT_* ever armed as SQEs */
	__u32 spin_yield;	/* polls between two sched_yield() while
				 * spinning: 64, or 1 when the creating or
				 * attaching thread could run on one CPU only */
	__u32 __resv;
	struct rxring_u2u_ring prod;	/* SQ (submitter) or CQ (handler) */
	struct rxring_u2u_ring cons;	/* CQ (submitter) or SQ (handler) */
	struct rxring_u2u_side *mine;	/* our line of the shared header */
	struct rxring_u2u_side *peer;	/* the peer's line */
	void *data;		/* the data area, or NULL */
	__u64 data_size;
	/* Tunables, may be changed at any time by the owner. */
	__s64 liveness_ns;	/* longest sleep between peer checks (0: no
				 * limit; default RXRING_U2U_LIVENESS_NS) */
	__s64 spin_ns;		/* poll the index this long before sleeping
				 * (0: sleep at once; RXRING_U2U_SPIN_NS) */
	struct rxring_u2u_stats stats;
};

/*
 * Create a pair: sq_entries (power of two, 1..32768) and cq_entries (power
 * of two, 2..65536; 0 means 2 * sq_entries) with a data area of data_size
 * bytes (rounded up to pages, 0 for none), and take role (SUBMITTER or
 * HANDLER) in it. Opens /dev/rxring for the futex. -EINVAL for bad counts.
 */
int rxring_u2u_create(struct rxring_u2u *u, unsigned int sq_entries,
		      unsigned int cq_entries, size_t data_size,
		      unsigned int role);

/*
 * Attach to a pair created by another process (or by this one): memfd is
 * the pair's memfd (duplicated: the caller keeps its own), role the side
 * to take or RXRING_U2U_ANY. Checks the seals, size and header: -EPROTO
 * for a header that does not describe this memfd, -EPERM when its size is
 * not sealed, -EBUSY when the role is taken, -EPIPE when the creator has
 * already closed it.
 */
int rxring_u2u_attach(struct rxring_u2u *u, int memfd, unsigned int role);

/*
 * Leave the pair: set RXRING_RING_DROP in both ring headers, wake the
 * peer, unmap and close everything. The peer's calls then fail with -EPIPE
 * (pops after draining what was published). After fork(), a process that
 * does not use its copy of the parent's pair must not call this (it would
 * shut the pair down): use rxring_u2u_forget().
 */
void rxring_u2u_close(struct rxring_u2u *u);

/* Unmap and close this process's copy without telling the peer. */
void rxring_u2u_forget(struct rxring_u2u *u);

/*
 * Who the peer is, for noticing its death: a pid (opened as a pidfd now;
 * -ESRCH when it is gone already). Without it a side uses the pid the
 * peer wrote into the shared header (a hint that a hostile peer could
 * fake; the wait timeout still bounds every wait).
 */
int rxring_u2u_set_peer(struct rxring_u2u *u, pid_t pid);

/*
 * Hand the pair to another process over a unix socket: sends the memfd
 * (SCM_RIGHTS) and our pid (SCM_CREDENTIALS, checked by the kernel).
 * rxring_u2u_recv() receives it, attaches (role as for attach) and takes
 * the sender's pid as the peer. Extra descriptors are closed. -EBADMSG
 * when the message carries no descriptor.
 */
int rxring_u2u_send(int sock, const struct rxring_u2u *u);
int rxring_u2u_recv(int sock, struct rxring_u2u *u, unsigned int role);

/*
 * Submitter: copy up to n SQEs into the SQ and publish them. Returns the
 * number taken (1..n), -EAGAIN when the SQ is full, -EPIPE when the peer
 * has gone, -EIO when the peer wrote garbage.
 */
int rxring_u2u_push_sqes(struct rxring_u2u *u, const struct rxring_sqe *sqes,
			 unsigned int n);

/*
 * Submitter, without a copy: rxring_u2u_get_sqe() returns the next free SQ
 * slot to fill in place (NULL when the SQ is full or the pair unusable);
 * rxring_u2u_submit() publishes every slot handed out since the last
 * submit (or push) and returns how many, or -EPIPE, -EIO (the slots are
 * then dropped).
 */
struct rxring_sqe *rxring_u2u_get_sqe(struct rxring_u2u *u);
int rxring_u2u_submit(struct rxring_u2u *u);

/*
 * Submitter, without a copy, in bulk: point *sqes at up to n free SQ slots
 * after those already handed out (only contiguous ones: fewer at the end
 * of the ring) and return how many, handed out like get_sqe's until the
 * next rxring_u2u_submit(). -EAGAIN when the SQ is full, -EPIPE, -EIO,
 * -EINVAL (n == 0).
 */
int rxring_u2u_get_sqes(struct rxring_u2u *u, struct rxring_sqe **sqes,
			unsigned int n);

/*
 * Handler: take up to n SQEs. Returns the number taken (1..n), -EAGAIN
 * when the SQ is empty, -EPIPE when it is empty and the peer has gone,
 * -EIO.
 */
int rxring_u2u_pop_sqes(struct rxring_u2u *u, struct rxring_sqe *sqes,
			unsigned int n);

/*
 * Handler, without a copy: rxring_u2u_peek_sqes() points *sqes at up to n
 * SQEs in the ring (those that are contiguous: fewer at the end of the
 * ring) and returns how many, with the errors of pop; they stay there
 * until rxring_u2u_advance_sqes(u, k) hands k of them back (-EINVAL when
 * k is more than were peeked). The peer can still write them meanwhile:
 * copy a field before checking it, and use the copy.
 */
int rxring_u2u_peek_sqes(struct rxring_u2u *u, const struct rxring_sqe **sqes,
			 unsigned int n);
int rxring_u2u_advance_sqes(struct rxring_u2u *u, unsigned int n);

/*
 * Handler: post up to n completions. Each becomes one 16-byte CQE when
 * its status fits in an __s32, its flags in 32 bits without
 * RXRING_CQE_EXTENDED and its extra is 0, else an extended pair (two
 * slots, published with one tail update). Returns the number posted, or
 * -EAGAIN (no room for the first one), -EPIPE, -EIO.
 */
int rxring_u2u_push_cqes(struct rxring_u2u *u,
			 const struct rxring_completion *c, unsigned int n);

/*
 * Submitter: take up to n completions, normal or extended, each as one
 * record. Returns the number taken, -EAGAIN, -EPIPE (empty and the peer
 * has gone), -EIO (garbage, or an extended pair cut in two).
 */
int rxring_u2u_pop_cqes(struct rxring_u2u *u, struct rxring_completion *c,
			unsigned int n);

/*
 * What is there now: READABLE, the entries (slots) ready in the ring we
 * consume; WRITABLE, the free slots in the ring we produce (for the
 * handler's CQ, 0 unless there is room for an extended pair). -EIO on
 * garbage; the DROP bit does not make it fail.
 */
int rxring_u2u_ready(struct rxring_u2u *u, unsigned int what);

/*
 * Block until what (READABLE or WRITABLE, one of them) is true: poll for
 * spin_ns (yielding the CPU every 64 polls; at once, without polling, when
 * spin_yield is 1: one CPU), then sleep through RXRING_IOC_FUTEX,
 * liveness_ns at a time. timeout_ns < 0: no limit; 0: no polling, no
 * sleep; else counted from the first clock read, after the first round of
 * polls. Returns 0, -ETIMEDOUT, -EPIPE (the peer closed the pair or died;
 * READABLE returns 0 while entries are left), -EIO, -EINTR (a signal
 * interrupted the sleep).
 */
int rxring_u2u_wait(struct rxring_u2u *u, unsigned int what,
		    __s64 timeout_ns);

/*
 * Fill sqe (an SQE of the caller's kernel ring) with a FUTEX WAIT64 that
 * completes when what (READABLE or WRITABLE) may have become true: it
 * waits on the tail of the ring we consume, or the head of the ring we
 * produce, expecting the value just read, with our waiting bit set so the
 * peer wakes it. timeout_ns as the SQE's (0: none; relative). Returns what
 * rxring_u2u_ready() says at that moment: when it is > 0 the WAIT will
 * complete with -EAGAIN at once. Its completion (0, -EAGAIN) means "look
 * again"; -ETIMEDOUT means call rxring_u2u_check(). On error (-EPIPE,
 * -EIO, -EINVAL) the SQE is made a NOP. user_data is left alone.
 */
int rxring_u2u_prep_wait(struct rxring_u2u *u, struct rxring_sqe *sqe,
			 unsigned int what, __u64 timeout_ns);

/*
 * Is the peer still there? 0, or -EPIPE (it closed the pair or its
 * process has exited; checked through a pidfd), -EIO (garbage seen).
 */
int rxring_u2u_check(struct rxring_u2u *u);

/* The data area bytes off .. off + len, or NULL when out of bounds. */
static inline void *rxring_u2u_data(const struct rxring_u2u *u, __u64 off,
				    __u64 len)
{
	if (!u->data || off > u->data_size || len > u->data_size - off)
		return NULL;
	return (char *)u->data + off;
}

#ifdef __cplusplus
}
#endif

#endif /* LIBRXRING_U2U_H */
