// SPDX-License-Identifier: GPL-2.0
/*
 * FUTEX: Redox's futex (WAIT, WAKE, REQUEUE, WAIT64) as a ring operation and
 * as a synchronous ioctl.
 *
 * Waiters are keyed by the physical address of the futex word, as in Redox,
 * so a waiter and a waker meet whichever process and mapping they use. A
 * waiter holds a reference on the page for as long as it waits, which keeps
 * the page, and so the key, where it is: a page with an extra reference is
 * neither freed nor migrated, and reclaim leaves it in the swap cache to be
 * mapped again. A plain reference, not a FOLL_PIN pin: pins count 1024 on
 * the page each, and enough waiters could overflow the count. The price:
 * after fork(), a process writing to a private (copy-on-write) page gets a
 * copy, and waits parked on the old page before the fork no longer meet
 * its wakes; shared memory (memfd, MAP_SHARED) is what futexes across
 * processes use anyway.
 *
 * Ring waiters are records on their instance's futex chains (hashed by
 * key); instances that ever parked a futex wait are listed on
 * rxring_futex_rings. Synchronous waiters are on-stack entries hashed into
 * rxring_futex_sync. A waker holds rxring_futex_lock and visits both. A
 * waiter reads the word and parks under a lock the waker must also take
 * (the instance's pend_lock, or rxring_futex_lock), after the waker's
 * store, so a wake never falls between a waiter's check and its sleep.
 */
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>

#include "rxring.h"
#include "trace.h"

static LIST_HEAD(rxring_futex_rings);
static struct hlist_head rxring_futex_sync[RXRING_FUTEX_BUCKETS];
static DEFINE_SPINLOCK(rxring_futex_lock);

struct rxring_sync_waiter {
	struct hlist_node node;
	u64 key;
	struct task_struct *task;
	bool woken;
};

static u32 rxring_futex_hash(u64 key)
{
	return hash_64(key, RXRING_FUTEX_BITS);
}

static struct page *rxring_key_page(u64 key)
{
	return pfn_to_page(PHYS_PFN(key));
}

