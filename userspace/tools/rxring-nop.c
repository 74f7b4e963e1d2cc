// SPDX-License-Identifier: MIT
/*
 * rxring-nop: push NOPs through an rxring and check the completions.
 *
 * Submits -n NOPs in batches of -b on a ring of -e SQ entries, reaping as it
 * goes, and checks that every user_data comes back exactly once with status
 * 0. Then checks the three shapes of NOP result: a small negative value (a
 * plain CQE, sign-extended), a value that needs 64 bits (an extended pair)
 * and an explicit extended completion carrying extra. Prints the rate and
 * exits non-zero on any mismatch.
 *
 * Usage: rxring-nop [-n count] [-b batch] [-e entries]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rxring.h>

#include "common.h"

#define WAIT_NS		(5LL * 1000000000)	/* give up after 5 s */

static int errors;

#define fail(...)							\
	do {								\
		fprintf(stderr, "rxring-nop: " __VA_ARGS__);		\
		errors++;						\
	} while (0)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rxring-nop [-n count] [-b batch] [-e entries]\n"
		"  -n count    NOPs to submit (default 100000)\n"
		"  -b batch    SQEs per submit (default 16)\n"
		"  -e entries  SQ entries, power of two (default 64)\n");
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || *end || !*v || *v > max ? -1 : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Check one completion of the NOP flood; returns 0 or -1. */
static int check_nop(const struct rxring_completion *c, unsigned char *seen,
		     unsigned long n)
{
	if (c->user_data >= n) {
		fail("unexpected user_data %llu\n",
		     (unsigned long long)c->user_data);
		return -1;
	}
	if (seen[c->user_data]++) {
		fail("user_data %llu completed twice\n",
		     (unsigned long long)c->user_data);
		return -1;
	}
	if (c->status || c->flags || c->extra) {
		fail("user_data %llu: status %lld flags 0x%llx extra 0x%llx\n",
		     (unsigned long long)c->user_data, (long long)c->status,
		     (unsigned long long)c->flags,
		     (unsigned long long)c->extra);
		return -1;
	}
	return 0;
}

static int flood(struct rxring *ring, unsigned long n, unsigned long batch)
{
	struct rxring_completion c;
	unsigned long sent = 0, taken = 0, done = 0, k, reaped, took;
	unsigned char *seen;
	double t0, t1;
	int ret;

	seen = calloc(n, 1);
	if (!seen) {
		fail("out of memory\n");
		return -1;
	}

	t0 = now();
	while (done < n) {
		for (k = 0; k < batch && sent < n; k++) {
			struct rxring_sqe *sqe = rxring_get_sqe(ring);

			if (!sqe)
				break;
			rxring_prep_nop(sqe);
			rxring_sqe_set_data(sqe, sent);
			sent++;
		}

		ret = rxring_submit(ring);
		if (ret < 0) {
			fail("submit: %s\n", rxring_strerr(ret));
			goto out;
		}
		took = (unsigned long)ret;
		taken += took;

		reaped = 0;
		while ((ret = rxring_peek_completion(ring, &c)) == 0) {
			if (check_nop(&c, seen, n))
				goto out;
			reaped++;
		}
		if (ret != -EAGAIN) {
			fail("peek: %s\n", rxring_strerr(ret));
			goto out;
		}
		done += reaped;

		if (reaped)
			continue;
		if (taken > done) {
			/* Something is in flight: block until it completes. */
			ret = rxring_wait_completion_timeout(ring, &c, WAIT_NS);
			if (ret < 0) {
				fail("wait (%lu in flight): %s\n",
				     taken - done, rxring_strerr(ret));
				goto out;
			}
			if (check_nop(&c, seen, n))
				goto out;
			done++;
		} else if (sent > taken && !took) {
			/* The CQ was empty, so the kernel had room. */
			fail("the kernel took nothing from a non-empty SQ\n");
			goto out;
		}
	}
	t1 = now();

	for (k = 0; k < n; k++) {
		if (seen[k] != 1) {
			fail("user_data %lu completed %u times\n", k, seen[k]);
			goto out;
		}
	}
	printf("rxring-nop: %lu NOPs in batches of %lu (sq %u, cq %u): "
	       "%.3f s, %.0f ops/s\n", n, batch, ring->sq.entries,
	       ring->cq.entries, t1 - t0, (t1 > t0) ? n / (t1 - t0) : 0.0);
out:
	free(seen);
	return errors ? -1 : 0;
}

