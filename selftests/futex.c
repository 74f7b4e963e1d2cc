// SPDX-License-Identifier: GPL-2.0
/*
 * futex: RXRING_OP_FUTEX and RXRING_IOC_FUTEX.
 *  - PROBE lists FUTEX, WAITPID, TIMEOUT and CANCEL with their flags;
 *  - a ring WAIT woken by another thread's ring WAKE, by the synchronous
 *    ioctl from a thread without a ring, and a synchronous WAIT woken by a
 *    ring WAKE; a WAIT and a WAKE in one submission;
 *  - across processes: MAP_SHARED anonymous memory, a memfd mapped twice at
 *    different addresses with one ring in each process, both directions;
 *  - -EAGAIN when the value differs (ring and ioctl); WAIT64 whose low half
 *    matches and high half does not; a 32-bit WAIT on the low half;
 *  - -EINVAL for misaligned words and for every field an operation does
 *    not use; -EFAULT for unmapped and read-only words;
 *  - -ETIMEDOUT after a relative and an ABSTIME timeout, never early; an
 *    ABSTIME time in the past at once;
 *  - REQUEUE: wake 1, move N, then WAKE on the second word wakes exactly
 *    the moved ones; with synchronous waiters too; exact counts;
 *  - WAKE 3 of 5, WAKE 0, waiters on two rings;
 *  - 10,000 waiters parked on one ring, woken by one WAKE returning 10000,
 *    all 10,000 completions delivered;
 *  - a ping-pong between two processes over shared memory (ring WAIT +
 *    synchronous WAKE, and ring WAIT + ring WAKE), with a lost-wakeup
 *    watchdog: RXRING_PINGPONG_ITERS round trips (default 1000000, the
 *    issue's figure) or RXRING_PINGPONG_SECS seconds (default 8, 0 for no
 *    limit), whichever comes first;
 *  - CANCEL of a parked WAIT -> -ECANCELED (and no later timeout);
 *  - closing a ring with 1000 parked waits, and exiting without closing:
 *    no hang, nothing left to wake;
 *  - a synchronous WAIT interrupted by a signal -> -EINTR.
 * Every accepted SQE completes exactly once: user_data bookkeeping.
 */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "harness.h"
#include "kops.h"

#define NO_TIMEOUT	0ULL

static __u32 aload(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void astore(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* A fresh page of MAP_SHARED anonymous memory (shared across fork). */
static void *shared_page(void)
{
	void *p = mmap(NULL, rx_page(), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

FIXTURE(futex) {
	struct rxring ring;
	struct kops_book b;
	int fd;			/* an instance without rings, for the ioctl */
	__u32 *w;		/* shared page: w[0], w[1], ... futex words */
	__u64 ud;		/* next user_data */
};

FIXTURE_SETUP(futex)
{
	int ret;

	ret = kops_ring(&self->ring, 64, 0);
	ASSERT_EQ(0, ret) TH_LOG("ring: %s", strerror(-ret));
	ASSERT_EQ(0, kops_book_init(&self->b, 1, 100000));
	self->fd = kops_fd();
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(-self->fd));
	self->w = shared_page();
	ASSERT_NE(NULL, self->w);
	self->ud = 1;
}

FIXTURE_TEARDOWN(futex)
{
	rxring_queue_exit(&self->ring);
	kops_book_free(&self->b);
	if (self->fd >= 0)
		close(self->fd);
	if (self->w)
		munmap(self->w, rx_page());
}

/* Every SQE of the test completed once, and nothing else is in the CQ. */
#define BALANCED() do {							\
	ASSERT_EQ(0, kops_book_balanced(&self->b)) TH_LOG("%s", kops_why); \
	ASSERT_EQ(0, kops_quiet(&self->ring, 20)) TH_LOG("%s", kops_why); \
} while (0)

/* Queue a WAIT on the fixture ring; its user_data. */
static __u64 q_wait(struct __test_metadata *_metadata,
		    FIXTURE_DATA(futex) *self, __u32 *addr, __u32 val,
		    __u64 timeout, unsigned int flags)
{
	__u64 ud = self->ud++;
	struct rxring_sqe *sqe = kops_sqe(&self->ring, &self->b, ud);

	if (!sqe) {
		TH_LOG("%s", kops_why);
		return 0;
	}
	rxring_prep_futex_wait(sqe, addr, val, timeout, flags);
	rxring_sqe_set_data(sqe, ud);
	return ud;
}

static __u64 q_wake(struct __test_metadata *_metadata,
		    FIXTURE_DATA(futex) *self, __u32 *addr, __u64 nr)
{
	__u64 ud = self->ud++;
	struct rxring_sqe *sqe = kops_sqe(&self->ring, &self->b, ud);

	if (!sqe) {
		TH_LOG("%s", kops_why);
		return 0;
	}
	rxring_prep_futex_wake(sqe, addr, nr);
	rxring_sqe_set_data(sqe, ud);
	return ud;
}

/* Queue a raw SQE (user_data assigned here); its user_data. */
static __u64 q_raw(struct __test_metadata *_metadata,
		   FIXTURE_DATA(futex) *self, const struct rxring_sqe *src)
{
	__u64 ud = self->ud++;
	struct rxring_sqe *sqe = kops_sqe(&self->ring, &self->b, ud);

	if (!sqe) {
		TH_LOG("%s", kops_why);
		return 0;
	}
	*sqe = *src;
	sqe->user_data = ud;
	return ud;
}

/* Submit exactly n queued SQEs. */
#define SUBMIT(n) ASSERT_EQ((int)(n), kops_submit(&self->ring))

/* Reap one completion, which must be for ud, with status st. */
#define EXPECT_DONE(ud_, st_) do {					\
	struct rxring_completion c_;					\
	ASSERT_EQ(0, kops_reap(&self->ring, &self->b, &c_,		\
			       KOPS_WATCHDOG_MS)) TH_LOG("%s", kops_why); \
	ASSERT_EQ((__u64)(ud_), c_.user_data);				\
	ASSERT_EQ((__s64)(st_), c_.status) TH_LOG("user_data %llu",	\
		(unsigned long long)c_.user_data);			\
} while (0)

/* Queue one SQE (ud_expr), submit it, expect its completion with st. */
#define RUN1(ud_expr, st_) do {						\
	__u64 u1_ = (ud_expr);						\
	SUBMIT(1);							\
	EXPECT_DONE(u1_, st_);						\
} while (0)

/* Reap n completions in any order (checked through the book). */
#define REAP(n) ASSERT_EQ(0, kops_reap_n(&self->ring, &self->b, (n)))	\
		TH_LOG("%s", kops_why)

#define QUIET(ms) ASSERT_EQ(0, kops_quiet(&self->ring, (ms)))		\
		TH_LOG("%s", kops_why)

