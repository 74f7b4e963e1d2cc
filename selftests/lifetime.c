// SPDX-License-Identifier: GPL-2.0
/*
 * lifetime: how long an instance lives and who may use it.
 *  - close() with completions pending and SQEs published but never
 *    entered: no hang; close-then-munmap and munmap-then-close;
 *  - a dup'ed fd keeps the instance after the original is closed;
 *  - a fork child uses the inherited fd and mappings (its ENTERs act for
 *    it), and the parent sees the results and goes on after it exits;
 *  - the fd (plus the CREATE record) passed over a unix socket with
 *    SCM_RIGHTS to a child that had no access before: it maps the rings
 *    itself and submits NOPs the parent then reaps;
 *  - close() from another thread while an ENTER waits: the wait ends
 *    normally (ETIME), no crash;
 *  - 1000 (120 under the debug kernel) create/map/use/destroy cycles in
 *    three teardown orders, then the same under a small RLIMIT_MEMLOCK
 *    without CAP_IPC_LOCK (a leaked charge would make CREATE fail with
 *    ENOMEM), and no fd leak;
 *  - unloading the module (delete_module O_NONBLOCK) fails with EBUSY /
 *    EAGAIN while an instance is open, created or not, or only mapped
 *    (root only; SKIP otherwise). This one runs last.
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "harness.h"
#include "common.h"

FIXTURE(life) {
	struct rx r;
};

FIXTURE_SETUP(life)
{
	self->r.fd = -1;
}

FIXTURE_TEARDOWN(life)
{
	if (self->r.fd >= 0)
		rx_teardown(&self->r);
}

/* 5 completions left in the CQ and 3 SQEs published but not entered. */
static int leave_work_pending(struct rx *r)
{
	__u32 sub = 0;
	int ret = rx_submit_nops(r, 5, 0, 5, &sub);

	if (ret != 5 || sub != 5)
		return -1;
	rx_push_nop(r, 10);
	rx_push_nop(r, 11);
	rx_push_nop(r, 12);
	rx_publish(r);
	return 0;
}

TEST_F(life, close_then_munmap_with_work_pending)
{
	struct rx *r = &self->r;
	int fd;

	ASSERT_EQ(0, rx_setup(r, 8, 0, 0));
	ASSERT_EQ(0, leave_work_pending(r));
	alarm(20);
	fd = r->fd;
	r->fd = -1;
	ASSERT_EQ(0, close(fd));
	/* The mappings still show the state. */
	EXPECT_EQ(5ULL, rx_cq_tail(r));
	EXPECT_EQ(8ULL, r->sqh->tail);
	rx_unmap(r);
	alarm(0);
}

TEST_F(life, munmap_then_close_with_work_pending)
{
	struct rx *r = &self->r;

	ASSERT_EQ(0, rx_setup(r, 8, 0, RXRING_CREATE_INDIRECT));
	ASSERT_EQ(0, leave_work_pending(r));
	alarm(20);
	rx_unmap(r);
	EXPECT_EQ(0, close(r->fd));
	r->fd = -1;
	alarm(0);
}

TEST_F(life, close_unmapped_and_uncreated)
{
	struct rxring_create c;
	int fd;

	alarm(20);
	fd = rx_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
	fd = rx_open();
	ASSERT_LE(0, fd);
	rx_create_init(&c, 16, 0, 0);
	ASSERT_EQ(0, rx_create(fd, &c));
	EXPECT_EQ(0, close(fd));
	alarm(0);
}

TEST_F(life, dup_keeps_instance)
{
	struct rx *r = &self->r;
	__u32 sub = 0;
	int fd2;

	ASSERT_EQ(0, rx_setup(r, 4, 0, 0));
	fd2 = dup(r->fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, close(r->fd));
	r->fd = fd2;
	EXPECT_EQ(2, rx_submit_nops(r, 2, 40, 2, &sub));
	EXPECT_EQ(2U, sub);
	EXPECT_EQ(0, rx_reap_nops(r, 40, 2)) TH_LOG("%s", rx_why);
}

/* Child side: submit n NOPs from base with ENTER, wait for them. 0 = ok. */
static int child_submit(struct rx *r, unsigned int n, __u64 base)
{
	__u32 sub = 0;
	int ret;

	/* Take the tail from the shared header: the parent may have moved. */
	r->sq_tail = rx_load(&r->sqh->tail);
	ret = rx_submit_nops(r, n, base, 0, &sub);
	if (ret < 0)
		return 10;
	if (sub != n)
		return 11;
	ret = rx_enter(r, 0, n, 0, 0, NULL);
	if (ret < (int)n)
		return 12;
	return 0;
}

