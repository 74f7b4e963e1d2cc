/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RXRING_INTERNAL_H
#define RXRING_INTERNAL_H

#include <linux/bits.h>
#include <linux/bvec.h>
#include <linux/fcntl.h>
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/magic.h>
#include <linux/mman.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "../uapi/rxring.h"
#include "compat.h"

/*
 * Memory an instance keeps, in amounts the user chooses (the instance,
 * its rings, records and tables): charged to the caller's memory cgroup,
 * and when the cgroup (or the machine) is short of memory the request
 * fails with ENOMEM, quietly, instead of invoking the OOM killer.
 */
#define RXRING_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/*
 * One instance per open of /dev/rxring.
 *
 * The ring memory is one array of order-0 pages, vmapped once for the
 * kernel and inserted page by page into user mappings (and faulted back
 * in, ring.c). Each mapping holds the instance's file, so the instance
 * and its pages live for as long as anything maps them.
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
 * always has a slot and none is ever dropped. cq_lock also guards the
 * CHAIN state (link_busy, link_failed), which completions update.
 */
enum rxring_region_id {
	RXRING_REG_SQ_HEADER,
	RXRING_REG_SQ_ENTRIES,
	RXRING_REG_SQ_ARRAY,
	RXRING_REG_CQ_HEADER,
	RXRING_REG_CQ_ENTRIES,
	RXRING_NR_REGIONS,
};

/*
 * A pending operation: a fixed 32-byte record on the instance's run queue,
 * resumed by plain functions when its event comes (a futex wake, a child's
 * exit, the instance's timer, a device completion). Records live in one
 * array per instance, as many as operations can be in flight (each holds
 * two CQ slots), linked by index, so no operation allocates.
 */
struct rxring_pending {
	u64 user_data;		/* for the completion */
	union {
		struct {
			u64 key;	/* FUTEX: physical address of the word;
					 * WAITPID: the pid argument;
					 * TIMEOUT: completion count to wait for
					 */
			u64 deadline;	/* ktime in ns, 0: none */
		};
		/* READ, WRITE, READV, WRITEV in flight (rw.c, blk.c). */
		struct {
			struct file *file;	/* held until completion */
			atomic_t bios;		/* bios in flight, +1 while
						 * they are being issued
						 */
			atomic_t res;		/* bytes, or the first error */
		} io;
	};
	u32 next;		/* index of the next record on its chain */
	u8 op;			/* RXRING_OP_* */
	u8 state;		/* RXRING_PEND_* */
	u16 flags;		/* RXRING_PF_* */
};

#define RXRING_PEND_NONE	U32_MAX

/*
 * Record states. Whoever moves a record out of POLL or WORK, under
 * pend_lock, owns it and completes it (worker.c).
 */
enum rxring_pend_state {
	RXRING_PEND_FREE,
	RXRING_PEND_PARKED,	/* on a chain, cancellable */
	RXRING_PEND_IO,		/* bios or a kiocb in flight; CANCEL:
				 * -EALREADY
				 */
	RXRING_PEND_ARMING,	/* being hooked onto a wait queue: its
				 * file's or a page's
				 */
	RXRING_PEND_POLL,	/* waiting for its file, cancellable */
	RXRING_PEND_PAGE,	/* waiting for a page to be read; CANCEL
				 * marks it (RXRING_PF_CANCEL)
				 */
	RXRING_PEND_WORK,	/* queued for a worker, cancellable */
	RXRING_PEND_RUNNING,	/* owned by a worker or a canceller */
};

/* Record flags (rxring_pending.flags). */
#define RXRING_PF_WRITE		0x0001U	/* deferred op writes */
#define RXRING_PF_POLLGATE	0x0002U	/* file without FMODE_NOWAIT */
#define RXRING_PF_WOKEN		0x0004U	/* woken while ARMING */
#define RXRING_PF_CANCEL	0x0008U	/* cancelled while ARMING, PAGE or
					 * WORK: complete with -ECANCELED
					 */
