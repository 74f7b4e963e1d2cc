// SPDX-License-Identifier: GPL-2.0
/*
 * READ, WRITE, READV, WRITEV and FSYNC.
 *
 * A read or write takes its file (fget) and copies its iovec array
 * (import_iovec) in the task that calls ENTER, then goes one of these ways:
 *  - a block device opened O_DIRECT: bios straight to the device (blk.c),
 *    completed from bi_end_io;
 *  - a regular file opened O_DIRECT, at an explicit offset: the file
 *    system's direct I/O with the record's kiocb (kio.c), completed from
 *    ki_complete;
 *  - any other regular file or block device (its page cache), unless its
 *    file system lives in memory (tmpfs, ramfs): tried here without
 *    waiting or starting I/O where the file allows it (a read: what is
 *    cached; a write: IOCB_NOWAIT); a read that misses goes to a worker,
 *    which starts the read and hooks the record onto a page still being
 *    read (IOCB_WAITQ), to read on when it is unlocked; what must wait
 *    otherwise (a write the file cannot do without waiting, a file
 *    without IOCB_NOWAIT, RXRING_POS_CURRENT, an O_DIRECT file read or
 *    written at its position) is done by a worker, blocking (worker.c);
 *  - a file that cannot block for long (tmpfs, ramfs, a character device
 *    opened O_NONBLOCK or without ->poll): its read_iter or write_iter,
 *    here;
 *  - anything else (pipes, sockets, ttys): tried without blocking; when the
 *    file has nothing for it, it waits for the file's wakeup and is retried
 *    by a worker (poll.c), so it never stalls the ring.
 * FSYNC is vfs_fsync() in a worker, but for files without ->fsync and
 * files of a memory file system, which answer at once.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
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

/* A regular file or block device, read and written through its page cache. */
static bool rxring_rw_paged(struct file *file)
{
	umode_t mode = file_inode(file)->i_mode;

	return S_ISREG(mode) || S_ISBLK(mode);
}

/*
 * A read of @file's page cache at *@ppos that neither waits nor starts
 * I/O (IOCB_NOWAIT | IOCB_NOIO, not even read-ahead, which may read the
 * file system's metadata): what is cached, or -EAGAIN. Otherwise what
 * vfs_iter_read() does; rxring_rw_file_ok() checked the file.
 */
static ssize_t rxring_read_cached(struct file *file, struct iov_iter *iter,
				  loff_t *ppos)
{
	struct kiocb kiocb;
	ssize_t ret;

	ret = rw_verify_area(READ, file, ppos, iov_iter_count(iter));
	if (ret)
		return ret;
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = *ppos;
	kiocb.ki_flags |= IOCB_NOWAIT | IOCB_NOIO;
	ret = file->f_op->read_iter(&kiocb, iter);
	if (ret > 0) {
		*ppos = kiocb.ki_pos;
		fsnotify_access(file);
	}
	return ret;
}

/*
 * A socket without FMODE_NOWAIT (6.1's): its read_iter and write_iter do
 * honour IOCB_NOWAIT (MSG_DONTWAIT), which RWF_NOWAIT cannot ask for
 * through vfs_iter_read()/vfs_iter_write() on such a file.
 */
static bool rxring_rw_sock_nowait(struct file *file)
{
	return S_ISSOCK(file_inode(file)->i_mode) &&
	       !(file->f_mode & FMODE_NOWAIT) && sock_from_file(file);
}

/*
 * A read or write of such a socket that does not wait: what
 * vfs_iter_read()/vfs_iter_write() do for a socket (no position, nothing
 * to verify or freeze), with IOCB_NOWAIT. -EAGAIN when it would wait.
 */
static ssize_t rxring_sock_rw_nowait(struct file *file, struct iov_iter *iter,
				     bool write)
{
	struct kiocb kiocb;
	ssize_t ret;

	init_sync_kiocb(&kiocb, file);
	kiocb.ki_flags |= IOCB_NOWAIT;
	if (write) {
		ret = file->f_op->write_iter(&kiocb, iter);
		if (ret > 0)
			fsnotify_modify(file);
	} else {
		ret = file->f_op->read_iter(&kiocb, iter);
		if (ret > 0)
			fsnotify_access(file);
	}
	return ret;
}

