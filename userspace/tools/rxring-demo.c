// SPDX-License-Identifier: MIT
/*
 * rxring-demo: a guided tour of /dev/rxring, printed in plain words.
 *
 * Creates a small ring, shows its layout, does NOP round trips, makes an
 * extended completion straddle the end of the completion ring, shows how a
 * bad opcode is refused and, when a test block device is present, tries a
 * 4 KiB O_DIRECT read through the ring. Exits non-zero if anything does not
 * behave as docs/abi.md says.
 *
 * Usage: rxring-demo [device...]
 *	The devices to try in step 6, default /dev/nvme0n1 and /dev/nullb0
 *	(those that exist). Named ones may also be regular files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <rxring.h>

#include "common.h"

#define DEMO_SQ_ENTRIES	4
#define WAIT_NS		(5LL * 1000000000)
#define BAD_OPCODE	99
#define READ_SIZE	4096

static int problems;

#define oops(...)							\
	do {								\
		printf("   !! " __VA_ARGS__);				\
		problems++;						\
	} while (0)

/* Submit whatever is queued and wait for one completion. */
static int submit_one(struct rxring *ring, struct rxring_completion *c)
{
	int ret = rxring_submit(ring);

	if (ret < 0) {
		oops("submit failed: %s\n", rxring_strerr(ret));
		return ret;
	}
	ret = rxring_wait_completion_timeout(ring, c, WAIT_NS);
	if (ret < 0)
		oops("no completion: %s\n", rxring_strerr(ret));
	return ret;
}

static struct rxring_sqe *get_sqe(struct rxring *ring)
{
	struct rxring_sqe *sqe = rxring_get_sqe(ring);

	if (!sqe)
		oops("the submission ring is unexpectedly full\n");
	return sqe;
}

static void show_layout(const struct rxring *ring)
{
	printf("2. The rings live in memory shared with the kernel, mapped "
	       "at fixed offsets:\n");
	printf("     SQ header   at 0x%08llx, %zu bytes (head, tail, status)\n",
	       RXRING_OFF_SQ_HEADER, ring->sizes[0]);
	printf("     SQ entries  at 0x%08llx, %zu bytes (%u x %zu-byte SQEs)\n",
	       RXRING_OFF_SQ_ENTRIES, ring->sizes[1], ring->sq.entries,
	       sizeof(struct rxring_sqe));
	printf("     CQ header   at 0x%08llx, %zu bytes\n",
	       RXRING_OFF_CQ_HEADER, ring->sizes[3]);
	printf("     CQ entries  at 0x%08llx, %zu bytes (%u x %zu-byte CQEs)\n",
	       RXRING_OFF_CQ_ENTRIES, ring->sizes[4], ring->cq.entries,
	       sizeof(struct rxring_cqe));
}

static void nop_round_trips(struct rxring *ring)
{
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	unsigned int i, got = 0;
	int ret;

	printf("3. Round trips: 3 NOPs (user_data 1, 2, 3), one submit "
	       "call.\n");
	for (i = 1; i <= 3; i++) {
		sqe = get_sqe(ring);
		if (!sqe)
			return;
		rxring_prep_nop(sqe);
		rxring_sqe_set_data(sqe, i);
	}
	ret = rxring_submit(ring);
	if (ret != 3) {
		oops("submit returned %d, expected 3\n", ret);
		if (ret < 0)
			return;
	}
	for (i = 0; i < 3; i++) {
		ret = rxring_wait_completion_timeout(ring, &c, WAIT_NS);
		if (ret < 0) {
			oops("no completion: %s\n", rxring_strerr(ret));
			return;
		}
		printf("     completion: user_data %llu, status %lld\n",
		       (unsigned long long)c.user_data, (long long)c.status);
		if (c.user_data < 1 || c.user_data > 3 || c.status ||
		    (got & (1U << c.user_data)))
			oops("unexpected completion\n");
		got |= 1U << c.user_data;
	}

	sqe = get_sqe(ring);
	if (!sqe)
		return;
	rxring_prep_nop_result(sqe, 42);
	rxring_sqe_set_data(sqe, 4);
	if (submit_one(ring, &c) < 0)
		return;
	printf("     a NOP asked to return 42 came back with status %lld\n",
	       (long long)c.status);
	if (c.user_data != 4 || c.status != 42 || c.flags)
		oops("expected user_data 4, status 42\n");
}

