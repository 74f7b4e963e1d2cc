// SPDX-License-Identifier: GPL-2.0
/*
 * Submission, completion and ENTER.
 */
#include <linux/blkdev.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "rxring.h"
#include "trace.h"

/* CQ slots needed to take one SQE: room for an extended pair. */
#define RXRING_CQ_SLOTS_PER_OP	2

/*
 * Filled CQ slots as the kernel sees them: its own tail minus the user's
 * head, read once. A head the user moved out of range counts as a full CQ.
 */
static u64 rxring_cq_used(struct rxring_ctx *ctx, u64 tail)
{
	u64 used = tail - READ_ONCE(ctx->cq_hdr->head);

	return used > ctx->cq_entries ? ctx->cq_entries : used;
}

u32 rxring_cq_filled(struct rxring_ctx *ctx)
{
	return rxring_cq_used(ctx, READ_ONCE(ctx->cq_tail));
}

static u64 rxring_cq_free(struct rxring_ctx *ctx)
{
	u64 busy = rxring_cq_used(ctx, READ_ONCE(ctx->cq_tail)) +
		   READ_ONCE(ctx->cq_reserved);

	return busy >= ctx->cq_entries ? 0 : ctx->cq_entries - busy;
}

bool rxring_cq_has_room(struct rxring_ctx *ctx)
{
	return rxring_cq_free(ctx) >= RXRING_CQ_SLOTS_PER_OP;
}

/*
 * Batching. While a task takes SQEs (rxring_submit(), submit_lock held),
 * the completions it makes itself, in task context, wait in ctx->stash:
 * NOPs and other operations that complete at once, bios that a device
 * completes inline (without an interrupt). They are posted together, under
 * one cq_lock and with one tail update, when the stash is full, before an
 * SQE that needs the true CQ state (CHAIN, DRAIN) or that may block, and
 * when the submission ends, before the CQ waiters are woken. The ENTER
 * that took an SQE still posts its completion when it completes inside
 * that ENTER. CQ slots are likewise reserved for a run of SQEs at once
 * (rxring_submit()'s budget) rather than one SQE at a time. Completions from other
 * contexts (interrupts, other tasks) are posted at once, as before.
 * rxring_in_submit() (rxring.h) tells the submitting task.
 *
 * Post the stashed completions and give back @unreserve reserved slot
 * pairs. Any context of the submitting task; pend_lock may be held.
 */
static void rxring_stash_post(struct rxring_ctx *ctx, u32 unreserve)
{
	u32 mask = ctx->cq_entries - 1, n = ctx->nr_stash, i;
	unsigned long irqflags;
	u64 tail;

	if (!n && !unreserve)
		return;
	spin_lock_irqsave(&ctx->cq_lock, irqflags);
	tail = ctx->cq_tail;
	for (i = 0; i < n; i++)
		ctx->cqes[tail++ & mask] = ctx->stash[i];
	ctx->cq_tail = tail;
	ctx->cq_reserved -= (n + unreserve) * RXRING_CQ_SLOTS_PER_OP;
	if (n) {
		WRITE_ONCE(ctx->nr_completions, ctx->nr_completions + n);
		/* The entries are written before the user sees the tail. */
		smp_store_release(&ctx->cq_hdr->tail, tail);
	}
	spin_unlock_irqrestore(&ctx->cq_lock, irqflags);
	ctx->nr_stash = 0;
}

/* Before the submitting task does something that may block. */
void rxring_submit_flush(struct rxring_ctx *ctx)
{
	if (rxring_in_submit(ctx))
		rxring_stash_post(ctx, 0);
}

/* The block layer allocates at most this many requests at once. */
#define RXRING_PLUG_IOS	32

/*
 * Before the submitting task's first bio (rxring_submit_plug()): start the
 * batch's plug, telling the block layer how many requests to allocate at
 * once (the SQEs left, as blk_start_plug_nr_ios(), which is not exported,
 * would).
 */
void __rxring_submit_plug(struct rxring_ctx *ctx)
{
	if (!rxring_in_submit(ctx))
		return;
	ctx->plug_started = true;
	blk_start_plug(ctx->plug);
	if (current->plug == ctx->plug)
		ctx->plug->nr_ios = min_t(u32, ctx->plug_ios, RXRING_PLUG_IOS);
}

