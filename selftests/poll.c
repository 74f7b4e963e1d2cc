// SPDX-License-Identifier: GPL-2.0
/*
 * poll: poll(), select() and epoll on the instance fd.
 *  - EPOLLIN | EPOLLRDNORM exactly while the CQ has filled slots (not when
 *    empty, set after a NOP completes, clear again after consuming);
 *  - EPOLLOUT | EPOLLWRNORM exactly while two CQ slots are free (sq = cq =
 *    8: set at 6 filled, clear at 7 and 8, set again after consuming);
 *  - select() agrees; epoll level- and edge-triggered;
 *  - blocking poll() and epoll_wait() wake when another thread's ENTER
 *    completes a NOP; a poll() for EPOLLOUT on a full CQ wakes when another
 *    thread consumes and calls ENTER with ONLY_NOTIFY.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "harness.h"
#include "common.h"

#define ALL_EVENTS	(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM)
#define IN_BITS		(POLLIN | POLLRDNORM)
#define OUT_BITS	(POLLOUT | POLLWRNORM)

FIXTURE(poll) {
	struct rx r;
};

FIXTURE_SETUP(poll)
{
	ASSERT_EQ(0, rx_setup(&self->r, 8, 8, 0));
}

FIXTURE_TEARDOWN(poll)
{
	rx_teardown(&self->r);
}

/* revents of a non-blocking poll() for every IN/OUT bit, or -errno. */
static int poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = ALL_EVENTS };
	int ret = poll(&p, 1, 0);

	if (ret < 0)
		return -errno;
	return ret ? p.revents : 0;
}

TEST_F(poll, in_and_out_states)
{
	struct rx *r = &self->r;
	struct rx_cqe c;
	__u32 sub;
	int i;

	/* Empty: writable, not readable. */
	EXPECT_EQ(OUT_BITS, poll_now(r->fd));

	ASSERT_EQ(1, rx_submit_nops(r, 1, 0, 1, &sub));
	EXPECT_EQ(IN_BITS | OUT_BITS, poll_now(r->fd));
	ASSERT_EQ(1, rx_reap(r, &c));
	EXPECT_EQ(OUT_BITS, poll_now(r->fd));

	/* 6 filled: two free, still writable. */
	ASSERT_EQ(6, rx_submit_nops(r, 6, 1, 6, &sub));
	EXPECT_EQ(IN_BITS | OUT_BITS, poll_now(r->fd));
	/* 7 filled: one free, no longer writable. */
	ASSERT_EQ(7, rx_submit_nops(r, 1, 7, 7, &sub));
	EXPECT_EQ(IN_BITS, poll_now(r->fd));
	/* Consume one: writable again. */
	ASSERT_EQ(1, rx_reap(r, &c));
	EXPECT_EQ(IN_BITS | OUT_BITS, poll_now(r->fd));
	/* A pair fills it to 8. */
	rx_push_nop_flags(r, RXRING_NOP_EXTENDED, 0, 0, 8);
	rx_publish(r);
	ASSERT_EQ(8, rx_enter(r, 1, 8, 0, 0, &sub));
	EXPECT_EQ(IN_BITS, poll_now(r->fd));
	/* Consume all: empty again. */
	for (i = 0; i < 7; i++) {
		ASSERT_EQ(1, rx_reap(r, &c));
	}
	ASSERT_EQ(0, rx_reap(r, &c));
	EXPECT_EQ(OUT_BITS, poll_now(r->fd));
}

TEST_F(poll, select_agrees)
{
	struct rx *r = &self->r;
	struct timeval tv = { 0, 0 };
	fd_set rd, wr;
	struct rx_cqe c;
	__u32 sub;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(r->fd, &rd);
	FD_SET(r->fd, &wr);
	EXPECT_EQ(1, select(r->fd + 1, &rd, &wr, NULL, &tv));
	EXPECT_FALSE(FD_ISSET(r->fd, &rd));
	EXPECT_TRUE(FD_ISSET(r->fd, &wr));

	ASSERT_EQ(1, rx_submit_nops(r, 1, 0, 1, &sub));
	FD_ZERO(&rd);
	FD_SET(r->fd, &rd);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	EXPECT_EQ(1, select(r->fd + 1, &rd, NULL, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(r->fd, &rd));
	ASSERT_EQ(1, rx_reap(r, &c));
	FD_ZERO(&rd);
	FD_SET(r->fd, &rd);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	EXPECT_EQ(0, select(r->fd + 1, &rd, NULL, NULL, &tv));
}

TEST_F(poll, epoll_level_triggered)
{
	struct rx *r = &self->r;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234 };
	struct epoll_event out[2];
	struct rx_cqe c;
	__u32 sub;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	ASSERT_EQ(1, rx_submit_nops(r, 1, 0, 1, &sub));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_EQ((__u32)EPOLLIN, out[0].events & (EPOLLIN | EPOLLOUT));
	EXPECT_EQ(0x1234ULL, out[0].data.u64);
	/* Level-triggered: reported again while not consumed. */
	EXPECT_EQ(1, epoll_wait(ep, out, 2, 0));
	ASSERT_EQ(1, rx_reap(r, &c));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	/* EPOLLOUT: set while two slots are free. */
	ev.events = EPOLLOUT;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_MOD, r->fd, &ev));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_EQ((__u32)EPOLLOUT, out[0].events & (EPOLLIN | EPOLLOUT));
	ASSERT_EQ(7, rx_submit_nops(r, 7, 1, 7, &sub));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	close(ep);
}

