// SPDX-License-Identifier: GPL-2.0
/*
 * WAITPID: Redox's first kernel opcode.
 *
 * A module cannot reap a child (the kernel's wait functions are not
 * exported), so WAITPID reports the child's exit and leaves it a zombie;
 * librxring reaps it with waitpid(pid, WNOHANG) when it reads the
 * completion, which then returns at once with the same status.
 *
 * All WAITPIDs of an instance share one entry on the watched process's
 * wait_chldexit queue. The kernel wakes that queue with the child as the
 * key whenever a child changes state; the callback runs in the child's exit
 * path (atomic, tasklist_lock held) and completes the oldest matching
 * WAITPID. A WAITPID that parks first and then looks for children that are
 * already zombies cannot miss an exit in between: whichever of the two sees
 * the record on the chain completes it.
 */
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/wait.h>

#include "rxring.h"

int rxring_waitpid_prep(const struct rxring_sqe *sqe)
{
	s64 pid = (s64)sqe->fd;

	if (sqe->len || sqe->addr || sqe->offset || sqe->additional1 ||
	    sqe->additional2)
		return -EINVAL;
	if (pid > INT_MAX || pid < -(s64)INT_MAX)
		return -EINVAL;
	return 0;
}

/* The wait status waitpid(2) would report for an exited child. */
static u64 rxring_exit_status(struct task_struct *p)
{
	if (p->signal->flags & SIGNAL_GROUP_EXIT)
		return p->signal->group_exit_code;
	return p->exit_code;
}

/* Does child @p, with pid @nr and process group @pgrp, match @want? */
static bool rxring_waitpid_match(s64 want, pid_t nr, pid_t pgrp,
				 pid_t own_pgrp)
{
	if (want > 0)
		return nr == want;
	if (want == -1)
		return true;
	if (want == 0)
		return pgrp == own_pgrp;
	return pgrp == -want;
}

struct rxring_child {
	pid_t nr;
	pid_t pgrp;
	pid_t own_pgrp;
	u64 status;
};

static bool rxring_pick_child(struct rxring_ctx *ctx,
			      const struct rxring_pending *p, void *arg,
			      struct rxring_result *res)
{
	struct rxring_child *c = arg;

	if (!rxring_waitpid_match((s64)p->key, c->nr, c->pgrp, c->own_pgrp))
		return false;
	res->status = c->nr;
	res->extra = c->status;
	res->extended = true;
	return true;
}

static int rxring_child_wake(struct wait_queue_entry *wait, unsigned int mode,
			     int sync, void *key)
{
	struct rxring_ctx *ctx = container_of(wait, struct rxring_ctx,
					      chld_wait);
	struct task_struct *p = key;
	struct pid_namespace *ns;
	struct rxring_child c;
	unsigned long flags;
	u32 n;

	/* Only exits: stop and continue notifications come here too. */
	if (!p || !(p->flags & PF_EXITING) || !thread_group_leader(p))
		return 0;
	ns = task_active_pid_ns(ctx->chld_task);
	c.nr = pid_nr_ns(task_pid(p), ns);
	c.pgrp = pid_nr_ns(task_pgrp(p), ns);
	c.own_pgrp = pid_nr_ns(task_pgrp(ctx->chld_task), ns);
	c.status = rxring_exit_status(p);

	spin_lock_irqsave(&ctx->pend_lock, flags);
	n = rxring_chain_reap(ctx, &ctx->waitpid_chain, rxring_pick_child, &c,
			      1);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	if (n)
		rxring_cq_wake(ctx);
	return 0;
}

/* Watch the caller's children, if this instance does not already. */
static int rxring_waitpid_hook(struct rxring_ctx *ctx)
{
	struct task_struct *owner;

	spin_lock_irq(&ctx->pend_lock);
	owner = ctx->chld_task;
	spin_unlock_irq(&ctx->pend_lock);
	if (owner)
		return same_thread_group(owner, current) ? 0 : -EBUSY;

	/* Hooking happens under submit_lock, so there is no race here. */
	get_task_struct(current);
	init_waitqueue_func_entry(&ctx->chld_wait, rxring_child_wake);
	spin_lock_irq(&ctx->pend_lock);
	ctx->chld_task = current;
	spin_unlock_irq(&ctx->pend_lock);
	add_wait_queue(&current->signal->wait_chldexit, &ctx->chld_wait);
	return 0;
}

void rxring_waitpid_unhook(struct rxring_ctx *ctx)
{
	struct task_struct *owner = ctx->chld_task;

	if (!owner)
		return;
	/* The task reference keeps its signal_struct, and the queue, alive. */
	remove_wait_queue(&owner->signal->wait_chldexit, &ctx->chld_wait);
	ctx->chld_task = NULL;
	put_task_struct(owner);
}

bool rxring_waitpid_owner_exiting(struct rxring_ctx *ctx)
{
	struct task_struct *owner = READ_ONCE(ctx->chld_task);

	return owner && (current->flags & PF_EXITING) &&
	       same_thread_group(owner, current);
}

/*
 * Look through the caller's children for @want: -ECHILD if there is none,
 * else 1 with *zombie filled if one has exited, else 0.
 */
static int rxring_find_child(s64 want, struct rxring_child *zombie)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	pid_t own_pgrp = task_pgrp_vnr(current);
	bool found = false;
	struct pid *pid;
	int nr = want > 0 ? want : 1;

	rcu_read_lock();
	while ((pid = find_ge_pid(nr, ns))) {
		struct task_struct *p = pid_task(pid, PIDTYPE_PID);
		pid_t pnr = pid_nr_ns(pid, ns);

		nr = pnr + 1;
		if (want > 0 && pnr != want)
			break;
		if (!p || !thread_group_leader(p) ||
		    !same_thread_group(rcu_dereference(p->real_parent),
				       current))
			continue;
		if (!rxring_waitpid_match(want, pnr,
					  pid_nr_ns(task_pgrp(p), ns),
					  own_pgrp))
			continue;
		found = true;
		if (READ_ONCE(p->exit_state) == EXIT_ZOMBIE) {
			zombie->nr = pnr;
			zombie->pgrp = pid_nr_ns(task_pgrp(p), ns);
			zombie->own_pgrp = own_pgrp;
			zombie->status = rxring_exit_status(p);
			rcu_read_unlock();
			return 1;
		}
		if (want > 0)
			break;
	}
	rcu_read_unlock();
	return found ? 0 : -ECHILD;
}

static void rxring_child_result(const struct rxring_child *c,
				struct rxring_result *res)
{
	res->status = c->nr;
	res->extra = c->status;
	res->extended = true;
}

int rxring_waitpid_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			 struct rxring_result *res)
{
	s64 want = (s64)sqe->fd;
	struct rxring_child zombie;
	struct rxring_result gone = { .status = -ECHILD };
	unsigned long flags;
	u32 idx, n = 0;
	int ret;

	ret = rxring_find_child(want, &zombie);
	if (ret > 0)
		rxring_child_result(&zombie, res);
	if (ret || (sqe->syscall_flags & RXRING_WAITPID_WNOHANG))
		return ret < 0 ? ret : 0;

	ret = rxring_waitpid_hook(ctx);
	if (ret)
		return ret;
	spin_lock_irqsave(&ctx->pend_lock, flags);
	idx = rxring_pend_get(ctx, sqe);
	if (idx != RXRING_PEND_NONE) {
		ctx->pend[idx].key = (u64)want;
		rxring_chain_push(ctx, &ctx->waitpid_chain, idx);
	}
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	if (idx == RXRING_PEND_NONE)
		return -EBUSY;

	/*
	 * Parked and hooked: a child that exited since the first look is a
	 * zombie now, and one reaped by someone else is gone. (The record
	 * cannot have been reused: that would take a submission, and the
	 * caller holds submit_lock.)
	 */
	ret = rxring_find_child(want, &zombie);
	if (!ret)
		return RXRING_QUEUED;
	spin_lock_irqsave(&ctx->pend_lock, flags);
	if (ret > 0) {
		n = rxring_chain_reap(ctx, &ctx->waitpid_chain,
				      rxring_pick_child, &zombie, 1);
	} else if (rxring_chain_take(ctx, &ctx->waitpid_chain, idx)) {
		rxring_pend_finish(ctx, idx, &gone);
		n = 1;
	}
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	if (n)
		rxring_cq_wake(ctx);
	return RXRING_QUEUED;
}
