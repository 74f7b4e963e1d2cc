/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the read/write selftests (rw_blk, rw_file, rw_fs, chain,
 * rw_lifetime, fio_engine): SQEs for READ/WRITE/READV/WRITEV/FSYNC on the
 * raw rings of common.h, batches that check every user_data completes
 * exactly once, data patterns, null_blk devices made through configfs (the
 * guest's /dev/nullb0 is not memory backed, so it cannot keep data), and
 * file systems made on them (rw_fs_up()).
 *
 * Like common.h, nothing here asserts: helpers return 0 / a count or
 * -errno, and -1 with a description in rx_why for bookkeeping errors.
 */
#ifndef RXRING_SELFTEST_RWUTIL_H
#define RXRING_SELFTEST_RWUTIL_H

#include <dirent.h>
#include <linux/fs.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "common.h"

/* How long a completion that must come may take. */
#define RW_WATCHDOG_NS	(20 * RX_NSEC)

static inline void rw_sqe(struct rxring_sqe *sqe, __u8 op, int fd,
			  const void *addr, __u64 len, __u64 offset,
			  __u64 user_data)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = (__u64)(__s64)fd;
	sqe->addr = (__u64)(uintptr_t)addr;
	sqe->len = len;
	sqe->offset = offset;
	sqe->user_data = user_data;
}

static inline void rw_push(struct rx *r, __u8 op, int fd, const void *addr,
			   __u64 len, __u64 offset, __u64 user_data)
{
	struct rxring_sqe sqe;

	rw_sqe(&sqe, op, fd, addr, len, offset, user_data);
	rx_push(r, &sqe);
}

/* Wait until at least n CQ slots are filled; 0, or -ETIME / -errno. */
static inline int rw_wait(struct rx *r, unsigned int n)
{
	long long end = rx_now_ns() + RW_WATCHDOG_NS;
	__u64 ready;

	/* ready is read once a round: more may arrive at any time. */
	while ((ready = rx_cq_ready(r)) < n) {
		long long left = end - rx_now_ns();
		int ret;

		if (left <= 0)
			return -ETIME;
		ret = rx_enter(r, 0, n - (unsigned int)ready,
			       RXRING_ENTER_TIMEOUT, left, NULL);
		if (ret < 0 && ret != -ETIME && ret != -EINTR)
			return ret;
	}
	return 0;
}

/* One completion, waiting for it; 1, or -errno. */
static inline int rw_reap_wait(struct rx *r, struct rx_cqe *c)
{
	int ret = rw_wait(r, 1);

	return ret ? ret : rx_reap(r, c);
}

/*
 * Publish what was pushed, submit n (all must be taken: ENTER waits at a
 * full CQ or a CHAIN/DRAIN barrier), and reap n
 * completions whose user_data are base .. base + n - 1, each exactly once,
 * into status[user_data - base]. 0, or -1 with rx_why.
 */
static inline int rw_run(struct rx *r, unsigned int n, __u64 base,
			 __s64 *status)
{
	unsigned char *seen = calloc(n ? n : 1, 1);
	__u32 sub = 0;
	unsigned int i;
	int ret = -1;

	if (!seen) {
		snprintf(rx_why, sizeof(rx_why), "out of memory");
		return -1;
	}
	rx_publish(r);
	ret = rx_enter(r, n, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
		       RXRING_ENTER_TIMEOUT, RW_WATCHDOG_NS, &sub);
	if (ret < 0 || sub != n) {
		snprintf(rx_why, sizeof(rx_why), "ENTER %d, submitted %u of %u",
			 ret, sub, n);
		ret = -1;
		goto out;
	}
	ret = -1;
	for (i = 0; i < n; i++) {
		struct rx_cqe c;
		int got = rw_reap_wait(r, &c);

		if (got != 1) {
			snprintf(rx_why, sizeof(rx_why),
				 "completion %u of %u: %d", i, n, got);
			goto out;
		}
		if (c.user_data - base >= n || seen[c.user_data - base]) {
			snprintf(rx_why, sizeof(rx_why),
				 "unexpected user_data %llu",
				 (unsigned long long)c.user_data);
			goto out;
		}
		seen[c.user_data - base] = 1;
		status[c.user_data - base] = c.status;
	}
	ret = 0;
out:
	free(seen);
	return ret;
}

