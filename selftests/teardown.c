// SPDX-License-Identifier: GPL-2.0
/*
 * teardown: instances going away, again and again, with operations in
 * flight: FUTEX waits (on a private word and on a word in the instance's
 * own SQ header page), WAITPIDs of a live child, TIMEOUTs (long and
 * short), a pipe read waiting for data, block reads on a slow null_blk
 * (when PROBE says READ is there and configfs null_blk exists), a cold
 * read of the same device through its page cache (waiting for its page)
 * and an FSYNC of it (in a worker), NOPs and
 * a racing CANCEL; with RXRING_FEAT_FIXED, a registered buffer (its pages
 * pinned FOLL_LONGTERM, on 6.1 too, where block I/O takes page references
 * rather than pins) and a block read into it. Every scenario repeats many
 * times:
 *  - close: close() and munmap() in either order, or the fd closed from
 *    another thread while an ENTER waits;
 *  - exit: a process exits with all of that in flight (sometimes while
 *    another of its threads waits in ENTER);
 *  - kill: SIGKILL while the process waits in ENTER;
 *  - exec: the process execs /bin/true (the ring fd kept across exec or
 *    not, sometimes with another thread in ENTER);
 *  - fork: parent and child both hold the instance and both exit, in
 *    random order, the child sometimes submitting first;
 *  - unix_socket: the fd goes over a unix socket (SCM_RIGHTS) and the
 *    sender exits; the receiver maps the rings and sees every operation
 *    complete exactly once (it wakes the header futex through its own
 *    mapping of the page, cancels what cannot end);
 *  - munmap: every region unmapped with the operations in flight; after
 *    mapping again, each one has completed exactly once.
 * After each scenario: the module's reference count is back where it was
 * (every instance released), VmLck of this process (ring memory is charged
 * to RLIMIT_MEMLOCK) is back to its start value, and the pins taken
 * (nr_foll_pin_acquired in /proc/vmstat) are all released. The harness
 * unloads the module at the end, and kmemleak looks for leaks under the
 * debug kernel.
 *
 * RXRING_TEARDOWN_ITERS sets the base count of iterations per scenario
 * (default 300, 25 under the debug kernel, RXRING_LANE=debug); each
 * scenario is also capped in time. The counts are printed.
 */
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "harness.h"
#include "rwutil.h"

#define BLK_DELAY_NS	5000000UL	/* each block request takes 5 ms */
#define NR_BLK		4
#define RING_SQ		32

static bool debug_lane(void)
{
	const char *v = getenv("RXRING_LANE");

	return v && !strcmp(v, "debug");
}

static unsigned int base_iters(void)
{
	const char *v = getenv("RXRING_TEARDOWN_ITERS");

	if (v && *v)
		return (unsigned int)strtoul(v, NULL, 0);
	return debug_lane() ? 25 : 300;
}

static long long cap_ns(void)
{
	return (debug_lane() ? 100LL : 25LL) * RX_NSEC;
}

static __u64 rs = 0x7ea4d0e5;

static unsigned int rnd(unsigned int n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return n ? (unsigned int)(rs % n) : 0;
}

