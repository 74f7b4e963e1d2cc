// SPDX-License-Identifier: GPL-2.0
/*
 * rxring: Redox-style I/O rings for Linux. The /dev/rxring device, its
 * file operations, CREATE and PROBE.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "rxring.h"

/*
 * Who may open /dev/rxring (docs/security.md), like io_uring_disabled and
 * io_uring_group: checked at open(), so instances already open stay usable.
 */
static bool rxring_disabled;
module_param_named(disabled, rxring_disabled, bool, 0644);
MODULE_PARM_DESC(disabled,
		 "1: every open of /dev/rxring fails with EPERM (default: 0)");

static int rxring_allow_group = -1;
module_param_named(allow_group, rxring_allow_group, int, 0644);
MODULE_PARM_DESC(allow_group,
		 "Only members of this group (a gid) and CAP_SYS_ADMIN may open /dev/rxring; -1: everyone (default: -1)");

static int rxring_may_open(void)
{
	int gid = READ_ONCE(rxring_allow_group);
	kgid_t kgid;

	if (READ_ONCE(rxring_disabled))
		return -EPERM;
	if (gid < 0)
		return 0;
	kgid = make_kgid(&init_user_ns, gid);
	if (gid_valid(kgid) && in_group_p(kgid))
		return 0;
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static int rxring_open(struct inode *inode, struct file *file)
{
	struct rxring_ctx *ctx;
	int ret;

	ret = rxring_may_open();
	if (ret)
		return ret;
	ctx = kzalloc(sizeof(*ctx), RXRING_GFP);
	if (!ctx)
		return -ENOMEM;
	mutex_init(&ctx->submit_lock);
	spin_lock_init(&ctx->cq_lock);
	spin_lock_init(&ctx->pend_lock);
	INIT_LIST_HEAD(&ctx->futex_node);
	init_waitqueue_head(&ctx->cq_wait);
	rxring_debugfs_add(ctx);
	file->private_data = ctx;
	return 0;
}

static int rxring_release(struct inode *inode, struct file *file)
{
	struct rxring_ctx *ctx = file->private_data;

	rxring_debugfs_remove(ctx);
	/* Before anything it uses goes: the SQPOLL thread, polled I/O. */
	rxring_sqpoll_stop(ctx);
	rxring_iopoll_drain(ctx);
	rxring_pend_teardown(ctx);
	rxring_fixed_teardown(ctx);
	rxring_blk_teardown(ctx);
	rxring_kio_teardown(ctx);
	rxring_rings_free(ctx);
	mutex_destroy(&ctx->submit_lock);
	kfree(ctx);
	return 0;
}

static bool rxring_ready(struct rxring_ctx *ctx)
{
	/* Pairs with the release in CREATE: the rings are fully set up. */
	return smp_load_acquire(&ctx->ready);
}

static int rxring_check_create(struct rxring_create *p)
{
	if (p->version_major != RXRING_VERSION_MAJOR)
		return -EINVAL;
	if (p->size != sizeof(*p) || p->__resv0)
		return -EINVAL;
	if (p->features || p->sq_header_size || p->sq_entries_size ||
	    p->sq_array_size || p->cq_header_size || p->cq_entries_size)
		return -EINVAL;
	if (p->flags & ~RXRING_CREATE_SUPPORTED)
		return -EINVAL;
	/* __resv1 and __resv2, or the SQPOLL fields in their place. */
	if (rxring_poll_check_create(p))
		return -EINVAL;
	if (p->__resv3 || p->__resv4 || p->max_workers > RXRING_MAX_WORKERS)
		return -EINVAL;
	if (!p->sq_entries || p->sq_entries > RXRING_MAX_SQ_ENTRIES ||
	    !is_power_of_2(p->sq_entries))
		return -EINVAL;
	if (!p->cq_entries)
		p->cq_entries = 2 * p->sq_entries;
	if (p->cq_entries < 2 || p->cq_entries > RXRING_MAX_CQ_ENTRIES ||
	    !is_power_of_2(p->cq_entries))
		return -EINVAL;
	return 0;
}

static long rxring_create(struct rxring_ctx *ctx,
			  struct rxring_create __user *uarg)
{
	struct rxring_create p;
	int ret;

	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	ret = rxring_check_create(&p);
	if (ret)
		return ret;

	mutex_lock(&ctx->submit_lock);
	if (ctx->ready) {
		ret = -EBUSY;
		goto out;
	}
	ret = rxring_rings_create(ctx, &p);
	if (ret)
		goto out;
	ret = rxring_pend_init(ctx);
	if (ret)
		goto out_free_rings;
	rxring_defer_create(ctx, &p);
	ret = rxring_sqpoll_create(ctx, &p);
	if (ret)
		goto out_free_pend;
	if (copy_to_user(uarg, &p, sizeof(p))) {
		ret = -EFAULT;
		goto out_stop_sqpoll;
	}
	/* Publish the rings to mmap, ENTER and poll; see rxring_ready(). */
	smp_store_release(&ctx->ready, true);
	rxring_sqpoll_start(ctx);
	mutex_unlock(&ctx->submit_lock);
	return 0;

out_stop_sqpoll:
	rxring_sqpoll_stop(ctx);
out_free_pend:
	rxring_pend_teardown(ctx);
out_free_rings:
	rxring_rings_free(ctx);
out:
	mutex_unlock(&ctx->submit_lock);
	return ret;
}

static long rxring_probe(struct rxring_probe __user *uarg)
{
	struct rxring_probe *p;
	unsigned int i;
	long ret = 0;

	p = memdup_user(uarg, sizeof(*p));
	if (IS_ERR(p))
		return PTR_ERR(p);
	if (memchr_inv(p, 0, sizeof(*p))) {
		ret = -EINVAL;
		goto out;
	}
	p->last_op = RXRING_OP_LAST;
	p->ops_len = RXRING_OP_LAST;
	p->sqe_flags = RXRING_SQE_SUPPORTED;
	p->create_flags = RXRING_CREATE_SUPPORTED;
	p->enter_flags = RXRING_ENTER_SUPPORTED;
	p->features = RXRING_FEATURES;
	for (i = 0; i < RXRING_OP_LAST; i++) {
		p->ops[i].op = i;
		if (rxring_op_supported(i)) {
			p->ops[i].flags = RXRING_PROBE_OP_SUPPORTED;
			p->ops[i].syscall_flags = rxring_ops[i].syscall_flags;
		}
	}
	if (copy_to_user(uarg, p, sizeof(*p)))
		ret = -EFAULT;
out:
	kfree(p);
	return ret;
}

static long rxring_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct rxring_ctx *ctx = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case RXRING_IOC_CREATE:
		return rxring_create(ctx, argp);
	case RXRING_IOC_ENTER:
		if (!rxring_ready(ctx))
			return -ENXIO;
		return rxring_enter(ctx, argp);
	case RXRING_IOC_PROBE:
		return rxring_probe(argp);
	case RXRING_IOC_FUTEX:
		return rxring_futex_ioctl(argp);
	case RXRING_IOC_REGISTER_FILES:
	case RXRING_IOC_REGISTER_BUFFERS:
		return rxring_fixed_ioctl(ctx, cmd, argp);
	default:
		return -ENOTTY;
	}
}