/*
 * read_iter/write_iter at @offset, or at the file position, which it then
 * advances, for RXRING_POS_CURRENT, as pread/pwrite and read/write do.
 * With RWF_NOWAIT a read of a page cache starts no I/O, and the file
 * position's lock is only tried.
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
			if (!(flags & RWF_NOWAIT))
				mutex_lock(&file->f_pos_lock);
			else if (!mutex_trylock(&file->f_pos_lock))
				return -EAGAIN;
			locked = true;
		}
		pos = file->f_pos;
	}
	if ((flags & RWF_NOWAIT) && rxring_rw_sock_nowait(file))
		ret = rxring_sock_rw_nowait(file, iter, write);
	else if (write)
		ret = rxring_vfs_iter_write(file, iter, ppos, flags);
	else if ((flags & RWF_NOWAIT) && ppos && rxring_rw_paged(file))
		ret = rxring_read_cached(file, iter, ppos);
	else
		ret = vfs_iter_read(file, iter, ppos, flags);
	/*
	 * A read of a file's page cache at its position that stopped short
	 * for want of a page is undone: a worker does it whole, so that
	 * the position moves once, as read(2) moves it.
	 */
	if (cur && ppos && (flags & RWF_NOWAIT) && !write && ret > 0 &&
	    iov_iter_count(iter) && rxring_rw_paged(file)) {
		iov_iter_revert(iter, ret);
		ret = -EAGAIN;
	}
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

/* How an operation on @file goes when it cannot be done at once. */
enum rxring_rw_mode {
	RXRING_RW_SYNC,		/* it cannot block for long: just do it */
	RXRING_RW_NOWAIT,	/* try with RWF_NOWAIT, then poll */
	RXRING_RW_POLLGATE,	/* do it only when poll() says it can */
	RXRING_RW_PAGED,	/* page cache: try, wait for a page or a worker */
};

/* How a read or write that left ENTER goes on (rxring_defer.mode). */
enum rxring_rw_defer {
	RXRING_RW_DEFER_POLL,	/* retried without blocking on a wakeup */
	RXRING_RW_DEFER_PAGE,	/* read on with IOCB_WAITQ, in a worker */
	RXRING_RW_DEFER_BLOCK,	/* done blocking by a worker */
};

static enum rxring_rw_mode rxring_rw_mode(struct file *file)
{
	if (rxring_rw_paged(file))
		return rxring_file_in_memory(file) ? RXRING_RW_SYNC :
						   RXRING_RW_PAGED;
	if (file->f_flags & O_NONBLOCK)
		return RXRING_RW_SYNC;
	if ((file->f_mode & FMODE_NOWAIT) || rxring_rw_sock_nowait(file))
		return RXRING_RW_NOWAIT;
	if (!file->f_op->poll)
		return RXRING_RW_SYNC;
	return RXRING_RW_POLLGATE;
}

/*
 * Whether a read or write of a paged file is tried in ENTER without
 * waiting: the file must take IOCB_NOWAIT (for a write, through the page
 * cache), and not be O_DIRECT (a direct read waits for its transfer even
 * so). A write at the file position goes to a worker whole, so that the
 * position moves once.
 */
static bool rxring_rw_try_nowait(struct file *file, u64 offset, bool write)
{
	if (!(file->f_mode & FMODE_NOWAIT) || (file->f_flags & O_DIRECT))
		return false;
	return !write || (offset != RXRING_POS_CURRENT &&
			  rxring_file_buf_wasync(file));
}

/* The buffers of record @idx, past the bytes moved already. */
static void rxring_rw_defer_iter(struct rxring_defer *d, bool write,
				 struct iov_iter *iter)
{
	iov_iter_init(iter, write ? ITER_SOURCE : ITER_DEST, d->iov,
		      d->nr_segs, d->count);
	iov_iter_advance(iter, d->done);
}

/* What an operation that moved @done bytes before failing with @ret says. */
static s64 rxring_rw_total(u32 done, ssize_t ret)
{
	if (ret < 0)
		return done ? done : rxring_no_restart(ret);
	return done + ret;
}

/* A worker: the rest of record @idx, blocking as read(2)/write(2) would. */
static s64 rxring_rw_block(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];
	struct rxring_defer *d = &ctx->defer[idx];
	bool write = p->flags & RXRING_PF_WRITE;
	struct iov_iter iter;
	u64 offset = d->offset;

	rxring_rw_defer_iter(d, write, &iter);
	if (offset != RXRING_POS_CURRENT)
		offset += d->done;
	return rxring_rw_total(d->done, rxring_file_rw(p->io.file, &iter,
							offset, write, 0));
}

