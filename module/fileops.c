// SPDX-License-Identifier: GPL-2.0
/*
 * File and memory operations: OPEN, CLOSE, DUP, SEEK, FSTAT, MMAP, MUNMAP.
 *
 * Each one runs inside ENTER, in the task that called ENTER: the fd table,
 * credentials, root, cwd, umask and mm are that task's, never the
 * instance creator's, so a ring passed to another process (SCM_RIGHTS,
 * fork) acts as whoever submits through it. Two may wait for a file
 * system and go on in one of the instance's workers (worker.c), as the
 * submitter, once the file is found: FSTAT of a file on a file system
 * that is not kept in memory, and SEEK_DATA/SEEK_HOLE on one. OPEN cannot:
 * its descriptor must go into the submitter's table, which only the
 * submitter can do (fd_install() works on current's), and the walk
 * starts at the submitter's root and cwd. Each one mirrors its system
 * call twin (openat, close, dup, lseek, fstat, mmap, munmap) through the
 * exported VFS and mm interfaces; docs/abi.md lists where they differ.
 */
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "rxring.h"

/* The SQE's fd as a descriptor number: what no descriptor can be is EBADF. */
static int rxring_sqe_fd(const struct rxring_sqe *sqe, unsigned int *fd)
{
	if (sqe->fd > INT_MAX)
		return -EBADF;
	*fd = sqe->fd;
	return 0;
}

/* ---- OPEN -------------------------------------------------------------- */

/* Creating opens take a mode; openat(2) ignores it otherwise, we reject. */
#define RXRING_OPEN_CREATES	(O_CREAT | __O_TMPFILE)

int rxring_open_prep(const struct rxring_sqe *sqe)
{
	if (sqe->additional1 || sqe->additional2)
		return -EINVAL;
	if (sqe->offset & ~(u64)S_IALLUGO)
		return -EINVAL;
	if (sqe->offset && !(sqe->syscall_flags & RXRING_OPEN_CREATES))
		return -EINVAL;
	return 0;
}

/*
 * Copy the path (@len bytes at @uaddr, no terminator) into a NUL-terminated
 * kernel string, with the errors getname() gives a path that long.
 */
static char *rxring_copy_path(u64 uaddr, u64 len)
{
	char *path;

	if (!len)
		return ERR_PTR(-ENOENT);
	if (len >= PATH_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	path = kmalloc(len + 1, GFP_KERNEL);
	if (!path)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(path, u64_to_user_ptr(uaddr), len)) {
		kfree(path);
		return ERR_PTR(-EFAULT);
	}
	if (memchr(path, '\0', len)) {
		kfree(path);
		return ERR_PTR(-EINVAL);
	}
	path[len] = '\0';
	return path;
}

/*
 * Open @path as openat(2) does, minus the descriptor (with O_LARGEFILE
 * added, as it adds it). An absolute path
 * ignores the directory fd; a relative one starts at the cwd or at the
 * directory, which file_open_root() treats as the root of the walk (the
 * only exported way to start a walk at a directory; docs/abi.md).
 */
static struct file *rxring_open_path(const struct rxring_sqe *sqe,
				     const char *path)
{
	int flags = sqe->syscall_flags;
	umode_t mode = sqe->offset;
	struct file *dir, *file;
	unsigned int dfd;
	int ret;

	/* As openat(2) (not its compat twin) does on 64-bit kernels. */
	if (force_o_largefile() && !in_compat_syscall())
		flags |= O_LARGEFILE;
	if (path[0] == '/' || sqe->fd == RXRING_AT_FDCWD)
		return filp_open(path, flags, mode);

	ret = rxring_sqe_fd(sqe, &dfd);
	if (ret)
		return ERR_PTR(ret);
	dir = fget_raw(dfd);
	if (!dir)
		return ERR_PTR(-EBADF);
	if (d_can_lookup(dir->f_path.dentry))
		file = file_open_root(&dir->f_path, path, flags, mode);
	else
		file = ERR_PTR(-ENOTDIR);
	fput(dir);
	return file;
}

int rxring_open_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		      struct rxring_result *res)
{
	struct file *file;
	char *path;
	int fd, ret;

	path = rxring_copy_path(sqe->addr, sqe->len);
	if (IS_ERR(path))
		return PTR_ERR(path);

	/* The same order as openat(2): the descriptor first, then the walk. */
	fd = get_unused_fd_flags(sqe->syscall_flags);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	file = rxring_open_path(sqe, path);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		ret = rxring_no_restart(PTR_ERR(file));
		goto out;
	}
	rxring_fsnotify_open(file);
	fd_install(fd, file);
	res->status = fd;
	ret = 0;
