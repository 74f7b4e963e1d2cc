// SPDX-License-Identifier: GPL-2.0
/*
 * RXRING_CREATE_SQPOLL: a kernel thread per instance that takes the SQEs as
 * the user publishes them, so a busy program submits without any system
 * call (Redox's design: the kernel reads the SQ head and tail directly).
 *
 * The thread acts for the creator of the instance: it holds the creator's
 * credentials (override_creds() for its whole life) and a reference to its
 * mm_struct (mmgrab(), which keeps the structure, not the address space).
 * For each pass that has SQEs to take it borrows the address space
 * (mmget_not_zero(), kthread_use_mm()) and gives it back afterwards, so an
 * idle thread never keeps the creator's memory, and with it the ring
 * mappings and the instance, alive: the instance is torn down when its
 * last file reference and mapping go, as without SQPOLL, and teardown
 * stops the thread (kthread_stop()) before anything it uses is freed. Once
 * the address space is gone (the creator exited while another process
 * still uses the rings) every SQE completes with -EOWNERDEAD: the
 * operations would have nothing to act on, and a kernel thread without
 * an address space must not touch user memory.
 *
 * A kernel thread has no file table, no cwd and no children, so the
 * operations that need the calling task's own state are refused
 * (rxring_sqpoll_check_sqe()): READ, WRITE, READV, WRITEV and FSYNC work
 * on registered files only (-EBADF for an fd), OPEN, CLOSE, DUP, SEEK,
 * FSTAT, MMAP, MUNMAP and WAITPID complete with -EOPNOTSUPP; NOP, FUTEX,
 * TIMEOUT and CANCEL work as always.
 *
 * Each pass takes at most sq_entries SQEs and reads the SQ tail once
 * (rxring_submit()), so a hostile tail cannot keep the thread spinning: a
 * tail more than sq_entries ahead takes nothing and the thread goes idle.
 * The CQ rule holds as for ENTER: an SQE is taken only with CQ room for its
 * completion; with the CQ full (or at a CHAIN/DRAIN barrier) the thread
 * stops taking SQEs and resumes when room appears (completions, ENTER).
 *
 * After sq_thread_idle ms without work the thread sleeps: it sets
 * RXRING_RING_NEED_WAKEUP in the SQ header's status, issues a full barrier
 * and looks at the SQ tail once more; the user publishes its tail, issues a
 * full barrier and looks at status, and calls ENTER (any ENTER wakes the
 * thread) when it is set. One of the two always sees the other. A sleeping
 * thread that stopped at a full CQ or a barrier is also woken by the
 * completion that clears it (it waits on cq_wait like ENTER does).
 */
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "rxring.h"

/*
 * SQPOLL threads spin on a CPU and are not charged to their creator's
 * cgroup: their number is limited (docs/security.md).
 */
static unsigned int rxring_sqpoll_max = 64;
module_param_named(sqpoll_max, rxring_sqpoll_max, uint, 0644);
MODULE_PARM_DESC(sqpoll_max,
		 "Most SQPOLL threads at once; more CREATEs fail with EAGAIN (default: 64)");

static atomic_t rxring_sqpoll_threads = ATOMIC_INIT(0);

struct rxring_sqpoll {
	struct rxring_ctx *ctx;
	struct task_struct *task;
	struct mm_struct *mm;		/* the creator's, mmgrab()bed */
	const struct cred *cred;	/* the creator's */
	cpumask_var_t cpus;		/* where it runs */
	unsigned long idle;		/* jiffies without work before sleeping */
	u32 idle_ms;
	u64 sleeps;			/* times it went to sleep */
	struct wait_queue_entry wait;	/* on cq_wait while asleep */
	/* The thread's own state. */
	u64 last_tail;			/* the SQ tail before the last pass */
	int stop;			/* how it ended: RXRING_STOP_*, 0, -errno */
	u32 status;			/* the kernel's copy of sq_hdr->status */
	bool no_mm;			/* the creator's address space is gone */
	bool sleeping;			/* read by ENTER */
};

/*
 * Whether a pass may take something: SQEs published since the last pass,
 * or those it left when what stopped it (a full CQ, a barrier) is gone.
 */