/* io.file is borrowed from the registered table: no fput */
#define RXRING_PF_FIXED_FILE	0x0010U
#define RXRING_PF_MULTI_BIO	0x0020U	/* io.bios counts (bios, a poller) */
#define RXRING_PF_POLLED	0x0040U	/* IOPOLL: polled bio (iopoll.c) */
#define RXRING_PF_KIO		0x0080U	/* POLLED: a kiocb of kio.c's */
#define RXRING_PF_LINK		0x8000U	/* submitted with RXRING_SQE_CHAIN */

#define RXRING_FUTEX_BITS	6
#define RXRING_FUTEX_BUCKETS	BIT(RXRING_FUTEX_BITS)

/* A chain of records, oldest first. */
struct rxring_chain {
	u32 head;
	u32 tail;
};

struct rxring_ctx;
struct rxring_result;
struct rxring_iob;
struct rxring_kio;

/* Completions one submission batches (ctx->stash). */
#define RXRING_STASH	32

/*
 * Picks records off a chain for rxring_chain_reap(): returns true to
 * complete the record with *res.
 */
typedef bool (*rxring_pick_t)(struct rxring_ctx *ctx,
			      const struct rxring_pending *p, void *arg,
			      struct rxring_result *res);

/*
 * Pinned memory charged to RLIMIT_MEMLOCK (ring.c): to the charging user,
 * across all of their processes, as io_uring charges it (not with
 * CAP_IPC_LOCK), and to the charging process's locked_vm (VmLck).
 */
struct rxring_charge {
	struct mm_struct *mm;		/* mmgrab()bed, or NULL: no charge */
	struct user_struct *user;	/* get_uid()ed, or NULL */
	unsigned long pages;
};

int rxring_charge(struct rxring_charge *c, unsigned long pages);
void rxring_uncharge(struct rxring_charge *c);

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
	/* RXRING_BAR_* submission stopped at; written under cq_lock too */
	u8 barrier;
	/*
	 * Batching (submit.c): while submitter runs rxring_submit(), the
	 * completions it makes itself wait in stash. stash_free: free
	 * records of requests completed that way, for the next submitter
	 * (pending.c). Only the task holding submit_lock touches these.
	 */
	struct task_struct *submitter;
	struct blk_plug *plug;		/* its plug, once it has bios */
	bool plug_started;
	u32 plug_ios;			/* SQEs left to take */
	u32 io_credit;			/* of nr_io, unspent (blk.c) */
	u16 io_prio;			/* the submitter's, for its bios */
	u32 nr_stash;
	u32 stash_free;
	/*
	 * Free records of block requests completed outside the submitting
	 * task (interrupts), pushed without a lock (rxring_pend_io_free())
	 * and taken all at once by the submitter. The pool, stash_free and
	 * this list together hold every free record.
	 */
	u32 io_free;
	struct rxring_cqe stash[RXRING_STASH];
	/* The records' own bios (blk.c), allocated on first use. */
	struct rxring_iob *iob;
	u32 nr_iob;
	/* The records' kiocbs (kio.c), allocated on first use. */
	struct rxring_kio *kio;

	/* Completion side, under cq_lock. */
	spinlock_t cq_lock ____cacheline_aligned_in_smp;
	u64 cq_tail;			/* kernel's copy of the CQ tail */
	u32 cq_reserved;		/* slots promised to ops in flight */
	u32 cq_entries;
	bool link_busy;			/* a CHAIN op is in flight */
	bool link_failed;		/* ... and it failed: cancel the next */
	struct rxring_ring_header *cq_hdr;
	struct rxring_cqe *cqes;
	wait_queue_head_t cq_wait;	/* ENTER waiters and poll() */

	/*
	 * The run queue (pending.c), under pend_lock, which nests inside
	 * rxring_futex_lock and outside cq_lock. Chains are singly linked
	 * lists of record indices.
	 */
	spinlock_t pend_lock;
	struct rxring_pending *pend;
	u32 nr_pend;
	u32 pend_free;				/* free records */
	struct rxring_chain futex_chain[RXRING_FUTEX_BUCKETS];
	struct rxring_chain waitpid_chain;
	struct rxring_chain timeout_chain;
	u32 nr_count_timeouts;			/* TIMEOUTs with a count */
	u64 nr_completions;			/* CQEs posted; written under
						 * cq_lock, not pend_lock
						 */
	struct hrtimer timer;			/* earliest deadline */
	struct list_head futex_node;		/* on rxring_futex_rings */
	bool futex_registered;			/* under rxring_futex_lock */
	wait_queue_entry_t chld_wait;		/* one hook for all WAITPIDs */
	struct task_struct *chld_task;		/* whose children we watch */
	/*
	 * Operations that go on outside ENTER (worker.c): waiting for their
	 * file (poll.c), for a page, or for a worker of ctx->wq.
	 */
	struct rxring_defer *defer;		/* one per record, or NULL */
	struct workqueue_struct *wq;		/* with defer */
	u32 max_workers;			/* wq's max_active */
	atomic_t nr_defer;			/* records using a slot */
	bool defer_dead;			/* teardown: cancel, do not wait */
	/* The exits of the processes that submitted them (worker.c). */
	struct rxring_exit_hook *exit_hooks;	/* RXRING_EXIT_HOOKS, or NULL */
	struct work_struct exit_work;		/* rxring_defer_flush() */
	/* records with bios or a kiocb in flight, + the batch's credit */
	atomic_t nr_io;

	/* Memory, set up once by CREATE. */
	bool ready;			/* rings exist; read with acquire */
	struct page **pages;
	unsigned int nr_pages;
	void *vaddr;
	struct rxring_region regions[RXRING_NR_REGIONS];
	struct rxring_charge charge;	/* for nr_pages */

	/* Registered files and buffers (fixed.c), under submit_lock. */
	struct file **fixed_files;
	u32 nr_fixed_files;
	u32 nr_fixed_bufs;
	struct rxring_fixed_buf **fixed_bufs;
	struct rxring_charge fixed_charge;	/* the buffers' pages */

	/* SQPOLL (sqpoll.c) and IOPOLL (iopoll.c). */
	struct rxring_sqpoll *sqp;	/* the SQPOLL thread, or NULL */
	spinlock_t iopoll_lock;		/* RXRING_PF_POLLED of the records */
	atomic_t nr_polled;		/* records with a polled bio */

	/* Observability (debugfs.c, trace.h). */
	u32 id;				/* instance number, from 1 */
	pid_t pid;			/* the opener's tgid ... */
	char comm[16];			/* ... and command name */
	struct dentry *debugfs;		/* rxring/<id>/, or NULL */
};

