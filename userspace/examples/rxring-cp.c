// SPDX-License-Identifier: MIT
/*
 * rxring-cp: copy a file through an rxring. Everything is a ring
 * operation: OPEN, FSTAT, READ and WRITE at explicit offsets with up to
 * DEPTH blocks in flight, FSYNC, CLOSE.
 *
 * Usage: rxring-cp [-q DEPTH] [-b BLOCK_KIB] SRC DST
 *
 * Build: cc -O2 -o rxring-cp rxring-cp.c $(pkg-config --cflags --libs librxring)
 *
 * DST is created (or truncated) with SRC's permission bits. Each block
 * has a buffer (a slot): a READ fills it, a WRITE at the same offset
 * empties it, and the slot then reads the next block. Short reads and
 * writes are continued where they stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rxring.h>

static const char *prog = "rxring-cp";

struct slot {
	char *buf;
	__u64 off;		/* file offset of buf[0] */
	__u64 len;		/* bytes of the block */
	__u64 filled;		/* bytes read into buf */
	__u64 written;		/* bytes of buf written */
	int busy;
};

static void die(const char *what, long long err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror((int)-err));
	exit(1);
}

/* Run one operation on its own and return its status. */
static long long run_one(struct rxring *ring, struct rxring_completion *c)
{
	int ret = rxring_submit_and_wait(ring, 1);

	if (ret >= 0)
		ret = rxring_wait_completion(ring, c);
	if (ret < 0)
		die("ring", ret);
	return c->status;
}

static int ring_open(struct rxring *ring, const char *path, int flags,
		     mode_t mode)
{
	struct rxring_sqe *sqe = rxring_get_sqe(ring);
	struct rxring_completion c;
	long long fd;

	rxring_prep_open(sqe, AT_FDCWD, path, strlen(path), flags | O_CLOEXEC,
			 mode);
	fd = run_one(ring, &c);
	if (fd < 0)
		die(path, fd);
	return (int)fd;
}

static void queue_read(struct rxring *ring, int fd, struct slot *s,
		       unsigned int i)
{
	struct rxring_sqe *sqe = rxring_get_sqe(ring);

	rxring_prep_read(sqe, fd, s->buf + s->filled, s->len - s->filled,
			 s->off + s->filled);
	rxring_sqe_set_data(sqe, (__u64)i << 1);
}

static void queue_write(struct rxring *ring, int fd, struct slot *s,
			unsigned int i)
{
	struct rxring_sqe *sqe = rxring_get_sqe(ring);

	rxring_prep_write(sqe, fd, s->buf + s->written,
			  s->filled - s->written, s->off + s->written);
	rxring_sqe_set_data(sqe, (__u64)i << 1 | 1);
}

int main(int argc, char **argv)
{
	unsigned int depth = 8, block = 128 * 1024, i, busy = 0;
	struct rxring_probe probe;
	struct rxring_completion c;
	struct rxring_stat st;
	struct rxring_sqe *sqe;
	struct rxring ring;
	struct slot *slots;
	__u64 next = 0, size;
	int opt, in, out, ret;
	static const unsigned int need[] = {
		RXRING_OP_OPEN, RXRING_OP_FSTAT, RXRING_OP_READ,
		RXRING_OP_WRITE, RXRING_OP_FSYNC, RXRING_OP_CLOSE,
	};

	while ((opt = getopt(argc, argv, "q:b:")) != -1) {
		switch (opt) {
		case 'q':
			depth = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'b':
			block = (unsigned int)strtoul(optarg, NULL, 0) * 1024;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2 || !depth || depth > 1024 || !block)
		goto usage;

	/* Room for a READ or WRITE per slot, plus one more operation. */
	ret = rxring_queue_init(2 * depth, &ring, 0);
	if (ret < 0)
		die("rxring_queue_init", ret);
	ret = rxring_probe(ring.fd, &probe);
	if (ret < 0)
		die("rxring_probe", ret);
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!rxring_opcode_supported(&probe, need[i])) {
			fprintf(stderr, "%s: this rxring module lacks opcode %u\n",
				prog, need[i]);
			return 1;
		}
	}

	in = ring_open(&ring, argv[optind], O_RDONLY, 0);
	sqe = rxring_get_sqe(&ring);
	rxring_prep_fstat(sqe, in, &st);
	ret = (int)run_one(&ring, &c);
	if (ret < 0)
		die(argv[optind], ret);
	size = (__u64)st.size;
	out = ring_open(&ring, argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC,
			st.mode & 07777);

	slots = calloc(depth, sizeof(*slots));
	if (!slots)
		die("calloc", -ENOMEM);
	for (i = 0; i < depth; i++) {
		slots[i].buf = malloc(block);
		if (!slots[i].buf)
			die("malloc", -ENOMEM);
	}

	for (;;) {
		/* Give every idle slot the next block. */
		for (i = 0; i < depth && next < size; i++) {
			struct slot *s = &slots[i];

			if (s->busy)
				continue;
			s->busy = 1;
			s->off = next;
			s->len = size - next < block ? size - next : block;
			s->filled = 0;
			s->written = 0;
			next += s->len;
			queue_read(&ring, in, s, i);
			busy++;
		}
		if (!busy)
			break;
		ret = rxring_submit_and_wait(&ring, 1);
		if (ret < 0)
			die("submit", ret);
		while ((ret = rxring_peek_completion(&ring, &c)) == 0) {
			struct slot *s = &slots[c.user_data >> 1];
			unsigned int idx = (unsigned int)(c.user_data >> 1);

			if (c.status < 0)
				die(c.user_data & 1 ? "write" : "read",
				    c.status);
			if (!(c.user_data & 1)) {
				/* READ done: write what came. */
				s->filled += (__u64)c.status;
				if (c.status == 0) {
					/* The file shrank: stop at its end. */
					s->len = s->filled;
					size = next = s->off + s->len;
				}
			} else {
				if (c.status == 0)
					die("write", -EIO);
				s->written += (__u64)c.status;
			}
			if (s->written < s->filled) {
				queue_write(&ring, out, s, idx);
			} else if (s->filled < s->len) {
				queue_read(&ring, in, s, idx);	/* short read */
			} else {
				s->busy = 0;
				busy--;
			}
		}
		if (ret != -EAGAIN)
			die("completion", ret);
	}

	sqe = rxring_get_sqe(&ring);
	rxring_prep_fsync(sqe, out, 0);
	ret = (int)run_one(&ring, &c);
	if (ret < 0)
		die("fsync", ret);
	sqe = rxring_get_sqe(&ring);
	rxring_prep_close(sqe, in);
	run_one(&ring, &c);
	sqe = rxring_get_sqe(&ring);
	rxring_prep_close(sqe, out);
	ret = (int)run_one(&ring, &c);
	if (ret < 0)
		die("close", ret);

	for (i = 0; i < depth; i++)
		free(slots[i].buf);
	free(slots);
	rxring_queue_exit(&ring);
	return 0;

usage:
	fprintf(stderr, "usage: %s [-q DEPTH] [-b BLOCK_KIB] SRC DST\n", prog);
	return 2;
}