out:
	kfree(path);
	return ret;
}

/* ---- CLOSE ------------------------------------------------------------- */

int rxring_close_prep(const struct rxring_sqe *sqe)
{
	if (sqe->len || sqe->addr || sqe->offset || sqe->additional1 ||
	    sqe->additional2)
		return -EINVAL;
	return 0;
}

/*
 * Closing the instance's own fd is fine: ENTER holds a reference or the
 * final fput() is deferred until the task returns to user space.
 */
int rxring_close_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		       struct rxring_result *res)
{
	unsigned int fd;
	int ret;

	ret = rxring_sqe_fd(sqe, &fd);
	if (ret)
		return ret;
	return rxring_no_restart(close_fd(fd));
}

/* ---- DUP --------------------------------------------------------------- */

int rxring_dup_prep(const struct rxring_sqe *sqe)
{
	if (sqe->len || sqe->addr || sqe->offset || sqe->additional1 ||
	    sqe->additional2)
		return -EINVAL;
	return 0;
}

int rxring_dup_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		     struct rxring_result *res)
{
	struct file *file;
	unsigned int fd;
	int ret;

	ret = rxring_sqe_fd(sqe, &fd);
	if (ret)
		return ret;
	file = fget_raw(fd);
	if (!file)
		return -EBADF;
	ret = get_unused_fd_flags(sqe->syscall_flags);
	if (ret < 0) {
		fput(file);
		return ret;
	}
	fd_install(ret, file);
	res->status = ret;
	return 0;
}

/* ---- SEEK -------------------------------------------------------------- */

int rxring_seek_prep(const struct rxring_sqe *sqe)
{
	if (sqe->addr || sqe->additional1 || sqe->additional2)
		return -EINVAL;
	return 0;
}

static loff_t rxring_seek_file(struct file *file, u64 offset, int whence)
{
	/*
	 * What fdget_pos() does for lseek(2): serialise the position of a
	 * shared regular file or directory (we hold a second reference, so
	 * it is always shared).
	 */
	bool locked = file->f_mode & FMODE_ATOMIC_POS;
	loff_t pos;

	if (locked)
		mutex_lock(&file->f_pos_lock);
	pos = vfs_llseek(file, (loff_t)offset, whence);
	if (locked)
		mutex_unlock(&file->f_pos_lock);
	return pos;
}

int rxring_seek_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		      struct rxring_result *res)
{
	struct file *file;
	unsigned int fd;
	int ret;
	u32 idx;

	ret = rxring_sqe_fd(sqe, &fd);
	if (ret)
		return ret;
	file = fget(fd);
	if (!file)
		return -EBADF;
	if (sqe->len > SEEK_MAX) {
		fput(file);
		return -EINVAL;
	}
	/* SEEK_DATA and SEEK_HOLE may read the file's extents. */
	if ((sqe->len == SEEK_DATA || sqe->len == SEEK_HOLE) &&
	    S_ISREG(file_inode(file)->i_mode) && !rxring_file_in_memory(file)) {
		idx = rxring_defer_take(ctx, sqe, file, &ret);
		if (idx != RXRING_PEND_NONE) {
			ctx->defer[idx].offset = sqe->offset;
			ctx->defer[idx].mode = sqe->len;
			rxring_defer_queue(ctx, idx);
			return RXRING_QUEUED;
		}
	}
	res->status = rxring_seek_file(file, sqe->offset, sqe->len);
	fput(file);
	return 0;
}

/* rxring_ops' resume() for SEEK: in a worker, as the submitter. */
s64 rxring_seek_resume(struct rxring_ctx *ctx, u32 idx)
{
	return rxring_seek_file(ctx->pend[idx].io.file,
				ctx->defer[idx].offset, ctx->defer[idx].mode);
}

/* ---- FSTAT ------------------------------------------------------------- */

int rxring_fstat_prep(const struct rxring_sqe *sqe)
{
	if (sqe->offset || sqe->additional1 || sqe->additional2)
		return -EINVAL;
	if (sqe->len != sizeof(struct rxring_stat))
		return -EINVAL;
	return 0;
}