/* Synchronous ioctl helpers. */
static int s_wait(int fd, __u32 *addr, __u32 val, __u64 timeout,
		  unsigned int flags)
{
	return rxring_futex(fd, RXRING_FUTEX_WAIT, addr, val, timeout, NULL,
			    flags);
}

static int s_wake(int fd, __u32 *addr, __u64 nr)
{
	return rxring_futex(fd, RXRING_FUTEX_WAKE, addr, nr, 0, NULL, 0);
}

/* ---- PROBE -------------------------------------------------------------- */

TEST_F(futex, probe_lists_kernel_ops)
{
	struct rxring_probe p;

	ASSERT_EQ(0, rxring_probe(self->fd, &p));
	ASSERT_TRUE(rxring_opcode_supported(&p, RXRING_OP_FUTEX));
	ASSERT_TRUE(rxring_opcode_supported(&p, RXRING_OP_WAITPID));
	ASSERT_TRUE(rxring_opcode_supported(&p, RXRING_OP_TIMEOUT));
	ASSERT_TRUE(rxring_opcode_supported(&p, RXRING_OP_CANCEL));
	EXPECT_EQ(RXRING_FUTEX_ABSTIME, p.ops[RXRING_OP_FUTEX].syscall_flags);
	EXPECT_EQ(RXRING_WAITPID_WNOHANG,
		  p.ops[RXRING_OP_WAITPID].syscall_flags);
	EXPECT_EQ(RXRING_TIMEOUT_ABS, p.ops[RXRING_OP_TIMEOUT].syscall_flags);
	EXPECT_EQ(0U, p.ops[RXRING_OP_CANCEL].syscall_flags);
}

/* ---- wait / wake between threads ---------------------------------------- */

struct waker_arg {
	__u32 *addr;
	bool use_ring;		/* ring WAKE, else the ioctl on a bare fd */
	int result;		/* what the WAKE returned */
	char why[256];
};

static void *waker_thread(void *p)
{
	struct waker_arg *a = p;
	struct rxring ring;
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	int ret, fd;

	astore(a->addr, 1);
	if (!a->use_ring) {
		fd = kops_fd();
		if (fd < 0) {
			a->result = fd;
			return NULL;
		}
		a->result = s_wake(fd, a->addr, 1);
		close(fd);
		return NULL;
	}
	ret = kops_ring(&ring, 4, 0);
	if (ret) {
		a->result = ret;
		return NULL;
	}
	sqe = rxring_get_sqe(&ring);
	rxring_prep_futex_wake(sqe, a->addr, 1);
	rxring_sqe_set_data(sqe, 77);
	ret = rxring_submit(&ring);
	if (ret == 1)
		ret = rxring_wait_completion_timeout(&ring, &c,
						     KOPS_WATCHDOG_MS * RX_MSEC);
	if (ret < 0)
		a->result = ret;
	else if (ret != 0 || c.user_data != 77 || c.flags)
		a->result = -EPROTO;
	else
		a->result = (int)c.status;
	rxring_queue_exit(&ring);
	return NULL;
}

static void ring_wait_thread_wake(struct __test_metadata *_metadata,
				  FIXTURE_DATA(futex) *self, bool use_ring)
{
	struct waker_arg a = { .addr = &self->w[0], .use_ring = use_ring };
	pthread_t t;
	__u64 ud;

	ud = q_wait(_metadata, self, &self->w[0], 0, NO_TIMEOUT, 0);
	SUBMIT(1);
	/* Parked as soon as the submission returns: nothing completes. */
	QUIET(50);
	ASSERT_EQ(0, pthread_create(&t, NULL, waker_thread, &a));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(1, a.result);
	EXPECT_DONE(ud, 0);
	BALANCED();
}

TEST_F(futex, ring_wait_woken_by_thread_ring_wake)
{
	ring_wait_thread_wake(_metadata, self, true);
}

TEST_F(futex, ring_wait_woken_by_ioctl_from_thread_without_ring)
{
	ring_wait_thread_wake(_metadata, self, false);
}

struct sync_waiter_arg {
	__u32 *addr;
	__u32 val;
	__u64 timeout;
	unsigned int flags;
	int result;
	__u32 done;
	long long t_end;
};

static void *sync_waiter_thread(void *p)
{
	struct sync_waiter_arg *a = p;
	int fd = kops_fd();

	if (fd < 0) {
		a->result = fd;
	} else {
		a->result = s_wait(fd, a->addr, a->val, a->timeout, a->flags);
		close(fd);
	}
	a->t_end = rx_now_ns();
	astore(&a->done, 1);
	return NULL;
}

/*
 * Ring WAKEs of 1 on addr until n waiters were woken in all (they may not
 * have parked yet); each WAKE completes and is checked. Returns the total.
 */
static int wake_until(struct __test_metadata *_metadata,
		      FIXTURE_DATA(futex) *self, __u32 *addr, int n)
{
	long long t0 = rx_now_ns();
	int total = 0;

	while (total < n && kops_ms_since(t0) < KOPS_WATCHDOG_MS) {
		struct rxring_completion c;
		__u64 ud = q_wake(_metadata, self, addr, 1);

		if (kops_run1(&self->ring, &self->b, ud, &c)) {
			TH_LOG("%s", kops_why);
			return -1;
		}
		if (c.status < 0 || c.status > 1) {
			TH_LOG("WAKE 1 returned %lld", (long long)c.status);
			return -1;
		}
		total += (int)c.status;
		if (!c.status)
			rx_sleep_ms(5);
	}
	return total;
}

TEST_F(futex, sync_wait_woken_by_ring_wake)
{
	struct sync_waiter_arg a = { .addr = &self->w[0], .val = 0 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, sync_waiter_thread, &a));
	ASSERT_EQ(1, wake_until(_metadata, self, &self->w[0], 1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, a.result);
	/* Nobody is left. */
	RUN1(q_wake(_metadata, self, &self->w[0], INT_MAX), 0);
	BALANCED();
}

TEST_F(futex, wait_and_wake_in_one_submission)
{
	__u64 w, k;

	w = q_wait(_metadata, self, &self->w[0], 0, NO_TIMEOUT, 0);
	k = q_wake(_metadata, self, &self->w[0], 1);
	SUBMIT(2);
	/* The WAKE is issued after the WAIT parked: it finds it. */
	EXPECT_DONE(w, 0);
	EXPECT_DONE(k, 1);
	BALANCED();
}

