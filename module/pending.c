// SPDX-License-Identifier: GPL-2.0
/*
 * The run queue: pending-operation records, their chains, the instance's
 * deadline timer, cancellation and teardown.
 *
 * A record is taken when an operation parks and given back when it
 * completes; the pool holds as many records as operations can be in flight,
 * so taking one cannot fail. Whoever unlinks a record from its chain, under
 * pend_lock, completes it: that is what makes every operation complete
 * exactly once however its wake, timeout and cancel race.
 */
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "rxring.h"

static_assert(sizeof(struct rxring_pending) <= 32);

static enum hrtimer_restart rxring_pend_timer_fn(struct hrtimer *timer);

static void rxring_chain_init(struct rxring_chain *c)
{
	c->head = RXRING_PEND_NONE;
	c->tail = RXRING_PEND_NONE;
}

int rxring_pend_init(struct rxring_ctx *ctx)
{
	u32 i, n = ctx->cq_entries / 2;

	ctx->pend = kvcalloc(n, sizeof(*ctx->pend), RXRING_GFP);
	if (!ctx->pend)
		return -ENOMEM;
	ctx->nr_pend = n;
	for (i = 0; i < n; i++)
		ctx->pend[i].next = i + 1 < n ? i + 1 : RXRING_PEND_NONE;
	ctx->pend_free = 0;
	ctx->stash_free = RXRING_PEND_NONE;
	ctx->io_free = RXRING_PEND_NONE;
	for (i = 0; i < RXRING_FUTEX_BUCKETS; i++)
		rxring_chain_init(&ctx->futex_chain[i]);
	rxring_chain_init(&ctx->waitpid_chain);
	rxring_chain_init(&ctx->timeout_chain);
	rxring_defer_init(ctx);
	rxring_hrtimer_setup(&ctx->timer, rxring_pend_timer_fn, CLOCK_MONOTONIC,
			     HRTIMER_MODE_ABS_SOFT);
	return 0;
}

/*
 * Take a record for @sqe; pend_lock held. Called by issue functions, so
 * by the task in rxring_submit(): when the pool is empty, the records its
 * own ENTER freed (ctx->stash_free) and those of block requests completed
 * elsewhere (ctx->io_free) are there.
 */
u32 rxring_pend_get(struct rxring_ctx *ctx, const struct rxring_sqe *sqe)
{
	u32 idx = ctx->pend_free;

	lockdep_assert_held(&ctx->pend_lock);
	lockdep_assert_held(&ctx->submit_lock);
	if (idx == RXRING_PEND_NONE) {
		if (ctx->stash_free == RXRING_PEND_NONE)
			ctx->stash_free = xchg(&ctx->io_free,
					       RXRING_PEND_NONE);
		idx = ctx->stash_free;
		/* Cannot happen: every operation in flight holds 2 slots. */
		if (WARN_ON_ONCE(idx == RXRING_PEND_NONE))
			return idx;
		ctx->stash_free = ctx->pend[idx].next;
	} else {
		ctx->pend_free = ctx->pend[idx].next;
	}
	rxring_pend_set(&ctx->pend[idx], sqe, RXRING_PEND_PARKED);
	return idx;
}

/* rxring_pend_get_io() when the submitter's own list is empty. */
u32 rxring_pend_get_io_pool(struct rxring_ctx *ctx,
			    const struct rxring_sqe *sqe)
{
	u32 idx;

	spin_lock_irq(&ctx->pend_lock);
	idx = rxring_pend_get(ctx, sqe);
	if (idx != RXRING_PEND_NONE)
		WRITE_ONCE(ctx->pend[idx].state, RXRING_PEND_IO);
	spin_unlock_irq(&ctx->pend_lock);
	return idx;
}

static void rxring_pend_put(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];

	p->state = RXRING_PEND_FREE;
	p->next = ctx->pend_free;
	ctx->pend_free = idx;
}

void rxring_chain_push(struct rxring_ctx *ctx, struct rxring_chain *c,
		       u32 idx)
{
	ctx->pend[idx].next = RXRING_PEND_NONE;
	if (c->tail == RXRING_PEND_NONE)
		c->head = idx;
	else
		ctx->pend[c->tail].next = idx;
	c->tail = idx;
}

