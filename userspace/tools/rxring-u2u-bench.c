// SPDX-License-Identifier: MIT
/*
 * rxring-u2u-bench: messages per second and round-trip latency between two
 * processes over a user-to-user ring pair (rxring_u2u.h), compared with a
 * pipe, an eventfd + shared-memory ring, and a unix socket.
 *
 * A message is 64 bytes (an SQE on the ring pair), a reply 16 bytes (a
 * CQE). At batch size B the sender hands B messages to the transport at
 * once (one publication of the tail, one write()) and the receiver takes
 * up to B at once. The shared-memory rings are used as such: messages are
 * written in the ring slot and read there (rxring_u2u_get_sqes() and
 * rxring_u2u_peek_sqes() for u2u); the streams copy them from and into a
 * buffer. Every message has all 8 words written and 2 checked.
 *
 *   rate        the parent streams messages to the child for -n messages
 *               or -t seconds; messages per second, the child checking
 *               that every sequence number arrives once and in order
 *   round trip  the parent sends B messages, the child answers each, the
 *               parent waits for the B replies; microseconds per batch
 *
 * The transports:
 *   u2u      a ring pair in a memfd; rxring FUTEX WAIT64/WAKE only when a
 *            side announced it may sleep, after polling the index for the
 *            library's spin time (RXRING_U2U_SPIN_NS; -s NS to change)
 *   u2u-nospin  the same without polling: a side sleeps as soon as it
 *            finds nothing to do
 *   pipe     two pipes, blocking read()/write()
 *   eventfd  the same kind of ring in MAP_SHARED memory, an eventfd per
 *            direction and per "room again" signal, written after every
 *            batch and read when a ring is empty or full (the simple way)
 *   unix     a SOCK_STREAM socketpair, blocking read()/write()
 *
 * Not a test: it prints a table. Exit status 1 when a transport lost,
 * duplicated or reordered a message.
 *
 * Usage: rxring-u2u-bench [-n MSGS] [-r ROUNDS] [-t SECS] [-R RUNS]
 *                         [-b B,B..] [-m METHODS] [-s SPIN] [-e ENTRIES]
 *                         [-p|-P]
 *   -n  messages per rate cell (default 2000000)
 *   -r  round trips per latency cell (default 100000)
 *   -t  at most this many seconds per run (default 1)
 *   -R  runs per cell, the best one counts (default 3)
 *   -b  batch sizes (default 1,32)
 *   -m  comma-separated subset of u2u,u2u-nospin,pipe,eventfd,unix
 *       (default all)
 *   -s  u2u: nanoseconds of polling before sleeping (default: the
 *       library's)
 *   -p  pin the parent to CPU 0 and the child to CPU 1; -P: both to CPU 0
 *       (then no cross-CPU wake-up is measured, only what each message
 *       costs the CPU)
 *   -e  ring entries of u2u and eventfd (default 1024: 64 KiB of messages,
 *       what a pipe holds by default)
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <rxring.h>
#include <rxring_u2u.h>

#include "common.h"

#define MAX_BATCH	256
#define STOP		(~0ULL)
#define WAIT_NS		(20 * 1000000000LL)	/* a lost wake-up shows */

struct msg {
	__u64 seq;
	__u64 pad[7];
};

struct reply {
	__u64 seq;
	__u64 val;
};

_Static_assert(sizeof(struct msg) == sizeof(struct rxring_sqe), "msg");
_Static_assert(sizeof(struct reply) == sizeof(struct rxring_cqe), "reply");

/* ---- an SPSC ring in shared memory, for the eventfd transport ---- */

struct shring {
	__u64 head;
	__u8 pad0[120];
	__u64 tail;
	__u8 pad1[120];
	__u32 entries, mask, size;	/* size: bytes per slot */
	__u8 pad2[116];
	unsigned char slots[];
};

struct chan {
	/* u2u */
	struct rxring_u2u u;
	/* pipe, unix: fds[0] parent->child, fds[1] child->parent */
	int fwd[2], back[2];
	/* eventfd: a ring and two eventfds per direction */
	struct shring *ring[2];		/* [0] messages, [1] replies */
	int data_efd[2], room_efd[2];
	bool child;
	bool nospin;			/* u2u-nospin */
	struct msg buf[MAX_BATCH];	/* pipe, unix: messages in and out */
};

