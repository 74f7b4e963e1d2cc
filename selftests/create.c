// SPDX-License-Identifier: GPL-2.0
/*
 * create: RXRING_IOC_CREATE.
 *  - every valid record: sq_entries 1..32768 (each power of two), cq_entries
 *    0 (resolved to 2 * sq) or explicit (2, sq, 4 * sq, 65536), INDIRECT off
 *    and on; the outputs are checked: cq_entries resolved, version, features,
 *    every region length a page multiple and large enough for its entries,
 *    sq_array_size non-zero iff INDIRECT; the input fields unchanged;
 *  - version_minor/patch are free on input and the module's on output;
 *  - invalid records, each on a fresh instance, each EINVAL and leaving the
 *    instance without rings (ENTER then gives ENXIO): bad major, non-zero
 *    reserved fields, unknown flag bits, wrong size, sq 0/3/65536/...,
 *    cq 1/3/131072/..., non-zero output fields;
 *  - a second CREATE (also through a dup'ed fd) gives EBUSY and leaves the
 *    first rings working; ENTER before CREATE gives ENXIO; unknown ioctl
 *    numbers (including CREATE/ENTER/PROBE with a wrong size or direction)
 *    give ENOTTY; NULL / unmapped / half-mapped record pointers give EFAULT;
 *  - RLIMIT_MEMLOCK: without CAP_IPC_LOCK a ring over the limit gives
 *    ENOMEM, and the charge is given back on close;
 *  - memory cgroup: in a cgroup with little room, CREATE of a large ring
 *    gives ENOMEM (no OOM kill), a small one still fits, and the memory
 *    comes back on close (root; SKIP without cgroup v2's memory
 *    controller);
 *  - many instances at once are independent.
 */
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <termios.h>

#include "harness.h"
#include "common.h"

static const __u64 feat_all = RXRING_FEAT_EXTENDED_CQE | RXRING_FEAT_INDIRECT |
			      RXRING_FEAT_PROBE;

static __u32 default_workers(__u32 sq)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	__u32 n = sq;

	if (cpus > 0 && (__u32)(4 * cpus) < n)
		n = 4 * cpus;
	return n < RXRING_MAX_WORKERS ? n : RXRING_MAX_WORKERS;
}

/* Check a successful CREATE's record against its inputs. */
static void check_created(struct __test_metadata *_metadata,
			  const struct rxring_create *c, __u32 sq, __u32 cq,
			  __u32 flags)
{
	size_t page = rx_page();
	__u32 want_cq = cq ? cq : 2 * sq;

	EXPECT_EQ(RXRING_VERSION_MAJOR, c->version_major);
	EXPECT_EQ(RXRING_VERSION_MINOR, c->version_minor);
	EXPECT_EQ(RXRING_VERSION_PATCH, c->version_patch);
	EXPECT_EQ(0, c->__resv0);
	EXPECT_EQ(flags, c->flags);
	EXPECT_EQ(sizeof(*c), (size_t)c->size);
	EXPECT_EQ(sq, c->sq_entries);
	EXPECT_EQ(want_cq, c->cq_entries);
	EXPECT_EQ(0U, c->__resv1);
	EXPECT_EQ(feat_all, c->features & feat_all);
	EXPECT_EQ(0ULL, c->__resv2[0]);
	/* The default bound of the workers: min(sq, 4 per CPU, the most). */
	EXPECT_EQ(0U, c->__resv4);
	EXPECT_EQ(default_workers(sq), c->max_workers);

	EXPECT_EQ(page, c->sq_header_size);
	EXPECT_EQ(page, c->cq_header_size);

	EXPECT_EQ(0ULL, c->sq_entries_size % page);
	EXPECT_LE(64ULL * sq, c->sq_entries_size);
	EXPECT_EQ(0ULL, c->cq_entries_size % page);
	EXPECT_LE(16ULL * want_cq, c->cq_entries_size);
	if (flags & RXRING_CREATE_INDIRECT) {
		EXPECT_EQ(0ULL, c->sq_array_size % page);
		EXPECT_LE(4ULL * sq, c->sq_array_size);
	} else {
		EXPECT_EQ(0ULL, c->sq_array_size);
	}
}

FIXTURE(create) {
	int fd;
};

FIXTURE_SETUP(create)
{
	rx_raise_memlock();
	self->fd = rx_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", RX_DEV,
				      strerror(-self->fd));
}

