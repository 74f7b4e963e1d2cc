// SPDX-License-Identifier: GPL-2.0
/*
 * waitpid: RXRING_OP_WAITPID.
 *  - the raw kernel completion: an extended pair, status = pid, extra =
 *    the wait status, RXRING_CQE_ZOMBIE set, and the child still a zombie
 *    (waitid WNOWAIT sees it) until the caller reaps it;
 *  - through librxring: the exit code (WIFEXITED / WEXITSTATUS), death by
 *    a signal (WIFSIGNALED / WTERMSIG) both for a child that exits while
 *    the WAITPID is parked and for one that exited before the SQE was
 *    submitted; the child is reaped when the library returns the
 *    completion (waitpid afterwards: ECHILD, kill(pid, 0): ESRCH);
 *  - WNOHANG with a running child -> status 0 (a plain CQE);
 *  - -ECHILD for a pid that is not a child (init, ourselves, our parent)
 *    and for -1, 0 and -pgrp with no children;
 *  - 100 children reaped through the ring with pid -1, parked before they
 *    exit, and one WAITPID at a time after they all exited;
 *  - two WAITPID(-1) in one submission with two children already exited
 *    report two different children;
 *  - the process-group forms 0 and -pgid pick only their group's children;
 *  - two WAITPIDs for two specific pids complete in exit order, each with
 *    its own child; a stopped child completes nothing;
 *  - CANCEL of a parked WAITPID -> -ECANCELED, the child left to waitpid();
 *  - a WAITPID parked by a thread that has exited since still completes;
 *  - a child whose main thread exits before its other threads is reported
 *    once the whole process has exited, with its final status;
 *  - a process exiting with a WAITPID parked does not hang;
 *  - -EINVAL for every field WAITPID does not use, for unknown flags and
 *    for pids out of the int range.
 * Every accepted SQE completes exactly once: user_data bookkeeping.
 */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "harness.h"
#include "kops.h"

FIXTURE(wp) {
	struct rxring ring;
	struct kops_book b;
	__u64 ud;
};

FIXTURE_SETUP(wp)
{
	int ret;

	ret = kops_ring(&self->ring, 128, 0);
	ASSERT_EQ(0, ret) TH_LOG("ring: %s", strerror(-ret));
	ASSERT_EQ(0, kops_book_init(&self->b, 1, 10000));
	self->ud = 1;
}

FIXTURE_TEARDOWN(wp)
{
	rxring_queue_exit(&self->ring);
	kops_book_free(&self->b);
	/* Leave no child behind. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

#define BALANCED() do {							\
	ASSERT_EQ(0, kops_book_balanced(&self->b)) TH_LOG("%s", kops_why); \
	ASSERT_EQ(0, kops_quiet(&self->ring, 20)) TH_LOG("%s", kops_why); \
} while (0)

#define QUIET(ms) ASSERT_EQ(0, kops_quiet(&self->ring, (ms)))		\
		TH_LOG("%s", kops_why)

/* Queue a WAITPID; its user_data. */
static __u64 q_waitpid(FIXTURE_DATA(wp) *self, pid_t pid, unsigned int flags)
{
	__u64 ud = self->ud++;
	struct rxring_sqe *sqe = kops_sqe(&self->ring, &self->b, ud);

	if (!sqe)
		return 0;
	rxring_prep_waitpid(sqe, pid, flags);
	rxring_sqe_set_data(sqe, ud);
	return ud;
}

static __u64 q_raw(FIXTURE_DATA(wp) *self, const struct rxring_sqe *src)
{
	__u64 ud = self->ud++;
	struct rxring_sqe *sqe = kops_sqe(&self->ring, &self->b, ud);

	if (!sqe)
		return 0;
	*sqe = *src;
	sqe->user_data = ud;
	return ud;
}

#define SUBMIT(n) ASSERT_EQ((int)(n), kops_submit(&self->ring))

/* Reap one completion into c_, which must be for ud. */
#define REAP_FOR(ud_, c_) do {						\
	ASSERT_EQ(0, kops_reap(&self->ring, &self->b, &(c_),		\
			       KOPS_WATCHDOG_MS)) TH_LOG("%s", kops_why); \
	ASSERT_EQ((__u64)(ud_), (c_).user_data);			\
} while (0)