TEST_F(futex, ring_and_sync_waiters_woken_together)
{
	struct sync_waiter_arg a = { .addr = &self->w[1], .val = 0 };
	pthread_t t;
	__u64 w1, w2, k;

	w1 = q_wait(_metadata, self, &self->w[1], 0, NO_TIMEOUT, 0);
	w2 = q_wait(_metadata, self, &self->w[1], 0, NO_TIMEOUT, 0);
	SUBMIT(2);
	ASSERT_EQ(0, pthread_create(&t, NULL, sync_waiter_thread, &a));
	/* Give the thread time to park; a late one is woken below. */
	rx_sleep_ms(100);
	k = q_wake(_metadata, self, &self->w[1], 3);
	SUBMIT(1);
	/* The waiters it woke complete first (during the WAKE), then it. */
	REAP(3);
	EXPECT_TRUE(kops_book_done(&self->b, w1));
	EXPECT_TRUE(kops_book_done(&self->b, w2));
	EXPECT_EQ(0, kops_book_status(&self->b, w1));
	EXPECT_EQ(0, kops_book_status(&self->b, w2));
	ASSERT_TRUE(kops_book_done(&self->b, k));
	/* Both ring waiters are woken by it, the thread too unless late. */
	ASSERT_LE(2, kops_book_status(&self->b, k));
	ASSERT_GE(3, kops_book_status(&self->b, k));
	if (kops_book_status(&self->b, k) == 2) {
		TH_LOG("the thread parked late");
		ASSERT_EQ(1, wake_until(_metadata, self, &self->w[1], 1));
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, a.result);
	BALANCED();
}

/* ---- across processes ----------------------------------------------------- */

/* Child: open a bare instance, set *addr, WAKE 1 by ioctl; exit code. */
static int child_sync_wake(__u32 *addr)
{
	int fd = kops_fd(), ret;

	if (fd < 0)
		return 10;
	astore(addr, 1);
	ret = s_wake(fd, addr, 1);
	return ret == 1 ? 0 : 20 + (ret < 0 ? 0 : ret);
}

/* Child: own ring, WAKE 1 through it; exit code. */
static int child_ring_wake(__u32 *addr)
{
	struct rxring ring;
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	int ret;

	if (kops_ring(&ring, 4, 0))
		return 10;
	astore(addr, 1);
	sqe = rxring_get_sqe(&ring);
	rxring_prep_futex_wake(sqe, addr, 1);
	rxring_sqe_set_data(sqe, 5);
	if (rxring_submit(&ring) != 1)
		return 11;
	ret = rxring_wait_completion_timeout(&ring, &c,
					     KOPS_WATCHDOG_MS * RX_MSEC);
	if (ret || c.user_data != 5)
		return 12;
	return c.status == 1 ? 0 : 20 + (c.status < 0 ? 0 : (int)c.status);
}

static void wait_child_ok(struct __test_metadata *_metadata, pid_t pid)
{
	int st;

	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st)) TH_LOG("child status 0x%x", st);
	ASSERT_EQ(0, WEXITSTATUS(st)) TH_LOG("child exit code %d",
					     WEXITSTATUS(st));
}

TEST_F(futex, shared_anon_two_processes_ioctl_wake)
{
	__u64 ud;
	pid_t pid;

	ud = q_wait(_metadata, self, &self->w[3], 0, NO_TIMEOUT, 0);
	SUBMIT(1);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child_sync_wake(&self->w[3]));
	wait_child_ok(_metadata, pid);
	EXPECT_DONE(ud, 0);
	BALANCED();
}

static int make_memfd(void)
{
	int fd = memfd_create("rxring-futex", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)rx_page()))
		return -errno;
	return fd;
}

/* The parent WAITs on its ring, the child WAKEs on its own ring. */
TEST_F(futex, memfd_two_processes_two_rings)
{
	int mfd = make_memfd();
	__u32 *mine;
	__u64 ud;
	pid_t pid;

	ASSERT_LE(0, mfd) TH_LOG("memfd: %s", strerror(-mfd));
	mine = mmap(NULL, rx_page(), RX_RW, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, mine);
	ud = q_wait(_metadata, self, &mine[16], 0, NO_TIMEOUT, 0);
	SUBMIT(1);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* A mapping of its own, at another address. */
		__u32 *its = mmap(NULL, 2 * rx_page(), RX_RW, MAP_SHARED,
				  mfd, 0);

		if (its == MAP_FAILED)
			_exit(9);
		munmap(mine, rx_page());
		_exit(child_ring_wake(&its[16]));
	}
	wait_child_ok(_metadata, pid);
	EXPECT_DONE(ud, 0);
	EXPECT_EQ(1U, mine[16]);
	munmap(mine, rx_page());
	close(mfd);
	BALANCED();
}

/* The child parks on its ring; the parent WAKEs from its ring. */
TEST_F(futex, memfd_child_waits_parent_wakes)
{
	int mfd = make_memfd(), pipefd[2];
	__u32 *mine;
	char ch;
	pid_t pid;
	int n;

	ASSERT_LE(0, mfd) TH_LOG("memfd: %s", strerror(-mfd));
	ASSERT_EQ(0, pipe(pipefd));
	mine = mmap(NULL, rx_page(), RX_RW, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, mine);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rxring ring;
		struct rxring_completion c;
		struct rxring_sqe *sqe;
		__u32 *its = mmap(NULL, rx_page(), RX_RW, MAP_SHARED, mfd, 0);

		if (its == MAP_FAILED || kops_ring(&ring, 4, 0))
			_exit(9);
		sqe = rxring_get_sqe(&ring);
		rxring_prep_futex_wait(sqe, &its[8], 0, 20 * RX_NSEC, 0);
		rxring_sqe_set_data(sqe, 3);
		if (rxring_submit(&ring) != 1)
			_exit(10);
		/* Parked: tell the parent. */
		if (write(pipefd[1], "p", 1) != 1)
			_exit(11);
		if (rxring_wait_completion(&ring, &c) || c.user_data != 3)
			_exit(12);
		if (c.status)
			_exit(c.status == -ETIMEDOUT ? 13 : 14);
		_exit(its[8] == 7 ? 0 : 15);
	}
	ASSERT_EQ(1, read(pipefd[0], &ch, 1));
	astore(&mine[8], 7);
	n = wake_until(_metadata, self, &mine[8], 1);
	EXPECT_EQ(1, n);
	wait_child_ok(_metadata, pid);
	munmap(mine, rx_page());
	close(mfd);
	close(pipefd[0]);
	close(pipefd[1]);
	BALANCED();
}

/* ---- value checks ----------------------------------------------------------- */

TEST_F(futex, eagain_on_mismatch)
{
	self->w[0] = 5;
	RUN1(q_wait(_metadata, self, &self->w[0], 4, NO_TIMEOUT, 0), -EAGAIN);
	RUN1(q_wait(_metadata, self, &self->w[0], 0, 1000000, 0), -EAGAIN);
	EXPECT_EQ(-EAGAIN, s_wait(self->fd, &self->w[0], 4, 0, 0));
	EXPECT_EQ(-EAGAIN, s_wait(self->fd, &self->w[0], 0xffffffffU, 0, 0));
	/* Nobody parked. */
	EXPECT_EQ(0, s_wake(self->fd, &self->w[0], INT_MAX));
	BALANCED();
}