int rxring_futex_prep(const struct rxring_sqe *sqe)
{
	u64 op = sqe->len;

	if (sqe->fd)
		return -EINVAL;
	switch (op) {
	case RXRING_FUTEX_WAIT:
		if (sqe->offset > U32_MAX)
			return -EINVAL;
		fallthrough;
	case RXRING_FUTEX_WAIT64:
		if (sqe->additional2 ||
		    !IS_ALIGNED(sqe->addr, op == RXRING_FUTEX_WAIT ? 4 : 8))
			return -EINVAL;
		return 0;
	case RXRING_FUTEX_WAKE:
		if (sqe->additional1 || sqe->additional2)
			return -EINVAL;
		break;
	case RXRING_FUTEX_REQUEUE:
		if (!IS_ALIGNED(sqe->additional2, 4))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (sqe->syscall_flags & RXRING_FUTEX_ABSTIME)
		return -EINVAL;
	return IS_ALIGNED(sqe->addr, 4) ? 0 : -EINVAL;
}

/* Take a reference on the page of @uaddr and compute its key. */
static int rxring_futex_key(u64 uaddr, u64 *key, struct page **pagep)
{
	struct page *page;
	int ret;

	ret = get_user_pages_fast(uaddr & PAGE_MASK, 1, FOLL_WRITE, &page);
	if (ret < 1)
		return ret < 0 ? ret : -EFAULT;
	*key = (u64)PFN_PHYS(page_to_pfn(page)) + offset_in_page(uaddr);
	*pagep = page;
	return 0;
}

/* Read the futex word with page faults off: it may run under a spinlock. */
static int rxring_futex_load(u64 uaddr, bool is64, u64 *val)
{
	int ret;

	pagefault_disable();
	if (is64) {
		u64 v;

		ret = __get_user(v, (u64 __user *)u64_to_user_ptr(uaddr));
		*val = v;
	} else {
		u32 v;

		ret = __get_user(v, (u32 __user *)u64_to_user_ptr(uaddr));
		*val = v;
	}
	pagefault_enable();
	return ret;
}

/* Fault the word in, where the locked load could not. */
static int rxring_futex_fault_in(u64 uaddr)
{
	u32 v;
	int ret = get_user(v, (u32 __user *)u64_to_user_ptr(uaddr));

	(void)v;
	return ret;
}

static void rxring_futex_register(struct rxring_ctx *ctx)
{
	if (READ_ONCE(ctx->futex_registered))
		return;
	spin_lock(&rxring_futex_lock);
	if (!ctx->futex_registered) {
		list_add_tail(&ctx->futex_node, &rxring_futex_rings);
		WRITE_ONCE(ctx->futex_registered, true);
	}
	spin_unlock(&rxring_futex_lock);
}

void rxring_futex_unregister(struct rxring_ctx *ctx)
{
	spin_lock(&rxring_futex_lock);
	if (ctx->futex_registered) {
		list_del(&ctx->futex_node);
		ctx->futex_registered = false;
	}
	spin_unlock(&rxring_futex_lock);
}

#define RXRING_FUTEX_TRIES	4

/* Park a ring waiter, unless the word no longer holds the expected value. */
static int rxring_futex_wait(struct rxring_ctx *ctx,
			     const struct rxring_sqe *sqe)
{
	bool is64 = sqe->len == RXRING_FUTEX_WAIT64;
	u64 deadline = rxring_deadline(sqe->additional1,
				       sqe->syscall_flags & RXRING_FUTEX_ABSTIME);
	struct rxring_pending *p;
	unsigned long flags;
	struct page *page;
	int ret, tries = 0;
	u64 key, val;
	u32 idx;

	if (!access_ok(u64_to_user_ptr(sqe->addr), is64 ? 8 : 4))
		return -EFAULT;
	ret = rxring_futex_key(sqe->addr, &key, &page);
	if (ret)
		return ret;
	rxring_futex_register(ctx);

	for (;;) {
		spin_lock_irqsave(&ctx->pend_lock, flags);
		ret = rxring_futex_load(sqe->addr, is64, &val);
		if (!ret)
			break;
		spin_unlock_irqrestore(&ctx->pend_lock, flags);
		if (++tries == RXRING_FUTEX_TRIES ||
		    rxring_futex_fault_in(sqe->addr)) {
			put_page(page);
			return -EFAULT;
		}
	}
	if (val != sqe->offset) {
		spin_unlock_irqrestore(&ctx->pend_lock, flags);
		put_page(page);
		return -EAGAIN;
	}
	idx = rxring_pend_get(ctx, sqe);
	if (idx == RXRING_PEND_NONE) {
		spin_unlock_irqrestore(&ctx->pend_lock, flags);
		put_page(page);
		return -EBUSY;
	}
	p = &ctx->pend[idx];
	p->key = key;
	p->deadline = deadline;
	rxring_chain_push(ctx, &ctx->futex_chain[rxring_futex_hash(key)], idx);
	if (deadline)
		rxring_pend_arm_timer(ctx, deadline);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	return RXRING_QUEUED;
}

static bool rxring_pick_key(struct rxring_ctx *ctx,
			    const struct rxring_pending *p, void *arg,
			    struct rxring_result *res)
{
	return p->key == *(u64 *)arg;
}

static void rxring_sync_wake(struct rxring_sync_waiter *w)
{
	struct task_struct *task = w->task;

	get_task_struct(task);
	hlist_del_init(&w->node);
	/* The waiter may return as soon as it sees this: touch w no more. */
	smp_store_release(&w->woken, true);
	wake_up_process(task);
	put_task_struct(task);
}

/* Wake up to @max waiters on @key; rxring_futex_lock held. */
static u32 rxring_futex_wake_key(u64 key, u32 max)
{
	struct hlist_head *sync = &rxring_futex_sync[rxring_futex_hash(key)];
	struct rxring_sync_waiter *w;
	struct hlist_node *tmp;
	struct rxring_ctx *ctx;
	unsigned long flags;
	u32 woken = 0;

	lockdep_assert_held(&rxring_futex_lock);
	list_for_each_entry(ctx, &rxring_futex_rings, futex_node) {
		u32 n;

		if (woken >= max)
			break;
		spin_lock_irqsave(&ctx->pend_lock, flags);
		n = rxring_chain_reap(ctx,
				      &ctx->futex_chain[rxring_futex_hash(key)],
				      rxring_pick_key, &key, max - woken);
		spin_unlock_irqrestore(&ctx->pend_lock, flags);
		if (n)
			rxring_cq_wake(ctx);
		woken += n;
	}
	hlist_for_each_entry_safe(w, tmp, sync, node) {
		if (woken >= max)
			break;
		if (w->key == key) {
			rxring_sync_wake(w);
			woken++;
		}
	}
	return woken;
}

/*
 * Move up to @max waiters from @key to @key2: each gives up its reference
 * on the old page and takes one on @page2, which the caller holds. Returns
 * how many moved; rxring_futex_lock held.
 */
static u32 rxring_futex_move(u64 key, u64 key2, struct page *page2, u32 max)
{
	u32 h = rxring_futex_hash(key), h2 = rxring_futex_hash(key2), moved = 0;
	struct rxring_sync_waiter *w;
	struct hlist_node *tmp;
	struct rxring_ctx *ctx;
	unsigned long flags;

	list_for_each_entry(ctx, &rxring_futex_rings, futex_node) {
		struct rxring_chain *c = &ctx->futex_chain[h];
		u32 prev = RXRING_PEND_NONE, idx;

		spin_lock_irqsave(&ctx->pend_lock, flags);
		idx = c->head;
		while (idx != RXRING_PEND_NONE && moved < max) {
			struct rxring_pending *p = &ctx->pend[idx];
			u32 next = p->next;

			if (p->key != key) {
				prev = idx;
				idx = next;
				continue;
			}
			if (prev == RXRING_PEND_NONE)
				c->head = next;
			else
				ctx->pend[prev].next = next;
			if (c->tail == idx)
				c->tail = prev;
			put_page(rxring_key_page(key));
			get_page(page2);
			p->key = key2;
			rxring_chain_push(ctx, &ctx->futex_chain[h2], idx);
			moved++;
			idx = next;
		}
		spin_unlock_irqrestore(&ctx->pend_lock, flags);
	}
	hlist_for_each_entry_safe(w, tmp, &rxring_futex_sync[h], node) {
		if (moved >= max)
			break;
		if (w->key != key)
			continue;
		put_page(rxring_key_page(key));
		get_page(page2);
		w->key = key2;
		hlist_del(&w->node);
		hlist_add_head(&w->node, &rxring_futex_sync[h2]);
		moved++;
	}
	return moved;
}

static long rxring_futex_wake(const struct rxring_sqe *sqe)
{
	u32 nr_wake = min_t(u64, sqe->offset, INT_MAX);
	struct page *page;
	u64 key;
	u32 woken;
	int ret;

	ret = rxring_futex_key(sqe->addr, &key, &page);
	if (ret)
		return ret;
	spin_lock(&rxring_futex_lock);
	woken = rxring_futex_wake_key(key, nr_wake);
	spin_unlock(&rxring_futex_lock);
	put_page(page);
	return woken;
}

static long rxring_futex_requeue(const struct rxring_sqe *sqe)
{
	u32 nr_wake = min_t(u64, sqe->offset, INT_MAX);
	u32 nr_move = min_t(u64, sqe->additional1, INT_MAX);
	struct page *page, *page2;
	u64 key, key2;
	long ret;

	ret = rxring_futex_key(sqe->addr, &key, &page);
	if (ret)
		return ret;
	ret = rxring_futex_key(sqe->additional2, &key2, &page2);
	if (ret)
		goto out_page;

	spin_lock(&rxring_futex_lock);
	ret = rxring_futex_wake_key(key, nr_wake);
	if (key != key2)
		ret += rxring_futex_move(key, key2, page2, nr_move);
	spin_unlock(&rxring_futex_lock);
	put_page(page2);
out_page:
	put_page(page);
	return ret;
}

int rxring_futex_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		       struct rxring_result *res)
{
	long ret;

	switch (sqe->len) {
	case RXRING_FUTEX_WAIT:
	case RXRING_FUTEX_WAIT64:
		ret = rxring_futex_wait(ctx, sqe);
		trace_rxring_futex_wait(ctx->id, sqe->addr, sqe->offset,
					sqe->len == RXRING_FUTEX_WAIT64, ret);
		return ret;
	case RXRING_FUTEX_WAKE:
		ret = rxring_futex_wake(sqe);
		break;
	default:
		ret = rxring_futex_requeue(sqe);
		break;
	}
	trace_rxring_futex_wake(ctx->id, sqe->addr, sqe->len, sqe->offset, ret);
	if (ret < 0)
		return ret;
	res->status = ret;
	return 0;
}