static int module_refs(void)
{
	char buf[32];

	if (rw_read_str("/sys/module/rxring/refcnt", buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* A "Key:  value kB" line of /proc/self/status, or a /proc/vmstat value. */
static long long proc_value(const char *file, const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && (line[n] == ':' || line[n] == ' ')) {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * Pages pinned (FOLL_PIN) and not yet released, system-wide. The two
 * counters are per-CPU node statistics that /proc/vmstat shows only as far
 * as they were folded (every second, or at idle): reading
 * /proc/sys/vm/stat_refresh (root) folds them first, so the difference is
 * exact, not off by what some CPU still holds.
 */
static long long pins_out(void)
{
	char buf[8];
	long long a, r;
	int fd = open("/proc/sys/vm/stat_refresh", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf)) < 0)
			buf[0] = 0;
		close(fd);
	}
	a = proc_value("/proc/vmstat", "nr_foll_pin_acquired");
	r = proc_value("/proc/vmstat", "nr_foll_pin_released");
	return a < 0 || r < 0 ? 0 : a - r;
}

/*
 * The starting point of a case: the outstanding pins once they stop
 * moving (what the previous case or program had in flight may still be
 * on its way out), sampled every 20 ms until 10 samples in a row agree,
 * for at most 5 s; *settled says whether they did.
 */
static long long pins_settled(bool *settled)
{
	long long end = rx_now_ns() + 5 * RX_NSEC, v = pins_out(), w;
	int same = 0;

	*settled = false;
	while (rx_now_ns() < end) {
		rx_sleep_ms(20);
		w = pins_out();
		same = w == v ? same + 1 : 0;
		v = w;
		if (same >= 10) {
			*settled = true;
			break;
		}
	}
	return v;
}

/* What an iteration needs. */
struct res {
	struct rw_nullb nb;
	bool blk;		/* block reads possible */
	bool waitpid_ok;	/* PROBE has WAITPID */
	bool fixed;		/* PROBE has RXRING_FEAT_FIXED */
	int blkfd;
	int pagedfd;		/* the same device through its page cache */
	char *blkbuf;		/* NR_BLK * 4096, aligned */
	char pagedbuf[4096];
};

static struct res res;
static int word;	/* a private futex word, value 0 */
static char pipe_buf[8];	/* where the pipe read goes */
/* The registered buffer (4 pages, pinned by REGISTER_BUFFERS). */
static char reg_buf[4 * 4096] __attribute__((aligned(4096)));

/* The operations an armed ring holds; user_data = index. */
enum {
	UD_FUTEX_PRIV = 1, UD_FUTEX_HDR, UD_FUTEX_SHORT, UD_TIMEOUT_LONG,
	UD_TIMEOUT_SHORT, UD_WAITPID, UD_PIPE, UD_NOP, UD_CANCEL, UD_FIXED,
	UD_PAGED, UD_FSYNC, UD_BLK,
	UD_LAST = UD_BLK + NR_BLK,
};

struct armed {
	pid_t child;	/* for WAITPID, or 0 */
	int pipe[2];
	bool have[UD_LAST];
	unsigned int n;
};

static void push(struct rx *r, struct armed *a, __u64 ud, __u8 op,
		 __u32 sf, __u64 fd, __u64 addr, __u64 len, __u64 off,
		 __u64 a1)
{
	struct rxring_sqe s;

	memset(&s, 0, sizeof(s));
	s.opcode = op;
	s.syscall_flags = sf;
	s.fd = fd;
	s.addr = addr;
	s.len = len;
	s.offset = off;
	s.additional1 = a1;
	s.user_data = ud;
	rx_push(r, &s);
	a->have[ud] = true;
	a->n++;
}

/*
 * Put a mix of operations in flight on r (a ring of RING_SQ entries). The
 * child for WAITPID exits within 10 ms; the pipe read waits until the
 * write end (a->pipe[1]) is written or closed. Returns 0 or -errno.
 */
static int arm(struct rx *r, struct armed *a)
{
	__u32 sub = 0;
	int i, ret;

	memset(a, 0, sizeof(*a));
	a->pipe[0] = a->pipe[1] = -1;
	if (pipe(a->pipe))
		return -errno;
	push(r, a, UD_FUTEX_PRIV, RXRING_OP_FUTEX, 0, 0,
	     (__u64)(uintptr_t)&word, RXRING_FUTEX_WAIT, 0, 0);
	push(r, a, UD_FUTEX_HDR, RXRING_OP_FUTEX, 0, 0,
	     (__u64)(uintptr_t)&r->sqh->__pad0[0], RXRING_FUTEX_WAIT, 0, 0);
	push(r, a, UD_FUTEX_SHORT, RXRING_OP_FUTEX, 0, 0,
	     (__u64)(uintptr_t)&word, RXRING_FUTEX_WAIT, 0,
	     1 + rnd(3 * RX_MSEC));
	push(r, a, UD_TIMEOUT_LONG, RXRING_OP_TIMEOUT, 0, 0, 0, 0,
	     100 * RX_NSEC, 0);
	push(r, a, UD_TIMEOUT_SHORT, RXRING_OP_TIMEOUT, 0, 0, 0, 0,
	     rnd(2 * RX_MSEC), 0);
	if (res.waitpid_ok) {
		a->child = fork();
		if (a->child == 0) {
			rx_sleep_ms(rnd(10));
			_exit(7);
		}
		if (a->child > 0)
			push(r, a, UD_WAITPID, RXRING_OP_WAITPID, 0,
			     (__u64)(__s64)a->child, 0, 0, 0, 0);
	}
	push(r, a, UD_PIPE, RXRING_OP_READ, 0, (__u64)a->pipe[0],
	     (__u64)(uintptr_t)pipe_buf, 1, RXRING_POS_CURRENT, 0);
	push(r, a, UD_NOP, RXRING_OP_NOP, 0, 0, 0, 0, 0, 0);
	push(r, a, UD_CANCEL, RXRING_OP_CANCEL, 0, 0, UD_FUTEX_SHORT, 0, 0, 0);
	if (res.fixed) {
		struct iovec iov = { reg_buf, sizeof(reg_buf) };
		struct rxring_register reg;

		memset(&reg, 0, sizeof(reg));
		reg.addr = (__u64)(uintptr_t)&iov;
		reg.nr = 1;
		if (ioctl(r->fd, RXRING_IOC_REGISTER_BUFFERS, &reg))
			return -errno;
		if (res.blk)
			push(r, a, UD_FIXED, RXRING_OP_READ,
			     RXRING_RW_FIXED_BUF, (__u64)res.blkfd,
			     (__u64)(uintptr_t)(reg_buf + 4096 * rnd(4)),
			     4096, 4096 * (__u64)rnd(1024), 0);
	}
	if (res.pagedfd >= 0) {
		/* Cold: it waits for its page, then a worker reads on. */
		posix_fadvise(res.pagedfd, 0, 0, POSIX_FADV_DONTNEED);
		push(r, a, UD_PAGED, RXRING_OP_READ, 0, (__u64)res.pagedfd,
		     (__u64)(uintptr_t)res.pagedbuf, 4096,
		     4096 * (__u64)rnd(1024), 0);
		/* In a worker: the device's flush takes its 5 ms too. */
		push(r, a, UD_FSYNC, RXRING_OP_FSYNC, 0, (__u64)res.pagedfd,
		     0, 0, 0, 0);
	}
	for (i = 0; res.blk && i < NR_BLK; i++)
		push(r, a, UD_BLK + i, RXRING_OP_READ, 0, (__u64)res.blkfd,
		     (__u64)(uintptr_t)(res.blkbuf + 4096 * i), 4096,
		     4096 * (__u64)rnd(1024), 0);
	rx_publish(r);
	ret = rx_enter(r, a->n, 0, 0, 0, &sub);
	if (ret < 0)
		return ret;
	return sub == a->n ? 0 : -EPROTO;
}

static void disarm(struct armed *a)
{
	if (a->pipe[0] >= 0)
		close(a->pipe[0]);
	if (a->pipe[1] >= 0)
		close(a->pipe[1]);
	a->pipe[0] = a->pipe[1] = -1;
	if (a->child > 0)
		waitpid(a->child, NULL, 0);
	a->child = 0;
}

/* Reap every child (ours and orphans reparented to us). */
static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * A thread that waits in ENTER (for more than will come, up to 20 ms)
 * while its instance goes.
 */
static void *enter_waiter(void *arg)
{
	int fd = *(int *)arg;

	rx_enter_raw(fd, 0, 2 * RING_SQ, RXRING_ENTER_TIMEOUT,
		     rnd(20) * RX_MSEC, NULL);
	return NULL;
}

/* Wait for pid, killing it after 20 s; true if it exited normally. */
static bool wait_child(pid_t pid, int *status)
{
	long long end = rx_now_ns() + 20 * RX_NSEC;
	pid_t got;

	while ((got = waitpid(pid, status, WNOHANG)) == 0) {
		if (rx_now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return false;
		}
		rx_sleep_ms(1);
	}
	return got == pid;
}

FIXTURE(td) {
	int refs;
	long long vmlck, pins, pinned0, t0;
	unsigned int iters;
	long long deadline;
};

FIXTURE_SETUP(td)
{
	struct rxring_probe p;
	bool settled;
	char name[32];
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rx_raise_memlock();
	signal(SIGPIPE, SIG_IGN);
	rs ^= (__u64)rx_now_ns();
	/* Orphans (the fork scenario) come to us to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	fd = rx_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rx_probe(fd, &p));
	close(fd);
	ASSERT_TRUE(rx_probe_supported(&p, RXRING_OP_FUTEX));
	ASSERT_TRUE(rx_probe_supported(&p, RXRING_OP_TIMEOUT));
	memset(&res, 0, sizeof(res));
	res.blkfd = -1;
	res.pagedfd = -1;
	res.waitpid_ok = rx_probe_supported(&p, RXRING_OP_WAITPID);
	res.fixed = p.features & RXRING_FEAT_FIXED;
	if (rx_probe_supported(&p, RXRING_OP_READ)) {
		snprintf(name, sizeof(name), "rxtd%d", getpid());
		if (!rw_nullb_create(&res.nb, name, 16, 512, 2, BLK_DELAY_NS,
				     false, NULL)) {
			res.blkfd = open(res.nb.dev, O_RDWR | O_DIRECT);
			res.pagedfd = open(res.nb.dev, O_RDWR);
			res.blkbuf = rw_alloc(NR_BLK * 4096);
			res.blk = res.blkfd >= 0 && res.blkbuf;
		}
	}
	self->t0 = rx_now_ns();
	self->iters = base_iters();
	self->deadline = rx_now_ns() + cap_ns();
	self->refs = module_refs();
	self->vmlck = proc_value("/proc/self/status", "VmLck");
	self->pins = pins_settled(&settled);
	self->pinned0 = proc_value("/proc/vmstat", "nr_foll_pin_acquired");
	if (!settled)
		ksft_print_msg("teardown: outstanding pins did not settle in 5 s; starting from %lld\n",
			       self->pins);
	ASSERT_LE(0, self->refs);
}

FIXTURE_TEARDOWN(td)
{
	reap_all();
	if (res.blkfd >= 0)
		close(res.blkfd);
	if (res.pagedfd >= 0)
		close(res.pagedfd);
	free(res.blkbuf);
	rw_nullb_destroy(&res.nb);
}

/* Everything back where it was once the dust settles. */
static void check_back(struct __test_metadata *_metadata,
		       FIXTURE_DATA(td) *self, const char *what,
		       unsigned int done)
{
	long long vmlck = -1, pins = 0, end = rx_now_ns() + 10 * RX_NSEC;
	int refs = -1;

	/* Give what is still on its way out up to 10 s. */
	for (;;) {
		reap_all();
		refs = module_refs();
		vmlck = proc_value("/proc/self/status", "VmLck");
		pins = pins_out();
		if ((refs == self->refs && vmlck == self->vmlck &&
		     pins == self->pins) || rx_now_ns() > end)
			break;
		rx_sleep_ms(10);
	}
	ksft_print_msg("teardown %s: %u iterations%s in %.1f s; module refs %d -> %d, VmLck %lld -> %lld kB, pins outstanding %lld -> %lld (%lld pinned meanwhile)\n",
		       what, done, rx_now_ns() > self->deadline ?
		       " (time cap)" : "", (rx_now_ns() - self->t0) / 1e9,
		       self->refs, refs, self->vmlck, vmlck, self->pins, pins,
		       proc_value("/proc/vmstat", "nr_foll_pin_acquired") -
		       self->pinned0);
	/* Added up over the kernels by scripts/check.sh. */
	ksft_print_msg("tally: teardown_iters %u\n", done);
	EXPECT_EQ(self->refs, refs);
	EXPECT_EQ(self->vmlck, vmlck);
	EXPECT_EQ(self->pins, pins);
}

static bool more(FIXTURE_DATA(td) *self, unsigned int i, unsigned int n)
{
	return i < n && (i < 3 || rx_now_ns() < self->deadline);
}

TEST_F_TIMEOUT(td, close, 300)
{
	unsigned int n = self->iters * 2, i;

	for (i = 0; more(self, i, n); i++) {
		struct armed a;
		struct rx r;
		pthread_t th;
		bool thread = false;
		int fd;

		ASSERT_EQ(0, rx_setup(&r, RING_SQ, 0, 0));
		ASSERT_EQ(0, arm(&r, &a)) TH_LOG("iteration %u", i);
		switch (rnd(3)) {
		case 0:
			rx_teardown(&r);
			break;
		case 1:
			rx_unmap(&r);
			close(r.fd);
			break;
		default:
			/* The fd closed while another thread waits in it. */
			fd = r.fd;
			thread = !pthread_create(&th, NULL, enter_waiter, &fd);
			rx_sleep_ms(rnd(2));
			rx_teardown(&r);
			break;
		}
		if (thread)
			pthread_join(th, NULL);
		disarm(&a);
	}
	check_back(_metadata, self, "close", i);
}

/* A process with a ring and operations in flight; how it goes. */
enum how { GO_EXIT, GO_KILL, GO_EXEC };

static void child_ring(enum how how, int ready_fd)
{
	struct armed a;
	struct rx r;
	pthread_t th;
	int fd;

	rs ^= (__u64)getpid() * 0x9e3779b97f4a7c15ULL;
	if (rx_setup(&r, RING_SQ, 0, 0) || arm(&r, &a))
		_exit(1);
	fd = r.fd;
	if (rnd(3) == 0)
		pthread_create(&th, NULL, enter_waiter, &fd);
	switch (how) {
	case GO_EXIT:
		if (rnd(2))
			rx_sleep_ms(rnd(3));
		_exit(0);
	case GO_KILL:
		if (write(ready_fd, "r", 1) != 1)
			_exit(2);
		rx_enter(&r, 0, r.cq_entries, 0, 0, NULL);
		pause();
		_exit(3);
	case GO_EXEC:
		/* The ring fd kept across exec, or closed by it. */
		if (rnd(2))
			fcntl(fd, F_SETFD, 0);
		execl("/bin/true", "true", (char *)NULL);
		_exit(0);
	}
}

static void process_goes(struct __test_metadata *_metadata,
			 FIXTURE_DATA(td) *self, enum how how,
			 const char *what, unsigned int n)
{
	unsigned int i, bad = 0;

	for (i = 0; more(self, i, n); i++) {
		int ready[2], st = 0;
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(ready[0]);
			child_ring(how, ready[1]);
			_exit(4);
		}
		close(ready[1]);
		if (how == GO_KILL) {
			if (read(ready[0], &c, 1) == 1) {
				rx_sleep_ms(rnd(2));
				kill(pid, SIGKILL);
			}
		}
		close(ready[0]);
		ASSERT_TRUE(wait_child(pid, &st)) TH_LOG("%s %u: hung", what, i);
		if (how == GO_KILL ? !WIFSIGNALED(st) :
		    !WIFEXITED(st) || WEXITSTATUS(st)) {
			if (bad++ < 5)
				TH_LOG("%s %u: status 0x%x", what, i, st);
		}
		reap_all();
	}
	EXPECT_EQ(0U, bad);
	check_back(_metadata, self, what, i);
}

TEST_F_TIMEOUT(td, exit, 300)
{
	process_goes(_metadata, self, GO_EXIT, "exit", self->iters);
}

TEST_F_TIMEOUT(td, kill, 300)
{
	process_goes(_metadata, self, GO_KILL, "kill", self->iters);
}

TEST_F_TIMEOUT(td, exec, 300)
{
	process_goes(_metadata, self, GO_EXEC, "exec", self->iters / 2 + 1);
}

TEST_F_TIMEOUT(td, fork, 300)
{
	unsigned int n = self->iters, i, bad = 0;

	for (i = 0; more(self, i, n); i++) {
		int st = 0;
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			struct armed a;
			struct rx r;
			pid_t kid;
			unsigned int order;

			rs ^= (__u64)getpid() * 0x9e3779b97f4a7c15ULL;
			order = rnd(3);
			if (rx_setup(&r, RING_SQ, 0, 0) || arm(&r, &a))
				_exit(1);
			kid = fork();
			if (kid < 0)
				_exit(2);
			if (!kid) {
				/* The child: maybe submits, then exits. */
				if (order == 0) {
					rx_push_nop(&r, 100);
					rx_publish(&r);
					rx_enter(&r, 1, 0, 0, 0, NULL);
				}
				if (order == 1)
					rx_sleep_ms(rnd(3));
				_exit(0);
			}
			if (order == 2)
				rx_sleep_ms(rnd(3));
			_exit(0);
		}
		if (!wait_child(pid, &st) || !WIFEXITED(st) || WEXITSTATUS(st)) {
			if (bad++ < 5)
				TH_LOG("fork %u: status 0x%x", i, st);
		}
		reap_all();
	}
	EXPECT_EQ(0U, bad);
	check_back(_metadata, self, "fork", i);
}

