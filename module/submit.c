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

/* Promise an operation its CQ slots, or say there is no room. */
static bool rxring_cq_reserve(struct rxring_ctx *ctx)
{
	bool ok;

	spin_lock_irq(&ctx->cq_lock);
	ok = rxring_cq_has_room(ctx);
	if (ok)
		ctx->cq_reserved += RXRING_CQ_SLOTS_PER_OP;
	spin_unlock_irq(&ctx->cq_lock);
	return ok;
}

static void rxring_cq_unreserve(struct rxring_ctx *ctx)
{
	spin_lock_irq(&ctx->cq_lock);
	ctx->cq_reserved -= RXRING_CQ_SLOTS_PER_OP;
	spin_unlock_irq(&ctx->cq_lock);
}

/*
 * Post one completion into slots the operation reserved and publish it.
 * Writes only module-owned memory, so it may run in any context. @pflags
 * are the operation's RXRING_PF_* flags: the completion of a CHAIN
 * operation lets the next SQE start, or cancels it when it failed.
 */
void rxring_complete(struct rxring_ctx *ctx, u64 user_data,
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

/*
 * After posting completions, with no lock held: fire TIMEOUTs whose count
 * is reached and wake whoever waits on the CQ.
 */
void rxring_cq_wake(struct rxring_ctx *ctx)
{
	rxring_timeout_counts(ctx);
	if (wq_has_sleeper(&ctx->cq_wait))
		wake_up_all(&ctx->cq_wait);
}

/*
 * Copy the SQE at SQ position @head into *sqe, word by word with single
 * reads, so nothing the user changes afterwards is seen. Returns false for
 * an out-of-range slot in the index array, which is counted and skipped.
 */
static bool rxring_fetch_sqe(struct rxring_ctx *ctx, u64 head,
			     struct rxring_sqe *sqe)
{
	u32 idx = head & (ctx->sq_entries - 1);
	const u64 *src;
	u64 *dst = (u64 *)sqe;
	unsigned int i;

	if (ctx->sq_array) {
		idx = READ_ONCE(ctx->sq_array[idx]);
		if (idx >= ctx->sq_entries) {
			WRITE_ONCE(ctx->sq_hdr->dropped, ++ctx->sq_dropped);
			return false;
		}
		idx = array_index_nospec(idx, ctx->sq_entries);
	}
	src = (const u64 *)&ctx->sqes[idx];
	for (i = 0; i < sizeof(*sqe) / sizeof(u64); i++)
		dst[i] = READ_ONCE(src[i]);
	return true;
}

static int rxring_check_sqe(const struct rxring_sqe *sqe,
			    const struct rxring_op_def **defp)
{
	const struct rxring_op_def *def;

	if (sqe->opcode >= RXRING_OP_LAST)
		return -EINVAL;
	if (sqe->flags & ~RXRING_SQE_SUPPORTED)
		return -EINVAL;
	def = &rxring_ops[array_index_nospec(sqe->opcode, RXRING_OP_LAST)];
	if (!def->issue)
		return -EOPNOTSUPP;
	if (sqe->syscall_flags & ~def->syscall_flags)
		return -EINVAL;
	*defp = def;
	return def->prep(sqe);
}

/* Validate and start one SQE; its CQ slots are already reserved. */
static void rxring_issue_sqe(struct rxring_ctx *ctx,
			     const struct rxring_sqe *sqe)
{
	const struct rxring_op_def *def;
	struct rxring_result res = {};
	int ret;

	ret = rxring_check_sqe(sqe, &def);
	if (!ret)
		ret = def->issue(ctx, sqe, &res);
	if (ret == RXRING_QUEUED)
		return;
	if (ret < 0)
		res = (struct rxring_result){ .status = ret };
	rxring_complete(ctx, sqe->user_data, &res, rxring_sqe_pflags(sqe));
}

/*
 * CHAIN and DRAIN: may @sqe start now? Returns the barrier that holds it
 * back, or RXRING_BAR_NONE with *cancel set when an earlier link of its
 * chain failed. Its own CQ slots are already reserved, so a DRAIN may
 * start when they are all that is reserved. The known flag bits count
 * even when the SQE is otherwise invalid: a bad link breaks its chain.
 */
static enum rxring_barrier rxring_order(struct rxring_ctx *ctx,
					const struct rxring_sqe *sqe,
					bool *cancel)
{
	enum rxring_barrier bar = RXRING_BAR_NONE;

	spin_lock_irq(&ctx->cq_lock);
	if (ctx->link_busy) {
		bar = RXRING_BAR_CHAIN;
	} else if (ctx->link_failed) {
		ctx->link_failed = sqe->flags & RXRING_SQE_CHAIN;
		*cancel = true;
	} else if ((sqe->flags & RXRING_SQE_DRAIN) &&
		   ctx->cq_reserved > RXRING_CQ_SLOTS_PER_OP) {
		bar = RXRING_BAR_DRAIN;
	} else if (sqe->flags & RXRING_SQE_CHAIN) {
		WRITE_ONCE(ctx->link_busy, true);
	}
	spin_unlock_irq(&ctx->cq_lock);
	return bar;
}

/* Why rxring_submit() stopped early. */
#define RXRING_STOP_FULL	1	/* the CQ has no room */
#define RXRING_STOP_BARRIER	2	/* CHAIN or DRAIN: see ctx->barrier */

/*
 * Take up to @to_submit SQEs. Returns 0 when it took all it was asked for
 * (or all there were), RXRING_STOP_* when it stopped early, and -EINVAL,
 * taking nothing, when the SQ tail is out of range. An SQE held back by a
 * barrier stays in the SQ, unconsumed. Bios of the whole batch are
 * plugged.
 */
static int rxring_submit(struct rxring_ctx *ctx, u32 to_submit, u32 *taken)
{
	u64 head = ctx->sq_head;
	struct blk_plug plug;
	u32 done = 0;
	int ret = 0;
	u64 avail;

	lockdep_assert_held(&ctx->submit_lock);
	/* Pairs with the user's release of the tail: its SQEs are visible. */
	avail = smp_load_acquire(&ctx->sq_hdr->tail) - head;
	if (avail > ctx->sq_entries)
		return -EINVAL;
	if (to_submit > avail)
		to_submit = avail;

	blk_start_plug(&plug);
	while (done < to_submit) {
		struct rxring_sqe sqe;
		enum rxring_barrier bar;
		bool cancel = false;

		if (!rxring_cq_reserve(ctx)) {
			ret = RXRING_STOP_FULL;
			break;
		}
		if (!rxring_fetch_sqe(ctx, head, &sqe)) {
			rxring_cq_unreserve(ctx);
		} else {
			bar = rxring_order(ctx, &sqe, &cancel);
			if (bar != RXRING_BAR_NONE) {
				rxring_cq_unreserve(ctx);
				WRITE_ONCE(ctx->barrier, bar);
				ret = RXRING_STOP_BARRIER;
				break;
			}
			if (cancel) {
				struct rxring_result res = {
					.status = -ECANCELED,
				};

				rxring_complete(ctx, sqe.user_data, &res, 0);
			} else {
				rxring_issue_sqe(ctx, &sqe);
			}
		}
		head++;
		done++;
	}
	blk_finish_plug(&plug);
	if (done) {
		ctx->sq_head = head;
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
static bool rxring_sq_go(struct rxring_ctx *ctx, u32 stop)
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

/*
 * Sleep on cq_wait until cond() holds, a signal arrives (-EINTR) or the
 * absolute deadline passes (-ETIME).
 */
static int rxring_wait(struct rxring_ctx *ctx,
		       bool (*cond)(struct rxring_ctx *ctx, u32 arg), u32 arg,
		       ktime_t *deadline)
{
	DEFINE_WAIT(wait);
	int ret = 0;

	for (;;) {
		prepare_to_wait(&ctx->cq_wait, &wait, TASK_INTERRUPTIBLE);
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
	finish_wait(&ctx->cq_wait, &wait);
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

long rxring_enter(struct rxring_ctx *ctx, struct rxring_enter __user *uarg)
{
	struct rxring_enter e;
	ktime_t deadline, *dl = NULL;
	u32 taken = 0;
	int ret;

	if (copy_from_user(&e, uarg, sizeof(e)))
		return -EFAULT;
	ret = rxring_enter_check(ctx, &e);
	if (ret)
		return ret;
	/* Fail before taking anything if the count cannot be reported. */
	if (e.to_submit && put_user(0, &uarg->submitted))
		return -EFAULT;

	if (e.flags & RXRING_ENTER_ONLY_NOTIFY) {
		wake_up_all(&ctx->cq_wait);
		return rxring_cq_filled(ctx);
	}
	if (e.flags & RXRING_ENTER_TIMEOUT) {
		deadline = ktime_add_ns(ktime_get(), e.timeout_ns);
		dl = &deadline;
	}

	if (e.to_submit) {
		ret = rxring_enter_submit(ctx, &e, dl, &taken);
		if (ret < 0)
			goto out;
	}

	if (e.min_complete)
		ret = rxring_wait(ctx, rxring_cq_ready, e.min_complete, dl);
out:
	if (!taken && ret < 0)
		return ret;
	if (taken && put_user(taken, &uarg->submitted))
		return -EFAULT;
	return rxring_cq_filled(ctx);
}
