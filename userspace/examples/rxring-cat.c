// SPDX-License-Identifier: MIT
/*
 * rxring-cat: cat(1) through an rxring: every read and write is a ring
 * operation (READ, WRITE), so it works on files, pipes and terminals alike.
 *
 * Usage: rxring-cat [FILE...]     (no FILE or "-": standard input)
 *
 * Build: cc -O2 -o rxring-cat rxring-cat.c $(pkg-config --cflags --libs librxring)
 *
 * Reads use RXRING_POS_CURRENT, so they go on from the file position like
 * read(2) (and work on pipes). Each block is written with WRITE before the
 * next read; a short write is continued with another WRITE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rxring.h>

#define BLOCK	(64 * 1024)

static const char *prog = "rxring-cat";

/* Submit the SQE prepared last and wait for its completion. */
static long long run_one(struct rxring *ring)
{
	struct rxring_completion c;
	int ret;

	ret = rxring_submit_and_wait(ring, 1);
	if (ret < 0)
		return ret;
	ret = rxring_wait_completion(ring, &c);
	if (ret < 0)
		return ret;
	return c.status;
}

static int ring_read(struct rxring *ring, int fd, void *buf, size_t len)
{
	struct rxring_sqe *sqe = rxring_get_sqe(ring);

	rxring_prep_read(sqe, fd, buf, len, RXRING_POS_CURRENT);
	return (int)run_one(ring);
}

static int ring_write_all(struct rxring *ring, int fd, const char *buf,
			  size_t len)
{
	while (len) {
		struct rxring_sqe *sqe = rxring_get_sqe(ring);
		long long n;

		rxring_prep_write(sqe, fd, buf, len, RXRING_POS_CURRENT);
		n = run_one(ring);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int cat_fd(struct rxring *ring, int fd, const char *name, char *buf)
{
	for (;;) {
		int n = ring_read(ring, fd, buf, BLOCK);

		if (n == -EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(-n));
			return 1;
		}
		if (n == 0)
			return 0;
		n = ring_write_all(ring, STDOUT_FILENO, buf, (size_t)n);
		if (n < 0) {
			fprintf(stderr, "%s: write: %s\n", prog, strerror(-n));
			return 1;
		}
	}
}

int main(int argc, char **argv)
{
	struct rxring_probe probe;
	struct rxring ring;
	int i, ret, status = 0;
	char *buf;

	ret = rxring_queue_init(4, &ring, 0);
	if (ret < 0) {
		fprintf(stderr, "%s: rxring_queue_init: %s\n", prog,
			strerror(-ret));
		return 1;
	}
	ret = rxring_probe(ring.fd, &probe);
	if (ret < 0 || !rxring_opcode_supported(&probe, RXRING_OP_READ) ||
	    !rxring_opcode_supported(&probe, RXRING_OP_WRITE)) {
		fprintf(stderr, "%s: this rxring module has no READ/WRITE\n",
			prog);
		return 1;
	}
	buf = malloc(BLOCK);
	if (!buf)
		return 1;

	if (argc < 2)
		status = cat_fd(&ring, STDIN_FILENO, "-", buf);
	for (i = 1; i < argc; i++) {
		int fd = STDIN_FILENO;

		if (strcmp(argv[i], "-")) {
			fd = open(argv[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				fprintf(stderr, "%s: %s: %s\n", prog, argv[i],
					strerror(errno));
				status = 1;
				continue;
			}
		}
		status |= cat_fd(&ring, fd, argv[i], buf);
		if (fd != STDIN_FILENO)
			close(fd);
	}
	free(buf);
	rxring_queue_exit(&ring);
	return status;
}