TEST_F(futex, wait64_compares_all_64_bits)
{
	__u64 *w64 = (__u64 *)&self->w[2];	/* 8-byte aligned */
	struct rxring_sqe *sqe;
	__u64 ud;

	ASSERT_EQ(0UL, (unsigned long)w64 % 8);
	*w64 = 0x100000005ULL;
	/* The low half matches, the high half differs. */
	ud = self->ud++;
	sqe = kops_sqe(&self->ring, &self->b, ud);
	ASSERT_NE(NULL, sqe);
	rxring_prep_futex_wait64(sqe, w64, 5, NO_TIMEOUT, 0);
	rxring_sqe_set_data(sqe, ud);
	SUBMIT(1);
	EXPECT_DONE(ud, -EAGAIN);
	ud = self->ud++;
	sqe = kops_sqe(&self->ring, &self->b, ud);
	ASSERT_NE(NULL, sqe);
	rxring_prep_futex_wait64(sqe, w64, 0x200000005ULL, NO_TIMEOUT, 0);
	rxring_sqe_set_data(sqe, ud);
	SUBMIT(1);
	EXPECT_DONE(ud, -EAGAIN);
	EXPECT_EQ(-EAGAIN, rxring_futex(self->fd, RXRING_FUTEX_WAIT64, w64, 5,
					0, NULL, 0));
	EXPECT_EQ(-EAGAIN, rxring_futex(self->fd, RXRING_FUTEX_WAIT64, w64,
					0x5ULL << 32 | 1, 0, NULL, 0));

	/* The whole value: parks, and a WAKE on the word wakes it. */
	ud = self->ud++;
	sqe = kops_sqe(&self->ring, &self->b, ud);
	ASSERT_NE(NULL, sqe);
	rxring_prep_futex_wait64(sqe, w64, 0x100000005ULL, NO_TIMEOUT, 0);
	rxring_sqe_set_data(sqe, ud);
	SUBMIT(1);
	QUIET(30);
	EXPECT_EQ(1, s_wake(self->fd, &self->w[2], 1));
	EXPECT_DONE(ud, 0);

	/* A 32-bit WAIT on the low half (little-endian) compares 32 bits. */
	ud = q_wait(_metadata, self, &self->w[2], 5, NO_TIMEOUT, 0);
	SUBMIT(1);
	QUIET(30);
	EXPECT_EQ(1, s_wake(self->fd, &self->w[2], 1));
	EXPECT_DONE(ud, 0);
	/* Synchronous WAIT64 with a timeout: matches, times out. */
	EXPECT_EQ(-ETIMEDOUT, rxring_futex(self->fd, RXRING_FUTEX_WAIT64, w64,
					   0x100000005ULL, 20 * RX_MSEC, NULL,
					   0));
	BALANCED();
}

/* ---- invalid SQEs ------------------------------------------------------------ */

TEST_F(futex, misaligned_einval)
{
	char *base = (char *)&self->w[8];
	__u64 ud;
	int i;

	for (i = 1; i < 4; i++) {
		ud = q_wait(_metadata, self, (__u32 *)(base + i), 0,
			    NO_TIMEOUT, 0);
		SUBMIT(1);
		EXPECT_DONE(ud, -EINVAL);
		ud = q_wake(_metadata, self, (__u32 *)(base + i), 1);
		SUBMIT(1);
		EXPECT_DONE(ud, -EINVAL);
		EXPECT_EQ(-EINVAL, s_wait(self->fd, (__u32 *)(base + i), 0, 0,
					  0));
		EXPECT_EQ(-EINVAL, s_wake(self->fd, (__u32 *)(base + i), 1));
	}
	/* WAIT64 needs 8-byte alignment. */
	for (i = 4; i < 8; i += 2) {
		struct rxring_sqe *sqe;

		ud = self->ud++;
		sqe = kops_sqe(&self->ring, &self->b, ud);
		ASSERT_NE(NULL, sqe);
		rxring_prep_futex_wait64(sqe, (__u64 *)(base + i), 0,
					 NO_TIMEOUT, 0);
		rxring_sqe_set_data(sqe, ud);
		SUBMIT(1);
		EXPECT_DONE(ud, -EINVAL);
		EXPECT_EQ(-EINVAL, rxring_futex(self->fd, RXRING_FUTEX_WAIT64,
						base + i, 0, 0, NULL, 0));
	}
	/* REQUEUE: either word misaligned. */
	{
		struct rxring_sqe s;

		rxring_prep_futex_requeue(&s, &self->w[8], 1, 1,
					  (__u32 *)(base + 2));
		RUN1(q_raw(_metadata, self, &s), -EINVAL);
		rxring_prep_futex_requeue(&s, (__u32 *)(base + 1), 1, 1,
					  &self->w[9]);
		RUN1(q_raw(_metadata, self, &s), -EINVAL);
		EXPECT_EQ(-EINVAL, rxring_futex(self->fd, RXRING_FUTEX_REQUEUE,
						&self->w[8], 1, 1, base + 2,
						0));
	}
	BALANCED();
}

