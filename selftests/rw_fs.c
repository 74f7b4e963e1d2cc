// SPDX-License-Identifier: GPL-2.0
/*
 * rw_fs: READ, WRITE, READV and WRITEV on regular files of tmpfs, ext4 and
 * xfs, buffered and O_DIRECT, checked against what the file must hold.
 * ext4 and xfs are made with mkfs.ext4 and mkfs.xfs on memory-backed
 * null_blk devices whose every request takes FS_DELAY_NS (timer mode), so
 * O_DIRECT requests stay in flight for a while. Each file system and mode
 * is a variant of every test:
 *  - random: a seeded random mix of the four operations (and now and then
 *    an FSYNC) kept at queue depths 1, 4, 16, 64 and 128, random offsets,
 *    lengths, iovec splits and buffer alignments, reads that reach past
 *    the end of the file, parts of the file dropped from the page cache
 *    (so buffered reads wait for pages), and between phases an ftruncate()
 *    to a random size, a batch of writes that extend the file, or an FSYNC
 *    and the whole file dropped from the page cache. Operations in flight
 *    together never overlap where one of them writes, so each result is
 *    known: every status and every byte read is checked against a shadow
 *    copy of the file in memory, and the whole file at the end;
 *  - like_pread: READ and READV at offsets, lengths and buffer addresses
 *    that O_DIRECT may refuse (not sector aligned), at, around and past
 *    the end of the file (which ends inside a sector), with unmapped
 *    buffers and odd iovec arrays: each gives what pread(2) or preadv(2)
 *    of the same file gives, the same count or the same errno, and the
 *    same bytes;
 *  - like_pwrite: WRITE and WRITEV the same way, each beside pwrite(2) or
 *    pwritev(2) of a twin file with the same contents: the same count or
 *    errno each time, and the same file in the end;
 *  - truncate_in_flight: reads and writes of a file that another thread,
 *    and the submitter between ENTER and reaping, truncate to random sizes
 *    the whole time. Writes store the file's own pattern, so each byte of
 *    the file is that pattern or zero (cut off and grown again): every SQE
 *    completes exactly once within the watchdog, writes write everything,
 *    reads give a count no larger than asked (no error: pread gives none
 *    for these) and bytes of the pattern or zeros;
 *  - unlink_in_flight: the file unlinked (before or right after ENTER)
 *    and its fd closed while a batch is in flight: every operation
 *    completes as it would have (the ring holds the file), and the data
 *    are there through another open file description.
 * Every test prints its seed, which also picks the instance's max_workers
 * (1, 3 or the default); RXRING_FS_SEED=N repeats a run. A variant skips
 * when mkfs.ext4/mkfs.xfs or the file system is not there, and tmpfs
 * O_DIRECT before Linux 6.6, which added it.
 */
#include <pthread.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#include "harness.h"
#include "rwutil.h"

#define DEPTH_MAX	128		/* operations in flight at most */
#define NSEG_MAX	4		/* iovecs of a READV or WRITEV */
#define LEN_MAX		(64u << 10)	/* the longest operation */
/* An operation's buffer: data, gaps between iovecs, a misalignment. */
#define SLOT_BYTES	(LEN_MAX + 5 * 4096)
#define FILE_CAP	(4u << 20)	/* the file never gets larger */
#define SIZE_MAX_CUT	(3u << 20)	/* ftruncate() sizes stay below */
#define READ_PAST	(128u << 10)	/* reads reach this far past EOF */
#define LOOSE_SIZE	(1024u * 1024)	/* truncate_in_flight's range */
#define FS_DELAY_NS	50000		/* each null_blk request takes 50 us */

/* ---- the file systems ---------------------------------------------------- */

enum { FS_TMPFS, FS_EXT4, FS_XFS, FS_N };

static const struct {
	const char *type;
	unsigned int size_mb;
	const char *mkfs_opts;
} fs_def[FS_N] = {
	[FS_TMPFS] = { "tmpfs", 0, "" },
	[FS_EXT4] = { "ext4", 64, "-q -F -b 4096" },
	/* mkfs.xfs refuses a file system of 300 MiB or less. */
	[FS_XFS] = { "xfs", 320, "-q -f -K" },
};

/*
 * Made before the harness starts and removed when it exits (the tests run
 * in children, which leave with _exit()).
 */
static struct rw_fs fs_mnt[FS_N];
static int fs_state[FS_N];		/* rw_fs_up(): 0, 1 (skip) or -1 */
static char fs_why[FS_N][sizeof(rx_why)];

__attribute__((constructor)) static void fs_all_up(void)
{
	char name[32];
	unsigned int i;

	for (i = 0; i < FS_N; i++) {
		snprintf(name, sizeof(name), "rxfs%s%d", fs_def[i].type,
			 getpid());
		fs_state[i] = rw_fs_up(&fs_mnt[i], fs_def[i].type, name,
				       fs_def[i].size_mb, FS_DELAY_NS,
				       fs_def[i].mkfs_opts);
		memcpy(fs_why[i], rx_why, sizeof(rx_why));
	}
}

__attribute__((destructor)) static void fs_all_down(void)
{
	unsigned int i;

	for (i = 0; i < FS_N; i++)
		if (!fs_state[i])
			rw_fs_down(&fs_mnt[i]);
}

/* ---- the simulation ------------------------------------------------------ */

/* One operation slot: its buffer and, while busy, what is in flight. */
struct slot {
	unsigned char *mem;		/* SLOT_BYTES, page aligned */
	struct iovec iov[NSEG_MAX];
	unsigned int nseg;
	__u8 op;
	__u64 off, len;
	__u64 seq;			/* user_data >> 8 */
	bool busy;
};

/*
 * A file and what it must hold. Writes change the shadow when they are
 * submitted: nothing in flight overlaps them, and they must succeed.
 * Beyond size the shadow is all zeros. In loose mode (truncate_in_flight)
 * the size is unknown and every byte is pat() or zero.
 */
