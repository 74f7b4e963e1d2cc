// SPDX-License-Identifier: GPL-2.0
/*
 * Registered files and buffers: RXRING_IOC_REGISTER_FILES and
 * RXRING_IOC_REGISTER_BUFFERS.
 *
 * A registered file is looked up by index with no reference taken per
 * operation; a registered buffer has its pages pinned once, at
 * registration, and is handed to the block layer as a bio_vec array, so
 * an operation neither pins nor dirties pages. Both tables hold their
 * files and pages until they are removed, which is refused (EBUSY) while
 * any operation is in flight, or until the instance is torn down (after
 * its I/O is done). The tables are read by issue functions and changed by
 * the ioctls, all under submit_lock.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "rxring.h"

/* [@addr, @addr + @len) of registered buffer @index as an iterator. */
int rxring_fixed_import(struct rxring_ctx *ctx, u64 index, u64 addr, u64 len,
			int dir, struct iov_iter *iter)
{
	const struct bio_vec *bvec;
	unsigned int nr, skip;
	int ret;

	ret = rxring_fixed_range(ctx, index, addr, len, &bvec, &nr, &skip);
	if (ret)
		return ret;
	iov_iter_bvec(iter, dir, bvec, nr, skip + len);
	if (skip)
		iov_iter_advance(iter, skip);
	return 0;
}

static void rxring_files_free(struct file **files, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++)
		if (files[i])
			fput(files[i]);
	kvfree(files);
}

static void rxring_buf_free(struct rxring_fixed_buf *b)
{
	unsigned int i;

	for (i = 0; i < b->nr_bvecs; i++)
		unpin_user_page(b->bvecs[i].bv_page);
	kvfree(b);
}

static void rxring_bufs_free(struct rxring_ctx *ctx)
{
	u32 i;

	for (i = 0; i < ctx->nr_fixed_bufs; i++)
		rxring_buf_free(ctx->fixed_bufs[i]);
	kvfree(ctx->fixed_bufs);
	rxring_uncharge(&ctx->fixed_charge);
	ctx->fixed_bufs = NULL;
	ctx->nr_fixed_bufs = 0;
}

/* Pin one buffer; its pages were charged to RLIMIT_MEMLOCK already. */
static int rxring_buf_pin(const struct iovec *iov,
			  struct rxring_fixed_buf **out)
{
	unsigned long start = (unsigned long)iov->iov_base;
	unsigned long first = start & PAGE_MASK;
	unsigned int nr = (PAGE_ALIGN(start + iov->iov_len) - first) >>
			  PAGE_SHIFT;
	struct rxring_fixed_buf *b;
	struct page **pages;
	size_t left = iov->iov_len;
	unsigned int i;
	int ret;

	b = kvzalloc(struct_size(b, bvecs, nr), RXRING_GFP);
	pages = kvcalloc(nr, sizeof(*pages), GFP_KERNEL);
	ret = -ENOMEM;
	if (!b || !pages)
		goto err;
	ret = pin_user_pages_fast(first, nr, FOLL_WRITE | FOLL_LONGTERM,
				  pages);
	if (ret != nr) {
		if (ret > 0)
			unpin_user_pages(pages, ret);
		ret = ret < 0 ? ret : -EFAULT;
		goto err;
	}
	for (i = 0; i < nr; i++) {
		unsigned int off = i ? 0 : offset_in_page(start);
		unsigned int len = min_t(size_t, left, PAGE_SIZE - off);

		b->bvecs[i].bv_page = pages[i];
		b->bvecs[i].bv_offset = off;
		b->bvecs[i].bv_len = len;
		left -= len;
	}
	b->ubuf = start;
	b->len = iov->iov_len;
	b->nr_bvecs = nr;
	kvfree(pages);
	*out = b;
	return 0;
err:
	kvfree(pages);
	kvfree(b);
	return ret;
}

/* Pages spanned by the user's buffers, all checked first. */
static int rxring_bufs_check(const struct iovec *iovs, u32 nr, u64 *pages)
{
	u32 i;

	*pages = 0;
	for (i = 0; i < nr; i++) {
		unsigned long start = (unsigned long)iovs[i].iov_base;
		size_t len = iovs[i].iov_len;

		if (!len || len > RXRING_MAX_FIXED_BUF_SIZE)
			return -EINVAL;
		if (!access_ok(iovs[i].iov_base, len))
			return -EFAULT;
		*pages += (PAGE_ALIGN(start + len) - (start & PAGE_MASK)) >>
			  PAGE_SHIFT;
	}
	return 0;
}

