// SPDX-License-Identifier: GPL-2.0
/*
 * TIMEOUT and CANCEL.
 */
#include <linux/ktime.h>

#include "rxring.h"

int rxring_timeout_prep(const struct rxring_sqe *sqe)
{
	if (sqe->fd || sqe->addr || sqe->additional1 || sqe->additional2)
		return -EINVAL;
	if (sqe->len > U32_MAX)
		return -EINVAL;
	return 0;
}

int rxring_timeout_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			 struct rxring_result *res)
{
	bool abs = sqe->syscall_flags & RXRING_TIMEOUT_ABS;
	/* A deadline of 0 means none; a zero timeout is due at once. */
	u64 deadline = max_t(u64, rxring_deadline(sqe->offset, abs), 1);
	struct rxring_pending *p;
	unsigned long flags;
	u32 idx;

	spin_lock_irqsave(&ctx->pend_lock, flags);
	idx = rxring_pend_get(ctx, sqe);
	if (idx == RXRING_PEND_NONE) {
		spin_unlock_irqrestore(&ctx->pend_lock, flags);
		return -EBUSY;
	}
	p = &ctx->pend[idx];
	p->deadline = deadline;
	if (sqe->len) {
		p->key = READ_ONCE(ctx->nr_completions) + sqe->len;
		ctx->nr_count_timeouts++;
	}
	rxring_chain_push(ctx, &ctx->timeout_chain, idx);
	rxring_pend_arm_timer(ctx, deadline);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	return RXRING_QUEUED;
}

static bool rxring_pick_counted(struct rxring_ctx *ctx,
				const struct rxring_pending *p, void *arg,
				struct rxring_result *res)
{
	return p->key && p->key <= *(u64 *)arg;
}

/*
 * Complete the TIMEOUTs whose completion count has been reached. Their own
 * completions count for the others: go round until none is due.
 */
void rxring_timeout_counts(struct rxring_ctx *ctx)
{
	unsigned long flags;
	u64 seen;
	u32 n;

	if (!READ_ONCE(ctx->nr_count_timeouts))
		return;
	spin_lock_irqsave(&ctx->pend_lock, flags);
	do {
		seen = READ_ONCE(ctx->nr_completions);
		n = rxring_chain_reap(ctx, &ctx->timeout_chain,
				      rxring_pick_counted, &seen, U32_MAX);
	} while (n && ctx->nr_count_timeouts);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
}

int rxring_cancel_prep(const struct rxring_sqe *sqe)
{
	if (sqe->fd || sqe->len || sqe->offset || sqe->additional1 ||
	    sqe->additional2)
		return -EINVAL;
	return 0;
}

int rxring_cancel_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			struct rxring_result *res)
{
	return rxring_pend_cancel(ctx, sqe->addr);
}
