// SPDX-License-Identifier: GPL-2.0
/*
 * Operations that go on outside ENTER: a read or write waiting for its
 * file's wakeup (poll.c), a buffered read waiting for a page, and what has
 * to block (a buffered write, FSYNC, a read the file cannot start without
 * waiting) run by a worker as the submitter.
 *
 * Each such operation keeps its record and uses the record's slot of
 * ctx->defer, allocated once per instance with the first such operation:
 * no allocation per operation. A slot holds the submitter's address space
 * (mmgrab) and credentials, a work item, the wait entries and what the
 * operation needs to go on (rw.c: the iovec array, the offset, the bytes
 * moved so far).
 *
 * The workers are those of the instance's own workqueue, ctx->wq (unbound,
 * max_active ctx->max_workers, set at CREATE), made with the slots: one
 * instance's blocked operations cannot hold up another's. A worker runs
 * the record's op resume() (rxring_ops) in the submitter's address space
 * (kthread_use_mm) and with its credentials.
 *
 * States and ownership (pend_lock): the task that takes a record owns it
 * (RUNNING). WORK: queued on ctx->wq; the work function owns it, or CANCEL
 * and teardown when cancel_work() takes it back. ARMING: being hooked onto
 * a wait queue by its owner; a wakeup leaves RXRING_PF_WOKEN, a CANCEL
 * RXRING_PF_CANCEL. POLL: hooked on its file; the wakeup queues it (WORK),
 * CANCEL takes it. PAGE: hooked on a page being read, which only the
 * page's unlock can unhook: its wakeup queues it, CANCEL only marks it.
 * Whoever owns a record completes it with rxring_defer_finish(), once.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/pagemap.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "rxring.h"

/*
 * CREATE: the most operations of the instance that block in workers at
 * once; by default as many as io_uring's bounded io-wq workers.
 */
void rxring_defer_create(struct rxring_ctx *ctx, struct rxring_create *p)
{
	if (!p->max_workers)
		p->max_workers = min3(p->sq_entries, 4 * num_online_cpus(),
				      (u32)RXRING_MAX_WORKERS);
	ctx->max_workers = p->max_workers;
}

static void rxring_defer_work(struct work_struct *work);
static void rxring_exit_work(struct work_struct *work);

void rxring_defer_init(struct rxring_ctx *ctx)
{
	INIT_WORK(&ctx->exit_work, rxring_exit_work);
}

/* The slots and the workqueue, made with the first operation that needs them. */
static int rxring_defer_alloc(struct rxring_ctx *ctx)
{
	struct workqueue_struct *wq;
	struct rxring_defer *defer;
	u32 i;

	lockdep_assert_held(&ctx->submit_lock);
	if (ctx->defer)
		return 0;
	defer = kvcalloc(ctx->nr_pend, sizeof(*defer), RXRING_GFP);
	if (!defer)
		return -ENOMEM;
	wq = alloc_workqueue("rxring%u", WQ_UNBOUND, ctx->max_workers,
			     ctx->id);
	if (!wq) {
		kvfree(defer);
		return -ENOMEM;
	}
	for (i = 0; i < ctx->nr_pend; i++) {
		INIT_WORK(&defer[i].work, rxring_defer_work);
		defer[i].ctx = ctx;
	}
	ctx->exit_hooks = kcalloc(RXRING_EXIT_HOOKS, sizeof(*ctx->exit_hooks),
				  RXRING_GFP);
	if (!ctx->exit_hooks) {
		destroy_workqueue(wq);
		kvfree(defer);
		return -ENOMEM;
	}
	spin_lock_irq(&ctx->pend_lock);
	ctx->wq = wq;
	ctx->defer = defer;
	spin_unlock_irq(&ctx->pend_lock);
	return 0;
}

/*
 * A process that submitted operations of the instance has exited
 * (do_notify_pidfd(), with its pid's wait queue lock held): cancel what
 * waits for it, as a close of the instance's fd would. Its operations may
 * hold the very files that keep the instance alive (a socket with the
 * instance's fd in flight), and nobody may ever close that fd again.
 */
static int rxring_exit_wake(struct wait_queue_entry *wait, unsigned int mode,
			    int sync, void *key)
{
	struct rxring_ctx *ctx = wait->private;

	queue_work(system_wq, &ctx->exit_work);
	return 0;
}

static void rxring_exit_work(struct work_struct *work)
{
	rxring_defer_flush(container_of(work, struct rxring_ctx, exit_work));
}

/*
 * Watch for the exit of the calling process, which is about to leave an
 * operation waiting, unless a hook watches it already. A hook whose
 * process is gone is reused; with all hooks busy, only a close of the
 * instance's fd cancels that process's operations. submit_lock held.
 */
