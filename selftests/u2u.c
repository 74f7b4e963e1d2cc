// SPDX-License-Identifier: GPL-2.0
/*
 * u2u: librxring's user-to-user ring pairs (rxring_u2u.h), woken through
 * rxring's FUTEX.
 *  - layout and attach checks: bad counts, unsealed or foreign memfds,
 *    headers that do not describe their memfd, roles taken twice;
 *  - two processes exchange N SQEs and N completions (a mix of normal CQEs
 *    and extended pairs) with nothing lost, duplicated or reordered, every
 *    field checked: both sides blocking, both busy-polling (then no FUTEX
 *    call at all), one of each, and rings of 2 and 8 entries that go full
 *    and empty all the time. N: 10 million (the figure) with both
 *    sides polling (8 to 62 s in the emulated guest on the shared host);
 *    1 million with both sides blocking in the library's waits (10 million
 *    took 30 to 130 s there, too close to the runner's 300 s for the whole
 *    program); fewer for the variants that sleep on every full or empty
 *    ring (200 to 1 500 000 entries a second there). RXRING_U2U_N sets N
 *    for every variant, RXRING_U2U_ONLY=name,... runs only those variants
 *    (the others skip). The exchange reports entries per second and FUTEX
 *    calls;
 *  - wake-ups only when the peer announced it may sleep;
 *  - waiting through the kernel ring: FUTEX WAIT64 SQEs for two pairs at
 *    once, only the one that got entries completes;
 *  - peer death: kill -9 of either side wakes the survivor with -EPIPE
 *    (through a pidfd of the peer, or the pid it wrote into the header),
 *    no hang; entries published before the death can still be taken;
 *  - garbage indices and cut extended pairs -> -EIO, sticky; random
 *    indices and slots never crash or return more than can be there;
 *  - DROP: what was published is drained, then -EPIPE; a sleeper is woken
 *    by the close itself; attaching to a closed pair fails;
 *  - a pair handed over a unix socket (SCM_RIGHTS, SCM_CREDENTIALS) with
 *    a data area;
 *  - timeouts, EINTR, and the scheme-server example (when installed).
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "harness.h"
#include "kops.h"
#include <rxring_u2u.h>

#define WATCHDOG_NS	(20 * RX_NSEC)
#define BATCH		32

/* Results a child process reports to the test. */
struct report {
	int failed;
	int ready;
	char why[512];
	struct rxring_u2u_stats stats;
	__u64 done;
	__s64 value;
};

static struct report *new_report(void)
{
	void *p = mmap(NULL, rx_page(), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

#define CHILD_FAIL(rep, ...) do {					\
	snprintf((rep)->why, sizeof((rep)->why), __VA_ARGS__);		\
	(rep)->failed = 1;						\
} while (0)

/* Wait for a child; its exit status, or 128 + signal. */
static int reap(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* A child's copy of the pair as the other side: attach, forget ours. */
static int child_attach(struct rxring_u2u *mine, struct rxring_u2u *theirs,
			unsigned int role)
{
	int ret = rxring_u2u_attach(mine, theirs->memfd, role);

	rxring_u2u_forget(theirs);
	if (!ret)
		ret = rxring_u2u_set_peer(mine, getppid());
	return ret;
}

static bool lane_debug(void)
{
	const char *l = getenv("RXRING_LANE");

	return l && !strcmp(l, "debug");
}

/*
 * A kernel ring. On the host (make -C selftests host-u2u), /dev/rxring is
 * /dev/null and only RXRING_IOC_FUTEX is emulated: those tests skip.
 */
#define KERNEL_RING_OR_SKIP(ret) do {					\
	if ((ret) == -ENOTTY && getenv("RXRING_U2U_HOST"))		\
		SKIP(return, "no kernel ring on the host");		\
	ASSERT_EQ(0, (ret)) TH_LOG("kernel ring: %s", strerror(-(ret))); \
} while (0)

/* ---- the entries of the exchange: entry i is a function of i ---------- */

static void x_sqe(struct rxring_sqe *s, __u64 i)
{
	memset(s, 0, sizeof(*s));
	s->opcode = (__u8)(RXRING_OP_USER_FIRST + i % 128);
	s->flags = (__u8)(i >> 7);
	s->priority = (__u16)(i * 3);
	s->syscall_flags = (__u32)(i ^ 0x5a5a5a5a);
	s->fd = i;
	s->len = i * 2 + 1;
	s->user_data = i;
	s->addr = ~i;
	s->offset = i * 0x9e3779b97f4a7c15ULL;
	s->additional1 = i + 7;
	s->additional2 = i << 17;
}

/* Completion i: every 5th a 64-bit status, every 11th an extra, ... */
static void x_cqe(struct rxring_completion *c, __u64 i)
{
	c->user_data = i ^ 0xc0ffee;
	c->status = i % 7 == 0 ? -(__s64)(i % 4095) - 1 : (__s32)i;
	if (i % 5 == 0)
		c->status = (__s64)(i << 20) + (1LL << 40);
	c->extra = i % 11 == 0 ? i * 3 + 1 : 0;
	c->flags = i % 2 ? 0x10 : 0;
	if (i % 13 == 0)
		c->flags |= (i & 0xff) << 40;
}

static bool x_is_pair(const struct rxring_completion *c)
{
	return c->status != (__s32)c->status || c->extra ||
	       c->flags > 0xffffffffULL;
}

struct xside {
	__u64 n;
	bool block;
	struct report *rep;
	bool zc;
};

/*
 * Zero-copy push: fill slots in place, then publish them all; slot by slot
 * (get_sqe) and in runs of contiguous slots (get_sqes) in turn.
 */
static int x_push_zc(struct rxring_u2u *u, __u64 first, unsigned int m)
{
	struct rxring_sqe *sqe;
	unsigned int i, k;
	int ret;

	for (i = 0; i < m && first / BATCH % 2; i++) {
		sqe = rxring_u2u_get_sqe(u);
		if (!sqe)
			break;
		x_sqe(sqe, first + i);
	}
	for (; i < m && !(first / BATCH % 2); i += (unsigned int)ret) {
		ret = rxring_u2u_get_sqes(u, &sqe, m - i);
		if (ret == -EAGAIN)
			break;
		if (ret <= 0)
			return ret ? ret : -EPROTO;
		for (k = 0; k < (unsigned int)ret; k++)
			x_sqe(&sqe[k], first + i + k);
	}
	ret = rxring_u2u_submit(u);
	if (ret < 0)
		return ret;
	return ret == (int)i ? (i ? (int)i : -EAGAIN) : -EPROTO;
}

/* Zero-copy pop: check in place, then hand the slots back. */
static int x_pop_zc(struct rxring_u2u *u, struct rxring_sqe *out,
		    unsigned int m)
{
	const struct rxring_sqe *in;
	int k = rxring_u2u_peek_sqes(u, &in, m), ret;

	if (k <= 0)
		return k;
	memcpy(out, in, (size_t)k * sizeof(*in));
	ret = rxring_u2u_advance_sqes(u, (unsigned int)k);
	return ret ? ret : k;
}

/* The waits of the exchange: no slices, so a lost wake-up is a timeout. */
static int x_wait(struct rxring_u2u *u, unsigned int what)
{
	return rxring_u2u_wait(u, what, WATCHDOG_NS);
}

/* Submitter: push SQEs 0..n-1, take and check their completions. */
static void x_submitter(struct rxring_u2u *u, const struct xside *x)
{
	struct rxring_sqe sqes[BATCH];
	struct rxring_completion got[BATCH], want;
	__u64 sub = 0, done = 0, i;
	int k, ret;

	while (done < x->n) {
		bool progress = false;

		if (sub < x->n) {
			unsigned int m = x->n - sub < BATCH ?
					 (unsigned int)(x->n - sub) : BATCH;

			if (x->zc) {
				k = x_push_zc(u, sub, m);
			} else {
				for (i = 0; i < m; i++)
					x_sqe(&sqes[i], sub + i);
				k = rxring_u2u_push_sqes(u, sqes, m);
			}
			if (k > 0) {
				sub += (__u64)k;
				progress = true;
			} else if (k != -EAGAIN) {
				CHILD_FAIL(x->rep, "push at %llu: %s",
					   (unsigned long long)sub,
					   strerror(-k));
				return;
			}
		}
		k = rxring_u2u_pop_cqes(u, got, BATCH);
		if (k > 0) {
			for (i = 0; i < (__u64)k; i++, done++) {
				x_cqe(&want, done);
				if (x_is_pair(&want))
					want.flags |= RXRING_CQE_EXTENDED;
				if (memcmp(&want, &got[i], sizeof(want))) {
					CHILD_FAIL(x->rep,
						   "completion %llu: user_data %llu status %lld flags %llx extra %llu",
						   (unsigned long long)done,
						   (unsigned long long)got[i].user_data,
						   (long long)got[i].status,
						   (unsigned long long)got[i].flags,
						   (unsigned long long)got[i].extra);
					return;
				}
			}
			progress = true;
		} else if (k != -EAGAIN) {
			CHILD_FAIL(x->rep, "pop at %llu: %s",
				   (unsigned long long)done, strerror(-k));
			return;
		}
		if (progress)
			continue;
		if (!x->block) {
			sched_yield();
			continue;
		}
		/* Nothing moved: completions must come (the SQ is not empty). */
		ret = x_wait(u, RXRING_U2U_READABLE);
		if (ret) {
			CHILD_FAIL(x->rep, "submitter wait at %llu/%llu: %s",
				   (unsigned long long)done,
				   (unsigned long long)sub, strerror(-ret));
			return;
		}
	}
	x->rep->done = done;
}

/* Handler: take SQEs in order, check them, complete each. */
static void x_handler(struct rxring_u2u *u, const struct xside *x)
{
	struct rxring_sqe got[BATCH], want;
	struct rxring_completion cqes[BATCH];
	__u64 taken = 0, done = 0, i;
	int k, ret;

	while (done < x->n) {
		bool progress = false;

		if (done < taken) {
			unsigned int m = taken - done < BATCH ?
					 (unsigned int)(taken - done) : BATCH;

			for (i = 0; i < m; i++)
				x_cqe(&cqes[i], done + i);
			k = rxring_u2u_push_cqes(u, cqes, m);
			if (k > 0) {
				done += (__u64)k;
				progress = true;
			} else if (k != -EAGAIN) {
				CHILD_FAIL(x->rep, "complete at %llu: %s",
					   (unsigned long long)done,
					   strerror(-k));
				return;
			}
		}
		if (taken - done < 2 * BATCH && taken < x->n) {
			k = x->zc ? x_pop_zc(u, got, BATCH) :
				    rxring_u2u_pop_sqes(u, got, BATCH);
			if (k > 0) {
				for (i = 0; i < (__u64)k; i++, taken++) {
					x_sqe(&want, taken);
					if (memcmp(&want, &got[i],
						   sizeof(want))) {
						CHILD_FAIL(x->rep,
							   "SQE %llu: user_data %llu opcode %u",
							   (unsigned long long)taken,
							   (unsigned long long)got[i].user_data,
							   got[i].opcode);
						return;
					}
				}
				progress = true;
			} else if (k != -EAGAIN) {
				CHILD_FAIL(x->rep, "take at %llu: %s",
					   (unsigned long long)taken,
					   strerror(-k));
				return;
			}
		}
		if (progress)
			continue;
		if (!x->block) {
			sched_yield();
			continue;
		}
		/* Completions waiting: the CQ is full. Else: the SQ is empty. */
		ret = x_wait(u, done < taken ? RXRING_U2U_WRITABLE :
						RXRING_U2U_READABLE);
		if (ret) {
			CHILD_FAIL(x->rep, "handler wait at %llu/%llu: %s",
				   (unsigned long long)done,
				   (unsigned long long)taken, strerror(-ret));
			return;
		}
	}
	x->rep->done = done;
}

/* The count of an exchange: RXRING_U2U_N, else def (less when debug). */
static __u64 x_count(__u64 def)
{
	const char *e = getenv("RXRING_U2U_N");

	if (e && *e)
		return strtoull(e, NULL, 0);
	return lane_debug() ? def / 10 : def;
}

/* RXRING_U2U_ONLY=name,name...: the exchange variants to run (else all). */
static bool x_selected(const char *name)
{
	const char *e = getenv("RXRING_U2U_ONLY"), *p;
	size_t len = strlen(name);

	if (!e || !*e)
		return true;
	for (p = e; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
	}
	return false;
}

FIXTURE(xchg) {
	struct rxring_u2u u;
	struct report *rep;	/* the handler child's */
	struct report *mine;
	pid_t child;
};

FIXTURE_VARIANT(xchg) {
	const char *name;	/* for RXRING_U2U_ONLY */
	unsigned int sq, cq;
	bool sub_block, han_block;
	__u64 n;		/* default count */
	bool spin;		/* the library's spin before sleeping, else 0 */
	bool zc;		/* get_sqe/submit and peek/advance: no copies */
};

FIXTURE_VARIANT_ADD(xchg, both_block) {
	.name = "both_block",
	.sq = 64, .cq = 128, .sub_block = true, .han_block = true,
	.n = 100000,
};

FIXTURE_VARIANT_ADD(xchg, both_block_spin) {
	.name = "both_block_spin",
	.sq = 64, .cq = 128, .sub_block = true, .han_block = true,
	.n = 1000000, .spin = true,
};

FIXTURE_VARIANT_ADD(xchg, zero_copy) {
	.name = "zero_copy",
	.sq = 16, .cq = 32, .sub_block = true, .han_block = true,
	.n = 200000, .spin = true, .zc = true,
};

FIXTURE_VARIANT_ADD(xchg, both_poll) {
	.name = "both_poll",
	.sq = 64, .cq = 128, .sub_block = false, .han_block = false,
	.n = 10000000,
};

FIXTURE_VARIANT_ADD(xchg, submitter_blocks) {
	.name = "submitter_blocks",
	.sq = 16, .cq = 32, .sub_block = true, .han_block = false,
	.n = 200000,
};

FIXTURE_VARIANT_ADD(xchg, handler_blocks) {
	.name = "handler_blocks",
	.sq = 16, .cq = 32, .sub_block = false, .han_block = true,
	.n = 200000,
};

FIXTURE_VARIANT_ADD(xchg, rings_of_8) {
	.name = "rings_of_8",
	.sq = 8, .cq = 8, .sub_block = true, .han_block = true,
	.n = 5000,
};

FIXTURE_VARIANT_ADD(xchg, rings_of_2) {
	.name = "rings_of_2",
	.sq = 2, .cq = 2, .sub_block = true, .han_block = true,
	.n = 2000,
};

FIXTURE_VARIANT_ADD(xchg, sq_1_cq_2) {
	.name = "sq_1_cq_2",
	.sq = 1, .cq = 2, .sub_block = true, .han_block = true,
	.n = 1000,
};

FIXTURE_SETUP(xchg)
{
	self->child = -1;
	self->rep = new_report();
	self->mine = new_report();
	ASSERT_NE(NULL, self->rep);
	ASSERT_NE(NULL, self->mine);
}

FIXTURE_TEARDOWN(xchg)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		reap(self->child);
	}
	rxring_u2u_close(&self->u);
}