/*
 * A system call would restart, or fail with EINTR, where these come back;
 * a completion can only carry the EINTR.
 */
static inline long rxring_no_restart(long ret)
{
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return -EINTR;
	default:
		return ret;
	}
}

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
	/*
	 * Go on with record idx, which issue() handed to a worker
	 * (worker.c), in that worker as the submitter: the result, or
	 * -EIOCBQUEUED when it waits again.
	 */
	s64 (*resume)(struct rxring_ctx *ctx, u32 idx);
};

/* SQE flags this build accepts. */
#define RXRING_SQE_SUPPORTED	(RXRING_SQE_CHAIN | RXRING_SQE_DRAIN)

/* Why submission stopped before taking an SQE (ctx->barrier). */
enum rxring_barrier {
	RXRING_BAR_NONE,
	RXRING_BAR_CHAIN,	/* the CHAIN op before it is in flight */
	RXRING_BAR_DRAIN,	/* DRAIN: operations are in flight */
};

#define RXRING_CREATE_SUPPORTED	(RXRING_CREATE_INDIRECT | \
				 RXRING_CREATE_SQPOLL | RXRING_CREATE_SQ_AFF | \
				 RXRING_CREATE_IOPOLL)
#define RXRING_ENTER_SUPPORTED	(RXRING_ENTER_ONLY_NOTIFY | \
				 RXRING_ENTER_WAKEUP_ON_SQ_AVAIL | \
				 RXRING_ENTER_TIMEOUT)
#define RXRING_FEATURES		(RXRING_FEAT_EXTENDED_CQE | \
				 RXRING_FEAT_INDIRECT | RXRING_FEAT_PROBE | \
				 RXRING_FEAT_FIXED | RXRING_FEAT_SQPOLL | \
				 RXRING_FEAT_IOPOLL | RXRING_FEAT_WORKERS)