FIXTURE_TEARDOWN(create)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F_TIMEOUT(create, valid_matrix, 300)
{
	unsigned int sq, i, fl;

	for (sq = 1; sq <= RXRING_MAX_SQ_ENTRIES; sq <<= 1) {
		__u32 cqs[] = { 0, 2, sq, 4 * sq, RXRING_MAX_CQ_ENTRIES };

		for (i = 0; i < ARRAY_SIZE(cqs); i++) {
			if (cqs[i] == 1 || cqs[i] > RXRING_MAX_CQ_ENTRIES)
				continue;
			for (fl = 0; fl <= RXRING_CREATE_INDIRECT; fl++) {
				struct rxring_create c;
				int fd = rx_open();
				int ret;

				ASSERT_LE(0, fd);
				rx_create_init(&c, sq, cqs[i], fl);
				ret = rx_create(fd, &c);
				EXPECT_EQ(0, ret)
					TH_LOG("sq %u cq %u flags %u: %s", sq,
					       cqs[i], fl, strerror(-ret));
				if (!ret)
					check_created(_metadata, &c, sq,
						      cqs[i], fl);
				close(fd);
				if (!_metadata->passed) {
					TH_LOG("failed at sq %u cq %u flags %u",
					       sq, cqs[i], fl);
					return;
				}
			}
		}
	}
}

TEST_F(create, version_minor_patch_free_on_input)
{
	struct rxring_create c;

	rx_create_init(&c, 4, 0, 0);
	c.version_minor = 0xff;
	c.version_patch = 0xee;
	ASSERT_EQ(0, rx_create(self->fd, &c));
	check_created(_metadata, &c, 4, 0, 0);
}

struct bad_field {
	const char *name;
	size_t off, size;	/* byte offset and width of the field */
	__u64 value;
};

#define BAD(name, field, value) \
	{ name, offsetof(struct rxring_create, field), \
	  sizeof(((struct rxring_create *)0)->field), (value) }

static const struct bad_field bad_fields[] = {
	BAD("major 0", version_major, 0),
	BAD("major 2", version_major, 2),
	BAD("major 255", version_major, 255),
	BAD("resv0 1", __resv0, 1),
	BAD("resv0 0x80", __resv0, 0x80),
	BAD("flags bit 2 (SQ_AFF without SQPOLL)", flags, 1U << 2),
	BAD("flags bit 4", flags, 1U << 4),
	BAD("flags bit 31", flags, 1U << 31),
	BAD("flags indirect|bit 4", flags, RXRING_CREATE_INDIRECT | 0x10),
	BAD("flags all", flags, 0xffffffff),
	BAD("size 0", size, 0),
	BAD("size 80", size, 80),
	BAD("size 87", size, 87),
	BAD("size 89", size, 89),
	BAD("size 96", size, 96),
	BAD("size 4096", size, 4096),
	BAD("size max", size, 0xffffffff),
	BAD("sq 0", sq_entries, 0),
	BAD("sq 3", sq_entries, 3),
	BAD("sq 6", sq_entries, 6),
	BAD("sq 100", sq_entries, 100),
	BAD("sq 32769", sq_entries, 32769),
	BAD("sq 65536", sq_entries, 65536),
	BAD("sq 1<<31", sq_entries, 1U << 31),
	BAD("sq max", sq_entries, 0xffffffff),
	BAD("cq 1", cq_entries, 1),
	BAD("cq 3", cq_entries, 3),
	BAD("cq 24", cq_entries, 24),
	BAD("cq 65537", cq_entries, 65537),
	BAD("cq 131072", cq_entries, 131072),
	BAD("cq 1<<31", cq_entries, 1U << 31),
	BAD("cq max", cq_entries, 0xffffffff),
	BAD("resv1 1", __resv1, 1),
	BAD("resv1 1<<31", __resv1, 1U << 31),
	BAD("features 1", features, 1),
	BAD("features 1<<63", features, 1ULL << 63),
	BAD("sq_header_size", sq_header_size, 4096),
	BAD("sq_entries_size", sq_entries_size, 1),
	BAD("sq_array_size", sq_array_size, 4096),
	BAD("cq_header_size", cq_header_size, 1),
	BAD("cq_entries_size", cq_entries_size, 1ULL << 40),
	BAD("resv2[0]", __resv2[0], 1),
	BAD("resv2[0] hi", __resv2[0], 1ULL << 63),
	{ "resv2[1] hi", offsetof(struct rxring_create, __resv2) + 8, 8,
	  1ULL << 32 },
	BAD("resv3", __resv3, 1),
	BAD("resv4", __resv4, 1U << 31),
	BAD("max_workers 257", max_workers, RXRING_MAX_WORKERS + 1),
	BAD("max_workers max", max_workers, 0xffffffff),
};