/* Message seq: every word written, so a message costs what a request would. */
static inline void fill(struct msg *m, __u64 seq)
{
	m->seq = seq;
	m->pad[0] = seq + 1;
	m->pad[1] = seq + 2;
	m->pad[2] = seq + 3;
	m->pad[3] = seq + 4;
	m->pad[4] = seq + 5;
	m->pad[5] = seq + 6;
	m->pad[6] = seq + 7;
}

struct method {
	const char *name;
	int (*setup)(struct chan *c, unsigned int entries);
	int (*child_init)(struct chan *c);
	/*
	 * Blocking. send: messages seq .. seq + n - 1, built in the
	 * transport's memory when it has its own (rings) or in a buffer that
	 * is then written (streams). recv: 1..max messages, *m pointing at
	 * them until done(n).
	 */
	int (*send)(struct chan *c, __u64 seq, unsigned int n);
	int (*recv)(struct chan *c, const struct msg **m, unsigned int max);
	void (*done)(struct chan *c, unsigned int n);
	int (*reply)(struct chan *c, const struct reply *r, unsigned int n);
	int (*recv_reply)(struct chan *c, struct reply *r, unsigned int max);
	void (*teardown)(struct chan *c);
};

static long long u2u_spin = -1;	/* -s; -1: the library's default */
static int pin_mode;		/* -p: CPUs 0 and 1; -P: both on CPU 0 */

