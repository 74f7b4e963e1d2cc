// SPDX-License-Identifier: GPL-2.0
/*
 * READ, WRITE, READV, WRITEV on a block device opened with O_DIRECT: bios
 * built here and submitted straight to the device's blk-mq queues.
 *
 * The user pages are pinned in the submitter's address space at submission
 * (bio_iov_iter_get_pages(), or its body in compat.h where it is not
 * exported) and released when their bio completes. A
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
 * submitter's own list (rxring_pend_stash_put()), no lock taken. One
 * completed elsewhere (an NVMe interrupt) posts its CQE at once and pushes
 * its record onto ctx->io_free without a lock; the submitter takes that
 * list whole when its own runs dry (rxring_pend_get_io()).
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <linux/rcupdate.h>
#include <linux/uio.h>
#include <linux/wait_bit.h>

#include "rxring.h"
#include "trace.h"

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
static __always_inline void rxring_io_count(struct rxring_ctx *ctx)
{
	u32 n;

	if (unlikely(!rxring_in_submit(ctx))) {
		atomic_inc(&ctx->nr_io);
		ctx->io_prio = get_current_ioprio();
		return;
	}
	if (!ctx->io_credit) {
		n = max_t(u32, ctx->plug_ios, 1);
		atomic_add(n, &ctx->nr_io);
		ctx->io_credit = n;
		/*
		 * The I/O priority submit_bio() would look up for each bio
		 * of this task, once (as io_uring does at prep).
		 */
		ctx->io_prio = get_current_ioprio();
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
	/*
	 * Only teardown waits for the count, after setting defer_dead (and
	 * a full barrier, in prepare_to_wait()); the atomic is one too.
	 */
	if (atomic_sub_and_test(n, &ctx->nr_io) && READ_ONCE(ctx->defer_dead))
		wake_up_var(&ctx->nr_io);
}

/*
 * Drop a reference to record @idx; the last one completes it. A request
 * in one bio has just that one, which needs no counting, unless IOPOLL's
 * poller may take one too (iopoll.c): then it is counted as well.
 */
static __always_inline void __rxring_io_put(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];
	struct rxring_result res = {};
	struct file *file;
	u64 user_data;
	u16 pflags;

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
		trace_rxring_complete(ctx->id, p->user_data, res.status, 0, 0,
				      false);
		rxring_stash_io(ctx, p->user_data, res.status, p->flags);
		rxring_pend_stash_put(ctx, idx);
		if (file)
			fput(file);
		ctx->io_credit++;
		return;
	}
	/*
	 * Elsewhere (an interrupt, say): posted at once, and the record goes
	 * back without pend_lock (no chain holds it, and CANCEL only reads
	 * its state). Back first: the completion gives its CQ slots back,
	 * and a submitter that sees it may take the next SQE at once, which
	 * must find a free record.
	 */
	user_data = p->user_data;
	pflags = p->flags;
	rxring_pend_io_free(ctx, idx);
	rxring_complete(ctx, user_data, &res, pflags);
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