/*
 * The runner's limit (settings: 300 s for the whole program) bounds a CI
 * run; this one only bounds long runs asked for with RXRING_U2U_N.
 */
TEST_F_TIMEOUT(xchg, exchange, 3600)
{
	struct xside sub = { x_count(variant->n), variant->sub_block,
			     self->mine, variant->zc };
	struct xside han = { sub.n, variant->han_block, self->rep,
			     variant->zc };
	long long t0, ns;
	int ret;

	if (!x_selected(variant->name))
		SKIP(return, "not in RXRING_U2U_ONLY");
	ret = rxring_u2u_create(&self->u, variant->sq, variant->cq, 0,
				RXRING_U2U_SUBMITTER);
	ASSERT_EQ(0, ret) TH_LOG("create: %s", strerror(-ret));
	self->u.liveness_ns = 0;	/* a lost wake-up must show */
	if (!variant->spin)
		self->u.spin_ns = 0;	/* sleep at once: the FUTEX path */

	t0 = rx_now_ns();
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		struct rxring_u2u h;

		ret = child_attach(&h, &self->u, RXRING_U2U_HANDLER);
		if (ret) {
			CHILD_FAIL(han.rep, "attach: %s", strerror(-ret));
			_exit(1);
		}
		h.liveness_ns = 0;
		if (!variant->spin)
			h.spin_ns = 0;
		x_handler(&h, &han);
		han.rep->stats = h.stats;
		rxring_u2u_close(&h);
		_exit(han.rep->failed);
	}
	ASSERT_EQ(0, rxring_u2u_set_peer(&self->u, self->child));
	x_submitter(&self->u, &sub);
	if (self->mine->failed)
		kill(self->child, SIGKILL);
	EXPECT_EQ(0, reap(self->child)) TH_LOG("handler: %s", self->rep->why);
	self->child = -1;
	ns = rx_now_ns() - t0;
	ASSERT_EQ(0, self->mine->failed) TH_LOG("submitter: %s",
						self->mine->why);
	ASSERT_EQ(0, self->rep->failed) TH_LOG("handler: %s", self->rep->why);
	ASSERT_EQ(sub.n, self->mine->done);
	ASSERT_EQ(sub.n, self->rep->done);
	TH_LOG("%llu entries each way in %.2f s: %.0f round trips/s; FUTEX calls: submitter %llu wake %llu wait, handler %llu wake %llu wait",
	       (unsigned long long)sub.n, ns / 1e9, sub.n * 1e9 / ns,
	       (unsigned long long)self->u.stats.wakes,
	       (unsigned long long)self->u.stats.waits,
	       (unsigned long long)self->rep->stats.wakes,
	       (unsigned long long)self->rep->stats.waits);
	if (!variant->sub_block && !variant->han_block) {
		/* Nobody ever announced a sleep: not one system call. */
		EXPECT_EQ(0ULL, self->u.stats.wakes + self->u.stats.waits);
		EXPECT_EQ(0ULL, self->rep->stats.wakes +
				self->rep->stats.waits);
	}
}

/* ---- single-process fixture: both sides of one pair here ------------- */

FIXTURE(pair) {
	struct rxring_u2u s;	/* submitter (creator) */
	struct rxring_u2u h;	/* handler (attached) */
	struct report *rep;
	pid_t child;
};