/*
 * In the submitting task: stash a completion that fits in one CQE and
 * does not end a CHAIN link (whose successor waits for it). Returns false
 * when it must be posted at once, after what is stashed.
 */
static bool rxring_stash(struct rxring_ctx *ctx, u64 user_data,
			 const struct rxring_result *res, u16 pflags)
{
	if (res->extended || res->status != (s32)res->status ||
	    (pflags & RXRING_PF_LINK)) {
		rxring_stash_post(ctx, 0);
		return false;
	}
	if (ctx->nr_stash == RXRING_STASH)
		rxring_stash_post(ctx, 0);
	ctx->stash[ctx->nr_stash++] = (struct rxring_cqe){
		.user_data = user_data,
		.status = (s32)res->status,
		.flags = (u32)res->flags,
	};
	return true;
}

/*
 * Post one completion into slots the operation reserved and publish it.
 * Writes only module-owned memory, so it may run in any context. @pflags
 * are the operation's RXRING_PF_* flags: the completion of a CHAIN
 * operation lets the next SQE start, or cancels it when it failed.
 */
static void rxring_post(struct rxring_ctx *ctx, u64 user_data,
			const struct rxring_result *res, u16 pflags)
{
	u32 mask = ctx->cq_entries - 1;
	unsigned long irqflags;
	u64 tail;

	spin_lock_irqsave(&ctx->cq_lock, irqflags);
	tail = ctx->cq_tail;
	if (!res->extended && res->status == (s32)res->status) {
		struct rxring_cqe *cqe = &ctx->cqes[tail & mask];

		cqe->user_data = user_data;
		cqe->status = (s32)res->status;
		cqe->flags = (u32)res->flags;
		tail += 1;
	} else {
		struct rxring_cqe_ext_hi *hi = (void *)&ctx->cqes[tail & mask];
		struct rxring_cqe_ext_lo *lo =
			(void *)&ctx->cqes[(tail + 1) & mask];

		hi->user_data = user_data;
		hi->flags_hi = upper_32_bits(res->flags);
		hi->flags = lower_32_bits(res->flags) | RXRING_CQE_EXTENDED;
		lo->status = res->status;
		lo->extra = res->extra;
		tail += 2;
	}
	ctx->cq_tail = tail;
	ctx->cq_reserved -= RXRING_CQ_SLOTS_PER_OP;
	if (pflags & RXRING_PF_LINK) {
		WRITE_ONCE(ctx->link_busy, false);
		ctx->link_failed = res->status < 0;
	}
	WRITE_ONCE(ctx->nr_completions, ctx->nr_completions + 1);
	/* The entries are written before the user can see the new tail. */
	smp_store_release(&ctx->cq_hdr->tail, tail);
	spin_unlock_irqrestore(&ctx->cq_lock, irqflags);
}

/* The stash is full: post it (rxring_stash_io()). */
void rxring_stash_flush(struct rxring_ctx *ctx)
{
	rxring_stash_post(ctx, 0);
}

/*
 * rxring_complete() of a result that is a plain status with no flags, by
 * the submitting task, when it cannot be stashed (a CHAIN link).
 */
void rxring_complete_status(struct rxring_ctx *ctx, u64 user_data,
			    s32 status, u16 pflags)
{
	struct rxring_result res = { .status = status };

	rxring_stash_post(ctx, 0);
	rxring_post(ctx, user_data, &res, pflags);
}

static __always_inline void rxring_trace_complete(struct rxring_ctx *ctx,
						  u64 user_data,
						  const struct rxring_result *res)
{
	trace_rxring_complete(ctx->id, user_data, res->status, res->extra,
			      res->flags, res->extended ||
			      res->status != (s32)res->status);
}

void rxring_complete(struct rxring_ctx *ctx, u64 user_data,
		     const struct rxring_result *res, u16 pflags)
{
	rxring_trace_complete(ctx, user_data, res);
	if (rxring_in_submit(ctx) && rxring_stash(ctx, user_data, res, pflags))
		return;
	rxring_post(ctx, user_data, res, pflags);
}

/*
 * After posting completions, with no lock held: fire TIMEOUTs whose count
 * is reached and wake whoever waits on the CQ.
 */