static void poke(struct rxring_create *c, size_t off, size_t size, __u64 v)
{
	/* Little-endian: the low bytes of v are the field's value. */
	memcpy((char *)c + off, &v, size);
}

TEST_F_TIMEOUT(create, invalid_records_einval, 120)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_fields); i++) {
		const struct bad_field *b = &bad_fields[i];
		struct rxring_create c;
		int fd = rx_open();
		int ret;

		ASSERT_LE(0, fd);
		rx_create_init(&c, 8, 0, 0);
		poke(&c, b->off, b->size, b->value);
		ret = rx_create(fd, &c);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s: got %d", b->name, ret);
		/* No rings came of it. */
		EXPECT_EQ(-ENXIO, rx_enter_raw(fd, 0, 0, 0, 0, NULL))
			TH_LOG("%s", b->name);
		close(fd);
	}
}

/* Field combinations that are each fine alone but not together. */
TEST_F(create, invalid_combinations_einval)
{
	static const struct { __u32 sq, cq, flags; } bad[] = {
		{ 65536, 65536, 0 },
		{ 65536, 0, 0 },
		{ 0, 2, RXRING_CREATE_INDIRECT },
		{ 3, 0, RXRING_CREATE_INDIRECT },
		{ 8, 1, RXRING_CREATE_INDIRECT },
		{ 32768, 131072, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct rxring_create c;
		int fd = rx_open();

		ASSERT_LE(0, fd);
		rx_create_init(&c, bad[i].sq, bad[i].cq, bad[i].flags);
		EXPECT_EQ(-EINVAL, rx_create(fd, &c))
			TH_LOG("sq %u cq %u flags %u", bad[i].sq, bad[i].cq,
			       bad[i].flags);
		close(fd);
	}
}

/* A rejected record does not use up the instance's one CREATE. */
TEST_F(create, invalid_then_valid)
{
	struct rxring_create c;

	rx_create_init(&c, 8, 3, 0);
	ASSERT_EQ(-EINVAL, rx_create(self->fd, &c));
	ASSERT_EQ(-ENXIO, rx_enter_raw(self->fd, 0, 0, 0, 0, NULL));
	rx_create_init(&c, 8, 0, 0);
	ASSERT_EQ(0, rx_create(self->fd, &c));
	check_created(_metadata, &c, 8, 0, 0);
	EXPECT_EQ(0, rx_enter_raw(self->fd, 0, 0, 0, 0, NULL));
}

TEST_F(create, second_create_ebusy)
{
	struct rxring_create c, c2;
	struct rx r;
	__u32 sub = 99;

	rx_create_init(&c, 8, 0, 0);
	ASSERT_EQ(0, rx_create(self->fd, &c));

	rx_create_init(&c2, 8, 0, 0);
	EXPECT_EQ(-EBUSY, rx_create(self->fd, &c2));
	rx_create_init(&c2, 16, 64, RXRING_CREATE_INDIRECT);
	EXPECT_EQ(-EBUSY, rx_create(self->fd, &c2));
	rx_create_init(&c2, 1, 0, 0);
	EXPECT_EQ(-EBUSY, rx_create(self->fd, &c2));

	/* The first rings are untouched and work. */
	memset(&r, 0, sizeof(r));
	r.fd = self->fd;
	r.cr = c;
	ASSERT_EQ(0, rx_map(&r));
	EXPECT_EQ(8U, r.sq_entries);
	EXPECT_EQ(16U, r.cq_entries);
	EXPECT_EQ(NULL, r.array);
	EXPECT_EQ(-EINVAL, rx_try_mmap(self->fd, RXRING_OFF_SQ_ARRAY,
				       rx_page(), RX_RW, MAP_SHARED));
	EXPECT_EQ(1, rx_submit_nops(&r, 1, 42, 1, &sub));
	EXPECT_EQ(1U, sub);
	rx_unmap(&r);
}

TEST_F(create, second_create_via_dup_ebusy)
{
	struct rxring_create c;
	int fd2;

	rx_create_init(&c, 8, 0, 0);
	ASSERT_EQ(0, rx_create(self->fd, &c));
	fd2 = dup(self->fd);
	ASSERT_LE(0, fd2);
	rx_create_init(&c, 8, 0, 0);
	EXPECT_EQ(-EBUSY, rx_create(fd2, &c));
	/* The dup sees the same rings: ENTER works through it. */
	EXPECT_EQ(0, rx_enter_raw(fd2, 0, 0, 0, 0, NULL));
	close(fd2);
}

TEST_F(create, enter_before_create_enxio)
{
	struct rxring_create c;
	__u32 sub = 77;

	EXPECT_EQ(-ENXIO, rx_enter_raw(self->fd, 0, 0, 0, 0, NULL));
	EXPECT_EQ(-ENXIO, rx_enter_raw(self->fd, 1, 1, 0, 0, &sub));
	EXPECT_EQ(-ENXIO, rx_enter_raw(self->fd, 0, 0,
				       RXRING_ENTER_ONLY_NOTIFY, 0, NULL));
	EXPECT_EQ(-ENXIO, rx_enter_raw(self->fd, 0, 1, RXRING_ENTER_TIMEOUT,
				       RX_MSEC, NULL));
	/* PROBE is fine without rings, and CREATE still works after. */
	{
		struct rxring_probe p;

		EXPECT_EQ(0, rx_probe(self->fd, &p));
	}
	rx_create_init(&c, 2, 0, 0);
	ASSERT_EQ(0, rx_create(self->fd, &c));
	EXPECT_EQ(0, rx_enter_raw(self->fd, 0, 0, 0, 0, NULL));
}

TEST_F(create, unknown_ioctl_enotty)
{
	const unsigned long bad[] = {
		_IO(RXRING_IOC_MAGIC, 0),
		_IO(RXRING_IOC_MAGIC, 1),
		_IOWR(RXRING_IOC_MAGIC, 4, struct rxring_probe),
		_IOWR(RXRING_IOC_MAGIC, 0xff, struct rxring_enter),
		/* CREATE / ENTER / PROBE numbers with a wrong size. */
		_IOC(_IOC_READ | _IOC_WRITE, RXRING_IOC_MAGIC, 1, 87),
		_IOC(_IOC_READ | _IOC_WRITE, RXRING_IOC_MAGIC, 1, 96),
		_IOC(_IOC_READ | _IOC_WRITE, RXRING_IOC_MAGIC, 2, 40),
		_IOC(_IOC_READ | _IOC_WRITE, RXRING_IOC_MAGIC, 3, 544),
		/* ... or a wrong direction. */
		_IOR(RXRING_IOC_MAGIC, 1, struct rxring_create),
		_IOW(RXRING_IOC_MAGIC, 2, struct rxring_enter),
		_IOR(RXRING_IOC_MAGIC, 3, struct rxring_probe),
		/* ... or a wrong type. */
		_IOWR(0xB9, 1, struct rxring_create),
		_IOWR(0xB7, 2, struct rxring_enter),
		TCGETS,
	};
	struct rxring_create c;
	char buf[4096];
	size_t i;

	rx_create_init(&c, 8, 0, 0);
	ASSERT_EQ(0, rx_create(self->fd, &c));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(-ENOTTY, rx_ioctl(self->fd, bad[i], buf))
			TH_LOG("ioctl 0x%lx", bad[i]);
	}
	/* The instance is unaffected. */
	EXPECT_EQ(0, rx_enter_raw(self->fd, 0, 0, 0, 0, NULL));
}

