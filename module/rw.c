// SPDX-License-Identifier: GPL-2.0
/*
 * READ, WRITE, READV, WRITEV and FSYNC.
 *
 * A read or write takes its file (fget) and copies its iovec array
 * (import_iovec) in the task that calls ENTER, then goes one of four ways:
 *  - a block device opened O_DIRECT: bios straight to the device (blk.c),
 *    completed from bi_end_io;
 *  - a regular file opened O_DIRECT, at an explicit offset: the file
 *    system's direct I/O with the record's kiocb (kio.c), completed from
 *    ki_complete;
 *  - a file that cannot block indefinitely (any other regular file, a
 *    block device without O_DIRECT, a file opened O_NONBLOCK, a file
 *    without ->poll): its read_iter or write_iter, synchronously, here;
 *  - anything else (pipes, sockets, ttys): tried without blocking; when the
 *    file has nothing for it, it waits for the file's wakeup and is retried
 *    by a module worker (poll.c), so it never stalls the ring.
 * FSYNC is vfs_fsync(), synchronously.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "rxring.h"

int rxring_rw_prep(const struct rxring_sqe *sqe)
{
	return __rxring_rw_prep(sqe);
}

__poll_t rxring_rw_events(bool write)
{
	return (write ? EPOLLOUT | EPOLLWRNORM : EPOLLIN | EPOLLRDNORM) |
	       EPOLLERR | EPOLLHUP;
}

/*
 * read_iter/write_iter at @offset, or at the file position, which it then
 * advances, for RXRING_POS_CURRENT, as pread/pwrite and read/write do.
 */
ssize_t rxring_file_rw(struct file *file, struct iov_iter *iter, u64 offset,
		       bool write, rwf_t flags)
{
	bool cur = offset == RXRING_POS_CURRENT;
	loff_t pos = offset, *ppos = &pos;
	bool locked = false;
	ssize_t ret;

	if (!cur) {
		if (!(file->f_mode & (write ? FMODE_PWRITE : FMODE_PREAD)))
			return -ESPIPE;
	} else if (file->f_mode & FMODE_STREAM) {
		ppos = NULL;
	} else {
		if (file->f_mode & FMODE_ATOMIC_POS) {
			mutex_lock(&file->f_pos_lock);
			locked = true;
		}
		pos = file->f_pos;
	}
	if (write)
		ret = rxring_vfs_iter_write(file, iter, ppos, flags);
	else
		ret = vfs_iter_read(file, iter, ppos, flags);
	if (cur && ppos && ret >= 0)
		file->f_pos = pos;
	if (locked)
		mutex_unlock(&file->f_pos_lock);
	return rxring_no_restart(ret);
}

/*
 * The buffers of @sqe as an iterator. *heap is the iovec array when
 * import_iovec() had to allocate one (the caller frees it), else NULL and
 * the iovecs are in @fast. Returns the byte count or -errno.
 */
static ssize_t rxring_rw_import(struct rxring_ctx *ctx,
				const struct rxring_sqe *sqe, bool write,
				struct iovec *fast, struct iovec **heap,
				struct iov_iter *iter)
{
	int dir = write ? ITER_SOURCE : ITER_DEST;
	void __user *addr = u64_to_user_ptr(sqe->addr);
	struct iovec *iov = fast;
	ssize_t ret;

	*heap = NULL;
	if (!rxring_rw_is_vec(sqe)) {
		size_t len = min_t(u64, sqe->len, MAX_RW_COUNT);

		/* The whole length, before the clamp, as read(2) checks it. */
		if (!access_ok(addr, sqe->len))
			return -EFAULT;
		/*
		 * A registered buffer is used as the pages pinned at
		 * registration; the iovec stays for an operation that has to
		 * wait for its file, which then uses the user address.
		 */
		fast[0].iov_base = addr;
		fast[0].iov_len = len;
		if (sqe->syscall_flags & RXRING_RW_FIXED_BUF) {
			ret = rxring_fixed_import(ctx, sqe->additional1,
						  sqe->addr, len, dir, iter);
			return ret ? ret : len;
		}
		iov_iter_init(iter, dir, fast, 1, len);
		return len;
	}
	if (sqe->len == 1) {
		/* One iovec, the usual READV: what import_iovec() does. */
		const struct iovec __user *uiov = addr;
		void __user *base;
		size_t len;

		if (!user_access_begin(uiov, sizeof(*uiov)))
			return -EFAULT;
		unsafe_get_user(base, &uiov->iov_base, efault);
		unsafe_get_user(len, &uiov->iov_len, efault);
		user_access_end();
		if ((ssize_t)len < 0)
			return -EINVAL;
		len = min_t(size_t, len, MAX_RW_COUNT);
		if (!access_ok(base, len))
			return -EFAULT;
		fast[0].iov_base = base;
		fast[0].iov_len = len;
		iov_iter_init(iter, dir, fast, 1, len);
		return len;
	}
	ret = import_iovec(dir, addr, sqe->len, UIO_FASTIOV, &iov, iter);
	if (ret >= 0)
		*heap = iov;
	return ret;
efault:
	user_access_end();
	return -EFAULT;
}

