// SPDX-License-Identifier: GPL-2.0
/*
 * READ, WRITE, READV, WRITEV on a regular file opened with O_DIRECT, at an
 * explicit offset: the file system's own direct I/O (ext4's and xfs's
 * iomap) with a kiocb of the record's, so ENTER starts the transfer and
 * does not wait for it.
 *
 * The operation takes an I/O record as a block device request does (blk.c:
 * state IO, counted in ctx->nr_io, the file held until it is done) and a
 * kiocb from ctx->kio, one per record, allocated with the first such
 * request of the instance: no allocation per request. ->read_iter or
 * ->write_iter is called with it; -EIOCBQUEUED means the bios are in
 * flight and ki_complete (rxring_kio_complete(), in any context, often
 * hard IRQ) completes the record as a finished bio does. Any other return
 * (a short read at the end of the file, an error, a file system that did
 * the transfer synchronously) completes the record at once through the
 * same path, so the completion is posted in one place.
 *
 * The iovec array is read during the call and not afterwards, as for
 * io_submit(2): the file system has pinned the pages and built its bios
 * before it returns, and the array is freed then.
 *
 * A write holds the superblock's freeze protection from the call to its
 * completion (kiocb_start_write(), kiocb_end_write()), as aio and io_uring
 * do, and passes rw_verify_area() first, as write(2) does.
 *
 * Under IOPOLL the kiocb carries IOCB_HIPRI and is reaped by polling
 * (iopoll.c, rxring_kio_poll()). RXRING_POS_CURRENT (the file position
 * advances by what each operation moves, in order) goes to a worker
 * instead (rw.c). The direct I/O call itself may sleep
 * on what the file system must look up or lock to map the range (extents,
 * the inode lock, block allocation for a write into a hole) and on a free
 * request of the device; it does not wait for the transfer.
 */
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "rxring.h"

/* A record's kiocb, reused by its every request. */
struct rxring_kio {
	struct kiocb iocb;
	struct rxring_ctx *ctx;
	u32 idx;			/* the record */
};

/* Whether a read or write of @file at sqe->offset goes through a kiocb. */
bool rxring_kio_direct(struct file *file, const struct rxring_sqe *sqe)
{
	return S_ISREG(file_inode(file)->i_mode) &&
	       (file->f_flags & O_DIRECT) &&
	       sqe->offset != RXRING_POS_CURRENT;
}

/* The records' kiocbs, allocated with the first request of @ctx. */
static bool rxring_kio_alloc(struct rxring_ctx *ctx)
{
	lockdep_assert_held(&ctx->submit_lock);
	ctx->kio = kvcalloc(ctx->nr_pend, sizeof(*ctx->kio), RXRING_GFP);
	return ctx->kio;
}

void rxring_kio_teardown(struct rxring_ctx *ctx)
{
	kvfree(ctx->kio);
	ctx->kio = NULL;
}

/* ki_complete, and the end of a request done at once: the kiocb's last use. */
static void rxring_kio_complete(struct kiocb *iocb, long ret)
{
	struct rxring_kio *k = container_of(iocb, struct rxring_kio, iocb);
	struct rxring_ctx *ctx = k->ctx;

	if (iocb->ki_flags & IOCB_WRITE)
		kiocb_end_write(iocb);
	atomic_set(&ctx->pend[k->idx].io.res, rxring_no_restart(ret));
	rxring_io_put(ctx, k->idx);
}

/*
 * IOPOLL (iopoll.c), holding a reference to polled record @idx: poll the
 * queue of its kiocb's bio once (->iopoll, iocb_bio_iopoll() on ext4 and
 * xfs, which finds the bio under RCU). The completions it reaped.
 */
int rxring_kio_poll(struct rxring_ctx *ctx, u32 idx)
{
	struct kiocb *iocb = &ctx->kio[idx].iocb;

	return iocb->ki_filp->f_op->iopoll(iocb, NULL, BLK_POLL_ONESHOT);
}

/*
 * Start a read or write of @iter on @file at sqe->offset (a file with
 * positions: rw.c checked). -EIOCBQUEUED:
 * the record completes it (and owns @file, unless @borrowed); -ENOMEM
 * before anything was taken when the kiocbs cannot be had (the caller then
 * does it synchronously); another -errno when it cannot start.
 */
int rxring_kio_rw(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		  struct file *file, struct iov_iter *iter, bool write,
		  bool borrowed)
{
	size_t count = iov_iter_count(iter);
	loff_t pos = sqe->offset;
	struct rxring_kio *k;
	struct kiocb *iocb;
	ssize_t ret;
	u32 idx;

	ret = rw_verify_area(write ? WRITE : READ, file, &pos, count);
	if (ret)
		return ret;
	if (unlikely(!ctx->kio) && !rxring_kio_alloc(ctx))
		return -ENOMEM;
	idx = rxring_io_start(ctx, sqe, file, count, borrowed);
	if (idx == RXRING_PEND_NONE)
		return -EBUSY;
	k = &ctx->kio[idx];
	k->ctx = ctx;
	k->idx = idx;
	iocb = &k->iocb;
	*iocb = (struct kiocb){
		.ki_filp = file,
		.ki_pos = pos,
		.ki_flags = iocb_flags(file),
		.ki_ioprio = get_current_ioprio(),
		.ki_complete = rxring_kio_complete,
	};
	if (unlikely(ctx->flags & RXRING_CREATE_IOPOLL))
		rxring_iopoll_kiocb(ctx, idx, iocb);
	if (write) {
		iocb->ki_flags |= IOCB_WRITE;
		kiocb_start_write(iocb);
		ret = file->f_op->write_iter(iocb, iter);
	} else {
		ret = file->f_op->read_iter(iocb, iter);
	}
	/* Done already, or failed: the record completes it all the same. */
	if (ret != -EIOCBQUEUED)
		rxring_kio_complete(iocb, ret);
	return -EIOCBQUEUED;
}
