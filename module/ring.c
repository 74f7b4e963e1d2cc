// SPDX-License-Identifier: GPL-2.0
/*
 * Ring memory: allocation, accounting, mapping and release.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/sched/user.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "rxring.h"

static const u64 rxring_region_offsets[RXRING_NR_REGIONS] = {
	[RXRING_REG_SQ_HEADER]	= RXRING_OFF_SQ_HEADER,
	[RXRING_REG_SQ_ENTRIES]	= RXRING_OFF_SQ_ENTRIES,
	[RXRING_REG_SQ_ARRAY]	= RXRING_OFF_SQ_ARRAY,
	[RXRING_REG_CQ_HEADER]	= RXRING_OFF_CQ_HEADER,
	[RXRING_REG_CQ_ENTRIES]	= RXRING_OFF_CQ_ENTRIES,
};

static unsigned int rxring_pages_for(size_t bytes)
{
	return PAGE_ALIGN(bytes) >> PAGE_SHIFT;
}

static void *rxring_region_addr(struct rxring_ctx *ctx,
				enum rxring_region_id id)
{
	const struct rxring_region *r = &ctx->regions[id];

	if (!r->nr_pages)
		return NULL;
	return ctx->vaddr + ((size_t)r->first << PAGE_SHIFT);
}

static void rxring_pages_put(struct page **pages, unsigned int nr)
{
	unsigned int i;

	/* The last of each page once no mapping is left (each holds the file). */
	for (i = 0; i < nr; i++)
		put_page(pages[i]);
}

/*
 * Lay out the regions, allocate and charge their pages, map them for the
 * kernel and fill in the outputs of *p. Called once, under submit_lock.
 */
int rxring_rings_create(struct rxring_ctx *ctx, struct rxring_create *p)
{
	unsigned int counts[RXRING_NR_REGIONS];
	unsigned int i, nr = 0, allocated;
	struct page **pages;
	int ret;

	counts[RXRING_REG_SQ_HEADER] = rxring_pages_for(sizeof(*ctx->sq_hdr));
	counts[RXRING_REG_SQ_ENTRIES] =
		rxring_pages_for(sizeof(struct rxring_sqe) * p->sq_entries);
	counts[RXRING_REG_SQ_ARRAY] = (p->flags & RXRING_CREATE_INDIRECT) ?
		rxring_pages_for(sizeof(u32) * p->sq_entries) : 0;
	counts[RXRING_REG_CQ_HEADER] = rxring_pages_for(sizeof(*ctx->cq_hdr));
	counts[RXRING_REG_CQ_ENTRIES] =
		rxring_pages_for(sizeof(struct rxring_cqe) * p->cq_entries);

	for (i = 0; i < RXRING_NR_REGIONS; i++) {
		ctx->regions[i].offset = rxring_region_offsets[i];
		ctx->regions[i].first = nr;
		ctx->regions[i].nr_pages = counts[i];
		nr += counts[i];
	}

	ret = rxring_charge(&ctx->charge, nr);
	if (ret)
		return ret;

	pages = kvcalloc(nr, sizeof(*pages), RXRING_GFP);
	if (!pages) {
		ret = -ENOMEM;
		goto err_unaccount;
	}
	for (allocated = 0; allocated < nr; allocated++) {
		pages[allocated] = alloc_page(RXRING_GFP | __GFP_ZERO);
		if (!pages[allocated]) {
			ret = -ENOMEM;
			goto err_put_pages;
		}
	}
	ctx->vaddr = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	if (!ctx->vaddr) {
		ret = -ENOMEM;
		goto err_put_pages;
	}

	ctx->pages = pages;
	ctx->nr_pages = nr;

	ctx->flags = p->flags;
	ctx->sq_entries = p->sq_entries;
	ctx->cq_entries = p->cq_entries;
	ctx->sq_hdr = rxring_region_addr(ctx, RXRING_REG_SQ_HEADER);
	ctx->sqes = rxring_region_addr(ctx, RXRING_REG_SQ_ENTRIES);
	ctx->sq_array = rxring_region_addr(ctx, RXRING_REG_SQ_ARRAY);
	ctx->cq_hdr = rxring_region_addr(ctx, RXRING_REG_CQ_HEADER);
	ctx->cqes = rxring_region_addr(ctx, RXRING_REG_CQ_ENTRIES);

	p->version_minor = RXRING_VERSION_MINOR;
	p->version_patch = RXRING_VERSION_PATCH;
	p->features = RXRING_FEATURES;
	p->sq_header_size = (u64)counts[RXRING_REG_SQ_HEADER] << PAGE_SHIFT;
	p->sq_entries_size = (u64)counts[RXRING_REG_SQ_ENTRIES] << PAGE_SHIFT;
	p->sq_array_size = (u64)counts[RXRING_REG_SQ_ARRAY] << PAGE_SHIFT;
	p->cq_header_size = (u64)counts[RXRING_REG_CQ_HEADER] << PAGE_SHIFT;
	p->cq_entries_size = (u64)counts[RXRING_REG_CQ_ENTRIES] << PAGE_SHIFT;
	return 0;

err_put_pages:
	rxring_pages_put(pages, allocated);
	kvfree(pages);
err_unaccount:
	rxring_uncharge(&ctx->charge);
	return ret;
}