static int rxring_flush(struct file *file, fl_owner_t id)
{
	struct rxring_ctx *ctx = file->private_data;

	if (rxring_ready(ctx))
		rxring_pend_flush(ctx);
	return 0;
}

static int rxring_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct rxring_ctx *ctx = file->private_data;

	if (!rxring_ready(ctx))
		return -ENXIO;
	return rxring_rings_mmap(ctx, vma);
}

static __poll_t rxring_poll(struct file *file, poll_table *pt)
{
	struct rxring_ctx *ctx = file->private_data;
	__poll_t mask = 0;

	if (!rxring_ready(ctx))
		return 0;
	poll_wait(file, &ctx->cq_wait, pt);
	if (rxring_cq_filled(ctx))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (rxring_cq_has_room(ctx))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static const struct file_operations rxring_fops = {
	.owner		= THIS_MODULE,
	.open		= rxring_open,
	.release	= rxring_release,
	.flush		= rxring_flush,
	.unlocked_ioctl	= rxring_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= rxring_mmap,
	.poll		= rxring_poll,
	.llseek		= noop_llseek,
};

bool rxring_is_instance(struct file *file)
{
	return file->f_op == &rxring_fops;
}

static struct miscdevice rxring_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "rxring",
	.fops	= &rxring_fops,
	.mode	= 0666,
};

static int __init rxring_init(void)
{
	int ret;

	ret = rxring_ops_check();
	if (ret)
		return ret;
	ret = rxring_blk_init();
	if (ret)
		return ret;
	rxring_debugfs_init();
	ret = misc_register(&rxring_dev);
	if (ret)
		goto err_debugfs;
	pr_info("loaded, ABI %u.%u.%u, /dev/%s\n", RXRING_VERSION_MAJOR,
		RXRING_VERSION_MINOR, RXRING_VERSION_PATCH, rxring_dev.name);
	return 0;

err_debugfs:
	rxring_debugfs_exit();
	rxring_blk_exit();
	return ret;
}

static void __exit rxring_exit(void)
{
	misc_deregister(&rxring_dev);
	rxring_debugfs_exit();
	rxring_blk_exit();
}

module_init(rxring_init);
module_exit(rxring_exit);

MODULE_DESCRIPTION("Redox-style I/O rings");
MODULE_AUTHOR("rxring developers");
MODULE_LICENSE("GPL");
#ifdef RXRING_PKG_VERSION
MODULE_VERSION(RXRING_PKG_VERSION);
#endif