/* Submit one prepared SQE and wait for its completion. */
static int round_trip(struct rxring *ring, struct rxring_completion *c)
{
	int ret;

	ret = rxring_submit(ring);
	if (ret != 1) {
		fail("submit returned %d (%s)\n", ret,
		     ret < 0 ? rxring_strerr(ret) : "expected 1");
		return -1;
	}
	ret = rxring_wait_completion_timeout(ring, c, WAIT_NS);
	if (ret < 0) {
		fail("wait: %s\n", rxring_strerr(ret));
		return -1;
	}
	return 0;
}

static void expect(const char *what, const struct rxring_completion *c,
		   __u64 user_data, __s64 status, __u64 flags, __u64 extra)
{
	if (c->user_data == user_data && c->status == status &&
	    c->flags == flags && c->extra == extra)
		return;
	fail("%s: got user_data 0x%llx status %lld flags 0x%llx extra 0x%llx,"
	     " want 0x%llx %lld 0x%llx 0x%llx\n", what,
	     (unsigned long long)c->user_data, (long long)c->status,
	     (unsigned long long)c->flags, (unsigned long long)c->extra,
	     (unsigned long long)user_data, (long long)status,
	     (unsigned long long)flags, (unsigned long long)extra);
}

static int results(struct rxring *ring)
{
	const __s64 big = 0x123456789abcdefLL;
	const __u64 extra = 0xfeedfacecafebeefULL;
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	int before = errors;

	/* A negative value that fits: a plain CQE, sign-extended. */
	sqe = rxring_get_sqe(ring);
	if (!sqe)
		goto full;
	rxring_prep_nop_result(sqe, -5);
	rxring_sqe_set_data(sqe, 0xa1);
	if (round_trip(ring, &c))
		return -1;
	expect("NOP result -5", &c, 0xa1, -5, 0, 0);

	/* A value that needs 64 bits: the kernel makes it an extended pair. */
	sqe = rxring_get_sqe(ring);
	if (!sqe)
		goto full;
	rxring_prep_nop_result(sqe, -big);
	rxring_sqe_set_data(sqe, 0xa2);
	if (round_trip(ring, &c))
		return -1;
	expect("NOP 64-bit result", &c, 0xa2, -big, RXRING_CQE_EXTENDED, 0);

	/* An explicit extended completion with extra. */
	sqe = rxring_get_sqe(ring);
	if (!sqe)
		goto full;
	rxring_prep_nop_extended(sqe, big, extra);
	rxring_sqe_set_data(sqe, 0xfffffffffffffffeULL);
	if (round_trip(ring, &c))
		return -1;
	expect("NOP extended", &c, 0xfffffffffffffffeULL, big,
	       RXRING_CQE_EXTENDED, extra);

	if (errors == before)
		printf("rxring-nop: plain, 64-bit and extended results ok\n");
	return errors == before ? 0 : -1;
full:
	fail("no free SQE for the result checks\n");
	return -1;
}

int main(int argc, char **argv)
{
	unsigned long n = 100000, batch = 16, entries = 64;
	struct rxring ring;
	int opt, ret;

	while ((opt = getopt(argc, argv, "n:b:e:h")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_ulong(optarg, 1UL << 40, &n))
				goto bad;
			break;
		case 'b':
			if (parse_ulong(optarg, 1UL << 20, &batch))
				goto bad;
			break;
		case 'e':
			if (parse_ulong(optarg, RXRING_MAX_SQ_ENTRIES,
					&entries))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	ret = rxring_queue_init((unsigned int)entries, &ring, 0);
	if (ret < 0) {
		fprintf(stderr, "rxring-nop: cannot create a ring on %s: %s\n",
			LIBRXRING_DEVICE, rxring_strerr(ret));
		return 1;
	}

	flood(&ring, n, batch);
	if (!errors)
		results(&ring);

	rxring_queue_exit(&ring);
	if (errors) {
		fprintf(stderr, "rxring-nop: FAILED\n");
		return 1;
	}
	return 0;
bad:
	fprintf(stderr, "rxring-nop: bad value '%s' for -%c\n", optarg, opt);
	usage(stderr);
	return 2;
}
