/* SPDX-License-Identifier: MIT */
/*
 * librxring: the userspace side of /dev/rxring.
 *
 * Every function returns 0 (or a count) on success and -errno on failure;
 * none of them sets errno. A struct rxring is used by one thread at a time
 * (like the rings it wraps: one producer, one consumer).
 *
 * Build: cc prog.c $(pkg-config --cflags --libs librxring)
 */
#ifndef LIBRXRING_H
#define LIBRXRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/rxring.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBRXRING_DEVICE	"/dev/rxring"

struct rxring_sq {
	struct rxring_ring_header *hdr;	/* mapped SQ header */
	struct rxring_sqe *sqes;	/* mapped SQ entries */
	__u32 *array;			/* mapped index array, or NULL */
	__u64 sqe_tail;			/* next local slot to hand out */
	__u64 published;		/* tail last written to hdr->tail */
	__u32 entries;
	__u32 mask;
};

struct rxring_cq {
	struct rxring_ring_header *hdr;	/* mapped CQ header */
	struct rxring_cqe *cqes;	/* mapped CQ entries */
	__u32 entries;
	__u32 mask;
};

struct rxring {
	int fd;
	__u32 flags;			/* RXRING_CREATE_* given at creation */
	__u64 features;			/* RXRING_FEAT_* from the kernel */
	struct rxring_sq sq;
	struct rxring_cq cq;
	size_t sizes[5];		/* mapped lengths, for teardown */
};

/* One completion, normal or extended, read from the CQ. */
struct rxring_completion {
	__u64 user_data;
	__s64 status;			/* value or -errno, 64 bits */
	__u64 flags;			/* 64-bit flags (EXTENDED included) */
	__u64 extra;			/* second result; 0 for a normal CQE */
};

/* Setup and teardown (setup.c). */
int rxring_queue_init(unsigned int entries, struct rxring *ring,
		      unsigned int flags);
int rxring_queue_init_params(struct rxring *ring, struct rxring_create *p);
void rxring_queue_exit(struct rxring *ring);
int rxring_probe(int fd, struct rxring_probe *probe);
bool rxring_opcode_supported(const struct rxring_probe *probe, unsigned int op);

/* Submission (queue.c). */
struct rxring_sqe *rxring_get_sqe(struct rxring *ring);
unsigned int rxring_sq_space_left(const struct rxring *ring);
int rxring_submit(struct rxring *ring);
int rxring_submit_and_wait(struct rxring *ring, unsigned int wait_nr);
int rxring_enter(int fd, struct rxring_enter *arg);

/* Completion (queue.c). */
unsigned int rxring_cq_ready(const struct rxring *ring);
int rxring_peek_completion(struct rxring *ring, struct rxring_completion *c);
int rxring_wait_completion(struct rxring *ring, struct rxring_completion *c);
int rxring_wait_completion_timeout(struct rxring *ring,
				   struct rxring_completion *c,
				   __s64 timeout_ns);

/* Prep helpers: all funnel into rxring_prep_rw(). */
static inline void rxring_prep_rw(struct rxring_sqe *sqe, __u8 op, __u64 fd,
				  __u64 addr, __u64 len, __u64 offset)
{
	sqe->opcode = op;
	sqe->flags = 0;
	sqe->priority = 0;
	sqe->syscall_flags = 0;
	sqe->fd = fd;
	sqe->len = len;
	sqe->user_data = 0;
	sqe->addr = addr;
	sqe->offset = offset;
	sqe->additional1 = 0;
	sqe->additional2 = 0;
}

static inline void rxring_prep_nop(struct rxring_sqe *sqe)
{
	rxring_prep_rw(sqe, RXRING_OP_NOP, 0, 0, 0, 0);
}

/* A NOP that completes with status = value (extended if it needs 64 bits). */
static inline void rxring_prep_nop_result(struct rxring_sqe *sqe, __s64 value)
{
	rxring_prep_rw(sqe, RXRING_OP_NOP, 0, 0, 0, (__u64)value);
	sqe->syscall_flags = RXRING_NOP_RESULT;
}

/* A NOP that always completes as an extended pair carrying extra. */
static inline void rxring_prep_nop_extended(struct rxring_sqe *sqe,
					    __s64 value, __u64 extra)
{
	rxring_prep_rw(sqe, RXRING_OP_NOP, 0, 0, 0, (__u64)value);
	sqe->syscall_flags = RXRING_NOP_RESULT | RXRING_NOP_EXTENDED;
	sqe->additional1 = extra;
}

static inline void rxring_sqe_set_data(struct rxring_sqe *sqe, __u64 data)
{
	sqe->user_data = data;
}

static inline void rxring_sqe_set_flags(struct rxring_sqe *sqe, __u8 flags)
{
	sqe->flags = flags;
}

#ifdef __cplusplus
}
#endif

#endif /* LIBRXRING_H */