TEST_F(futex, invalid_fields_einval)
{
	__u32 *w = &self->w[0];
	struct rxring_sqe bad[32];
	unsigned int n = 0, i;
	struct rxring_futex f;

	/* WAIT */
	rxring_prep_futex_wait(&bad[n], w, 0, 0, 0);
	bad[n++].fd = 3;
	rxring_prep_futex_wait(&bad[n], w, 0, 0, 0);
	bad[n++].additional2 = 8;
	rxring_prep_futex_wait(&bad[n], w, 0, 0, 0);
	bad[n++].offset = 0x100000000ULL;	/* > 32 bits */
	rxring_prep_futex_wait(&bad[n], w, 0, 0, 0x2);	/* unknown flag */
	n++;
	rxring_prep_futex_wait(&bad[n], w, 0, 0, 0x80000000U);
	n++;
	/* WAKE */
	rxring_prep_futex_wake(&bad[n], w, 1);
	bad[n++].additional1 = 1;
	rxring_prep_futex_wake(&bad[n], w, 1);
	bad[n++].additional2 = 8;
	rxring_prep_futex_wake(&bad[n], w, 1);
	bad[n++].syscall_flags = RXRING_FUTEX_ABSTIME;
	rxring_prep_futex_wake(&bad[n], w, 1);
	bad[n++].fd = 1;
	/* REQUEUE */
	rxring_prep_futex_requeue(&bad[n], w, 1, 1, &self->w[1]);
	bad[n++].syscall_flags = RXRING_FUTEX_ABSTIME;
	rxring_prep_futex_requeue(&bad[n], w, 1, 1, &self->w[1]);
	bad[n++].fd = 2;
	/* WAIT64 */
	rxring_prep_futex_wait64(&bad[n], (__u64 *)w, 0, 0, 0);
	bad[n++].additional2 = 8;
	/* Unknown operations. */
	rxring_prep_futex_wake(&bad[n], w, 1);
	bad[n++].len = 4;
	rxring_prep_futex_wake(&bad[n], w, 1);
	bad[n++].len = 0x100000000ULL;
	rxring_prep_futex_wake(&bad[n], w, 1);
	bad[n++].len = ~0ULL;
	/* SQE flags the module does not take. */
	rxring_prep_futex_wake(&bad[n], w, 1);
	bad[n++].flags = 0x80;

	for (i = 0; i < n; i++) {
		__u64 ud = q_raw(_metadata, self, &bad[i]);

		SUBMIT(1);
		EXPECT_DONE(ud, -EINVAL);
	}

	/* The ioctl: reserved words, unknown flags and operations. */
	memset(&f, 0, sizeof(f));
	f.op = RXRING_FUTEX_WAKE;
	f.addr = (__u64)(uintptr_t)w;
	f.val = 1;
	f.__resv[0] = 1;
	EXPECT_EQ(-EINVAL, rx_ioctl(self->fd, RXRING_IOC_FUTEX, &f));
	f.__resv[0] = 0;
	f.__resv[1] = 1;
	EXPECT_EQ(-EINVAL, rx_ioctl(self->fd, RXRING_IOC_FUTEX, &f));
	f.__resv[1] = 0;
	f.flags = 2;
	EXPECT_EQ(-EINVAL, rx_ioctl(self->fd, RXRING_IOC_FUTEX, &f));
	f.flags = 0;
	f.op = 4;
	EXPECT_EQ(-EINVAL, rx_ioctl(self->fd, RXRING_IOC_FUTEX, &f));
	f.op = RXRING_FUTEX_WAKE;
	f.val2 = 1;
	EXPECT_EQ(-EINVAL, rx_ioctl(self->fd, RXRING_IOC_FUTEX, &f));
	f.val2 = 0;
	f.flags = RXRING_FUTEX_ABSTIME;
	EXPECT_EQ(-EINVAL, rx_ioctl(self->fd, RXRING_IOC_FUTEX, &f));
	f.flags = 0;
	EXPECT_EQ(0, rx_ioctl(self->fd, RXRING_IOC_FUTEX, &f));
	EXPECT_EQ(-EFAULT, rx_ioctl(self->fd, RXRING_IOC_FUTEX, NULL));
	BALANCED();
}

TEST_F(futex, unmapped_word_efault)
{
	__u32 *gone = rx_unmapped_page(), *ro;
	struct rxring_sqe s;

	ASSERT_NE(NULL, gone);
	RUN1(q_wait(_metadata, self, gone, 0, NO_TIMEOUT, 0), -EFAULT);
	RUN1(q_wake(_metadata, self, gone, 1), -EFAULT);
	rxring_prep_futex_requeue(&s, &self->w[0], 1, 1, gone);
	RUN1(q_raw(_metadata, self, &s), -EFAULT);
	rxring_prep_futex_requeue(&s, &self->w[0], 1, 1, NULL);
	RUN1(q_raw(_metadata, self, &s), -EFAULT);
	EXPECT_EQ(-EFAULT, s_wait(self->fd, gone, 0, 0, 0));
	EXPECT_EQ(-EFAULT, s_wake(self->fd, gone, 1));
	EXPECT_EQ(-EFAULT, s_wake(self->fd, NULL, 1));
	/* The word must be writable (docs/abi.md). */
	ro = mmap(NULL, rx_page(), PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1,
		  0);
	ASSERT_NE(MAP_FAILED, ro);
	RUN1(q_wait(_metadata, self, ro, 0, NO_TIMEOUT, 0), -EFAULT);
	EXPECT_EQ(-EFAULT, s_wait(self->fd, ro, 0, 0, 0));
	munmap(ro, rx_page());
	BALANCED();
}

/* ---- timeouts ------------------------------------------------------------------ */

TEST_F(futex, wait_timeout_relative)
{
	long long t0 = rx_now_ns(), dt;
	__u64 ud;

	ud = q_wait(_metadata, self, &self->w[0], 0, 50 * RX_MSEC, 0);
	SUBMIT(1);
	EXPECT_DONE(ud, -ETIMEDOUT);
	dt = rx_now_ns() - t0;
	EXPECT_LE(50 * RX_MSEC, dt);
	EXPECT_GT(5 * RX_NSEC, dt);

	t0 = rx_now_ns();
	EXPECT_EQ(-ETIMEDOUT, s_wait(self->fd, &self->w[0], 0, 50 * RX_MSEC,
				     0));
	dt = rx_now_ns() - t0;
	EXPECT_LE(50 * RX_MSEC, dt);
	EXPECT_GT(5 * RX_NSEC, dt);
	BALANCED();
}

TEST_F(futex, wait_timeout_abstime)
{
	long long deadline = rx_now_ns() + 60 * RX_MSEC, t0;
	__u64 ud;

	ud = q_wait(_metadata, self, &self->w[0], 0, (__u64)deadline,
		    RXRING_FUTEX_ABSTIME);
	SUBMIT(1);
	EXPECT_DONE(ud, -ETIMEDOUT);
	EXPECT_LE(deadline, rx_now_ns());

	deadline = rx_now_ns() + 60 * RX_MSEC;
	EXPECT_EQ(-ETIMEDOUT, s_wait(self->fd, &self->w[0], 0,
				     (__u64)deadline, RXRING_FUTEX_ABSTIME));
	EXPECT_LE(deadline, rx_now_ns());

	/* A time in the past: at once. */
	t0 = rx_now_ns();
	ud = q_wait(_metadata, self, &self->w[0], 0, (__u64)(t0 - RX_MSEC),
		    RXRING_FUTEX_ABSTIME);
	SUBMIT(1);
	EXPECT_DONE(ud, -ETIMEDOUT);
	EXPECT_EQ(-ETIMEDOUT, s_wait(self->fd, &self->w[0], 0, 1,
				     RXRING_FUTEX_ABSTIME));
	EXPECT_GT(2 * RX_NSEC, rx_now_ns() - t0);
	BALANCED();
}

/* A WAKE before the timeout wins; the timeout does not fire later. */
TEST_F(futex, woken_before_timeout)
{
	__u64 ud;

	ud = q_wait(_metadata, self, &self->w[0], 0, 300 * RX_MSEC, 0);
	SUBMIT(1);
	EXPECT_EQ(1, s_wake(self->fd, &self->w[0], 1));
	EXPECT_DONE(ud, 0);
	QUIET(400);
	BALANCED();
}

/* ---- REQUEUE and counts ------------------------------------------------------------ */