/*
 * A worker: read on record @idx, a buffered read at an explicit offset of
 * a file that can hook a read onto a page (IOCB_WAITQ). This starts the
 * read-ahead, and where a page is still being read, hooks the record onto
 * it and returns -EIOCBQUEUED: no thread waits. What cannot wait for a
 * page that way is read on here, blocking.
 */
static s64 rxring_rw_page(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_defer *d = &ctx->defer[idx];
	struct file *file = ctx->pend[idx].io.file;
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	for (;;) {
		rxring_rw_defer_iter(d, false, &iter);
		init_sync_kiocb(&kiocb, file);
		kiocb.ki_pos = d->offset + d->done;
		rxring_defer_page_prepare(ctx, idx, &kiocb);
		ret = file->f_op->read_iter(&kiocb, &iter);
		if (ret == -EIOCBQUEUED)
			return rxring_defer_page_hooked(ctx, idx);
		if (rxring_defer_page_unhooked(ctx, idx))
			return rxring_rw_total(d->done,
					       ret > 0 ? ret : -ECANCELED);
		if (ret <= 0 && ret != -EAGAIN)
			return rxring_rw_total(d->done, ret);
		if (ret > 0) {
			d->done += ret;
			if (d->done < d->count)
				continue;
			return d->done;
		}
		/* -EAGAIN: it cannot wait for a page without a thread. */
		d->mode = RXRING_RW_DEFER_BLOCK;
		return rxring_rw_block(ctx, idx);
	}
}

/* A worker: retry a read or write that waited for its file's wakeup. */
static s64 rxring_rw_retry(struct rxring_ctx *ctx, u32 idx)
{
	struct rxring_pending *p = &ctx->pend[idx];
	struct rxring_defer *d = &ctx->defer[idx];
	bool write = p->flags & RXRING_PF_WRITE;
	struct iov_iter iter;
	rwf_t flags = RWF_NOWAIT;
	ssize_t ret;

	rxring_poll_unhook(d);
	/* POLLGATE files: only when poll() says the file is ready. */
	if (p->flags & RXRING_PF_POLLGATE) {
		if (!(vfs_poll(p->io.file, NULL) & d->events))
			goto again;
		flags = 0;
	}
	rxring_rw_defer_iter(d, write, &iter);
	ret = rxring_file_rw(p->io.file, &iter, d->offset, write, flags);
	if (ret != -EAGAIN)
		return ret;
again:
	rxring_poll_arm(ctx, idx);
	return -EIOCBQUEUED;
}

/* rxring_ops' resume() for reads and writes: in a worker, as the submitter. */
s64 rxring_rw_resume(struct rxring_ctx *ctx, u32 idx)
{
	switch (ctx->defer[idx].mode) {
	case RXRING_RW_DEFER_POLL:
		return rxring_rw_retry(ctx, idx);
	case RXRING_RW_DEFER_PAGE:
		return rxring_rw_page(ctx, idx);
	default:
		return rxring_rw_block(ctx, idx);
	}
}

/*
 * Hand a read or write that moved @done bytes in ENTER to what goes on
 * with it (@mode). @iov is its iovec array (@nr_segs entries, @count
 * bytes); *heap, when not NULL, is @iov as import_iovec() allocated it,
 * which the operation then takes over (*heap set to NULL). -EIOCBQUEUED
 * (the operation owns @file), or -errno.
 */
static int rxring_rw_defer(struct rxring_ctx *ctx,
			   const struct rxring_sqe *sqe, struct file *file,
			   const struct iovec *iov, struct iovec **heap,
			   u32 nr_segs, size_t count, u32 done,
			   enum rxring_rw_defer mode, bool pollgate)
{
	bool write = rxring_rw_is_write(sqe);
	struct rxring_defer *d;
	u32 idx;
	int ret;

