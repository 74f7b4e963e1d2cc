// SPDX-License-Identifier: GPL-2.0
/*
 * RXRING_CREATE_IOPOLL: block I/O completed by polling the device's poll
 * queues (nvme.poll_queues=, null_blk's poll_queues=) with bio_poll(),
 * instead of by interrupt.
 *
 * Only READ, WRITE, READV and WRITEV on a block device opened O_DIRECT,
 * or on a regular file opened O_DIRECT whose file system polls its direct
 * I/O (->iopoll) on such a device, whose blk-mq queue has poll queues,
 * are allowed (rxring_iopoll_file(); -EOPNOTSUPP otherwise, as io_uring
 * does). A file's request goes to the file system with IOCB_HIPRI and is
 * reaped with ->iopoll on its kiocb (rxring_iopoll_kiocb(), kio.c). A
 * block device request whose bytes fit in
 * the record's own bio (blk.c: up to 16 KiB of user pages, or any length
 * from a registered buffer) is submitted with REQ_POLLED; one that needs
 * more bios is submitted as without IOPOLL and completes by interrupt, as
 * the kernel's own block device O_DIRECT does with multi-bio requests.
 * Polled bios also carry REQ_NOWAIT: one that found no free tag would wait
 * for a completion that only polling reaps, so it fails with -EAGAIN
 * instead; the submitter keeps the instance's polled requests below the
 * queue's depth by reaping first (rxring_iopoll_bio()).
 *
 * The record of a polled request carries RXRING_PF_POLLED, set and cleared
 * under iopoll_lock. A poller takes a reference to the request (io.bios)
 * under that lock while the flag is set, which keeps the record, its file
 * and so its block device from going while it calls bio_poll() on the
 * record's own bio (memory of the instance). The reference it drops may be
 * the last one, which completes the request there.
 *
 * Who polls: ENTER, while polled I/O of the instance is in flight, instead
 * of sleeping (rxring_iopoll_wait(); one round even when it waits for
 * nothing), or the SQPOLL thread when there is one; and teardown, before
 * it waits for the instance's I/O (rxring_iopoll_drain()).
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "rxring.h"

/*
 * The queue polled I/O on @file goes to: a block device opened O_DIRECT, or
 * a regular file opened O_DIRECT on a file system on one block device
 * whose direct I/O can be polled (->iopoll: ext4, xfs); else NULL.
 */
static struct request_queue *rxring_iopoll_queue(struct file *file)
{
	struct super_block *sb = file_inode(file)->i_sb;

	if (rxring_blk_direct(file))
		return bdev_get_queue(rxring_file_bdev(file));
	if (S_ISREG(file_inode(file)->i_mode) && (file->f_flags & O_DIRECT) &&
	    file->f_op->iopoll && sb->s_bdev)
		return bdev_get_queue(sb->s_bdev);
	return NULL;
}

/* Polled I/O is possible on @file (READ, WRITE, READV, WRITEV). */
int rxring_iopoll_file(struct file *file)
{
	struct request_queue *q = rxring_iopoll_queue(file);

	if (!q || !queue_is_mq(q) || !rxring_queue_can_poll(q))
		return -EOPNOTSUPP;
	return 0;
}

/*
 * Room in @q for one more polled request: reap before a tag could be
 * missing (a fatal signal gives up: the request then fails with -EAGAIN
 * if it must), then mark record @idx polled (@kio: through a kiocb).
 */
static void rxring_iopoll_mark(struct rxring_ctx *ctx, u32 idx,
			       struct request_queue *q, bool kio)
{
	unsigned long flags;

	while ((unsigned long)atomic_read(&ctx->nr_polled) >= q->nr_requests &&
	       !fatal_signal_pending(current)) {
		rxring_iopoll_reap(ctx);
		cond_resched();
	}
	spin_lock_irqsave(&ctx->iopoll_lock, flags);
	ctx->pend[idx].flags |= RXRING_PF_POLLED |
				(kio ? RXRING_PF_KIO | RXRING_PF_MULTI_BIO : 0);
	spin_unlock_irqrestore(&ctx->iopoll_lock, flags);
	atomic_inc(&ctx->nr_polled);
}

/*
 * kio.c, in the submitting task: the kiocb of record @idx is about to go
 * to the file system. Its direct I/O polls its bios (IOCB_HIPRI; the file
 * system leaves the bio to poll in ki_private), and the record counts the
 * kiocb plus a poller in io.bios, as a request of several bios does.
 */
void rxring_iopoll_kiocb(struct rxring_ctx *ctx, u32 idx, struct kiocb *iocb)
{
	iocb->ki_flags |= IOCB_HIPRI;
	rxring_iopoll_mark(ctx, idx, rxring_iopoll_queue(iocb->ki_filp), true);
}

/*
 * blk.c, in the submitting task: the only bio of the request of record
 * @idx is about to be submitted. Make it polled if it is the record's own
 * (any other could be freed while a poller looks at it).
 */
void rxring_iopoll_bio(struct rxring_ctx *ctx, u32 idx, struct bio *bio)
{
	if (bio->bi_pool)
		return;
	rxring_iopoll_mark(ctx, idx, bdev_get_queue(bio->bi_bdev), false);
	bio->bi_opf |= REQ_POLLED | REQ_NOWAIT;
}