/* One SQE, run to completion: its status (or -1000 - errno of the run). */
static inline __s64 rw_one(struct rx *r, __u8 op, int fd, const void *addr,
			   __u64 len, __u64 offset)
{
	__s64 st;

	rw_push(r, op, fd, addr, len, offset, 0x5157);
	if (rw_run(r, 1, 0x5157, &st)) {
		fprintf(stderr, "# rw_one: %s\n", rx_why);
		return -1000;
	}
	return st;
}

/* Deterministic data: byte i of a pattern is a function of seed and i. */
static inline void rw_fill(void *buf, size_t len, __u64 seed)
{
	__u64 *p = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = (seed + i) * 0x9e3779b97f4a7c15ULL ^ (seed << 17);
	for (i = len / 8 * 8; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)(seed + i);
}

static __u64 rw_rnd_state = 88172645463325252ULL;

static inline __u64 rw_rnd(void)
{
	__u64 x = rw_rnd_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rw_rnd_state = x;
}

static inline void *rw_alloc(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len ? len : 4096))
		return NULL;
	return p;
}

static inline int rw_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = errno;
	close(fd);
	return n < 0 ? -err : 0;
}

static inline int rw_read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n'))
		buf[--n] = 0;
	return 0;
}

/* A null_blk device made through configfs. */
struct rw_nullb {
	char cfg[160];		/* its configfs directory */
	char dev[64];		/* its block device node */
	bool powered;
};

#define RW_NULLB_CFG	"/sys/kernel/config/nullb"

/*
 * rw_nullb_create() (below) with a hardware queue depth (0: null_blk's
 * default).
 */
static inline int rw_nullb_create_qd(struct rw_nullb *nb, const char *name,
				     unsigned int size_mb, unsigned int bs,
				     int irqmode,
				     unsigned long completion_nsec,
				     bool memory_backed, const char *badblocks,
				     unsigned int queue_depth)
{
	struct { const char *attr; char val[32]; } attrs[6];
	char path[224];
	unsigned int i, n = 0;
	int ret, tries;

	memset(nb, 0, sizeof(*nb));
	if (access(RW_NULLB_CFG, F_OK))
		return -EOPNOTSUPP;
	snprintf(nb->cfg, sizeof(nb->cfg), "%s/%s", RW_NULLB_CFG, name);
	snprintf(nb->dev, sizeof(nb->dev), "/dev/%s", name);
	if (mkdir(nb->cfg, 0755))
		return -errno;
	attrs[n].attr = "size";
	snprintf(attrs[n++].val, 32, "%u", size_mb);
	attrs[n].attr = "blocksize";
	snprintf(attrs[n++].val, 32, "%u", bs);
	attrs[n].attr = "memory_backed";
	snprintf(attrs[n++].val, 32, "%d", memory_backed);
	attrs[n].attr = "irqmode";
	snprintf(attrs[n++].val, 32, "%d", irqmode);
	attrs[n].attr = "completion_nsec";
	snprintf(attrs[n++].val, 32, "%lu", completion_nsec);
	if (queue_depth) {
		attrs[n].attr = "hw_queue_depth";
		snprintf(attrs[n++].val, 32, "%u", queue_depth);
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", nb->cfg, attrs[i].attr);
		ret = rw_write_str(path, attrs[i].val);
		if (ret)
			goto fail;
	}
	if (badblocks) {
		snprintf(path, sizeof(path), "%s/badblocks", nb->cfg);
		ret = rw_write_str(path, badblocks);
		if (ret)
			goto fail;
	}
	snprintf(path, sizeof(path), "%s/power", nb->cfg);
	ret = rw_write_str(path, "1");
	if (ret)
		goto fail;
	nb->powered = true;
	for (tries = 0; tries < 100; tries++) {
		struct stat st;

		if (!stat(nb->dev, &st) && S_ISBLK(st.st_mode))
			return 0;
		rx_sleep_ms(10);
	}
	ret = -ENODEV;
fail:
	if (nb->powered) {
		snprintf(path, sizeof(path), "%s/power", nb->cfg);
		rw_write_str(path, "0");
	}
	rmdir(nb->cfg);
	nb->cfg[0] = 0;
	return ret;
}