void rxring_cq_wake(struct rxring_ctx *ctx)
{
	if (READ_ONCE(ctx->nr_count_timeouts))
		rxring_timeout_counts(ctx);
	if (wq_has_sleeper(&ctx->cq_wait))
		wake_up_all(&ctx->cq_wait);
}

/*
 * Copy the SQE at SQ position @head into *sqe, word by word with single
 * reads, so nothing the user changes afterwards is seen. Returns false for
 * an out-of-range slot in the index array, which the caller counts and
 * skips when it consumes it.
 */
static bool rxring_fetch_sqe(struct rxring_ctx *ctx, u64 head,
			     struct rxring_sqe *sqe)
{
	u32 idx = head & (ctx->sq_entries - 1);
	const u64 *src;
	u64 *dst = (u64 *)sqe;

	if (ctx->sq_array) {
		idx = READ_ONCE(ctx->sq_array[idx]);
		if (idx >= ctx->sq_entries)
			return false;
		idx = array_index_nospec(idx, ctx->sq_entries);
	}
	src = (const u64 *)&ctx->sqes[idx];
	/* Unrolled: eight loads and stores, no loop, on every SQE. */
	BUILD_BUG_ON(sizeof(*sqe) != 8 * sizeof(u64));
	dst[0] = READ_ONCE(src[0]);
	dst[1] = READ_ONCE(src[1]);
	dst[2] = READ_ONCE(src[2]);
	dst[3] = READ_ONCE(src[3]);
	dst[4] = READ_ONCE(src[4]);
	dst[5] = READ_ONCE(src[5]);
	dst[6] = READ_ONCE(src[6]);
	dst[7] = READ_ONCE(src[7]);
	return true;
}

/*
 * Validate and issue one SQE: 0 with *res filled, RXRING_QUEUED, or
 * -errno. The operations of the I/O path are called directly rather than
 * through the table (the same functions, without two indirect calls per
 * SQE).
 */
static __always_inline int rxring_check_issue(struct rxring_ctx *ctx,
					      const struct rxring_sqe *sqe,
					      struct rxring_result *res)
{
	const struct rxring_op_def *def;
	int ret;

	if (sqe->opcode >= RXRING_OP_LAST)
		return -EINVAL;
	if (sqe->flags & ~RXRING_SQE_SUPPORTED)
		return -EINVAL;
	def = &rxring_ops[array_index_nospec(sqe->opcode, RXRING_OP_LAST)];
	if (!def->issue)
		return -EOPNOTSUPP;
	if (sqe->syscall_flags & ~def->syscall_flags)
		return -EINVAL;
	/*
	 * SQPOLL (what the kernel thread may not do, sqpoll.c) and IOPOLL
	 * (only what can be polled, iopoll.c) take the general way.
	 */
	if (unlikely(ctx->sqp || (ctx->flags & RXRING_CREATE_IOPOLL))) {
		ret = def->prep(sqe);
		if (!ret && ctx->sqp)
			ret = rxring_sqpoll_check_sqe(ctx, sqe);
		return ret ?: def->issue(ctx, sqe, res);
	}
	switch (sqe->opcode) {
	case RXRING_OP_NOP:
		ret = rxring_nop_prep(sqe);
		return ret ?: rxring_nop_issue(ctx, sqe, res);
	case RXRING_OP_READ:
	case RXRING_OP_WRITE:
		ret = __rxring_rw_prep(sqe);
		if (ret)
			return ret;
		/* Registered file and buffer: the shortest way (blk.c). */
		if ((sqe->syscall_flags &
		     (RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF)) ==
		    (RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF))
			return rxring_rw_issue_fixed(ctx, sqe, res);
		return rxring_rw_issue(ctx, sqe, res);
	case RXRING_OP_READV:
	case RXRING_OP_WRITEV:
		ret = __rxring_rw_prep(sqe);
		return ret ?: rxring_rw_issue(ctx, sqe, res);
	default:
		ret = def->prep(sqe);
		return ret ?: def->issue(ctx, sqe, res);
	}
}

/*
 * Opcodes that never block on another party before they complete or queue
 * (a read or write that may block posts the batch itself, in rw.c): their
 * completions may wait in the stash meanwhile.
 */