/* How an operation on @file that finds nothing to do waits for it. */
enum rxring_rw_mode {
	RXRING_RW_SYNC,		/* it cannot block for long: just do it */
	RXRING_RW_NOWAIT,	/* try with RWF_NOWAIT, then poll */
	RXRING_RW_POLLGATE,	/* do it only when poll() says it can */
};

static enum rxring_rw_mode rxring_rw_mode(struct file *file)
{
	umode_t mode = file_inode(file)->i_mode;

	if (S_ISREG(mode) || S_ISBLK(mode) || (file->f_flags & O_NONBLOCK))
		return RXRING_RW_SYNC;
	if (file->f_mode & FMODE_NOWAIT)
		return RXRING_RW_NOWAIT;
	if (!file->f_op->poll)
		return RXRING_RW_SYNC;
	return RXRING_RW_POLLGATE;
}

/*
 * Read or write @file through its read_iter/write_iter. Returns the bytes
 * moved, -errno, or -EIOCBQUEUED when the operation waits for the file
 * (it then owns @file and *heap).
 */
static ssize_t rxring_rw_file(struct rxring_ctx *ctx,
			      const struct rxring_sqe *sqe, struct file *file,
			      struct iov_iter *iter, const struct iovec *iov,
			      struct iovec **heap, u32 nr_segs)
{
	bool write = rxring_rw_is_write(sqe);
	size_t count = iov_iter_count(iter);
	bool pollgate = false;
	ssize_t ret;

	switch (rxring_rw_mode(file)) {
	case RXRING_RW_SYNC:
		return rxring_file_rw(file, iter, sqe->offset, write, 0);
	case RXRING_RW_NOWAIT:
		ret = rxring_file_rw(file, iter, sqe->offset, write,
				     RWF_NOWAIT);
		if (ret != -EAGAIN)
			return ret;
		break;
	case RXRING_RW_POLLGATE:
		if (vfs_poll(file, NULL) & rxring_rw_events(write))
			return rxring_file_rw(file, iter, sqe->offset, write,
					      0);
		pollgate = true;
		break;
	}
	/* Nothing was moved: wait for the file with the buffers as given. */
	ret = rxring_defer_rw(ctx, sqe, file, iov, *heap, nr_segs, count,
			      pollgate);
	if (ret == -EIOCBQUEUED)
		*heap = NULL;
	return ret;
}

/*
 * The file of a READ, WRITE or FSYNC: a reference from the caller's fd
 * table, or with RXRING_RW_FIXED_FILE the registered file, borrowed
 * (*borrowed set, no reference: the table outlives the operation).
 */
static struct file *rxring_rw_fget(struct rxring_ctx *ctx,
				   const struct rxring_sqe *sqe,
				   bool *borrowed)
{
	if (sqe->syscall_flags & RXRING_RW_FIXED_FILE) {
		*borrowed = true;
		return rxring_fixed_file(ctx, sqe->fd);
	}
	if (sqe->fd > INT_MAX)
		return NULL;
	return fget(sqe->fd);
}

/*
 * What read(2) and write(2) check of the file (-EBADF, -EINVAL), and what
 * IOPOLL wants of it. read_iter/write_iter are checked before any wait,
 * so that no file without them (an rxring instance, say, which could
 * then hold a reference to itself) ever waits.
 */