TEST_F(life, fork_child_uses_ring)
{
	struct rx *r = &self->r;
	__u32 sub = 0;
	pid_t pid;
	int status;

	ASSERT_EQ(0, rx_setup(r, 8, 0, 0));
	ASSERT_EQ(1, rx_submit_nops(r, 1, 1, 1, &sub));
	ASSERT_EQ(0, rx_reap_nops(r, 1, 1)) TH_LOG("%s", rx_why);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		alarm(20);
		_exit(child_submit(r, 3, 100));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* The child's work is in the shared rings. */
	EXPECT_EQ(4ULL, rx_sq_head(r));
	r->sq_tail = rx_load(&r->sqh->tail);
	EXPECT_EQ(4ULL, r->sq_tail);
	EXPECT_EQ(0, rx_reap_nops(r, 100, 3)) TH_LOG("%s", rx_why);
	/* The instance outlived the child's copy of the fd. */
	EXPECT_EQ(1, rx_submit_nops(r, 1, 200, 1, &sub));
	EXPECT_EQ(0, rx_reap_nops(r, 200, 1)) TH_LOG("%s", rx_why);
}

static int send_fd(int sock, int fd, const void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == (ssize_t)len ? 0 : -1;
}

/* Send @n descriptors with one byte. */
static int send_fds(int sock, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))], byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock, void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_WAITALL) != (ssize_t)len)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The child of the SCM_RIGHTS test: 0 on success. */
static int scm_child(int sock)
{
	struct rx r;
	struct rxring_create cr;
	char done = 'x';
	int ret;

	memset(&r, 0, sizeof(r));
	r.fd = recv_fd(sock, &cr, sizeof(cr));
	if (r.fd < 0)
		return 20;
	r.cr = cr;
	if (rx_map(&r))
		return 21;
	ret = child_submit(&r, 4, 0x5c0);
	if (ret)
		return ret;
	rx_teardown(&r);
	if (write(sock, &done, 1) != 1)
		return 22;
	return 0;
}