static bool rxring_sq_has_work(struct rxring_sqpoll *sqp)
{
	struct rxring_ctx *ctx = sqp->ctx;
	u64 tail = READ_ONCE(ctx->sq_hdr->tail);

	if (tail == READ_ONCE(ctx->sq_head))
		return false;
	if (tail != sqp->last_tail)
		return true;
	return sqp->stop > 0 && rxring_sq_go(ctx, sqp->stop);
}

/* One pass over the SQ; returns whether it took anything. */
static bool rxring_sq_pass(struct rxring_sqpoll *sqp)
{
	struct rxring_ctx *ctx = sqp->ctx;
	u64 tail = READ_ONCE(ctx->sq_hdr->tail);
	bool mm = false;
	u32 taken = 0;
	int ret;

	if (!rxring_sq_has_work(sqp))
		return false;
	mutex_lock(&ctx->submit_lock);
	if (!sqp->no_mm) {
		mm = mmget_not_zero(sqp->mm);
		if (mm)
			kthread_use_mm(sqp->mm);
		else
			sqp->no_mm = true;	/* for good: mm_users stays 0 */
	}
	ret = rxring_submit(ctx, ctx->sq_entries, &taken);
	if (mm)
		kthread_unuse_mm(sqp->mm);
	mutex_unlock(&ctx->submit_lock);
	/* The last user's mmput() tears the address space down, here. */
	if (mm)
		mmput(sqp->mm);
	sqp->last_tail = tail;
	WRITE_ONCE(sqp->stop, ret);
	return taken;
}

/*
 * cq_wait woke the sleeping thread: a completion or ENTER. Wake it for
 * real only when what stopped its last pass is gone; new SQEs come with
 * an ENTER, which wakes it directly.
 */
static int rxring_sq_wake(struct wait_queue_entry *wq, unsigned int mode,
			  int sync, void *key)
{
	struct rxring_sqpoll *sqp = container_of(wq, struct rxring_sqpoll,
						 wait);
	int stop = READ_ONCE(sqp->stop);

	if (stop <= 0 || !rxring_sq_go(sqp->ctx, stop))
		return 0;
	return autoremove_wake_function(wq, mode, sync, key);
}

static void rxring_sq_status(struct rxring_sqpoll *sqp, bool need_wakeup)
{
	if (need_wakeup)
		sqp->status |= RXRING_RING_NEED_WAKEUP;
	else
		sqp->status &= ~RXRING_RING_NEED_WAKEUP;
	WRITE_ONCE(sqp->ctx->sq_hdr->status, sqp->status);
}

static void rxring_sq_sleep(struct rxring_sqpoll *sqp)
{
	struct rxring_ctx *ctx = sqp->ctx;

	prepare_to_wait(&ctx->cq_wait, &sqp->wait, TASK_INTERRUPTIBLE);
	rxring_sq_status(sqp, true);
	WRITE_ONCE(sqp->sleeping, true);
	/*
	 * The flag is visible before the tail is read again: pairs with the
	 * user's barrier between its tail store and its load of status, and
	 * with the one in rxring_sqpoll_enter().
	 */
	smp_mb();
	if (!kthread_should_stop() && !rxring_sq_has_work(sqp) &&
	    !atomic_read(&ctx->nr_polled)) {
		WRITE_ONCE(sqp->sleeps, sqp->sleeps + 1);
		schedule();
	}
	finish_wait(&ctx->cq_wait, &sqp->wait);
	WRITE_ONCE(sqp->sleeping, false);
	rxring_sq_status(sqp, false);
}