struct sim {
	struct rx *r;
	int fd;
	unsigned int align;		/* O_DIRECT: 512; buffered: 1 */
	bool loose;
	bool cut;			/* loose: ftruncate() after ENTERs */
	__u64 seed, rng;
	unsigned char *shadow;		/* FILE_CAP bytes */
	__u64 size;
	__u64 seq;
	unsigned int inflight;
	unsigned int deepest;		/* the most in flight at once */
	unsigned long nops, nbytes, ncuts;
	struct slot slot[DEPTH_MAX];
};

static __u64 rnd(struct sim *s)
{
	__u64 x = s->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* 0 .. n - 1 (0 for 0). */
static __u64 rnd_below(struct sim *s, __u64 n)
{
	return n ? rnd(s) % n : 0;
}

static void rnd_fill(struct sim *s, unsigned char *p, size_t len)
{
	size_t i;
	__u64 x = 0;

	for (i = 0; i < len; i++) {
		if (!(i % 8))
			x = rnd(s);
		p[i] = (unsigned char)(x >> (i % 8 * 8));
	}
}

/* The loose mode's byte at @off: never zero. */
static unsigned char pat(__u64 off)
{
	__u64 x = (off >> 4) * 0x9e3779b97f4a7c15ULL;

	return (unsigned char)(1 + ((x >> 32) + off) % 255);
}

static bool op_writes(__u8 op)
{
	return op == RXRING_OP_WRITE || op == RXRING_OP_WRITEV;
}

static bool op_vec(__u8 op)
{
	return op == RXRING_OP_READV || op == RXRING_OP_WRITEV;
}

static const char *op_name(__u8 op)
{
	switch (op) {
	case RXRING_OP_READ:
		return "READ";
	case RXRING_OP_WRITE:
		return "WRITE";
	case RXRING_OP_READV:
		return "READV";
	case RXRING_OP_WRITEV:
		return "WRITEV";
	default:
		return "FSYNC";
	}
}

static void sim_free(struct sim *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < DEPTH_MAX; i++)
		free(s->slot[i].mem);
	free(s->shadow);
	free(s);
}

static struct sim *sim_new(struct rx *r, int fd, unsigned int align,
			   bool loose, __u64 seed)
{
	struct sim *s = calloc(1, sizeof(*s));
	unsigned int i;

	if (!s)
		return NULL;
	s->r = r;
	s->fd = fd;
	s->align = align;
	s->loose = loose;
	s->seed = seed;
	s->rng = seed ^ 0x9e3779b97f4a7c15ULL;
	if (!s->rng)
		s->rng = 1;
	s->shadow = calloc(1, FILE_CAP);
	if (!s->shadow)
		goto fail;
	for (i = 0; i < DEPTH_MAX; i++) {
		s->slot[i].mem = rw_alloc(SLOT_BYTES);
		if (!s->slot[i].mem)
			goto fail;
	}
	return s;
fail:
	sim_free(s);
	return NULL;
}

/* A length: mostly short, some up to LEN_MAX, a few 0; a multiple of @a. */
static __u64 rnd_len(struct sim *s, unsigned int a)
{
	static const __u64 max[] = { 512, 4096, 4096, 16384, 16384, LEN_MAX };
	__u64 len;

	if (!rnd_below(s, 50))
		return 0;
	len = 1 + rnd_below(s, max[rnd_below(s, ARRAY_SIZE(max))]);
	return (len + a - 1) / a * a;
}

/* The O_DIRECT unit of one operation: sector or page; 1 buffered. */
static unsigned int rnd_unit(struct sim *s)
{
	if (s->align == 1)
		return 1;
	return rnd(s) & 1 ? 512 : 4096;
}

/* Whether an operation at @off, @len clashes with one in flight. */
static bool sim_clashes(const struct sim *s, bool write, __u64 off,
			__u64 len)
{
	unsigned int i;

	for (i = 0; i < DEPTH_MAX; i++) {
		const struct slot *t = &s->slot[i];

		if (t->busy && (write || op_writes(t->op)) &&
		    off < t->off + t->len && t->off < off + len)
			return true;
	}
	return false;
}

/*
 * Lay out t->len bytes in t->mem: one piece, or for READV/WRITEV up to
 * NSEG_MAX iovecs (some maybe empty) with gaps between them; addresses
 * and lengths multiples of @a.
 */
static void slot_layout(struct sim *s, struct slot *t, unsigned int a)
{
	unsigned int i, n = op_vec(t->op) ? 1 + rnd_below(s, NSEG_MAX) : 1;
	unsigned char *p = t->mem;
	__u64 left = t->len;

	p += a == 1 ? rnd_below(s, 64) : a == 512 ? 512 * rnd_below(s, 8) : 0;
	for (i = 0; i < n; i++) {
		__u64 seg = i == n - 1 ? left : rnd_below(s, left / a + 1) * a;

		t->iov[i].iov_base = p;
		t->iov[i].iov_len = seg;
		p += seg + (a == 1 ? rnd_below(s, 8) : a * rnd_below(s, 2));
		left -= seg;
	}
	t->nseg = n;
}

/* Fill a write's buffers (and the shadow), or mark a read's. */
static void slot_data(struct sim *s, struct slot *t)
{
	__u64 pos = t->off;
	unsigned int i;
	size_t j;

	for (i = 0; i < t->nseg; i++) {
		unsigned char *p = t->iov[i].iov_base;
		size_t n = t->iov[i].iov_len;

		if (!op_writes(t->op)) {
			memset(p, 0x5a, n);
		} else if (s->loose) {
			for (j = 0; j < n; j++)
				p[j] = pat(pos + j);
		} else {
			rnd_fill(s, p, n);
			memcpy(s->shadow + pos, p, n);
		}
		pos += n;
	}
}

/*
 * A random operation in slot @t that clashes with nothing in flight.
 * Writes stay within the file (loose mode: anywhere in its range), reads
 * reach past its end; now and then an FSYNC, which clashes with nothing.
 * False when none was found in a few tries.
 */