static void straddle(struct rxring *ring)
{
	const __s64 value = 0x123456789LL;
	const __u64 extra = 0xfeedfaceULL;
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	__u64 head;
	unsigned int fillers = 0;

	printf("4. Extended completions: a result that needs 64 bits takes "
	       "two CQ slots.\n");
	/* Move the CQ head to the last slot with plain NOPs. */
	for (;;) {
		head = __atomic_load_n(&ring->cq.hdr->head, __ATOMIC_RELAXED);
		if ((head & ring->cq.mask) == ring->cq.mask)
			break;
		sqe = get_sqe(ring);
		if (!sqe)
			return;
		rxring_prep_nop(sqe);
		rxring_sqe_set_data(sqe, 100 + fillers);
		if (submit_one(ring, &c) < 0)
			return;
		fillers++;
	}
	printf("     after %u more NOPs the CQ head is at slot %llu of %u, "
	       "the last one,\n", fillers,
	       (unsigned long long)(head & ring->cq.mask), ring->cq.entries);
	printf("     so the pair must wrap: first half in slot %llu, second "
	       "in slot %llu.\n", (unsigned long long)(head & ring->cq.mask),
	       (unsigned long long)((head + 1) & ring->cq.mask));

	sqe = get_sqe(ring);
	if (!sqe)
		return;
	rxring_prep_nop_extended(sqe, value, extra);
	rxring_sqe_set_data(sqe, 5);
	if (submit_one(ring, &c) < 0)
		return;
	printf("     sent a NOP returning 0x%llx with extra 0x%llx;\n",
	       (unsigned long long)value, (unsigned long long)extra);
	printf("     got status 0x%llx, extra 0x%llx, %s.\n",
	       (unsigned long long)c.status, (unsigned long long)c.extra,
	       c.flags & RXRING_CQE_EXTENDED ? "flags EXTENDED" :
	       "NOT extended");
	if (c.user_data != 5 || c.status != value || c.extra != extra ||
	    c.flags != RXRING_CQE_EXTENDED)
		oops("the extended completion is wrong\n");
	head = __atomic_load_n(&ring->cq.hdr->head, __ATOMIC_RELAXED);
	printf("     the CQ head moved by two, to slot %llu.\n",
	       (unsigned long long)(head & ring->cq.mask));
}

static void bad_opcode(struct rxring *ring)
{
	struct rxring_completion c;
	struct rxring_sqe *sqe;

	printf("5. Errors come back in the completion: opcode %d does not "
	       "exist.\n", BAD_OPCODE);
	sqe = get_sqe(ring);
	if (!sqe)
		return;
	rxring_prep_rw(sqe, BAD_OPCODE, 0, 0, 0, 0);
	rxring_sqe_set_data(sqe, 6);
	if (submit_one(ring, &c) < 0)
		return;
	printf("     status %lld (%s)%s\n", (long long)c.status,
	       c.status < 0 ? rxring_strerr(c.status) : "success?",
	       c.status == -EINVAL ? ", as expected" : "");
	if (c.user_data != 6 || c.status != -EINVAL)
		oops("expected -EINVAL (%d)\n", -EINVAL);
}

/* Does null_blk store what is written (memory_backed=1)? */
static bool nullb_keeps_data(void)
{
	FILE *f = fopen("/sys/module/null_blk/parameters/memory_backed", "r");
	int c = EOF;

	if (f) {
		c = fgetc(f);
		fclose(f);
	}
	return c == '1' || c == 'Y';
}