TEST_F(futex, requeue_wake_one_move_n)
{
	__u32 *a = &self->w[0], *b = &self->w[1];
	struct rxring_sqe s;
	__u64 ud[5], rq, k;
	int i;

	for (i = 0; i < 5; i++)
		ud[i] = q_wait(_metadata, self, a, 0, NO_TIMEOUT, 0);
	SUBMIT(5);
	/* Wake 1, move 3: REQUEUE completes with 1 + 3. */
	rxring_prep_futex_requeue(&s, a, 1, 3, b);
	rq = q_raw(_metadata, self, &s);
	SUBMIT(1);
	REAP(2);
	EXPECT_EQ(4, kops_book_status(&self->b, rq));
	/* The oldest was woken. */
	EXPECT_TRUE(kops_book_done(&self->b, ud[0]));
	EXPECT_EQ(0, kops_book_status(&self->b, ud[0]));
	QUIET(30);
	/* One is left on a ... */
	k = q_wake(_metadata, self, a, INT_MAX);
	SUBMIT(1);
	REAP(2);
	EXPECT_EQ(1, kops_book_status(&self->b, k));
	EXPECT_TRUE(kops_book_done(&self->b, ud[4]));
	/* ... and the three moved ones wait on b. */
	QUIET(30);
	k = q_wake(_metadata, self, b, INT_MAX);
	SUBMIT(1);
	REAP(4);
	EXPECT_EQ(3, kops_book_status(&self->b, k));
	for (i = 0; i < 5; i++) {
		EXPECT_TRUE(kops_book_done(&self->b, ud[i]));
		EXPECT_EQ(0, kops_book_status(&self->b, ud[i]));
	}
	/* REQUEUE with nobody waiting, and onto the same word. */
	rxring_prep_futex_requeue(&s, a, 5, 5, b);
	RUN1(q_raw(_metadata, self, &s), 0);
	ud[0] = q_wait(_metadata, self, a, 0, NO_TIMEOUT, 0);
	ud[1] = q_wait(_metadata, self, a, 0, NO_TIMEOUT, 0);
	SUBMIT(2);
	rxring_prep_futex_requeue(&s, a, 0, 5, a);
	RUN1(q_raw(_metadata, self, &s), 0);
	/* The ioctl form: wake 0, move both. */
	EXPECT_EQ(2, rxring_futex(self->fd, RXRING_FUTEX_REQUEUE, a, 0, 2, b,
				  0));
	EXPECT_EQ(0, s_wake(self->fd, a, INT_MAX));
	EXPECT_EQ(2, s_wake(self->fd, b, INT_MAX));
	REAP(2);
	BALANCED();
}

/*
 * REQUEUE from one word to each of 200 others, some of which share its
 * hash bucket: the moved waiters are woken on the new word only.
 */
TEST_F(futex, requeue_to_many_words)
{
	__u32 *more = shared_page();
	struct rxring_sqe s;
	__u64 rq, k;
	int j;

	ASSERT_NE(NULL, more);
	for (j = 0; j < 200; j++) {
		__u32 *to = j < 100 ? &self->w[1 + j] : &more[j];

		q_wait(_metadata, self, &self->w[0], 0, NO_TIMEOUT, 0);
		q_wait(_metadata, self, &self->w[0], 0, NO_TIMEOUT, 0);
		SUBMIT(2);
		rxring_prep_futex_requeue(&s, &self->w[0], 0, 2, to);
		rq = q_raw(_metadata, self, &s);
		SUBMIT(1);
		REAP(1);
		ASSERT_EQ(2, kops_book_status(&self->b, rq)) TH_LOG("word %d", j);
		ASSERT_EQ(0, s_wake(self->fd, &self->w[0], INT_MAX))
			TH_LOG("word %d", j);
		k = q_wake(_metadata, self, to, INT_MAX);
		SUBMIT(1);
		REAP(3);
		ASSERT_EQ(2, kops_book_status(&self->b, k)) TH_LOG("word %d", j);
	}
	munmap(more, rx_page());
	BALANCED();
}

/* Synchronous waiters are moved too, and woken on the new word. */
TEST_F(futex, requeue_sync_waiters)
{
	struct sync_waiter_arg a[3];
	pthread_t t[3];
	long long t0 = rx_now_ns();
	int moved = 0, i, ret;

	for (i = 0; i < 3; i++) {
		a[i] = (struct sync_waiter_arg){ .addr = &self->w[4] };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, sync_waiter_thread,
					    &a[i]));
	}
	/* Move them to w[5] as they park. */
	while (moved < 3 && kops_ms_since(t0) < KOPS_WATCHDOG_MS) {
		ret = rxring_futex(self->fd, RXRING_FUTEX_REQUEUE, &self->w[4],
				   0, INT_MAX, &self->w[5], 0);
		ASSERT_LE(0, ret);
		moved += ret;
		if (moved < 3)
			rx_sleep_ms(5);
	}
	ASSERT_EQ(3, moved);
	/* Nobody is on w[4] any more; all three are on w[5]. */
	EXPECT_EQ(0, s_wake(self->fd, &self->w[4], INT_MAX));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0U, aload(&a[i].done));
	EXPECT_EQ(3, wake_until(_metadata, self, &self->w[5], 3));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, a[i].result);
	}
	BALANCED();
}

TEST_F(futex, wake_counts_exact)
{
	__u64 ud[5], k;
	int i, woken = 0;

	for (i = 0; i < 5; i++)
		ud[i] = q_wait(_metadata, self, &self->w[6], 0, NO_TIMEOUT, 0);
	SUBMIT(5);
	k = q_wake(_metadata, self, &self->w[6], 3);
	SUBMIT(1);
	REAP(4);
	EXPECT_EQ(3, kops_book_status(&self->b, k));
	for (i = 0; i < 5; i++)
		woken += kops_book_done(&self->b, ud[i]);
	EXPECT_EQ(3, woken);
	QUIET(30);
	/* WAKE 0 wakes nobody. */
	RUN1(q_wake(_metadata, self, &self->w[6], 0), 0);
	/* A WAKE on another word in the same page wakes nobody either. */
	EXPECT_EQ(0, s_wake(self->fd, &self->w[7], INT_MAX));
	QUIET(30);
	k = q_wake(_metadata, self, &self->w[6], 10);
	SUBMIT(1);
	REAP(3);
	EXPECT_EQ(2, kops_book_status(&self->b, k));
	BALANCED();
}