/*
 * blk.c: the last reference to polled request @p went (any context);
 * no poller may take one now.
 */
void rxring_iopoll_done(struct rxring_ctx *ctx, struct rxring_pending *p)
{
	unsigned long flags;

	spin_lock_irqsave(&ctx->iopoll_lock, flags);
	p->flags &= ~(RXRING_PF_POLLED | RXRING_PF_KIO);
	spin_unlock_irqrestore(&ctx->iopoll_lock, flags);
	atomic_dec(&ctx->nr_polled);
}

/* A reference to polled record @idx, or false when it is done. */
static bool rxring_iopoll_hold(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];
	bool held;

	spin_lock_irq(&ctx->iopoll_lock);
	held = (p->flags & RXRING_PF_POLLED) &&
	       atomic_inc_not_zero(&p->io.bios);
	spin_unlock_irq(&ctx->iopoll_lock);
	return held;
}

/*
 * The submitting task's own polled bios may sit in its plug, with no
 * cookie yet: bio_poll() would not see them (nor flush the plug, which it
 * does only for a bio that has one). Issue them first. blk_flush_plug()'s
 * worker is not exported; finishing the plug and starting it again does
 * the same.
 */
static void rxring_iopoll_unplug(void)
{
	struct blk_plug *plug = current->plug;

	if (plug) {
		blk_finish_plug(plug);
		blk_start_plug(plug);
	}
}

/*
 * Poll the queues of the instance's polled requests once. bio_poll() reaps
 * a whole hardware queue, so requests whose bio went to the queue just
 * polled are skipped. Returns the number of requests the device completed
 * (of any instance: they share the queue).
 */
int rxring_iopoll_reap(struct rxring_ctx *ctx)
{
	u32 left = atomic_read(&ctx->nr_polled), idx;
	struct block_device *last_bdev = NULL;
	blk_qc_t last_cookie = BLK_QC_T_NONE;
	int found = 0;

	rxring_iopoll_unplug();
	/*
	 * Polled block requests have bios of their own (below nr_iob);
	 * polled kiocbs may be any record.
	 */
	for (idx = 0; idx < (ctx->kio ? ctx->nr_pend : ctx->nr_iob) && left;
	     idx++) {
		struct block_device *bdev;
		struct bio *bio;
		blk_qc_t cookie;
		u16 pflags;
		int ret;

		pflags = READ_ONCE(ctx->pend[idx].flags);
		if (!(pflags & RXRING_PF_POLLED))
			continue;
		/* The flag was set after ctx->iob: see rxring_iopoll_bio(). */
		smp_rmb();
		left--;
		if (pflags & RXRING_PF_KIO) {
			if (!rxring_iopoll_hold(ctx, idx))
				continue;
			ret = rxring_kio_poll(ctx, idx);
			if (ret > 0)
				found += ret;
			rxring_io_put(ctx, idx);
			continue;
		}
		bio = rxring_blk_own_bio(ctx, idx);
		bdev = READ_ONCE(bio->bi_bdev);
		cookie = READ_ONCE(bio->bi_cookie);
		if (cookie != BLK_QC_T_NONE && cookie == last_cookie &&
		    bdev == last_bdev)
			continue;
		if (!rxring_iopoll_hold(ctx, idx))
			continue;
		ret = bio_poll(bio, NULL, BLK_POLL_ONESHOT);
		if (ret > 0)
			found += ret;
		last_bdev = bdev;
		last_cookie = cookie;
		rxring_io_put(ctx, idx);
	}
	return found;
}

/* ENTER sleeps only until polled I/O is in flight (or it is done). */
static bool rxring_iopoll_cond(struct rxring_ctx *ctx, u32 min_complete)
{
	return rxring_cq_filled(ctx) >= min_complete ||
	       atomic_read(&ctx->nr_polled);
}

/*
 * ENTER's wait under IOPOLL (without SQPOLL): until @min_complete CQ slots
 * are filled, polling while polled I/O is in flight and sleeping as usual
 * otherwise. With @min_complete 0, one round of polling.
 */
int rxring_iopoll_wait(struct rxring_ctx *ctx, u32 min_complete,
		       ktime_t *deadline)
{
	int ret;

	for (;;) {
		if (atomic_read(&ctx->nr_polled))
			rxring_iopoll_reap(ctx);
		if (rxring_cq_filled(ctx) >= min_complete)
			return 0;
		if (!atomic_read(&ctx->nr_polled)) {
			ret = rxring_wait(ctx, rxring_iopoll_cond, min_complete,
					  deadline);
			if (ret)
				return ret;
			continue;
		}
		if (signal_pending(current))
			return -EINTR;
		if (deadline && ktime_compare(ktime_get(), *deadline) >= 0)
			return -ETIME;
		cond_resched();
	}
}

/* Teardown: no ENTER and no thread polls any more; reap what is left. */
void rxring_iopoll_drain(struct rxring_ctx *ctx)
{
	while (atomic_read(&ctx->nr_polled)) {
		rxring_iopoll_reap(ctx);
		cond_resched();
	}
}