/* Queue, submit and complete one SQE with status st. */
#define RUN1(ud_expr, st_) do {						\
	struct rxring_completion c1_;					\
	__u64 u1_ = (ud_expr);						\
	SUBMIT(1);							\
	REAP_FOR(u1_, c1_);						\
	ASSERT_EQ((__s64)(st_), c1_.status);				\
} while (0)

/* ---- children -------------------------------------------------------- */

/*
 * A child that exits with code once a byte arrives on its pipe; *wfd is
 * the write end. It dies with the test process (PDEATHSIG).
 */
static pid_t spawn_blocked(int code, int *wfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		char ch;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[1]);
		while (read(p[0], &ch, 1) < 0 && errno == EINTR)
			;
		_exit(code);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	*wfd = p[1];
	return pid;
}

static void release(int wfd)
{
	if (write(wfd, "x", 1) != 1)
		perror("release");
	close(wfd);
}

/* A child that exits with code at once; returns when it is a zombie. */
static pid_t spawn_zombie(int code)
{
	siginfo_t si;
	pid_t pid = fork();

	if (!pid)
		_exit(code);
	if (pid > 0 && waitid(P_PID, pid, &si, WEXITED | WNOWAIT))
		return -1;
	return pid;
}

/* A child killed by sig before it runs anything; a zombie on return. */
static pid_t spawn_killed(int sig)
{
	siginfo_t si;
	pid_t pid = fork();

	if (!pid) {
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);	/* no core dump bit */
		signal(sig, SIG_DFL);
		raise(sig);
		_exit(99);
	}
	if (pid > 0 && waitid(P_PID, pid, &si, WEXITED | WNOWAIT))
		return -1;
	return pid;
}

/* The child is still a zombie (not reaped). */
static bool is_zombie(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return !waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       si.si_pid == pid;
}

/* The child has been reaped: no longer ours, no longer there. */
static bool is_gone(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD &&
	       kill(pid, 0) < 0 && errno == ESRCH;
}

/* Check a library completion of WAITPID for pid with wait status ws. */
#define EXPECT_REAPED(c_, pid_) do {					\
	EXPECT_EQ((__s64)(pid_), (c_).status);				\
	EXPECT_EQ((__u64)(RXRING_CQE_EXTENDED | RXRING_CQE_ZOMBIE),	\
		  (c_).flags);						\
	EXPECT_TRUE(is_gone(pid_)) TH_LOG("pid %d was not reaped",	\
					  (int)(pid_));			\
} while (0)

/* ---- the raw kernel completion ----------------------------------------- */

/*
 * Through the raw rings (common.h, no library): what the kernel itself
 * posts, and that it leaves the child a zombie.
 */
static void raw_check(struct __test_metadata *_metadata, bool park)
{
	struct rxring_sqe sqe;
	struct rx r;
	struct rx_cqe c;
	int wfd = -1, st;
	pid_t pid;

	ASSERT_EQ(0, rx_setup(&r, 8, 0, 0));
	pid = park ? spawn_blocked(42, &wfd) : spawn_zombie(42);
	ASSERT_LT(0, pid);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RXRING_OP_WAITPID;
	sqe.fd = (__u64)(__s64)pid;
	sqe.user_data = 0xabcdef;
	rx_push(&r, &sqe);
	rx_publish(&r);
	ASSERT_EQ(park ? 0 : 2, rx_enter(&r, 1, 0, 0, 0, NULL));
	if (park) {
		rx_sleep_ms(30);
		ASSERT_EQ(0ULL, rx_cq_ready(&r));
		release(wfd);
	}
	ASSERT_EQ(2, rx_enter(&r, 0, 2, RXRING_ENTER_TIMEOUT,
			      KOPS_WATCHDOG_MS * RX_MSEC, NULL));
	ASSERT_EQ(1, rx_reap(&r, &c));
	EXPECT_EQ(0xabcdefULL, c.user_data);
	EXPECT_EQ(2U, c.slots);
	EXPECT_EQ((__u64)(RXRING_CQE_EXTENDED | RXRING_CQE_ZOMBIE), c.flags);
	EXPECT_EQ((__s64)pid, c.status);
	/* Left a zombie for the caller. */
	EXPECT_TRUE(is_zombie(pid));
	ASSERT_EQ(pid, waitpid(pid, &st, WNOHANG));
	EXPECT_EQ((__u64)(unsigned int)st, c.extra);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(42, WEXITSTATUS(st));
	EXPECT_EQ(0ULL, rx_cq_ready(&r));
	rx_teardown(&r);
}