/* The record flags an SQE gives its operation. */
static inline u16 rxring_sqe_pflags(const struct rxring_sqe *sqe)
{
	return sqe->flags & RXRING_SQE_CHAIN ? RXRING_PF_LINK : 0;
}

/* main.c */
bool rxring_is_instance(struct file *file);

/* fixed.c: registered files and buffers. */
struct iov_iter;

/* A registered buffer: its pages, pinned, as bio_vecs. */
struct rxring_fixed_buf {
	u64 ubuf;		/* user address of the buffer */
	u64 len;
	unsigned int nr_bvecs;	/* pages; bvecs[0] may start in its page */
	struct bio_vec bvecs[];
};

/*
 * Where [@addr, @addr + @len) of registered buffer @index is: *bvec, the
 * bio_vec of its first page, *nr the bio_vecs from there to the end of the
 * buffer, *skip its offset in the first one. -EINVAL for an index past the
 * table, -EFAULT for a range outside the buffer. submit_lock held.
 */
static __always_inline int rxring_fixed_range(struct rxring_ctx *ctx,
					      u64 index, u64 addr, u64 len,
					      const struct bio_vec **bvec,
					      unsigned int *nr,
					      unsigned int *skip)
{
	const struct rxring_fixed_buf *b;
	unsigned int first;
	u64 off, end;

	lockdep_assert_held(&ctx->submit_lock);
	if (index >= ctx->nr_fixed_bufs)
		return -EINVAL;
	b = ctx->fixed_bufs[array_index_nospec(index, ctx->nr_fixed_bufs)];
	if (check_add_overflow(addr, len, &end) || addr < b->ubuf ||
	    end > b->ubuf + b->len)
		return -EFAULT;
	/* Skip whole pages, then the rest within the first one kept. */
	off = addr - b->ubuf;
	first = 0;
	if (off >= b->bvecs[0].bv_len) {
		off -= b->bvecs[0].bv_len;
		first = 1 + (off >> PAGE_SHIFT);
		off &= ~PAGE_MASK;
	}
	*bvec = &b->bvecs[first];
	*nr = b->nr_bvecs - first;
	*skip = off;
	return 0;
}

long rxring_fixed_ioctl(struct rxring_ctx *ctx, unsigned int cmd,
			struct rxring_register __user *uarg);

/* Registered file @index, NULL for none; submit_lock held. */
static __always_inline struct file *rxring_fixed_file(struct rxring_ctx *ctx,
						      u64 index)
{
	lockdep_assert_held(&ctx->submit_lock);
	if (index >= ctx->nr_fixed_files)
		return NULL;
	return ctx->fixed_files[array_index_nospec(index,
						   ctx->nr_fixed_files)];
}

int rxring_fixed_import(struct rxring_ctx *ctx, u64 index, u64 addr, u64 len,
			int dir, struct iov_iter *iter);
void rxring_fixed_teardown(struct rxring_ctx *ctx);

/* pending.c */
int rxring_pend_init(struct rxring_ctx *ctx);
void rxring_pend_teardown(struct rxring_ctx *ctx);
u32 rxring_pend_get(struct rxring_ctx *ctx, const struct rxring_sqe *sqe);
u32 rxring_pend_get_io_pool(struct rxring_ctx *ctx,
			    const struct rxring_sqe *sqe);

static inline void rxring_pend_set(struct rxring_pending *p,
				   const struct rxring_sqe *sqe, u8 state)
{
	*p = (struct rxring_pending){
		.user_data = sqe->user_data,
		.next = RXRING_PEND_NONE,
		.op = sqe->opcode,
		.state = state,
		.flags = rxring_sqe_pflags(sqe),
	};
}

/*
 * A record (state IO) for a read or write the submitting task sends to a
 * block device: one its own ENTER freed, without a lock (only that task
 * uses ctx->stash_free), else one from the pool.
 */