static bool rxring_op_batches(u8 op)
{
	return op == RXRING_OP_NOP || op == RXRING_OP_READ ||
	       op == RXRING_OP_WRITE || op == RXRING_OP_READV ||
	       op == RXRING_OP_WRITEV;
}

/* Validate and start one SQE; its CQ slots are already reserved. */
static __always_inline void rxring_issue_sqe(struct rxring_ctx *ctx,
					     const struct rxring_sqe *sqe)
{
	struct rxring_result res = {};
	int ret;

	if (!rxring_op_batches(sqe->opcode))
		rxring_stash_post(ctx, 0);

	trace_rxring_submit(ctx->id, sqe);
	ret = rxring_check_issue(ctx, sqe, &res);
	trace_rxring_issue(ctx->id, sqe->opcode, sqe->user_data, ret);
	if (ret == RXRING_QUEUED)
		return;
	if (ret < 0)
		res = (struct rxring_result){ .status = ret };
	/* rxring_complete(), knowing that this is the submitting task. */
	rxring_trace_complete(ctx, sqe->user_data, &res);
	if (!rxring_stash(ctx, sqe->user_data, &res, rxring_sqe_pflags(sqe)))
		rxring_post(ctx, sqe->user_data, &res, rxring_sqe_pflags(sqe));
}

/* What rxring_take() decided for the SQE at the head of the SQ. */
enum rxring_take {
	RXRING_TAKE_GO,		/* start it; its CQ slots are reserved */
	RXRING_TAKE_CANCEL,	/* a link before it failed: -ECANCELED */
	RXRING_TAKE_DROP,	/* an out-of-range index: consumed, no CQE */
	RXRING_TAKE_FULL,	/* no CQ room: stop */
	RXRING_TAKE_BARRIER,	/* CHAIN or DRAIN holds it back: stop */
};

/*
 * May the SQE at the head of the SQ (@sqe, NULL for an out-of-range index)
 * be taken now? It needs two free CQ slots beyond those promised to
 * operations in flight, which it then reserves, so its completion always
 * has room (an extended pair). CHAIN and DRAIN hold it back until the link
 * before it, or every operation before it, completed. The known flag bits
 * count even when the SQE is otherwise invalid: a bad link breaks its
 * chain.
 */
static enum rxring_take rxring_take(struct rxring_ctx *ctx,
				    const struct rxring_sqe *sqe)
{
	enum rxring_take take = RXRING_TAKE_GO;

	spin_lock_irq(&ctx->cq_lock);
	if (!rxring_cq_has_room(ctx)) {
		take = RXRING_TAKE_FULL;
	} else if (!sqe) {
		take = RXRING_TAKE_DROP;
	} else if (ctx->link_busy) {
		WRITE_ONCE(ctx->barrier, RXRING_BAR_CHAIN);
		take = RXRING_TAKE_BARRIER;
	} else if (ctx->link_failed) {
		ctx->link_failed = sqe->flags & RXRING_SQE_CHAIN;
		take = RXRING_TAKE_CANCEL;
	} else if ((sqe->flags & RXRING_SQE_DRAIN) && ctx->cq_reserved) {
		WRITE_ONCE(ctx->barrier, RXRING_BAR_DRAIN);
		take = RXRING_TAKE_BARRIER;
	} else if (sqe->flags & RXRING_SQE_CHAIN) {
		WRITE_ONCE(ctx->link_busy, true);
	}
	if (take == RXRING_TAKE_GO || take == RXRING_TAKE_CANCEL)
		ctx->cq_reserved += RXRING_CQ_SLOTS_PER_OP;
	spin_unlock_irq(&ctx->cq_lock);
	return take;
}

/*
 * Reserve CQ room for up to @want SQEs at once, for SQEs without CHAIN or
 * DRAIN to take without another decision: none while a CHAIN link is in
 * flight or has failed (each SQE then goes through rxring_take()), fewer
 * when the CQ has less room.
 */
static u32 rxring_reserve(struct rxring_ctx *ctx, u32 want)
{
	u32 n = 0;

	spin_lock_irq(&ctx->cq_lock);
	if (!ctx->link_busy && !ctx->link_failed) {
		n = min_t(u64, want,
			  rxring_cq_free(ctx) / RXRING_CQ_SLOTS_PER_OP);
		ctx->cq_reserved += n * RXRING_CQ_SLOTS_PER_OP;
	}
	spin_unlock_irq(&ctx->cq_lock);
	return n;
}