TEST(raw_completion_child_left_zombie_parked)
{
	raw_check(_metadata, true);
}

TEST(raw_completion_child_left_zombie_exited_first)
{
	raw_check(_metadata, false);
}

/* ---- through the library -------------------------------------------------- */

TEST_F(wp, exit_code_parked)
{
	struct rxring_completion c;
	int wfd;
	pid_t pid = spawn_blocked(42, &wfd);
	__u64 ud;

	ASSERT_LT(0, pid);
	ud = q_waitpid(self, pid, 0);
	SUBMIT(1);
	QUIET(30);
	release(wfd);
	REAP_FOR(ud, c);
	EXPECT_REAPED(c, pid);
	EXPECT_TRUE(WIFEXITED((int)c.extra));
	EXPECT_EQ(42, WEXITSTATUS((int)c.extra));
	BALANCED();
}

TEST_F(wp, child_exits_before_submission)
{
	struct rxring_completion c;
	pid_t pid = spawn_zombie(7);
	__u64 ud;

	ASSERT_LT(0, pid);
	ud = q_waitpid(self, pid, 0);
	SUBMIT(1);
	REAP_FOR(ud, c);
	EXPECT_REAPED(c, pid);
	EXPECT_TRUE(WIFEXITED((int)c.extra));
	EXPECT_EQ(7, WEXITSTATUS((int)c.extra));
	/* WNOHANG finds an exited child too. */
	pid = spawn_zombie(255);
	ASSERT_LT(0, pid);
	ud = q_waitpid(self, pid, RXRING_WAITPID_WNOHANG);
	SUBMIT(1);
	REAP_FOR(ud, c);
	EXPECT_REAPED(c, pid);
	EXPECT_EQ(255, WEXITSTATUS((int)c.extra));
	BALANCED();
}

TEST_F(wp, signal_death_parked)
{
	struct rxring_completion c;
	int wfd;
	pid_t pid = spawn_blocked(0, &wfd);
	__u64 ud;

	ASSERT_LT(0, pid);
	ud = q_waitpid(self, pid, 0);
	SUBMIT(1);
	QUIET(30);
	ASSERT_EQ(0, kill(pid, SIGTERM));
	REAP_FOR(ud, c);
	EXPECT_REAPED(c, pid);
	EXPECT_TRUE(WIFSIGNALED((int)c.extra)) TH_LOG("status 0x%llx",
						 (unsigned long long)c.extra);
	EXPECT_EQ(SIGTERM, WTERMSIG((int)c.extra));
	close(wfd);
	BALANCED();
}

TEST_F(wp, signal_death_before_submission)
{
	static const int sigs[] = { SIGKILL, SIGTERM, SIGABRT, SIGUSR1 };
	struct rxring_completion c;
	unsigned int i;
	pid_t pid;
	__u64 ud;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		pid = spawn_killed(sigs[i]);
		ASSERT_LT(0, pid);
		ud = q_waitpid(self, pid, 0);
		SUBMIT(1);
		REAP_FOR(ud, c);
		EXPECT_REAPED(c, pid);
		EXPECT_TRUE(WIFSIGNALED((int)c.extra))
			TH_LOG("signal %d: status 0x%llx", sigs[i],
			       (unsigned long long)c.extra);
		EXPECT_EQ(sigs[i], WTERMSIG((int)c.extra));
		EXPECT_FALSE(WCOREDUMP((int)c.extra));
	}
	BALANCED();
}

TEST_F(wp, wnohang_running_child)
{
	struct rxring_completion c;
	int wfd;
	pid_t pid = spawn_blocked(3, &wfd);
	__u64 ud;

	ASSERT_LT(0, pid);
	ud = q_waitpid(self, pid, RXRING_WAITPID_WNOHANG);
	SUBMIT(1);
	REAP_FOR(ud, c);
	EXPECT_EQ(0, c.status);
	EXPECT_EQ(0ULL, c.flags);
	EXPECT_EQ(0ULL, c.extra);
	RUN1(q_waitpid(self, -1, RXRING_WAITPID_WNOHANG), 0);
	RUN1(q_waitpid(self, 0, RXRING_WAITPID_WNOHANG), 0);
	EXPECT_FALSE(is_gone(pid));
	/* Now for real. */
	ud = q_waitpid(self, pid, 0);
	SUBMIT(1);
	QUIET(30);
	release(wfd);
	REAP_FOR(ud, c);
	EXPECT_REAPED(c, pid);
	EXPECT_EQ(3, WEXITSTATUS((int)c.extra));
	BALANCED();
}

