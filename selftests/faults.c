// SPDX-License-Identifier: GPL-2.0
/*
 * faults: allocation failures injected into rxring, under the debug kernel
 * (CONFIG_FAULT_INJECTION_DEBUG_FS with failslab and fail_page_alloc;
 * SKIP on kernels without them). Each case uses the per-task fail-nth
 * counter (/proc/thread-self/fail-nth): the n-th allocation site the task
 * reaches fails, for n = 1, 2, ... until the call no longer reaches an n-th
 * site.
 *  - create: CREATE with the n-th slab or page allocation failing (the
 *    ring pages, the page array, the vmap, the pending records...): it
 *    either succeeds or fails with ENOMEM; the instance is left as it was
 *    (a CREATE without injection then works and the ring runs NOPs);
 *    VmLck (the RLIMIT_MEMLOCK charge) and the module's reference count
 *    come back to where they were;
 *  - enter: ENTER of a batch (NOPs, a READV with 16 iovecs, OPEN, FSTAT,
 *    MMAP, a TIMEOUT, a FUTEX WAKE) with the n-th slab allocation failing:
 *    ENTER succeeds or fails cleanly, and every SQE taken completes
 *    exactly once, with its normal result or -ENOMEM.
 *  - blk_eio (every kernel with configfs null_blk, not only the debug
 *    one): device errors injected through a null_blk's bad-block list,
 *    changed between rounds, under 128 block READs and WRITEs in flight
 *    each round: every operation that touches a bad block completes once
 *    with -EIO, every other one with its full length.
 * The kernel log between the markers this test writes to /dev/kmsg may
 * hold the stack dumps of failed allocations (scripts/vm.sh accepts those
 * there and nothing else). Each case prints "tally: faults_injected N"
 * (scripts/check.sh adds them up).
 */
#include <sys/uio.h>

#include "harness.h"
#include "rwutil.h"

#define DBG	"/sys/kernel/debug/"

static int write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -errno;
}

static int read_int(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static long long vmlck(void)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			v = strtoll(line + 6, NULL, 10);
	fclose(f);
	return v;
}

static void kmsg(const char *s)
{
	write_file("/dev/kmsg", s);
}

/* failslab and fail_page_alloc: every allocation may fail, quietly. */
static int setup_attrs(bool pages)
{
	static const char *const attrs[][2] = {
		{ DBG "failslab/ignore-gfp-wait", "N" },
		{ DBG "failslab/verbose", "0" },
		{ DBG "failslab/probability", "0" },
		{ DBG "failslab/times", "-1" },
		{ DBG "fail_page_alloc/verbose", "0" },
		{ DBG "fail_page_alloc/probability", "0" },
		{ DBG "fail_page_alloc/times", "-1" },
		{ DBG "fail_page_alloc/min-order", "0" },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		ret = write_file(attrs[i][0], attrs[i][1]);
		if (ret)
			return ret;
	}
	/*
	 * Page allocations that may sleep only where asked: user page faults
	 * would otherwise take the OOM path.
	 */
	return write_file(DBG "fail_page_alloc/ignore-gfp-wait",
			  pages ? "N" : "Y");
}

/* Arm fail-nth for this thread; returns 0 or -errno. */
static int fail_nth(int n)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", n);
	return write_file("/proc/thread-self/fail-nth", v);
}

/* 1 if the armed failure fired, 0 if not (and disarm it). */
static int fired(void)
{
	int left = read_int("/proc/thread-self/fail-nth");

	fail_nth(0);
	return left == 0;
}

static int module_refs(void)
{
	return read_int("/sys/module/rxring/refcnt");
}

FIXTURE(faults) {
	int refs;
	long long vmlck;
};

FIXTURE_SETUP(faults)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid())
		SKIP(return, "needs root");
	if (access(DBG "failslab", F_OK) || access(DBG "fail_page_alloc", F_OK) ||
	    access("/proc/thread-self/fail-nth", F_OK))
		SKIP(return, "no failslab/fail_page_alloc (the debug kernel has them)");
	rx_raise_memlock();
	self->refs = module_refs();
	self->vmlck = vmlck();
	kmsg("rxring-fault-injection: begin");
}

FIXTURE_TEARDOWN(faults)
{
	if (access(DBG "failslab", F_OK))
		return;
	fail_nth(0);
	write_file(DBG "fail_page_alloc/ignore-gfp-wait", "Y");
	write_file(DBG "failslab/ignore-gfp-wait", "Y");
	kmsg("rxring-fault-injection: end");
}