static void rxring_fill_stat(struct rxring_stat *st, const struct kstat *ks)
{
	struct user_namespace *ns = current_user_ns();

	memset(st, 0, sizeof(*st));
	st->dev = new_encode_dev(ks->dev);
	st->ino = ks->ino;
	st->mode = ks->mode;
	st->nlink = ks->nlink;
	st->uid = from_kuid_munged(ns, ks->uid);
	st->gid = from_kgid_munged(ns, ks->gid);
	st->rdev = new_encode_dev(ks->rdev);
	st->size = ks->size;
	st->blksize = ks->blksize;
	st->blocks = ks->blocks;
	st->atime_sec = ks->atime.tv_sec;
	st->atime_nsec = ks->atime.tv_nsec;
	st->mtime_sec = ks->mtime.tv_sec;
	st->mtime_nsec = ks->mtime.tv_nsec;
	st->ctime_sec = ks->ctime.tv_sec;
	st->ctime_nsec = ks->ctime.tv_nsec;
}

/* fstat(2) of @file into the user's record at @addr. */
static int rxring_fstat_file(struct file *file, u64 addr)
{
	struct rxring_stat st;
	struct kstat ks;
	int ret;

	ret = vfs_getattr(&file->f_path, &ks, STATX_BASIC_STATS,
			  AT_STATX_SYNC_AS_STAT);
	if (ret)
		return rxring_no_restart(ret);
	rxring_fill_stat(&st, &ks);
	if (copy_to_user(u64_to_user_ptr(addr), &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

int rxring_fstat_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		       struct rxring_result *res)
{
	struct file *file;
	unsigned int fd;
	int ret;
	u32 idx;

	ret = rxring_sqe_fd(sqe, &fd);
	if (ret)
		return ret;
	/* As vfs_fstat(): O_PATH descriptors too. */
	file = fget_raw(fd);
	if (!file)
		return -EBADF;
	/* A file system's getattr may ask its server or read the inode. */
	if (!S_ISCHR(file_inode(file)->i_mode) &&
	    !S_ISFIFO(file_inode(file)->i_mode) &&
	    !S_ISSOCK(file_inode(file)->i_mode) &&
	    !rxring_file_in_memory(file)) {
		idx = rxring_defer_take(ctx, sqe, file, &ret);
		if (idx != RXRING_PEND_NONE) {
			ctx->defer[idx].offset = sqe->addr;
			rxring_defer_queue(ctx, idx);
			return RXRING_QUEUED;
		}
	}
	ret = rxring_fstat_file(file, sqe->addr);
	fput(file);
	return ret;
}

/* rxring_ops' resume() for FSTAT: in a worker, as the submitter. */
s64 rxring_fstat_resume(struct rxring_ctx *ctx, u32 idx)
{
	return rxring_fstat_file(ctx->pend[idx].io.file,
				 ctx->defer[idx].offset);
}

/* ---- MMAP and MUNMAP --------------------------------------------------- */

#define RXRING_MMAP_PROT	(PROT_READ | PROT_WRITE | PROT_EXEC)

int rxring_mmap_prep(const struct rxring_sqe *sqe)
{
	if (sqe->additional2)
		return -EINVAL;
	if (sqe->additional1 & ~(u64)RXRING_MMAP_PROT)
		return -EINVAL;
	if ((sqe->syscall_flags & MAP_ANONYMOUS) &&
	    (sqe->fd != RXRING_FD_NONE || sqe->offset))
		return -EINVAL;
	return 0;
}

/*
 * ksys_mmap_pgoff() without the MAP_HUGETLB branch (its hugetlbfs helpers
 * are not exported; the flag is not accepted).
 */
int rxring_mmap_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		      struct rxring_result *res)
{
	struct file *file = NULL;
	unsigned long addr;
	unsigned int fd;
	int ret;

	if (!(sqe->syscall_flags & MAP_ANONYMOUS)) {
		ret = rxring_sqe_fd(sqe, &fd);
		if (ret)
			return ret;
		file = fget(fd);
		if (!file)
			return -EBADF;
	}
	addr = vm_mmap(file, sqe->addr, sqe->len, sqe->additional1,
		       sqe->syscall_flags, sqe->offset);
	if (file)
		fput(file);
	if (IS_ERR_VALUE(addr))
		return rxring_no_restart((long)addr);
	res->status = addr;
	return 0;
}

int rxring_munmap_prep(const struct rxring_sqe *sqe)
{
	if (sqe->fd || sqe->offset || sqe->additional1 || sqe->additional2)
		return -EINVAL;
	return 0;
}

int rxring_munmap_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
			struct rxring_result *res)
{
	return rxring_no_restart(vm_munmap(untagged_addr(sqe->addr),
					   sqe->len));
}