TEST_F(create, bad_pointer_efault)
{
	size_t page = rx_page();
	struct rxring_create c;
	void *hole = rx_unmapped_page();
	char *two;

	ASSERT_NE(NULL, hole);
	EXPECT_EQ(-EFAULT, rx_ioctl(self->fd, RXRING_IOC_CREATE, NULL));
	EXPECT_EQ(-EFAULT, rx_ioctl(self->fd, RXRING_IOC_CREATE, hole));
	EXPECT_EQ(-EFAULT, rx_ioctl(self->fd, RXRING_IOC_CREATE,
				    (void *)-4096L));

	/* A valid record whose last bytes fall on an unmapped page. */
	two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, munmap(two + page, page));
	rx_create_init(&c, 8, 0, 0);
	memcpy(two + page - 40, &c, 40);
	EXPECT_EQ(-EFAULT, rx_ioctl(self->fd, RXRING_IOC_CREATE,
				    two + page - 40));
	munmap(two, page);

	/* Nothing was created by any of these. */
	EXPECT_EQ(-ENXIO, rx_enter_raw(self->fd, 0, 0, 0, 0, NULL));
	rx_create_init(&c, 8, 0, 0);
	EXPECT_EQ(0, rx_create(self->fd, &c));
}

/* Drop CAP_IPC_LOCK from this (test) process; 0 or -errno. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &=
		~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &=
		~CAP_TO_MASK(CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

TEST_F(create, memlock_enomem)
{
	struct rlimit rl = { 0, 0 };
	struct rxring_create c;
	int i, fd;

	ASSERT_EQ(0, drop_ipc_lock());

	/* Limit 0: not even the smallest ring fits. */
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	rx_create_init(&c, 1, 0, 0);
	EXPECT_EQ(-ENOMEM, rx_create(self->fd, &c));
	/* Failed creation left no rings (and no charge). */
	EXPECT_EQ(-ENXIO, rx_enter_raw(self->fd, 0, 0, 0, 0, NULL));

	/* 1 MiB: a 2 MiB SQ does not fit, a small ring does... */
	rl.rlim_cur = rl.rlim_max = 1 << 20;
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	rx_create_init(&c, RXRING_MAX_SQ_ENTRIES, 0, 0);
	EXPECT_EQ(-ENOMEM, rx_create(self->fd, &c));
	rx_create_init(&c, 8, 0, 0);
	EXPECT_EQ(0, rx_create(self->fd, &c));

	/* ... and the charge comes back on close, again and again. */
	for (i = 0; i < 200; i++) {
		fd = rx_open();
		ASSERT_LE(0, fd);
		rx_create_init(&c, 1024, 0, 0);	/* 64 KiB + 32 KiB */
		ASSERT_EQ(0, rx_create(fd, &c)) TH_LOG("round %d", i);
		close(fd);
	}
}