FIXTURE_SETUP(pair)
{
	int ret;

	self->child = -1;
	rx_raise_memlock();
	ret = rxring_u2u_create(&self->s, 8, 8, 2 * rx_page(),
				RXRING_U2U_SUBMITTER);
	ASSERT_EQ(0, ret) TH_LOG("create: %s", strerror(-ret));
	ret = rxring_u2u_attach(&self->h, self->s.memfd, RXRING_U2U_ANY);
	ASSERT_EQ(0, ret) TH_LOG("attach: %s", strerror(-ret));
	self->rep = new_report();
	ASSERT_NE(NULL, self->rep);
}

FIXTURE_TEARDOWN(pair)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		reap(self->child);
	}
	rxring_u2u_close(&self->h);
	rxring_u2u_close(&self->s);
}

static void sqe_n(struct rxring_sqe *s, __u64 i)
{
	x_sqe(s, i);
}

/* Push entries i .. i + n - 1 one call each; 0 or the first error. */
static int push_n(struct rxring_u2u *s, __u64 i, unsigned int n)
{
	struct rxring_sqe sqe;
	int ret;

	while (n--) {
		sqe_n(&sqe, i++);
		ret = rxring_u2u_push_sqes(s, &sqe, 1);
		if (ret != 1)
			return ret < 0 ? ret : -EPROTO;
	}
	return 0;
}

TEST_F(pair, layout)
{
	struct rxring_u2u *s = &self->s, *h = &self->h, t;
	char *base = (char *)s->sh;
	struct rxring_completion c;
	struct rxring_sqe sqe;

	ASSERT_EQ(RXRING_U2U_HANDLER, h->role);
	ASSERT_EQ(RXRING_U2U_SUBMITTER, s->role);
	/* The kernel rings' formats and header rules. */
	EXPECT_EQ(0U, (unsigned long)&s->prod.hdr->head % 128);
	EXPECT_EQ(128, (char *)&s->prod.hdr->tail - (char *)&s->prod.hdr->head);
	EXPECT_EQ(0U, (unsigned long)s->prod.entries % 64);
	EXPECT_EQ(0U, (unsigned long)s->cons.entries % 64);
	EXPECT_EQ(8U, s->prod.entries_nr);
	EXPECT_EQ(8U, h->cons.entries_nr);
	/* Same memory, other mapping. */
	EXPECT_EQ((char *)s->prod.hdr - base,
		  (char *)h->cons.hdr - (char *)h->sh);
	EXPECT_EQ(RXRING_U2U_MAGIC, s->sh->magic);
	EXPECT_EQ(2 * rx_page(), s->data_size);
	EXPECT_EQ(0U, (unsigned long)s->data % 4096);
	EXPECT_EQ(s->data, rxring_u2u_data(s, 0, s->data_size));
	EXPECT_EQ(NULL, rxring_u2u_data(s, 1, s->data_size));
	EXPECT_EQ(NULL, rxring_u2u_data(s, s->data_size + 1, 0));
	EXPECT_EQ(NULL, rxring_u2u_data(s, 8, ~0ULL));
	EXPECT_EQ((char *)s->data + 100, rxring_u2u_data(s, 100, 10));
	/* Data written on one side is seen on the other. */
	memcpy(s->data, "hello", 5);
	EXPECT_EQ(0, memcmp(h->data, "hello", 5));
	/* Both sides claimed: a third attach finds no free role. */
	EXPECT_EQ(-EBUSY, rxring_u2u_attach(&t, s->memfd, RXRING_U2U_ANY));
	EXPECT_EQ(-EBUSY, rxring_u2u_attach(&t, s->memfd,
					    RXRING_U2U_HANDLER));
	EXPECT_EQ(-EINVAL, rxring_u2u_attach(&t, s->memfd, 3));
	/* Role checks. */
	memset(&c, 0, sizeof(c));
	sqe_n(&sqe, 0);
	EXPECT_EQ(-EINVAL, rxring_u2u_push_sqes(h, &sqe, 1));
	EXPECT_EQ(-EINVAL, rxring_u2u_pop_sqes(s, &sqe, 1));
	EXPECT_EQ(-EINVAL, rxring_u2u_push_cqes(s, &c, 1));
	EXPECT_EQ(-EINVAL, rxring_u2u_pop_cqes(h, &c, 1));
	EXPECT_EQ(-EINVAL, rxring_u2u_push_sqes(s, &sqe, 0));
	EXPECT_EQ(-EINVAL, rxring_u2u_wait(s, 3, 0));
}

TEST(create_checks)
{
	struct rxring_u2u u;
	static const unsigned int bad[][2] = {
		{ 0, 2 }, { 3, 8 }, { 8, 1 }, { 8, 3 }, { 65536, 0 },
		{ 8, 131072 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, rxring_u2u_create(&u, bad[i][0], bad[i][1],
						     0, RXRING_U2U_SUBMITTER))
			TH_LOG("sq %u cq %u", bad[i][0], bad[i][1]);
	EXPECT_EQ(-EINVAL, rxring_u2u_create(&u, 8, 8, 0, 0));
	EXPECT_EQ(-EINVAL, rxring_u2u_create(&u, 8, 8, 0, 3));
	EXPECT_EQ(-EINVAL, rxring_u2u_create(&u, 8, 8, (size_t)1 << 33,
					     RXRING_U2U_HANDLER));
	ASSERT_EQ(0, rxring_u2u_create(&u, 1, 0, 1, RXRING_U2U_HANDLER));
	EXPECT_EQ(2U, u.prod.entries_nr);	/* cq = 2 * sq */
	EXPECT_EQ(4096U, u.data_size);
	rxring_u2u_close(&u);
	ASSERT_EQ(0, rxring_u2u_create(&u, 32768, 65536, 0,
				       RXRING_U2U_SUBMITTER));
	rxring_u2u_close(&u);
}

/* A sealed memfd holding a copy of src's pair with mutate() applied. */
static int forged(const struct rxring_u2u *src,
		  void (*mutate)(struct rxring_u2u_shared *sh, size_t *size),
		  unsigned int seals)
{
	size_t size = src->map_size;
	void *copy = malloc(size + 8192);
	int fd = memfd_create("forged", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (!copy || fd < 0) {
		free(copy);
		return -ENOMEM;
	}
	memset(copy, 0, size + 8192);
	memcpy(copy, src->sh, size);
	((struct rxring_u2u_shared *)copy)->side[1].attached = 0;
	if (mutate)
		mutate(copy, &size);
	if (write(fd, copy, size) != (ssize_t)size ||
	    (seals && fcntl(fd, F_ADD_SEALS, seals))) {
		close(fd);
		fd = -EIO;
	}
	free(copy);
	return fd;
}

static void m_magic(struct rxring_u2u_shared *sh, size_t *size)
{
	(void)size;
	sh->magic ^= 1;
}

static void m_version(struct rxring_u2u_shared *sh, size_t *size)
{
	(void)size;
	sh->version = 2;
}

static void m_header_size(struct rxring_u2u_shared *sh, size_t *size)
{
	(void)size;
	sh->header_size = 4096;
}

static void m_sq_big(struct rxring_u2u_shared *sh, size_t *size)
{
	(void)size;
	sh->sq_entries = 1U << 20;	/* rings past the end of the memfd */
}

static void m_sq_odd(struct rxring_u2u_shared *sh, size_t *size)
{
	(void)size;
	sh->sq_entries = 12;
}

static void m_cq_zero(struct rxring_u2u_shared *sh, size_t *size)
{
	(void)size;
	sh->cq_entries = 0;
}

static void m_cqes_off(struct rxring_u2u_shared *sh, size_t *size)
{
	(void)size;
	sh->cqes_off = sh->total_size - 16;
}

static void m_data_big(struct rxring_u2u_shared *sh, size_t *size)
{
	(void)size;
	sh->data_size += 4096;	/* says more than the memfd holds */
}

static void m_total(struct rxring_u2u_shared *sh, size_t *size)
{
	sh->total_size += 4096;
	*size += 4096;		/* memfd and header agree, layout does not */
}

static void m_short(struct rxring_u2u_shared *sh, size_t *size)
{
	(void)sh;
	*size -= 4096;
}

TEST_F(pair, attach_checks)
{
	static const struct {
		const char *what;
		void (*mutate)(struct rxring_u2u_shared *, size_t *);
		int err;
	} cases[] = {
		{ "magic", m_magic, -EPROTO },
		{ "version", m_version, -EPROTONOSUPPORT },
		{ "header size", m_header_size, -EPROTO },
		{ "sq entries past the end", m_sq_big, -EPROTO },
		{ "sq entries not a power of two", m_sq_odd, -EPROTO },
		{ "cq entries 0", m_cq_zero, -EPROTO },
		{ "cqes offset", m_cqes_off, -EPROTO },
		{ "data size", m_data_big, -EPROTO },
		{ "total size", m_total, -EPROTO },
		{ "memfd shorter than the header says", m_short, -EPROTO },
	};
	const unsigned int all = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	struct rxring_u2u t;
	unsigned int i;
	int fd, pipefd[2];

	/* An exact copy attaches: the checks below are about one field. */
	fd = forged(&self->s, NULL, all);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rxring_u2u_attach(&t, fd, RXRING_U2U_ANY));
	EXPECT_EQ(RXRING_U2U_HANDLER, t.role);
	rxring_u2u_forget(&t);
	close(fd);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = forged(&self->s, cases[i].mutate, all);
		ASSERT_LE(0, fd);
		EXPECT_EQ(cases[i].err, rxring_u2u_attach(&t, fd,
							  RXRING_U2U_ANY))
			TH_LOG("%s", cases[i].what);
		EXPECT_EQ(NULL, t.sh);
		close(fd);
	}
	/* Size not sealed: the creator could shrink it under us (SIGBUS). */
	fd = forged(&self->s, NULL, F_SEAL_SHRINK | F_SEAL_SEAL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, rxring_u2u_attach(&t, fd, RXRING_U2U_ANY));
	close(fd);
	fd = forged(&self->s, NULL, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, rxring_u2u_attach(&t, fd, RXRING_U2U_ANY));
	close(fd);
	/* Not a memfd at all. */
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-EINVAL, rxring_u2u_attach(&t, pipefd[0], RXRING_U2U_ANY));
	close(pipefd[0]);
	close(pipefd[1]);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, rxring_u2u_attach(&t, fd, RXRING_U2U_ANY));
	close(fd);
	EXPECT_EQ(-EBADF, rxring_u2u_attach(&t, 12345, RXRING_U2U_ANY));
}