/* Waiters on two rings of one process: one WAKE counts them all. */
TEST_F(futex, waiters_on_two_rings)
{
	struct rxring r2;
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	int i, ret;

	ret = kops_ring(&r2, 4, 0);
	ASSERT_EQ(0, ret);
	for (i = 0; i < 2; i++) {
		sqe = rxring_get_sqe(&r2);
		rxring_prep_futex_wait(sqe, &self->w[0], 0, NO_TIMEOUT, 0);
		rxring_sqe_set_data(sqe, 100 + i);
	}
	ASSERT_EQ(2, rxring_submit(&r2));
	q_wait(_metadata, self, &self->w[0], 0, NO_TIMEOUT, 0);
	q_wait(_metadata, self, &self->w[0], 0, NO_TIMEOUT, 0);
	SUBMIT(2);
	EXPECT_EQ(4, s_wake(self->fd, &self->w[0], 4));
	REAP(2);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, rxring_wait_completion_timeout(&r2, &c,
						KOPS_WATCHDOG_MS * RX_MSEC));
		EXPECT_EQ(100U + i, c.user_data);
		EXPECT_EQ(0, c.status);
	}
	EXPECT_EQ(-ETIME, rxring_wait_completion_timeout(&r2, &c,
							 20 * RX_MSEC));
	rxring_queue_exit(&r2);
	BALANCED();
}

/* ---- 10,000 waiters ----------------------------------------------------------------- */

TEST_F_TIMEOUT(futex, ten_thousand_waiters_one_wake, 300)
{
	const unsigned int n = 10000;
	struct rxring big;
	struct kops_book b;
	struct rxring_completion c;
	long long t0, t1, t2;
	unsigned int i;
	int ret;

	ret = kops_ring(&big, 16384, 32768);
	ASSERT_EQ(0, ret) TH_LOG("ring: %s", strerror(-ret));
	ASSERT_EQ(0, kops_book_init(&b, 1, n));
	for (i = 0; i < n; i++) {
		struct rxring_sqe *sqe = kops_sqe(&big, &b, 1 + i);

		ASSERT_NE(NULL, sqe) TH_LOG("%s", kops_why);
		rxring_prep_futex_wait(sqe, &self->w[0], 0, NO_TIMEOUT, 0);
		rxring_sqe_set_data(sqe, 1 + i);
	}
	t0 = rx_now_ns();
	ASSERT_EQ((int)n, rxring_submit(&big));
	t1 = rx_now_ns();
	ASSERT_EQ(0U, rxring_cq_ready(&big));
	EXPECT_EQ(-ETIME, rxring_wait_completion_timeout(&big, &c,
							 20 * RX_MSEC));
	/* One WAKE, from a bare instance, wakes all of them. */
	self->w[0] = 1;
	EXPECT_EQ((int)n, s_wake(self->fd, &self->w[0], n));
	t2 = rx_now_ns();
	for (i = 0; i < n; i++) {
		ret = kops_reap(&big, &b, &c, KOPS_WATCHDOG_MS);
		ASSERT_EQ(0, ret) TH_LOG("completion %u: %s", i, kops_why);
		ASSERT_EQ(0, c.status) TH_LOG("user_data %llu",
					      (unsigned long long)c.user_data);
	}
	ASSERT_EQ(0, kops_book_balanced(&b)) TH_LOG("%s", kops_why);
	EXPECT_EQ(-ETIME, rxring_wait_completion_timeout(&big, &c,
							 20 * RX_MSEC));
	EXPECT_EQ(0, s_wake(self->fd, &self->w[0], INT_MAX));
	TH_LOG("%u waits parked in %lld ms, woken by one WAKE in %lld ms, reaped in %lld ms",
	       n, (t1 - t0) / RX_MSEC, (t2 - t1) / RX_MSEC,
	       kops_ms_since(t2));
	kops_book_free(&b);
	rxring_queue_exit(&big);
}

/* ---- ping-pong between two processes --------------------------------------------------- */

/* An unsigned number from the environment, or def. */
static unsigned long env_num(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : def;
}

struct pp_shared {
	__u32 seq;		/* even: the parent's turn, odd: the child's */
	__u32 stop;		/* set by the parent with its last move */
	__u32 trips;		/* round trips done, written by the parent */
	char why[256];
};

/*
 * One side of the ping-pong: the parent moves seq from even to odd, the
 * child from odd to even. The parent stops after iters round trips or
 * secs seconds (0: no limit) and tells the child with its last move. Each
 * side WAITs on its own ring, with a 10 s timeout as the lost-wakeup
 * watchdog, and WAKEs the other by ioctl or through its ring; every
 * completion is checked. Returns 0 or a failure code with why filled.
 */
static int pp_side(struct pp_shared *sh, bool parent, unsigned long iters,
		   unsigned long secs, bool ring_wake, char *why, size_t whylen)
{
	__u32 mine = parent ? 0 : 1, *seq = &sh->seq;
	long long t0 = rx_now_ns();
	struct rxring ring;
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	unsigned long trips = 0;
	__u64 ud = 1;
	int fd, ret;

	fd = kops_fd();
	if (fd < 0 || kops_ring(&ring, 4, 0)) {
		snprintf(why, whylen, "setup failed");
		return 1;
	}
	for (;;) {
		__u32 v = aload(seq);

		while ((v & 1) != mine) {
			sqe = rxring_get_sqe(&ring);
			rxring_prep_futex_wait(sqe, seq, v, 10 * RX_NSEC, 0);
			rxring_sqe_set_data(sqe, ud);
			ret = rxring_submit(&ring);
			if (ret != 1) {
				snprintf(why, whylen, "submit: %d", ret);
				return 2;
			}
			ret = rxring_wait_completion_timeout(&ring, &c,
							     20 * RX_NSEC);
			if (ret || c.user_data != ud) {
				snprintf(why, whylen,
					 "WAIT %llu: %d, user_data %llu",
					 (unsigned long long)ud, ret,
					 (unsigned long long)c.user_data);
				return 3;
			}
			ud++;
			if (c.status == -ETIMEDOUT) {
				snprintf(why, whylen,
					 "lost wakeup: %s stuck at %u after %lu round trips (now %u)",
					 parent ? "parent" : "child", v, trips,
					 aload(seq));
				return 4;
			}
			if (c.status && c.status != -EAGAIN) {
				snprintf(why, whylen, "WAIT: %lld",
					 (long long)c.status);
				return 5;
			}
			v = aload(seq);
		}
		if (!parent && aload(&sh->stop))
			break;
		if (parent && (trips == iters ||
			       (secs && rx_now_ns() - t0 >= (long long)secs *
							   RX_NSEC))) {
			sh->trips = (__u32)trips;
			astore(&sh->stop, 1);
		}
		astore(seq, v + 1);
		if (ring_wake) {
			sqe = rxring_get_sqe(&ring);
			rxring_prep_futex_wake(sqe, seq, 1);
			rxring_sqe_set_data(sqe, ud);
			if (rxring_submit(&ring) != 1 ||
			    rxring_wait_completion_timeout(&ring, &c,
							   20 * RX_NSEC) ||
			    c.user_data != ud || c.status < 0 ||
			    c.status > 1) {
				snprintf(why, whylen, "ring WAKE failed");
				return 6;
			}
			ud++;
		} else {
			ret = s_wake(fd, seq, 1);
			if (ret < 0 || ret > 1) {
				snprintf(why, whylen, "WAKE ioctl: %d", ret);
				return 7;
			}
		}
		if (parent && aload(&sh->stop))
			break;
		trips += parent;
	}
	/* Nothing stray. */
	if (rxring_wait_completion_timeout(&ring, &c, 0) != -ETIME) {
		snprintf(why, whylen, "stray completion");
		return 8;
	}
	rxring_queue_exit(&ring);
	close(fd);
	return 0;
}

