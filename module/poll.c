// SPDX-License-Identifier: GPL-2.0
/*
 * Reads and writes that wait for their file: a pipe with nothing to read, a
 * socket whose buffer is full.
 *
 * Such an operation keeps its record (state POLL) and hooks its slot of
 * ctx->defer onto the file's wait queues, the way poll() does: no thread
 * and no work item of its own. The wakeup moves the record onto the
 * instance's ready_chain and queues the instance's one work item on
 * rxring_wq, a workqueue of at most RXRING_WORKERS workers for the whole
 * module. The work item retries each ready operation without blocking, in
 * the submitter's address space (kthread_use_mm) and with its credentials,
 * and completes it, or hooks it up again. The slots are allocated once per
 * instance, the first time one is needed, one per record; a slot holds
 * what a retry needs: the iovec array as copied at submission (8 iovecs in
 * the slot, more in import_iovec()'s allocation), the offset, mm and cred.
 *
 * Ownership: the task that arms a record owns it (ARMING) until it is
 * hooked (POLL). Whoever moves a record out of POLL or READY under
 * pend_lock owns it then (RUNNING): the work item, CANCEL or teardown. A
 * wakeup during ARMING only leaves a mark (RXRING_PF_WOKEN), and so does a
 * CANCEL (RXRING_PF_CANCEL), for the arming task to act on. Wait entries
 * are unhooked by the owner, under the wait queue's lock, before the
 * record is retried or completed; a queue that is freed (POLLFREE)
 * unhooks them itself.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "rxring.h"

/* The module's workers; each instance has one work item. */
#define RXRING_WORKERS		4
/* Operations one run of a work item retries before it yields. */
#define RXRING_WORK_BUDGET	64

struct rxring_poll_entry {
	struct wait_queue_entry wait;
	struct wait_queue_head *head;	/* NULL: not hooked */
};

/* What a waiting read or write needs for its retry; one per record. */
struct rxring_defer {
	struct rxring_poll_entry pe[2];	/* a file may use two queues */
	struct iovec *iov;		/* fast_iov or a heap array */
	struct mm_struct *mm;		/* mmgrab()bed */
	const struct cred *cred;
	u64 offset;			/* or RXRING_POS_CURRENT */
	u32 count;			/* bytes */
	u32 nr_segs;
	__poll_t events;
	struct iovec fast_iov[UIO_FASTIOV];
};

struct rxring_poll_table {
	struct poll_table_struct pt;
	struct rxring_defer *d;
	int error;
};

static struct workqueue_struct *rxring_wq;

/* Move a POLL record to the ready chain; pend_lock held. */
static void rxring_defer_ready(struct rxring_ctx *ctx, u32 idx)
{
	ctx->pend[idx].state = RXRING_PEND_READY;
	rxring_chain_push(ctx, &ctx->ready_chain, idx);
	if (!ctx->defer_dead)
		queue_work(rxring_wq, &ctx->defer_work);
}

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
static void rxring_poll_unhook(struct rxring_defer *d)
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
 * to the work item; if it cannot be hooked, or was cancelled meanwhile, it
 * completes.
 */