static __always_inline u32 rxring_pend_get_io(struct rxring_ctx *ctx,
					      const struct rxring_sqe *sqe)
{
	u32 idx = ctx->stash_free;

	lockdep_assert_held(&ctx->submit_lock);
	if (unlikely(idx == RXRING_PEND_NONE)) {
		/* Those freed by interrupts, all at once, else the pool. */
		idx = xchg(&ctx->io_free, RXRING_PEND_NONE);
		if (idx == RXRING_PEND_NONE)
			return rxring_pend_get_io_pool(ctx, sqe);
	}
	ctx->stash_free = ctx->pend[idx].next;
	rxring_pend_set(&ctx->pend[idx], sqe, RXRING_PEND_IO);
	return idx;
}

/*
 * Free record @idx of a block request completed outside the submitting
 * task, in any context, onto ctx->io_free: a push without a lock, which
 * the submitter's take-all (xchg) makes safe.
 */
static inline void rxring_pend_io_free(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];
	u32 head = READ_ONCE(ctx->io_free);

	WRITE_ONCE(p->state, RXRING_PEND_FREE);
	do {
		p->next = head;
	} while (!try_cmpxchg(&ctx->io_free, &head, idx));
}

/*
 * Free record @idx of a read or write completed inside the submitting
 * task's ENTER (rxring_in_submit()), onto ctx->stash_free: free records
 * kept for whoever submits next (under submit_lock), without pend_lock.
 * The pool, this list and ctx->io_free together hold every free record.
 */
static __always_inline void rxring_pend_stash_put(struct rxring_ctx *ctx,
						  u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];

	lockdep_assert_held(&ctx->submit_lock);
	WRITE_ONCE(p->state, RXRING_PEND_FREE);
	p->next = ctx->stash_free;
	ctx->stash_free = idx;
}

void rxring_chain_push(struct rxring_ctx *ctx, struct rxring_chain *c,
		       u32 idx);
bool rxring_chain_take(struct rxring_ctx *ctx, struct rxring_chain *c,
		       u32 idx);
u32 rxring_chain_reap(struct rxring_ctx *ctx, struct rxring_chain *c,
		      rxring_pick_t pick, void *arg, u32 max);
void rxring_pend_finish(struct rxring_ctx *ctx, u32 idx,
			const struct rxring_result *res);
void rxring_pend_arm_timer(struct rxring_ctx *ctx, u64 deadline);
int rxring_pend_cancel(struct rxring_ctx *ctx, u64 user_data);
void rxring_pend_flush(struct rxring_ctx *ctx);
u64 rxring_deadline(u64 ns, bool abs);

/* futex.c */
int rxring_futex_prep(const struct rxring_sqe *sqe);
int rxring_futex_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		       struct rxring_result *res);
long rxring_futex_ioctl(struct rxring_futex __user *uarg);
void rxring_futex_unregister(struct rxring_ctx *ctx);

/* waitpid.c */
int rxring_waitpid_prep(const struct rxring_sqe *sqe);
int rxring_waitpid_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			 struct rxring_result *res);
void rxring_waitpid_unhook(struct rxring_ctx *ctx);
bool rxring_waitpid_owner_exiting(struct rxring_ctx *ctx);

/* timeout.c */
int rxring_timeout_prep(const struct rxring_sqe *sqe);
int rxring_timeout_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			 struct rxring_result *res);
int rxring_cancel_prep(const struct rxring_sqe *sqe);
int rxring_cancel_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			struct rxring_result *res);
void rxring_timeout_counts(struct rxring_ctx *ctx);

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
		     const struct rxring_result *res, u16 pflags);
void rxring_cq_wake(struct rxring_ctx *ctx);
void rxring_submit_flush(struct rxring_ctx *ctx);
void __rxring_submit_plug(struct rxring_ctx *ctx);

/*
 * Whether this is the task taking SQEs in rxring_submit() (submit_lock
 * held), in task context: its completions are batched (submit.c).
 */
static inline bool rxring_in_submit(struct rxring_ctx *ctx)
{
	return READ_ONCE(ctx->submitter) == current && in_task();
}

void rxring_stash_flush(struct rxring_ctx *ctx);
void rxring_complete_status(struct rxring_ctx *ctx, u64 user_data,
			    s32 status, u16 pflags);