/* Why rxring_submit() stopped early. */
#define RXRING_STOP_FULL	1	/* the CQ has no room */
#define RXRING_STOP_BARRIER	2	/* CHAIN or DRAIN: see ctx->barrier */

/*
 * Take up to @to_submit SQEs. Returns 0 when it took all it was asked for
 * (or all there were), RXRING_STOP_* when it stopped early, and -EINVAL,
 * taking nothing, when the SQ tail is out of range. An SQE held back by a
 * barrier stays in the SQ, unconsumed. Bios of a batch of three SQEs or
 * more are plugged; completions are batched (see rxring_in_submit()).
 */
int rxring_submit(struct rxring_ctx *ctx, u32 to_submit, u32 *taken)
{
	u64 head = ctx->sq_head;
	struct rxring_sqe sqe;
	struct blk_plug plug;
	u32 done = 0, budget = 0;
	int ret = 0;
	u64 avail;

	lockdep_assert_held(&ctx->submit_lock);
	/* Pairs with the user's release of the tail: its SQEs are visible. */
	avail = smp_load_acquire(&ctx->sq_hdr->tail) - head;
	if (avail > ctx->sq_entries)
		return -EINVAL;
	if (to_submit > avail)
		to_submit = avail;

	WRITE_ONCE(ctx->submitter, current);
	/*
	 * As io_uring: a plug pays off from three bios on. It is started by
	 * the first bio (rxring_submit_plug()), so a batch without any costs
	 * nothing.
	 */
	ctx->plug = to_submit > 2 ? &plug : NULL;
	ctx->plug_started = false;
	/*
	 * The loop's variables are declared outside it: the kernel may be
	 * built to zero every automatic variable where it comes into scope
	 * (CONFIG_INIT_STACK_ALL_ZERO), which is then once per call.
	 */
	while (done < to_submit) {
		bool valid = rxring_fetch_sqe(ctx, head, &sqe);

		/* The common case: no ordering flag, room reserved ahead. */
		if (!valid ||
		    !(sqe.flags & (RXRING_SQE_CHAIN | RXRING_SQE_DRAIN))) {
			if (!budget)
				budget = rxring_reserve(ctx, to_submit - done);
			if (budget) {
				if (valid) {
					budget--;
					ctx->plug_ios = to_submit - done;
					rxring_issue_sqe(ctx, &sqe);
				} else {
					WRITE_ONCE(ctx->sq_hdr->dropped,
						   ++ctx->sq_dropped);
				}
				head++;
				done++;
				continue;
			}
		}
		/* Otherwise rxring_take() decides, on the true CQ state. */
		rxring_stash_post(ctx, budget);
		budget = 0;
		switch (rxring_take(ctx, valid ? &sqe : NULL)) {
		case RXRING_TAKE_GO:
			ctx->plug_ios = to_submit - done;
			rxring_issue_sqe(ctx, &sqe);
			break;
		case RXRING_TAKE_CANCEL:
			rxring_complete(ctx, sqe.user_data,
					&(struct rxring_result){
						.status = -ECANCELED }, 0);
			break;
		case RXRING_TAKE_DROP:
			WRITE_ONCE(ctx->sq_hdr->dropped, ++ctx->sq_dropped);
			break;
		case RXRING_TAKE_FULL:
			ret = RXRING_STOP_FULL;
			goto stop;
		case RXRING_TAKE_BARRIER:
			ret = RXRING_STOP_BARRIER;
			goto stop;
		}
		head++;
		done++;
	}
stop:
	if (ctx->plug_started)
		blk_finish_plug(&plug);
	ctx->plug = NULL;
	if (ctx->io_credit)
		rxring_blk_settle(ctx);
	WRITE_ONCE(ctx->submitter, NULL);
	rxring_stash_post(ctx, budget);
	if (done) {
		WRITE_ONCE(ctx->sq_head, head);
		/* The SQEs are copied before the user may reuse their slots. */
		smp_store_release(&ctx->sq_hdr->head, head);
		rxring_cq_wake(ctx);
	}
	*taken += done;
	return ret;
}