TEST_F_TIMEOUT(life, fd_passed_over_unix_socket, 60)
{
	struct rx *r = &self->r;
	int sv[2], status;
	char done = 0;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	/* The child exists before the instance: it can only get it by fd. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sv[0]);
		alarm(20);
		_exit(scm_child(sv[1]));
	}
	close(sv[1]);

	ASSERT_EQ(0, rx_setup(r, 8, 0, 0));
	ASSERT_EQ(0, send_fd(sv[0], r->fd, &r->cr, sizeof(r->cr)));
	EXPECT_EQ(1, read(sv[0], &done, 1));
	EXPECT_EQ('x', done);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(sv[0]);

	EXPECT_EQ(4ULL, rx_sq_head(r));
	r->sq_tail = rx_load(&r->sqh->tail);
	EXPECT_EQ(0, rx_reap_nops(r, 0x5c0, 4)) TH_LOG("%s", rx_why);
	EXPECT_EQ(0, rx_enter(r, 0, 0, 0, 0, NULL));
}

/* The module's reference count (each open instance holds one), or -1. */
static long module_refs(void)
{
	char buf[32] = { 0 };
	int fd = open("/sys/module/rxring/refcnt", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/*
 * The child of the cycle test: a WRITE parked on socket F (its peer's
 * queue full) while F's own receive queue holds the instance's fd and the
 * peer; then everything closed and exit. 0, or the failed step.
 */
static int cycle_child(void)
{
	static char fill[4096], more[65536];
	struct rxring_sqe sqe;
	int sv[2], two[2];
	struct rx r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || rx_setup(&r, 8, 0, 0))
		return 30;
	while (send(sv[0], fill, sizeof(fill), MSG_DONTWAIT) > 0)
		;
	rx_sqe_fill(&sqe, RXRING_OP_WRITE, 0, RXRING_POS_CURRENT, 0, 1);
	sqe.fd = sv[0];
	sqe.addr = (__u64)(uintptr_t)more;
	sqe.len = sizeof(more);
	rx_push(&r, &sqe);
	rx_publish(&r);
	if (rx_enter(&r, 1, 0, 0, 0, NULL) < 0 || rx_cq_ready(&r))
		return 31;	/* the WRITE must wait */
	/* Into F's receive queue: the instance and the peer. */
	two[0] = r.fd;
	two[1] = sv[1];
	if (send_fds(sv[1], two, 2))
		return 32;
	rx_teardown(&r);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/*
 * Nothing but a cycle keeps the instance alive after its process exited:
 * the parked WRITE holds F, F holds the instance's fd in flight. The exit
 * cancels the WRITE, and the instance goes (the module's reference count
 * comes back).
 */
TEST_F_TIMEOUT(life, exit_breaks_cycle_through_socket, 60)
{
	long before = module_refs(), now = -1;
	int status, i;
	pid_t pid;

	if (before < 0)
		SKIP(return, "no /sys/module/rxring/refcnt");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(cycle_child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	for (i = 0; i < 100; i++) {
		now = module_refs();
		if (now == before)
			break;
		rx_sleep_ms(50);
	}
	EXPECT_EQ(before, now) TH_LOG("the instance outlived its process");
}

struct closer {
	int fd;
	int ret;
};

static void *closer_fn(void *arg)
{
	struct closer *c = arg;

	rx_sleep_ms(50);
	c->ret = close(c->fd) ? -errno : 0;
	return NULL;
}

TEST_F_TIMEOUT(life, close_during_enter_wait, 60)
{
	struct rx *r = &self->r;
	struct closer cl;
	pthread_t th;
	long long t0;
	int ret;

	ASSERT_EQ(0, rx_setup(r, 8, 0, 0));
	cl.fd = r->fd;
	cl.ret = 1;
	ASSERT_EQ(0, pthread_create(&th, NULL, closer_fn, &cl));
	t0 = rx_now_ns();
	ret = rx_enter_raw(cl.fd, 0, 1, RXRING_ENTER_TIMEOUT, 300 * RX_MSEC,
			   NULL);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, cl.ret);
	/* The ioctl held the file: its wait ran to the timeout. */
	EXPECT_EQ(-ETIME, ret);
	EXPECT_LE(300 * RX_MSEC, rx_now_ns() - t0);
	r->fd = -1;
	/* The fd is gone now. */
	EXPECT_EQ(-EBADF, rx_enter_raw(cl.fd, 0, 0, 0, 0, NULL));
	rx_unmap(r);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

/* One create / map / use / destroy cycle; teardown order by i % 3. */
static int one_cycle(unsigned int i)
{
	struct rx r;
	__u32 sub = 0;
	int ret;

	ret = rx_setup(&r, 8, 0, (i & 1) ? RXRING_CREATE_INDIRECT : 0);
	if (ret)
		return ret;
	ret = rx_submit_nops(&r, 2, i, 2, &sub);
	if (ret != 2 || sub != 2 || rx_reap_nops(&r, i, 2)) {
		rx_teardown(&r);
		return -1000;
	}
	switch (i % 3) {
	case 0:
		rx_teardown(&r);
		break;
	case 1:
		close(r.fd);
		rx_unmap(&r);
		break;
	default:
		/* Leave completions behind. */
		rx_submit_nops(&r, 3, 0, 3, NULL);
		rx_unmap(&r);
		close(r.fd);
		break;
	}
	return 0;
}

TEST_F_TIMEOUT(life, many_cycles, 300)
{
	int before = count_fds();
	unsigned int i;
	int ret;

	for (i = 0; i < rx_lane_n(1000, 120); i++) {
		ret = one_cycle(i);
		ASSERT_EQ(0, ret) TH_LOG("cycle %u: %d", i, ret);
	}
	if (before >= 0) {
		EXPECT_EQ(before, count_fds());
	}
}

static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &=
		~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &=
		~CAP_TO_MASK(CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

TEST_F_TIMEOUT(life, cycles_under_memlock_limit, 300)
{
	/* Room for a few small instances at a time, not for 1000 leaks. */
	struct rlimit rl = { 256 << 10, 256 << 10 };
	unsigned int i;
	int ret;

	ASSERT_EQ(0, drop_ipc_lock());
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	for (i = 0; i < rx_lane_n(1000, 120); i++) {
		ret = one_cycle(i);
		ASSERT_EQ(0, ret) TH_LOG("cycle %u: %d (%s)", i, ret,
					 ret > -1000 ? strerror(-ret) : "");
	}
}

/* delete_module("rxring", O_NONBLOCK): 0 or -errno. */
static int try_unload(void)
{
	return syscall(__NR_delete_module, "rxring", O_NONBLOCK) ? -errno : 0;
}

static bool unload_refused(int err)
{
	return err == -EBUSY || err == -EAGAIN || err == -EWOULDBLOCK;
}

/* Last test of the program: if it fails, the module may be gone. */
TEST_F(life, zz_unload_refused_while_in_use)
{
	struct rx *r = &self->r;
	int fd, ret;

	if (geteuid() != 0)
		SKIP(return, "not root: cannot try delete_module");

	/* A bare open instance. */
	fd = rx_open();
	ASSERT_LE(0, fd);
	ret = try_unload();
	if (ret == -ENOENT || ret == -EPERM) {
		close(fd);
		SKIP(return, "rxring is not an unloadable module (%s)",
		     strerror(-ret));
	}
	EXPECT_TRUE(unload_refused(ret)) TH_LOG("open: %d (%s)", ret,
						 strerror(-ret));
	if (ret == 0) {
		close(fd);
		return;		/* the module is gone: stop right here */
	}
	close(fd);

	/* Created and mapped. */
	ASSERT_EQ(0, rx_setup(r, 8, 0, 0));
	ret = try_unload();
	EXPECT_TRUE(unload_refused(ret)) TH_LOG("created: %d (%s)", ret,
						 strerror(-ret));
	if (ret == 0)
		return;

	/* Only mapped: the fd is closed. */
	ASSERT_EQ(0, close(r->fd));
	r->fd = -1;
	ret = try_unload();
	EXPECT_TRUE(unload_refused(ret)) TH_LOG("mapped: %d (%s)", ret,
						 strerror(-ret));
	if (ret == 0)
		return;
	/* The pages are still fine. */
	EXPECT_EQ(0ULL, r->sqh->head);
	rx_unmap(r);
}

TEST_HARNESS_MAIN