static void pin(bool parent)
{
	cpu_set_t set;

	if (!pin_mode)
		return;
	CPU_ZERO(&set);
	CPU_SET(pin_mode == 1 && !parent ? 1 : 0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

/* ---- u2u ---- */

static int u2u_setup(struct chan *c, unsigned int entries)
{
	int ret = rxring_u2u_create(&c->u, entries, 2 * entries, 0,
				    RXRING_U2U_SUBMITTER);

	if (!ret && u2u_spin >= 0)
		c->u.spin_ns = u2u_spin;
	return ret;
}

static int u2u0_setup(struct chan *c, unsigned int entries)
{
	int ret = u2u_setup(c, entries);

	c->u.spin_ns = 0;
	c->nospin = true;
	return ret;
}

static int u2u_child_init(struct chan *c)
{
	struct rxring_u2u h;
	int ret = rxring_u2u_attach(&h, c->u.memfd, RXRING_U2U_HANDLER);

	rxring_u2u_forget(&c->u);
	if (ret)
		return ret;
	if (u2u_spin >= 0)
		h.spin_ns = u2u_spin;
	if (c->nospin)
		h.spin_ns = 0;
	c->u = h;
	return rxring_u2u_set_peer(&c->u, getppid());
}

/* SQEs built in place (rxring_u2u_get_sqes), published once per batch. */
static int u2u_send(struct chan *c, __u64 seq, unsigned int n)
{
	struct rxring_sqe *sqes;
	unsigned int i = 0, k;
	int ret;

	while (i < n) {
		ret = rxring_u2u_get_sqes(&c->u, &sqes, n - i);
		if (ret > 0) {
			for (k = 0; k < (unsigned int)ret; k++)
				fill((struct msg *)&sqes[k], seq + i + k);
			i += (unsigned int)ret;
			continue;
		}
		if (ret != -EAGAIN)
			return ret;
		/* Full: publish what is there, then wait for room. */
		ret = rxring_u2u_submit(&c->u);
		if (ret < 0)
			return ret;
		ret = rxring_u2u_wait(&c->u, RXRING_U2U_WRITABLE, WAIT_NS);
		if (ret)
			return ret;
	}
	ret = rxring_u2u_submit(&c->u);
	return ret < 0 ? ret : 0;
}

/* Read in place (rxring_u2u_peek_sqes), handed back by u2u_done(). */
static int u2u_recv(struct chan *c, const struct msg **m, unsigned int max)
{
	const struct rxring_sqe *sqes;
	int ret;

	for (;;) {
		ret = rxring_u2u_peek_sqes(&c->u, &sqes, max);
		if (ret > 0)
			*m = (const struct msg *)sqes;
		if (ret != -EAGAIN)
			return ret;
		ret = rxring_u2u_wait(&c->u, RXRING_U2U_READABLE, WAIT_NS);
		if (ret)
			return ret;
	}
}

static void u2u_done(struct chan *c, unsigned int n)
{
	rxring_u2u_advance_sqes(&c->u, n);
}

static int u2u_reply(struct chan *c, const struct reply *r, unsigned int n)
{
	struct rxring_completion cq[MAX_BATCH];
	unsigned int i, sent = 0;
	int ret;

	for (i = 0; i < n; i++) {
		cq[i].user_data = r[i].seq;
		cq[i].status = (__s32)r[i].val;
		cq[i].flags = 0;
		cq[i].extra = 0;
	}
	while (sent < n) {
		ret = rxring_u2u_push_cqes(&c->u, cq + sent, n - sent);
		if (ret > 0) {
			sent += (unsigned int)ret;
			continue;
		}
		if (ret != -EAGAIN)
			return ret;
		ret = rxring_u2u_wait(&c->u, RXRING_U2U_WRITABLE, WAIT_NS);
		if (ret)
			return ret;
	}
	return 0;
}

static int u2u_recv_reply(struct chan *c, struct reply *r, unsigned int max)
{
	struct rxring_completion cq[MAX_BATCH];
	int ret, i;

	for (;;) {
		ret = rxring_u2u_pop_cqes(&c->u, cq, max);
		if (ret > 0) {
			for (i = 0; i < ret; i++) {
				r[i].seq = cq[i].user_data;
				r[i].val = (__u64)cq[i].status;
			}
			return ret;
		}
		if (ret != -EAGAIN)
			return ret;
		ret = rxring_u2u_wait(&c->u, RXRING_U2U_READABLE, WAIT_NS);
		if (ret)
			return ret;
	}
}

static void u2u_teardown(struct chan *c)
{
	rxring_u2u_close(&c->u);
}

/* ---- pipe and unix: byte streams of whole messages ---- */

static int write_all(int fd, const void *p, size_t len)
{
	const char *b = p;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read 1..max records of size sz (writes are whole records). */
static int read_recs(int fd, void *p, size_t sz, unsigned int max)
{
	size_t got = 0;
	ssize_t n;

	do {
		n = read(fd, (char *)p + got, max * sz - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			return -EPIPE;
		got += (size_t)n;
	} while (got % sz);	/* a stream may cut a record */
	return (int)(got / sz);
}

static int pipe_setup(struct chan *c, unsigned int entries)
{
	(void)entries;
	if (pipe(c->fwd) || pipe(c->back))
		return -errno;
	return 0;
}

static int unix_setup(struct chan *c, unsigned int entries)
{
	(void)entries;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, c->fwd) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, c->back))
		return -errno;
	return 0;
}

static int stream_child_init(struct chan *c)
{
	c->child = true;
	return 0;
}

/* The fd this side writes to / reads from, in each direction. */
static int out_fd(struct chan *c)
{
	return c->child ? c->back[1] : c->fwd[1];
}

static int in_fd(struct chan *c)
{
	return c->child ? c->fwd[0] : c->back[0];
}

static int stream_send(struct chan *c, __u64 seq, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fill(&c->buf[i], seq + i);
	return write_all(out_fd(c), c->buf, n * sizeof(c->buf[0]));
}

static int stream_recv(struct chan *c, const struct msg **m,
		       unsigned int max)
{
	*m = c->buf;
	return read_recs(in_fd(c), c->buf, sizeof(c->buf[0]), max);
}

static void no_done(struct chan *c, unsigned int n)
{
	(void)c;
	(void)n;
}

static int stream_reply(struct chan *c, const struct reply *r,
			unsigned int n)
{
	return write_all(out_fd(c), r, n * sizeof(*r));
}

static int stream_recv_reply(struct chan *c, struct reply *r,
			     unsigned int max)
{
	return read_recs(in_fd(c), r, sizeof(*r), max);
}

static void stream_teardown(struct chan *c)
{
	close(c->fwd[0]);
	close(c->fwd[1]);
	close(c->back[0]);
	close(c->back[1]);
}

/* ---- eventfd + shared memory ---- */

static struct shring *shring_new(unsigned int entries, unsigned int size)
{
	size_t bytes = sizeof(struct shring) + (size_t)entries * size;
	struct shring *r = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	r->entries = entries;
	r->mask = entries - 1;
	r->size = size;
	return r;
}

static int efd_setup(struct chan *c, unsigned int entries)
{
	int i;

	c->ring[0] = shring_new(entries, sizeof(struct msg));
	c->ring[1] = shring_new(2 * entries, sizeof(struct reply));
	if (!c->ring[0] || !c->ring[1])
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		c->data_efd[i] = eventfd(0, EFD_CLOEXEC);
		c->room_efd[i] = eventfd(0, EFD_CLOEXEC);
		if (c->data_efd[i] < 0 || c->room_efd[i] < 0)
			return -errno;
	}
	return 0;
}

