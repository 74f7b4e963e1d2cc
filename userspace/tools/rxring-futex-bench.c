// SPDX-License-Identifier: MIT
/*
 * rxring-futex-bench: futex ping-pong between two processes over
 * MAP_SHARED memory, three ways:
 *
 *   rxring     each side parks a FUTEX WAIT on its own ring and WAKEs the
 *              other through the ring (one ENTER per turn: WAKE + WAIT)
 *   futex(2)   FUTEX_WAIT / FUTEX_WAKE system calls
 *   io_uring   IORING_OP_FUTEX_WAKE + IORING_OP_FUTEX_WAIT (Linux 6.7+),
 *              raw io_uring_setup / io_uring_enter, one enter per turn
 *
 * The two processes hand a shared counter back and forth: the parent moves
 * it from even to odd, the child from odd to even; one round trip is one
 * move each. Prints one line per method with round trips per second and the
 * ratio to futex(2). Not a test: a lost wakeup shows as a watchdog error.
 *
 * Usage: rxring-futex-bench [-n ROUND_TRIPS] [-t SECONDS] [-m METHODS] [-T] [-S] [-p|-P]
 *   -n  round trips per method (default 100000)
 *   -t  at most this many seconds per method (default 5)
 *   -m  comma-separated subset of rxring,futex,io_uring (default all)
 *   -T  rxring WAITs without a timeout (default: a 10 s lost-wakeup watchdog)
 *   -S  rxring: spin on the CQ for completions instead of sleeping in ENTER
 *   -p  pin the parent to CPU 0 and the child to CPU 1; -P: both to CPU 0
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common.h"

#ifndef IORING_OP_FUTEX_WAIT
#define IORING_OP_FUTEX_WAIT	51
#define IORING_OP_FUTEX_WAKE	52
#endif
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32		0x02
#endif
#ifndef FUTEX_BITSET_MATCH_ANY
#define FUTEX_BITSET_MATCH_ANY	0xffffffff
#endif

/* A side that waits this long for its turn reports a lost wakeup. */
#define WATCHDOG_NS	(10 * 1000000000ULL)

struct shared {
	__u32 seq;		/* even: parent's turn, odd: child's turn */
	__u32 stop;		/* set by the parent with its last move */
	__u32 ready;		/* the child has set up */
	__u32 failed;		/* either side hit an error */
	char why[200];
};

static struct shared *sh;

/* rxring variants (-T, -S): no WAIT timeout; spin on the CQ, no ENTER wait. */
static bool rx_no_timeout, rx_spin;
/* -p: parent on CPU 0, child on CPU 1; -P: both on CPU 0. */
static int pin_mode;