/* Unlink @idx, whose predecessor on @c is @prev (or NONE). */
static void rxring_chain_unlink(struct rxring_ctx *ctx, struct rxring_chain *c,
				u32 prev, u32 idx)
{
	u32 next = ctx->pend[idx].next;

	if (prev == RXRING_PEND_NONE)
		c->head = next;
	else
		ctx->pend[prev].next = next;
	if (c->tail == idx)
		c->tail = prev;
}

/* Unlink @idx from @c if it is there; pend_lock held. */
bool rxring_chain_take(struct rxring_ctx *ctx, struct rxring_chain *c,
		       u32 idx)
{
	u32 prev = RXRING_PEND_NONE, i;

	lockdep_assert_held(&ctx->pend_lock);
	for (i = c->head; i != RXRING_PEND_NONE; prev = i, i = ctx->pend[i].next) {
		if (i == idx) {
			rxring_chain_unlink(ctx, c, prev, idx);
			return true;
		}
	}
	return false;
}

/*
 * Complete up to @max records of @c that @pick chooses, oldest first.
 * pend_lock held; the caller wakes the CQ after dropping it.
 */
u32 rxring_chain_reap(struct rxring_ctx *ctx, struct rxring_chain *c,
		      rxring_pick_t pick, void *arg, u32 max)
{
	u32 prev = RXRING_PEND_NONE, idx = c->head, done = 0;

	lockdep_assert_held(&ctx->pend_lock);
	while (idx != RXRING_PEND_NONE && done < max) {
		u32 next = ctx->pend[idx].next;
		struct rxring_result res = {};

		if (pick(ctx, &ctx->pend[idx], arg, &res)) {
			rxring_chain_unlink(ctx, c, prev, idx);
			rxring_pend_finish(ctx, idx, &res);
			done++;
		} else {
			prev = idx;
		}
		idx = next;
	}
	return done;
}

/* Post the completion of an unlinked record and free it. */
void rxring_pend_finish(struct rxring_ctx *ctx, u32 idx,
			const struct rxring_result *res)
{
	struct rxring_pending *p = &ctx->pend[idx];

	if (p->op == RXRING_OP_FUTEX)
		put_page(pfn_to_page(PHYS_PFN(p->key)));
	else if (p->op == RXRING_OP_TIMEOUT && p->key)
		ctx->nr_count_timeouts--;
	rxring_complete(ctx, p->user_data, res, p->flags);
	rxring_pend_put(ctx, idx);
}

u64 rxring_deadline(u64 ns, bool abs)
{
	u64 now;

	if (!ns || abs)
		return ns;
	now = ktime_get_ns();
	return ns > U64_MAX - now ? U64_MAX : now + ns;
}

/* Make sure the timer fires no later than @deadline; pend_lock held. */
void rxring_pend_arm_timer(struct rxring_ctx *ctx, u64 deadline)
{
	ktime_t when = ns_to_ktime(min_t(u64, deadline, KTIME_MAX));

	lockdep_assert_held(&ctx->pend_lock);
	if (hrtimer_is_queued(&ctx->timer) &&
	    !ktime_before(when, hrtimer_get_expires(&ctx->timer)))
		return;
	hrtimer_start(&ctx->timer, when, HRTIMER_MODE_ABS_SOFT);
}

struct rxring_expiry {
	u64 now;
	u64 next;
};

static bool rxring_pick_expired(struct rxring_ctx *ctx,
				const struct rxring_pending *p, void *arg,
				struct rxring_result *res)
{
	struct rxring_expiry *e = arg;

	if (!p->deadline)
		return false;
	if (p->deadline > e->now) {
		e->next = min(e->next, p->deadline);
		return false;
	}
	res->status = p->op == RXRING_OP_FUTEX ? -ETIMEDOUT : -ETIME;
	return true;
}