/* One 4 KiB O_DIRECT read at offset 0 through the ring, checked by pread. */
static void read_block(struct rxring *ring, const char *dev)
{
	struct rxring_completion c;
	struct rxring_sqe *sqe;
	void *buf = NULL, *ref = NULL;
	ssize_t n;
	int fd;

	fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		printf("     cannot open %s: %s; skipping the read\n", dev,
		       strerror(errno));
		return;
	}
	if (posix_memalign(&buf, READ_SIZE, READ_SIZE) ||
	    posix_memalign(&ref, READ_SIZE, READ_SIZE)) {
		oops("out of memory\n");
		goto out;
	}
	memset(buf, 0xa5, READ_SIZE);

	sqe = get_sqe(ring);
	if (!sqe)
		goto out;
	rxring_prep_rw(sqe, RXRING_OP_READ, (__u64)fd, (__u64)(uintptr_t)buf,
		       READ_SIZE, 0);
	rxring_sqe_set_data(sqe, 7);
	if (submit_one(ring, &c) < 0)
		goto out;
	if (c.status != READ_SIZE) {
		oops("READ of %d bytes returned %lld (%s)\n", READ_SIZE,
		     (long long)c.status,
		     c.status < 0 ? rxring_strerr(c.status) : "short");
		goto out;
	}
	n = pread(fd, ref, READ_SIZE, 0);
	if (n != READ_SIZE) {
		oops("pread returned %zd: %s\n", n,
		     n < 0 ? strerror(errno) : "short");
		goto out;
	}
	if (strstr(dev, "nullb") && !nullb_keeps_data())
		printf("     read %d bytes at offset 0 through the ring "
		       "(null_blk without memory_backed=1 keeps no data, so "
		       "there is nothing to compare).\n", READ_SIZE);
	else if (memcmp(buf, ref, READ_SIZE))
		oops("the ring READ and pread disagree\n");
	else
		printf("     read %d bytes at offset 0 through the ring; "
		       "they match pread.\n", READ_SIZE);
out:
	free(buf);
	free(ref);
	close(fd);
}

static void block_devices(struct rxring *ring, const struct rxring_probe *pr,
			  int ndevs, char **named)
{
	static const char *const defaults[] = {
		"/dev/nvme0n1", "/dev/nullb0"
	};
	const char *const *devs = defaults;
	bool rd = rxring_opcode_supported(pr, RXRING_OP_READ);
	bool wr = rxring_opcode_supported(pr, RXRING_OP_WRITE);
	bool any = false;
	struct stat st;
	int i;

	if (ndevs)
		devs = (const char *const *)named;
	else
		ndevs = sizeof(defaults) / sizeof(defaults[0]);

	printf("6. Block devices:\n");
	for (i = 0; i < ndevs; i++) {
		if (stat(devs[i], &st) ||
		    !(S_ISBLK(st.st_mode) || (named && S_ISREG(st.st_mode))))
			continue;
		any = true;
		printf("     %s is here. READ: %s, WRITE: %s.\n", devs[i],
		       rd ? "supported" : "not supported",
		       wr ? "supported" : "not supported");
		if (!rd) {
			puts("     READ not supported by this module build.");
			continue;
		}
		read_block(ring, devs[i]);
	}
	if (!any)
		printf("     none of %s here; skipping.\n",
		       named ? "the named devices" :
		       "/dev/nvme0n1, /dev/nullb0");
}

int main(int argc, char **argv)
{
	struct rxring_create p;
	struct rxring_probe probe;
	struct rxring ring;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("rxring demo: Redox-style I/O rings on Linux.\n\n");
	printf("1. Opening %s and creating a ring with %u submission "
	       "slots.\n", LIBRXRING_DEVICE, DEMO_SQ_ENTRIES);
	memset(&p, 0, sizeof(p));
	p.sq_entries = DEMO_SQ_ENTRIES;
	ret = rxring_queue_init_params(&ring, &p);
	if (ret < 0) {
		printf("   cannot: %s. Is the rxring module loaded?\n",
		       rxring_strerr(ret));
		return 1;
	}
	printf("     module version %u.%u.%u, features: ", p.version_major,
	       p.version_minor, p.version_patch);
	rxring_print_features(stdout, p.features);
	printf("\n     the completion ring got %u slots (twice the "
	       "submission ring).\n", ring.cq.entries);

	ret = rxring_probe(ring.fd, &probe);
	if (ret < 0) {
		oops("probe failed: %s\n", rxring_strerr(ret));
		memset(&probe, 0, sizeof(probe));
	}

	show_layout(&ring);
	nop_round_trips(&ring);
	straddle(&ring);
	bad_opcode(&ring);
	block_devices(&ring, &probe, argc - 1, argc > 1 ? argv + 1 : NULL);

	rxring_queue_exit(&ring);
	if (problems) {
		printf("\nrxring demo: %d problem(s), see \"!!\" above.\n",
		       problems);
		return 1;
	}
	printf("\nrxring demo: everything behaved as documented.\n");
	return 0;
}