/*
 * rxring_complete() for a read or write the submitting task completed
 * (rxring_in_submit()): a status that fits one CQE, no CQE flags, into
 * the batch's stash unless it ends a CHAIN link. The caller traces it.
 */
static __always_inline void rxring_stash_io(struct rxring_ctx *ctx,
					    u64 user_data, s32 status,
					    u16 pflags)
{
	struct rxring_cqe *cqe;

	if (unlikely(pflags & RXRING_PF_LINK)) {
		rxring_complete_status(ctx, user_data, status, pflags);
		return;
	}
	if (unlikely(ctx->nr_stash == RXRING_STASH))
		rxring_stash_flush(ctx);
	cqe = &ctx->stash[ctx->nr_stash++];
	cqe->user_data = user_data;
	cqe->status = status;
	cqe->flags = 0;
}

/* Before a bio: the batch's plug, if it has one and it is not started. */
static inline void rxring_submit_plug(struct rxring_ctx *ctx)
{
	if (ctx->plug && !ctx->plug_started)
		__rxring_submit_plug(ctx);
}

int rxring_submit(struct rxring_ctx *ctx, u32 to_submit, u32 *taken);
bool rxring_sq_go(struct rxring_ctx *ctx, u32 stop);
int rxring_wait(struct rxring_ctx *ctx,
		bool (*cond)(struct rxring_ctx *ctx, u32 arg), u32 arg,
		ktime_t *deadline);
long rxring_enter(struct rxring_ctx *ctx, struct rxring_enter __user *uarg);

/*
 * sqpoll.c: RXRING_CREATE_SQPOLL's kernel thread. iopoll.c:
 * RXRING_CREATE_IOPOLL.
 */
int rxring_poll_check_create(struct rxring_create *p);
int rxring_sqpoll_create(struct rxring_ctx *ctx,
			 const struct rxring_create *p);
void rxring_sqpoll_start(struct rxring_ctx *ctx);
void rxring_sqpoll_stop(struct rxring_ctx *ctx);
int rxring_sqpoll_check_sqe(struct rxring_ctx *ctx,
			    const struct rxring_sqe *sqe);
int rxring_sqpoll_enter(struct rxring_ctx *ctx, const struct rxring_enter *e,
			ktime_t *deadline);
int rxring_iopoll_file(struct file *file);
void rxring_iopoll_bio(struct rxring_ctx *ctx, u32 idx, struct bio *bio);
void rxring_iopoll_kiocb(struct rxring_ctx *ctx, u32 idx, struct kiocb *iocb);
void rxring_iopoll_done(struct rxring_ctx *ctx, struct rxring_pending *p);
int rxring_iopoll_reap(struct rxring_ctx *ctx);
int rxring_iopoll_wait(struct rxring_ctx *ctx, u32 min_complete,
		       ktime_t *deadline);
void rxring_iopoll_drain(struct rxring_ctx *ctx);
struct seq_file;
void rxring_poll_show(struct seq_file *m, struct rxring_ctx *ctx);

/*
 * fileops.c: OPEN, CLOSE, DUP, SEEK, FSTAT, MMAP, MUNMAP, in the task that
 * calls ENTER. The syscall_flags each accepts:
 */
/*
 * The open(2) flags OPEN implements (docs/abi.md): VALID_OPEN_FLAGS as
 * 6.1 to 6.x define it. Not the build kernel's own VALID_OPEN_FLAGS,
 * which grows (7.x adds O_EMPTYPATH, which OPEN does not implement).
 */
#define RXRING_OPEN_FLAGS	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | \
				 O_TRUNC | O_APPEND | O_NDELAY | O_NONBLOCK | \
				 O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE | \
				 O_DIRECTORY | O_NOFOLLOW | O_NOATIME | \
				 O_CLOEXEC | __O_SYNC | O_PATH | __O_TMPFILE)