/* Send fd (and the CREATE record) over a unix socket. */
static int send_fd(int sock, int fd, const struct rxring_create *cr)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)cr, sizeof(*cr) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == sizeof(*cr) ? 0 : -1;
}

static int recv_fd(int sock, struct rxring_create *cr)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { cr, sizeof(*cr) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, 0) != sizeof(*cr))
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * Reap until every operation in a->have completed once: wake the header
 * futex through our own mapping and cancel what cannot end by itself.
 * Returns 0, or -1 with the reason in rx_why.
 */
static int settle(struct rx *r, struct armed *a, bool wake_hdr)
{
	long long end = rx_now_ns() + 20 * RX_NSEC, quiet = rx_now_ns();
	unsigned int seen[UD_LAST + 1] = { 0 }, left = a->n, i;
	bool cancelled = false;
	struct rx_cqe c;

	while (left) {
		int ret = rx_reap(r, &c);

		if (ret < 0) {
			snprintf(rx_why, sizeof(rx_why), "torn pair");
			return -1;
		}
		if (ret == 1 && c.user_data >= 1000)
			continue;	/* one of our CANCELs */
		if (ret == 1) {
			if (c.user_data >= UD_LAST || !a->have[c.user_data] ||
			    seen[c.user_data]++) {
				snprintf(rx_why, sizeof(rx_why),
					 "unexpected completion %llu",
					 (unsigned long long)c.user_data);
				return -1;
			}
			left--;
			quiet = rx_now_ns();
			continue;
		}
		if (rx_now_ns() > end) {
			snprintf(rx_why, sizeof(rx_why),
				 "%u operations never completed", left);
			return -1;
		}
		/* Nothing came for 50 ms: end what cannot end by itself. */
		if (!cancelled && rx_now_ns() - quiet > 50 * RX_MSEC) {
			struct rxring_futex fx;

			cancelled = true;
			if (wake_hdr) {
				memset(&fx, 0, sizeof(fx));
				fx.op = RXRING_FUTEX_WAKE;
				fx.addr = (__u64)(uintptr_t)&r->sqh->__pad0[0];
				fx.val = 1;
				ioctl(r->fd, RXRING_IOC_FUTEX, &fx);
			}
			for (i = 0; i < UD_LAST; i++) {
				if (!a->have[i] || seen[i] || i == UD_CANCEL)
					continue;
				rx_sqe_fill(rx_next_sqe(r), RXRING_OP_CANCEL,
					    0, 0, 0, 1000 + i);
				rx_next_sqe(r)->addr = i;
				r->sq_tail++;
				rx_publish(r);
				if (rx_enter(r, 1, 0, 0, 0, NULL) < 0)
					break;
			}
		}
		rx_enter(r, 0, 1, RXRING_ENTER_TIMEOUT, 5 * RX_MSEC, NULL);
	}
	return 0;
}

