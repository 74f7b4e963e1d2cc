// SPDX-License-Identifier: GPL-2.0
/*
 * Reads and writes that wait for their file: a pipe with nothing to read, a
 * socket whose buffer is full.
 *
 * Such an operation keeps its record (state POLL) and hooks its slot's wait
 * entries (worker.c) onto the file's wait queues, the way poll() does: no
 * thread waits. The wakeup queues the record for one of the instance's
 * workers, which retries it without blocking (rw.c) and completes it or
 * hooks it up again.
 *
 * Ownership: the task that arms a record owns it (ARMING) until it is
 * hooked (POLL). Whoever moves a record out of POLL or WORK under
 * pend_lock owns it then (RUNNING): the worker, CANCEL or teardown. A
 * wakeup during ARMING only leaves a mark (RXRING_PF_WOKEN), and so does a
 * CANCEL (RXRING_PF_CANCEL), for the arming task to act on. Wait entries
 * are unhooked by the owner, under the wait queue's lock, before the
 * record is retried or completed; a queue that is freed (POLLFREE)
 * unhooks them itself.
 */
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>

#include "rxring.h"

struct rxring_poll_table {
	struct poll_table_struct pt;
	struct rxring_defer *d;
	int error;
};

/* A wait queue the file hooked us onto was woken: any context. */
static int rxring_poll_wake(struct wait_queue_entry *wait, unsigned int mode,
			    int sync, void *key)
{
	struct rxring_ctx *ctx = wait->private;
	struct rxring_poll_entry *pe =
		container_of(wait, struct rxring_poll_entry, wait);
	/* The slot holding this entry: ctx->defer is one array of slots. */
	u32 idx = ((char *)pe - (char *)ctx->defer) / sizeof(*ctx->defer);
	struct rxring_pending *p = &ctx->pend[idx];
	__poll_t mask = key_to_poll(key);
	unsigned long flags;

	if (mask && !(mask & ctx->defer[idx].events))
		return 0;
	if (unlikely(mask & POLLFREE)) {
		/* The queue is going away (RCU-delayed): leave it now. */
		list_del_init(&wait->entry);
		/* Pairs with rxring_poll_unhook(): NULL, hands off. */
		smp_store_release(&pe->head, NULL);
	}
	spin_lock_irqsave(&ctx->pend_lock, flags);
	if (p->state == RXRING_PEND_POLL)
		rxring_defer_ready(ctx, idx);
	else if (p->state == RXRING_PEND_ARMING)
		p->flags |= RXRING_PF_WOKEN;
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	return 1;
}

/* vfs_poll()'s callback: hook the slot's next entry onto @head. */
static void rxring_poll_queue(struct file *file, struct wait_queue_head *head,
			      struct poll_table_struct *pt)
{
	struct rxring_poll_table *rpt =
		container_of(pt, struct rxring_poll_table, pt);
	struct rxring_defer *d = rpt->d;
	struct rxring_poll_entry *pe;

	if (!d->pe[0].head) {
		pe = &d->pe[0];
	} else if (!d->pe[1].head) {
		pe = &d->pe[1];
	} else {
		rpt->error = -EOPNOTSUPP;
		return;
	}
	pe->head = head;
	add_wait_queue(head, &pe->wait);
}

/* Unhook the slot's entries; the caller owns the record. */
void rxring_poll_unhook(struct rxring_defer *d)
{
	unsigned int i;

	/* A queue that sent POLLFREE is freed only after a grace period. */
	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(d->pe); i++) {
		/* Pairs with the release in rxring_poll_wake(). */
		struct wait_queue_head *head = smp_load_acquire(&d->pe[i].head);

		if (!head)
			continue;
		spin_lock_irq(&head->lock);
		list_del_init(&d->pe[i].wait.entry);
		d->pe[i].head = NULL;
		spin_unlock_irq(&head->lock);
	}
	rcu_read_unlock();
}

/*
 * Hook record @idx, which the caller owns, onto its file's wait queues. If
 * the file is ready already (or became ready meanwhile), the record goes
 * to a worker; if it cannot be hooked, or was cancelled meanwhile (or the
 * instance is going away), it completes.
 */
void rxring_poll_arm(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];
	struct rxring_defer *d = &ctx->defer[idx];
	struct rxring_poll_table rpt = { .d = d };
	__poll_t mask;
	int err = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->pe); i++) {
		init_waitqueue_func_entry(&d->pe[i].wait, rxring_poll_wake);
		d->pe[i].wait.private = ctx;
		d->pe[i].head = NULL;
	}
	spin_lock_irq(&ctx->pend_lock);
	p->state = RXRING_PEND_ARMING;
	p->flags &= ~(RXRING_PF_WOKEN | RXRING_PF_CANCEL);
	spin_unlock_irq(&ctx->pend_lock);

	init_poll_funcptr(&rpt.pt, rxring_poll_queue);
	rpt.pt._key = d->events;
	mask = vfs_poll(p->io.file, &rpt.pt);
	if (rpt.error)
		err = rpt.error;
	else if (!d->pe[0].head && !(mask & d->events))
		err = -EOPNOTSUPP;	/* nothing would ever wake it */

	spin_lock_irq(&ctx->pend_lock);
	if ((p->flags & RXRING_PF_CANCEL) || ctx->defer_dead) {
		err = -ECANCELED;
	} else if (!err) {
		if ((mask & d->events) || (p->flags & RXRING_PF_WOKEN))
			rxring_defer_ready(ctx, idx);
		else
			p->state = RXRING_PEND_POLL;
	}
	if (err)
		p->state = RXRING_PEND_RUNNING;
	spin_unlock_irq(&ctx->pend_lock);
	if (err)
		rxring_defer_finish(ctx, idx, err);
}