#define RXRING_DUP_FLAGS	O_CLOEXEC
#ifdef MAP_32BIT
#define RXRING_MAP_32BIT	MAP_32BIT
#else
#define RXRING_MAP_32BIT	0
#endif
#define RXRING_MMAP_FLAGS	(MAP_SHARED | MAP_PRIVATE | \
				 MAP_SHARED_VALIDATE | MAP_FIXED | \
				 MAP_FIXED_NOREPLACE | MAP_ANONYMOUS | \
				 RXRING_MAP_32BIT | MAP_GROWSDOWN | \
				 MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | \
				 MAP_NONBLOCK | MAP_STACK | MAP_SYNC)
int rxring_open_prep(const struct rxring_sqe *sqe);
int rxring_open_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		      struct rxring_result *res);
int rxring_close_prep(const struct rxring_sqe *sqe);
int rxring_close_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		       struct rxring_result *res);
int rxring_dup_prep(const struct rxring_sqe *sqe);
int rxring_dup_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		     struct rxring_result *res);
int rxring_seek_prep(const struct rxring_sqe *sqe);
int rxring_seek_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		      struct rxring_result *res);
s64 rxring_seek_resume(struct rxring_ctx *ctx, u32 idx);
int rxring_fstat_prep(const struct rxring_sqe *sqe);
int rxring_fstat_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		       struct rxring_result *res);
s64 rxring_fstat_resume(struct rxring_ctx *ctx, u32 idx);
int rxring_mmap_prep(const struct rxring_sqe *sqe);
int rxring_mmap_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		      struct rxring_result *res);
int rxring_munmap_prep(const struct rxring_sqe *sqe);
int rxring_munmap_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			struct rxring_result *res);

/* debugfs.c: /sys/kernel/debug/rxring/<id>/stats per instance. */
void rxring_debugfs_init(void);
void rxring_debugfs_exit(void);
void rxring_debugfs_add(struct rxring_ctx *ctx);
void rxring_debugfs_remove(struct rxring_ctx *ctx);

/* nop.c */
int rxring_nop_prep(const struct rxring_sqe *sqe);
int rxring_nop_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		     struct rxring_result *res);

/*
 * rw.c: READ, WRITE, READV, WRITEV, FSYNC. blk.c: their block device
 * O_DIRECT path (bios). poll.c: reads and writes that wait for their file.
 */
struct file;
struct iov_iter;
struct iovec;

int rxring_rw_prep(const struct rxring_sqe *sqe);

static inline bool rxring_rw_is_write(const struct rxring_sqe *sqe)
{
	return sqe->opcode == RXRING_OP_WRITE ||
	       sqe->opcode == RXRING_OP_WRITEV;
}

static inline bool rxring_rw_is_vec(const struct rxring_sqe *sqe)
{
	return sqe->opcode == RXRING_OP_READV ||
	       sqe->opcode == RXRING_OP_WRITEV;
}

/* rxring_rw_prep(), inline for submit.c's direct calls. */
static __always_inline int __rxring_rw_prep(const struct rxring_sqe *sqe)
{
	/* FIXED_BUF: READ and WRITE only (opdef.c), additional1 the index. */
	if ((sqe->additional1 &&
	     !(sqe->syscall_flags & RXRING_RW_FIXED_BUF)) || sqe->additional2)
		return -EINVAL;
	/* READV/WRITEV's iovec count: after the fd, as readv(2) (rw.c). */
	if (sqe->offset != RXRING_POS_CURRENT && sqe->offset > LLONG_MAX)
		return -EINVAL;
	return 0;
}

int rxring_rw_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		    struct rxring_result *res);
int rxring_fsync_prep(const struct rxring_sqe *sqe);
int rxring_fsync_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		       struct rxring_result *res);
s64 rxring_rw_resume(struct rxring_ctx *ctx, u32 idx);
s64 rxring_fsync_resume(struct rxring_ctx *ctx, u32 idx);
ssize_t rxring_file_rw(struct file *file, struct iov_iter *iter, u64 offset,
		       bool write, rwf_t flags);
__poll_t rxring_rw_events(bool write);

/*
 * A file of a file system that keeps its files in memory (tmpfs, ramfs):
 * nothing done to it waits for a device, so it is done inside ENTER.
 */
static inline bool rxring_file_in_memory(struct file *file)
{
	unsigned long magic = file_inode(file)->i_sb->s_magic;

	return magic == TMPFS_MAGIC || magic == RAMFS_MAGIC;
}