TEST_F(wp, echild)
{
	unsigned int f;
	int wfd;
	pid_t pid;

	for (f = 0; f <= RXRING_WAITPID_WNOHANG; f++) {
		/* No children at all. */
		RUN1(q_waitpid(self, -1, f), -ECHILD);
		RUN1(q_waitpid(self, 0, f), -ECHILD);
		RUN1(q_waitpid(self, -getpgrp(), f), -ECHILD);
		RUN1(q_waitpid(self, 1, f), -ECHILD);
		RUN1(q_waitpid(self, getpid(), f), -ECHILD);
		RUN1(q_waitpid(self, getppid(), f), -ECHILD);
		RUN1(q_waitpid(self, INT_MAX, f), -ECHILD);
		RUN1(q_waitpid(self, -INT_MAX, f), -ECHILD);
	}
	/* With a child: other pids are still not ours. */
	pid = spawn_blocked(0, &wfd);
	ASSERT_LT(0, pid);
	RUN1(q_waitpid(self, 1, 0), -ECHILD);
	RUN1(q_waitpid(self, getppid(), 0), -ECHILD);
	RUN1(q_waitpid(self, getpid(), 0), -ECHILD);
	release(wfd);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	/* Reaped by hand: gone for the ring too. */
	RUN1(q_waitpid(self, pid, 0), -ECHILD);
	RUN1(q_waitpid(self, -1, 0), -ECHILD);
	BALANCED();
}

TEST_F(wp, invalid_fields_einval)
{
	struct rxring_sqe s;
	unsigned int i;
	static const __s64 bad_pids[] = {
		(__s64)INT_MAX + 1, (__s64)INT_MIN, (__s64)INT_MIN - 1,
		INT64_MAX, INT64_MIN,
	};

	for (i = 0; i < 6; i++) {
		rxring_prep_waitpid(&s, -1, 0);
		switch (i) {
		case 0: s.len = 1; break;
		case 1: s.addr = 8; break;
		case 2: s.offset = 1; break;
		case 3: s.additional1 = 1; break;
		case 4: s.additional2 = 1; break;
		case 5: s.syscall_flags = 0x2; break;
		}
		RUN1(q_raw(self, &s), -EINVAL);
	}
	for (i = 0; i < sizeof(bad_pids) / sizeof(bad_pids[0]); i++) {
		rxring_prep_waitpid(&s, 0, 0);
		s.fd = (__u64)bad_pids[i];
		RUN1(q_raw(self, &s), -EINVAL);
	}
	BALANCED();
}

/* ---- many children ---------------------------------------------------------- */

#define NKIDS 100

/* Check n reaped completions against the children kids[], codes i. */
static void check_kids(struct __test_metadata *_metadata,
		       const struct kops_book *b, __u64 first, unsigned int n,
		       const pid_t *kids)
{
	unsigned char seen[NKIDS] = { 0 };
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		__s64 st = b->status[first + i - b->base];
		int ws = (int)b->extra[first + i - b->base];

		for (k = 0; k < NKIDS && kids[k] != st; k++)
			;
		ASSERT_GT((unsigned int)NKIDS, k) TH_LOG("completion %u: status %lld is no child of ours",
					   i, (long long)st);
		EXPECT_EQ(0, seen[k]) TH_LOG("child %d reported twice",
					     (int)st);
		seen[k] = 1;
		EXPECT_TRUE(WIFEXITED(ws));
		EXPECT_EQ((int)k, WEXITSTATUS(ws));
		EXPECT_EQ((__u64)(RXRING_CQE_EXTENDED | RXRING_CQE_ZOMBIE),
			  b->flags[first + i - b->base]);
	}
}