static void rxring_poll_arm(struct rxring_ctx *ctx, u32 idx)
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
	if (p->flags & RXRING_PF_CANCEL) {
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

/* The slots, allocated the first time an operation of @ctx waits. */
static int rxring_defer_alloc(struct rxring_ctx *ctx)
{
	struct rxring_defer *defer;

	lockdep_assert_held(&ctx->submit_lock);
	if (ctx->defer)
		return 0;
	defer = kvcalloc(ctx->nr_pend, sizeof(*defer), RXRING_GFP);
	if (!defer)
		return -ENOMEM;
	spin_lock_irq(&ctx->pend_lock);
	ctx->defer = defer;
	spin_unlock_irq(&ctx->pend_lock);
	return 0;
}

/*
 * Park a read or write of @file that found nothing to do, in the task that
 * submitted it. @iov is its iovec array (@nr_segs entries, @count bytes);
 * @heap_iov, when not NULL, is @iov as import_iovec() allocated it, which
 * the operation takes over. -EIOCBQUEUED (the operation owns @file and
 * @heap_iov), or -errno.
 */
int rxring_defer_rw(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		    struct file *file, const struct iovec *iov,
		    struct iovec *heap_iov, u32 nr_segs, size_t count,
		    bool pollgate)
{
	bool write = sqe->opcode == RXRING_OP_WRITE ||
		     sqe->opcode == RXRING_OP_WRITEV;
	struct rxring_defer *d;
	struct rxring_pending *p;
	u32 idx;
	int ret;

	ret = rxring_defer_alloc(ctx);
	if (ret)
		return ret;
	spin_lock_irq(&ctx->pend_lock);
	idx = rxring_pend_get(ctx, sqe);
	if (idx == RXRING_PEND_NONE) {
		spin_unlock_irq(&ctx->pend_lock);
		return -EBUSY;
	}
	p = &ctx->pend[idx];
	p->state = RXRING_PEND_RUNNING;
	p->io.file = file;
	if (write)
		p->flags |= RXRING_PF_WRITE;
	if (pollgate)
		p->flags |= RXRING_PF_POLLGATE;
	spin_unlock_irq(&ctx->pend_lock);

	d = &ctx->defer[idx];
	if (heap_iov) {
		d->iov = heap_iov;
	} else {
		memcpy(d->fast_iov, iov, nr_segs * sizeof(*iov));
		d->iov = d->fast_iov;
	}
	d->nr_segs = nr_segs;
	d->count = count;
	d->offset = sqe->offset;
	d->events = rxring_rw_events(write);
	d->mm = current->mm;
	mmgrab(d->mm);
	d->cred = get_current_cred();
	rxring_poll_arm(ctx, idx);
	return -EIOCBQUEUED;
}

/*
 * Retry record @idx (owned, unhooked) in the submitter's address space and
 * with its credentials, without blocking (POLLGATE files: only when poll()
 * says the file is ready). -EAGAIN when it still has to wait.
 */
static ssize_t rxring_defer_try(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];
	struct rxring_defer *d = &ctx->defer[idx];
	bool write = p->flags & RXRING_PF_WRITE;
	const struct cred *old;
	struct iov_iter iter;
	rwf_t flags = RWF_NOWAIT;
	ssize_t ret;

	if (p->flags & RXRING_PF_POLLGATE) {
		if (!(vfs_poll(p->io.file, NULL) & d->events))
			return -EAGAIN;
		flags = 0;
	}
	/* The submitter's address space is gone: nobody to read for. */
	if (!mmget_not_zero(d->mm))
		return -ECANCELED;
	kthread_use_mm(d->mm);
	old = override_creds(d->cred);
	iov_iter_init(&iter, write ? ITER_SOURCE : ITER_DEST, d->iov,
		      d->nr_segs, d->count);
	ret = rxring_file_rw(p->io.file, &iter, d->offset, write, flags);
	revert_creds(old);
	kthread_unuse_mm(d->mm);
	mmput(d->mm);
	return ret;
}

/*
 * Complete waiting record @idx, which the caller owns, with @status, and
 * release what it holds. Task context.
 */
void rxring_defer_finish(struct rxring_ctx *ctx, u32 idx, s64 status)
{
	struct rxring_result res = { .status = status };
	struct rxring_defer *d = &ctx->defer[idx];
	struct file *file = ctx->pend[idx].io.file;

	rxring_poll_unhook(d);
	if (d->iov != d->fast_iov)
		kfree(d->iov);
	d->iov = NULL;
	put_cred(d->cred);
	mmdrop(d->mm);
	spin_lock_irq(&ctx->pend_lock);
	rxring_pend_finish(ctx, idx, &res);
	spin_unlock_irq(&ctx->pend_lock);
	fput(file);
	rxring_cq_wake(ctx);
}