TEST_F_TIMEOUT(td, unix_socket, 300)
{
	unsigned int n = self->iters / 2 + 1, i;

	for (i = 0; more(self, i, n); i++) {
		int sv[2], st = 0, fd;
		struct armed a;
		struct rx r;
		pid_t pid;

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(sv[0]);
			rs ^= (__u64)getpid() * 0x9e3779b97f4a7c15ULL;
			if (rx_setup(&r, RING_SQ, 0, 0) || arm(&r, &a))
				_exit(1);
			/* Which operations went in, for the receiver. */
			if (send_fd(sv[1], r.fd, &r.cr) ||
			    write(sv[1], &a, sizeof(a)) != sizeof(a))
				_exit(2);
			_exit(0);
		}
		close(sv[1]);
		memset(&r, 0, sizeof(r));
		fd = recv_fd(sv[0], &r.cr);
		ASSERT_LE(0, fd);
		ASSERT_EQ((ssize_t)sizeof(a), read(sv[0], &a, sizeof(a)));
		close(sv[0]);
		ASSERT_TRUE(wait_child(pid, &st));
		ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
		/* The sender and its pipe ends are gone; its child too. */
		a.pipe[0] = a.pipe[1] = -1;
		a.child = 0;
		reap_all();
		r.fd = fd;
		ASSERT_EQ(0, rx_map(&r));
		ASSERT_EQ(0, settle(&r, &a, true)) TH_LOG("%u: %s", i, rx_why);
		rx_teardown(&r);
	}
	check_back(_metadata, self, "unix_socket", i);
}

TEST_F_TIMEOUT(td, munmap, 300)
{
	unsigned int n = self->iters, i;

	for (i = 0; more(self, i, n); i++) {
		struct armed a;
		struct rx r;

		ASSERT_EQ(0, rx_setup(&r, RING_SQ, 0, 0));
		ASSERT_EQ(0, arm(&r, &a));
		rx_unmap(&r);
		/* Completions arrive while nothing is mapped. */
		if (write(a.pipe[1], "x", 1) != 1)
			break;
		rx_sleep_ms(rnd(12));
		ASSERT_EQ(0, rx_map(&r));
		/* The header futex is a new mapping of the same page. */
		ASSERT_EQ(0, settle(&r, &a, true)) TH_LOG("%u: %s", i, rx_why);
		rx_teardown(&r);
		disarm(&a);
	}
	check_back(_metadata, self, "munmap", i);
}

TEST_HARNESS_MAIN