	idx = rxring_defer_take(ctx, sqe, file, &ret);
	if (idx == RXRING_PEND_NONE)
		return ret;
	d = &ctx->defer[idx];
	if (*heap) {
		d->iov = *heap;
		*heap = NULL;
	} else {
		memcpy(d->fast_iov, iov, nr_segs * sizeof(*iov));
		d->iov = d->fast_iov;
	}
	d->nr_segs = nr_segs;
	d->count = count;
	d->done = done;
	d->offset = sqe->offset;
	d->events = rxring_rw_events(write);
	d->mode = mode;
	spin_lock_irq(&ctx->pend_lock);
	if (write)
		ctx->pend[idx].flags |= RXRING_PF_WRITE;
	if (pollgate)
		ctx->pend[idx].flags |= RXRING_PF_POLLGATE;
	spin_unlock_irq(&ctx->pend_lock);

	if (mode == RXRING_RW_DEFER_POLL)
		rxring_poll_arm(ctx, idx);
	else
		rxring_defer_queue(ctx, idx);
	return -EIOCBQUEUED;
}

/*
 * Read or write @file through its read_iter/write_iter. Returns the bytes
 * moved, -errno, or -EIOCBQUEUED when the operation goes on without ENTER
 * (it then owns @file and *heap).
 */
static ssize_t rxring_rw_file(struct rxring_ctx *ctx,
			      const struct rxring_sqe *sqe, struct file *file,
			      struct iov_iter *iter, const struct iovec *iov,
			      struct iovec **heap, u32 nr_segs)
{
	enum rxring_rw_defer mode = RXRING_RW_DEFER_POLL;
	bool write = rxring_rw_is_write(sqe);
	size_t count = iov_iter_count(iter);
	bool pollgate = false;
	ssize_t ret;
	u64 offset;
	u32 done = 0;

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
	case RXRING_RW_PAGED:
		if (rxring_rw_try_nowait(file, sqe->offset, write)) {
			ret = rxring_file_rw(file, iter, sqe->offset, write,
					     RWF_NOWAIT);
			/* All of it, the end of the file, or an error. */
			if (ret != -EAGAIN && ret != -EOPNOTSUPP &&
			    (ret <= 0 || !iov_iter_count(iter)))
				return ret;
			if (ret > 0)
				done = ret;
		}
		mode = RXRING_RW_DEFER_BLOCK;
		if (!write && sqe->offset != RXRING_POS_CURRENT &&
		    !(file->f_flags & O_DIRECT) && rxring_file_buf_rasync(file))
			mode = RXRING_RW_DEFER_PAGE;
		break;
	}
	ret = rxring_rw_defer(ctx, sqe, file, iov, heap, nr_segs, count, done,
			      mode, pollgate);
	if (ret == -EIOCBQUEUED || mode == RXRING_RW_DEFER_POLL)
		return ret;
	/* No slot for it (memory): the rest here, as before. */
	offset = sqe->offset;
	if (offset != RXRING_POS_CURRENT)
		offset += done;
	return rxring_rw_total(done, rxring_file_rw(file, iter, offset, write,
						    0));
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

/*
 * FSYNC: in a worker, as it waits for the device; at once for a file
 * without ->fsync (-EINVAL, as fsync(2)) and for files kept in memory.
 */
int rxring_fsync_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		       struct rxring_result *res)
{
	bool datasync = sqe->syscall_flags & RXRING_FSYNC_DATASYNC;
	bool borrowed = false;
	struct file *file;
	u32 idx;
	int ret;

	file = rxring_rw_fget(ctx, sqe, &borrowed);
	if (!file)
		return -EBADF;
	if (file->f_op->fsync && !rxring_file_in_memory(file)) {
		/* The record owns a reference. */
		if (borrowed)
			get_file(file);
		idx = rxring_defer_take(ctx, sqe, file, &ret);
		if (idx != RXRING_PEND_NONE) {
			ctx->defer[idx].mode = datasync;
			rxring_defer_queue(ctx, idx);
			return RXRING_QUEUED;
		}
		/* No slot for it (memory): here, as before. */
		borrowed = false;
	}
	ret = vfs_fsync(file, datasync);
	if (!borrowed)
		fput(file);
	return rxring_no_restart(ret);
}

/* rxring_ops' resume() for FSYNC: in a worker, as the submitter. */
s64 rxring_fsync_resume(struct rxring_ctx *ctx, u32 idx)
{
	return rxring_no_restart(vfs_fsync(ctx->pend[idx].io.file,
					   ctx->defer[idx].mode));
}
