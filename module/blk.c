// SPDX-License-Identifier: GPL-2.0
/*
 * READ, WRITE, READV, WRITEV on a block device opened with O_DIRECT: bios
 * built here and submitted straight to the device's blk-mq queues.
 *
 * The user pages are pinned in the submitter's address space at submission
 * (bio_iov_iter_get_pages()) and released when their bio completes. A
 * request larger than one bio becomes several; the record counts them
 * (io.bios, plus one while they are being issued) and keeps the first
 * error (io.res), so the last bio to complete posts the one completion:
 * the byte count, or that error. bi_end_io may run in hard IRQ context:
 * pend_lock and cq_lock are irq-safe, and fput() defers itself there.
 *
 * No allocation per request in steady state: the first bio of a request
 * is the record's own (ctx->iob, one per record up to RXRING_IOB_MAX,
 * allocated with the first request of the instance), initialised with
 * bio_init() and undone with bio_uninit(); only the further bios of a
 * request larger than its RXRING_IOB_VECS pages, or records past
 * RXRING_IOB_MAX, come from the module's bio_set (with the per-CPU cache
 * where the kernel allows it from IRQ context, compat.h). A buffer
 * registered with RXRING_IOC_REGISTER_BUFFERS arrives as a bio_vec
 * iterator: its pages are neither pinned nor dirtied per request. Either
 * way the bio is preceded by struct rxring_bio, the way back to the
 * record.
 *
 * ctx->nr_io counts the records with bios in flight: teardown waits for it
 * to reach zero (rxring_defer_teardown()), so the instance outlives its
 * I/O; the file is held until the I/O is done (a registered file is
 * borrowed: the table outlives the I/O). The submitter does not touch it
 * once per request: on its first bio it adds the SQEs left in its batch at
 * once, as a credit (ctx->io_credit) that each request spends and each
 * request completed inside the batch gives back; what is left is taken
 * off at the end of the batch (rxring_blk_settle()). The count is never
 * below the records truly in flight. A request that fits in one bio (the
 * common case) has no reference count either: only a request split into
 * several bios counts them (RXRING_PF_MULTI_BIO), so the usual request
 * costs no atomic operation of the module's own from issue to completion.
 *
 * As every read and write path of the kernel, each request goes through
 * rw_verify_area() (the LSM's file_permission hook and fanotify's access
 * permission events) before its bios are built.
 *
 * A request that the device completes inside the submitting ENTER (null_blk
 * without interrupts, say) is completed through submit.c's batch: its CQE
 * is posted with the others of that ENTER and its record goes back to the
 * submitter's own list (rxring_pend_stash_put()), no lock taken.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/uio.h>
#include <linux/wait_bit.h>

#include "rxring.h"

struct rxring_bio {
	struct rxring_ctx *ctx;
	u32 idx;		/* the record */
	struct bio bio;		/* last: the bio_set's front_pad ends here */
};

/* Inline bio_vecs of a record's own bio: 16 KiB of user pages. */
#define RXRING_IOB_VECS	4
/* Records with a bio of their own (the rest use the bio_set). */
#define RXRING_IOB_MAX	1024

/* A record's own bio (ctx->iob[idx]), reused by its every request. */
struct rxring_iob {
	struct rxring_bio rb;
	struct bio_vec vecs[RXRING_IOB_VECS];
};

static struct bio_set rxring_bio_set;

bool rxring_blk_direct(struct file *file)
{
	return S_ISBLK(file_inode(file)->i_mode) &&
	       (file->f_flags & O_DIRECT);
}

/* Keep the first error of a request. */
static void rxring_io_error(struct rxring_pending *p, int err)
{
	int old = atomic_read(&p->io.res);

	do {
		if (old < 0)
			return;
	} while (!atomic_try_cmpxchg(&p->io.res, &old, err));
}

/*
 * Count one more request in ctx->nr_io: from the batch's credit in the
 * submitting task (see the top of this file).
 */
static void rxring_io_count(struct rxring_ctx *ctx)
{
	u32 n;

	if (unlikely(!rxring_in_submit(ctx))) {
		atomic_inc(&ctx->nr_io);
		return;
	}
	if (!ctx->io_credit) {
		n = max_t(u32, ctx->plug_ios, 1);
		atomic_add(n, &ctx->nr_io);
		ctx->io_credit = n;
	}
	ctx->io_credit--;
}

/*
 * The end of the submitting task's batch, its last bio completed or
 * issued: the credit left is taken off ctx->nr_io.
 */
void rxring_blk_settle(struct rxring_ctx *ctx)
{
	u32 n = ctx->io_credit;

	if (!n)
		return;
	ctx->io_credit = 0;
	if (atomic_sub_and_test(n, &ctx->nr_io))
		wake_up_var(&ctx->nr_io);
}

/*
 * Drop a reference to record @idx; the last one completes it. A request
 * in one bio has just that one, which needs no counting, unless IOPOLL's
 * poller may take one too (iopoll.c): then it is counted as well.
 */