static int rxring_bufs_register(struct rxring_ctx *ctx, u64 addr, u32 nr)
{
	struct rxring_fixed_buf **bufs;
	struct iovec *iovs;
	u64 pages;
	u32 i;
	int ret;

	if (nr > RXRING_MAX_FIXED_BUFFERS)
		return -EINVAL;
	iovs = vmemdup_user(u64_to_user_ptr(addr),
			    array_size(nr, sizeof(*iovs)));
	if (IS_ERR(iovs))
		return PTR_ERR(iovs);
	ret = rxring_bufs_check(iovs, nr, &pages);
	if (ret)
		goto out;
	ret = rxring_charge(&ctx->fixed_charge, pages);
	if (ret)
		goto out;
	bufs = kvcalloc(nr, sizeof(*bufs), RXRING_GFP);
	if (!bufs) {
		ret = -ENOMEM;
		goto out_unaccount;
	}
	for (i = 0; i < nr; i++) {
		ret = rxring_buf_pin(&iovs[i], &bufs[i]);
		if (ret)
			goto out_unpin;
	}
	ctx->fixed_bufs = bufs;
	ctx->nr_fixed_bufs = nr;
	goto out;

out_unpin:
	while (i--)
		rxring_buf_free(bufs[i]);
	kvfree(bufs);
out_unaccount:
	rxring_uncharge(&ctx->fixed_charge);
out:
	kvfree(iovs);
	return ret;
}

/*
 * Files a registered table must not hold: those that can hold descriptors
 * themselves, and so this instance's. An rxring instance (its own table),
 * an io_uring instance (its registered files) and a unix socket (the
 * descriptors in flight in its queue) could each keep the instance alive
 * through a cycle of references that nothing ever breaks: Linux's unix
 * garbage collector only breaks cycles made of unix sockets, and io_uring
 * is found by its name only (io_is_uring_fops() is not exported).
 */
static bool rxring_fixed_may_cycle(struct file *file)
{
	struct socket *sock;

	if (rxring_is_instance(file))
		return true;
	sock = sock_from_file(file);
	if (sock)
		return sock->sk && sock->sk->sk_family == AF_UNIX;
	/* Anonymous inodes' names are fixed at creation. */
	return file_inode(file)->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	       !strcmp(file->f_path.dentry->d_name.name, "[io_uring]");
}

static int rxring_files_register(struct rxring_ctx *ctx, u64 addr, u32 nr)
{
	struct file **files;
	s32 __user *ufds = u64_to_user_ptr(addr);
	u32 i;
	int ret;

	if (nr > RXRING_MAX_FIXED_FILES)
		return -EINVAL;
	files = kvcalloc(nr, sizeof(*files), RXRING_GFP);
	if (!files)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		s32 fd;

		ret = -EFAULT;
		if (get_user(fd, &ufds[i]))
			goto err;
		if (fd == -1)
			continue;
		ret = -EBADF;
		if (fd < 0)
			goto err;
		files[i] = fget(fd);
		if (!files[i])
			goto err;
		if (rxring_fixed_may_cycle(files[i]))
			goto err;
	}
	ctx->fixed_files = files;
	ctx->nr_fixed_files = nr;
	return 0;
err:
	rxring_files_free(files, nr);
	return ret;
}

/* Removing a table: not while an operation may be using it. */
static bool rxring_fixed_idle(struct rxring_ctx *ctx)
{
	bool idle;

	spin_lock_irq(&ctx->cq_lock);
	idle = !ctx->cq_reserved;
	spin_unlock_irq(&ctx->cq_lock);
	return idle;
}

long rxring_fixed_ioctl(struct rxring_ctx *ctx, unsigned int cmd,
			struct rxring_register __user *uarg)
{
	bool files = cmd == RXRING_IOC_REGISTER_FILES;
	struct rxring_register r;
	bool registered;
	int ret;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (r.flags || r.__resv[0] || r.__resv[1])
		return -EINVAL;
	if (!r.nr != !r.addr)
		return -EINVAL;

	mutex_lock(&ctx->submit_lock);
	registered = files ? !!ctx->fixed_files : !!ctx->fixed_bufs;
	if (!r.nr) {
		ret = -ENXIO;
		if (!registered)
			goto out;
		ret = -EBUSY;
		if (!rxring_fixed_idle(ctx))
			goto out;
		if (files) {
			rxring_files_free(ctx->fixed_files,
					  ctx->nr_fixed_files);
			ctx->fixed_files = NULL;
			ctx->nr_fixed_files = 0;
		} else {
			rxring_bufs_free(ctx);
		}
		ret = 0;
		goto out;
	}
	ret = -EBUSY;
	if (registered)
		goto out;
	if (files)
		ret = rxring_files_register(ctx, r.addr, r.nr);
	else
		ret = rxring_bufs_register(ctx, r.addr, r.nr);
out:
	mutex_unlock(&ctx->submit_lock);
	return ret;
}

/* Teardown: the instance's I/O is done. */
void rxring_fixed_teardown(struct rxring_ctx *ctx)
{
	if (ctx->fixed_files)
		rxring_files_free(ctx->fixed_files, ctx->nr_fixed_files);
	ctx->fixed_files = NULL;
	ctx->nr_fixed_files = 0;
	if (ctx->fixed_bufs)
		rxring_bufs_free(ctx);
}