static bool sim_gen(struct sim *s, struct slot *t)
{
	unsigned int tries;

	if (!rnd_below(s, 40)) {
		t->op = RXRING_OP_FSYNC;
		t->off = 0;
		t->len = 0;
		t->nseg = 0;
		return true;
	}
	for (tries = 0; tries < 32; tries++) {
		bool write = rnd(s) & 1, vec = rnd_below(s, 3) == 0;
		unsigned int a = rnd_unit(s);
		__u64 len = rnd_len(s, a), off, lim;

		if (write && !s->loose) {
			lim = s->size / a * a;
			if (len > lim)
				len = lim;
			off = rnd_below(s, (lim - len) / a + 1) * a;
		} else {
			lim = (s->loose ? LOOSE_SIZE : s->size) + READ_PAST;
			off = rnd_below(s, lim / a + 1) * a;
		}
		if (sim_clashes(s, write, off, len))
			continue;
		t->op = write ? (vec ? RXRING_OP_WRITEV : RXRING_OP_WRITE) :
				(vec ? RXRING_OP_READV : RXRING_OP_READ);
		t->off = off;
		t->len = len;
		slot_layout(s, t, a);
		slot_data(s, t);
		return true;
	}
	return false;
}

static void sim_push(struct sim *s, unsigned int idx)
{
	struct slot *t = &s->slot[idx];
	bool vec = op_vec(t->op);
	void *addr = NULL;

	t->seq = ++s->seq;
	t->busy = true;
	if (++s->inflight > s->deepest)
		s->deepest = s->inflight;
	if (t->nseg)
		addr = vec ? (void *)t->iov : t->iov[0].iov_base;
	rw_push(s->r, t->op, s->fd, addr, vec ? t->nseg : t->len, t->off,
		t->seq << 8 | idx);
}

/* The first @n bytes a read got: the shadow's, or pat() or zero. */
static int slot_cmp(struct sim *s, struct slot *t, __u64 n)
{
	__u64 pos = 0;
	unsigned int i;
	size_t j;

	for (i = 0; i < t->nseg && pos < n; i++) {
		const unsigned char *p = t->iov[i].iov_base;
		size_t k = t->iov[i].iov_len;

		if (k > n - pos)
			k = n - pos;
		for (j = 0; j < k; j++) {
			__u64 off = t->off + pos + j;
			unsigned char want;

			if (s->loose) {
				want = pat(off);
				if (!p[j] || p[j] == want)
					continue;
			} else {
				want = s->shadow[off];
				if (p[j] == want)
					continue;
			}
			snprintf(rx_why, sizeof(rx_why),
				 "%s %llu+%llu (%u iovecs): byte at %llu is %#x, want %#x%s",
				 op_name(t->op), (unsigned long long)t->off,
				 (unsigned long long)t->len, t->nseg,
				 (unsigned long long)off, p[j], want,
				 s->loose ? " or 0" : "");
			return -1;
		}
		pos += k;
	}
	return 0;
}

/* Check one completion against its slot, and free the slot. */
static int sim_check(struct sim *s, const struct rx_cqe *c)
{
	unsigned int idx = c->user_data & 0xff;
	struct slot *t = &s->slot[idx];
	char size[32];
	__s64 want;

	if (idx >= DEPTH_MAX || !t->busy || c->user_data >> 8 != t->seq) {
		snprintf(rx_why, sizeof(rx_why),
			 "unexpected user_data %#llx (a second completion?)",
			 (unsigned long long)c->user_data);
		return -1;
	}
	t->busy = false;
	s->inflight--;
	s->nops++;
	if (op_writes(t->op))
		want = (__s64)t->len;
	else if (t->op == RXRING_OP_FSYNC)
		want = 0;
	else if (s->loose)
		want = c->status >= 0 && c->status <= (__s64)t->len ?
		       c->status : -1;
	else if (t->off >= s->size)
		want = 0;
	else
		want = (__s64)(s->size - t->off < t->len ? s->size - t->off :
			       t->len);
	if (c->status != want) {
		if (s->loose)
			snprintf(size, sizeof(size), "being cut");
		else
			snprintf(size, sizeof(size), "at %llu bytes",
				 (unsigned long long)s->size);
		snprintf(rx_why, sizeof(rx_why),
			 "%s %llu+%llu (%u iovecs) with the file %s: status %lld, want %s%lld",
			 op_name(t->op), (unsigned long long)t->off,
			 (unsigned long long)t->len, t->nseg, size,
			 (long long)c->status,
			 s->loose && !op_writes(t->op) ? "0 .. " : "",
			 s->loose && !op_writes(t->op) ? (long long)t->len :
			 (long long)want);
		return -1;
	}
	s->nbytes += (unsigned long)c->status;
	return op_writes(t->op) ? 0 : slot_cmp(s, t, (__u64)c->status);
}

/*
 * Drop clean pages of a random part of the file from the page cache, so
 * that reads find some pages missing and wait for them (written pages
 * stay until written back: FSYNC).
 */
static void sim_evict(struct sim *s)
{
	__u64 off = rnd_below(s, FILE_CAP / 4096) * 4096;

	posix_fadvise(s->fd, (off_t)off, (off_t)(4096 + rnd_below(s, 1 << 20)),
		      POSIX_FADV_DONTNEED);
}

/* Cut the file to a random size (loose mode). */
static void sim_cut(struct sim *s)
{
	if (!ftruncate(s->fd, (off_t)rnd_below(s, LOOSE_SIZE + READ_PAST)))
		s->ncuts++;
}

/*
 * Publish and submit @n pushed operations (all must be taken), wait up to
 * RW_WATCHDOG_NS for at least @min completions, and check every completion
 * there is. 0, or -1 with rx_why.
 */