void rxring_io_put(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];
	struct rxring_result res = {};
	unsigned long flags;
	struct file *file;

	if ((p->flags & RXRING_PF_MULTI_BIO) &&
	    !atomic_dec_and_test(&p->io.bios))
		return;
	if (unlikely(p->flags & RXRING_PF_POLLED))
		rxring_iopoll_done(ctx, p);
	res.status = atomic_read(&p->io.res);
	file = p->flags & RXRING_PF_FIXED_FILE ? NULL : p->io.file;
	if (rxring_in_submit(ctx)) {
		/*
		 * Completed inside the submitting task's ENTER, which is
		 * still running and holds the instance: batched, and its
		 * count goes back to the batch's credit.
		 */
		rxring_complete(ctx, p->user_data, &res, p->flags);
		rxring_pend_stash_put(ctx, idx);
		if (file)
			fput(file);
		ctx->io_credit++;
		return;
	}
	spin_lock_irqsave(&ctx->pend_lock, flags);
	rxring_pend_finish(ctx, idx, &res);
	spin_unlock_irqrestore(&ctx->pend_lock, flags);
	if (file)
		fput(file);
	rxring_cq_wake(ctx);
	/*
	 * The last use of @ctx: teardown may free it once the count is
	 * zero. The read-side section holds off module unload (which waits
	 * for a grace period) until this code is left.
	 */
	rcu_read_lock();
	if (atomic_dec_and_test(&ctx->nr_io))
		wake_up_var(&ctx->nr_io);
	rcu_read_unlock();
}

static void rxring_bio_end_io(struct bio *bio)
{
	struct rxring_bio *rb = container_of(bio, struct rxring_bio, bio);
	struct rxring_ctx *ctx = rb->ctx;
	u32 idx = rb->idx;

	if (bio->bi_status)
		rxring_io_error(&ctx->pend[idx],
				blk_status_to_errno(bio->bi_status));
	bio_release_pages(bio, false);
	if (bio->bi_pool)
		bio_put(bio);
	else
		bio_uninit(bio);	/* the record's own (ctx->iob) */
	rxring_io_put(ctx, idx);
}

static blk_opf_t rxring_bio_opf(struct file *file, bool write)
{
	blk_opf_t opf = REQ_OP_READ;

	if (write) {
		opf = REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
		if ((file->f_flags & O_DSYNC) || IS_SYNC(file->f_mapping->host))
			opf |= REQ_FUA;
	}
	return opf;
}

/*
 * Check and clamp the request: offset, length and every buffer aligned to
 * the logical block size, nothing past the end of the device. Returns the
 * position, or -errno; 0 bytes left in @iter means nothing to do.
 */
static loff_t rxring_blk_pos(const struct rxring_sqe *sqe, struct file *file,
			     struct block_device *bdev, struct iov_iter *iter,
			     bool write)
{
	unsigned long mask = bdev_logical_block_size(bdev) - 1;
	loff_t size = bdev_nr_bytes(bdev);
	loff_t pos;

	if (sqe->offset == RXRING_POS_CURRENT)
		pos = file->f_pos;
	else
		pos = sqe->offset;
	if ((pos | iov_iter_count(iter) | iov_iter_alignment(iter)) & mask)
		return -EINVAL;
	if (pos >= size) {
		if (write)
			return -ENOSPC;
		iov_iter_truncate(iter, 0);
		return pos;
	}
	iov_iter_truncate(iter, size - pos);
	/* RXRING_POS_CURRENT: advanced now, by what will be transferred. */
	if (sqe->offset == RXRING_POS_CURRENT)
		file->f_pos = pos + iov_iter_count(iter);
	return pos;
}

/* The records' own bios, allocated with the first request of @ctx. */
static void rxring_iob_alloc(struct rxring_ctx *ctx)
{
	lockdep_assert_held(&ctx->submit_lock);
	ctx->nr_iob = min_t(u32, ctx->nr_pend, RXRING_IOB_MAX);
	ctx->iob = kvcalloc(ctx->nr_iob, sizeof(*ctx->iob), RXRING_GFP);
	if (!ctx->iob)
		ctx->nr_iob = 0;	/* the bio_set it is, then */
}

/* The record's own bio, which IOPOLL polls (iopoll.c). */
struct bio *rxring_blk_own_bio(struct rxring_ctx *ctx, u32 idx)
{
	return &ctx->iob[idx].rb.bio;
}

void rxring_blk_teardown(struct rxring_ctx *ctx)
{
	kvfree(ctx->iob);
	ctx->iob = NULL;
	ctx->nr_iob = 0;
}

/*
 * A bio for record @idx: its own for the first bio of a request when it
 * has one, else from the bio_set.
 */