static int rxring_sq_thread(void *arg)
{
	struct rxring_sqpoll *sqp = arg;
	struct rxring_ctx *ctx = sqp->ctx;
	bool iopoll = ctx->flags & RXRING_CREATE_IOPOLL;
	const struct cred *old = override_creds(sqp->cred);
	unsigned long idle_end = jiffies + sqp->idle;

	/*
	 * Again, from inside: since 6.14 a kernel thread's first run moves
	 * it to its preferred CPUs, undoing what CREATE set.
	 */
	set_cpus_allowed_ptr(current, sqp->cpus);
	init_wait(&sqp->wait);
	sqp->wait.func = rxring_sq_wake;
	while (!kthread_should_stop()) {
		bool busy = rxring_sq_pass(sqp);

		/* IOPOLL: the thread reaps; it never sleeps on polled I/O. */
		if (iopoll && atomic_read(&ctx->nr_polled)) {
			if (rxring_iopoll_reap(ctx) > 0)
				busy = true;
			idle_end = jiffies + sqp->idle;
		}
		if (busy) {
			idle_end = jiffies + sqp->idle;
		} else if (time_after_eq(jiffies, idle_end)) {
			rxring_sq_sleep(sqp);
			idle_end = jiffies + sqp->idle;
			continue;
		} else {
			cpu_relax();
		}
		cond_resched();
	}
	revert_creds(old);
	return 0;
}

/*
 * CREATE: __resv1 and sq_thread_cpu are zero without SQPOLL; with it they
 * hold sq_thread_idle (resolved here) and sq_thread_cpu (with SQ_AFF only).
 * The rest of __resv2 is checked with max_workers (main.c).
 */
int rxring_poll_check_create(struct rxring_create *p)
{
	u32 cpu = p->sq_thread_cpu;

	if (!(p->flags & RXRING_CREATE_SQPOLL))
		return (p->flags & RXRING_CREATE_SQ_AFF) || p->__resv1 ||
		       cpu ? -EINVAL : 0;
	if (p->sq_thread_idle > RXRING_SQ_THREAD_IDLE_MAX)
		return -EINVAL;
	if (!(p->flags & RXRING_CREATE_SQ_AFF)) {
		if (cpu)
			return -EINVAL;
	} else if (cpu >= nr_cpu_ids || !cpu_online(cpu) ||
		   !cpumask_test_cpu(cpu, current->cpus_ptr)) {
		/* Like sched_setaffinity(2): a CPU the creator may use. */
		return -EINVAL;
	}
	if (!p->sq_thread_idle)
		p->sq_thread_idle = RXRING_SQ_THREAD_IDLE_DEFAULT;
	return 0;
}

/*
 * CREATE, under submit_lock: the thread, not yet running. It runs on the
 * CPU the record names (SQ_AFF), else on the creator's allowed CPUs.
 */
int rxring_sqpoll_create(struct rxring_ctx *ctx, const struct rxring_create *p)
{
	struct rxring_sqpoll *sqp;
	struct task_struct *task;
	int ret;

	spin_lock_init(&ctx->iopoll_lock);
	if (!(p->flags & RXRING_CREATE_SQPOLL))
		return 0;
	ret = -EAGAIN;
	if (atomic_inc_return(&rxring_sqpoll_threads) >
	    READ_ONCE(rxring_sqpoll_max))
		goto err_count;
	ret = -ENOMEM;
	sqp = kzalloc(sizeof(*sqp), GFP_KERNEL_ACCOUNT);
	if (!sqp)
		goto err_count;
	if (!zalloc_cpumask_var(&sqp->cpus, GFP_KERNEL_ACCOUNT))
		goto err_free;
	cpumask_copy(sqp->cpus, p->flags & RXRING_CREATE_SQ_AFF ?
		     cpumask_of(p->sq_thread_cpu) : current->cpus_ptr);
	sqp->ctx = ctx;
	sqp->idle = max(msecs_to_jiffies(p->sq_thread_idle), 1UL);
	sqp->idle_ms = p->sq_thread_idle;
	task = kthread_create(rxring_sq_thread, sqp, "rxsq-%d",
			      task_tgid_nr(current));
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto err_free;
	}
	ret = set_cpus_allowed_ptr(task, sqp->cpus);
	if (ret) {
		kthread_stop(task);
		goto err_free;
	}
	get_task_struct(task);
	sqp->task = task;
	mmgrab(current->mm);
	sqp->mm = current->mm;
	sqp->cred = get_current_cred();
	ctx->sqp = sqp;
	return 0;