/* iopoll.c's put, after it polled the record's bio. */
void rxring_io_put(struct rxring_ctx *ctx, u32 idx)
{
	__rxring_io_put(ctx, idx);
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
	__rxring_io_put(ctx, idx);
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
 * Check and clamp a request of *@len bytes at the SQE's position, in the
 * order read(2) and write(2) on the device check it: a position and
 * length the file allows (rw_verify_area()), then nothing past the end of
 * the device (blkdev_read_iter(), blkdev_write_iter()). The caller then
 * checks the alignment, as their direct I/O does, on what is left.
 * Returns the position, or -errno; *@len 0 means nothing to do (a read at
 * the end).
 */
static __always_inline loff_t rxring_blk_pos(const struct rxring_sqe *sqe,
					     struct file *file,
					     struct block_device *bdev,
					     u64 *len, bool write)
{
	loff_t size = bdev_nr_bytes(bdev);
	loff_t pos;
	int ret;

	if (sqe->offset == RXRING_POS_CURRENT)
		pos = file->f_pos;
	else
		pos = sqe->offset;
	ret = rw_verify_area(write ? WRITE : READ, file, &pos, *len);
	if (ret)
		return ret;
	if (!*len)
		return pos;
	if (pos >= size) {
		if (write)
			return -ENOSPC;
		*len = 0;
		return pos;
	}
	*len = min_t(u64, *len, size - pos);
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
 * has one, else from the bio_set. @nr_vecs: the bio_vecs it needs, 0 for
 * one that borrows its array (a registered buffer).
 */
static __always_inline struct bio *rxring_bio_get(struct rxring_ctx *ctx,
						  u32 idx,
						  struct block_device *bdev,
						  unsigned short nr_vecs,
						  blk_opf_t opf, bool first)
{
	struct rxring_bio *rb;
	struct bio *bio;

	if (first && idx < ctx->nr_iob) {
		struct rxring_iob *iob = &ctx->iob[idx];

		rb = &iob->rb;
		bio = &rb->bio;
		if (nr_vecs)
			bio_init(bio, bdev, iob->vecs, RXRING_IOB_VECS, opf);
		else
			bio_init(bio, bdev, NULL, 0, opf);
	} else {
		bio = bio_alloc_bioset(bdev, nr_vecs,
				       opf | RXRING_REQ_ALLOC_CACHE, GFP_KERNEL,
				       &rxring_bio_set);
		rb = container_of(bio, struct rxring_bio, bio);
	}
	rb->ctx = ctx;
	rb->idx = idx;
	bio->bi_end_io = rxring_bio_end_io;
	bio->bi_ioprio = ctx->io_prio;
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
 * A record in state IO for a request of @len bytes on @file, counted in
 * nr_io, the batch's plug started: what comes next is its first bio.
 */
static __always_inline u32 __rxring_io_start(struct rxring_ctx *ctx,
					     const struct rxring_sqe *sqe,
					     struct file *file, u64 len,
					     bool borrowed)
{
	struct rxring_pending *p;
	u32 idx;

	idx = rxring_pend_get_io(ctx, sqe);
	if (idx == RXRING_PEND_NONE)
		return idx;
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
	atomic_set(&p->io.res, len);
	rxring_io_count(ctx);
	rxring_submit_plug(ctx);
	return idx;
}

/* The same for a request that is no bio of ours (kio.c's kiocbs). */
u32 rxring_io_start(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		    struct file *file, u64 len, bool borrowed)
{
	return __rxring_io_start(ctx, sqe, file, len, borrowed);
}

/* A block request's record, with the records' own bios allocated. */
static __always_inline u32 rxring_blk_start(struct rxring_ctx *ctx,
					    const struct rxring_sqe *sqe,
					    struct file *file, u64 len,
					    bool borrowed)
{
	if (unlikely(!ctx->iob))
		rxring_iob_alloc(ctx);
	return __rxring_io_start(ctx, sqe, file, len, borrowed);
}

/* RXRING_POS_CURRENT: the file position, advanced by what is transferred. */
static void rxring_blk_advance(const struct rxring_sqe *sqe, struct file *file,
			       loff_t pos, u64 len)
{
	if (sqe->offset == RXRING_POS_CURRENT)
		file->f_pos = pos + len;
}

/*
 * Submit the only bio of the request of record @idx, which completes it.
 * Under IOPOLL it goes to a poll queue (a record's own bio only; iopoll.c),
 * and a poller may hold the request too: io.bios counts them.
 */
static __always_inline void rxring_blk_submit_only(struct rxring_ctx *ctx,
						   u32 idx, struct bio *bio)
{
	if (unlikely(ctx->flags & RXRING_CREATE_IOPOLL)) {
		ctx->pend[idx].flags |= RXRING_PF_MULTI_BIO;
		rxring_iopoll_bio(ctx, idx, bio);
	}
	submit_bio(bio);
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
	u64 len = iov_iter_count(iter);
	struct rxring_pending *p;
	bool first = true;
	loff_t pos;
	u32 idx;

	pos = rxring_blk_pos(sqe, file, bdev, &len, write);
	if (pos < 0)
		return pos;
	if (!len)
		return 0;
	iov_iter_truncate(iter, len);
	/*
	 * The direct I/O rule (blkdev_dio_unaligned()): position and
	 * lengths in logical blocks, memory to the queue's DMA alignment.
	 */
	if ((pos & (bdev_logical_block_size(bdev) - 1)) ||
	    !rxring_bdev_iter_aligned(bdev, iter))
		return -EINVAL;
	idx = rxring_blk_start(ctx, sqe, file, len, borrowed);
	if (idx == RXRING_PEND_NONE)
		return -EBUSY;
	rxring_blk_advance(sqe, file, pos, len);
	p = &ctx->pend[idx];

	if (iov_iter_is_bvec(iter)) {
		/* A registered buffer: its pages as they are, in one bio. */
		struct bio *bio = rxring_bio_get(ctx, idx, bdev, 0, opf, true);

		bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		rxring_bio_set_bvec(bio, iter->bvec, iter->nr_segs,
				    iter->iov_offset, len);
		rxring_blk_submit_only(ctx, idx, bio);
		return -EIOCBQUEUED;
	}

	do {
		struct bio *bio;
		int ret;

		bio = rxring_bio_get(ctx, idx, bdev,
				     bio_iov_vecs_to_alloc(iter, BIO_MAX_VECS),
				     opf, first);
		bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		ret = rxring_bio_iov_iter_get_pages(bio, iter);
		if (unlikely(ret)) {
			/* What went before is in flight: it completes. */
			rxring_bio_drop(bio);
			rxring_io_error(p, ret);
			if (first)
				break;	/* the issuing reference is the bio's */
			__rxring_io_put(ctx, idx);
			return -EIOCBQUEUED;
		}
		if (dirty)
			rxring_bio_set_pages_dirty(bio);
		pos += bio->bi_iter.bi_size;
		if (first) {
			if (!iov_iter_count(iter)) {
				/* All in one bio: it completes the request. */
				rxring_blk_submit_only(ctx, idx, bio);
				return -EIOCBQUEUED;
			}
			/* Several: counted, before the first can complete. */
			p->flags |= RXRING_PF_MULTI_BIO;
			first = false;
		}
		atomic_inc(&p->io.bios);
		submit_bio(bio);
	} while (iov_iter_count(iter));
	__rxring_io_put(ctx, idx);
	return -EIOCBQUEUED;
}

/*
 * READ or WRITE of @len bytes at sqe->addr in a registered buffer: the
 * pages pinned at registration go into one bio as they are, without an
 * iterator. The buffer is contiguous user memory: the bio starts at
 * sqe->addr (DMA-aligned, checked) and goes on through whole pages, the
 * same bio the kernel's own direct I/O makes of that memory. Returns as
 * rxring_blk_rw().
 */
static __always_inline int __rxring_blk_rw_fixed(struct rxring_ctx *ctx,
						 const struct rxring_sqe *sqe,
						 struct file *file, u64 len,
						 bool write, bool borrowed)
{
	struct block_device *bdev = rxring_file_bdev(file);
	unsigned int mask = bdev_logical_block_size(bdev) - 1;
	const struct bio_vec *bvec;
	unsigned int nr, skip;
	struct bio *bio;
	loff_t pos;
	u32 idx;
	int ret;

	ret = rxring_fixed_range(ctx, sqe->additional1, sqe->addr, len, &bvec,
				 &nr, &skip);
	if (ret)
		return ret;
	if (unlikely(mask >= PAGE_SIZE)) {
		struct iov_iter iter;

		iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, bvec, nr,
			      skip + len);
		iov_iter_advance(&iter, skip);
		return rxring_blk_rw(ctx, sqe, file, &iter, write, borrowed);
	}
	pos = rxring_blk_pos(sqe, file, bdev, &len, write);
	if (pos < 0)
		return pos;
	if (!len)
		return 0;
	if (((pos | len) & mask) || (sqe->addr & bdev_dma_alignment(bdev)))
		return -EINVAL;
	idx = rxring_blk_start(ctx, sqe, file, len, borrowed);
	if (idx == RXRING_PEND_NONE)
		return -EBUSY;
	rxring_blk_advance(sqe, file, pos, len);
	bio = rxring_bio_get(ctx, idx, bdev, 0, rxring_bio_opf(file, write),
			     true);
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	rxring_bio_set_bvec(bio, bvec, nr, skip, len);
	rxring_blk_submit_only(ctx, idx, bio);
	return -EIOCBQUEUED;
}

int rxring_blk_rw_fixed(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			struct file *file, u64 len, bool write, bool borrowed)
{
	return __rxring_blk_rw_fixed(ctx, sqe, file, len, write, borrowed);
}

/*
 * READ or WRITE with RXRING_RW_FIXED_FILE and RXRING_RW_FIXED_BUF, called
 * by submit.c for the SQE it validated: a registered file that is a block
 * device opened O_DIRECT goes straight to rxring_blk_rw_fixed(); anything
 * else, errors included, to rxring_rw_issue(), which decides as always.
 */
int rxring_rw_issue_fixed(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			  struct rxring_result *res)
{
	bool write = sqe->opcode == RXRING_OP_WRITE;
	struct file *file = rxring_fixed_file(ctx, sqe->fd);
	int ret;

	if (!file || !(file->f_mode & (write ? FMODE_WRITE : FMODE_READ)) ||
	    !(write ? file->f_op->write_iter : file->f_op->read_iter) ||
	    !rxring_blk_direct(file))
		return rxring_rw_issue(ctx, sqe, res);
	ret = __rxring_blk_rw_fixed(ctx, sqe, file,
				    min_t(u64, sqe->len, MAX_RW_COUNT), write,
				    true);
	if (ret == -EIOCBQUEUED)
		return RXRING_QUEUED;
	if (ret < 0)
		return ret;
	res->status = ret;
	return 0;
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
