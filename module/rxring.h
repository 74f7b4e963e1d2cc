/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RXRING_INTERNAL_H
#define RXRING_INTERNAL_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../uapi/rxring.h"
#include "compat.h"

/*
 * One instance per open of /dev/rxring.
 *
 * The ring memory is one array of order-0 pages, vmapped once for the
 * kernel and inserted page by page into user mappings, so every page is
 * reference counted and outlives the instance for as long as it is mapped.
 * The five regions (SQ header, SQ entries, SQ index array, CQ header, CQ
 * entries) are consecutive runs of that array.
 *
 * The kernel owns sq_head and cq_tail: it keeps them here and only ever
 * writes them to the shared headers. The user owns sq.tail and cq.head; the
 * kernel reads each of those once per use and treats whatever it reads as
 * untrusted.
 *
 * Locking: submit_lock (a mutex) serialises CREATE and the consumption of
 * the SQ. cq_lock (irq-safe, taken inside submit_lock) protects cq_tail,
 * cq_reserved and the CQ entries; completions may be posted from any
 * context. cq_reserved counts the CQ slots promised to operations in
 * flight (two per operation, room for an extended pair), so a completion
 * always has a slot and none is ever dropped.
 */
enum rxring_region_id {
	RXRING_REG_SQ_HEADER,
	RXRING_REG_SQ_ENTRIES,
	RXRING_REG_SQ_ARRAY,
	RXRING_REG_CQ_HEADER,
	RXRING_REG_CQ_ENTRIES,
	RXRING_NR_REGIONS,
};

struct rxring_region {
	u64 offset;		/* mmap offset (RXRING_OFF_*) */
	unsigned int first;	/* index of its first page in ctx->pages */
	unsigned int nr_pages;	/* 0: region absent */
};

struct rxring_ctx {
	/* Submission side, under submit_lock. */
	struct mutex submit_lock;
	u64 sq_head;			/* kernel's copy of the SQ head */
	u64 sq_dropped;			/* kernel's copy of sq_hdr->dropped */
	struct rxring_ring_header *sq_hdr;
	struct rxring_sqe *sqes;
	u32 *sq_array;			/* NULL unless RXRING_CREATE_INDIRECT */
	u32 sq_entries;
	u32 flags;			/* RXRING_CREATE_* */

	/* Completion side, under cq_lock. */
	spinlock_t cq_lock ____cacheline_aligned_in_smp;
	u64 cq_tail;			/* kernel's copy of the CQ tail */
	u32 cq_reserved;		/* slots promised to ops in flight */
	u32 cq_entries;
	struct rxring_ring_header *cq_hdr;
	struct rxring_cqe *cqes;
	wait_queue_head_t cq_wait;	/* ENTER waiters and poll() */

	/* Memory, set up once by CREATE. */
	bool ready;			/* rings exist; read with acquire */
	struct page **pages;
	unsigned int nr_pages;
	void *vaddr;
	struct rxring_region regions[RXRING_NR_REGIONS];
	struct mm_struct *mm_account;	/* charged for nr_pages */
};

/* The result of one operation, as it goes into the CQ. */
struct rxring_result {
	s64 status;		/* value or -errno */
	u64 extra;		/* second value, extended completions only */
	u64 flags;		/* RXRING_CQE_* and op flags */
	bool extended;		/* complete as a pair even if status fits */
};

/* An operation's issue() returns this when it will complete later. */
#define RXRING_QUEUED	1

struct rxring_op_def {
	const char *name;
	u32 syscall_flags;	/* syscall_flags bits the op accepts */
	/* Validate the (kernel copy of the) SQE: 0 or -errno. */
	int (*prep)(const struct rxring_sqe *sqe);
	/* Act: 0 with *res filled, RXRING_QUEUED, or -errno. */
	int (*issue)(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		     struct rxring_result *res);
};

/* SQE flags this build accepts. */
#define RXRING_SQE_SUPPORTED	0U
#define RXRING_CREATE_SUPPORTED	RXRING_CREATE_INDIRECT
#define RXRING_ENTER_SUPPORTED	(RXRING_ENTER_ONLY_NOTIFY | \
				 RXRING_ENTER_WAKEUP_ON_SQ_AVAIL | \
				 RXRING_ENTER_TIMEOUT)
#define RXRING_FEATURES		(RXRING_FEAT_EXTENDED_CQE | \
				 RXRING_FEAT_INDIRECT | RXRING_FEAT_PROBE)

/* opdef.c */
extern const struct rxring_op_def rxring_ops[RXRING_OP_LAST];
int rxring_ops_check(void);
bool rxring_op_supported(unsigned int op);

/* ring.c */
int rxring_rings_create(struct rxring_ctx *ctx, struct rxring_create *p);
void rxring_rings_free(struct rxring_ctx *ctx);
int rxring_rings_mmap(struct rxring_ctx *ctx, struct vm_area_struct *vma);

/* submit.c */
u32 rxring_cq_filled(struct rxring_ctx *ctx);
bool rxring_cq_has_room(struct rxring_ctx *ctx);
void rxring_complete(struct rxring_ctx *ctx, u64 user_data,
		     const struct rxring_result *res);
void rxring_cq_wake(struct rxring_ctx *ctx);
long rxring_enter(struct rxring_ctx *ctx, struct rxring_enter __user *uarg);

/* nop.c */
int rxring_nop_prep(const struct rxring_sqe *sqe);
int rxring_nop_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		     struct rxring_result *res);

#endif /* RXRING_INTERNAL_H */