TEST_F_TIMEOUT(wp, hundred_children_any_parked, 120)
{
	pid_t kids[NKIDS];
	int p[2], i;
	__u64 first = self->ud;

	ASSERT_EQ(0, pipe(p));
	for (i = 0; i < NKIDS; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (!kids[i]) {
			char ch;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			while (read(p[0], &ch, 1) < 0 && errno == EINTR)
				;
			_exit(i);
		}
	}
	for (i = 0; i < NKIDS; i++)
		ASSERT_NE(0ULL, q_waitpid(self, -1, 0));
	SUBMIT(NKIDS);
	QUIET(30);
	/* Let them go, one byte each. */
	for (i = 0; i < NKIDS; i++)
		ASSERT_EQ(1, write(p[1], "x", 1));
	ASSERT_EQ(0, kops_reap_n(&self->ring, &self->b, NKIDS))
		TH_LOG("%s", kops_why);
	check_kids(_metadata, &self->b, first, NKIDS, kids);
	/* Every one was reaped. */
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	RUN1(q_waitpid(self, -1, 0), -ECHILD);
	close(p[0]);
	close(p[1]);
	BALANCED();
}

TEST_F_TIMEOUT(wp, hundred_exited_children_one_at_a_time, 120)
{
	struct rxring_completion c;
	pid_t kids[NKIDS];
	int i;
	__u64 first = self->ud, ud;

	for (i = 0; i < NKIDS; i++) {
		kids[i] = spawn_zombie(i);
		ASSERT_LT(0, kids[i]);
	}
	for (i = 0; i < NKIDS; i++) {
		ud = q_waitpid(self, -1, 0);
		SUBMIT(1);
		REAP_FOR(ud, c);
	}
	check_kids(_metadata, &self->b, first, NKIDS, kids);
	RUN1(q_waitpid(self, -1, 0), -ECHILD);
	BALANCED();
}

/*
 * Two exited children, two WAITPID(-1) in one submission: like two
 * waitpid(-1) calls, they must report two different children.
 */
TEST_F(wp, two_exited_children_two_waitpids_in_one_submission)
{
	struct rxring_completion c1, c2;
	pid_t a = spawn_zombie(1), b = spawn_zombie(2);
	__u64 u1, u2;

	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	u1 = q_waitpid(self, -1, 0);
	u2 = q_waitpid(self, -1, 0);
	SUBMIT(2);
	REAP_FOR(u1, c1);
	REAP_FOR(u2, c2);
	EXPECT_NE(c1.status, c2.status) TH_LOG("both reported child %lld",
					       (long long)c1.status);
	EXPECT_TRUE(c1.status == a || c1.status == b);
	EXPECT_TRUE(c2.status == a || c2.status == b);
	EXPECT_TRUE(is_gone(a));
	EXPECT_TRUE(is_gone(b));
	BALANCED();
}

/* ---- process groups ----------------------------------------------------------- */

/* A blocked child moved into a process group of its own. */
static pid_t spawn_blocked_own_pgrp(int code, int *wfd)
{
	pid_t pid = spawn_blocked(code, wfd);

	if (pid > 0 && setpgid(pid, pid))
		return -1;
	return pid;
}

TEST_F(wp, process_group_forms)
{
	struct rxring_completion c;
	int wa, wb;
	pid_t a, b;
	__u64 u0, ug;

	/* Parked: a in our group, b in its own. */
	a = spawn_blocked(10, &wa);
	b = spawn_blocked_own_pgrp(11, &wb);
	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	ASSERT_EQ(getpgrp(), getpgid(a));
	ASSERT_EQ(b, getpgid(b));
	u0 = q_waitpid(self, 0, 0);
	ug = q_waitpid(self, -b, 0);
	SUBMIT(2);
	QUIET(30);
	/* b exits first: only the -pgid form matches it. */
	release(wb);
	REAP_FOR(ug, c);
	EXPECT_REAPED(c, b);
	EXPECT_EQ(11, WEXITSTATUS((int)c.extra));
	QUIET(50);
	release(wa);
	REAP_FOR(u0, c);
	EXPECT_REAPED(c, a);
	EXPECT_EQ(10, WEXITSTATUS((int)c.extra));

	/* Already exited: the same selection. */
	a = spawn_blocked(20, &wa);
	b = spawn_blocked_own_pgrp(21, &wb);
	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	release(wa);
	release(wb);
	ASSERT_EQ(0, waitid(P_PID, a, &(siginfo_t){ 0 }, WEXITED | WNOWAIT));
	ASSERT_EQ(0, waitid(P_PID, b, &(siginfo_t){ 0 }, WEXITED | WNOWAIT));
	ug = q_waitpid(self, -b, 0);
	SUBMIT(1);
	REAP_FOR(ug, c);
	EXPECT_REAPED(c, b);
	EXPECT_EQ(21, WEXITSTATUS((int)c.extra));
	RUN1(q_waitpid(self, -b, 0), -ECHILD);
	u0 = q_waitpid(self, 0, 0);
	SUBMIT(1);
	REAP_FOR(u0, c);
	EXPECT_REAPED(c, a);
	EXPECT_EQ(20, WEXITSTATUS((int)c.extra));
	RUN1(q_waitpid(self, 0, 0), -ECHILD);

	/* A child in another group does not satisfy 0. */
	b = spawn_blocked_own_pgrp(30, &wb);
	ASSERT_LT(0, b);
	RUN1(q_waitpid(self, 0, 0), -ECHILD);
	RUN1(q_waitpid(self, 0, RXRING_WAITPID_WNOHANG), -ECHILD);
	RUN1(q_waitpid(self, -b, RXRING_WAITPID_WNOHANG), 0);
	release(wb);
	ug = q_waitpid(self, -1, 0);
	SUBMIT(1);
	REAP_FOR(ug, c);
	EXPECT_REAPED(c, b);
	BALANCED();
}