/*
 * Make /dev/NAME (6.1 and 6.12 name a configfs device after its
 * directory): size in MiB, logical block size, irqmode (0 none, 1 softirq,
 * 2 timer), completion_nsec for the timer, memory backed or not, and
 * badblocks ("+start-end" in sectors, or NULL). -EOPNOTSUPP when configfs
 * null_blk is not there.
 */
static inline int rw_nullb_create(struct rw_nullb *nb, const char *name,
				  unsigned int size_mb, unsigned int bs,
				  int irqmode, unsigned long completion_nsec,
				  bool memory_backed, const char *badblocks)
{
	return rw_nullb_create_qd(nb, name, size_mb, bs, irqmode,
				  completion_nsec, memory_backed, badblocks, 0);
}

static inline void rw_nullb_destroy(struct rw_nullb *nb)
{
	char path[224];
	int tries;

	if (!nb->cfg[0])
		return;
	if (nb->powered) {
		snprintf(path, sizeof(path), "%s/power", nb->cfg);
		rw_write_str(path, "0");
	}
	for (tries = 0; tries < 100 && rmdir(nb->cfg) && errno == EBUSY;
	     tries++)
		rx_sleep_ms(10);
	nb->cfg[0] = 0;
}

/* Size and logical block size of a block device (or a file's size). */
static inline int rw_dev_geometry(int fd, __u64 *size, unsigned int *lbs)
{
	struct stat st;
	int ss = 512;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode)) {
		*size = (__u64)st.st_size;
		*lbs = 512;
		return 0;
	}
	if (ioctl(fd, BLKGETSIZE64, size) || ioctl(fd, BLKSSZGET, &ss))
		return -errno;
	*lbs = (unsigned int)ss;
	return 0;
}

/* Run a shell command (busybox in the guest); its exit status or -1. */
static inline int rw_system(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Whether the program NAME is in one of the usual directories. */
static inline bool rw_have_prog(const char *name)
{
	static const char *const dirs[] = {
		"/usr/sbin", "/sbin", "/usr/bin", "/bin", NULL,
	};
	char path[96];
	unsigned int i;

	for (i = 0; dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (!access(path, X_OK))
			return true;
	}
	return false;
}

/* Whether the running kernel has file system TYPE (/proc/filesystems). */
static inline bool rw_have_fstype(const char *type)
{
	char line[128], *name;
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "r");

	while (f && !found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		name = strrchr(line, '\t');
		found = !strcmp(name ? name + 1 : line, type);
	}
	if (f)
		fclose(f);
	return found;
}

/*
 * A file system for a test: tmpfs, or mkfs.TYPE on a fresh memory-backed
 * null_blk (the data lives in the guest's memory), mounted on /tmp/NAME.
 */
struct rw_fs {
	struct rw_nullb nb;
	char type[16];
	char dir[64];
	bool mounted;
};

static inline void rw_fs_down(struct rw_fs *fs)
{
	if (fs->mounted && umount(fs->dir))
		fprintf(stderr, "# umount %s: %s\n", fs->dir, strerror(errno));
	if (fs->dir[0])
		rmdir(fs->dir);
	fs->mounted = false;
	fs->dir[0] = 0;
	rw_nullb_destroy(&fs->nb);
}