static void rxring_exit_hook(struct rxring_ctx *ctx)
{
	struct pid *pid = task_tgid(current);
	struct rxring_exit_hook *h, *free = NULL;
	u32 i;

	if (current->flags & PF_KTHREAD)
		return;		/* the SQPOLL thread: its creator's, below */
	for (i = 0; i < RXRING_EXIT_HOOKS; i++) {
		h = &ctx->exit_hooks[i];
		if (h->pid == pid)
			return;
		if (!free && (!h->pid || !pid_has_task(h->pid, PIDTYPE_TGID)))
			free = h;
	}
	if (!free)
		return;
	if (free->pid) {
		remove_wait_queue(&free->pid->wait_pidfd, &free->wait);
		put_pid(free->pid);
	}
	init_waitqueue_func_entry(&free->wait, rxring_exit_wake);
	free->wait.private = ctx;
	free->pid = get_pid(pid);
	add_wait_queue(&pid->wait_pidfd, &free->wait);
}

/* Teardown: no exit may reach the instance any more. */
static void rxring_exit_unhook(struct rxring_ctx *ctx)
{
	u32 i;

	for (i = 0; ctx->exit_hooks && i < RXRING_EXIT_HOOKS; i++) {
		struct rxring_exit_hook *h = &ctx->exit_hooks[i];

		if (!h->pid)
			continue;
		remove_wait_queue(&h->pid->wait_pidfd, &h->wait);
		put_pid(h->pid);
		h->pid = NULL;
	}
	cancel_work_sync(&ctx->exit_work);
	kfree(ctx->exit_hooks);
	ctx->exit_hooks = NULL;
}

/*
 * Take a record (state RUNNING, owned by the caller) for @sqe on @file, a
 * reference the record then owns, with the submitter's address space and
 * credentials in its slot. RXRING_PEND_NONE with *err set when it cannot.
 * The submitting task, submit_lock held.
 */
u32 rxring_defer_take(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		      struct file *file, int *err)
{
	struct rxring_defer *d;
	u32 idx, i;

	*err = rxring_defer_alloc(ctx);
	if (*err)
		return RXRING_PEND_NONE;
	spin_lock_irq(&ctx->pend_lock);
	idx = rxring_pend_get(ctx, sqe);
	if (idx == RXRING_PEND_NONE) {
		spin_unlock_irq(&ctx->pend_lock);
		*err = -EBUSY;
		return idx;
	}
	ctx->pend[idx].state = RXRING_PEND_RUNNING;
	ctx->pend[idx].io.file = file;
	spin_unlock_irq(&ctx->pend_lock);

	d = &ctx->defer[idx];
	for (i = 0; i < ARRAY_SIZE(d->pe); i++)
		d->pe[i].head = NULL;
	d->iov = NULL;
	d->done = 0;
	d->mm = current->mm;
	mmgrab(d->mm);
	d->cred = get_current_cred();
	atomic_inc(&ctx->nr_defer);
	rxring_exit_hook(ctx);
	return idx;
}

/* Queue record @idx for a worker; pend_lock held. */
void rxring_defer_ready(struct rxring_ctx *ctx, u32 idx)
{
	lockdep_assert_held(&ctx->pend_lock);
	ctx->pend[idx].state = RXRING_PEND_WORK;
	queue_work(ctx->wq, &ctx->defer[idx].work);
}

/* Queue record @idx, which the caller owns, for a worker. */
void rxring_defer_queue(struct rxring_ctx *ctx, u32 idx)
{
	spin_lock_irq(&ctx->pend_lock);
	rxring_defer_ready(ctx, idx);
	spin_unlock_irq(&ctx->pend_lock);
}

/* The page a PAGE record waits for was unlocked: any context. */
static int rxring_page_wake(struct wait_queue_entry *wait, unsigned int mode,
			    int sync, void *key)
{
	struct wait_page_queue *wpq =
		container_of(wait, struct wait_page_queue, wait);
	struct rxring_defer *d = container_of(wpq, struct rxring_defer, wpq);
	struct rxring_ctx *ctx = d->ctx;
	struct rxring_pending *p = &ctx->pend[d - ctx->defer];
	unsigned long flags;

	if (!wake_page_match(wpq, key))
		return 0;
	list_del_init(&wait->entry);
	spin_lock_irqsave(&ctx->pend_lock, flags);
	if (p->state == RXRING_PEND_PAGE)
		rxring_defer_ready(ctx, d - ctx->defer);
	else if (p->state == RXRING_PEND_ARMING)
		p->flags |= RXRING_PF_WOKEN;
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	return 1;
}

/*
 * Before a buffered read of record @idx, which the caller owns, that may
 * wait for a page: @kiocb then hooks the slot's entry onto the page
 * (IOCB_WAITQ) instead of sleeping, and the read returns -EIOCBQUEUED.
 */
void rxring_defer_page_prepare(struct rxring_ctx *ctx, u32 idx,
			       struct kiocb *kiocb)
{
	struct rxring_defer *d = &ctx->defer[idx];
	struct rxring_pending *p = &ctx->pend[idx];

	init_waitqueue_func_entry(&d->wpq.wait, rxring_page_wake);
	spin_lock_irq(&ctx->pend_lock);
	p->state = RXRING_PEND_ARMING;
	p->flags &= ~RXRING_PF_WOKEN;
	spin_unlock_irq(&ctx->pend_lock);
	kiocb->ki_flags |= IOCB_WAITQ;
	kiocb->ki_waitq = &d->wpq;
}

