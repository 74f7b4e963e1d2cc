// SPDX-License-Identifier: GPL-2.0
/*
 * sqpoll: RXRING_CREATE_SQPOLL, the kernel thread that takes SQEs without
 * ENTER (docs/abi.md, "SQPOLL"):
 *  - PROBE and CREATE report it; CREATE's checks (EINVAL): the idle and
 *    CPU fields without the flag, SQ_AFF without SQPOLL, an idle time over
 *    the limit, a CPU without SQ_AFF, an offline CPU or one outside the
 *    creator's affinity, the rest of __resv2; the sqpoll_max limit (EAGAIN);
 *  - NOPs taken and completed with no ENTER at all; ENTER takes nothing
 *    itself (submitted 0) and WAKEUP_ON_SQ_AVAIL waits for the thread;
 *  - NEED_WAKEUP: set after the idle time, nothing taken while it is set,
 *    cleared when ENTER wakes the thread, set again after the idle time;
 *    librxring's rxring_submit() wakes it (seen without any other ENTER);
 *  - opcodes: OPEN, CLOSE, DUP, SEEK, FSTAT, MMAP, MUNMAP and WAITPID
 *    complete with -EOPNOTSUPP, READ/WRITE/READV/WRITEV/FSYNC on an fd with
 *    -EBADF, invalid SQEs still with -EINVAL; NOP, FUTEX (in the creator's
 *    memory), TIMEOUT and CANCEL work;
 *  - registered files: a regular file (data checked with pread), a pipe
 *    whose read waits for data, a memory-backed null_blk opened O_DIRECT
 *    with plain and registered buffers;
 *  - the thread's CPU: SQ_AFF pins it (Cpus_allowed_list, the CPU it ran
 *    on), without SQ_AFF it gets the creator's affinity;
 *  - a full CQ: the thread stops taking SQEs and resumes when the user
 *    moves the CQ head (while it polls) or calls ENTER (once it sleeps);
 *    every SQE completes exactly once;
 *  - a hostile SQ tail: nothing taken, the thread still goes to sleep;
 *  - teardown with the thread busy: close, exit, kill -9 of the creator;
 *    the thread is gone within seconds each time;
 *  - the creator gone while another process uses the rings: -EOWNERDEAD.
 */
#include <dirent.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <rxring.h>

#include "harness.h"
#include "rwutil.h"

#define SQP_WAIT_MS	10000	/* for what must happen */

static __u32 sq_status(const struct rx *r)
{
	return __atomic_load_n(&r->sqh->status, __ATOMIC_ACQUIRE);
}

/* Publish the SQ tail, then a full barrier (before reading status). */
static void sq_publish(struct rx *r)
{
	rx_publish(r);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* open + CREATE with SQPOLL (plus flags) + map. */
static int sq_setup(struct rx *r, __u32 sq, __u32 cq, __u32 flags,
		    __u32 idle_ms, __u32 cpu)
{
	struct rxring_create cr;

	rx_create_init(&cr, sq, cq, flags | RXRING_CREATE_SQPOLL);
	cr.sq_thread_idle = idle_ms;
	cr.sq_thread_cpu = cpu;
	return rx_setup_cr(r, &cr);
}

/* Wait, without ENTER, until n CQ slots are filled: 0 or -ETIME. */
static int sq_wait_cq(struct rx *r, unsigned int n, int ms)
{
	long long end = rx_now_ns() + ms * RX_MSEC;

	while (rx_cq_ready(r) < n) {
		if (rx_now_ns() > end)
			return -ETIME;
		rx_sleep_ms(1);
	}
	return 0;
}

/* Wait until NEED_WAKEUP is @set: 0 or -ETIME. */
static int sq_wait_status(struct rx *r, bool set, int ms)
{
	long long end = rx_now_ns() + ms * RX_MSEC;

	while (!!(sq_status(r) & RXRING_RING_NEED_WAKEUP) != set) {
		if (rx_now_ns() > end)
			return -ETIME;
		rx_sleep_ms(1);
	}
	return 0;
}

/*
 * Reap n completions with user_data base .. base + n - 1, each once, into
 * st[], waiting with ENTER (which also wakes the thread). 0 or -1 (rx_why).
 */
static int sq_collect(struct rx *r, unsigned int n, __u64 base, __s64 *st)
{
	unsigned char seen[256] = { 0 };
	unsigned int i;

	if (n > sizeof(seen))
		return -1;
	for (i = 0; i < n; i++) {
		struct rx_cqe c;
		int got = rw_reap_wait(r, &c);

		if (got != 1) {
			snprintf(rx_why, sizeof(rx_why), "completion %u of %u: %d",
				 i, n, got);
			return -1;
		}
		if (c.user_data - base >= n || seen[c.user_data - base]) {
			snprintf(rx_why, sizeof(rx_why), "unexpected user_data %llu",
				 (unsigned long long)c.user_data);
			return -1;
		}
		seen[c.user_data - base] = 1;
		st[c.user_data - base] = c.status;
	}
	return 0;
}

/* The tid of the SQPOLL thread of a ring created by @owner, or -1. */
static int sq_thread_tid(pid_t owner)
{
	char want[32], path[300], comm[64];
	struct dirent *de;
	int tid = -1;
	DIR *d;

	snprintf(want, sizeof(want), "rxsq-%d", (int)owner);
	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (rw_read_str(path, comm, sizeof(comm)))
			continue;
		if (!strcmp(comm, want)) {
			tid = atoi(de->d_name);
			break;
		}
	}
	closedir(d);
	return tid;
}

/* Wait until @owner has no SQPOLL thread: 0 or -ETIME. */
static int sq_wait_thread_gone(pid_t owner, int ms)
{
	long long end = rx_now_ns() + ms * RX_MSEC;

	while (sq_thread_tid(owner) >= 0) {
		if (rx_now_ns() > end)
			return -ETIME;
		rx_sleep_ms(10);
	}
	return 0;
}

/* "key:\tvalue" of /proc/TID/status into val. */
static int proc_status_field(int tid, const char *key, char *val, size_t len)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		snprintf(val, len, "%s", line + klen + 1 + strspn(line + klen + 1, " \t"));
		val[strcspn(val, "\n")] = 0;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* The CPU @tid last ran on (field 39 of /proc/TID/stat), or -1. */