TEST_F(pair, full_and_empty)
{
	struct rxring_u2u *s = &self->s, *h = &self->h;
	struct rxring_sqe sqes[16], want;
	struct rxring_completion c[16], w;
	unsigned int round, i;

	for (round = 0; round < 5; round++) {
		__u64 base = round * 8;

		/* Empty: nothing to take, everything to fill. */
		EXPECT_EQ(-EAGAIN, rxring_u2u_pop_sqes(h, sqes, 1));
		EXPECT_EQ(0, rxring_u2u_ready(h, RXRING_U2U_READABLE));
		EXPECT_EQ(8, rxring_u2u_ready(s, RXRING_U2U_WRITABLE));
		for (i = 0; i < 16; i++)
			sqe_n(&sqes[i], base + i);
		/* 16 offered, 8 fit; then full. */
		ASSERT_EQ(8, rxring_u2u_push_sqes(s, sqes, 16));
		EXPECT_EQ(-EAGAIN, rxring_u2u_push_sqes(s, sqes, 1));
		EXPECT_EQ(0, rxring_u2u_ready(s, RXRING_U2U_WRITABLE));
		EXPECT_EQ(8, rxring_u2u_ready(h, RXRING_U2U_READABLE));
		EXPECT_EQ(-ETIMEDOUT, rxring_u2u_wait(s, RXRING_U2U_WRITABLE,
						      RX_MSEC));
		ASSERT_EQ(3, rxring_u2u_pop_sqes(h, sqes, 3));
		ASSERT_EQ(5, rxring_u2u_pop_sqes(h, sqes + 3, 16));
		for (i = 0; i < 8; i++) {
			sqe_n(&want, base + i);
			EXPECT_EQ(0, memcmp(&want, &sqes[i], sizeof(want)));
		}
		/* Completions: pairs wrap around the end of the 8-slot CQ. */
		for (i = 0; i < 8; i++) {
			memset(&c[i], 0, sizeof(c[i]));
			c[i].user_data = base + i;
			c[i].status = (i + round) % 2 ? 1LL << 40 : (__s64)i;
			c[i].extra = i;
		}
		/* Every entry but i == 0 is a pair: 1 + 2 * 3 = 7 slots fit. */
		ASSERT_EQ(4, rxring_u2u_push_cqes(h, c, 8));
		EXPECT_EQ(0, rxring_u2u_ready(h, RXRING_U2U_WRITABLE));
		EXPECT_EQ(-EAGAIN, rxring_u2u_push_cqes(h, c + 4, 1));
		ASSERT_EQ(4, rxring_u2u_pop_cqes(s, c + 8, 8));
		for (i = 0; i < 4; i++) {
			w = c[i];
			if (x_is_pair(&w))
				w.flags |= RXRING_CQE_EXTENDED;
			EXPECT_EQ(0, memcmp(&w, &c[8 + i], sizeof(w)))
				TH_LOG("round %u completion %u", round, i);
		}
		ASSERT_EQ(4, rxring_u2u_push_cqes(h, c + 4, 4));
		ASSERT_EQ(4, rxring_u2u_pop_cqes(s, c + 8, 8));
		EXPECT_EQ(-EAGAIN, rxring_u2u_pop_cqes(s, c, 1));
		/* A 64-bit flag word and an explicit EXTENDED make pairs. */
		memset(&c[0], 0, sizeof(c[0]));
		c[0].flags = 1ULL << 63;
		c[1] = c[0];
		c[1].flags = RXRING_CQE_EXTENDED;
		ASSERT_EQ(2, rxring_u2u_push_cqes(h, c, 2));
		ASSERT_EQ(2, rxring_u2u_pop_cqes(s, c + 8, 8));
		EXPECT_EQ((1ULL << 63) | RXRING_CQE_EXTENDED, c[8].flags);
		EXPECT_EQ((__u64)RXRING_CQE_EXTENDED, c[9].flags);
	}
	/* No side ever announced a sleep: no FUTEX call at all. */
	EXPECT_EQ(0ULL, s->stats.wakes);
	EXPECT_EQ(0ULL, h->stats.wakes);
}

/* get_sqe/submit and peek/advance: in place, in order, bounded. */
TEST_F(pair, zero_copy)
{
	struct rxring_u2u *s = &self->s, *h = &self->h;
	const struct rxring_sqe *in;
	struct rxring_sqe *sqe, *sqes, want;
	struct rxring_completion c;
	unsigned int i;

	/* Fill the 8-entry SQ in place; the 9th slot is not there. */
	for (i = 0; i < 8; i++) {
		sqe = rxring_u2u_get_sqe(s);
		ASSERT_NE(NULL, sqe);
		x_sqe(sqe, i);
	}
	EXPECT_EQ(NULL, rxring_u2u_get_sqe(s));
	EXPECT_EQ(-EAGAIN, rxring_u2u_peek_sqes(h, &in, 8));	/* unpublished */
	EXPECT_EQ(8, rxring_u2u_submit(s));
	EXPECT_EQ(0, rxring_u2u_submit(s));
	ASSERT_EQ(8, rxring_u2u_peek_sqes(h, &in, 16));
	for (i = 0; i < 8; i++) {
		x_sqe(&want, i);
		EXPECT_EQ(0, memcmp(&want, &in[i], sizeof(want)));
	}
	EXPECT_EQ(-EINVAL, rxring_u2u_advance_sqes(h, 9));
	ASSERT_EQ(0, rxring_u2u_advance_sqes(h, 5));
	EXPECT_EQ(0, rxring_u2u_advance_sqes(h, 0));
	/* Five slots free again: two by get_sqe, then a push after them. */
	for (i = 8; i < 10; i++) {
		sqe = rxring_u2u_get_sqe(s);
		ASSERT_NE(NULL, sqe);
		x_sqe(sqe, i);
	}
	x_sqe(&want, 10);
	EXPECT_EQ(1, rxring_u2u_push_sqes(s, &want, 1));	/* publishes 3 */
	/* The ring wraps at index 8: peek gives what is contiguous. */
	ASSERT_EQ(3, rxring_u2u_peek_sqes(h, &in, 16));
	EXPECT_EQ(5ULL, in[0].user_data);
	ASSERT_EQ(0, rxring_u2u_advance_sqes(h, 3));
	ASSERT_EQ(3, rxring_u2u_peek_sqes(h, &in, 16));
	EXPECT_EQ(8ULL, in[0].user_data);
	EXPECT_EQ(10ULL, in[2].user_data);
	ASSERT_EQ(1, rxring_u2u_peek_sqes(h, &in, 1));
	ASSERT_EQ(0, rxring_u2u_advance_sqes(h, 1));
	EXPECT_EQ(-EINVAL, rxring_u2u_advance_sqes(h, 3));	/* only 2 left */
	ASSERT_EQ(0, rxring_u2u_advance_sqes(h, 2));
	EXPECT_EQ(-EAGAIN, rxring_u2u_peek_sqes(h, &in, 1));

	/*
	 * In bulk: the ring is empty at index 11 (slot 3). One slot by
	 * get_sqe, then get_sqes gives slots 4..7 (contiguous only), then
	 * 0..2, then nothing (8 handed out).
	 */
	sqe = rxring_u2u_get_sqe(s);
	ASSERT_NE(NULL, sqe);
	x_sqe(sqe, 11);
	EXPECT_EQ(-EINVAL, rxring_u2u_get_sqes(s, &sqes, 0));
	ASSERT_EQ(4, rxring_u2u_get_sqes(s, &sqes, 16));
	EXPECT_EQ((struct rxring_sqe *)s->prod.entries + 4, sqes);
	for (i = 0; i < 4; i++)
		x_sqe(&sqes[i], 12 + i);
	ASSERT_EQ(2, rxring_u2u_get_sqes(s, &sqes, 2));
	EXPECT_EQ((struct rxring_sqe *)s->prod.entries, sqes);
	x_sqe(&sqes[0], 16);
	x_sqe(&sqes[1], 17);
	ASSERT_EQ(1, rxring_u2u_get_sqes(s, &sqes, 5));
	x_sqe(&sqes[0], 18);
	EXPECT_EQ(-EAGAIN, rxring_u2u_get_sqes(s, &sqes, 1));
	EXPECT_EQ(NULL, rxring_u2u_get_sqe(s));
	EXPECT_EQ(-EAGAIN, rxring_u2u_peek_sqes(h, &in, 1));	/* unpublished */
	EXPECT_EQ(8, rxring_u2u_submit(s));
	for (i = 11; i < 19; i++) {
		ASSERT_EQ(1, rxring_u2u_pop_sqes(h, &want, 1));
		EXPECT_EQ((__u64)i, want.user_data);
	}
	EXPECT_EQ(-EAGAIN, rxring_u2u_pop_sqes(h, &want, 1));
	/* Roles. */
	EXPECT_EQ(NULL, rxring_u2u_get_sqe(h));
	EXPECT_EQ(-EINVAL, rxring_u2u_get_sqes(h, &sqes, 1));
	EXPECT_EQ(-EINVAL, rxring_u2u_submit(h));
	EXPECT_EQ(-EINVAL, rxring_u2u_peek_sqes(s, &in, 1));
	EXPECT_EQ(-EINVAL, rxring_u2u_advance_sqes(s, 0));
	/* Slots handed out when the peer leaves are dropped: -EPIPE. */
	ASSERT_NE(NULL, rxring_u2u_get_sqe(s));
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(1, rxring_u2u_push_cqes(h, &c, 1));
	rxring_u2u_close(h);
	EXPECT_EQ(-EPIPE, rxring_u2u_submit(s));
	EXPECT_EQ(NULL, rxring_u2u_get_sqe(s));
	EXPECT_EQ(-EPIPE, rxring_u2u_get_sqes(s, &sqes, 1));
	EXPECT_EQ(1, rxring_u2u_pop_cqes(s, &c, 1));
}