static int sim_step(struct sim *s, unsigned int n, unsigned int min)
{
	struct rx_cqe c;
	__u32 sub = 0;
	int ret;

	rx_publish(s->r);
	ret = rx_enter(s->r, n, min, RXRING_ENTER_TIMEOUT, RW_WATCHDOG_NS,
		       &sub);
	if (ret < 0 && !(ret == -ETIME && !n)) {
		snprintf(rx_why, sizeof(rx_why), "ENTER of %u: %s", n,
			 strerror(-ret));
		return -1;
	}
	if (n && sub != n) {
		snprintf(rx_why, sizeof(rx_why), "ENTER took %u of %u", sub,
			 n);
		return -1;
	}
	if (s->cut && !rnd_below(s, 4))
		sim_cut(s);
	if (!rnd_below(s, 8))
		sim_evict(s);
	if (min && rx_cq_ready(s->r) < min) {
		snprintf(rx_why, sizeof(rx_why),
			 "no completion in %lld s with %u in flight (a hang?)",
			 RW_WATCHDOG_NS / RX_NSEC, s->inflight);
		return -1;
	}
	while ((ret = rx_reap(s->r, &c)) == 1)
		if (sim_check(s, &c))
			return -1;
	if (ret < 0) {
		snprintf(rx_why, sizeof(rx_why), "reaping: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

/* Push new operations until @depth are in flight, at most @left; how many. */
static unsigned int sim_fill(struct sim *s, unsigned int depth,
			     unsigned int left)
{
	unsigned int idx, n = 0;

	for (idx = 0; idx < DEPTH_MAX && n < left && s->inflight < depth;
	     idx++) {
		if (s->slot[idx].busy)
			continue;
		if (!sim_gen(s, &s->slot[idx]))
			break;
		sim_push(s, idx);
		n++;
	}
	return n;
}

/* @count operations, @depth kept in flight, all completed and checked. */
static int sim_run(struct sim *s, unsigned int depth, unsigned int count)
{
	unsigned int started = 0;

	while (started < count || s->inflight) {
		unsigned int n = sim_fill(s, depth, count - started);
		bool full = !n || s->inflight >= depth || started + n == count;

		started += n;
		if (sim_step(s, n, full && s->inflight ? 1 : 0))
			return -1;
	}
	return 0;
}

/* Wait for everything in flight. */
static int sim_drain(struct sim *s)
{
	while (s->inflight)
		if (sim_step(s, 0, 1))
			return -1;
	return 0;
}

/* The file: @size bytes of random data (written with pwrite()). */
static int sim_prefill(struct sim *s, __u64 size)
{
	__u64 whole = (size + 4095) / 4096 * 4096;
	unsigned char *buf = rw_alloc(whole);
	ssize_t n;

	if (!buf) {
		snprintf(rx_why, sizeof(rx_why), "out of memory");
		return -1;
	}
	rnd_fill(s, buf, whole);
	n = pwrite(s->fd, buf, whole, 0);
	if (n != (ssize_t)whole || ftruncate(s->fd, (off_t)size)) {
		snprintf(rx_why, sizeof(rx_why), "prefill: %zd, %s", n,
			 strerror(errno));
		free(buf);
		return -1;
	}
	memcpy(s->shadow, buf, size);
	memset(s->shadow + size, 0, FILE_CAP - size);
	s->size = size;
	free(buf);
	return 0;
}

/*
 * The whole file, through pread() on @fd: the shadow's size and bytes
 * (loose mode: pat() or zero).
 */
static int sim_verify(struct sim *s, int fd)
{
	size_t cap = FILE_CAP + READ_PAST + 4096;
	unsigned char *buf = rw_alloc(cap);
	struct stat st;
	ssize_t n;
	__u64 i;
	int ret = -1;

	if (!buf || fstat(fd, &st)) {
		snprintf(rx_why, sizeof(rx_why), "verify: %s", strerror(errno));
		goto out;
	}
	if (!s->loose && (__u64)st.st_size != s->size) {
		snprintf(rx_why, sizeof(rx_why), "file size %lld, want %llu",
			 (long long)st.st_size, (unsigned long long)s->size);
		goto out;
	}
	n = pread(fd, buf, cap, 0);
	if (n != st.st_size) {
		snprintf(rx_why, sizeof(rx_why), "pread of the file: %zd (%s)",
			 n, strerror(errno));
		goto out;
	}
	for (i = 0; i < (__u64)n; i++) {
		unsigned char want = s->loose ? pat(i) : s->shadow[i];

		if (buf[i] == want || (s->loose && !buf[i]))
			continue;
		snprintf(rx_why, sizeof(rx_why),
			 "the file's byte at %llu is %#x, want %#x%s",
			 (unsigned long long)i, buf[i], want,
			 s->loose ? " or 0" : "");
		goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

/*
 * Between phases, nothing in flight: an ftruncate() to a random size, a
 * batch of writes that extend the file (up to @depth at once, holes
 * between them), or an FSYNC through the ring and the whole file dropped
 * from the page cache (the next reads wait for the disk).
 */
static int sim_reshape(struct sim *s, unsigned int depth)
{
	unsigned int i, n;
	__u64 size;
	__s64 st;

	switch (rnd_below(s, 3)) {
	case 0:
		size = rnd_below(s, SIZE_MAX_CUT);
		if (ftruncate(s->fd, (off_t)size)) {
			snprintf(rx_why, sizeof(rx_why), "ftruncate: %s",
				 strerror(errno));
			return -1;
		}
		if (size < s->size)
			memset(s->shadow + size, 0, s->size - size);
		s->size = size;
		return 0;
	case 1:
		break;
	default:
		st = rw_one(s->r, RXRING_OP_FSYNC, s->fd, NULL, 0, 0);
		if (st) {
			snprintf(rx_why, sizeof(rx_why), "FSYNC: status %lld",
				 (long long)st);
			return -1;
		}
		posix_fadvise(s->fd, 0, 0, POSIX_FADV_DONTNEED);
		return 0;
	}
	n = 1 + rnd_below(s, depth < 8 ? depth : 8);
	size = s->size;
	for (i = 0; i < n; i++) {
		struct slot *t = &s->slot[i];
		unsigned int a = rnd_unit(s);
		__u64 from = s->size > LEN_MAX ? s->size - LEN_MAX : 0;

		t->op = rnd(s) & 1 ? RXRING_OP_WRITE : RXRING_OP_WRITEV;
		t->len = rnd_len(s, a) ?: a;
		t->off = (from + rnd_below(s, LEN_MAX + READ_PAST)) / a * a;
		if (t->off + t->len > FILE_CAP ||
		    sim_clashes(s, true, t->off, t->len))
			continue;
		slot_layout(s, t, a);
		slot_data(s, t);
		sim_push(s, i);
		if (t->off + t->len > size)
			size = t->off + t->len;
	}
	s->size = size;
	return sim_step(s, s->inflight, 0) ?: sim_drain(s);
}

/* ---- the fixture --------------------------------------------------------- */

FIXTURE(fs) {
	struct rx r;
	struct sim *s;
	char path[96];
	int fd;
	int flags;		/* of open() */
	unsigned int align;	/* O_DIRECT's unit for the random tests */
	__u64 seed;
};

FIXTURE_VARIANT(fs) {
	unsigned int fs;
	bool direct;
};

FIXTURE_VARIANT_ADD(fs, tmpfs) { .fs = FS_TMPFS };
FIXTURE_VARIANT_ADD(fs, tmpfs_direct) { .fs = FS_TMPFS, .direct = true };
FIXTURE_VARIANT_ADD(fs, ext4) { .fs = FS_EXT4 };
FIXTURE_VARIANT_ADD(fs, ext4_direct) { .fs = FS_EXT4, .direct = true };
FIXTURE_VARIANT_ADD(fs, xfs) { .fs = FS_XFS };
FIXTURE_VARIANT_ADD(fs, xfs_direct) { .fs = FS_XFS, .direct = true };

FIXTURE_SETUP(fs)
{
	static const __u32 workers[] = { 1, 3, 0 };
	const char *env = getenv("RXRING_FS_SEED");
	struct rxring_create cr;

	self->fd = -1;
	self->r.fd = -1;
	self->s = NULL;
	if (fs_state[variant->fs] == 1)
		SKIP(return, "%s", fs_why[variant->fs]);
	ASSERT_EQ(0, fs_state[variant->fs]) TH_LOG("%s", fs_why[variant->fs]);
	self->flags = O_RDWR | (variant->direct ? O_DIRECT : 0);
	self->align = variant->direct ? 512 : 1;
	self->seed = env ? strtoull(env, NULL, 0) :
		     (__u64)rx_now_ns() * 0x9e3779b97f4a7c15ULL ^
		     (__u64)getpid();
	snprintf(self->path, sizeof(self->path), "%s/f.%d",
		 fs_mnt[variant->fs].dir, getpid());
	self->fd = open(self->path, self->flags | O_CREAT | O_TRUNC, 0600);
	if (self->fd < 0 && errno == EINVAL && variant->direct &&
	    variant->fs == FS_TMPFS)
		SKIP(return, "tmpfs has no O_DIRECT here (Linux 6.6 added it)");
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", self->path, strerror(errno));
	rx_raise_memlock();
	/* The seed picks how many workers block at once: 1, 3 or default. */
	rx_create_init(&cr, DEPTH_MAX, 0, 0);
	cr.max_workers = workers[self->seed % ARRAY_SIZE(workers)];
	ASSERT_EQ(0, rx_setup_cr(&self->r, &cr));
	TH_LOG("seed %llu (RXRING_FS_SEED=%llu repeats it), max_workers %u",
	       (unsigned long long)self->seed,
	       (unsigned long long)self->seed, self->r.cr.max_workers);
}

FIXTURE_TEARDOWN(fs)
{
	sim_free(self->s);
	if (self->r.fd >= 0)
		rx_teardown(&self->r);
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
}

/* ---- random -------------------------------------------------------------- */

TEST_F_TIMEOUT(fs, random, 150)
{
	static const unsigned int depth[] = { 1, 4, 16, 64, 128 };
	unsigned int d, phase, count;
	__u64 seed = self->seed;
	struct sim *s;

	s = sim_new(&self->r, self->fd, self->align, false, seed);
	self->s = s;
	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, sim_prefill(s, (1u << 20) + rnd_below(s, 1u << 20)))
		TH_LOG("seed %llu: %s", (unsigned long long)seed, rx_why);
	for (d = 0; d < ARRAY_SIZE(depth); d++) {
		count = rx_lane_n(160 + 12 * depth[d], 20 + depth[d]);
		for (phase = 0; phase < 4; phase++) {
			s->deepest = 0;
			ASSERT_EQ(0, sim_run(s, depth[d], count))
				TH_LOG("seed %llu, depth %u: %s",
				       (unsigned long long)seed, depth[d],
				       rx_why);
			/* Clashes can hold a few back, not many. */
			ASSERT_LE(depth[d] - depth[d] / 8, s->deepest)
				TH_LOG("seed %llu: depth %u reached only %u",
				       (unsigned long long)seed, depth[d],
				       s->deepest);
			ASSERT_EQ(0, sim_reshape(s, depth[d]))
				TH_LOG("seed %llu, depth %u: %s",
				       (unsigned long long)seed, depth[d],
				       rx_why);
		}
	}
	ASSERT_EQ(0, sim_verify(s, self->fd))
		TH_LOG("seed %llu: %s", (unsigned long long)seed, rx_why);
	TH_LOG("%lu operations, %lu KiB moved", s->nops, s->nbytes >> 10);
}

/* ---- like pread ---------------------------------------------------------- */

/* What the system call twin of a READ/WRITE/READV/WRITEV answers. */
static __s64 sys_twin(__u8 op, int fd, void *addr, __u64 len, __u64 off)
{
	ssize_t n;

	switch (op) {
	case RXRING_OP_READ:
		n = pread(fd, addr, len, (off_t)off);
		break;
	case RXRING_OP_WRITE:
		n = pwrite(fd, addr, len, (off_t)off);
		break;
	case RXRING_OP_READV:
		n = preadv(fd, addr, (int)len, (off_t)off);
		break;
	default:
		n = pwritev(fd, addr, (int)len, (off_t)off);
		break;
	}
	return n < 0 ? -errno : n;
}

#define TWIN_BUF	(LEN_MAX + 3 * 4096)
#define TWIN_SIZE	(64u * 1024 + 3000)	/* the end is not aligned */

/* The iovec arrays of the READV/WRITEV cases, in a buffer @b. */
static unsigned int twin_iovecs(struct iovec *v, unsigned int which,
				unsigned char *b, void *gone)
{
	switch (which) {
	case 0:		/* the second one's length is odd */
		v[0] = (struct iovec){ b, 512 };
		v[1] = (struct iovec){ b + 4096, 100 };
		return 2;
	case 1:		/* a misaligned address */
		v[0] = (struct iovec){ b + 1, 4096 };
		return 1;
	case 2:		/* an empty one first */
		v[0] = (struct iovec){ b + 3, 0 };
		v[1] = (struct iovec){ b + 4096, 4096 };
		return 2;
	case 3:		/* sectors and pages */
		v[0] = (struct iovec){ b, 4096 };
		v[1] = (struct iovec){ b + 8192 + 512, 512 };
		v[2] = (struct iovec){ b + 16384, 8192 };
		return 3;
	case 4:		/* the second one unmapped */
		v[0] = (struct iovec){ b, 4096 };
		v[1] = (struct iovec){ gone, 4096 };
		return 2;
	default:	/* none */
		return 0;
	}
}

#define TWIN_NR_IOVECS	6

/* Offsets, lengths and buffer misalignments to try, with the file's size. */
#define TWIN_DOWN	(TWIN_SIZE / 4096 * 4096)
#define TWIN_UP		((TWIN_SIZE + 4095) / 4096 * 4096)

static const __u64 twin_roffs[] = {
	0, 1, 100, 511, 512, 4095, 4096, 8704, TWIN_DOWN - 4096, TWIN_DOWN,
	TWIN_SIZE - 1, TWIN_SIZE, TWIN_SIZE + 1, TWIN_UP, TWIN_UP + 512,
	TWIN_SIZE + 65536, 1ULL << 40, (1ULL << 63) - 4096, 1ULL << 63,
};

static const __u64 twin_woffs[] = {
	0, 1, 512, 4196, TWIN_DOWN, TWIN_SIZE - 1, TWIN_SIZE + 1000,
	TWIN_UP + 4096,
};

static const __u64 twin_voffs[] = {
	0, 1, 512, TWIN_SIZE - 100, TWIN_SIZE, TWIN_UP + 4096,
};

static const __u64 twin_lens[] = {
	0, 1, 100, 511, 512, 513, 4096, 5000, 8192, LEN_MAX + 512,
};

static const unsigned int twin_mis[] = { 0, 1, 512 };

#define TWIN_NR_READS	(ARRAY_SIZE(twin_roffs) * ARRAY_SIZE(twin_lens) * \
			 ARRAY_SIZE(twin_mis))
#define TWIN_BATCH	64

/* Buffers for the ring (r) and for the system call (s). */
struct twin {
	unsigned char *r[TWIN_BATCH], *s[TWIN_BATCH];
	void *gone;		/* a page that is not accessible */
	unsigned int n;		/* cases compared */
};

static void twin_free(struct twin *t)
{
	unsigned int i;

	for (i = 0; i < TWIN_BATCH; i++) {
		free(t->r[i]);
		free(t->s[i]);
	}
	if (t->gone && t->gone != MAP_FAILED)
		munmap(t->gone, 4096);
}

static int twin_init(struct twin *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	/* Reserved and inaccessible: no later mapping can land there. */
	t->gone = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	if (t->gone == MAP_FAILED)
		return -1;
	for (i = 0; i < TWIN_BATCH; i++) {
		t->r[i] = rw_alloc(TWIN_BUF);
		t->s[i] = rw_alloc(TWIN_BUF);
		if (!t->r[i] || !t->s[i])
			return -1;
	}
	return 0;
}

/* Read case @k: offset, length and buffer misalignment. */
static void twin_read_case(unsigned int k, __u64 *off, __u64 *len,
			   unsigned int *mis)
{
	*mis = twin_mis[k % ARRAY_SIZE(twin_mis)];
	k /= ARRAY_SIZE(twin_mis);
	*len = twin_lens[k % ARRAY_SIZE(twin_lens)];
	*off = twin_roffs[k / ARRAY_SIZE(twin_lens)];
}

/*
 * Every READ case, TWIN_BATCH at a time in the ring, each beside pread()
 * of the same file: the same result, the same bytes.
 */
static void twin_reads(struct __test_metadata *_metadata, struct twin *t,
		       struct rx *r, int fd)
{
	__s64 want[TWIN_BATCH], got[TWIN_BATCH];
	unsigned int first, i, n, mis;
	__u64 off, len;

	for (first = 0; first < TWIN_NR_READS; first += n) {
		n = TWIN_NR_READS - first;
		if (n > TWIN_BATCH)
			n = TWIN_BATCH;
		for (i = 0; i < n; i++) {
			twin_read_case(first + i, &off, &len, &mis);
			memset(t->s[i], 0x11, TWIN_BUF);
			memset(t->r[i], 0x11, TWIN_BUF);
			want[i] = sys_twin(RXRING_OP_READ, fd, t->s[i] + mis,
					   len, off);
			rw_push(r, RXRING_OP_READ, fd, t->r[i] + mis, len, off,
				i);
		}
		ASSERT_EQ(0, rw_run(r, n, 0, got)) TH_LOG("%s", rx_why);
		for (i = 0; i < n; i++) {
			size_t k = want[i] > 0 ? (size_t)want[i] : 0;

			twin_read_case(first + i, &off, &len, &mis);
			t->n++;
			EXPECT_EQ(want[i], got[i])
				TH_LOG("READ %llu bytes at %llu, buffer +%u: pread gives %lld",
				       (unsigned long long)len,
				       (unsigned long long)off, mis,
				       (long long)want[i]);
			EXPECT_EQ(0, memcmp(t->s[i], t->r[i], mis + k))
				TH_LOG("READ %llu bytes at %llu, buffer +%u: not pread's bytes",
				       (unsigned long long)len,
				       (unsigned long long)off, mis);
		}
	}
}

/* Every READV case beside preadv(): the same result, the same bytes. */
static void twin_readvs(struct __test_metadata *_metadata, struct twin *t,
			struct rx *r, int fd)
{
	struct iovec rv[NSEG_MAX], sv[NSEG_MAX];
	unsigned int v, o, nseg;
	__s64 want, got;

	for (v = 0; v < TWIN_NR_IOVECS; v++) {
		for (o = 0; o < ARRAY_SIZE(twin_voffs); o++) {
			memset(t->s[0], 0x22, TWIN_BUF);
			memset(t->r[0], 0x22, TWIN_BUF);
			nseg = twin_iovecs(sv, v, t->s[0], t->gone);
			twin_iovecs(rv, v, t->r[0], t->gone);
			want = sys_twin(RXRING_OP_READV, fd, sv, nseg,
					twin_voffs[o]);
			got = rw_one(r, RXRING_OP_READV, fd, rv, nseg,
				     twin_voffs[o]);
			t->n++;
			EXPECT_EQ(want, got)
				TH_LOG("READV case %u at %llu: preadv gives %lld",
				       v, (unsigned long long)twin_voffs[o],
				       (long long)want);
			EXPECT_EQ(0, memcmp(t->s[0], t->r[0], TWIN_BUF))
				TH_LOG("READV case %u at %llu: not preadv's bytes",
				       v, (unsigned long long)twin_voffs[o]);
		}
	}
	/* An iovec array that is not mapped. */
	EXPECT_EQ(sys_twin(RXRING_OP_READV, fd, t->gone, 2, 0),
		  rw_one(r, RXRING_OP_READV, fd, t->gone, 2, 0));
}

/*
 * WRITE to @fd beside pwrite() to its twin @fd2, then WRITEV beside
 * pwritev(), in the same order: the same results.
 */
static void twin_writes(struct __test_metadata *_metadata, struct twin *t,
			struct rx *r, int fd, int fd2)
{
	unsigned int k, v, o, mis, nseg;
	struct iovec sv[NSEG_MAX];
	__s64 want, got;
	__u64 off, len;

	/* The lengths but the longest, every offset and misalignment. */
	for (k = 0; k < ARRAY_SIZE(twin_woffs) * (ARRAY_SIZE(twin_lens) - 1) *
			ARRAY_SIZE(twin_mis); k++) {
		mis = twin_mis[k % ARRAY_SIZE(twin_mis)];
		len = twin_lens[k / ARRAY_SIZE(twin_mis) %
				(ARRAY_SIZE(twin_lens) - 1)];
		off = twin_woffs[k / ARRAY_SIZE(twin_mis) /
				 (ARRAY_SIZE(twin_lens) - 1)];
		rw_fill(t->s[0] + mis, len, k);
		want = sys_twin(RXRING_OP_WRITE, fd2, t->s[0] + mis, len, off);
		got = rw_one(r, RXRING_OP_WRITE, fd, t->s[0] + mis, len, off);
		t->n++;
		EXPECT_EQ(want, got)
			TH_LOG("WRITE %llu bytes at %llu, buffer +%u: pwrite gives %lld",
			       (unsigned long long)len, (unsigned long long)off,
			       mis, (long long)want);
	}
	for (o = 0; o < ARRAY_SIZE(twin_woffs); o++) {
		off = twin_woffs[o];
		EXPECT_EQ(sys_twin(RXRING_OP_WRITE, fd2, t->gone, 4096, off),
			  rw_one(r, RXRING_OP_WRITE, fd, t->gone, 4096, off))
			TH_LOG("WRITE from an unmapped buffer at %llu",
			       (unsigned long long)off);
	}
	for (v = 0; v < TWIN_NR_IOVECS; v++) {
		for (o = 0; o < ARRAY_SIZE(twin_voffs); o++) {
			off = twin_voffs[o];
			nseg = twin_iovecs(sv, v, t->s[0], t->gone);
			rw_fill(t->s[0], TWIN_BUF, 1000 + t->n);
			want = sys_twin(RXRING_OP_WRITEV, fd2, sv, nseg, off);
			got = rw_one(r, RXRING_OP_WRITEV, fd, sv, nseg, off);
			t->n++;
			EXPECT_EQ(want, got)
				TH_LOG("WRITEV case %u at %llu: pwritev gives %lld",
				       v, (unsigned long long)off,
				       (long long)want);
		}
	}
	EXPECT_EQ(sys_twin(RXRING_OP_WRITEV, fd2, t->gone, 2, 0),
		  rw_one(r, RXRING_OP_WRITEV, fd, t->gone, 2, 0));
}

TEST_F_TIMEOUT(fs, like_pread, 150)
{
	struct twin t;

	self->s = sim_new(&self->r, self->fd, 1, false, self->seed);
	ASSERT_NE(NULL, self->s);
	ASSERT_EQ(0, sim_prefill(self->s, TWIN_SIZE)) TH_LOG("%s", rx_why);
	ASSERT_EQ(0, twin_init(&t)) twin_free(&t);
	twin_reads(_metadata, &t, &self->r, self->fd);
	twin_readvs(_metadata, &t, &self->r, self->fd);
	TH_LOG("%u reads compared", t.n);
	twin_free(&t);
}

TEST_F_TIMEOUT(fs, like_pwrite, 150)
{
	unsigned char *a = NULL, *b = NULL;
	struct stat sa, sb;
	char path[128];
	struct twin t;
	int fd2;

	snprintf(path, sizeof(path), "%s.twin", self->path);
	fd2 = open(path, self->flags | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd2) TH_LOG("%s: %s", path, strerror(errno));
	/* The file and its twin: the same data (the same seed). */
	self->s = sim_new(&self->r, fd2, 1, false, self->seed);
	ASSERT_NE(NULL, self->s);
	ASSERT_EQ(0, sim_prefill(self->s, TWIN_SIZE)) TH_LOG("%s", rx_why);
	self->s->fd = self->fd;
	self->s->rng = self->seed ^ 0x9e3779b97f4a7c15ULL;
	ASSERT_EQ(0, sim_prefill(self->s, TWIN_SIZE)) TH_LOG("%s", rx_why);
	ASSERT_EQ(0, twin_init(&t)) twin_free(&t);
	twin_writes(_metadata, &t, &self->r, self->fd, fd2);

	/* In the end, the file and its twin are the same. */
	ASSERT_EQ(0, fstat(self->fd, &sa));
	ASSERT_EQ(0, fstat(fd2, &sb));
	EXPECT_EQ(sb.st_size, sa.st_size);
	a = rw_alloc(FILE_CAP);
	b = rw_alloc(FILE_CAP);
	if (a && b && sa.st_size == sb.st_size && sa.st_size <= FILE_CAP) {
		EXPECT_EQ(sa.st_size, pread(self->fd, a, FILE_CAP, 0));
		EXPECT_EQ(sb.st_size, pread(fd2, b, FILE_CAP, 0));
		EXPECT_EQ(0, memcmp(a, b, sa.st_size))
			TH_LOG("the ring's file is not the system call's");
	}
	TH_LOG("%u writes compared", t.n);
	free(a);
	free(b);
	twin_free(&t);
	close(fd2);
	unlink(path);
}

/* ---- truncate and unlink in flight -------------------------------------- */

struct cutter {
	int fd;
	bool stop;
	__u64 rng;
	unsigned long n;
};

/* ftruncate() to random sizes, with short pauses, until told to stop. */
static void *cut_loop(void *arg)
{
	struct cutter *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		c->rng ^= c->rng << 13;
		c->rng ^= c->rng >> 7;
		c->rng ^= c->rng << 17;
		if (!ftruncate(c->fd, (off_t)(c->rng %
					     (LOOSE_SIZE + READ_PAST))))
			c->n++;
		usleep(c->rng % 400);
	}
	return NULL;
}

TEST_F_TIMEOUT(fs, truncate_in_flight, 150)
{
	static const unsigned int depth[] = { 1, 8, 32, 128 };
	struct cutter cut = { .fd = self->fd };
	__u64 seed = self->seed;
	unsigned int d;
	pthread_t th;
	struct utsname u;
	struct sim *s;
	int ret = 0;

	/*
	 * Linux 7.2's xfs once warned in iomap_zero_range() (a folio past
	 * the end of the file) in an ftruncate() of this test; the same race
	 * with plain system calls did not, for a minute. Until that is
	 * understood (docs/security.md, known issues) the variant skips
	 * there, so that the guest's dmesg check keeps meaning something.
	 */
	if (variant->fs == FS_XFS && !uname(&u) && atoi(u.release) >= 7)
		SKIP(return, "xfs on 7.x: known iomap_zero_range warning");
	s = sim_new(&self->r, self->fd, self->align, true, seed);
	self->s = s;
	ASSERT_NE(NULL, s);
	s->cut = true;
	cut.rng = seed | 1;
	ASSERT_EQ(0, pthread_create(&th, NULL, cut_loop, &cut));
	for (d = 0; d < ARRAY_SIZE(depth) && !ret; d++) {
		ret = sim_run(s, depth[d], rx_lane_n(300 + 6 * depth[d],
						     30 + depth[d]));
		if (ret)
			TH_LOG("seed %llu, depth %u: %s",
			       (unsigned long long)seed, depth[d], rx_why);
	}
	__atomic_store_n(&cut.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, sim_verify(s, self->fd))
		TH_LOG("seed %llu: %s", (unsigned long long)seed, rx_why);
	TH_LOG("%lu operations, %lu truncations by a thread, %lu after ENTER",
	       s->nops, cut.n, s->ncuts);
	EXPECT_LT(0UL, cut.n);
}

TEST_F_TIMEOUT(fs, unlink_in_flight, 150)
{
	enum { ROUNDS = 16, DEPTH = 64 };
	__u64 seed = self->seed;
	unsigned int round, n;
	char path[128];
	struct sim *s;
	int fd, fd2;

	s = sim_new(&self->r, -1, self->align, false, seed);
	self->s = s;
	ASSERT_NE(NULL, s);
	for (round = 0; round < ROUNDS; round++) {
		snprintf(path, sizeof(path), "%s.u%u", self->path, round);
		fd = open(path, self->flags | O_CREAT | O_TRUNC, 0600);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		/* Another open file description, for after the close. */
		fd2 = open(path, self->flags);
		ASSERT_LE(0, fd2) TH_LOG("%s: %s", path, strerror(errno));
		s->fd = fd;
		ASSERT_EQ(0, sim_prefill(s, (256u << 10) -
					 rnd_below(s, 4096)))
			TH_LOG("%s", rx_why);
		if (round % 2)
			ASSERT_EQ(0, unlink(path));
		n = sim_fill(s, DEPTH, DEPTH);
		ASSERT_EQ(0, sim_step(s, n, 0))
			TH_LOG("seed %llu, round %u: %s",
			       (unsigned long long)seed, round, rx_why);
		if (!(round % 2))
			ASSERT_EQ(0, unlink(path));
		ASSERT_EQ(0, close(fd));
		ASSERT_EQ(0, sim_drain(s))
			TH_LOG("seed %llu, round %u: %s",
			       (unsigned long long)seed, round, rx_why);
		ASSERT_EQ(0, sim_verify(s, fd2))
			TH_LOG("seed %llu, round %u: %s",
			       (unsigned long long)seed, round, rx_why);
		close(fd2);
	}
	TH_LOG("%lu operations on unlinked files", s->nops);
}

TEST_HARNESS_MAIN