TEST_F(poll, epoll_edge_triggered)
{
	struct rx *r = &self->r;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct epoll_event out[2];
	__u32 sub;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	ASSERT_EQ(1, rx_submit_nops(r, 1, 0, 1, &sub));
	EXPECT_EQ(1, epoll_wait(ep, out, 2, 0));
	/* Edge: not again until something new completes. */
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	ASSERT_EQ(2, rx_submit_nops(r, 1, 1, 1, &sub));
	EXPECT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	close(ep);
}

/* A thread that, after a delay, submits one NOP on the ring. */
struct later {
	struct rx *r;
	int delay_ms;
	bool consume_and_notify;	/* instead: consume one + ONLY_NOTIFY */
	int ret;
};

static void *later_fn(void *arg)
{
	struct later *l = arg;
	struct rx_cqe c;

	rx_sleep_ms(l->delay_ms);
	if (l->consume_and_notify) {
		l->ret = rx_reap(l->r, &c);
		if (l->ret == 1)
			l->ret = rx_enter_raw(l->r->fd, 0, 0,
					      RXRING_ENTER_ONLY_NOTIFY, 0,
					      NULL);
	} else {
		l->ret = rx_submit_nops(l->r, 1, 0xbeef, 0, NULL);
	}
	return NULL;
}

TEST_F_TIMEOUT(poll, poll_wakes_on_completion, 60)
{
	struct rx *r = &self->r;
	struct later l = { .r = r, .delay_ms = 100 };
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	pthread_t th;
	long long t0;

	ASSERT_EQ(0, pthread_create(&th, NULL, later_fn, &l));
	t0 = rx_now_ns();
	EXPECT_EQ(1, poll(&p, 1, 20000));
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_GT(10 * RX_NSEC, rx_now_ns() - t0);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(1, l.ret);
	EXPECT_EQ(0, rx_reap_nops(r, 0xbeef, 1)) TH_LOG("%s", rx_why);
}

TEST_F_TIMEOUT(poll, epoll_wait_wakes_on_completion, 60)
{
	struct rx *r = &self->r;
	struct later l = { .r = r, .delay_ms = 100 };
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 };
	struct epoll_event out;
	pthread_t th;
	long long t0;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev));
	ASSERT_EQ(0, pthread_create(&th, NULL, later_fn, &l));
	t0 = rx_now_ns();
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 20000));
	EXPECT_EQ((__u32)EPOLLIN, out.events);
	EXPECT_EQ(7U, out.data.u32);
	EXPECT_GT(10 * RX_NSEC, rx_now_ns() - t0);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(1, l.ret);
	EXPECT_EQ(1ULL, rx_cq_ready(r));
	close(ep);
}

TEST_F_TIMEOUT(poll, pollout_wakes_on_notify, 60)
{
	struct rx *r = &self->r;
	struct later l = { .r = r, .delay_ms = 100,
			   .consume_and_notify = true };
	struct pollfd p = { .fd = r->fd, .events = POLLOUT };
	pthread_t th;
	long long t0;
	__u32 sub;

	ASSERT_EQ(7, rx_submit_nops(r, 7, 0, 7, &sub));
	ASSERT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, later_fn, &l));
	t0 = rx_now_ns();
	EXPECT_EQ(1, poll(&p, 1, 20000));
	EXPECT_EQ(POLLOUT, p.revents);
	EXPECT_GT(10 * RX_NSEC, rx_now_ns() - t0);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(6, l.ret);
}

TEST_HARNESS_MAIN