static enum hrtimer_restart rxring_pend_timer_fn(struct hrtimer *timer)
{
	struct rxring_ctx *ctx = container_of(timer, struct rxring_ctx, timer);
	struct rxring_expiry e = { .now = ktime_get_ns(), .next = U64_MAX };
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&ctx->pend_lock, flags);
	for (i = 0; i < RXRING_FUTEX_BUCKETS; i++)
		rxring_chain_reap(ctx, &ctx->futex_chain[i],
				  rxring_pick_expired, &e, U32_MAX);
	rxring_chain_reap(ctx, &ctx->timeout_chain, rxring_pick_expired, &e,
			  U32_MAX);
	if (e.next != U64_MAX)
		rxring_pend_arm_timer(ctx, e.next);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	rxring_cq_wake(ctx);
	return HRTIMER_NORESTART;
}

static bool rxring_pick_user_data(struct rxring_ctx *ctx,
				  const struct rxring_pending *p, void *arg,
				  struct rxring_result *res)
{
	if (p->user_data != *(u64 *)arg)
		return false;
	res->status = -ECANCELED;
	return true;
}

static bool rxring_pick_all(struct rxring_ctx *ctx,
			    const struct rxring_pending *p, void *arg,
			    struct rxring_result *res)
{
	res->status = -ECANCELED;
	return true;
}

/* Run @pick over every chain; pend_lock held. */
static u32 rxring_reap_all(struct rxring_ctx *ctx, rxring_pick_t pick,
			   void *arg, u32 max)
{
	u32 done = 0;
	unsigned int i;

	for (i = 0; i < RXRING_FUTEX_BUCKETS && done < max; i++)
		done += rxring_chain_reap(ctx, &ctx->futex_chain[i], pick, arg,
					  max - done);
	if (done < max)
		done += rxring_chain_reap(ctx, &ctx->waitpid_chain, pick, arg,
					  max - done);
	if (done < max)
		done += rxring_chain_reap(ctx, &ctx->timeout_chain, pick, arg,
					  max - done);
	return done;
}

/*
 * CANCEL: complete the parked operation with @user_data with -ECANCELED.
 * -EALREADY if it is in flight but not parked (it will complete by itself),
 * -ENOENT if nothing pending has that user_data.
 */
int rxring_pend_cancel(struct rxring_ctx *ctx, u64 user_data)
{
	u32 i, claimed = RXRING_PEND_NONE;
	unsigned long flags;
	int ret = -ENOENT;

	spin_lock_irqsave(&ctx->pend_lock, flags);
	if (rxring_reap_all(ctx, rxring_pick_user_data, &user_data, 1)) {
		ret = 0;
	} else {
		for (i = 0; i < ctx->nr_pend; i++) {
			if (ctx->pend[i].state != RXRING_PEND_FREE &&
			    ctx->pend[i].user_data == user_data) {
				ret = rxring_defer_cancel(ctx, i);
				if (ret > 0) {
					claimed = i;
					ret = 0;
				}
				break;
			}
		}
	}
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	if (claimed != RXRING_PEND_NONE)
		rxring_defer_finish(ctx, claimed, -ECANCELED);
	rxring_cq_wake(ctx);
	return ret;
}

/*
 * A file descriptor of the instance is being closed. When the process whose
 * children the WAITPIDs watch is exiting, they can never complete: cancel
 * them. So are reads and writes waiting for a file whose submitter is gone.
 */
void rxring_pend_flush(struct rxring_ctx *ctx)
{
	unsigned long flags;

	if (!ctx->pend)
		return;
	rxring_defer_flush(ctx);
	if (!rxring_waitpid_owner_exiting(ctx))
		return;
	spin_lock_irqsave(&ctx->pend_lock, flags);
	rxring_chain_reap(ctx, &ctx->waitpid_chain, rxring_pick_all, NULL,
			  U32_MAX);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	rxring_cq_wake(ctx);
}

/*
 * The instance is going away: detach from everything that could still
 * reach it, then cancel what is parked.
 */
void rxring_pend_teardown(struct rxring_ctx *ctx)
{
	unsigned long flags;

	if (!ctx->pend)
		return;
	rxring_waitpid_unhook(ctx);
	rxring_futex_unregister(ctx);
	/* Cancels what waits for a file, waits for the bios in flight. */
	rxring_defer_teardown(ctx);
	spin_lock_irqsave(&ctx->pend_lock, flags);
	rxring_reap_all(ctx, rxring_pick_all, NULL, U32_MAX);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	hrtimer_cancel(&ctx->timer);
	kvfree(ctx->pend);
	ctx->pend = NULL;
}