static bool rxring_cq_ready(struct rxring_ctx *ctx, u32 min_complete)
{
	return rxring_cq_filled(ctx) >= min_complete;
}

/* Whether the barrier submission last stopped at is gone. */
static bool rxring_barrier_clear(struct rxring_ctx *ctx)
{
	switch (READ_ONCE(ctx->barrier)) {
	case RXRING_BAR_CHAIN:
		return !READ_ONCE(ctx->link_busy);
	case RXRING_BAR_DRAIN:
		return !READ_ONCE(ctx->cq_reserved);
	default:
		return true;
	}
}

/* Submission stopped for reason @stop (RXRING_STOP_*): may it go on? */
bool rxring_sq_go(struct rxring_ctx *ctx, u32 stop)
{
	if (stop == RXRING_STOP_FULL)
		return rxring_cq_has_room(ctx);
	return rxring_barrier_clear(ctx);
}

static bool rxring_cq_or_barrier(struct rxring_ctx *ctx, u32 min_complete)
{
	return rxring_cq_ready(ctx, min_complete) ||
	       rxring_barrier_clear(ctx);
}

/* A task in ENTER waiting on cq_wait for cond(ctx, arg). */
struct rxring_waiter {
	struct wait_queue_entry wq;
	struct rxring_ctx *ctx;
	bool (*cond)(struct rxring_ctx *ctx, u32 arg);
	u32 arg;
};

/*
 * Wake the waiter only once its condition holds, not on every completion:
 * a batch completed by interrupts one request at a time wakes it once.
 * The conditions read only single words, so they may run here, in any
 * context, under the wait queue's lock.
 */
static int rxring_wake(struct wait_queue_entry *wq, unsigned int mode,
		       int sync, void *key)
{
	struct rxring_waiter *w = container_of(wq, struct rxring_waiter, wq);

	if (!w->cond(w->ctx, w->arg))
		return 0;
	return autoremove_wake_function(wq, mode, sync, key);
}

/*
 * Sleep on cq_wait until cond() holds, a signal arrives (-EINTR) or the
 * absolute deadline passes (-ETIME).
 */
int rxring_wait(struct rxring_ctx *ctx,
		bool (*cond)(struct rxring_ctx *ctx, u32 arg), u32 arg,
		ktime_t *deadline)
{
	struct rxring_waiter w = { .ctx = ctx, .cond = cond, .arg = arg };
	int ret = 0;

	/* Often it holds already: no need to queue on cq_wait then. */
	if (cond(ctx, arg))
		return 0;
	init_wait(&w.wq);
	w.wq.func = rxring_wake;
	for (;;) {
		prepare_to_wait(&ctx->cq_wait, &w.wq, TASK_INTERRUPTIBLE);
		if (cond(ctx, arg))
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (!deadline) {
			schedule();
		} else if (!schedule_hrtimeout_range(deadline, 0,
						     HRTIMER_MODE_ABS)) {
			ret = cond(ctx, arg) ? 0 : -ETIME;
			break;
		}
	}
	finish_wait(&ctx->cq_wait, &w.wq);
	return ret;
}

/*
 * The submission half of ENTER. Stopped by a full CQ, it waits for room
 * only with WAKEUP_ON_SQ_AVAIL; stopped at a CHAIN or DRAIN barrier, it
 * waits for the barrier to clear with WAKEUP_ON_SQ_AVAIL, and also when
 * ENTER waits for completions anyway (min_complete), until whichever comes
 * first. Returns 0 or -errno; *taken counts what it took.
 */
static int rxring_enter_submit(struct rxring_ctx *ctx,
			       const struct rxring_enter *e, ktime_t *dl,
			       u32 *taken)
{
	int ret;

	for (;;) {
		if (mutex_lock_interruptible(&ctx->submit_lock))
			return -EINTR;
		ret = rxring_submit(ctx, e->to_submit - *taken, taken);
		mutex_unlock(&ctx->submit_lock);
		if (ret <= 0)
			return ret;
		if (e->flags & RXRING_ENTER_WAKEUP_ON_SQ_AVAIL) {
			ret = rxring_wait(ctx, rxring_sq_go, ret, dl);
		} else if (ret == RXRING_STOP_BARRIER && e->min_complete) {
			ret = rxring_wait(ctx, rxring_cq_or_barrier,
					  e->min_complete, dl);
			if (!ret && rxring_cq_ready(ctx, e->min_complete))
				return 0;
		} else {
			return 0;
		}
		if (ret)
			return ret;
	}
}

