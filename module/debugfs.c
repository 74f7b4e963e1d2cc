// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/rxring/<id>/stats for every open instance,
 * numbered in the order they were opened (the ring= of the tracepoints).
 * One "name: value" pair per line; rxring-top reads them. The numbers are
 * read without stopping the instance, so they are a snapshot only roughly.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "rxring.h"

/* CQ slots each operation in flight holds (submit.c). */
#define RXRING_SLOTS_PER_OP	2

static struct dentry *rxring_debugfs_root;
static atomic_t rxring_next_id = ATOMIC_INIT(0);

static const char *const rxring_barrier_names[] = {
	[RXRING_BAR_NONE] = "none",
	[RXRING_BAR_CHAIN] = "chain",
	[RXRING_BAR_DRAIN] = "drain",
};

static int rxring_stats_show(struct seq_file *m, void *unused)
{
	struct rxring_ctx *ctx = m->private;
	u32 parked[RXRING_OP_LAST] = {}, io = 0, file = 0, busy = 0, i;
	u32 page = 0, queued = 0, running = 0;
	u64 cq_tail, completions, sq_head, sq_tail, cq_head;
	u32 reserved, nr_pend;
	unsigned long flags;
	u8 barrier;

	seq_printf(m, "id: %u\npid: %d\ncomm: %s\n", ctx->id, ctx->pid,
		   ctx->comm);
	/* Pairs with the release in CREATE: the rings are set up. */
	if (!smp_load_acquire(&ctx->ready)) {
		seq_puts(m, "rings: none\n");
		return 0;
	}

	spin_lock_irqsave(&ctx->cq_lock, flags);
	cq_tail = ctx->cq_tail;
	reserved = ctx->cq_reserved;
	completions = ctx->nr_completions;
	spin_unlock_irqrestore(&ctx->cq_lock, flags);

	spin_lock_irqsave(&ctx->pend_lock, flags);
	nr_pend = ctx->nr_pend;
	for (i = 0; i < nr_pend; i++) {
		const struct rxring_pending *p = &ctx->pend[i];

		switch (p->state) {
		case RXRING_PEND_FREE:
			continue;
		case RXRING_PEND_PARKED:
			if (p->op < RXRING_OP_LAST)
				parked[p->op]++;
			break;
		case RXRING_PEND_IO:
			io++;
			break;
		case RXRING_PEND_PAGE:
			page++;
			break;
		case RXRING_PEND_WORK:
			queued++;
			break;
		case RXRING_PEND_RUNNING:
			running++;
			break;
		default:
			file++;
			break;
		}
		busy++;
	}
	spin_unlock_irqrestore(&ctx->pend_lock, flags);

	sq_head = READ_ONCE(ctx->sq_head);
	sq_tail = READ_ONCE(ctx->sq_hdr->tail);
	cq_head = READ_ONCE(ctx->cq_hdr->head);
	barrier = READ_ONCE(ctx->barrier);

	seq_printf(m, "rings: %s\n",
		   ctx->flags & RXRING_CREATE_INDIRECT ? "indirect" : "direct");
	seq_printf(m, "sq_entries: %u\ncq_entries: %u\n", ctx->sq_entries,
		   ctx->cq_entries);
	/* sq_head counts every SQE taken (dropped ones included). */
	seq_printf(m, "sq_head: %llu\nsq_tail: %llu\nsq_pending: %llu\n",
		   sq_head, sq_tail, sq_tail - sq_head);
	seq_printf(m, "sq_dropped: %llu\n", READ_ONCE(ctx->sq_dropped));
	seq_printf(m, "cq_head: %llu\ncq_tail: %llu\ncq_filled: %llu\n",
		   cq_head, cq_tail, cq_tail - cq_head);
	seq_printf(m, "completions: %llu\n", completions);
	seq_printf(m, "in_flight: %u\n", reserved / RXRING_SLOTS_PER_OP);
	seq_printf(m, "records: %u of %u\n", busy, nr_pend);
	seq_printf(m, "parked_futex: %u\nparked_waitpid: %u\nparked_timeout: %u\n",
		   parked[RXRING_OP_FUTEX], parked[RXRING_OP_WAITPID],
		   parked[RXRING_OP_TIMEOUT]);
	seq_printf(m, "bio_in_flight: %u\nwaiting_for_file: %u\n", io, file);
	seq_printf(m, "waiting_for_page: %u\n", page);
	/* Operations queued for the instance's workers, and running. */
	seq_printf(m, "worker_queued: %u\nworker_running: %u\nmax_workers: %u\n",
		   queued, running, ctx->max_workers);
	seq_printf(m, "barrier: %s\n",
		   barrier < ARRAY_SIZE(rxring_barrier_names) ?
		   rxring_barrier_names[barrier] : "?");
	rxring_poll_show(m, ctx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rxring_stats);

void rxring_debugfs_add(struct rxring_ctx *ctx)
{
	char name[16];

	ctx->id = atomic_inc_return(&rxring_next_id);
	ctx->pid = task_tgid_nr(current);
	get_task_comm(ctx->comm, current);
	if (IS_ERR_OR_NULL(rxring_debugfs_root))
		return;
	snprintf(name, sizeof(name), "%u", ctx->id);
	ctx->debugfs = debugfs_create_dir(name, rxring_debugfs_root);
	/* Removing the directory waits for readers of the file. */
	debugfs_create_file("stats", 0444, ctx->debugfs, ctx,
			    &rxring_stats_fops);
}

void rxring_debugfs_remove(struct rxring_ctx *ctx)
{
	debugfs_remove(ctx->debugfs);
	ctx->debugfs = NULL;
}

void rxring_debugfs_init(void)
{
	rxring_debugfs_root = debugfs_create_dir("rxring", NULL);
}

void rxring_debugfs_exit(void)
{
	debugfs_remove(rxring_debugfs_root);
	rxring_debugfs_root = NULL;
}