/* A synchronous WAIT/WAIT64 from the ioctl. */
static long rxring_futex_wait_sync(const struct rxring_sqe *sqe)
{
	bool is64 = sqe->len == RXRING_FUTEX_WAIT64;
	bool abs = sqe->syscall_flags & RXRING_FUTEX_ABSTIME;
	u64 deadline = rxring_deadline(sqe->additional1, abs);
	struct rxring_sync_waiter w = { .task = current };
	ktime_t expires = ns_to_ktime(min_t(u64, deadline, KTIME_MAX));
	struct page *page;
	int ret, tries = 0;
	u64 val;

	if (!access_ok(u64_to_user_ptr(sqe->addr), is64 ? 8 : 4))
		return -EFAULT;
	ret = rxring_futex_key(sqe->addr, &w.key, &page);
	if (ret)
		return ret;
	for (;;) {
		spin_lock(&rxring_futex_lock);
		ret = rxring_futex_load(sqe->addr, is64, &val);
		if (!ret)
			break;
		spin_unlock(&rxring_futex_lock);
		if (++tries == RXRING_FUTEX_TRIES ||
		    rxring_futex_fault_in(sqe->addr)) {
			put_page(page);
			return -EFAULT;
		}
	}
	if (val != sqe->offset) {
		spin_unlock(&rxring_futex_lock);
		put_page(page);
		return -EAGAIN;
	}
	hlist_add_head(&w.node, &rxring_futex_sync[rxring_futex_hash(w.key)]);
	set_current_state(TASK_INTERRUPTIBLE);
	spin_unlock(&rxring_futex_lock);

	for (;;) {
		/* Pairs with the release in rxring_sync_wake(). */
		if (smp_load_acquire(&w.woken))
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (!deadline) {
			schedule();
		} else if (!schedule_hrtimeout_range(&expires, 0,
						     HRTIMER_MODE_ABS)) {
			ret = -ETIMEDOUT;
			break;
		}
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);

	spin_lock(&rxring_futex_lock);
	/* Pairs with the release in rxring_sync_wake(). */
	if (smp_load_acquire(&w.woken))
		ret = 0;
	else
		hlist_del(&w.node);
	/* A REQUEUE may have moved us: drop the page of the key we end on. */
	page = rxring_key_page(w.key);
	spin_unlock(&rxring_futex_lock);
	put_page(page);
	return ret;
}