static int efd_signal(int fd)
{
	__u64 one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

static int efd_block(int fd)
{
	__u64 v;

	while (read(fd, &v, sizeof(v)) != sizeof(v)) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int shring_push(struct chan *c, int dir, const void *p,
		       unsigned int n)
{
	struct shring *r = c->ring[dir];
	const unsigned char *src = p;
	__u64 tail = r->tail, head;
	unsigned int i, sent = 0;
	int ret;

	while (sent < n) {
		head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		if (tail - head == r->entries) {
			ret = efd_block(c->room_efd[dir]);
			if (ret)
				return ret;
			continue;
		}
		for (i = 0; sent < n && tail - head < r->entries; i++) {
			memcpy(r->slots + (tail & r->mask) * r->size,
			       src + (size_t)sent * r->size, r->size);
			tail++;
			sent++;
		}
		__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
		ret = efd_signal(c->data_efd[dir]);
		if (ret)
			return ret;
	}
	return 0;
}

static int shring_pop(struct chan *c, int dir, void *p, unsigned int max)
{
	struct shring *r = c->ring[dir];
	__u64 head = r->head, tail;
	unsigned int n = 0;
	int ret;

	for (;;) {
		tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (tail != head)
			break;
		ret = efd_block(c->data_efd[dir]);
		if (ret)
			return ret;
	}
	while (n < max && head != tail) {
		memcpy((unsigned char *)p + (size_t)n * r->size,
		       r->slots + (head & r->mask) * r->size, r->size);
		head++;
		n++;
	}
	__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
	ret = efd_signal(c->room_efd[dir]);
	return ret ? ret : (int)n;
}

static int efd_child_init(struct chan *c)
{
	c->child = true;
	return 0;
}

/* Messages built in the ring, one data signal per batch. */
static int efd_send(struct chan *c, __u64 seq, unsigned int n)
{
	struct shring *r = c->ring[0];
	__u64 tail = r->tail, head;
	unsigned int sent = 0;
	int ret;

	while (sent < n) {
		head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		if (tail - head == r->entries) {
			ret = efd_block(c->room_efd[0]);
			if (ret)
				return ret;
			continue;
		}
		for (; sent < n && tail - head < r->entries; tail++, sent++)
			fill((struct msg *)(r->slots +
					    (tail & r->mask) * r->size),
			     seq + sent);
		__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
		ret = efd_signal(c->data_efd[0]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Read in place; efd_done() moves the head and signals room. */
static int efd_recv(struct chan *c, const struct msg **m, unsigned int max)
{
	struct shring *r = c->ring[0];
	__u64 head = r->head, tail, n;
	int ret;

	for (;;) {
		tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (tail != head)
			break;
		ret = efd_block(c->data_efd[0]);
		if (ret)
			return ret;
	}
	n = tail - head;
	if (n > r->entries - (head & r->mask))
		n = r->entries - (head & r->mask);
	if (n > max)
		n = max;
	*m = (const struct msg *)(r->slots + (head & r->mask) * r->size);
	return (int)n;
}

static void efd_done(struct chan *c, unsigned int n)
{
	struct shring *r = c->ring[0];

	__atomic_store_n(&r->head, r->head + n, __ATOMIC_RELEASE);
	efd_signal(c->room_efd[0]);
}

static int efd_reply(struct chan *c, const struct reply *r, unsigned int n)
{
	return shring_push(c, 1, r, n);
}

static int efd_recv_reply(struct chan *c, struct reply *r, unsigned int max)
{
	return shring_pop(c, 1, r, max);
}

static void efd_teardown(struct chan *c)
{
	int i;

	for (i = 0; i < 2; i++) {
		close(c->data_efd[i]);
		close(c->room_efd[i]);
		munmap(c->ring[i], sizeof(struct shring) +
		       (size_t)c->ring[i]->entries * c->ring[i]->size);
	}
}

static const struct method methods[] = {
	{ "u2u", u2u_setup, u2u_child_init, u2u_send, u2u_recv, u2u_done,
	  u2u_reply, u2u_recv_reply, u2u_teardown },
	{ "u2u-nospin", u2u0_setup, u2u_child_init, u2u_send, u2u_recv,
	  u2u_done, u2u_reply, u2u_recv_reply, u2u_teardown },
	{ "pipe", pipe_setup, stream_child_init, stream_send, stream_recv,
	  no_done, stream_reply, stream_recv_reply, stream_teardown },
	{ "eventfd", efd_setup, efd_child_init, efd_send, efd_recv, efd_done,
	  efd_reply, efd_recv_reply, efd_teardown },
	{ "unix", unix_setup, stream_child_init, stream_send, stream_recv,
	  no_done, stream_reply, stream_recv_reply, stream_teardown },
};

#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

/* ---- the two measurements ---- */

struct shared {
	int failed;
	char why[256];
	__u64 received;
	struct rxring_u2u_stats stats;
};

static struct shared *sh;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define CHILD_FAIL(...) do {						\
	snprintf(sh->why, sizeof(sh->why), __VA_ARGS__);		\
	sh->failed = 1;							\
} while (0)

/* Child of the rate test: take everything, in order, until STOP. */
static void rate_child(const struct method *m, struct chan *c,
		       unsigned int batch)
{
	const struct msg *msgs;
	__u64 next = 0;
	int n, i;

	for (;;) {
		n = m->recv(c, &msgs, batch);
		if (n <= 0) {
			CHILD_FAIL("%s: receive at %llu: %s", m->name,
				   (unsigned long long)next, strerror(-n));
			return;
		}
		for (i = 0; i < n; i++) {
			if (msgs[i].seq == STOP) {
				sh->received = next;
				m->done(c, (unsigned int)i + 1);
				return;
			}
			if (msgs[i].seq != next || msgs[i].pad[6] != next + 7) {
				CHILD_FAIL("%s: got %llu, expected %llu",
					   m->name,
					   (unsigned long long)msgs[i].seq,
					   (unsigned long long)next);
				return;
			}
			next++;
		}
		m->done(c, (unsigned int)n);
	}
}

/* Child of the latency test: answer every message until STOP. */
static void rtt_child(const struct method *m, struct chan *c,
		      unsigned int batch)
{
	const struct msg *msgs;
	struct reply r[MAX_BATCH];
	int n, i, ret;

	for (;;) {
		n = m->recv(c, &msgs, batch);
		if (n <= 0) {
			CHILD_FAIL("%s: receive: %s", m->name, strerror(-n));
			return;
		}
		for (i = 0; i < n; i++) {
			if (msgs[i].seq == STOP) {
				m->done(c, (unsigned int)i + 1);
				return;
			}
			r[i].seq = msgs[i].seq;
			r[i].val = (msgs[i].seq * 3) & 0x7fffffff;
		}
		m->done(c, (unsigned int)n);
		ret = m->reply(c, r, (unsigned int)n);
		if (ret) {
			CHILD_FAIL("%s: reply: %s", m->name, strerror(-ret));
			return;
		}
	}
}

struct cell {
	double rate;		/* messages per second */
	double rtt_us;		/* microseconds per round trip */
	double calls;		/* u2u: FUTEX calls per message (rate) */
	double yields;		/* u2u: sched_yield() calls per message */
	bool ok;
};

/* Fork the peer; run fn as the parent; collect the child. */
static int run_pair(const struct method *m, unsigned int entries,
		    unsigned int batch, bool rate, __u64 count, double secs,
		    struct cell *out)
{
	struct reply r[MAX_BATCH];
	struct chan c;
	__u64 seq = 0, rounds = 0, check = 0;
	unsigned int i, got;
	double t0, t;
	int ret = 0, st;
	pid_t pid;

	memset(&c, 0, sizeof(c));
	memset(sh, 0, sizeof(*sh));
	ret = m->setup(&c, entries);
	if (ret) {
		fprintf(stderr, "%s: setup: %s\n", m->name, strerror(-ret));
		return ret;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		pin(false);
		ret = m->child_init(&c);
		if (ret)
			CHILD_FAIL("%s: child setup: %s", m->name,
				   strerror(-ret));
		else if (rate)
			rate_child(m, &c, batch);
		else
			rtt_child(m, &c, batch);
		if (!strncmp(m->name, "u2u", 3))
			sh->stats = c.u.stats;
		m->teardown(&c);
		_exit(sh->failed);
	}

	/*
	 * The clock is read every 1024 messages or 16 round trips only: it
	 * can be a system call (the guest's HPET clock source has no vDSO),
	 * which would be counted against the transport.
	 */
	t0 = now_s();
	for (;;) {
		__u64 done = rate ? seq : rounds;

		if (done >= count)
			break;
		if (done >= check) {
			if (now_s() - t0 > secs)
				break;
			check = done + (rate ? 1024 : 16);
		}
		ret = m->send(&c, seq, batch);
		if (ret)
			break;
		if (rate) {
			seq += batch;
			continue;
		}
		for (got = 0; got < batch; got += (unsigned int)ret) {
			ret = m->recv_reply(&c, r, batch - got);
			if (ret <= 0)
				goto out;
			for (i = 0; i < (unsigned int)ret; i++) {
				if (r[i].seq != seq + got + i ||
				    r[i].val != (((seq + got + i) * 3) &
						 0x7fffffff)) {
					fprintf(stderr, "%s: bad reply\n",
						m->name);
					ret = -EPROTO;
					goto out;
				}
			}
		}
		ret = 0;
		seq += batch;
		rounds++;
	}
out:
	if (ret < 0)
		fprintf(stderr, "%s: %s\n", m->name, strerror(-ret));
	if (!ret)
		ret = m->send(&c, STOP, 1);
	else
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	t = now_s() - t0;
	if (!strncmp(m->name, "u2u", 3) && rate) {
		out->calls = (double)(c.u.stats.wakes + c.u.stats.waits +
				      sh->stats.wakes + sh->stats.waits) /
			     (seq ? seq : 1);
		out->yields = (double)(c.u.stats.yields + sh->stats.yields) /
			      (seq ? seq : 1);
	}
	m->teardown(&c);
	if (sh->failed) {
		fprintf(stderr, "%s: %s\n", m->name, sh->why);
		return -EPROTO;
	}
	if (ret || !WIFEXITED(st) || WEXITSTATUS(st))
		return ret ? ret : -EPROTO;
	if (rate) {
		if (sh->received != seq) {
			fprintf(stderr, "%s: sent %llu, received %llu\n",
				m->name, (unsigned long long)seq,
				(unsigned long long)sh->received);
			return -EPROTO;
		}
		out->rate = seq / t;
	} else {
		out->rtt_us = t * 1e6 / (rounds ? rounds : 1);
	}
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n MSGS] [-r ROUNDS] [-t SECS] [-R RUNS] [-b B,B..] [-m METHODS] [-s SPIN] [-e ENTRIES] [-p|-P]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	__u64 nmsgs = 2000000, nrounds = 100000;
	unsigned int batches[8] = { 1, 32 }, nb = 2, entries = 1024, i, j;
	unsigned int repeats = 3;
	struct cell cells[NMETHODS][8];
	bool want[NMETHODS];
	double secs = 1;
	int opt, failed = 0;
	char *tok, *save;

	for (i = 0; i < NMETHODS; i++)
		want[i] = true;
	while ((opt = getopt(argc, argv, "n:r:t:b:m:s:e:R:pP")) != -1) {
		switch (opt) {
		case 'n':
			nmsgs = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			nrounds = strtoull(optarg, NULL, 0);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'b':
			nb = 0;
			for (tok = strtok_r(optarg, ",", &save); tok && nb < 8;
			     tok = strtok_r(NULL, ",", &save)) {
				batches[nb] = (unsigned int)atoi(tok);
				if (!batches[nb] || batches[nb] > MAX_BATCH)
					usage(argv[0]);
				nb++;
			}
			break;
		case 'm':
			for (i = 0; i < NMETHODS; i++)
				want[i] = false;
			for (tok = strtok_r(optarg, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				for (i = 0; i < NMETHODS; i++)
					if (!strcmp(tok, methods[i].name))
						want[i] = true;
			}
			break;
		case 's':
			u2u_spin = atoll(optarg);
			break;
		case 'e':
			entries = (unsigned int)atoi(optarg);
			break;
		case 'p':
			pin_mode = 1;
			break;
		case 'P':
			pin_mode = 2;
			break;
		case 'R':
			repeats = (unsigned int)atoi(optarg);
			if (!repeats)
				usage(argv[0]);
			break;
		default:
			usage(argv[0]);
		}
	}
	for (i = 0; i < nb; i++)
		if (batches[i] > entries)
			usage(argv[0]);
	pin(true);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(cells, 0, sizeof(cells));
	for (i = 0; i < NMETHODS; i++) {
		for (j = 0; j < nb && want[i]; j++) {
			struct cell *c = &cells[i][j];

			unsigned int k;

			/* Best of `repeats`: other load only slows runs. */
			c->ok = true;
			for (k = 0; k < repeats && c->ok; k++) {
				struct cell r = { 0 };

				c->ok = !run_pair(&methods[i], entries,
						  batches[j], true, nmsgs,
						  secs, &r) &&
					!run_pair(&methods[i], entries,
						  batches[j], false, nrounds,
						  secs, &r);
				if (!k || r.rate > c->rate) {
					c->rate = r.rate;
					c->calls = r.calls;
				}
				if (!k || r.rtt_us < c->rtt_us)
					c->rtt_us = r.rtt_us;
				/* Progress, for a run that is cut short. */
				fprintf(stderr,
					"%s batch %u run %u: %s, %.0f msgs/s, %.2f us, %.4f futex and %.4f yield calls/msg\n",
					methods[i].name, batches[j], k + 1,
					c->ok ? "ok" : "FAILED", r.rate,
					r.rtt_us, r.calls, r.yields);
			}
			failed |= !c->ok;
		}
	}

	printf("rxring-u2u-bench: 64-byte messages, 16-byte replies, %u-entry rings, best of %u runs of at most %g s%s\n",
	       entries, repeats, secs,
	       pin_mode == 1 ? ", on CPUs 0 and 1" :
	       pin_mode == 2 ? ", both on CPU 0" : "");
	printf("%-10s %5s %14s %8s %16s %12s\n", "method", "batch", "msgs/s",
	       "x pipe", "round trip (us)", "futex/msg");
	for (j = 0; j < nb; j++) {
		for (i = 0; i < NMETHODS; i++) {
			const struct cell *c = &cells[i][j];
			double pipe_rate = cells[2][j].rate;
			char ratio[16] = "-", calls[16] = "";

			if (!want[i])
				continue;
			if (!c->ok) {
				printf("%-10s %5u %14s\n", methods[i].name,
				       batches[j], "FAILED");
				continue;
			}
			if (pipe_rate > 0)
				snprintf(ratio, sizeof(ratio), "%.2f",
					 c->rate / pipe_rate);
			if (i <= 1)
				snprintf(calls, sizeof(calls), "%.4f",
					 c->calls);
			printf("%-10s %5u %14.0f %8s %16.2f %12s\n",
			       methods[i].name, batches[j], c->rate, ratio,
			       c->rtt_us, calls);
		}
	}
	return failed;
}