/* Wake-ups go out only after the peer announced it may sleep. */
TEST_F(pair, wake_only_when_announced)
{
	struct rxring_u2u *s = &self->s, *h = &self->h;
	struct rxring_completion c;
	struct rxring_sqe sqe;
	struct rxring ring;
	int ret;

	ret = kops_ring(&ring, 8, 0);
	KERNEL_RING_OR_SKIP(ret);

	ASSERT_EQ(0, push_n(s, 0, 4));
	EXPECT_EQ(0ULL, s->stats.wakes);

	/* The handler parks a WAIT on its kernel ring: the next push wakes. */
	ASSERT_EQ(4, rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1));
	ret = rxring_u2u_prep_wait(h, rxring_get_sqe(&ring),
				   RXRING_U2U_READABLE, 0);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(RXRING_U2U_WAIT_CONSUME,
		  h->mine->waiting & RXRING_U2U_WAIT_BITS);
	ASSERT_EQ(1, rxring_submit(&ring));
	EXPECT_EQ(-ETIME, rxring_wait_completion_timeout(&ring, &c,
							 20 * RX_MSEC));
	ASSERT_EQ(0, push_n(s, 4, 1));
	EXPECT_EQ(1ULL, s->stats.wakes);
	/* Cleared by the waker. */
	EXPECT_EQ(0U, h->mine->waiting & RXRING_U2U_WAIT_BITS);
	ASSERT_EQ(0, rxring_wait_completion_timeout(&ring, &c, WATCHDOG_NS));
	EXPECT_EQ(0, c.status);
	ASSERT_EQ(0, push_n(s, 5, 3));
	EXPECT_EQ(1ULL, s->stats.wakes);	/* nobody asleep any more */

	/* The submitter, with a full SQ, parks on its head. */
	EXPECT_EQ(4, rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1));
	EXPECT_EQ(0ULL, h->stats.wakes);
	ASSERT_EQ(0, push_n(s, 8, 8));
	ret = rxring_u2u_prep_wait(s, rxring_get_sqe(&ring),
				   RXRING_U2U_WRITABLE, 0);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(1, rxring_submit(&ring));
	EXPECT_EQ(-ETIME, rxring_wait_completion_timeout(&ring, &c,
							 20 * RX_MSEC));
	ASSERT_EQ(1, rxring_u2u_pop_sqes(h, &sqe, 1));
	EXPECT_EQ(1ULL, h->stats.wakes);
	ASSERT_EQ(0, rxring_wait_completion_timeout(&ring, &c, WATCHDOG_NS));
	EXPECT_EQ(0, c.status);
	ASSERT_EQ(1, rxring_u2u_pop_sqes(h, &sqe, 1));
	EXPECT_EQ(1ULL, h->stats.wakes);

	/* Armed while something is there: completes at once, -EAGAIN. */
	ret = rxring_u2u_prep_wait(h, rxring_get_sqe(&ring),
				   RXRING_U2U_READABLE, 0);
	EXPECT_EQ(6, ret);
	ret = rxring_u2u_prep_wait(s, rxring_get_sqe(&ring),
				   RXRING_U2U_WRITABLE, 0);
	EXPECT_EQ(2, ret);
	ASSERT_EQ(2, rxring_submit(&ring));
	ASSERT_EQ(0, rxring_wait_completion_timeout(&ring, &c, WATCHDOG_NS));
	EXPECT_EQ(-EAGAIN, c.status);
	ASSERT_EQ(0, rxring_wait_completion_timeout(&ring, &c, WATCHDOG_NS));
	EXPECT_EQ(-EAGAIN, c.status);
	/* A timeout in the SQE. */
	ASSERT_EQ(6, rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1) +
		     rxring_u2u_pop_sqes(h, &sqe, 1));
	ASSERT_EQ(0, rxring_u2u_prep_wait(h, rxring_get_sqe(&ring),
					  RXRING_U2U_READABLE, 10 * RX_MSEC));
	ASSERT_EQ(1, rxring_submit(&ring));
	ASSERT_EQ(0, rxring_wait_completion_timeout(&ring, &c, WATCHDOG_NS));
	EXPECT_EQ(-ETIMEDOUT, c.status);
	EXPECT_EQ(0, rxring_u2u_check(h));
	rxring_queue_exit(&ring);
}

/* One thread, one kernel ring, two pairs: only the busy pair's WAIT ends. */
TEST_F_TIMEOUT(pair, kernel_ring_two_pairs, 60)
{
	struct rxring_u2u a, b;
	struct rxring_completion c;
	struct rxring_sqe sqe, *q;
	struct rxring ring;
	int ret, p[2];
	char byte;

	ret = kops_ring(&ring, 8, 0);
	KERNEL_RING_OR_SKIP(ret);
	ASSERT_EQ(0, rxring_u2u_create(&a, 4, 8, 0, RXRING_U2U_HANDLER));
	ASSERT_EQ(0, rxring_u2u_create(&b, 4, 8, 0, RXRING_U2U_HANDLER));
	ASSERT_EQ(0, pipe(p));

	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		struct rxring_u2u ca, cb;

		close(p[1]);
		if (child_attach(&ca, &a, RXRING_U2U_SUBMITTER) ||
		    child_attach(&cb, &b, RXRING_U2U_SUBMITTER))
			_exit(1);
		self->rep->ready = 1;
		/* Step 1: one entry on b. Step 2: close a. */
		if (read(p[0], &byte, 1) != 1)
			_exit(2);
		sqe_n(&sqe, 42);
		if (rxring_u2u_push_sqes(&cb, &sqe, 1) != 1)
			_exit(3);
		if (read(p[0], &byte, 1) != 1)
			_exit(4);
		rxring_u2u_close(&ca);
		if (read(p[0], &byte, 1) != 0)
			_exit(5);
		rxring_u2u_close(&cb);
		_exit(0);
	}
	close(p[0]);
	while (!__atomic_load_n(&self->rep->ready, __ATOMIC_ACQUIRE))
		rx_sleep_ms(1);

	q = rxring_get_sqe(&ring);
	ASSERT_EQ(0, rxring_u2u_prep_wait(&a, q, RXRING_U2U_READABLE, 0));
	rxring_sqe_set_data(q, 0xa);
	q = rxring_get_sqe(&ring);
	ASSERT_EQ(0, rxring_u2u_prep_wait(&b, q, RXRING_U2U_READABLE, 0));
	rxring_sqe_set_data(q, 0xb);
	ASSERT_EQ(2, rxring_submit(&ring));
	EXPECT_EQ(-ETIME, rxring_wait_completion_timeout(&ring, &c,
							 50 * RX_MSEC));

	ASSERT_EQ(1, write(p[1], "1", 1));
	ASSERT_EQ(0, rxring_wait_completion_timeout(&ring, &c, WATCHDOG_NS));
	EXPECT_EQ(0xbULL, c.user_data);
	EXPECT_EQ(0, c.status);
	ASSERT_EQ(1, rxring_u2u_pop_sqes(&b, &sqe, 1));
	EXPECT_EQ(42ULL, sqe.user_data);
	EXPECT_EQ(-ETIME, rxring_wait_completion_timeout(&ring, &c,
							 50 * RX_MSEC));

	/* Closing a wakes its WAIT; a is then shut down. */
	a.liveness_ns = 60 * RX_NSEC;
	ASSERT_EQ(1, write(p[1], "2", 1));
	ASSERT_EQ(0, rxring_wait_completion_timeout(&ring, &c, WATCHDOG_NS));
	EXPECT_EQ(0xaULL, c.user_data);
	EXPECT_EQ(-EPIPE, rxring_u2u_pop_sqes(&a, &sqe, 1));
	EXPECT_EQ(-EPIPE, rxring_u2u_prep_wait(&a, &sqe,
					       RXRING_U2U_READABLE, 0));
	EXPECT_EQ(RXRING_OP_NOP, sqe.opcode);
	close(p[1]);
	EXPECT_EQ(0, reap(self->child));
	self->child = -1;
	rxring_u2u_close(&a);
	rxring_u2u_close(&b);
	rxring_queue_exit(&ring);
}