/*
 * Make and mount file system TYPE ("tmpfs", "ext4", "xfs", ...) named NAME:
 * for anything but tmpfs, mkfs.TYPE MKFS_OPTS on a null_blk of SIZE_MB MiB
 * with 512-byte sectors that completes each request after completion_nsec
 * (timer mode; 0: softirq mode), so O_DIRECT requests stay in flight a
 * while. 0 when mounted; 1 when mkfs.TYPE, the file system or configfs
 * null_blk is not there (the test then skips); -1 when making or mounting
 * it failed. rx_why says why for 1 and -1.
 */
static inline int rw_fs_up(struct rw_fs *fs, const char *type,
			   const char *name, unsigned int size_mb,
			   unsigned long completion_nsec,
			   const char *mkfs_opts)
{
	char prog[32], cmd[320], log[96], msg[96] = "";
	bool tmpfs = !strcmp(type, "tmpfs");
	int ret;

	memset(fs, 0, sizeof(*fs));
	snprintf(fs->type, sizeof(fs->type), "%s", type);
	snprintf(prog, sizeof(prog), "mkfs.%s", type);
	if (!tmpfs && !rw_have_prog(prog)) {
		snprintf(rx_why, sizeof(rx_why), "no %s here", prog);
		return 1;
	}
	if (!rw_have_fstype(type)) {
		snprintf(rx_why, sizeof(rx_why),
			 "no %s in this kernel (/proc/filesystems)", type);
		return 1;
	}
	snprintf(fs->dir, sizeof(fs->dir), "/tmp/%s", name);
	if (mkdir(fs->dir, 0700)) {
		snprintf(rx_why, sizeof(rx_why), "mkdir %s: %s", fs->dir,
			 strerror(errno));
		fs->dir[0] = 0;
		return -1;
	}
	if (tmpfs) {
		if (mount("tmpfs", fs->dir, "tmpfs", 0, "size=512m,mode=0700")) {
			snprintf(rx_why, sizeof(rx_why), "mount tmpfs: %s",
				 strerror(errno));
			rw_fs_down(fs);
			return -1;
		}
		fs->mounted = true;
		return 0;
	}
	ret = rw_nullb_create(&fs->nb, name, size_mb, 512,
			      completion_nsec ? 2 : 1, completion_nsec, true,
			      NULL);
	if (ret == -EOPNOTSUPP) {
		snprintf(rx_why, sizeof(rx_why), "no configfs null_blk here");
		rw_fs_down(fs);
		return 1;
	}
	if (ret) {
		snprintf(rx_why, sizeof(rx_why), "null_blk %s: %s", name,
			 strerror(-ret));
		rw_fs_down(fs);
		return -1;
	}
	snprintf(log, sizeof(log), "/tmp/%s.mkfs.log", name);
	snprintf(cmd, sizeof(cmd), "%s %s %s >%s 2>&1", prog, mkfs_opts,
		 fs->nb.dev, log);
	ret = rw_system(cmd);
	if (ret) {
		FILE *f = fopen(log, "r");

		if (f && fgets(msg, sizeof(msg), f))
			msg[strcspn(msg, "\n")] = 0;
		if (f)
			fclose(f);
		snprintf(rx_why, sizeof(rx_why), "%s %s %s: status %d: %s",
			 prog, mkfs_opts, fs->nb.dev, ret, msg);
		unlink(log);
		rw_fs_down(fs);
		return -1;
	}
	unlink(log);
	if (mount(fs->nb.dev, fs->dir, type, 0, NULL)) {
		snprintf(rx_why, sizeof(rx_why), "mount %s %s: %s", type,
			 fs->nb.dev, strerror(errno));
		rw_fs_down(fs);
		return -1;
	}
	fs->mounted = true;
	return 0;
}

#endif /* RXRING_SELFTEST_RWUTIL_H */