err_free:
	free_cpumask_var(sqp->cpus);
	kfree(sqp);
err_count:
	atomic_dec(&rxring_sqpoll_threads);
	return ret;
}

/* CREATE, once the rings are published: let the thread run. */
void rxring_sqpoll_start(struct rxring_ctx *ctx)
{
	if (ctx->sqp)
		wake_up_process(ctx->sqp->task);
}

/* Teardown (or a failed CREATE): stop the thread and wait for it. */
void rxring_sqpoll_stop(struct rxring_ctx *ctx)
{
	struct rxring_sqpoll *sqp = ctx->sqp;

	if (!sqp)
		return;
	kthread_stop(sqp->task);
	put_task_struct(sqp->task);
	put_cred(sqp->cred);
	mmdrop(sqp->mm);
	free_cpumask_var(sqp->cpus);
	kfree(sqp);
	ctx->sqp = NULL;
	atomic_dec(&rxring_sqpoll_threads);
}

/*
 * In the thread, after the SQE's own validation: what it cannot do for
 * the creator.
 */
int rxring_sqpoll_check_sqe(struct rxring_ctx *ctx,
			    const struct rxring_sqe *sqe)
{
	if (ctx->sqp->no_mm)
		return -EOWNERDEAD;
	switch (sqe->opcode) {
	case RXRING_OP_NOP:
	case RXRING_OP_FUTEX:
	case RXRING_OP_TIMEOUT:
	case RXRING_OP_CANCEL:
		return 0;
	case RXRING_OP_READ:
	case RXRING_OP_WRITE:
	case RXRING_OP_READV:
	case RXRING_OP_WRITEV:
	case RXRING_OP_FSYNC:
		/* No file table to look an fd up in. */
		return sqe->syscall_flags & RXRING_RW_FIXED_FILE ? 0 : -EBADF;
	default:
		/* They act on the calling task's fds, cwd, memory, children. */
		return -EOPNOTSUPP;
	}
}

/* debugfs stats: the thread, polled I/O. */
void rxring_poll_show(struct seq_file *m, struct rxring_ctx *ctx)
{
	struct rxring_sqpoll *sqp = ctx->sqp;

	if (sqp) {
		seq_printf(m, "sq_thread_pid: %d\n", task_pid_nr(sqp->task));
		seq_printf(m, "sq_thread_state: %s\n",
			   READ_ONCE(sqp->sleeping) ? "sleeping" : "running");
		seq_printf(m, "sq_thread_idle_ms: %u\n", sqp->idle_ms);
		seq_printf(m, "sq_thread_sleeps: %llu\n", READ_ONCE(sqp->sleeps));
	}
	if (ctx->flags & RXRING_CREATE_IOPOLL)
		seq_printf(m, "polled_in_flight: %d\n",
			   atomic_read(&ctx->nr_polled));
}

/* SQ entries up to @tail (its low 32 bits) are taken. */
static bool rxring_sq_consumed(struct rxring_ctx *ctx, u32 tail)
{
	return (s32)((u32)READ_ONCE(ctx->sq_head) - tail) >= 0;
}

/*
 * ENTER on an SQPOLL instance takes no SQE itself: it wakes the thread
 * when it sleeps and, with WAKEUP_ON_SQ_AVAIL, waits until the thread has
 * taken every SQE published before the call.
 */
int rxring_sqpoll_enter(struct rxring_ctx *ctx, const struct rxring_enter *e,
			ktime_t *deadline)
{
	struct rxring_sqpoll *sqp = ctx->sqp;
	u64 tail;

	/* Pairs with the barrier in rxring_sq_sleep(). */
	smp_mb();
	if (READ_ONCE(sqp->sleeping))
		wake_up_process(sqp->task);
	if (!(e->flags & RXRING_ENTER_WAKEUP_ON_SQ_AVAIL))
		return 0;
	tail = READ_ONCE(ctx->sq_hdr->tail);
	if (tail - READ_ONCE(ctx->sq_head) > ctx->sq_entries)
		return -EINVAL;
	return rxring_wait(ctx, rxring_sq_consumed, (u32)tail, deadline);
}
