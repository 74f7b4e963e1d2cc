// SPDX-License-Identifier: MIT
/*
 * rxring-bench: random reads through an rxring instance, IOPS per queue
 * depth. A benchmark, not a test: it checks only that every read completes
 * with its full length.
 *
 *   rxring-bench [-s SECS] [-b BATCH] [-B BYTES] [-q QD[,QD...]] [-w] [-p]
 *                DEV
 *
 * Defaults: 4 KiB reads (-B), queue depths 1, 32 and 128 (-q), submitted
 * and reaped in batches of up to 32 (-b), 3 s each (-s). DEV is opened
 * O_DIRECT (a block device goes straight to its queues); -w reads through
 * the page cache instead. Prints one line per queue depth, and with -p a
 * first line for plain pread() (queue depth 1, no ring) to compare with.
 *
 * Build: cc -O2 rxring-bench.c $(pkg-config --cflags --libs librxring)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common.h"

#define MAX_QD	1024

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rnd_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rnd_state = x;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dev_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	*size = (uint64_t)st.st_size;
	return 0;
}

struct bench {
	int fd;
	unsigned int bs;
	uint64_t blocks;	/* of bs bytes on the device */
	char *bufs;		/* one buffer per slot */
};

static void prep_one(struct bench *b, struct rxring_sqe *sqe, unsigned int slot)
{
	rxring_prep_read(sqe, b->fd, b->bufs + (size_t)slot * b->bs, b->bs,
			 (rnd() % b->blocks) * b->bs);
	rxring_sqe_set_data(sqe, slot);
}

/* One run at queue depth qd; returns IOPS, or a negative errno. */
static double run(struct bench *b, unsigned int qd, unsigned int batch,
		  double secs)
{
	unsigned int free_slots[MAX_QD], nfree = qd, inflight = 0, i;
	uint64_t done = 0, checked = 0;
	struct rxring ring;
	double t0, t1;
	int ret;

	for (i = 1; i < qd; i <<= 1)
		;
	ret = rxring_queue_init(i, &ring, 0);
	if (ret)
		return ret;
	for (i = 0; i < qd; i++)
		free_slots[i] = i;
	t0 = now();
	t1 = t0;
	while (t1 - t0 < secs) {
		unsigned int to_sub = qd - inflight, wait = 0;
		struct rxring_completion c;

		if (to_sub > batch)
			to_sub = batch;
		for (i = 0; i < to_sub; i++)
			prep_one(b, rxring_get_sqe(&ring), free_slots[--nfree]);
		inflight += to_sub;
		if (inflight == qd)
			wait = batch < qd ? batch : qd;
		ret = rxring_submit_and_wait(&ring, wait);
		if (ret < 0 || (unsigned int)ret != to_sub) {
			fprintf(stderr, "rxring-bench: submit: %s\n",
				ret < 0 ? rxring_strerr(ret) : "short");
			goto fail;
		}
		while (rxring_peek_completion(&ring, &c) == 0) {
			if (c.status != (__s64)b->bs) {
				fprintf(stderr, "rxring-bench: read: %lld\n",
					(long long)c.status);
				ret = c.status < 0 ? (int)c.status : -EIO;
				goto fail;
			}
			free_slots[nfree++] = (unsigned int)c.user_data;
			inflight--;
			done++;
		}
		/* The clock may be slow to read (an emulated HPET): not often. */
		if (done - checked >= 64) {
			checked = done;
			t1 = now();
		}
	}
	t1 = now();
	/* Let what is in flight finish before the ring goes. */
	while (inflight) {
		struct rxring_completion c;

		ret = rxring_wait_completion(&ring, &c);
		if (ret)
			goto fail;
		inflight--;
	}
	rxring_queue_exit(&ring);
	return done / (t1 - t0);
fail:
	rxring_queue_exit(&ring);
	return ret ? ret : -EIO;
}

/* The same reads with pread(), one at a time: IOPS or -errno. */
static double run_pread(struct bench *b, double secs)
{
	uint64_t done = 0;
	double t0 = now(), t1 = t0;

	while (t1 - t0 < secs) {
		ssize_t n = pread(b->fd, b->bufs, b->bs,
				  (off_t)((rnd() % b->blocks) * b->bs));

		if (n != (ssize_t)b->bs)
			return n < 0 ? -errno : -EIO;
		done++;
		if (!(done & 63))
			t1 = now();
	}
	t1 = now();
	return done / (t1 - t0);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: rxring-bench [-s SECS] [-b BATCH] [-B BYTES] [-q QD,...] [-w] [-p] DEV\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int qds[16] = { 1, 32, 128 }, nqd = 3, batch = 32, i;
	struct bench b = { .bs = 4096 };
	int opt, flags = O_RDONLY | O_DIRECT, psync = 0;
	uint64_t size;
	double secs = 3;
	char *s;

	while ((opt = getopt(argc, argv, "s:b:B:q:wp")) != -1) {
		switch (opt) {
		case 's':
			secs = atof(optarg);
			break;
		case 'b':
			batch = (unsigned int)atoi(optarg);
			break;
		case 'B':
			b.bs = (unsigned int)atoi(optarg);
			break;
		case 'q':
			nqd = 0;
			for (s = strtok(optarg, ","); s && nqd < 16;
			     s = strtok(NULL, ","))
				qds[nqd++] = (unsigned int)atoi(s);
			break;
		case 'w':
			flags = O_RDONLY;
			break;
		case 'p':
			psync = 1;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || !batch || !b.bs || b.bs % 512 || secs <= 0)
		usage();
	for (i = 0; i < nqd; i++)
		if (!qds[i] || qds[i] > MAX_QD)
			usage();

	b.fd = open(argv[optind], flags);
	if (b.fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	if (dev_size(b.fd, &size) || size < b.bs) {
		fprintf(stderr, "rxring-bench: %s: no size\n", argv[optind]);
		return 1;
	}
	b.blocks = size / b.bs;
	b.bufs = mmap(NULL, (size_t)MAX_QD * b.bs, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (b.bufs == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("rxring-bench: %s, %u-byte random reads%s, batch %u, %.1f s\n",
	       argv[optind], b.bs, flags & O_DIRECT ? " (O_DIRECT)" : "",
	       batch, secs);
	if (psync) {
		double iops = run_pread(&b, secs);

		if (iops < 0) {
			fprintf(stderr, "rxring-bench: pread: %s\n",
				rxring_strerr((long long)iops));
			return 1;
		}
		printf("  pread : %8.0f IOPS\n", iops);
	}
	for (i = 0; i < nqd; i++) {
		double iops = run(&b, qds[i], batch, secs);

		if (iops < 0) {
			fprintf(stderr, "rxring-bench: QD %u: %s\n", qds[i],
				rxring_strerr((long long)iops));
			return 1;
		}
		printf("  QD %3u: %8.0f IOPS\n", qds[i], iops);
		fflush(stdout);
	}
	close(b.fd);
	return 0;
}