static void pin_side(bool parent)
{
	cpu_set_t set;

	if (!pin_mode)
		return;
	CPU_ZERO(&set);
	CPU_SET(pin_mode == 1 && !parent ? 1 : 0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static __u32 load(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void fail(const char *fmt, long long a, long long b)
{
	if (!__atomic_exchange_n(&sh->failed, 1, __ATOMIC_ACQ_REL))
		snprintf(sh->why, sizeof(sh->why), fmt, a, b);
}

/* ---- one method: how to wake the peer and wait for a new value ---- */

struct method {
	const char *name;
	int (*setup)(void **state);	/* per process, after fork */
	/*
	 * Wake the peer on &sh->seq (if wake), then wait while sh->seq == v
	 * (if wait). Returns 0 or -errno; spurious returns are fine.
	 */
	int (*wake_wait)(void *state, bool wake, bool wait, __u32 v);
	void (*teardown)(void *state);
};

/* futex(2) */

static int sys_futex(__u32 *uaddr, int op, __u32 val,
		     const struct timespec *ts)
{
	long ret = syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);

	return ret < 0 ? -errno : (int)ret;
}

static int futex_setup(void **state)
{
	*state = NULL;
	return 0;
}

static int futex_wake_wait(void *state, bool wake, bool wait, __u32 v)
{
	struct timespec ts = { WATCHDOG_NS / 1000000000ULL, 0 };
	int ret;

	(void)state;
	if (wake) {
		ret = sys_futex(&sh->seq, FUTEX_WAKE, 1, NULL);
		if (ret < 0 || !wait)
			return ret < 0 ? ret : 0;
	}
	ret = sys_futex(&sh->seq, FUTEX_WAIT, v, &ts);
	return ret == -EAGAIN || ret == -EINTR ? 0 : ret;
}

static void futex_teardown(void *state)
{
	(void)state;
}

/* rxring */

static int rx_setup(void **state)
{
	struct rxring *ring = calloc(1, sizeof(*ring));
	int ret;

	if (!ring)
		return -ENOMEM;
	ret = rxring_queue_init(4, ring, 0);
	if (ret) {
		free(ring);
		return ret;
	}
	*state = ring;
	return 0;
}

static int rx_wake_wait(void *state, bool wake, bool wait, __u32 v)
{
	struct rxring *ring = state;
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	unsigned int n = 0, i;
	int ret;

	if (wake) {
		sqe = rxring_get_sqe(ring);
		rxring_prep_futex_wake(sqe, &sh->seq, 1);
		rxring_sqe_set_data(sqe, 1);
		n++;
	}
	if (wait) {
		sqe = rxring_get_sqe(ring);
		rxring_prep_futex_wait(sqe, &sh->seq, v,
				       rx_no_timeout ? 0 : WATCHDOG_NS, 0);
		rxring_sqe_set_data(sqe, 2);
		n++;
	}
	ret = rxring_submit_and_wait(ring, rx_spin ? 0 : n);
	if (ret < 0)
		return ret;
	if ((unsigned int)ret != n)
		return -EIO;
	for (i = 0; i < n; i++) {
		if (rx_spin) {
			__u64 start = now_ns();

			while ((ret = rxring_peek_completion(ring, &c)) ==
			       -EAGAIN) {
				if (now_ns() - start > WATCHDOG_NS)
					return -ETIMEDOUT;
			}
		} else {
			ret = rxring_wait_completion(ring, &c);
		}
		if (ret)
			return ret;
		if (c.user_data == 1 && c.status < 0)
			return (int)c.status;
		if (c.user_data == 2 && c.status && c.status != -EAGAIN)
			return (int)c.status;
	}
	return 0;
}

static void rx_teardown(void *state)
{
	rxring_queue_exit(state);
	free(state);
}

/* io_uring, raw */

struct uring {
	int fd;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_ring, *cq_ring;
	size_t sq_len, cq_len, sqes_len;
};

static int uring_setup_fd(unsigned int entries, struct io_uring_params *p)
{
	long ret = syscall(__NR_io_uring_setup, entries, p);

	return ret < 0 ? -errno : (int)ret;
}

static int uring_enter(int fd, unsigned int submit, unsigned int min,
		       unsigned int flags)
{
	long ret = syscall(__NR_io_uring_enter, fd, submit, min, flags, NULL,
			   0);

	return ret < 0 ? -errno : (int)ret;
}

static void uring_free(struct uring *u)
{
	if (u->sqes && u->sqes != MAP_FAILED)
		munmap(u->sqes, u->sqes_len);
	if (u->cq_ring && u->cq_ring != MAP_FAILED && u->cq_ring != u->sq_ring)
		munmap(u->cq_ring, u->cq_len);
	if (u->sq_ring && u->sq_ring != MAP_FAILED)
		munmap(u->sq_ring, u->sq_len);
	if (u->fd >= 0)
		close(u->fd);
	free(u);
}

static int uring_setup(void **state)
{
	struct io_uring_params p;
	struct uring *u = calloc(1, sizeof(*u));
	char *sq, *cq;
	int ret;

	if (!u)
		return -ENOMEM;
	memset(&p, 0, sizeof(p));
	u->fd = uring_setup_fd(4, &p);
	if (u->fd < 0) {
		ret = u->fd;
		free(u);
		return ret;
	}
	u->sq_len = p.sq_off.array + p.sq_entries * sizeof(__u32);
	u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if ((p.features & IORING_FEAT_SINGLE_MMAP) && u->cq_len > u->sq_len)
		u->sq_len = u->cq_len;
	u->sq_ring = mmap(NULL, u->sq_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	if (u->sq_ring == MAP_FAILED)
		goto err;
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		u->cq_ring = u->sq_ring;
	else
		u->cq_ring = mmap(NULL, u->cq_len, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_POPULATE, u->fd,
				  IORING_OFF_CQ_RING);
	if (u->cq_ring == MAP_FAILED)
		goto err;
	u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
	if (u->sqes == MAP_FAILED)
		goto err;
	sq = u->sq_ring;
	cq = u->cq_ring;
	u->sq_head = (unsigned int *)(sq + p.sq_off.head);
	u->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	u->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned int *)(sq + p.sq_off.array);
	u->cq_head = (unsigned int *)(cq + p.cq_off.head);
	u->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	u->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	*state = u;
	return 0;
err:
	ret = -errno;
	uring_free(u);
	return ret;
}

static void uring_push(struct uring *u, __u8 op, __u32 *addr, __u64 val,
		       __u64 user_data)
{
	unsigned int tail = *u->sq_tail, idx = tail & *u->sq_mask;
	struct io_uring_sqe *sqe = &u->sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = FUTEX2_SIZE_U32;	/* futex2 flags; shared, 32-bit */
	sqe->addr = (__u64)(uintptr_t)addr;
	sqe->addr2 = val;		/* WAIT: expected value; WAKE: count */
	sqe->addr3 = FUTEX_BITSET_MATCH_ANY;
	sqe->user_data = user_data;
	u->sq_array[idx] = idx;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Reap one CQE; -EAGAIN when there is none. */
static int uring_reap(struct uring *u, struct io_uring_cqe *out)
{
	unsigned int head = *u->cq_head;

	if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	*out = u->cqes[head & *u->cq_mask];
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

static int uring_wake_wait(void *state, bool wake, bool wait, __u32 v)
{
	struct uring *u = state;
	struct io_uring_cqe cqe;
	unsigned int n = 0, got = 0;
	__u64 start = now_ns();
	int ret;

	if (wake) {
		uring_push(u, IORING_OP_FUTEX_WAKE, &sh->seq, 1, 1);
		n++;
	}
	if (wait) {
		uring_push(u, IORING_OP_FUTEX_WAIT, &sh->seq, v, 2);
		n++;
	}
	ret = uring_enter(u->fd, n, n, IORING_ENTER_GETEVENTS);
	while (got < n) {
		if (ret < 0 && ret != -EINTR)
			return ret;
		while (got < n && !uring_reap(u, &cqe)) {
			got++;
			if (cqe.user_data == 1 && cqe.res < 0)
				return cqe.res;
			if (cqe.user_data == 2 && cqe.res &&
			    cqe.res != -EAGAIN)
				return cqe.res;
		}
		if (got == n)
			break;
		/* io_uring's futex wait has no timeout of its own. */
		if (now_ns() - start > WATCHDOG_NS)
			return -ETIMEDOUT;
		ret = uring_enter(u->fd, 0, 1, IORING_ENTER_GETEVENTS);
	}
	return 0;
}

static void uring_teardown(void *state)
{
	uring_free(state);
}

/*
 * Does this kernel have IORING_OP_FUTEX_WAIT/WAKE? Asks the probe, then
 * tries a WAKE on a private word (0 woken, or -EINVAL / -EOPNOTSUPP).
 */
static bool uring_futex_supported(const char **why)
{
	struct {
		struct io_uring_probe p;
		struct io_uring_probe_op ops[256];
	} probe;
	static __u32 word;
	struct io_uring_cqe cqe;
	void *state;
	struct uring *u;
	long ret;

	if (uring_setup(&state)) {
		*why = "io_uring_setup failed";
		return false;
	}
	u = state;
	memset(&probe, 0, sizeof(probe));
	ret = syscall(__NR_io_uring_register, u->fd, IORING_REGISTER_PROBE,
		      &probe, 256);
	if (!ret && (probe.p.last_op < IORING_OP_FUTEX_WAKE ||
		     !(probe.ops[IORING_OP_FUTEX_WAIT].flags &
		       IO_URING_OP_SUPPORTED) ||
		     !(probe.ops[IORING_OP_FUTEX_WAKE].flags &
		       IO_URING_OP_SUPPORTED))) {
		uring_free(u);
		*why = "not supported by this kernel";
		return false;
	}
	uring_push(u, IORING_OP_FUTEX_WAKE, &word, 1, 1);
	ret = uring_enter(u->fd, 1, 1, IORING_ENTER_GETEVENTS);
	if (ret < 0 || uring_reap(u, &cqe)) {
		uring_free(u);
		*why = "io_uring_enter failed";
		return false;
	}
	uring_free(u);
	if (cqe.res == -EINVAL || cqe.res == -EOPNOTSUPP) {
		*why = "not supported by this kernel";
		return false;
	}
	return true;
}

/* ---- the ping-pong ---- */

/*
 * One side: wait for the counter to have our parity, move it on, wake the
 * peer. The parent stops after n round trips or t seconds, the child when
 * the parent says so.
 */
static int side(const struct method *m, bool parent, __u64 n, __u64 t_ns,
		__u64 *done, __u64 *elapsed)
{
	__u32 mine = parent ? 0 : 1;
	__u64 trips = 0, start = 0, waited;
	bool wake = false;
	void *state;
	int ret;

	pin_side(parent);
	ret = m->setup(&state);
	if (ret) {
		fail("setup failed: %lld (%lld)", ret, parent);
		return ret;
	}
	if (parent) {
		while (!load(&sh->ready) && !load(&sh->failed))
			usleep(1000);
		start = now_ns();
	} else {
		store(&sh->ready, 1);
	}
	for (;;) {
		__u32 v = load(&sh->seq);

		waited = now_ns();
		while ((v & 1) != mine) {
			if (load(&sh->stop) || load(&sh->failed))
				goto out;
			ret = m->wake_wait(state, wake, true, v);
			wake = false;
			if (ret) {
				fail("wait on %lld failed: %lld", v, ret);
				goto out;
			}
			v = load(&sh->seq);
			if ((v & 1) != mine &&
			    now_ns() - waited > WATCHDOG_NS) {
				fail("lost wakeup: counter stuck at %lld after %lld round trips",
				     v, trips);
				goto out;
			}
		}
		if (load(&sh->stop))
			break;
		if (parent) {
			if (trips == n || (t_ns && now_ns() - start >= t_ns)) {
				store(&sh->stop, 1);
				store(&sh->seq, v + 1);
				m->wake_wait(state, true, false, v + 1);
				break;
			}
			trips++;
		}
		store(&sh->seq, v + 1);
		wake = true;
	}
out:
	if (parent) {
		*elapsed = now_ns() - start;
		*done = trips;
	}
	m->teardown(state);
	return load(&sh->failed) ? -EIO : 0;
}

/* Run one method; round trips per second, or < 0 on failure. */
static double run(const struct method *m, __u64 n, __u64 t_ns)
{
	__u64 done = 0, elapsed = 0;
	pid_t pid;
	int st, ret;

	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(side(m, false, n, t_ns, &done, &elapsed) ? 1 : 0);
	ret = side(m, true, n, t_ns, &done, &elapsed);
	if (ret) {
		/* Unstick a child parked without a timeout (io_uring). */
		store(&sh->stop, 1);
		__atomic_fetch_add(&sh->seq, 2, __ATOMIC_ACQ_REL);
		sys_futex(&sh->seq, FUTEX_WAKE, 1, NULL);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (ret || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "%s: %s\n", m->name,
			sh->why[0] ? sh->why : "the child failed");
		return -1;
	}
	return elapsed ? (double)done * 1e9 / (double)elapsed : 0;
}

static const struct method methods[] = {
	{ "futex(2)", futex_setup, futex_wake_wait, futex_teardown },
	{ "rxring", rx_setup, rx_wake_wait, rx_teardown },
	{ "io_uring futex", uring_setup, uring_wake_wait, uring_teardown },
};

static bool wanted(const char *list, const char *key)
{
	size_t k = strlen(key);
	const char *p = list;

	if (!list)
		return true;
	while ((p = strstr(p, key))) {
		if ((p == list || p[-1] == ',') && (p[k] == ',' || !p[k]))
			return true;
		p += k;
	}
	return false;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-n ROUND_TRIPS] [-t SECONDS] [-m rxring,futex,io_uring] [-T] [-S] [-p|-P]\n"
		"  -T  rxring WAITs without a timeout (default: a 10 s watchdog)\n"
		"  -S  rxring: spin on the CQ instead of sleeping in ENTER\n"
		"  -p  pin the parent to CPU 0 and the child to CPU 1; -P both to CPU 0\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const keys[] = { "futex", "rxring", "io_uring" };
	__u64 n = 100000;
	double secs = 5, rate[3] = { 0, 0, 0 };
	const char *list = NULL, *why = NULL;
	bool ok = true;
	unsigned int i;
	int opt;

	while ((opt = getopt(argc, argv, "n:t:m:TSpPh")) != -1) {
		switch (opt) {
		case 'p':
			pin_mode = 1;
			break;
		case 'P':
			pin_mode = 2;
			break;
		case 'T':
			rx_no_timeout = true;
			break;
		case 'S':
			rx_spin = true;
			break;
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'm':
			list = optarg;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || !n || secs < 0)
		usage(argv[0]);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("futex ping-pong between two processes: up to %llu round trips or %.1f s per method\n",
	       (unsigned long long)n, secs);
	for (i = 0; i < 3; i++) {
		if (!wanted(list, keys[i]))
			continue;
		if (i == 2 && !uring_futex_supported(&why)) {
			printf("io_uring futex: %s\n", why);
			continue;
		}
		rate[i] = run(&methods[i], n, (__u64)(secs * 1e9));
		if (rate[i] < 0) {
			printf("%-16s FAILED\n", methods[i].name);
			ok = false;
			continue;
		}
		if (i && rate[0] > 0)
			printf("%-16s %12.0f round trips/s  %.2fx futex(2)\n",
			       methods[i].name, rate[i], rate[i] / rate[0]);
		else
			printf("%-16s %12.0f round trips/s\n",
			       methods[i].name, rate[i]);
		fflush(stdout);
	}
	return ok ? 0 : 1;
}