/*
 * Charge @pages pinned pages to the calling user's RLIMIT_MEMLOCK, which
 * bounds what all of their processes pin, whatever process holds the
 * instance later (an exec, an fd passed on), and to the calling process's
 * locked_vm; *@c must be empty. -ENOMEM over the limit.
 */
int rxring_charge(struct rxring_charge *c, unsigned long pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct user_struct *user = NULL;
	unsigned long cur;
	int ret;

	ret = account_locked_vm(current->mm, pages, true);
	if (ret)
		return ret;
	if (!capable(CAP_IPC_LOCK)) {
		user = current_user();
		cur = atomic_long_read(&user->locked_vm);
		do {
			if (cur + pages > limit || cur + pages < cur) {
				account_locked_vm(current->mm, pages, false);
				return -ENOMEM;
			}
		} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur,
						  cur + pages));
		get_uid(user);
	}
	mmgrab(current->mm);
	c->mm = current->mm;
	c->user = user;
	c->pages = pages;
	return 0;
}

/* Give back what rxring_charge() charged to *@c; nothing if it is empty. */
void rxring_uncharge(struct rxring_charge *c)
{
	if (!c->mm)
		return;
	account_locked_vm(c->mm, c->pages, false);
	mmdrop(c->mm);
	if (c->user) {
		atomic_long_sub(c->pages, &c->user->locked_vm);
		free_uid(c->user);
	}
	*c = (struct rxring_charge){};
}

/* Release the rings; the instance has no users left. */
void rxring_rings_free(struct rxring_ctx *ctx)
{
	if (!ctx->pages)
		return;

	WRITE_ONCE(ctx->sq_hdr->status, RXRING_RING_DROP);
	WRITE_ONCE(ctx->cq_hdr->status, RXRING_RING_DROP);
	vunmap(ctx->vaddr);
	rxring_pages_put(ctx->pages, ctx->nr_pages);
	kvfree(ctx->pages);
	rxring_uncharge(&ctx->charge);
	ctx->pages = NULL;
}

/*
 * A ring page the mapping lost (madvise(MADV_DONTNEED) zaps what
 * vm_insert_pages() put there): the same page again. The instance, and so
 * its pages, lives as long as any mapping, which holds its file.
 */
static vm_fault_t rxring_rings_fault(struct vm_fault *vmf)
{
	struct rxring_ctx *ctx = vmf->vma->vm_file->private_data;
	u64 off = (u64)vmf->pgoff << PAGE_SHIFT;
	unsigned int i;

	for (i = 0; i < RXRING_NR_REGIONS; i++) {
		const struct rxring_region *r = &ctx->regions[i];
		struct page *page;

		if (off < r->offset ||
		    off - r->offset >= ((u64)r->nr_pages << PAGE_SHIFT))
			continue;
		page = ctx->pages[r->first + ((off - r->offset) >> PAGE_SHIFT)];
		get_page(page);
		vmf->page = page;
		return 0;
	}
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct rxring_rings_vm_ops = {
	.fault = rxring_rings_fault,
};

int rxring_rings_mmap(struct rxring_ctx *ctx, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	unsigned long len = vma->vm_end - vma->vm_start;
	const struct rxring_region *r = NULL;
	unsigned long nr;
	unsigned int i;

	for (i = 0; i < RXRING_NR_REGIONS; i++) {
		if (ctx->regions[i].offset == off) {
			r = &ctx->regions[i];
			break;
		}
	}
	if (!r || !r->nr_pages || len > ((unsigned long)r->nr_pages << PAGE_SHIFT))
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &rxring_rings_vm_ops;
	nr = len >> PAGE_SHIFT;
	return vm_insert_pages(vma, vma->vm_start, ctx->pages + r->first, &nr);
}