TEST_F_TIMEOUT(faults, create, 600)
{
	static const __u32 shapes[][3] = {
		{ 4, 0, 0 },
		{ 256, 0, RXRING_CREATE_INDIRECT },
		{ 4096, 8192, RXRING_CREATE_INDIRECT },
	};
	unsigned int injected = 0, failed = 0, s, n;

	ASSERT_EQ(0, setup_attrs(true));
	for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		for (n = 1; n < 10000; n++) {
			struct rxring_create cr;
			struct rx r;
			__u32 sub = 0;
			int fd, ret, hit;

			fd = rx_open();
			ASSERT_LE(0, fd);
			rx_create_init(&cr, shapes[s][0], shapes[s][1],
				       shapes[s][2]);
			ASSERT_EQ(0, fail_nth(n));
			ret = rx_create(fd, &cr);
			hit = fired();
			injected += hit;
			if (ret) {
				failed++;
				ASSERT_EQ(-ENOMEM, ret)
					TH_LOG("shape %u, site %u: %s", s, n,
					       strerror(-ret));
				ASSERT_TRUE(hit);
				/* The instance is as it was: CREATE again. */
				rx_create_init(&cr, shapes[s][0], shapes[s][1],
					       shapes[s][2]);
				ASSERT_EQ(0, rx_create(fd, &cr));
			}
			memset(&r, 0, sizeof(r));
			r.fd = fd;
			r.cr = cr;
			ASSERT_EQ(0, rx_map(&r));
			ASSERT_EQ(2, rx_submit_nops(&r, 2, 1, 2, &sub));
			ASSERT_EQ(0, rx_reap_nops(&r, 1, 2)) TH_LOG("%s", rx_why);
			rx_teardown(&r);
			if (!hit)
				break;	/* CREATE has fewer than n sites */
		}
		ksft_print_msg("faults: shape %u (sq %u cq %u flags %u): %u allocation sites in CREATE\n",
			       s, shapes[s][0], shapes[s][1], shapes[s][2], n - 1);
	}
	ksft_print_msg("faults: CREATE: %u failures injected, %u CREATEs failed (all ENOMEM)\n",
		       injected, failed);
	ksft_print_msg("tally: faults_injected %u\n", injected);
	EXPECT_LT(0U, injected);
	EXPECT_EQ(self->vmlck, vmlck());
	EXPECT_EQ(self->refs, module_refs());
}

/* A batch of everything that allocates at submission. */
static unsigned int push_batch(struct rx *r, struct iovec *iov, char *buf,
			       struct rxring_stat *st, int memfd,
			       unsigned int *word)
{
	static const char path[] = "/dev/null";
	struct rxring_sqe s;
	unsigned int i, n = 0;

	for (i = 0; i < 16; i++) {
		iov[i].iov_base = buf + 64 * i;
		iov[i].iov_len = 64;
	}
#define SQE(op, ud) (memset(&s, 0, sizeof(s)), s.opcode = (op), \
		     s.user_data = (ud))
	SQE(RXRING_OP_NOP, 1);
	rx_push(r, &s), n++;
	SQE(RXRING_OP_READV, 2);
	s.fd = (__u64)memfd;
	s.addr = (__u64)(uintptr_t)iov;
	s.len = 16;
	rx_push(r, &s), n++;
	SQE(RXRING_OP_OPEN, 3);
	s.fd = RXRING_AT_FDCWD;
	s.addr = (__u64)(uintptr_t)path;
	s.len = sizeof(path) - 1;
	s.syscall_flags = O_RDONLY | O_CLOEXEC;
	rx_push(r, &s), n++;
	SQE(RXRING_OP_FSTAT, 4);
	s.fd = (__u64)memfd;
	s.addr = (__u64)(uintptr_t)st;
	s.len = sizeof(*st);
	rx_push(r, &s), n++;
	SQE(RXRING_OP_MMAP, 5);
	s.fd = RXRING_FD_NONE;
	s.len = 65536;
	s.syscall_flags = MAP_PRIVATE | MAP_ANONYMOUS;
	s.additional1 = PROT_READ | PROT_WRITE;
	rx_push(r, &s), n++;
	SQE(RXRING_OP_TIMEOUT, 6);
	rx_push(r, &s), n++;
	SQE(RXRING_OP_FUTEX, 7);
	s.addr = (__u64)(uintptr_t)word;
	s.len = RXRING_FUTEX_WAKE;
	s.offset = 1;
	rx_push(r, &s), n++;
	SQE(RXRING_OP_NOP, 8);
	s.syscall_flags = RXRING_NOP_EXTENDED;
	s.additional1 = 99;
	rx_push(r, &s), n++;