/* ---- a leader that exits before its threads ------------------------------ */

static int leader_pipe[2];

static void *late_thread(void *arg)
{
	char ch;

	(void)arg;
	while (read(leader_pipe[0], &ch, 1) < 0 && errno == EINTR)
		;
	_exit(5);
}

/* The state letter of /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * The child's main thread exits first (a zombie leader) while another
 * thread runs on: like waitpid(2), WAITPID waits for the whole process and
 * reports the status it exits with.
 */
TEST_F(wp, leader_exits_before_its_threads)
{
	struct rxring_completion c;
	long long t0;
	pid_t pid;
	__u64 ud;

	ASSERT_EQ(0, pipe(leader_pipe));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pthread_create(&t, NULL, late_thread, NULL))
			_exit(1);
		pthread_exit(NULL);
	}
	/* Wait until the leader is a zombie. */
	t0 = rx_now_ns();
	while (proc_state(pid) != 'Z' && kops_ms_since(t0) < KOPS_WATCHDOG_MS)
		rx_sleep_ms(5);
	ASSERT_EQ('Z', proc_state(pid));
	ud = q_waitpid(self, pid, 0);
	SUBMIT(1);
	QUIET(50);
	RUN1(q_waitpid(self, pid, RXRING_WAITPID_WNOHANG), 0);
	ASSERT_EQ(1, write(leader_pipe[1], "x", 1));
	REAP_FOR(ud, c);
	EXPECT_REAPED(c, pid);
	EXPECT_TRUE(WIFEXITED((int)c.extra)) TH_LOG("status 0x%llx",
						    (unsigned long long)c.extra);
	EXPECT_EQ(5, WEXITSTATUS((int)c.extra));
	close(leader_pipe[0]);
	close(leader_pipe[1]);
	BALANCED();
}

/* ---- specific pids, stops, cancel -------------------------------------------- */

TEST_F(wp, two_specific_pids)
{
	struct rxring_completion c;
	int w1, w2;
	pid_t p1 = spawn_blocked(1, &w1), p2 = spawn_blocked(2, &w2);
	__u64 u1, u2;

	ASSERT_LT(0, p1);
	ASSERT_LT(0, p2);
	u1 = q_waitpid(self, p1, 0);
	u2 = q_waitpid(self, p2, 0);
	SUBMIT(2);
	QUIET(30);
	release(w2);
	REAP_FOR(u2, c);
	EXPECT_REAPED(c, p2);
	EXPECT_EQ(2, WEXITSTATUS((int)c.extra));
	QUIET(50);
	EXPECT_FALSE(is_gone(p1));
	release(w1);
	REAP_FOR(u1, c);
	EXPECT_REAPED(c, p1);
	EXPECT_EQ(1, WEXITSTATUS((int)c.extra));
	BALANCED();
}