long rxring_futex_ioctl(struct rxring_futex __user *uarg)
{
	struct rxring_futex f;
	struct rxring_sqe sqe = {};
	long woken;
	int ret;

	if (copy_from_user(&f, uarg, sizeof(f)))
		return -EFAULT;
	if (f.__resv[0] || f.__resv[1] || f.flags & ~RXRING_FUTEX_ABSTIME)
		return -EINVAL;
	sqe.opcode = RXRING_OP_FUTEX;
	sqe.syscall_flags = f.flags;
	sqe.len = f.op;
	sqe.addr = f.addr;
	sqe.offset = f.val;
	sqe.additional1 = f.val2;
	sqe.additional2 = f.addr2;
	ret = rxring_futex_prep(&sqe);
	if (ret)
		return ret;

	switch (f.op) {
	case RXRING_FUTEX_WAIT:
	case RXRING_FUTEX_WAIT64:
		woken = rxring_futex_wait_sync(&sqe);
		trace_rxring_futex_wait(0, sqe.addr, sqe.offset,
					f.op == RXRING_FUTEX_WAIT64, woken);
		return woken;
	case RXRING_FUTEX_WAKE:
		woken = rxring_futex_wake(&sqe);
		break;
	default:
		woken = rxring_futex_requeue(&sqe);
		break;
	}
	trace_rxring_futex_wake(0, sqe.addr, f.op, sqe.offset, woken);
	return woken;
}