static int rxring_rw_file_ok(struct rxring_ctx *ctx, struct file *file,
			     bool write)
{
	if (!(file->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	if (!(write ? file->f_op->write_iter : file->f_op->read_iter))
		return -EINVAL;
	/* IOPOLL: only what can be polled (iopoll.c). */
	if (unlikely(ctx->flags & RXRING_CREATE_IOPOLL))
		return rxring_iopoll_file(file);
	return 0;
}

/*
 * Start, or do, a read or write whose buffers are imported: the bytes
 * moved, -errno, or -EIOCBQUEUED when it goes on (it then owns @file,
 * unless *@borrowed, and *@heap).
 */
static ssize_t rxring_rw_start(struct rxring_ctx *ctx,
			       const struct rxring_sqe *sqe, struct file *file,
			       bool *borrowed, struct iov_iter *iter,
			       struct iovec *fast, struct iovec **heap,
			       u32 nr_segs)
{
	bool write = rxring_rw_is_write(sqe);
	ssize_t ret;

	if (rxring_blk_direct(file))
		return rxring_blk_rw(ctx, sqe, file, iter, write, *borrowed);
	/* This may block: post the completions batched so far. */
	rxring_submit_flush(ctx);
	/* The file system's direct I/O, not waited for (kio.c). */
	if (rxring_kio_direct(file, sqe)) {
		ret = rxring_kio_rw(ctx, sqe, file, iter, write, *borrowed);
		if (ret != -ENOMEM)
			return ret;
	}
	/* An operation that waits for its file owns a reference. */
	if (*borrowed) {
		get_file(file);
		*borrowed = false;
	}
	return rxring_rw_file(ctx, sqe, file, iter, *heap ? *heap : fast, heap,
			      nr_segs);
}

int rxring_rw_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		    struct rxring_result *res)
{
	bool write = rxring_rw_is_write(sqe), vec = rxring_rw_is_vec(sqe);
	/*
	 * On the stack, where the hardened usercopy check of
	 * import_iovec() is cheapest, and not zeroed on entry (which the
	 * kernel may otherwise do): import_iovec() writes what is read.
	 */
	struct iovec fast[UIO_FASTIOV] __uninitialized, *heap;
	struct iov_iter iter __uninitialized;	/* set by the import */
	bool borrowed = false;
	struct file *file;
	ssize_t ret;

	file = rxring_rw_fget(ctx, sqe, &borrowed);
	if (!file)
		return -EBADF;
	/*
	 * The checks in the system calls' order: pread(2) and preadv(2)
	 * want a file with positions before anything else; read(2) checks
	 * the file before the buffer; readv(2) copies the iovec array
	 * before it checks the file, or after on newer kernels (compat.h).
	 */
	ret = -ESPIPE;
	if (sqe->offset != RXRING_POS_CURRENT &&
	    !(file->f_mode & (write ? FMODE_PWRITE : FMODE_PREAD)))
		goto out_put;
	if (vec) {
		if (RXRING_READV_FILE_FIRST) {
			ret = rxring_rw_file_ok(ctx, file, write);
			if (ret)
				goto out_put;
		}
		ret = -EINVAL;
		if (sqe->len > UIO_MAXIOV)
			goto out_put;
		ret = rxring_rw_import(ctx, sqe, write, fast, &heap, &iter);
		if (ret < 0)
			goto out_put;
		if (!RXRING_READV_FILE_FIRST)
			ret = rxring_rw_file_ok(ctx, file, write) ?: ret;
	} else {
		ret = rxring_rw_file_ok(ctx, file, write);
		if (ret)
			goto out_put;
		if ((sqe->syscall_flags & RXRING_RW_FIXED_BUF) &&
		    rxring_blk_direct(file)) {
			/* The fast path: registered buffer, O_DIRECT device. */
			ret = rxring_blk_rw_fixed(ctx, sqe, file,
						  min_t(u64, sqe->len,
							MAX_RW_COUNT),
						  write, borrowed);
			if (ret == -EIOCBQUEUED)
				return RXRING_QUEUED;
			goto out_put;
		}
		ret = rxring_rw_import(ctx, sqe, write, fast, &heap, &iter);
		if (ret < 0)
			goto out_put;
	}
	if (ret > 0)
		ret = rxring_rw_start(ctx, sqe, file, &borrowed, &iter, fast,
				      &heap, vec ? sqe->len : 1);
	kfree(heap);
	/* A byte count of 1 is no RXRING_QUEUED: hence -EIOCBQUEUED above. */
	if (ret == -EIOCBQUEUED)
		return RXRING_QUEUED;
out_put:
	if (!borrowed)
		fput(file);
	if (ret < 0)
		return ret;
	res->status = ret;
	return 0;
}

int rxring_fsync_prep(const struct rxring_sqe *sqe)
{
	if (sqe->addr || sqe->len || sqe->offset || sqe->additional1 ||
	    sqe->additional2)
		return -EINVAL;
	return 0;
}

int rxring_fsync_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		       struct rxring_result *res)
{
	bool borrowed = false;
	struct file *file;
	int ret;

	file = rxring_rw_fget(ctx, sqe, &borrowed);
	if (!file)
		return -EBADF;
	ret = vfs_fsync(file, sqe->syscall_flags & RXRING_FSYNC_DATASYNC);
	if (!borrowed)
		fput(file);
	return rxring_no_restart(ret);
}