#undef SQE
	rx_publish(r);
	return n;
}

TEST_F_TIMEOUT(faults, enter, 600)
{
	static char buf[4096];
	static struct iovec iov[16];
	static struct rxring_stat st;
	static unsigned int word;
	static const __u8 ops[] = {
		RXRING_OP_NOP, RXRING_OP_READV, RXRING_OP_OPEN,
		RXRING_OP_FSTAT, RXRING_OP_MMAP, RXRING_OP_TIMEOUT,
		RXRING_OP_FUTEX,
	};
	unsigned int injected = 0, nomem = 0, n, i;
	struct rxring_probe p;
	struct rx r;
	int memfd;

	ASSERT_EQ(0, setup_attrs(false));
	memfd = memfd_create("faults", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ((ssize_t)sizeof(buf), write(memfd, buf, sizeof(buf)));
	ASSERT_EQ(0, rx_setup(&r, 16, 0, 0));
	ASSERT_EQ(0, rx_probe(r.fd, &p));
	for (i = 0; i < sizeof(ops); i++)
		ASSERT_TRUE(rx_probe_supported(&p, ops[i]));
	for (n = 1; n < 10000; n++) {
		unsigned int cnt = push_batch(&r, iov, buf, &st, memfd, &word);
		unsigned char seen[9] = { 0 };
		__u32 sub = 0;
		struct rx_cqe c;
		int ret, hit;

		ASSERT_EQ(0, fail_nth(n));
		ret = rx_enter(&r, cnt, 0, 0, 0, &sub);
		hit = fired();
		injected += hit;
		if (ret < 0) {
			/* Nothing taken: take it now, without injection. */
			ASSERT_EQ(0U, sub);
			ret = rx_enter(&r, cnt, 0, 0, 0, &sub);
		}
		ASSERT_LE(0, ret);
		ASSERT_EQ(cnt, sub);
		for (i = 0; i < cnt; i++) {
			long long end = rx_now_ns() + 5 * RX_NSEC;

			while (rx_peek(&r, &c) == 0 && rx_now_ns() < end)
				rx_enter(&r, 0, 1, RXRING_ENTER_TIMEOUT,
					 10 * RX_MSEC, NULL);
			ASSERT_EQ(1, rx_reap(&r, &c));
			ASSERT_LT(0ULL, c.user_data);
			ASSERT_GE(8ULL, c.user_data);
			ASSERT_EQ(0, seen[c.user_data]++);
			if (c.status == -ENOMEM) {
				nomem++;
				continue;
			}
			switch (c.user_data) {
			case 2:
				EXPECT_EQ(1024, c.status);
				break;
			case 3:
				EXPECT_LE(0, c.status);
				if (c.status >= 0)
					close((int)c.status);
				break;
			case 5:
				EXPECT_LT(0, c.status);
				if (c.status > 0)
					munmap((void *)(uintptr_t)c.status,
					       65536);
				break;
			case 6:
				EXPECT_EQ(-ETIME, c.status);
				break;
			case 8:
				EXPECT_EQ(99ULL, c.extra);
				break;
			default:
				EXPECT_EQ(0, c.status);
				break;
			}
		}
		ASSERT_EQ(0, rx_reap(&r, &c));
		if (!hit)
			break;
	}
	ksft_print_msg("faults: ENTER: %u allocation sites, %u failures injected, %u operations completed with ENOMEM\n",
		       n - 1, injected, nomem);
	ksft_print_msg("tally: faults_injected %u\n", injected);
	rx_teardown(&r);
	close(memfd);
	EXPECT_EQ(self->vmlck, vmlck());
}

/* ---- device errors ------------------------------------------------------ */

#define EIO_BLOCKS	256	/* 4 KiB blocks the operations touch */
#define EIO_OPS		128	/* operations in flight per round */
#define EIO_MAXB	4	/* blocks per operation, at most */

/* Make blocks [first, first + n) bad (+) or good again (-). */
static int set_bad(const struct rw_nullb *nb, char how, unsigned int first,
		   unsigned int n)
{
	char path[224], val[64];

	snprintf(path, sizeof(path), "%s/badblocks", nb->cfg);
	snprintf(val, sizeof(val), "%c%u-%u", how, first * 8,
		 (first + n) * 8 - 1);
	return rw_write_str(path, val);
}

FIXTURE(dev) {
	int unused;
};

FIXTURE_SETUP(dev)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

FIXTURE_TEARDOWN(dev)
{
}

TEST_F_TIMEOUT(dev, blk_eio, 600)
{
	const char *lane = getenv("RXRING_LANE");
	unsigned int rounds = lane && !strcmp(lane, "debug") ? 8 : 24;
	unsigned int round, i, eio = 0, ok = 0, bad_blocks = 0;
	bool bad[EIO_BLOCKS];
	struct rw_nullb nb;
	char name[32], path[96], *buf;
	__s64 st[EIO_OPS];
	struct rx r;
	int fd, ret;

	buf = rw_alloc((size_t)EIO_OPS * EIO_MAXB * 4096);
	ASSERT_NE(NULL, buf);
	snprintf(name, sizeof(name), "rxfault%d", getpid());
	/* Timer completions after 50 us: the requests overlap. */
	ret = rw_nullb_create(&nb, name, 4, 512, 2, 50000, true, NULL);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret) TH_LOG("null_blk: %s", strerror(-ret));
	/*
	 * No merging: a request merged from two operations fails as a whole,
	 * so an operation next to a bad one could get -EIO too.
	 */
	snprintf(path, sizeof(path), "/sys/block/%s/queue/nomerges", name);
	ASSERT_EQ(0, rw_write_str(path, "2"));
	fd = open(nb.dev, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	rx_raise_memlock();
	ASSERT_EQ(0, rx_setup(&r, EIO_OPS, 0, 0));
	rw_rnd_state ^= (__u64)rx_now_ns();
	for (round = 0; round < rounds; round++) {
		unsigned int first[EIO_OPS], nblk[EIO_OPS];

		/* A new bad-block list: about one block in four. */
		for (i = 0; i < EIO_BLOCKS; i++) {
			bad[i] = rw_rnd() % 4 == 0;
			if (bad[i]) {
				ASSERT_EQ(0, set_bad(&nb, '+', i, 1));
				bad_blocks++;
			}
		}
		for (i = 0; i < EIO_OPS; i++) {
			first[i] = (unsigned int)(rw_rnd() %
						  (EIO_BLOCKS - EIO_MAXB + 1));
			nblk[i] = 1 + (unsigned int)(rw_rnd() % EIO_MAXB);
			rw_push(&r, rw_rnd() % 2 ? RXRING_OP_READ :
				RXRING_OP_WRITE, fd,
				buf + (size_t)i * EIO_MAXB * 4096,
				(__u64)nblk[i] * 4096, (__u64)first[i] * 4096,
				1000 + i);
		}
		ASSERT_EQ(0, rw_run(&r, EIO_OPS, 1000, st))
			TH_LOG("round %u: %s", round, rx_why);
		for (i = 0; i < EIO_OPS; i++) {
			bool hit = false;
			unsigned int b;

			for (b = first[i]; b < first[i] + nblk[i]; b++)
				hit |= bad[b];
			if (hit) {
				EXPECT_EQ(-EIO, st[i])
					TH_LOG("round %u op %u: blocks %u+%u",
					       round, i, first[i], nblk[i]);
				eio += st[i] == -EIO;
			} else {
				EXPECT_EQ((__s64)nblk[i] * 4096, st[i])
					TH_LOG("round %u op %u: blocks %u+%u",
					       round, i, first[i], nblk[i]);
				ok += st[i] == (__s64)nblk[i] * 4096;
			}
		}
		/* All good again, then check that they are. */
		ASSERT_EQ(0, set_bad(&nb, '-', 0, EIO_BLOCKS));
	}
	for (i = 0; i < EIO_OPS; i++)
		rw_push(&r, RXRING_OP_READ, fd, buf + (size_t)i * 4096, 4096,
			(__u64)(i % EIO_BLOCKS) * 4096, 1000 + i);
	ASSERT_EQ(0, rw_run(&r, EIO_OPS, 1000, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < EIO_OPS; i++)
		EXPECT_EQ(4096, st[i]);
	ksft_print_msg("faults: null_blk: %u rounds, %u bad blocks set, %u operations completed with -EIO (faults injected), %u with their full length\n",
		       rounds, bad_blocks, eio, ok);
	ksft_print_msg("tally: faults_injected %u\n", eio);
	EXPECT_LT(0U, eio);
	EXPECT_LT(0U, ok);
	rx_teardown(&r);
	close(fd);
	rw_nullb_destroy(&nb);
	free(buf);
}

TEST_HARNESS_MAIN