/*
 * RXRING_PINGPONG_ITERS round trips (default 1000000, the figure)
 * or RXRING_PINGPONG_SECS seconds (default 8, 3 under the debug kernel; 0:
 * no limit), whichever comes first: under TCG the time limit ends it.
 */
static void pingpong(struct __test_metadata *_metadata, bool ring_wake)
{
	struct pp_shared *sh = shared_page();
	unsigned long iters = env_num("RXRING_PINGPONG_ITERS", 1000000);
	unsigned long secs = env_num("RXRING_PINGPONG_SECS", rx_lane_n(8, 3));
	long long t0, dt;
	char why[256] = "";
	pid_t pid;
	int st, ret;

	ASSERT_NE(NULL, sh);
	t0 = rx_now_ns();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(pp_side(sh, false, iters, secs, ring_wake, sh->why,
			      sizeof(sh->why)));
	ret = pp_side(sh, true, iters, secs, ring_wake, why, sizeof(why));
	if (ret)
		kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	dt = rx_now_ns() - t0;
	EXPECT_EQ(0, ret) TH_LOG("parent: %s", why);
	ASSERT_TRUE(WIFEXITED(st)) TH_LOG("child status 0x%x", st);
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("child: %s", sh->why);
	/* Each round trip moved the counter twice, plus the final move. */
	EXPECT_EQ(2 * sh->trips + 1, aload(&sh->seq));
	EXPECT_LT(0U, sh->trips);
	TH_LOG("%u round trips (%s WAKE) in %lld ms: %.0f round trips/s",
	       sh->trips, ring_wake ? "ring" : "ioctl", dt / RX_MSEC,
	       sh->trips * 1e9 / (double)(dt ? dt : 1));
	munmap(sh, rx_page());
}

TEST_F_TIMEOUT(futex, pingpong_ring_wait_ioctl_wake, 600)
{
	pingpong(_metadata, false);
}

TEST_F_TIMEOUT(futex, pingpong_ring_wait_ring_wake, 600)
{
	pingpong(_metadata, true);
}

/* ---- CANCEL ----------------------------------------------------------------------------- */

TEST_F(futex, cancel_parked_wait)
{
	struct rxring_sqe s;
	__u64 w, w2, cn;

	w = q_wait(_metadata, self, &self->w[0], 0, NO_TIMEOUT, 0);
	SUBMIT(1);
	rxring_prep_cancel(&s, w);
	cn = q_raw(_metadata, self, &s);
	SUBMIT(1);
	/* The target completes first, then the CANCEL. */
	EXPECT_DONE(w, -ECANCELED);
	EXPECT_DONE(cn, 0);
	/* It is gone: a WAKE finds nobody, a second CANCEL nothing. */
	EXPECT_EQ(0, s_wake(self->fd, &self->w[0], INT_MAX));
	rxring_prep_cancel(&s, w);
	RUN1(q_raw(_metadata, self, &s), -ENOENT);

	/*
	 * A cancelled WAIT with a timeout does not time out later. (In one
	 * submission, so that the CANCEL surely comes first.)
	 */
	w2 = q_wait(_metadata, self, &self->w[0], 0, 50 * RX_MSEC, 0);
	rxring_prep_cancel(&s, w2);
	cn = q_raw(_metadata, self, &s);
	SUBMIT(2);
	EXPECT_DONE(w2, -ECANCELED);
	EXPECT_DONE(cn, 0);
	QUIET(120);
	BALANCED();
}

/* ---- teardown with parked waits ------------------------------------------------------------ */

static int park_waits(struct rxring *ring, __u32 *addr, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rxring_sqe *sqe = rxring_get_sqe(ring);

		if (!sqe)
			return -ENOSPC;
		/* Half of them with a (long) timeout: the timer is armed. */
		rxring_prep_futex_wait(sqe, addr, 0,
				       i % 2 ? 60 * RX_NSEC : NO_TIMEOUT, 0);
		rxring_sqe_set_data(sqe, i);
	}
	return rxring_submit(ring);
}

TEST_F_TIMEOUT(futex, close_ring_with_1000_parked_waits, 120)
{
	struct rxring r2;
	long long t0;

	ASSERT_EQ(0, kops_ring(&r2, 1024, 0));
	ASSERT_EQ(1000, park_waits(&r2, &self->w[0], 1000));
	ASSERT_EQ(0U, rxring_cq_ready(&r2));
	t0 = rx_now_ns();
	rxring_queue_exit(&r2);
	EXPECT_GT(10000, kops_ms_since(t0));
	/* Nobody is left to wake. */
	EXPECT_EQ(0, s_wake(self->fd, &self->w[0], INT_MAX));
	BALANCED();
}

TEST_F_TIMEOUT(futex, exit_with_1000_parked_waits, 120)
{
	int pipefd[2];
	char ch;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rxring r2;

		if (kops_ring(&r2, 1024, 0) ||
		    park_waits(&r2, &self->w[1], 1000) != 1000)
			_exit(1);
		if (write(pipefd[1], "p", 1) != 1)
			_exit(2);
		/* Exit with everything parked and mapped. */
		_exit(0);
	}
	ASSERT_EQ(1, read(pipefd[0], &ch, 1));
	wait_child_ok(_metadata, pid);
	EXPECT_EQ(0, s_wake(self->fd, &self->w[1], INT_MAX));
	close(pipefd[0]);
	close(pipefd[1]);
	BALANCED();
}

/* ---- signals ---------------------------------------------------------------------------------- */

TEST_F(futex, sync_wait_interrupted_by_signal)
{
	struct sync_waiter_arg a = { .addr = &self->w[0], .val = 0 };
	long long t0 = rx_now_ns();
	pthread_t t;

	ASSERT_EQ(0, rx_catch_signal(SIGUSR1));
	ASSERT_EQ(0, pthread_create(&t, NULL, sync_waiter_thread, &a));
	/* Keep signalling until it returns (it may not have parked yet). */
	while (!aload(&a.done) && kops_ms_since(t0) < KOPS_WATCHDOG_MS) {
		rx_sleep_ms(20);
		pthread_kill(t, SIGUSR1);
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-EINTR, a.result);
	BALANCED();
}

TEST_HARNESS_MAIN