/* ---- peer death ------------------------------------------------------ */

struct killer {
	pid_t pid;
	long ms;
};

static void *killer_thread(void *arg)
{
	struct killer *k = arg;

	rx_sleep_ms(k->ms);
	kill(k->pid, SIGKILL);
	return NULL;
}

/*
 * The peer (a child, role) attaches, publishes `publish` entries, and
 * waits to be killed. We wait; it gets SIGKILL 200 ms in.
 */
static pid_t doomed_peer(struct rxring_u2u *u, struct report *rep,
			 unsigned int role, unsigned int publish)
{
	pid_t pid = fork();

	if (pid)
		return pid;

	{
		struct rxring_u2u v;
		unsigned int i;

		if (child_attach(&v, u, role))
			_exit(1);
		for (i = 0; i < publish; i++) {
			struct rxring_completion c = { .user_data = i };
			struct rxring_sqe sqe;

			sqe_n(&sqe, i);
			if (role == RXRING_U2U_HANDLER ?
			    rxring_u2u_push_cqes(&v, &c, 1) != 1 :
			    rxring_u2u_push_sqes(&v, &sqe, 1) != 1)
				_exit(2);
		}
		__atomic_store_n(&rep->ready, 1, __ATOMIC_RELEASE);
		for (;;)
			pause();
	}
}

TEST_F_TIMEOUT(pair, handler_killed, 60)
{
	struct rxring_u2u u;
	struct rxring_completion c[4];
	struct rxring_sqe sqe;
	struct killer k;
	pthread_t t;
	long long t0;
	int ret;

	/* The peer's pid from the header (no rxring_u2u_set_peer()). */
	ASSERT_EQ(0, rxring_u2u_create(&u, 4, 8, 0, RXRING_U2U_SUBMITTER));
	self->child = doomed_peer(&u, self->rep, RXRING_U2U_HANDLER, 2);
	ASSERT_LT(0, self->child);
	while (!__atomic_load_n(&self->rep->ready, __ATOMIC_ACQUIRE))
		rx_sleep_ms(1);
	ASSERT_EQ(2, rxring_u2u_pop_cqes(&u, c, 4));

	k.pid = self->child;
	k.ms = 200;
	ASSERT_EQ(0, pthread_create(&t, NULL, killer_thread, &k));
	t0 = rx_now_ns();
	ret = rxring_u2u_wait(&u, RXRING_U2U_READABLE, -1);
	pthread_join(t, NULL);
	EXPECT_EQ(-EPIPE, ret);
	EXPECT_LT(rx_now_ns() - t0, 5 * RX_NSEC);
	TH_LOG("death noticed after %lld ms", (rx_now_ns() - t0) / RX_MSEC);
	sqe_n(&sqe, 0);
	EXPECT_EQ(-EPIPE, rxring_u2u_push_sqes(&u, &sqe, 1));
	EXPECT_EQ(-EPIPE, rxring_u2u_pop_cqes(&u, c, 1));
	EXPECT_EQ(-EPIPE, rxring_u2u_check(&u));
	EXPECT_EQ(128 + SIGKILL, reap(self->child));
	self->child = -1;
	rxring_u2u_close(&u);
}

TEST_F_TIMEOUT(pair, submitter_killed, 60)
{
	struct rxring_u2u u;
	struct rxring_completion c;
	struct rxring_sqe sqes[4];
	struct rxring ring;
	struct killer k;
	pthread_t t;
	long long t0;
	int ret, n = 0;

	ret = kops_ring(&ring, 4, 0);
	KERNEL_RING_OR_SKIP(ret);
	ASSERT_EQ(0, rxring_u2u_create(&u, 4, 8, 0, RXRING_U2U_HANDLER));
	self->child = doomed_peer(&u, self->rep, RXRING_U2U_SUBMITTER, 3);
	ASSERT_LT(0, self->child);
	ASSERT_EQ(0, rxring_u2u_set_peer(&u, self->child));
	while (!__atomic_load_n(&self->rep->ready, __ATOMIC_ACQUIRE))
		rx_sleep_ms(1);

	k.pid = self->child;
	k.ms = 200;
	ASSERT_EQ(0, pthread_create(&t, NULL, killer_thread, &k));
	t0 = rx_now_ns();
	/* Waiting through the kernel ring, 50 ms at a time. */
	for (;;) {
		ret = rxring_u2u_pop_sqes(&u, sqes, 4);
		if (ret > 0) {
			n += ret;
			continue;
		}
		if (ret != -EAGAIN)
			break;
		ret = rxring_u2u_prep_wait(&u, rxring_get_sqe(&ring),
					   RXRING_U2U_READABLE, 50 * RX_MSEC);
		if (ret < 0)
			break;
		ASSERT_EQ(1, rxring_submit(&ring));
		ASSERT_EQ(0, rxring_wait_completion_timeout(&ring, &c,
							    WATCHDOG_NS));
		if (c.status == -ETIMEDOUT) {
			ret = rxring_u2u_check(&u);
			if (ret)
				break;
		}
		if (rx_now_ns() - t0 > 10 * RX_NSEC)
			break;
	}
	pthread_join(t, NULL);
	EXPECT_EQ(-EPIPE, ret);
	EXPECT_EQ(3, n);	/* what it published before it died */
	EXPECT_LT(rx_now_ns() - t0, 5 * RX_NSEC);
	memset(&c, 0, sizeof(c));
	EXPECT_EQ(-EPIPE, rxring_u2u_push_cqes(&u, &c, 1));
	EXPECT_EQ(-EPIPE, rxring_u2u_wait(&u, RXRING_U2U_READABLE, -1));
	EXPECT_EQ(128 + SIGKILL, reap(self->child));
	self->child = -1;
	rxring_u2u_close(&u);
	rxring_queue_exit(&ring);
}

/* The synchronous wait, peer killed while we wait for room. */
TEST_F_TIMEOUT(pair, killed_while_full, 60)
{
	struct rxring_u2u u;
	struct killer k;
	pthread_t t;
	int ret;

	ASSERT_EQ(0, rxring_u2u_create(&u, 2, 2, 0, RXRING_U2U_SUBMITTER));
	self->child = doomed_peer(&u, self->rep, RXRING_U2U_HANDLER, 0);
	ASSERT_LT(0, self->child);
	ASSERT_EQ(0, rxring_u2u_set_peer(&u, self->child));
	ASSERT_EQ(0, push_n(&u, 0, 2));
	k.pid = self->child;
	k.ms = 100;
	ASSERT_EQ(0, pthread_create(&t, NULL, killer_thread, &k));
	ret = rxring_u2u_wait(&u, RXRING_U2U_WRITABLE, 10 * RX_NSEC);
	pthread_join(t, NULL);
	EXPECT_EQ(-EPIPE, ret);
	EXPECT_EQ(-EPIPE, push_n(&u, 2, 1));
	EXPECT_EQ(128 + SIGKILL, reap(self->child));
	self->child = -1;
	rxring_u2u_close(&u);
}

/* ---- garbage ---------------------------------------------------------- */

TEST_F(pair, garbage_sq_tail)
{
	struct rxring_u2u *s = &self->s, *h = &self->h;
	struct rxring_sqe sqe[8];

	ASSERT_EQ(0, push_n(s, 0, 3));
	/* The submitter claims 9 entries in an 8-entry ring. */
	__atomic_store_n(&h->cons.hdr->tail, 9, __ATOMIC_RELEASE);
	EXPECT_EQ(-EIO, rxring_u2u_pop_sqes(h, sqe, 8));
	/* Sticky, whatever the index says later. */
	__atomic_store_n(&h->cons.hdr->tail, 3, __ATOMIC_RELEASE);
	EXPECT_EQ(-EIO, rxring_u2u_pop_sqes(h, sqe, 8));
	EXPECT_EQ(-EIO, rxring_u2u_ready(h, RXRING_U2U_READABLE));
	EXPECT_EQ(-EIO, rxring_u2u_wait(h, RXRING_U2U_READABLE, -1));
	EXPECT_EQ(-EIO, rxring_u2u_check(h));
}

TEST_F(pair, garbage_tail_behind)
{
	struct rxring_u2u *s = &self->s, *h = &self->h;
	struct rxring_sqe sqe[8];

	ASSERT_EQ(0, push_n(s, 0, 3));
	ASSERT_EQ(3, rxring_u2u_pop_sqes(h, sqe, 8));
	/* The tail moves back behind our head. */
	__atomic_store_n(&h->cons.hdr->tail, 2, __ATOMIC_RELEASE);
	EXPECT_EQ(-EIO, rxring_u2u_pop_sqes(h, sqe, 8));
}