static int rxring_enter_check(struct rxring_ctx *ctx,
			      const struct rxring_enter *e)
{
	if (e->flags & ~RXRING_ENTER_SUPPORTED)
		return -EINVAL;
	if (e->__resv0 || e->submitted || e->__resv1 || e->__resv2[0] ||
	    e->__resv2[1])
		return -EINVAL;
	if (e->flags & RXRING_ENTER_TIMEOUT) {
		if (e->timeout_ns < 0)
			return -EINVAL;
	} else if (e->timeout_ns) {
		return -EINVAL;
	}
	if (e->min_complete > ctx->cq_entries)
		return -EINVAL;
	if ((e->flags & RXRING_ENTER_ONLY_NOTIFY) &&
	    (e->to_submit || e->min_complete ||
	     e->flags != RXRING_ENTER_ONLY_NOTIFY))
		return -EINVAL;
	return 0;
}

/*
 * Copy the ENTER argument in: six words, read in one user access section
 * (cheaper than copy_from_user() for 48 bytes, on every ENTER).
 */
static int rxring_enter_copy(struct rxring_enter *e,
			     const struct rxring_enter __user *uarg)
{
	const u64 __user *src = (const u64 __user *)uarg;
	u64 *dst = (u64 *)e;

	BUILD_BUG_ON(sizeof(*e) != 6 * sizeof(u64));
	if (!user_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_get_user(dst[0], &src[0], efault);
	unsafe_get_user(dst[1], &src[1], efault);
	unsafe_get_user(dst[2], &src[2], efault);
	unsafe_get_user(dst[3], &src[3], efault);
	unsafe_get_user(dst[4], &src[4], efault);
	unsafe_get_user(dst[5], &src[5], efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

long rxring_enter(struct rxring_ctx *ctx, struct rxring_enter __user *uarg)
{
	struct rxring_enter e;
	ktime_t deadline, *dl = NULL;
	u32 taken = 0;
	int ret;

	if (rxring_enter_copy(&e, uarg))
		return -EFAULT;
	ret = rxring_enter_check(ctx, &e);
	if (ret)
		return ret;
	/* Fail before taking anything if the count cannot be reported. */
	if (e.to_submit && put_user(0, &uarg->submitted))
		return -EFAULT;

	if (e.flags & RXRING_ENTER_ONLY_NOTIFY) {
		if (ctx->sqp)
			rxring_sqpoll_enter(ctx, &e, NULL);
		wake_up_all(&ctx->cq_wait);
		return rxring_cq_filled(ctx);
	}
	if (e.flags & RXRING_ENTER_TIMEOUT) {
		deadline = ktime_add_ns(ktime_get(), e.timeout_ns);
		dl = &deadline;
	}

	if (ctx->sqp) {
		/* SQPOLL: the thread takes the SQEs; wake it (sqpoll.c). */
		ret = rxring_sqpoll_enter(ctx, &e, dl);
		if (ret < 0)
			goto out;
	} else if (e.to_submit) {
		ret = rxring_enter_submit(ctx, &e, dl, &taken);
		if (ret < 0)
			goto out;
	}

	/* IOPOLL without SQPOLL: ENTER reaps polled I/O (iopoll.c). */
	if (unlikely(ctx->flags & RXRING_CREATE_IOPOLL) && !ctx->sqp)
		ret = rxring_iopoll_wait(ctx, e.min_complete, dl);
	else if (e.min_complete && !rxring_cq_ready(ctx, e.min_complete))
		ret = rxring_wait(ctx, rxring_cq_ready, e.min_complete, dl);
out:
	if (!taken && ret < 0)
		return ret;
	/*
	 * The record was writable before anything was taken; an SQE taken
	 * since (a MUNMAP of its page) may have made it not. What was taken
	 * is taken: success all the same, the SQ head says how many.
	 */
	if (taken)
		(void)put_user(taken, &uarg->submitted);
	return rxring_cq_filled(ctx);
}