/* The instance's work item: retry what is ready. */
static void rxring_defer_work(struct work_struct *work)
{
	struct rxring_ctx *ctx = container_of(work, struct rxring_ctx,
					      defer_work);
	unsigned int n;

	for (n = 0; n < RXRING_WORK_BUDGET; n++) {
		ssize_t ret;
		u32 idx;

		spin_lock_irq(&ctx->pend_lock);
		idx = ctx->ready_chain.head;
		if (idx != RXRING_PEND_NONE) {
			rxring_chain_take(ctx, &ctx->ready_chain, idx);
			ctx->pend[idx].state = RXRING_PEND_RUNNING;
		}
		spin_unlock_irq(&ctx->pend_lock);
		if (idx == RXRING_PEND_NONE)
			return;
		rxring_poll_unhook(&ctx->defer[idx]);
		ret = rxring_defer_try(ctx, idx);
		if (ret == -EAGAIN)
			rxring_poll_arm(ctx, idx);
		else
			rxring_defer_finish(ctx, idx, ret);
		cond_resched();
	}
	/* More to do: let other instances' work run first. */
	queue_work(rxring_wq, work);
}

/*
 * CANCEL found record @idx, not free, with its user_data; pend_lock held.
 * Returns 1 when the caller now owns it and must rxring_defer_finish() it
 * after dropping pend_lock, 0 when it will complete with -ECANCELED by
 * itself, -EALREADY when it is running and cannot be stopped.
 */
int rxring_defer_cancel(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];

	lockdep_assert_held(&ctx->pend_lock);
	switch (p->state) {
	case RXRING_PEND_READY:
		rxring_chain_take(ctx, &ctx->ready_chain, idx);
		fallthrough;
	case RXRING_PEND_POLL:
		p->state = RXRING_PEND_RUNNING;
		return 1;
	case RXRING_PEND_ARMING:
		p->flags |= RXRING_PF_CANCEL;
		return 0;
	default:
		return -EALREADY;
	}
}

/*
 * A file descriptor of the instance is being closed: cancel the waiting
 * operations whose submitter's address space is gone (the process exited).
 * They could never complete otherwise, and the files they hold could be
 * what keeps the instance open (a socket with the instance's fd in flight).
 */
void rxring_defer_flush(struct rxring_ctx *ctx)
{
	u32 idx;

	if (!READ_ONCE(ctx->defer))
		return;
	for (idx = 0; idx < ctx->nr_pend; idx++) {
		struct rxring_pending *p = &ctx->pend[idx];
		bool owned = false;

		spin_lock_irq(&ctx->pend_lock);
		if ((p->state == RXRING_PEND_POLL ||
		     p->state == RXRING_PEND_READY) &&
		    !atomic_read(&ctx->defer[idx].mm->mm_users))
			owned = rxring_defer_cancel(ctx, idx) > 0;
		spin_unlock_irq(&ctx->pend_lock);
		if (owned)
			rxring_defer_finish(ctx, idx, -ECANCELED);
	}
}

void rxring_defer_init(struct rxring_ctx *ctx)
{
	INIT_WORK(&ctx->defer_work, rxring_defer_work);
}

/*
 * Teardown: no ENTER runs any more. Stop the work item, cancel what waits
 * for a file, then wait for the bios in flight (blk.c), which complete by
 * themselves.
 */
void rxring_defer_teardown(struct rxring_ctx *ctx)
{
	u32 idx;

	spin_lock_irq(&ctx->pend_lock);
	ctx->defer_dead = true;
	spin_unlock_irq(&ctx->pend_lock);
	cancel_work_sync(&ctx->defer_work);
	for (idx = 0; ctx->defer && idx < ctx->nr_pend; idx++) {
		bool owned;

		spin_lock_irq(&ctx->pend_lock);
		owned = ctx->pend[idx].state == RXRING_PEND_POLL ||
			ctx->pend[idx].state == RXRING_PEND_READY;
		if (owned)
			rxring_defer_cancel(ctx, idx);
		spin_unlock_irq(&ctx->pend_lock);
		if (owned)
			rxring_defer_finish(ctx, idx, -ECANCELED);
	}
	wait_var_event(&ctx->nr_io, !atomic_read(&ctx->nr_io));
	kvfree(ctx->defer);
	ctx->defer = NULL;
}

int rxring_defer_wq_init(void)
{
	rxring_wq = alloc_workqueue("rxring", WQ_UNBOUND, RXRING_WORKERS);
	return rxring_wq ? 0 : -ENOMEM;
}

void rxring_defer_wq_exit(void)
{
	destroy_workqueue(rxring_wq);
}