TEST_F(pair, garbage_heads)
{
	struct rxring_u2u *s = &self->s, *h = &self->h;
	struct rxring_completion c;

	/* SQ head ahead of what we ever published. */
	__atomic_store_n(&s->prod.hdr->head, 5, __ATOMIC_RELEASE);
	EXPECT_EQ(-EIO, push_n(s, 0, 1));
	EXPECT_EQ(-EIO, rxring_u2u_wait(s, RXRING_U2U_WRITABLE, -1));
	/* CQ head half the index space away. */
	memset(&c, 0, sizeof(c));
	__atomic_store_n(&h->prod.hdr->head, 1ULL << 63, __ATOMIC_RELEASE);
	EXPECT_EQ(-EIO, rxring_u2u_push_cqes(h, &c, 1));
	EXPECT_EQ(-EIO, rxring_u2u_ready(h, RXRING_U2U_WRITABLE));
}

TEST_F(pair, garbage_cut_pair)
{
	struct rxring_u2u *s = &self->s, *h = &self->h;
	struct rxring_completion c[2];
	struct rxring_cqe *cq = h->prod.entries;

	/* One slot published, and it says "I am the first of a pair". */
	cq[0].user_data = 1;
	cq[0].flags = RXRING_CQE_EXTENDED;
	cq[1].user_data = 2;
	__atomic_store_n(&h->prod.hdr->tail, 1, __ATOMIC_RELEASE);
	EXPECT_EQ(-EIO, rxring_u2u_pop_cqes(s, c, 2));
	EXPECT_EQ(-EIO, rxring_u2u_pop_cqes(s, c, 2));
}

/* The peer writes garbage and wakes us: the waiter returns -EIO. */
TEST_F_TIMEOUT(pair, garbage_wakes_waiter, 60)
{
	struct rxring_u2u u;
	long long t0;
	int ret;

	ASSERT_EQ(0, rxring_u2u_create(&u, 4, 8, 0, RXRING_U2U_HANDLER));
	u.liveness_ns = 60 * RX_NSEC;
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		struct rxring_u2u v;
		int fd;

		if (child_attach(&v, &u, RXRING_U2U_SUBMITTER))
			_exit(1);
		fd = rx_open();
		rx_sleep_ms(100);
		__atomic_store_n(&v.prod.hdr->tail, 1ULL << 60,
				 __ATOMIC_RELEASE);
		rxring_futex(fd, RXRING_FUTEX_WAKE, &v.prod.hdr->tail, 1, 0,
			     NULL, 0);
		for (;;)
			pause();
	}
	t0 = rx_now_ns();
	ret = rxring_u2u_wait(&u, RXRING_U2U_READABLE, 20 * RX_NSEC);
	EXPECT_EQ(-EIO, ret);
	EXPECT_LT(rx_now_ns() - t0, 10 * RX_NSEC);
	rxring_u2u_close(&u);
}

static __u64 rnd(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random indices and slot contents: valid answers only, never a crash. */
TEST_F_TIMEOUT(pair, garbage_random, 120)
{
	__u64 seed = 0x1234567890abcdefULL;
	unsigned int iter, iters = lane_debug() ? 50 : 300;
	unsigned int eio = 0, got = 0;

	for (iter = 0; iter < iters; iter++) {
		struct rxring_u2u s, h;
		struct rxring_completion c[20];
		struct rxring_sqe sqes[20];
		__u64 *w;
		unsigned int i, ring;
		int ret;

		ASSERT_EQ(0, rxring_u2u_create(&s, 8, 16, 0,
					       RXRING_U2U_SUBMITTER));
		ASSERT_EQ(0, rxring_u2u_attach(&h, s.memfd, RXRING_U2U_ANY));
		/* Some real traffic first, so the indices are not zero. */
		for (i = 0; i < rnd(&seed) % 30; i++) {
			if (push_n(&s, i, 1) == 0)
				rxring_u2u_pop_sqes(&h, sqes, 1);
		}
		/* Then the "peer" scribbles over both rings. */
		for (ring = 0; ring < 4; ring++) {
			__u64 r = rnd(&seed);

			w = ring == 0 ? &s.prod.hdr->head :
			    ring == 1 ? &h.prod.hdr->tail :
			    ring == 2 ? &s.cons.hdr->tail :
					&h.cons.hdr->head;
			if (r % 3 == 0)
				*w = rnd(&seed);
			else if (r % 3 == 1)
				*w += (__s64)(rnd(&seed) % 41) - 20;
		}
		for (i = 0; i < 16; i++)
			((__u64 *)s.cons.entries)[i * 2 + 1] = rnd(&seed);
		/* Whatever either side does now must be a valid answer. */
		ret = rxring_u2u_pop_sqes(&h, sqes, 20);
		EXPECT_TRUE(ret == -EIO || ret == -EAGAIN ||
			    (ret > 0 && ret <= 8)) TH_LOG("pop_sqes %d", ret);
		ret = rxring_u2u_pop_cqes(&s, c, 20);
		EXPECT_TRUE(ret == -EIO || ret == -EAGAIN ||
			    (ret > 0 && ret <= 16)) TH_LOG("pop_cqes %d", ret);
		got += ret > 0;
		eio += ret == -EIO;
		ret = rxring_u2u_push_sqes(&s, sqes, 20);
		EXPECT_TRUE(ret == -EIO || ret == -EAGAIN ||
			    (ret > 0 && ret <= 8)) TH_LOG("push_sqes %d", ret);
		memset(c, 0, sizeof(c));
		ret = rxring_u2u_push_cqes(&h, c, 20);
		EXPECT_TRUE(ret == -EIO || ret == -EAGAIN ||
			    (ret > 0 && ret <= 16)) TH_LOG("push_cqes %d", ret);
		ret = rxring_u2u_wait(&s, RXRING_U2U_READABLE, 0);
		EXPECT_TRUE(ret == 0 || ret == -EIO || ret == -ETIMEDOUT)
			TH_LOG("wait %d", ret);
		rxring_u2u_close(&h);
		rxring_u2u_close(&s);
	}
	TH_LOG("%u rounds: %u with completions, %u -EIO from pop_cqes",
	       iters, got, eio);
}

/* ---- DROP ------------------------------------------------------------- */

TEST_F(pair, drop_drains_then_epipe)
{
	struct rxring_u2u *s = &self->s, *h = &self->h;
	struct rxring_completion c[4];
	struct rxring_sqe sqe;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].user_data = i;
		c[i].status = i == 1 ? 1LL << 40 : 7;
	}
	ASSERT_EQ(3, rxring_u2u_push_cqes(h, c, 3));
	ASSERT_EQ(0, push_n(s, 0, 2));
	rxring_u2u_close(h);
	EXPECT_NE(0U, s->prod.hdr->status & RXRING_RING_DROP);
	EXPECT_NE(0U, s->cons.hdr->status & RXRING_RING_DROP);
	/* Shut down: nothing more goes in... */
	sqe_n(&sqe, 9);
	EXPECT_EQ(-EPIPE, rxring_u2u_push_sqes(s, &sqe, 1));
	EXPECT_EQ(-EPIPE, rxring_u2u_check(s));
	/* ...but what was published comes out, then -EPIPE. */
	EXPECT_EQ(0, rxring_u2u_wait(s, RXRING_U2U_READABLE, 0));
	ASSERT_EQ(2, rxring_u2u_pop_cqes(s, c, 2));
	EXPECT_EQ(0ULL, c[0].user_data);
	EXPECT_EQ(1LL << 40, c[1].status);
	ASSERT_EQ(1, rxring_u2u_pop_cqes(s, c, 4));
	EXPECT_EQ(2ULL, c[0].user_data);
	EXPECT_EQ(-EPIPE, rxring_u2u_pop_cqes(s, c, 4));
	EXPECT_EQ(-EPIPE, rxring_u2u_wait(s, RXRING_U2U_READABLE, -1));
	EXPECT_EQ(-EPIPE, rxring_u2u_wait(s, RXRING_U2U_WRITABLE, -1));
}

TEST_F(pair, attach_after_close)
{
	int fd = dup(self->s.memfd);
	struct rxring_u2u t;

	ASSERT_LE(0, fd);
	rxring_u2u_close(&self->h);
	/* The handler role is free again? No: claimed for good. */
	EXPECT_EQ(-EBUSY, rxring_u2u_attach(&t, fd, RXRING_U2U_HANDLER));
	rxring_u2u_close(&self->s);
	EXPECT_EQ(-EBUSY, rxring_u2u_attach(&t, fd, RXRING_U2U_ANY));
	close(fd);
	{
		struct rxring_u2u a;

		ASSERT_EQ(0, rxring_u2u_create(&a, 2, 2, 0,
					       RXRING_U2U_SUBMITTER));
		fd = dup(a.memfd);
		rxring_u2u_close(&a);
		EXPECT_EQ(-EPIPE, rxring_u2u_attach(&t, fd, RXRING_U2U_ANY));
		close(fd);
	}
}

