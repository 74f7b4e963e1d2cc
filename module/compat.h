/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels rxring builds for (Debian's 6.1 and
 * 6.12, and sid's 7.2) live here and nowhere else. The RXRING_HAVE_* switches come from
 * the header checks in Kbuild.
 */
#ifndef RXRING_COMPAT_H
#define RXRING_COMPAT_H

#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/hrtimer.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/uio.h>

#ifndef RXRING_HAVE_VM_FLAGS_SET
/* vm_flags became read-only behind vm_flags_{set,clear}() in 6.3. */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * Set up @timer to call @function. hrtimer_setup() (6.13) replaced
 * hrtimer_init() followed by setting the function, and 7.x no longer has
 * hrtimer_init(). Kbuild keys RXRING_HAVE_HRTIMER_SETUP on hrtimer_setup()
 * in linux/hrtimer.h.
 */
static inline void
rxring_hrtimer_setup(struct hrtimer *timer,
		     enum hrtimer_restart (*function)(struct hrtimer *),
		     clockid_t clock_id, enum hrtimer_mode mode)
{
#ifdef RXRING_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, function, clock_id, mode);
#else
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
#endif
}

/*
 * FS_OPEN (inotify's IN_OPEN) for a file from filp_open() or
 * file_open_root(). Up to 6.9 open(2) sends it itself after do_filp_open(),
 * so we must too; since 6.10 vfs_open() sends it for every open, ours
 * included (the hook moved into do_dentry_open()), and sending it again
 * would report the open twice. No header or export changed with that
 * move, so Kbuild keys RXRING_HAVE_VFS_OPEN_NOTIFY on the version (a
 * kernel with the move backported would report the open twice);
 * selftests/fileops.c (open_inotify) counts the events.
 */
static inline void rxring_fsnotify_open(struct file *file)
{
#ifndef RXRING_HAVE_VFS_OPEN_NOTIFY
	fsnotify_open(file);
#endif
}

/*
 * The block device of a block device file: file_bdev() (6.9) is the only
 * way once the file no longer belongs to the bdev's inode; before it,
 * I_BDEV() of the mapping's host.
 */
static inline struct block_device *rxring_file_bdev(struct file *file)
{
#ifdef RXRING_HAVE_FILE_BDEV
	return file_bdev(file);
#else
	return I_BDEV(file->f_mapping->host);
#endif
}

/*
 * Whether the buffers of @iter suit direct I/O to @bdev as the kernel's
 * own block device O_DIRECT wants them: each address aligned to the
 * queue's DMA alignment and each length to the logical block size
 * (bdev_iter_is_aligned(), 6.0 to 6.x). 7.x dropped that helper and
 * checks only the total length up front, addresses and lengths against
 * the DMA alignment as it splits the bio; the same checks here, up front.
 * Kbuild keys RXRING_HAVE_BDEV_ITER_IS_ALIGNED on the helper.
 */
static inline bool rxring_bdev_iter_aligned(struct block_device *bdev,
					    struct iov_iter *iter)
{
#ifdef RXRING_HAVE_BDEV_ITER_IS_ALIGNED
	return bdev_iter_is_aligned(bdev, iter);
#else
	return !(iov_iter_count(iter) & (bdev_logical_block_size(bdev) - 1)) &&
	       !(iov_iter_alignment(iter) & bdev_dma_alignment(bdev));
#endif
}

#ifdef RXRING_HAVE_BIO_IOV_ITER_GET_PAGES
/*
 * Fill @bio with as many of the user pages of @iter as fit and advance
 * @iter past them, the bio a multiple of the logical block size long;
 * 0 or -errno, with no page taken then. bio_iov_iter_get_pages() takes
 * page references on 6.1 and FOLL_PIN pins, marked BIO_PAGE_PINNED, on
 * 6.12, and each kernel's bio_release_pages() undoes what its own took.
 */
#define rxring_bio_iov_iter_get_pages(bio, iter) \
	bio_iov_iter_get_pages(bio, iter)
#elif defined(RXRING_HAVE_IOV_ITER_EXTRACT_BVECS)
/*
 * 7.x no longer exports bio_iov_iter_get_pages() (and gave it alignment
 * masks): here is 7.2's body, on the iov_iter_extract_bvecs() it is built
 * on, with the masks 7.2's block device direct I/O passes: each segment
 * aligned to the queue's DMA alignment (iov_iter_extract_bvecs()'s
 * mem_align_mask), the bio a multiple of the logical block size (trimmed
 * to it), as rxring_bdev_iter_aligned() checked up front. The pages are
 * FOLL_PIN pins, marked BIO_PAGE_PINNED, so
 * that 7.2's bio_release_pages() (__bio_release_pages(), exported) unpins
 * them at completion, per folio: as many pins as pages each bio_vec
 * covers. The pages trimmed off the end are unpinned the same way: 7.2's
 * bio_iov_iter_align_down() unpins one page for a bio_vec it drops and
 * none for one it shortens, fewer than were pinned when the bio_vec spans
 * several pages of a large folio. (With every segment aligned to the
 * block, a bio is only trimmed when blocks are larger than a page.)
 */
static inline unsigned long rxring_bvec_pages(unsigned int off,
					      unsigned int len)
{
	return len ? (off + len - 1) / PAGE_SIZE - off / PAGE_SIZE + 1 : 0;
}

static inline int rxring_bio_align_down(struct bio *bio,
					struct iov_iter *iter,
					unsigned int mask)
{
	size_t trim = bio->bi_iter.bi_size & mask;
	struct bio_vec *bv = &bio->bi_io_vec[bio->bi_vcnt - 1];

	if (!trim)
		return 0;
	iov_iter_revert(iter, trim);
	bio->bi_iter.bi_size -= trim;
	for (;;) {
		unsigned int keep = trim < bv->bv_len ? bv->bv_len - trim : 0;
		unsigned long n = rxring_bvec_pages(bv->bv_offset, bv->bv_len) -
				  rxring_bvec_pages(bv->bv_offset, keep);

		if (n && bio_flagged(bio, BIO_PAGE_PINNED))
			unpin_user_folio(page_folio(bv->bv_page), n);
		if (keep) {
			bv->bv_len = keep;
			return 0;
		}
		trim -= bv->bv_len;
		if (!--bio->bi_vcnt)
			return -EFAULT;
		if (!trim)
			return 0;
		bv--;
	}
}

static inline int rxring_bio_iov_iter_get_pages(struct bio *bio,
						struct iov_iter *iter)
{
	unsigned int mask = bdev_logical_block_size(bio->bi_bdev) - 1;
	unsigned int mem_mask = bdev_dma_alignment(bio->bi_bdev);
	iov_iter_extraction_t flags = 0;

	if (iov_iter_extract_will_pin(iter))
		bio_set_flag(bio, BIO_PAGE_PINNED);
	if (blk_queue_pci_p2pdma(bio->bi_bdev->bd_disk->queue))
		flags |= ITER_ALLOW_P2PDMA;
	do {
		ssize_t ret;

		ret = iov_iter_extract_bvecs(iter, bio->bi_io_vec,
					     BIO_MAX_SIZE - bio->bi_iter.bi_size,
					     &bio->bi_vcnt, bio->bi_max_vecs,
					     mem_mask, flags);
		if (ret <= 0) {
			/* Misaligned: the whole request fails. */
			if (ret == -EINVAL) {
				bio_release_pages(bio, false);
				bio_clear_flag(bio, BIO_PAGE_PINNED);
				bio->bi_vcnt = 0;
			}
			if (!bio->bi_vcnt)
				return ret;
			break;
		}
		bio->bi_iter.bi_size += ret;
	} while (iov_iter_count(iter) && bio->bi_vcnt < bio->bi_max_vecs);
	if (is_pci_p2pdma_page(bio->bi_io_vec->bv_page))
		bio->bi_opf |= REQ_NOMERGE;
	return rxring_bio_align_down(bio, iter, mask);
}
#else
#error "rxring: neither bio_iov_iter_get_pages() nor iov_iter_extract_bvecs() is exported"
#endif

/*
 * User pages of a direct read are dirtied before the bio is submitted, as
 * the kernel's own block device O_DIRECT does. bio_set_pages_dirty() is
 * exported by 6.12; 6.1 and 7.2 declare it but keep it to themselves, so
 * here is its body (the same in both).
 */
static inline void rxring_bio_set_pages_dirty(struct bio *bio)
{
#ifdef RXRING_HAVE_BIO_SET_PAGES_DIRTY
	bio_set_pages_dirty(bio);
#else
	struct folio_iter fi;

	bio_for_each_folio_all(fi, bio) {
		folio_lock(fi.folio);
		folio_mark_dirty(fi.folio);
		folio_unlock(fi.folio);
	}
#endif
}

/*
 * A bio over @size bytes of the pages of @bvec (@nr of them, @skip bytes
 * into the first): a registered buffer, lent as it is, as
 * bio_iov_iter_get_pages() makes a bio of a bio_vec iterator
 * (bio_iov_bvec_set(), not exported). On 6.1 the pages, which the bio does
 * not hold, are marked so that bio_release_pages() leaves them alone
 * (BIO_NO_PAGE_REF); 6.12 and 7.2 release only pages marked
 * BIO_PAGE_PINNED.
 */
static inline void rxring_bio_set_bvec(struct bio *bio,
				       const struct bio_vec *bvec,
				       unsigned int nr, unsigned int skip,
				       unsigned int size)
{
	bio->bi_vcnt = nr;
	bio->bi_io_vec = (struct bio_vec *)bvec;
	bio->bi_iter.bi_bvec_done = skip;
	bio->bi_iter.bi_size = size;
#ifdef RXRING_HAVE_BIO_NO_PAGE_REF
	bio_set_flag(bio, BIO_NO_PAGE_REF);
#endif
	bio_set_flag(bio, BIO_CLONED);
}

/*
 * Bios from a BIOSET_PERCPU_CACHE set's per-CPU cache (REQ_ALLOC_CACHE)
 * may be freed in hard IRQ context since 6.2. 6.1 allows that only in task
 * context (bio_put() warns otherwise) and NVMe completes in hard IRQ, so
 * there bios come from the mempool. Neither a header nor an export shows
 * that change, so Kbuild keys RXRING_HAVE_IRQ_BIO_CACHE on the version.
 */
#ifdef RXRING_HAVE_IRQ_BIO_CACHE
#define RXRING_REQ_ALLOC_CACHE	REQ_ALLOC_CACHE
#else
#define RXRING_REQ_ALLOC_CACHE	0
#endif

/*
 * readv(2) and writev(2) check the file's direction before they copy the
 * iovec array since the read/write rework that added file_write_started()
 * (vfs_readv(), 6.8); before it they copied first and checked in
 * do_iter_read(), so an unmapped array on an fd of the wrong direction is
 * EFAULT on 6.1 and EBADF on 6.12. rw.c follows the kernel it runs on.
 */
#ifdef RXRING_HAVE_FILE_WRITE_STARTED
#define RXRING_READV_FILE_FIRST	true
#else
#define RXRING_READV_FILE_FIRST	false
#endif

/*
 * vfs_iter_write() takes the superblock's freeze protection itself since
 * 6.7 (the series that added file_write_started()); on 6.1 its caller
 * does, as vfs_writev() does.
 */
static inline ssize_t rxring_vfs_iter_write(struct file *file,
					    struct iov_iter *iter,
					    loff_t *ppos, rwf_t flags)
{
#ifdef RXRING_HAVE_FILE_WRITE_STARTED
	return vfs_iter_write(file, iter, ppos, flags);
#else
	ssize_t ret;

	file_start_write(file);
	ret = vfs_iter_write(file, iter, ppos, flags);
	file_end_write(file);
	return ret;
#endif
}

/*
 * Whether polled bios (REQ_POLLED) on blk-mq queue @q go to poll queues
 * that bio_poll() reaps. 6.1 keeps that in QUEUE_FLAG_POLL (set when the
 * tag set has poll queues) and quietly submits a polled bio to @q without
 * it as an interrupt-driven one; 6.12 has BLK_FEAT_POLL (set for every
 * tag set with a poll map, whether it has poll queues or not) and fails a
 * polled bio with BLK_STS_NOTSUPP when there are none, which is what
 * blk_mq_can_poll() (block/blk-mq.h, internal) checks. Kbuild keys
 * RXRING_HAVE_BLK_FEAT_POLL on BLK_FEAT_POLL (6.11).
 */
static inline bool rxring_queue_can_poll(struct request_queue *q)
{
#ifdef RXRING_HAVE_BLK_FEAT_POLL
	return (q->limits.features & BLK_FEAT_POLL) &&
	       q->tag_set->map[HCTX_TYPE_POLL].nr_queues;
#else
	return test_bit(QUEUE_FLAG_POLL, &q->queue_flags);
#endif
}

/*
 * Whether @file reads (writes) through the page cache without sleeping when
 * asked to (IOCB_NOWAIT) and can hook a read onto a locked page instead of
 * waiting for it (IOCB_WAITQ): FMODE_BUF_RASYNC and FMODE_BUF_WASYNC in
 * f_mode up to 6.11, FOP_BUFFER_RASYNC and FOP_BUFFER_WASYNC in the file
 * operations' fop_flags since (both macros, so the test keys on them).
 */
static inline bool rxring_file_buf_rasync(struct file *file)
{
#ifdef FOP_BUFFER_RASYNC
	return file->f_op->fop_flags & FOP_BUFFER_RASYNC;
#else
	return file->f_mode & FMODE_BUF_RASYNC;
#endif
}

static inline bool rxring_file_buf_wasync(struct file *file)
{
#ifdef FOP_BUFFER_WASYNC
	return file->f_op->fop_flags & FOP_BUFFER_WASYNC;
#else
	return file->f_mode & FMODE_BUF_WASYNC;
#endif
}

#endif /* RXRING_COMPAT_H */