/*
 * RLIMIT_MEMLOCK bounds what a user pins across all of their processes: as
 * uid 65534 with a 1 MiB limit, processes that each hold one instance of
 * about 104 KiB (each process within its own limit) get ENOMEM once the
 * user's total would pass 1 MiB; when they are gone the charge is back.
 * Exit status of the child: 0, or the failed step.
 */
static int per_user_child(void)
{
	enum { N = 20 };
	struct rlimit rl = { 1 << 20, 1 << 20 };
	struct rxring_create c;
	pid_t kids[N];
	int i, ok = 0, fd, st = 0;
	char res;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return 10;
	for (i = 0; i < N; i++) {
		int p[2];

		if (pipe(p))
			return 11;
		kids[i] = fork();
		if (kids[i] < 0)
			return 12;
		if (!kids[i]) {
			fd = rx_open();
			rx_create_init(&c, 1024, 0, 0);
			res = fd < 0 ? 'o' : rx_create(fd, &c) == -ENOMEM ?
			      'n' : 'y';
			if (write(p[1], &res, 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], &res, 1) != 1)
			res = '?';
		close(p[0]);
		if (res == 'n')
			break;
		if (res == 'y')
			ok++;
		else
			st = 13;
	}
	if (!st && (i == N || ok < 1 || ok > 9))
		st = 14;	/* 26 pages each: at most 9 fit in 256 */
	for (; i >= 0; i--) {
		if (i < N && kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
	}
	/* The charges went with the instances. */
	fd = rx_open();
	rx_create_init(&c, 1024, 0, 0);
	if (!st && (fd < 0 || rx_create(fd, &c)))
		st = 15;
	return st;
}

TEST(memlock_per_user)
{
	int st;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to become uid 65534");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(per_user_child());
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st))
		TH_LOG("step %d (14: the user's total was not bounded)",
		       WEXITSTATUS(st));
}

/* ---- memory cgroup ------------------------------------------------------ */

#define CG_ROOT		"/sys/fs/cgroup"