/* A sleeper in the other process is woken by the close, not a slice. */
TEST_F_TIMEOUT(pair, drop_wakes_sleeper, 60)
{
	struct rxring_u2u u;
	long long t0, ns;
	int ret;

	ASSERT_EQ(0, rxring_u2u_create(&u, 4, 8, 0, RXRING_U2U_SUBMITTER));
	u.liveness_ns = 60 * RX_NSEC;	/* no peer check in this test */
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		struct rxring_u2u v;

		if (child_attach(&v, &u, RXRING_U2U_HANDLER))
			_exit(1);
		rx_sleep_ms(200);
		rxring_u2u_close(&v);
		_exit(0);
	}
	t0 = rx_now_ns();
	ret = rxring_u2u_wait(&u, RXRING_U2U_READABLE, 30 * RX_NSEC);
	ns = rx_now_ns() - t0;
	EXPECT_EQ(-EPIPE, ret);
	EXPECT_LT(ns, 10 * RX_NSEC);
	EXPECT_EQ(0ULL, u.stats.liveness_checks);
	EXPECT_EQ(0, reap(self->child));
	self->child = -1;
	rxring_u2u_close(&u);
}

/* ---- timeouts and signals --------------------------------------------- */

TEST_F(pair, timeout)
{
	long long t0 = rx_now_ns(), ns;

	EXPECT_EQ(-ETIMEDOUT, rxring_u2u_wait(&self->h, RXRING_U2U_READABLE,
					      50 * RX_MSEC));
	ns = rx_now_ns() - t0;
	EXPECT_GE(ns, 50 * RX_MSEC);
	EXPECT_LT(ns, 5 * RX_NSEC);
	EXPECT_EQ(-ETIMEDOUT, rxring_u2u_wait(&self->s, RXRING_U2U_READABLE,
					      0));
	/* Liveness slices shorter than the timeout: still a timeout. */
	self->h.liveness_ns = 10 * RX_MSEC;
	t0 = rx_now_ns();
	EXPECT_EQ(-ETIMEDOUT, rxring_u2u_wait(&self->h, RXRING_U2U_READABLE,
					      100 * RX_MSEC));
	EXPECT_GE(rx_now_ns() - t0, 100 * RX_MSEC);
	EXPECT_LE(1ULL, self->h.stats.liveness_checks);
	EXPECT_EQ(0, rxring_u2u_check(&self->h));	/* we are alive */
}

struct alarm {
	pthread_t target;
	int done;
};

/*
 * A signal every 50 ms until the wait returns: one that lands while the
 * waiter is not asleep in the kernel (polling, or between two sleeps) runs
 * its handler without interrupting anything.
 */
static void *alarm_thread(void *arg)
{
	struct alarm *a = arg;
	int i;

	for (i = 0; i < 100 && !__atomic_load_n(&a->done, __ATOMIC_ACQUIRE);
	     i++) {
		rx_sleep_ms(50);
		pthread_kill(a->target, SIGUSR1);
	}
	return NULL;
}

TEST_F(pair, eintr)
{
	struct alarm a = { pthread_self(), 0 };
	pthread_t t;
	int ret;

	ASSERT_EQ(0, rx_catch_signal(SIGUSR1));
	ASSERT_EQ(0, pthread_create(&t, NULL, alarm_thread, &a));
	ret = rxring_u2u_wait(&self->h, RXRING_U2U_READABLE, 10 * RX_NSEC);
	__atomic_store_n(&a.done, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_EQ(-EINTR, ret);
}

/* ---- a pair over a unix socket ---------------------------------------- */

TEST_F_TIMEOUT(pair, socket_handover, 60)
{
	struct rxring_completion c;
	struct rxring_u2u u, bad;
	struct rxring_sqe sqe;
	unsigned int i, n = 500;
	int sv[2], ret;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, rxring_u2u_create(&u, 4, 8, 64 * 1024,
				       RXRING_U2U_SUBMITTER));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		struct rxring_u2u v;
		struct report *rep = self->rep;

		rxring_u2u_forget(&u);
		close(sv[0]);
		ret = rxring_u2u_recv(sv[1], &v, RXRING_U2U_ANY);
		if (ret) {
			CHILD_FAIL(rep, "recv: %s", strerror(-ret));
			_exit(1);
		}
		if (v.role != RXRING_U2U_HANDLER ||
		    v.peer_pid != getppid() || v.peer_pidfd < 0) {
			CHILD_FAIL(rep, "role %u peer %d (parent %d)", v.role,
				   v.peer_pid, getppid());
			_exit(1);
		}
		/* Serve: fill addr .. addr + len of the data area. */
		for (;;) {
			char *buf;

			ret = rxring_u2u_pop_sqes(&v, &sqe, 1);
			if (ret == -EAGAIN) {
				ret = rxring_u2u_wait(&v, RXRING_U2U_READABLE,
						      WATCHDOG_NS);
				if (ret == -EPIPE)
					break;
				if (ret) {
					CHILD_FAIL(rep, "wait: %d", ret);
					_exit(1);
				}
				continue;
			}
			if (ret == -EPIPE)
				break;
			if (ret != 1) {
				CHILD_FAIL(rep, "pop: %d", ret);
				_exit(1);
			}
			buf = rxring_u2u_data(&v, sqe.addr, sqe.len);
			memset(&c, 0, sizeof(c));
			c.user_data = sqe.user_data;
			if (sqe.opcode != RXRING_OP_USER_FIRST || !buf) {
				c.status = -EINVAL;
			} else {
				memset(buf, (int)(sqe.offset & 0xff),
				       sqe.len);
				c.status = (__s64)sqe.len;
			}
			while ((ret = rxring_u2u_push_cqes(&v, &c, 1)) ==
			       -EAGAIN)
				rxring_u2u_wait(&v, RXRING_U2U_WRITABLE,
						WATCHDOG_NS);
			if (ret != 1) {
				CHILD_FAIL(rep, "push: %d", ret);
				_exit(1);
			}
			rep->done++;
		}
		rxring_u2u_close(&v);
		_exit(0);
	}
	close(sv[1]);
	ASSERT_EQ(0, rxring_u2u_send(sv[0], &u));
	for (i = 0; i < n; i++) {
		__u64 off = (i * 4096ULL) % (60 * 1024), len = 1 + i % 4000;
		unsigned char *p;

		memset(&sqe, 0, sizeof(sqe));
		sqe.opcode = RXRING_OP_USER_FIRST;
		sqe.user_data = i;
		sqe.addr = off;
		sqe.len = len;
		sqe.offset = i;
		/* Out of bounds on purpose now and then: -EINVAL. */
		if (i % 100 == 99)
			sqe.addr = u.data_size - 1;
		while ((ret = rxring_u2u_push_sqes(&u, &sqe, 1)) == -EAGAIN)
			ASSERT_EQ(0, rxring_u2u_wait(&u, RXRING_U2U_WRITABLE,
						     WATCHDOG_NS));
		ASSERT_EQ(1, ret);
		while ((ret = rxring_u2u_pop_cqes(&u, &c, 1)) == -EAGAIN)
			ASSERT_EQ(0, rxring_u2u_wait(&u, RXRING_U2U_READABLE,
						     WATCHDOG_NS));
		ASSERT_EQ(1, ret) TH_LOG("%s", self->rep->why);
		ASSERT_EQ((__u64)i, c.user_data);
		if (i % 100 == 99) {
			ASSERT_EQ(-EINVAL, c.status);
			continue;
		}
		ASSERT_EQ((__s64)len, c.status);
		p = rxring_u2u_data(&u, off, len);
		ASSERT_NE(NULL, p);
		ASSERT_EQ(i & 0xff, p[0]);
		ASSERT_EQ(i & 0xff, p[len - 1]);
	}
	rxring_u2u_close(&u);
	EXPECT_EQ(0, reap(self->child)) TH_LOG("%s", self->rep->why);
	self->child = -1;
	EXPECT_EQ(n, self->rep->done);

	/* A message without a descriptor; a closed socket. */
	close(sv[0]);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(1, write(sv[0], "x", 1));
	EXPECT_EQ(-EBADMSG, rxring_u2u_recv(sv[1], &bad, RXRING_U2U_ANY));
	close(sv[0]);
	EXPECT_EQ(-ECONNRESET, rxring_u2u_recv(sv[1], &bad, RXRING_U2U_ANY));
	close(sv[1]);
	/* Sending a pair whose both roles are taken: the receiver says so. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, rxring_u2u_send(sv[0], &self->s));
	EXPECT_EQ(-EBUSY, rxring_u2u_recv(sv[1], &bad, RXRING_U2U_ANY));
	close(sv[0]);
	close(sv[1]);
}

/* ---- the example ------------------------------------------------------ */

TEST(scheme_server_example)
{
	const char *path = getenv("RXRING_SCHEME_SERVER");
	const char *cands[] = { "./example-programs/scheme-server",
				"../userspace/examples/scheme-server" };
	unsigned int i;
	pid_t pid;

	for (i = 0; !path && i < sizeof(cands) / sizeof(cands[0]); i++)
		if (!access(cands[i], X_OK))
			path = cands[i];
	if (!path)
		SKIP(return, "example-programs/scheme-server not built");
	if (getenv("RXRING_U2U_HOST"))
		SKIP(return, "no kernel ring on the host");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	EXPECT_EQ(0, reap(pid)) TH_LOG("%s failed", path);
}

TEST_HARNESS_MAIN