TEST_F(wp, stopped_child_completes_nothing)
{
	struct rxring_completion c;
	int wfd, st;
	pid_t pid = spawn_blocked(0, &wfd);
	__u64 ud;

	ASSERT_LT(0, pid);
	ud = q_waitpid(self, pid, 0);
	SUBMIT(1);
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &st, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(st));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	QUIET(50);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	REAP_FOR(ud, c);
	EXPECT_REAPED(c, pid);
	EXPECT_TRUE(WIFSIGNALED((int)c.extra));
	EXPECT_EQ(SIGKILL, WTERMSIG((int)c.extra));
	close(wfd);
	BALANCED();
}

TEST_F(wp, cancel_parked_waitpid)
{
	struct rxring_completion c;
	struct rxring_sqe s;
	int wfd, st;
	pid_t pid = spawn_blocked(5, &wfd);
	__u64 ud, cn;

	ASSERT_LT(0, pid);
	ud = q_waitpid(self, pid, 0);
	SUBMIT(1);
	rxring_prep_cancel(&s, ud);
	cn = q_raw(self, &s);
	SUBMIT(1);
	REAP_FOR(ud, c);
	EXPECT_EQ(-ECANCELED, c.status);
	EXPECT_EQ(0ULL, c.flags);
	REAP_FOR(cn, c);
	EXPECT_EQ(0, c.status);
	/* The child exits later: nothing more on the ring; ours to reap. */
	release(wfd);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(5, WEXITSTATUS(st));
	QUIET(50);
	BALANCED();
}

/* ---- lifetimes -------------------------------------------------------------------- */

struct thread_arg {
	struct rxring *ring;
	struct kops_book *b;
	pid_t pid;
	int ret;
};

static void *waitpid_thread(void *p)
{
	struct thread_arg *a = p;
	struct rxring_sqe *sqe = kops_sqe(a->ring, a->b, 1);

	if (!sqe) {
		a->ret = -ENOSPC;
		return NULL;
	}
	rxring_prep_waitpid(sqe, a->pid, 0);
	rxring_sqe_set_data(sqe, 1);
	a->ret = rxring_submit(a->ring);
	return NULL;
}

/*
 * The first WAITPID of a ring is submitted by a thread, which exits; the
 * child then exits and the parked WAITPID completes as usual.
 */
TEST(waitpid_parked_by_exited_thread)
{
	struct rxring ring;
	struct kops_book b;
	struct rxring_completion c;
	struct thread_arg a;
	pthread_t t;
	int wfd;
	pid_t pid;

	ASSERT_EQ(0, kops_ring(&ring, 8, 0));
	ASSERT_EQ(0, kops_book_init(&b, 1, 4));
	pid = spawn_blocked(9, &wfd);
	ASSERT_LT(0, pid);
	a = (struct thread_arg){ .ring = &ring, .b = &b, .pid = pid };
	ASSERT_EQ(0, pthread_create(&t, NULL, waitpid_thread, &a));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(1, a.ret);
	/* Let the thread be fully released. */
	rx_sleep_ms(50);
	ASSERT_EQ(-ETIME, rxring_wait_completion_timeout(&ring, &c,
							 20 * RX_MSEC));
	release(wfd);
	ASSERT_EQ(0, kops_reap(&ring, &b, &c, KOPS_WATCHDOG_MS))
		TH_LOG("%s", kops_why);
	EXPECT_EQ(1ULL, c.user_data);
	EXPECT_EQ((__s64)pid, c.status);
	EXPECT_EQ(9, WEXITSTATUS((int)c.extra));
	EXPECT_TRUE(is_gone(pid));
	EXPECT_EQ(0, kops_book_balanced(&b));
	kops_book_free(&b);
	rxring_queue_exit(&ring);
}

/* A process exits with WAITPIDs parked for its own children: no hang. */
TEST(exit_with_parked_waitpid)
{
	int p[2], st;
	char ch;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rxring ring;
		struct rxring_sqe *sqe;
		int wfd, i;
		pid_t gc = spawn_blocked(0, &wfd);

		if (gc < 0 || kops_ring(&ring, 8, 0))
			_exit(1);
		for (i = 0; i < 3; i++) {
			sqe = rxring_get_sqe(&ring);
			rxring_prep_waitpid(sqe, i ? -1 : gc, 0);
			rxring_sqe_set_data(sqe, i);
		}
		if (rxring_submit(&ring) != 3)
			_exit(2);
		if (write(p[1], "p", 1) != 1)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(1, read(p[0], &ch, 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN
