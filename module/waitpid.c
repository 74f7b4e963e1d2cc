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
 *
 * Each zombie is reported once per instance. The user reaps a child only
 * when it reads the completion, maybe after more WAITPIDs were issued, so
 * the instance remembers the zombies it reported (struct pid references,
 * until the child is gone) and neither the scan nor the exit callback
 * reports one of them again; to a later WAITPID a reported zombie is no
 * longer a child, as after waitpid(2).
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
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
	struct pid *pid;
	pid_t nr;
	pid_t pgrp;
	pid_t own_pgrp;
	u64 status;
};

/*
 * The zombies an instance reported, while they may not be reaped yet. It
 * hangs off chld_wait.private (the wait entry has no use for it) and is
 * read and changed under pend_lock.
 */
#define RXRING_REPORTED_MAX	1024U

struct rxring_reported {
	u32 nr;
	u32 max;
	struct pid *pids[];
};

static struct rxring_reported *rxring_reported(struct rxring_ctx *ctx)
{
	return ctx->chld_wait.private;
}

static bool rxring_was_reported(struct rxring_ctx *ctx, struct pid *pid)
{
	struct rxring_reported *r = rxring_reported(ctx);
	u32 i;

	lockdep_assert_held(&ctx->pend_lock);
	for (i = 0; r && i < r->nr; i++)
		if (r->pids[i] == pid)
			return true;
	return false;
}

/*
 * Claim @pid for one report: false if it was reported before. When the
 * list is full, the entries of children that are gone are dropped; should
 * it still be full (more zombies than that left unreaped), @pid is
 * reported without being remembered. pend_lock held.
 */
static bool rxring_claim(struct rxring_ctx *ctx, struct pid *pid)
{
	struct rxring_reported *r = rxring_reported(ctx);
	u32 i, j;

	if (rxring_was_reported(ctx, pid))
		return false;
	if (!r)
		return true;
	if (r->nr == r->max) {
		for (i = j = 0; i < r->nr; i++) {
			if (pid_has_task(r->pids[i], PIDTYPE_PID))
				r->pids[j++] = r->pids[i];
			else
				put_pid(r->pids[i]);
		}
		r->nr = j;
	}
	if (r->nr < r->max)
		r->pids[r->nr++] = get_pid(pid);
	return true;
}

static bool rxring_is_reported(struct rxring_ctx *ctx, struct pid *pid)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&ctx->pend_lock, flags);
	ret = rxring_was_reported(ctx, pid);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	return ret;
}

static void rxring_child_result(const struct rxring_child *c,
				struct rxring_result *res)
{
	res->status = c->nr;
	res->extra = c->status;
	res->flags = RXRING_CQE_ZOMBIE;
	res->extended = true;
}

static bool rxring_pick_child(struct rxring_ctx *ctx,
			      const struct rxring_pending *p, void *arg,
			      struct rxring_result *res)
{
	struct rxring_child *c = arg;

	if (!rxring_waitpid_match((s64)p->key, c->nr, c->pgrp, c->own_pgrp))
		return false;
	if (!rxring_claim(ctx, c->pid))
		return false;
	rxring_child_result(c, res);
	return true;
}

static int rxring_child_wake(struct wait_queue_entry *wait, unsigned int mode,
			     int sync, void *key)
{
	struct rxring_ctx *ctx = container_of(wait, struct rxring_ctx,
					      chld_wait);
	struct task_struct *p = key, *parent;
	struct pid_namespace *ns;
	struct rxring_child c;
	unsigned long flags;
	u32 n;

	/*
	 * Only exits, which notify with the child a zombie and tasklist_lock
	 * held: stop and continue notifications come here too (even from an
	 * exiting task).
	 */
	if (!p || READ_ONCE(p->exit_state) != EXIT_ZOMBIE ||
	    !thread_group_leader(p))
		return 0;
	rcu_read_lock();
	parent = rcu_dereference(p->real_parent);
	/* A tracer also hears of tracees that are not its children. */
	if (!same_thread_group(parent, ctx->chld_task)) {
		rcu_read_unlock();
		return 0;
	}
	/*
	 * Numbers as the parent sees them: it is alive, whereas chld_task,
	 * the thread that hooked us, may have exited and lost its pid.
	 */
	ns = task_active_pid_ns(parent);
	c.pid = task_pid(p);
	c.nr = pid_nr_ns(c.pid, ns);
	c.pgrp = pid_nr_ns(task_pgrp(p), ns);
	c.own_pgrp = pid_nr_ns(task_pgrp(parent), ns);
	rcu_read_unlock();
	c.status = rxring_exit_status(p);

	spin_lock_irqsave(&ctx->pend_lock, flags);
	n = rxring_chain_reap(ctx, &ctx->waitpid_chain, rxring_pick_child, &c,
			      1);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	if (n)
		rxring_cq_wake(ctx);
	return 0;
}