/* A block device opened O_DIRECT: its reads and writes are bios (blk.c). */
static inline bool rxring_blk_direct(struct file *file)
{
	return S_ISBLK(file_inode(file)->i_mode) &&
	       (file->f_flags & O_DIRECT);
}

int rxring_blk_rw(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		  struct file *file, struct iov_iter *iter, bool write,
		  bool borrowed);
int rxring_blk_rw_fixed(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			struct file *file, u64 len, bool write, bool borrowed);
int rxring_rw_issue_fixed(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			  struct rxring_result *res);
void rxring_blk_teardown(struct rxring_ctx *ctx);
void rxring_blk_settle(struct rxring_ctx *ctx);

void rxring_io_put(struct rxring_ctx *ctx, u32 idx);
u32 rxring_io_start(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		    struct file *file, u64 len, bool borrowed);

/* kio.c: regular files opened O_DIRECT, through a kiocb. */
bool rxring_kio_direct(struct file *file, const struct rxring_sqe *sqe);
int rxring_kio_rw(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		  struct file *file, struct iov_iter *iter, bool write,
		  bool borrowed);
void rxring_kio_teardown(struct rxring_ctx *ctx);
int rxring_kio_poll(struct rxring_ctx *ctx, u32 idx);
struct bio *rxring_blk_own_bio(struct rxring_ctx *ctx, u32 idx);
int rxring_blk_init(void);
void rxring_blk_exit(void);

/* worker.c: operations that go on outside ENTER, one slot per record. */
struct rxring_poll_entry {
	struct wait_queue_entry wait;
	struct wait_queue_head *head;	/* NULL: not hooked */
};

/* A hook on a submitting process's exit (its pid's wait_pidfd). */
struct rxring_exit_hook {
	struct wait_queue_entry wait;
	struct pid *pid;		/* get_pid()ed, or NULL */
};

#define RXRING_EXIT_HOOKS	4

struct rxring_defer {
	struct work_struct work;	/* on ctx->wq in state WORK */
	struct rxring_ctx *ctx;
	struct rxring_poll_entry pe[2];	/* POLL: a file may use two queues */
	struct wait_page_queue wpq;	/* PAGE: the page waited for */
	struct mm_struct *mm;		/* the submitter's, mmgrab()bed */
	const struct cred *cred;	/* the submitter's */
	/* The operation's own (rw.c: what a read or write goes on with). */
	struct iovec *iov;		/* fast_iov or a heap array, or NULL */
	u64 offset;			/* or RXRING_POS_CURRENT */
	u32 count;			/* bytes */
	u32 done;			/* bytes moved so far */
	u32 nr_segs;
	__poll_t events;		/* POLL: what it waits for */
	u8 mode;			/* the operation's: how it goes on */
	struct iovec fast_iov[UIO_FASTIOV];
};

void rxring_defer_create(struct rxring_ctx *ctx, struct rxring_create *p);
void rxring_defer_init(struct rxring_ctx *ctx);
u32 rxring_defer_take(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		      struct file *file, int *err);
void rxring_defer_queue(struct rxring_ctx *ctx, u32 idx);
void rxring_defer_ready(struct rxring_ctx *ctx, u32 idx);
void rxring_defer_page_prepare(struct rxring_ctx *ctx, u32 idx,
			       struct kiocb *kiocb);
int rxring_defer_page_hooked(struct rxring_ctx *ctx, u32 idx);
bool rxring_defer_page_unhooked(struct rxring_ctx *ctx, u32 idx);
int rxring_defer_cancel(struct rxring_ctx *ctx, u32 idx);
void rxring_defer_finish(struct rxring_ctx *ctx, u32 idx, s64 status);
void rxring_defer_flush(struct rxring_ctx *ctx);
void rxring_defer_teardown(struct rxring_ctx *ctx);

/* poll.c: waiting for a file's wakeup. */
void rxring_poll_arm(struct rxring_ctx *ctx, u32 idx);
void rxring_poll_unhook(struct rxring_defer *d);

#endif /* RXRING_INTERNAL_H */