/*
 * The read returned -EIOCBQUEUED: the record waits for its page (PAGE), or
 * goes to a worker at once if the page was unlocked meanwhile. The caller
 * no longer owns it. Returns -EIOCBQUEUED.
 */
int rxring_defer_page_hooked(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];

	spin_lock_irq(&ctx->pend_lock);
	if (p->flags & RXRING_PF_WOKEN) {
		rxring_defer_ready(ctx, idx);
	} else {
		p->state = RXRING_PEND_PAGE;
		/* Teardown does not wait for a worker to read on. */
		if (ctx->defer_dead)
			p->flags |= RXRING_PF_CANCEL;
	}
	spin_unlock_irq(&ctx->pend_lock);
	return -EIOCBQUEUED;
}

/*
 * The read returned anything else: nothing is hooked, the caller owns the
 * record again. Returns whether it was cancelled meanwhile.
 */
bool rxring_defer_page_unhooked(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];
	bool cancel;

	spin_lock_irq(&ctx->pend_lock);
	p->state = RXRING_PEND_RUNNING;
	cancel = (p->flags & RXRING_PF_CANCEL) || ctx->defer_dead;
	spin_unlock_irq(&ctx->pend_lock);
	return cancel;
}

/*
 * Complete record @idx, which the caller owns, with @status, and release
 * what its slot holds. Task context.
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
	/* Teardown waits for this; ctx->wq waits for its work functions. */
	if (atomic_dec_and_test(&ctx->nr_defer))
		wake_up_var(&ctx->nr_defer);
}

/* A worker: go on with a record, as its submitter. */
static void rxring_defer_work(struct work_struct *work)
{
	struct rxring_defer *d = container_of(work, struct rxring_defer, work);
	struct rxring_ctx *ctx = d->ctx;
	u32 idx = d - ctx->defer;
	struct rxring_pending *p = &ctx->pend[idx];
	const struct cred *old;
	bool cancel;
	s64 ret;

	spin_lock_irq(&ctx->pend_lock);
	p->state = RXRING_PEND_RUNNING;
	cancel = (p->flags & RXRING_PF_CANCEL) || ctx->defer_dead;
	spin_unlock_irq(&ctx->pend_lock);
	/* Cancelled, or the submitter's address space is gone. */
	if (cancel || !mmget_not_zero(d->mm)) {
		rxring_defer_finish(ctx, idx, -ECANCELED);
		return;
	}
	kthread_use_mm(d->mm);
	old = override_creds(d->cred);
	ret = rxring_ops[p->op].resume(ctx, idx);
	revert_creds(old);
	kthread_unuse_mm(d->mm);
	mmput(d->mm);
	if (ret != -EIOCBQUEUED)
		rxring_defer_finish(ctx, idx, ret);
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
	case RXRING_PEND_WORK:
		if (!cancel_work(&ctx->defer[idx].work)) {
			/* Its work function has started: it will see this. */
			p->flags |= RXRING_PF_CANCEL;
			return 0;
		}
		fallthrough;
	case RXRING_PEND_POLL:
		p->state = RXRING_PEND_RUNNING;
		return 1;
	case RXRING_PEND_ARMING:
	case RXRING_PEND_PAGE:
		p->flags |= RXRING_PF_CANCEL;
		return 0;
	default:
		return -EALREADY;
	}
}

/*
 * A file descriptor of the instance is being closed: cancel the operations
 * waiting for a file or a worker whose submitter's address space is gone
 * (the process exited). A file they hold could be what keeps the instance
 * open (a socket with the instance's fd in flight).
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
		     p->state == RXRING_PEND_WORK) &&
		    !atomic_read(&ctx->defer[idx].mm->mm_users))
			owned = rxring_defer_cancel(ctx, idx) > 0;
		spin_unlock_irq(&ctx->pend_lock);
		if (owned)
			rxring_defer_finish(ctx, idx, -ECANCELED);
	}
}

/*
 * Teardown: no ENTER runs any more. Cancel what waits for a file or a
 * worker, let what runs or waits for a page finish (a worker's blocking
 * call ends when its device answers), then wait for the bios in flight
 * (blk.c), which complete by themselves.
 */
void rxring_defer_teardown(struct rxring_ctx *ctx)
{
	u32 idx;

	rxring_exit_unhook(ctx);
	spin_lock_irq(&ctx->pend_lock);
	ctx->defer_dead = true;
	spin_unlock_irq(&ctx->pend_lock);
	for (idx = 0; ctx->defer && idx < ctx->nr_pend; idx++) {
		bool owned;

		spin_lock_irq(&ctx->pend_lock);
		owned = rxring_defer_cancel(ctx, idx) > 0;
		spin_unlock_irq(&ctx->pend_lock);
		if (owned)
			rxring_defer_finish(ctx, idx, -ECANCELED);
	}
	wait_var_event(&ctx->nr_defer, !atomic_read(&ctx->nr_defer));
	if (ctx->wq)
		destroy_workqueue(ctx->wq);
	ctx->wq = NULL;
	wait_var_event(&ctx->nr_io, !atomic_read(&ctx->nr_io));
	kvfree(ctx->defer);
	ctx->defer = NULL;
}
