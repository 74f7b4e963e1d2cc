// SPDX-License-Identifier: MIT
/*
 * rxring-futex-pingpong: two processes hand a token back and forth through
 * a word in a memfd, each waiting for its turn with a ring FUTEX WAIT and
 * waking the other with a ring FUTEX WAKE. The futex is keyed by the
 * word's physical address, so the two processes meet although each has
 * its own ring and its own mapping.
 *
 * Usage: rxring-futex-pingpong [-n ROUNDS]      (default 10000)
 *
 * Build: cc -O2 -o rxring-futex-pingpong rxring-futex-pingpong.c $(pkg-config --cflags --libs librxring)
 *
 * The word counts the moves: the parent (ping) moves it from even to odd,
 * the child (pong) from odd to even. Each side waits while the word still
 * holds the value it left there; a WAIT that finds the value already
 * changed completes with -EAGAIN, which is a normal outcome.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <rxring.h>

#define TIMEOUT_NS	(10ULL * 1000 * 1000 * 1000)	/* per wait */

static const char *prog = "rxring-futex-pingpong";

/* Run one FUTEX SQE prepared by the caller; return its status. */
static long long run_one(struct rxring *ring)
{
	struct rxring_completion c;
	int ret = rxring_submit_and_wait(ring, 1);

	if (ret >= 0)
		ret = rxring_wait_completion(ring, &c);
	return ret < 0 ? ret : c.status;
}

/* Wait until *word != seen. */
static int wait_change(struct rxring *ring, __u32 *word, __u32 seen)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == seen) {
		struct rxring_sqe *sqe = rxring_get_sqe(ring);
		long long st;

		rxring_prep_futex_wait(sqe, word, seen, TIMEOUT_NS, 0);
		st = run_one(ring);
		if (st < 0 && st != -EAGAIN && st != -EINTR)
			return (int)st;
	}
	return 0;
}

static int wake(struct rxring *ring, __u32 *word)
{
	struct rxring_sqe *sqe = rxring_get_sqe(ring);
	long long st;

	rxring_prep_futex_wake(sqe, word, 1);
	st = run_one(ring);
	return st < 0 ? (int)st : 0;
}

/* One side: rounds moves, from 2i + first to 2i + first + 1. */
static int play(__u32 *word, unsigned int rounds, unsigned int first)
{
	struct rxring ring;
	unsigned int i;
	int ret;

	ret = rxring_queue_init(4, &ring, 0);
	if (ret < 0)
		return ret;
	for (i = 0; i < rounds; i++) {
		__u32 mine = 2 * i + first;	/* the value we wait for */

		ret = wait_change(&ring, word, mine - 1);
		if (ret < 0)
			break;
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != mine) {
			ret = -EPROTO;
			break;
		}
		__atomic_store_n(word, mine + 1, __ATOMIC_RELEASE);
		ret = wake(&ring, word);
		if (ret < 0)
			break;
	}
	/* ping: the round trip ends when pong has made its last move. */
	if (ret == 0 && first == 0)
		ret = wait_change(&ring, word, 2 * rounds - 1);
	rxring_queue_exit(&ring);
	return ret;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	unsigned int rounds = 10000;
	struct rxring_probe probe;
	struct rxring ring;
	int opt, fd, ret, st;
	double t0, t1;
	__u32 *word;
	pid_t pid;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			goto usage;
		rounds = (unsigned int)strtoul(optarg, NULL, 0);
	}
	if (optind != argc || !rounds || rounds > 1000000000)
		goto usage;

	ret = rxring_queue_init(1, &ring, 0);
	if (ret == 0)
		ret = rxring_probe(ring.fd, &probe);
	if (ret < 0) {
		fprintf(stderr, "%s: rxring: %s\n", prog, strerror(-ret));
		return 1;
	}
	if (!rxring_opcode_supported(&probe, RXRING_OP_FUTEX)) {
		fprintf(stderr, "%s: this rxring module has no FUTEX\n", prog);
		return 1;
	}
	rxring_queue_exit(&ring);

	fd = memfd_create("rxring-pingpong", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 4096) < 0) {
		perror("memfd");
		return 1;
	}
	word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (word == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	*word = 0;

	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		/*
		 * The child maps the memfd anew, at an address of its own:
		 * only the physical page is shared with the parent's word.
		 */
		__u32 *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED, fd, 0);

		if (w == MAP_FAILED)
			_exit(1);
		ret = play(w, rounds, 1);	/* pong: 1 -> 2, 3 -> 4, ... */
		if (ret < 0)
			fprintf(stderr, "%s: pong: %s\n", prog, strerror(-ret));
		_exit(ret < 0);
	}
	/* ping: 0 -> 1, 2 -> 3, ...; wait_change(word, -1) returns at once. */
	ret = play(word, rounds, 0);
	t1 = now_us();
	if (ret < 0)
		fprintf(stderr, "%s: ping: %s\n", prog, strerror(-ret));
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		ret = ret ? ret : -ECHILD;
	if (ret < 0)
		return 1;
	printf("%u round trips between two processes in %.0f us (%.2f us per round trip); word %u\n",
	       rounds, t1 - t0, (t1 - t0) / rounds, *word);
	return 0;

usage:
	fprintf(stderr, "usage: %s [-n ROUNDS]\n", prog);
	return 2;
}