/* Set up the wait entry and the reported list, once; under submit_lock. */
static int rxring_waitpid_setup(struct rxring_ctx *ctx)
{
	struct rxring_reported *r;
	u32 max = min(ctx->nr_pend, RXRING_REPORTED_MAX);

	if (ctx->chld_wait.func)
		return 0;
	r = kvzalloc(struct_size(r, pids, max), RXRING_GFP);
	if (!r)
		return -ENOMEM;
	r->max = max;
	init_waitqueue_func_entry(&ctx->chld_wait, rxring_child_wake);
	spin_lock_irq(&ctx->pend_lock);
	ctx->chld_wait.private = r;
	spin_unlock_irq(&ctx->pend_lock);
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
	spin_lock_irq(&ctx->pend_lock);
	ctx->chld_task = current;
	spin_unlock_irq(&ctx->pend_lock);
	add_wait_queue(&current->signal->wait_chldexit, &ctx->chld_wait);
	return 0;
}

void rxring_waitpid_unhook(struct rxring_ctx *ctx)
{
	struct task_struct *owner = ctx->chld_task;
	struct rxring_reported *r = rxring_reported(ctx);
	u32 i;

	if (owner) {
		/* The task reference keeps its signal_struct (the queue). */
		remove_wait_queue(&owner->signal->wait_chldexit,
				  &ctx->chld_wait);
		ctx->chld_task = NULL;
		put_task_struct(owner);
	}
	if (r) {
		ctx->chld_wait.private = NULL;
		for (i = 0; i < r->nr; i++)
			put_pid(r->pids[i]);
		kvfree(r);
	}
}

bool rxring_waitpid_owner_exiting(struct rxring_ctx *ctx)
{
	struct task_struct *owner = READ_ONCE(ctx->chld_task);

	return owner && (current->flags & PF_EXITING) &&
	       same_thread_group(owner, current);
}

/*
 * Look through the caller's children for @want: -ECHILD if there is none,
 * else 1 with *zombie filled (and a reference on zombie->pid) if one has
 * exited, else 0. Zombies already reported count as gone.
 */
static int rxring_find_child(struct rxring_ctx *ctx, s64 want,
			     struct rxring_child *zombie)
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
		/*
		 * As in waitpid(2), a leader whose other threads still run
		 * has not exited yet: the exit callback reports it when the
		 * last one is gone.
		 */
		if (READ_ONCE(p->exit_state) == EXIT_ZOMBIE &&
		    thread_group_empty(p)) {
			if (rxring_is_reported(ctx, pid)) {
				if (want > 0)
					break;
				continue;
			}
			zombie->pid = get_pid(pid);
			zombie->nr = pnr;
			zombie->pgrp = pid_nr_ns(task_pgrp(p), ns);
			zombie->own_pgrp = own_pgrp;
			zombie->status = rxring_exit_status(p);
			rcu_read_unlock();
			return 1;
		}
		found = true;
		if (want > 0)
			break;
	}
	rcu_read_unlock();
	return found ? 0 : -ECHILD;
}

int rxring_waitpid_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			 struct rxring_result *res)
{
	s64 want = (s64)sqe->fd;
	struct rxring_child zombie;
	struct rxring_result gone = { .status = -ECHILD };
	unsigned long flags;
	bool claimed, done;
	u32 idx, n;
	int ret;

	ret = rxring_waitpid_setup(ctx);
	if (ret)
		return ret;
	/* An exited child: report it now, unless the callback just did. */
	while ((ret = rxring_find_child(ctx, want, &zombie)) > 0) {
		spin_lock_irqsave(&ctx->pend_lock, flags);
		claimed = rxring_claim(ctx, zombie.pid);
		spin_unlock_irqrestore(&ctx->pend_lock, flags);
		put_pid(zombie.pid);
		if (claimed) {
			rxring_child_result(&zombie, res);
			return 0;
		}
	}
	if (ret || (sqe->syscall_flags & RXRING_WAITPID_WNOHANG))
		return ret;

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
	 * zombie now (reported by the callback, or to be reported here), and
	 * one reaped by someone else is gone. A zombie may go to an older
	 * WAITPID, or be taken by the callback meanwhile: look again until
	 * ours completed or no unreported zombie is left. (The record cannot
	 * have been reused: that would take a submission, and the caller
	 * holds submit_lock.)
	 */
	for (;;) {
		ret = rxring_find_child(ctx, want, &zombie);
		if (!ret)
			break;
		n = 0;
		spin_lock_irqsave(&ctx->pend_lock, flags);
		if (ret > 0) {
			n = rxring_chain_reap(ctx, &ctx->waitpid_chain,
					      rxring_pick_child, &zombie, 1);
		} else if (rxring_chain_take(ctx, &ctx->waitpid_chain, idx)) {
			rxring_pend_finish(ctx, idx, &gone);
			n = 1;
		}
		done = ctx->pend[idx].state == RXRING_PEND_FREE;
		spin_unlock_irqrestore(&ctx->pend_lock, flags);
		if (ret > 0)
			put_pid(zombie.pid);
		if (n)
			rxring_cq_wake(ctx);
		if (ret < 0 || done)
			break;
	}
	return RXRING_QUEUED;
}