static int cg_write(const char *dir, const char *file, const char *val)
{
	char path[192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -errno;
}

/* The value of "key N" in a flat-keyed file, or of a one-number file. */
static long long cg_read(const char *dir, const char *file, const char *key)
{
	char path[192], line[256];
	long long v = -1;
	size_t n = key ? strlen(key) : 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			v = strtoll(line, NULL, 10);
			break;
		}
		if (!strncmp(line, key, n) && line[n] == ' ') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * In the cgroup @dir, limited to what it uses plus 6 MiB: a ring of 32768
 * SQEs (about 4 MiB with its CQ and records) fits once, a second one does
 * not (ENOMEM, not an OOM kill), a small one still does, and after closing
 * them the large one fits again. Exit status: 0, or the failed step.
 */
static int memcg_child(const char *dir)
{
	struct rxring_create c;
	char val[32];
	long long cur;
	int fd1, fd2, fd3, ret;

	if (cg_write(dir, "cgroup.procs", "0"))
		return 10;
	cur = cg_read(dir, "memory.current", NULL);
	if (cur < 0)
		return 11;
	snprintf(val, sizeof(val), "%lld", cur + (6LL << 20));
	if (cg_write(dir, "memory.max", val))
		return 12;
	fd1 = rx_open();
	fd2 = rx_open();
	if (fd1 < 0 || fd2 < 0)
		return 13;
	rx_create_init(&c, RXRING_MAX_SQ_ENTRIES, 0, 0);
	ret = rx_create(fd1, &c);
	if (ret)
		return 14;
	rx_create_init(&c, RXRING_MAX_SQ_ENTRIES, 0, 0);
	ret = rx_create(fd2, &c);
	if (ret != -ENOMEM)
		return 15;
	/* The failed CREATE left the instance as it was. */
	rx_create_init(&c, 8, 0, 0);
	if (rx_create(fd2, &c))
		return 16;
	close(fd1);
	close(fd2);
	fd3 = rx_open();
	rx_create_init(&c, RXRING_MAX_SQ_ENTRIES, 0, 0);
	if (fd3 < 0 || rx_create(fd3, &c))
		return 17;
	close(fd3);
	return 0;
}

TEST(memcg_enomem)
{
	bool mounted = false;
	long long ooms, kills;
	char dir[96], ctl[256] = "";
	int fd, st = 0;
	ssize_t n;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			SKIP(return, "no cgroup v2: %s", strerror(errno));
		mounted = true;
	}
	fd = open(CG_ROOT "/cgroup.controllers", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, ctl, sizeof(ctl) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || !strstr(ctl, "memory")) {
		if (mounted)
			umount(CG_ROOT);
		SKIP(return, "no memory cgroup controller");
	}
	ASSERT_EQ(0, cg_write(CG_ROOT, "cgroup.subtree_control", "+memory"));
	snprintf(dir, sizeof(dir), CG_ROOT "/rxcreate%d", getpid());
	ASSERT_EQ(0, mkdir(dir, 0755));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(memcg_child(dir));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ooms = cg_read(dir, "memory.events", "oom");
	kills = cg_read(dir, "memory.events", "oom_kill");
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("child status 0x%x (exit code: the failed step)", st);
	ksft_print_msg("memcg: limit reached %lld times, %lld OOMs, %lld OOM kills\n",
		       cg_read(dir, "memory.events", "max"), ooms, kills);
	EXPECT_EQ(0, ooms);
	EXPECT_EQ(0, kills);
	EXPECT_EQ(0, rmdir(dir));
	if (mounted)
		umount(CG_ROOT);
}

TEST_F_TIMEOUT(create, independent_instances, 120)
{
	enum { N = 32 };
	struct rx r[N];
	struct rx_cqe cqe;
	__u32 sub;
	int i;

	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, rx_setup(&r[i], 4, 0, i & 1 ?
				      RXRING_CREATE_INDIRECT : 0))
			TH_LOG("instance %d", i);
	}
	/* i NOPs on instance i. */
	for (i = 0; i < N; i++) {
		int n = i % 5;

		sub = 99;
		EXPECT_EQ(n, rx_submit_nops(&r[i], n, 1000 * i, n, &sub));
		EXPECT_EQ((__u32)n, sub);
	}
	for (i = 0; i < N; i++) {
		EXPECT_EQ(0, rx_reap_nops(&r[i], 1000 * i, i % 5))
			TH_LOG("instance %d: %s", i, rx_why);
		EXPECT_EQ(0, rx_reap(&r[i], &cqe)) TH_LOG("instance %d", i);
		EXPECT_EQ((__u64)(i % 5), rx_sq_head(&r[i]));
	}
	for (i = 0; i < N; i++)
		rx_teardown(&r[i]);
}

TEST_HARNESS_MAIN