static struct bio *rxring_bio_get(struct rxring_ctx *ctx, u32 idx,
				  struct block_device *bdev,
				  struct iov_iter *iter, blk_opf_t opf,
				  bool first)
{
	struct rxring_bio *rb;
	struct bio *bio;

	if (first && idx < ctx->nr_iob) {
		struct rxring_iob *iob = &ctx->iob[idx];

		rb = &iob->rb;
		bio = &rb->bio;
		/* A bio_vec iterator lends its array: no vecs of our own. */
		if (iov_iter_is_bvec(iter))
			bio_init(bio, bdev, NULL, 0, opf);
		else
			bio_init(bio, bdev, iob->vecs, RXRING_IOB_VECS, opf);
	} else {
		bio = bio_alloc_bioset(bdev,
				       bio_iov_vecs_to_alloc(iter, BIO_MAX_VECS),
				       opf | RXRING_REQ_ALLOC_CACHE, GFP_KERNEL,
				       &rxring_bio_set);
		rb = container_of(bio, struct rxring_bio, bio);
	}
	rb->ctx = ctx;
	rb->idx = idx;
	bio->bi_end_io = rxring_bio_end_io;
	return bio;
}

/* Undo rxring_bio_get() for a bio that was never submitted. */
static void rxring_bio_drop(struct bio *bio)
{
	if (bio->bi_pool)
		bio_put(bio);
	else
		bio_uninit(bio);
}

/*
 * Start the bios of one request. -EIOCBQUEUED (the record owns @file,
 * unless @borrowed: a registered file), 0 with nothing to do, or -errno.
 */
int rxring_blk_rw(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		  struct file *file, struct iov_iter *iter, bool write,
		  bool borrowed)
{
	struct block_device *bdev = rxring_file_bdev(file);
	blk_opf_t opf = rxring_bio_opf(file, write);
	bool dirty = !write && user_backed_iter(iter);
	struct rxring_pending *p;
	bool first = true;
	loff_t pos;
	int ret;
	u32 idx;

	pos = rxring_blk_pos(sqe, file, bdev, iter, write);
	if (pos < 0)
		return pos;
	if (!iov_iter_count(iter))
		return 0;
	ret = rw_verify_area(write ? WRITE : READ, file, &pos,
			     iov_iter_count(iter));
	if (ret)
		return ret;
	if (unlikely(!ctx->iob))
		rxring_iob_alloc(ctx);

	idx = rxring_pend_get_io(ctx, sqe);
	if (idx == RXRING_PEND_NONE)
		return -EBUSY;
	p = &ctx->pend[idx];
	p->io.file = file;
	if (borrowed)
		p->flags |= RXRING_PF_FIXED_FILE;
	/*
	 * One reference per bio in flight, plus one while more are being
	 * issued: a request that fits in one bio (the common case) needs
	 * no more than the bio's own, which is not counted.
	 */
	atomic_set(&p->io.bios, 1);
	atomic_set(&p->io.res, iov_iter_count(iter));
	rxring_io_count(ctx);
	rxring_submit_plug(ctx);

	if (iov_iter_is_bvec(iter)) {
		/* A registered buffer: its pages as they are, in one bio. */
		struct bio *bio = rxring_bio_get(ctx, idx, bdev, iter, opf,
						 true);

		bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		rxring_bio_set_bvec(bio, iter);
		submit_bio(bio);
		return -EIOCBQUEUED;
	}

	do {
		struct bio *bio;

		bio = rxring_bio_get(ctx, idx, bdev, iter, opf, first);
		bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		ret = bio_iov_iter_get_pages(bio, iter);
		if (unlikely(ret)) {
			/* What went before is in flight: it completes. */
			rxring_bio_drop(bio);
			rxring_io_error(p, ret);
			if (first)
				break;	/* the issuing reference is the bio's */
			rxring_io_put(ctx, idx);
			return -EIOCBQUEUED;
		}
		if (dirty)
			rxring_bio_set_pages_dirty(bio);
		pos += bio->bi_iter.bi_size;
		if (first) {
			if (!iov_iter_count(iter)) {
				/* All in one bio: it completes the request. */
				if (unlikely(ctx->flags & RXRING_CREATE_IOPOLL)) {
					/* The poller counts in io.bios. */
					p->flags |= RXRING_PF_MULTI_BIO;
					rxring_iopoll_bio(ctx, idx, bio);
				}
				submit_bio(bio);
				return -EIOCBQUEUED;
			}
			/* Several: counted, before the first can complete. */
			p->flags |= RXRING_PF_MULTI_BIO;
			first = false;
		}
		atomic_inc(&p->io.bios);
		submit_bio(bio);
	} while (iov_iter_count(iter));
	rxring_io_put(ctx, idx);
	return -EIOCBQUEUED;
}

int rxring_blk_init(void)
{
	return bioset_init(&rxring_bio_set, BIO_POOL_SIZE,
			   offsetof(struct rxring_bio, bio),
			   BIOSET_NEED_BVECS | BIOSET_PERCPU_CACHE);
}

void rxring_blk_exit(void)
{
	bioset_exit(&rxring_bio_set);
}