static int proc_last_cpu(int tid)
{
	char path[64], buf[1024], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	if (rw_read_str(path, buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* Field 3 starts after ") "; field 39 is 36 fields later. */
	p += 2;
	for (i = 3; i < 39 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? atoi(p) : -1;
}

/*
 * A "key: value" of this process's newest debugfs stats file (one ring at
 * a time here), as a number; -2 without debugfs, -1 without the key.
 */
static long long my_stat(const char *key)
{
	const char *dir = "/sys/kernel/debug/rxring";
	char file[300], text[4096];
	long long val = -2, pid;
	struct dirent *d;
	long best = -1;
	DIR *dp = opendir(dir);

	if (!dp)
		return -2;
	while ((d = readdir(dp))) {
		long id = strtol(d->d_name, NULL, 10);
		char *p;

		if (id <= best)
			continue;
		snprintf(file, sizeof(file), "%s/%s/stats", dir, d->d_name);
		if (rw_read_str(file, text, sizeof(text)))
			continue;
		p = strstr(text, "\npid: ");
		pid = p ? strtoll(p + 6, NULL, 10) : -1;
		if (pid != getpid())
			continue;
		best = id;
		p = strstr(text, key);
		val = p && p[strlen(key)] == ':' ?
		      strtoll(p + strlen(key) + 1, NULL, 10) : -1;
		/* The one text value: the thread's state. */
		if (p && !strcmp(key, "sq_thread_state"))
			val = !strncmp(p + strlen(key) + 2, "sleeping", 8);
	}
	closedir(dp);
	return val;
}

static int sqpoll_max_param(int set)
{
	const char *path = "/sys/module/rxring/parameters/sqpoll_max";
	char buf[32];

	if (set >= 0) {
		snprintf(buf, sizeof(buf), "%d", set);
		return rw_write_str(path, buf);
	}
	if (rw_read_str(path, buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* Every test gets two minutes: the guest is emulated and may be slow. */
FIXTURE(sqpoll) {
	int unused;
};

FIXTURE_SETUP(sqpoll)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(sqpoll)
{
}

TEST_F_TIMEOUT(sqpoll, probe_and_create, 120)
{
	struct rxring_probe p;
	struct rx r;
	int fd = rx_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rx_probe(fd, &p));
	close(fd);
	EXPECT_EQ(RXRING_CREATE_SQPOLL | RXRING_CREATE_SQ_AFF,
		  p.create_flags & (RXRING_CREATE_SQPOLL | RXRING_CREATE_SQ_AFF));
	EXPECT_NE(0ULL, p.features & RXRING_FEAT_SQPOLL);

	/* 0 means the default, written back. */
	ASSERT_EQ(0, sq_setup(&r, 8, 0, 0, 0, 0));
	EXPECT_EQ((__u32)RXRING_SQ_THREAD_IDLE_DEFAULT, r.cr.sq_thread_idle);
	EXPECT_NE(0ULL, r.cr.features & RXRING_FEAT_SQPOLL);
	EXPECT_EQ(RXRING_CREATE_SQPOLL, r.cr.flags);
	EXPECT_EQ(0U, r.cr.sq_thread_cpu);
	EXPECT_LE(0, sq_thread_tid(getpid()));
	/* debugfs names the thread and its idle time. */
	if (my_stat("pid") != -2) {
		EXPECT_EQ(sq_thread_tid(getpid()), my_stat("sq_thread_pid"));
		EXPECT_EQ(RXRING_SQ_THREAD_IDLE_DEFAULT,
			  my_stat("sq_thread_idle_ms"));
		EXPECT_EQ(-1, my_stat("polled_in_flight"));
	}
	rx_teardown(&r);
	/* Its thread goes with it. */
	EXPECT_EQ(0, sq_wait_thread_gone(getpid(), SQP_WAIT_MS));

	/* Other values are kept. */
	ASSERT_EQ(0, sq_setup(&r, 8, 0, RXRING_CREATE_INDIRECT, 1, 0));
	EXPECT_EQ(1U, r.cr.sq_thread_idle);
	/* INDIRECT: the thread reads the index array too. */
	rx_push_nop(&r, 20);
	rx_push_nop(&r, 21);
	sq_publish(&r);
	EXPECT_LE(2, rx_enter(&r, 0, 2, RXRING_ENTER_TIMEOUT, 10 * RX_NSEC,
			      NULL));
	EXPECT_EQ(0, rx_reap_nops(&r, 20, 2)) TH_LOG("%s", rx_why);
	rx_teardown(&r);
	ASSERT_EQ(0, sq_setup(&r, 8, 0, 0, RXRING_SQ_THREAD_IDLE_MAX, 0));
	EXPECT_EQ((__u32)RXRING_SQ_THREAD_IDLE_MAX, r.cr.sq_thread_idle);
	rx_teardown(&r);
}

struct bad_create {
	const char *name;
	__u32 flags;
	__u32 idle;
	__u64 resv2[2];
	__u32 cpu;		/* written over resv2 when not ~0 */
};

TEST_F_TIMEOUT(sqpoll, create_invalid, 120)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	const struct bad_create bad[] = {
		{ "idle without SQPOLL", 0, 10, { 0, 0 }, ~0U },
		{ "cpu without SQPOLL", 0, 0, { 0, 0 }, 1 },
		{ "resv2[1] high half without SQPOLL", 0, 0, { 0, 1ULL << 32 },
		  ~0U },
		{ "SQ_AFF without SQPOLL", RXRING_CREATE_SQ_AFF, 0, { 0, 0 },
		  ~0U },
		{ "SQ_AFF|INDIRECT without SQPOLL", RXRING_CREATE_SQ_AFF |
		  RXRING_CREATE_INDIRECT, 0, { 0, 0 }, ~0U },
		{ "idle over the limit", RXRING_CREATE_SQPOLL,
		  RXRING_SQ_THREAD_IDLE_MAX + 1, { 0, 0 }, ~0U },
		{ "idle max u32", RXRING_CREATE_SQPOLL, ~0U, { 0, 0 }, ~0U },
		{ "cpu without SQ_AFF", RXRING_CREATE_SQPOLL, 0, { 0, 0 }, 1 },
		{ "cpu past the last", RXRING_CREATE_SQPOLL |
		  RXRING_CREATE_SQ_AFF, 0, { 0, 0 }, (__u32)ncpu },
		{ "cpu 4096", RXRING_CREATE_SQPOLL | RXRING_CREATE_SQ_AFF, 0,
		  { 0, 0 }, 4096 },
		{ "cpu ~0", RXRING_CREATE_SQPOLL | RXRING_CREATE_SQ_AFF, 0,
		  { 0, 0 }, ~0U - 1 },
		{ "resv2[1] high half with SQPOLL", RXRING_CREATE_SQPOLL, 0,
		  { 0, 1ULL << 32 }, ~0U },
		{ "resv2[1] with SQ_AFF", RXRING_CREATE_SQPOLL |
		  RXRING_CREATE_SQ_AFF, 0, { 0, 1ULL << 63 }, ~0U },
		{ "resv2[0] high half", RXRING_CREATE_SQPOLL, 0,
		  { 1ULL << 32, 0 }, ~0U },
		{ "resv2[0] high half with SQ_AFF", RXRING_CREATE_SQPOLL |
		  RXRING_CREATE_SQ_AFF, 0, { 1ULL << 40, 0 }, ~0U },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct rxring_create c;
		int fd = rx_open();

		ASSERT_LE(0, fd);
		rx_create_init(&c, 8, 0, bad[i].flags);
		c.sq_thread_idle = bad[i].idle;
		c.__resv2[0] = bad[i].resv2[0];
		c.__resv2[1] = bad[i].resv2[1];
		if (bad[i].cpu != ~0U)
			c.sq_thread_cpu = bad[i].cpu;
		EXPECT_EQ(-EINVAL, rx_create(fd, &c)) TH_LOG("%s", bad[i].name);
		EXPECT_EQ(-ENXIO, rx_enter_raw(fd, 0, 0, 0, 0, NULL))
			TH_LOG("%s", bad[i].name);
		close(fd);
	}
	EXPECT_EQ(0, sq_wait_thread_gone(getpid(), 100));

	/* A CPU outside the creator's affinity. */
	if (ncpu >= 2) {
		struct rxring_create c;
		cpu_set_t set;
		int fd = rx_open();

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
		rx_create_init(&c, 8, 0, RXRING_CREATE_SQPOLL |
			       RXRING_CREATE_SQ_AFF);
		c.sq_thread_cpu = 1;
		EXPECT_EQ(-EINVAL, rx_create(fd, &c));
		/* And one inside it. */
		rx_create_init(&c, 8, 0, RXRING_CREATE_SQPOLL |
			       RXRING_CREATE_SQ_AFF);
		c.sq_thread_cpu = 0;
		EXPECT_EQ(0, rx_create(fd, &c));
		close(fd);
	}
}

/* The module's limit on SQPOLL threads: EAGAIN past it. */
TEST_F_TIMEOUT(sqpoll, sqpoll_max, 120)
{
	int old = sqpoll_max_param(-1);
	struct rx a, b;

	if (old < 0)
		SKIP(return, "no /sys/module/rxring/parameters/sqpoll_max");
	ASSERT_EQ(0, sqpoll_max_param(1));
	EXPECT_EQ(0, sq_setup(&a, 8, 0, 0, 10, 0));
	EXPECT_EQ(-EAGAIN, sq_setup(&b, 8, 0, 0, 10, 0));
	rx_teardown(&a);
	/* The count goes down with the instance. */
	EXPECT_EQ(0, sq_setup(&b, 8, 0, 0, 10, 0));
	rx_teardown(&b);
	ASSERT_EQ(0, sqpoll_max_param(old));
}

/* SQEs are taken and completed without any ENTER. */
TEST_F_TIMEOUT(sqpoll, nops_without_enter, 120)
{
	unsigned int round, i;
	__u32 sub = 99;
	struct rx r;
	int ret;

	ASSERT_EQ(0, sq_setup(&r, 32, 0, 0, 5000, 0));
	for (round = 0; round < 20; round++) {
		__u64 base = round * 100;

		for (i = 0; i < 16 + round % 16; i++)
			rx_push_nop(&r, base + i);
		sq_publish(&r);
		ASSERT_EQ(0, sq_wait_cq(&r, i, SQP_WAIT_MS))
			TH_LOG("round %u: %llu of %u", round,
			       (unsigned long long)rx_cq_ready(&r), i);
		ASSERT_EQ(0, rx_reap_nops(&r, base, i)) TH_LOG("%s", rx_why);
		EXPECT_EQ(r.sq_tail, rx_sq_head(&r));
	}
	/* Busy all along: it never slept. */
	EXPECT_EQ(0U, sq_status(&r) & RXRING_RING_NEED_WAKEUP);

	/* ENTER takes nothing itself; it waits as usual. */
	for (i = 0; i < 4; i++)
		rx_push_nop(&r, 5000 + i);
	sq_publish(&r);
	ret = rx_enter(&r, 4, 4, RXRING_ENTER_TIMEOUT, 10 * RX_NSEC, &sub);
	EXPECT_LE(4, ret);
	EXPECT_EQ(0U, sub);
	EXPECT_EQ(0, rx_reap_nops(&r, 5000, 4)) TH_LOG("%s", rx_why);

	/* WAKEUP_ON_SQ_AVAIL: returns once the thread took them all. */
	for (i = 0; i < 24; i++)
		rx_push_nop(&r, 6000 + i);
	sq_publish(&r);
	ret = rx_enter(&r, 24, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
		       RXRING_ENTER_TIMEOUT, 10 * RX_NSEC, &sub);
	EXPECT_LE(0, ret);
	EXPECT_EQ(r.sq_tail, rx_sq_head(&r));
	ASSERT_EQ(0, sq_wait_cq(&r, 24, SQP_WAIT_MS));
	EXPECT_EQ(0, rx_reap_nops(&r, 6000, 24)) TH_LOG("%s", rx_why);
	rx_teardown(&r);
}

TEST_F_TIMEOUT(sqpoll, need_wakeup, 120)
{
	struct rx r;

	ASSERT_EQ(0, sq_setup(&r, 8, 0, 0, 1000, 0));
	/* Idle: it goes to sleep and says so. */
	ASSERT_EQ(0, sq_wait_status(&r, true, SQP_WAIT_MS));
	if (my_stat("pid") != -2) {
		rx_sleep_ms(20);
		EXPECT_EQ(1, my_stat("sq_thread_state"));
		EXPECT_EQ(1, my_stat("sq_thread_sleeps"));
	}
	rx_push_nop(&r, 1);
	sq_publish(&r);
	rx_sleep_ms(200);
	/* Asleep: nothing is taken without ENTER. */
	EXPECT_EQ(0ULL, rx_sq_head(&r));
	EXPECT_EQ(0ULL, rx_cq_ready(&r));
	EXPECT_NE(0U, sq_status(&r) & RXRING_RING_NEED_WAKEUP);
	/* Any ENTER wakes it. */
	ASSERT_LE(0, rx_enter(&r, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, sq_wait_cq(&r, 1, SQP_WAIT_MS));
	/* Awake (for 1 s without work) the flag is clear. */
	EXPECT_EQ(0U, sq_status(&r) & RXRING_RING_NEED_WAKEUP);
	EXPECT_EQ(0, rx_reap_nops(&r, 1, 1)) TH_LOG("%s", rx_why);
	/* Idle again: asleep again. */
	ASSERT_EQ(0, sq_wait_status(&r, true, SQP_WAIT_MS));
	/* ONLY_NOTIFY wakes it too. */
	rx_push_nop(&r, 3);
	sq_publish(&r);
	EXPECT_LE(0, rx_enter(&r, 0, 0, RXRING_ENTER_ONLY_NOTIFY, 0, NULL));
	ASSERT_EQ(0, sq_wait_cq(&r, 1, SQP_WAIT_MS));
	EXPECT_EQ(0, rx_reap_nops(&r, 3, 1)) TH_LOG("%s", rx_why);
	ASSERT_EQ(0, sq_wait_status(&r, true, SQP_WAIT_MS));
	/* And a waiting ENTER. */
	rx_push_nop(&r, 2);
	sq_publish(&r);
	EXPECT_LE(1, rx_enter(&r, 0, 1, RXRING_ENTER_TIMEOUT, 10 * RX_NSEC,
			      NULL));
	EXPECT_EQ(0, rx_reap_nops(&r, 2, 1)) TH_LOG("%s", rx_why);
	rx_teardown(&r);
}

/* librxring: rxring_submit() enters only to wake a sleeping thread. */
TEST_F_TIMEOUT(sqpoll, librxring_submit, 120)
{
	struct rxring_create p;
	struct rxring ring;
	unsigned int i;

	memset(&p, 0, sizeof(p));
	p.sq_entries = 16;
	p.flags = RXRING_CREATE_SQPOLL;
	p.sq_thread_idle = 20;
	ASSERT_EQ(0, rxring_queue_init_params(&ring, &p));
	for (i = 0; i < 6; i++) {
		struct rxring_completion c;
		struct rxring_sqe *sqe;
		long long end;

		/* Let it sleep every other round. */
		if (i & 1)
			rx_sleep_ms(150);
		sqe = rxring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		rxring_prep_nop_result(sqe, 100 + i);
		rxring_sqe_set_data(sqe, i);
		EXPECT_EQ(1, rxring_submit(&ring));
		/* Without any other ENTER, the completion comes. */
		end = rx_now_ns() + SQP_WAIT_MS * RX_MSEC;
		while (!rxring_cq_ready(&ring) && rx_now_ns() < end)
			rx_sleep_ms(1);
		ASSERT_EQ(0, rxring_peek_completion(&ring, &c)) TH_LOG("round %u", i);
		EXPECT_EQ(i, c.user_data);
		EXPECT_EQ(100 + i, c.status);
	}
	/* submit_and_wait: the same with a wait. */
	for (i = 0; i < 3; i++) {
		struct rxring_completion c;
		struct rxring_sqe *sqe;

		rx_sleep_ms(100);
		sqe = rxring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		rxring_prep_nop(sqe);
		rxring_sqe_set_data(sqe, 50 + i);
		EXPECT_EQ(1, rxring_submit_and_wait(&ring, 1));
		ASSERT_EQ(0, rxring_peek_completion(&ring, &c));
		EXPECT_EQ(50 + i, c.user_data);
		EXPECT_EQ(0, c.status);
	}
	rxring_queue_exit(&ring);
}

#define NOT_RUN	(-12345)

TEST_F_TIMEOUT(sqpoll, opcodes, 120)
{
	struct rxring_stat stbuf;
	__u32 futex_word = 7;
	struct iovec iov;
	char buf[64];
	__s64 st[32];
	struct rxring_sqe sqe;
	unsigned int n = 0, i;
	struct {
		__u8 op;
		__s64 want;
		const char *name;
	} want[32] = { { 0 } };
	int nullfd = open("/dev/null", O_RDWR);
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct rx r;

	ASSERT_LE(0, nullfd);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, sq_setup(&r, 32, 64, 0, 100, 0));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);

#define WANT(o, w) do { \
	want[n].op = (o); want[n].want = (w); want[n].name = #o; \
	sqe.user_data = n++; rx_push(&r, &sqe); } while (0)

	/* They need the caller's own fds, cwd, memory map or children. */
	rw_sqe(&sqe, RXRING_OP_OPEN, -100, "/", 1, 0, 0);
	WANT(RXRING_OP_OPEN, -EOPNOTSUPP);
	rw_sqe(&sqe, RXRING_OP_CLOSE, nullfd, NULL, 0, 0, 0);
	WANT(RXRING_OP_CLOSE, -EOPNOTSUPP);
	rw_sqe(&sqe, RXRING_OP_DUP, nullfd, NULL, 0, 0, 0);
	WANT(RXRING_OP_DUP, -EOPNOTSUPP);
	rw_sqe(&sqe, RXRING_OP_SEEK, nullfd, NULL, SEEK_SET, 0, 0);
	WANT(RXRING_OP_SEEK, -EOPNOTSUPP);
	rw_sqe(&sqe, RXRING_OP_FSTAT, nullfd, &stbuf, sizeof(stbuf), 0, 0);
	WANT(RXRING_OP_FSTAT, -EOPNOTSUPP);
	rw_sqe(&sqe, RXRING_OP_MMAP, -1, NULL, 4096, 0, 0);
	sqe.syscall_flags = MAP_PRIVATE | MAP_ANONYMOUS;
	sqe.additional1 = PROT_READ;
	WANT(RXRING_OP_MMAP, -EOPNOTSUPP);
	rw_sqe(&sqe, RXRING_OP_MUNMAP, 0, page, 4096, 0, 0);
	WANT(RXRING_OP_MUNMAP, -EOPNOTSUPP);
	rw_sqe(&sqe, RXRING_OP_WAITPID, -1, NULL, 0, 0, 0);
	sqe.syscall_flags = RXRING_WAITPID_WNOHANG;
	WANT(RXRING_OP_WAITPID, -EOPNOTSUPP);
	/* An fd is no use to a thread without a file table. */
	rw_sqe(&sqe, RXRING_OP_READ, nullfd, buf, sizeof(buf), 0, 0);
	WANT(RXRING_OP_READ, -EBADF);
	rw_sqe(&sqe, RXRING_OP_WRITE, nullfd, buf, sizeof(buf), 0, 0);
	WANT(RXRING_OP_WRITE, -EBADF);
	rw_sqe(&sqe, RXRING_OP_READV, nullfd, &iov, 1, 0, 0);
	WANT(RXRING_OP_READV, -EBADF);
	rw_sqe(&sqe, RXRING_OP_WRITEV, nullfd, &iov, 1, 0, 0);
	WANT(RXRING_OP_WRITEV, -EBADF);
	rw_sqe(&sqe, RXRING_OP_FSYNC, nullfd, NULL, 0, 0, 0);
	WANT(RXRING_OP_FSYNC, -EBADF);
	/* The SQE's own checks come first. */
	rw_sqe(&sqe, RXRING_OP_READ, nullfd, buf, sizeof(buf), 0, 0);
	sqe.additional2 = 1;
	WANT(RXRING_OP_READ, -EINVAL);
	rw_sqe(&sqe, RXRING_OP_OPEN, -100, "/", 1, 0, 0);
	sqe.additional2 = 1;
	WANT(RXRING_OP_OPEN, -EINVAL);
	rx_sqe_fill(&sqe, RXRING_OP_NOP, 0x80, 0, 0, 0);
	WANT(RXRING_OP_NOP, -EINVAL);
	rx_sqe_fill(&sqe, 200, 0, 0, 0, 0);
	WANT(200, -EINVAL);
	/* A registered file index without a table. */
	rw_sqe(&sqe, RXRING_OP_READ, 0, buf, sizeof(buf), 0, 0);
	sqe.syscall_flags = RXRING_RW_FIXED_FILE;
	WANT(RXRING_OP_READ, -EBADF);
	/* What works. */
	rx_sqe_fill(&sqe, RXRING_OP_NOP, RXRING_NOP_RESULT, 42, 0, 0);
	WANT(RXRING_OP_NOP, 42);
	rw_sqe(&sqe, RXRING_OP_FUTEX, 0, &futex_word, RXRING_FUTEX_WAKE, 1, 0);
	WANT(RXRING_OP_FUTEX, 0);
	/* WAIT reads the word in the creator's memory: 7, not 8. */
	rw_sqe(&sqe, RXRING_OP_FUTEX, 0, &futex_word, RXRING_FUTEX_WAIT, 8, 0);
	WANT(RXRING_OP_FUTEX, -EAGAIN);
	rw_sqe(&sqe, RXRING_OP_TIMEOUT, 0, NULL, 0, RX_MSEC, 0);
	WANT(RXRING_OP_TIMEOUT, -ETIME);
	rw_sqe(&sqe, RXRING_OP_CANCEL, 0, (void *)(uintptr_t)0xdead, 0, 0, 0);
	WANT(RXRING_OP_CANCEL, -ENOENT);
#undef WANT

	sq_publish(&r);
	for (i = 0; i < n; i++)
		st[i] = NOT_RUN;
	ASSERT_EQ(0, sq_collect(&r, n, 0, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < n; i++)
		EXPECT_EQ(want[i].want, st[i])
			TH_LOG("#%u %s (%u): %lld", i,
			       want[i].name ? want[i].name : "?", want[i].op,
			       (long long)st[i]);
	/* Nothing was done: the fd is still open, the page still mapped. */
	EXPECT_LE(0, fcntl(nullfd, F_GETFD));
	EXPECT_EQ(0, msync(page, 4096, MS_ASYNC));
	page[0] = 1;
	munmap(page, 4096);
	rx_teardown(&r);
	close(nullfd);
}

static int reg_files(int fd, const int *fds, __u32 nr)
{
	struct rxring_register rr;

	memset(&rr, 0, sizeof(rr));
	rr.addr = (__u64)(uintptr_t)fds;
	rr.nr = nr;
	return rx_ioctl(fd, RXRING_IOC_REGISTER_FILES, &rr);
}

static int reg_bufs(int fd, const struct iovec *iov, __u32 nr)
{
	struct rxring_register rr;

	memset(&rr, 0, sizeof(rr));
	rr.addr = (__u64)(uintptr_t)iov;
	rr.nr = nr;
	return rx_ioctl(fd, RXRING_IOC_REGISTER_BUFFERS, &rr);
}

static void fx_sqe(struct rxring_sqe *sqe, __u8 op, unsigned int idx,
		   const void *addr, __u64 len, __u64 off, __u64 ud)
{
	rw_sqe(sqe, op, 0, addr, len, off, ud);
	sqe->fd = idx;
	sqe->syscall_flags = RXRING_RW_FIXED_FILE;
}

/* One registered-file operation, run to completion. */
static __s64 fx_run(struct rx *r, struct rxring_sqe *sqe)
{
	__s64 st = NOT_RUN;

	sqe->user_data = 0x77;
	rx_push(r, sqe);
	sq_publish(r);
	if (sq_collect(r, 1, 0x77, &st))
		fprintf(stderr, "# fx_run: %s\n", rx_why);
	return st;
}

TEST_F_TIMEOUT(sqpoll, fixed_file_and_pipe, 120)
{
	char path[] = "/tmp/rxsqpoll-XXXXXX";
	char *wbuf = rw_alloc(8192), *rbuf = rw_alloc(8192), msg[16];
	struct rxring_sqe sqe;
	struct iovec iov[2];
	int fds[3], pfd[2];
	__s64 st;
	struct rx r;

	ASSERT_NE(NULL, wbuf);
	ASSERT_NE(NULL, rbuf);
	fds[0] = mkstemp(path);
	ASSERT_LE(0, fds[0]);
	unlink(path);
	ASSERT_EQ(0, pipe(pfd));
	fds[1] = pfd[0];
	fds[2] = pfd[1];
	ASSERT_EQ(0, sq_setup(&r, 16, 0, 0, 2000, 0));
	ASSERT_EQ(0, reg_files(r.fd, fds, 3));

	/* A regular file: WRITE, FSYNC, READ, WRITEV, READV. */
	rw_fill(wbuf, 8192, 11);
	fx_sqe(&sqe, RXRING_OP_WRITE, 0, wbuf, 8192, 0, 0);
	EXPECT_EQ(8192, fx_run(&r, &sqe));
	fx_sqe(&sqe, RXRING_OP_FSYNC, 0, NULL, 0, 0, 0);
	EXPECT_EQ(0, fx_run(&r, &sqe));
	memset(rbuf, 0, 8192);
	ASSERT_EQ(8192, pread(fds[0], rbuf, 8192, 0));
	EXPECT_EQ(0, memcmp(wbuf, rbuf, 8192));
	memset(rbuf, 0, 8192);
	fx_sqe(&sqe, RXRING_OP_READ, 0, rbuf, 8192, 0, 0);
	EXPECT_EQ(8192, fx_run(&r, &sqe));
	EXPECT_EQ(0, memcmp(wbuf, rbuf, 8192));
	rw_fill(wbuf, 8192, 12);
	iov[0].iov_base = wbuf;
	iov[0].iov_len = 100;
	iov[1].iov_base = wbuf + 100;
	iov[1].iov_len = 8092;
	fx_sqe(&sqe, RXRING_OP_WRITEV, 0, iov, 2, 4096, 0);
	EXPECT_EQ(8192, fx_run(&r, &sqe));
	memset(rbuf, 0, 8192);
	iov[0].iov_base = rbuf;
	iov[0].iov_len = 5000;
	iov[1].iov_base = rbuf + 5000;
	iov[1].iov_len = 3192;
	fx_sqe(&sqe, RXRING_OP_READV, 0, iov, 2, 4096, 0);
	EXPECT_EQ(8192, fx_run(&r, &sqe));
	EXPECT_EQ(0, memcmp(wbuf, rbuf, 8192));

	/* A pipe: the READ waits for data, which comes later. */
	memset(msg, 0, sizeof(msg));
	fx_sqe(&sqe, RXRING_OP_READ, 1, msg, sizeof(msg), RXRING_POS_CURRENT,
	       0x88);
	rx_push(&r, &sqe);
	sq_publish(&r);
	rx_sleep_ms(100);
	EXPECT_EQ(0ULL, rx_cq_ready(&r));
	EXPECT_EQ(r.sq_tail, rx_sq_head(&r));
	ASSERT_EQ(5, write(pfd[1], "hello", 5));
	st = NOT_RUN;
	ASSERT_EQ(0, sq_collect(&r, 1, 0x88, &st)) TH_LOG("%s", rx_why);
	EXPECT_EQ(5, st);
	EXPECT_STREQ("hello", msg);
	/* And a WRITE into it. */
	fx_sqe(&sqe, RXRING_OP_WRITE, 2, "world", 5, RXRING_POS_CURRENT, 0);
	EXPECT_EQ(5, fx_run(&r, &sqe));
	memset(msg, 0, sizeof(msg));
	EXPECT_EQ(5, read(pfd[0], msg, sizeof(msg)));
	EXPECT_STREQ("world", msg);
	rx_teardown(&r);
	close(fds[0]);
	close(pfd[0]);
	close(pfd[1]);
	free(wbuf);
	free(rbuf);
}

/* A memory-backed null_blk opened O_DIRECT, through registered files. */
TEST_F_TIMEOUT(sqpoll, fixed_file_blk, 120)
{
	enum { QD = 16, BS = 4096 };
	char *wbuf = rw_alloc(QD * BS), *rbuf = rw_alloc(QD * BS);
	struct rw_nullb nb;
	struct rxring_sqe sqe;
	struct iovec iov;
	__s64 st[QD];
	unsigned int i;
	struct rx r;
	int fd, ret;

	ASSERT_NE(NULL, wbuf);
	ASSERT_NE(NULL, rbuf);
	rx_raise_memlock();
	ret = rw_nullb_create(&nb, "rxsqp0", 64, 512, 0, 0, true, NULL);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no configfs null_blk");
	ASSERT_EQ(0, ret);
	fd = open(nb.dev, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sq_setup(&r, QD, 0, 0, 1000, 0));
	ASSERT_EQ(0, reg_files(r.fd, &fd, 1));

	rw_fill(wbuf, QD * BS, 21);
	for (i = 0; i < QD; i++) {
		fx_sqe(&sqe, RXRING_OP_WRITE, 0, wbuf + i * BS, BS,
		       (__u64)i * BS * 3, i);
		rx_push(&r, &sqe);
	}
	sq_publish(&r);
	ASSERT_EQ(0, sq_collect(&r, QD, 0, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < QD; i++)
		EXPECT_EQ(BS, st[i]) TH_LOG("write %u", i);
	memset(rbuf, 0, QD * BS);
	for (i = 0; i < QD; i++) {
		fx_sqe(&sqe, RXRING_OP_READ, 0, rbuf + i * BS, BS,
		       (__u64)i * BS * 3, 100 + i);
		rx_push(&r, &sqe);
	}
	sq_publish(&r);
	ASSERT_EQ(0, sq_collect(&r, QD, 100, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < QD; i++)
		EXPECT_EQ(BS, st[i]) TH_LOG("read %u", i);
	EXPECT_EQ(0, memcmp(wbuf, rbuf, QD * BS));

	/* A registered buffer too. */
	iov.iov_base = rbuf;
	iov.iov_len = QD * BS;
	ASSERT_EQ(0, reg_bufs(r.fd, &iov, 1));
	memset(rbuf, 0, QD * BS);
	fx_sqe(&sqe, RXRING_OP_READ, 0, rbuf, BS, 3 * BS, 0);
	sqe.syscall_flags |= RXRING_RW_FIXED_BUF;
	EXPECT_EQ(BS, fx_run(&r, &sqe));
	EXPECT_EQ(0, memcmp(wbuf + BS, rbuf, BS));
	rx_teardown(&r);
	close(fd);
	rw_nullb_destroy(&nb);
	free(wbuf);
	free(rbuf);
}

/* FUTEX WAIT in the creator's memory, woken by the synchronous ioctl. */
TEST_F_TIMEOUT(sqpoll, futex, 120)
{
	__u32 *word = rw_alloc(4096);
	struct rxring_futex f;
	struct rxring_sqe sqe;
	__s64 st = NOT_RUN;
	struct rx r;
	int woken = 0, i;

	ASSERT_NE(NULL, word);
	*word = 5;
	ASSERT_EQ(0, sq_setup(&r, 8, 0, 0, 1000, 0));
	rw_sqe(&sqe, RXRING_OP_FUTEX, 0, word, RXRING_FUTEX_WAIT, 5, 0x99);
	rx_push(&r, &sqe);
	sq_publish(&r);
	/* Parked once the thread took it: wake it from here. */
	for (i = 0; i < 1000 && !woken; i++) {
		memset(&f, 0, sizeof(f));
		f.op = RXRING_FUTEX_WAKE;
		f.addr = (__u64)(uintptr_t)word;
		f.val = 1;
		woken = rx_ioctl(r.fd, RXRING_IOC_FUTEX, &f);
		if (!woken)
			rx_sleep_ms(5);
	}
	EXPECT_EQ(1, woken);
	ASSERT_EQ(0, sq_collect(&r, 1, 0x99, &st)) TH_LOG("%s", rx_why);
	EXPECT_EQ(0, st);
	rx_teardown(&r);
	free(word);
}

/* Make the thread run a little, then look at where it may run and ran. */
static void affinity_check(struct __test_metadata *_metadata, struct rx *r,
			   int cpu)
{
	char val[64], want[16];
	int tid = sq_thread_tid(getpid()), i;

	ASSERT_LE(0, tid);
	ASSERT_EQ(0, proc_status_field(tid, "Cpus_allowed_list", val,
				       sizeof(val)));
	snprintf(want, sizeof(want), "%d", cpu);
	EXPECT_STREQ(want, val);
	for (i = 0; i < 20; i++) {
		rx_push_nop(r, i);
		sq_publish(r);
		ASSERT_EQ(0, sq_wait_cq(r, 1, SQP_WAIT_MS));
		ASSERT_EQ(0, rx_reap_nops(r, i, 1)) TH_LOG("%s", rx_why);
	}
	EXPECT_EQ(cpu, proc_last_cpu(tid));
}

TEST_F_TIMEOUT(sqpoll, affinity_sq_aff, 120)
{
	int cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	struct rx r;

	ASSERT_LE(0, cpu);
	ASSERT_EQ(0, sq_setup(&r, 8, 0, RXRING_CREATE_SQ_AFF, 1000,
			      (__u32)cpu));
	EXPECT_EQ((__u32)cpu, r.cr.sq_thread_cpu);
	affinity_check(_metadata, &r, cpu);
	rx_teardown(&r);
}

/* Without SQ_AFF the thread may run where its creator may. */
TEST_F_TIMEOUT(sqpoll, affinity_inherited, 120)
{
	cpu_set_t set;
	struct rx r;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	ASSERT_EQ(0, sq_setup(&r, 8, 0, 0, 1000, 0));
	affinity_check(_metadata, &r, 0);
	rx_teardown(&r);
}

/*
 * A full CQ stops the thread; room lets it go on: a moved CQ head while
 * it polls, an ENTER once it sleeps. Every SQE completes exactly once.
 */
TEST_F_TIMEOUT(sqpoll, cq_full, 120)
{
	unsigned char seen[64] = { 0 };
	unsigned int total = 0, i;
	struct rx r;

	/* CQ of 4 slots: 3 NOPs fit (each needs 2 free slots to start). */
	ASSERT_EQ(0, sq_setup(&r, 16, 4, 0, 3000, 0));
	for (i = 0; i < 16; i++)
		rx_push_nop(&r, i);
	sq_publish(&r);
	ASSERT_EQ(0, sq_wait_cq(&r, 3, SQP_WAIT_MS));
	rx_sleep_ms(100);
	EXPECT_EQ(3ULL, rx_cq_ready(&r));
	EXPECT_EQ(3ULL, rx_sq_head(&r));
	/* Polling the head: consuming is enough, no ENTER. */
	while (total < 12) {
		struct rx_cqe c;

		ASSERT_EQ(0, sq_wait_cq(&r, 1, SQP_WAIT_MS))
			TH_LOG("after %u completions", total);
		ASSERT_EQ(1, rx_reap(&r, &c));
		ASSERT_GT(16ULL, c.user_data);
		EXPECT_EQ(0, seen[c.user_data]);
		seen[c.user_data]++;
		total++;
	}
	EXPECT_EQ(0U, sq_status(&r) & RXRING_RING_NEED_WAKEUP);
	rx_teardown(&r);

	/* Asleep at a full CQ: only ENTER brings it back. */
	memset(seen, 0, sizeof(seen));
	total = 0;
	ASSERT_EQ(0, sq_setup(&r, 16, 4, 0, 50, 0));
	for (i = 0; i < 16; i++)
		rx_push_nop(&r, i);
	sq_publish(&r);
	ASSERT_EQ(0, sq_wait_cq(&r, 3, SQP_WAIT_MS));
	ASSERT_EQ(0, sq_wait_status(&r, true, SQP_WAIT_MS));
	EXPECT_EQ(3ULL, rx_sq_head(&r));
	rx_cq_advance(&r, 3);
	for (i = 0; i < 3; i++)
		seen[i]++;
	total = 3;
	rx_sleep_ms(200);
	/* Room, but nobody told it. */
	EXPECT_EQ(3ULL, rx_sq_head(&r));
	EXPECT_EQ(0ULL, rx_cq_ready(&r));
	while (total < 16) {
		struct rx_cqe c;

		ASSERT_EQ(0, rw_reap_wait(&r, &c) == 1 ? 0 : -1)
			TH_LOG("after %u completions", total);
		ASSERT_GT(16ULL, c.user_data);
		EXPECT_EQ(0, seen[c.user_data]);
		seen[c.user_data]++;
		total++;
	}
	for (i = 0; i < 16; i++)
		EXPECT_EQ(1, seen[i]) TH_LOG("user_data %u", i);
	rx_teardown(&r);
}

/* A tail far ahead: nothing is taken, and the thread does not spin. */
TEST_F_TIMEOUT(sqpoll, hostile_tail, 120)
{
	struct rx r;

	ASSERT_EQ(0, sq_setup(&r, 8, 0, 0, 50, 0));
	rx_push_nop(&r, 1);
	r.sq_tail = 8 + 5;
	sq_publish(&r);
	ASSERT_EQ(0, sq_wait_status(&r, true, SQP_WAIT_MS));
	EXPECT_EQ(0ULL, rx_sq_head(&r));
	EXPECT_EQ(0ULL, rx_cq_ready(&r));
	EXPECT_EQ(-EINVAL, rx_enter(&r, 1, 0, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL,
				    0, NULL));
	rx_sleep_ms(100);
	EXPECT_EQ(0ULL, rx_sq_head(&r));
	/* Repaired, it goes on. */
	r.sq_tail = 1;
	sq_publish(&r);
	EXPECT_LE(1, rx_enter(&r, 0, 1, RXRING_ENTER_TIMEOUT, 10 * RX_NSEC,
			      NULL));
	EXPECT_EQ(0, rx_reap_nops(&r, 1, 1)) TH_LOG("%s", rx_why);
	rx_teardown(&r);
}

enum td_mode { TD_CLOSE, TD_EXIT, TD_KILL };

/*
 * A child creates a ring and keeps its thread busy (NOPs in a loop, a
 * FUTEX WAIT and a TIMEOUT parked); then the ring goes: the child closes
 * and unmaps it, or exits, or is killed. The thread must go too.
 */
static void teardown_case(struct __test_metadata *_metadata,
			  enum td_mode mode)
{
	int ready[2], cmd[2], st;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe2(cmd, O_NONBLOCK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static __u32 word;
		struct rxring_sqe sqe;
		unsigned long n = 0;
		struct rx r;

		/* Gone with the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		if (sq_setup(&r, 64, 0, 0, 5000, 0))
			_exit(2);
		rw_sqe(&sqe, RXRING_OP_FUTEX, 0, &word, RXRING_FUTEX_WAIT, 0,
		       1);
		rx_push(&r, &sqe);
		rw_sqe(&sqe, RXRING_OP_TIMEOUT, 0, NULL, 0, 100 * RX_NSEC, 2);
		rx_push(&r, &sqe);
		sq_publish(&r);
		for (;;) {
			unsigned int i;

			for (i = 0; i < 16 && rx_sq_space(&r); i++)
				rx_push_nop(&r, 100);
			sq_publish(&r);
			rx_drain(&r);
			if (++n == 200 && write(ready[1], "r", 1) != 1)
				_exit(3);
			/* Told to, the busy process drops its ring. */
			if (n > 200 && read(cmd[0], &c, 1) == 1) {
				if (mode == TD_EXIT)
					exit(0);
				rx_teardown(&r);
				if (write(ready[1], "c", 1) != 1)
					_exit(3);
				pause();
			}
		}
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_LE(0, sq_thread_tid(pid));
	if (mode != TD_KILL)
		ASSERT_EQ(1, write(cmd[1], "x", 1));
	if (mode == TD_CLOSE) {
		ASSERT_EQ(1, read(ready[0], &c, 1));
		/* The process lives on; its ring and thread do not. */
		EXPECT_EQ(0, sq_wait_thread_gone(pid, SQP_WAIT_MS));
		kill(pid, SIGKILL);
	} else if (mode == TD_KILL) {
		kill(pid, SIGKILL);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	if (mode == TD_EXIT) {
		EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	} else {
		EXPECT_TRUE(WIFSIGNALED(st));
	}
	EXPECT_EQ(0, sq_wait_thread_gone(pid, SQP_WAIT_MS));
	close(ready[0]);
	close(cmd[0]);
	close(cmd[1]);
}

TEST_F_TIMEOUT(sqpoll, teardown_close, 120)
{
	teardown_case(_metadata, TD_CLOSE);
}

TEST_F_TIMEOUT(sqpoll, teardown_exit, 120)
{
	teardown_case(_metadata, TD_EXIT);
}

TEST_F_TIMEOUT(sqpoll, teardown_kill, 120)
{
	int i;

	for (i = 0; i < 5; i++)
		teardown_case(_metadata, TD_KILL);
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	char b = 'f';

	memset(&msg, 0, sizeof(msg));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = &b;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	char b;
	int fd;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &b;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * The creator exits while another process holds the instance: the thread
 * stays (the instance does), and completes what it takes with
 * -EOWNERDEAD.
 */
TEST_F_TIMEOUT(sqpoll, owner_gone, 120)
{
	__s64 st[4];
	int sv[2], rfd, s, i;
	struct rx r;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rx_cqe cqe;
		struct rx c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		if (sq_setup(&c, 8, 0, 0, 50, 0))
			_exit(2);
		/* It works while the creator lives. */
		rx_push_nop_flags(&c, RXRING_NOP_RESULT, 3, 0, 3);
		sq_publish(&c);
		if (rw_reap_wait(&c, &cqe) != 1 || cqe.status != 3)
			_exit(3);
		if (send_fd(sv[1], c.fd))
			_exit(4);
		_exit(0);
	}
	close(sv[1]);
	rfd = recv_fd(sv[0]);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(pid, waitpid(pid, &s, 0));
	ASSERT_TRUE(WIFEXITED(s) && !WEXITSTATUS(s));
	/* Same record as the child's: map the regions from here. */
	memset(&r, 0, sizeof(r));
	r.fd = rfd;
	rx_create_init(&r.cr, 8, 16, RXRING_CREATE_SQPOLL);
	r.cr.sq_header_size = rx_page();
	r.cr.sq_entries_size = rx_page();
	r.cr.cq_header_size = rx_page();
	r.cr.cq_entries_size = rx_page();
	/* rx_map() takes the indices from the headers. */
	ASSERT_EQ(0, rx_map(&r));
	EXPECT_EQ(1ULL, r.sq_tail);
	EXPECT_EQ(1ULL, r.cq_head);
	for (i = 0; i < 4; i++)
		rx_push_nop(&r, i);
	sq_publish(&r);
	ASSERT_EQ(0, sq_collect(&r, 4, 0, st)) TH_LOG("%s", rx_why);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-EOWNERDEAD, st[i]);
	EXPECT_LE(0, sq_thread_tid(pid));
	rx_teardown(&r);
	EXPECT_EQ(0, sq_wait_thread_gone(pid, SQP_WAIT_MS));
	close(sv[0]);
}

TEST_HARNESS_MAIN
