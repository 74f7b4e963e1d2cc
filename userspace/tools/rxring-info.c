// SPDX-License-Identifier: MIT
/*
 * rxring-info: create an rxring instance and print what the module reports:
 * version, features, ring sizes, the mapped regions and the probe table.
 *
 * Usage: rxring-info [-e entries] [-i]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rxring.h>

#include "common.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rxring-info [-e entries] [-i]\n"
		"  -e entries  SQ entries (power of two, default 8)\n"
		"  -i          create the ring with RXRING_CREATE_INDIRECT\n");
}

static void print_region(const char *name, unsigned long long off,
			 unsigned long long size, const void *addr)
{
	if (addr)
		printf("  %-11s offset 0x%08llx  size %llu\n", name, off, size);
	else
		printf("  %-11s offset 0x%08llx  not mapped (size %llu)\n",
		       name, off, size);
}

int main(int argc, char **argv)
{
	struct rxring_create p;
	struct rxring_probe probe;
	struct rxring ring;
	unsigned long entries = 8;
	unsigned int flags = 0, i;
	char *end;
	int opt, ret;

	while ((opt = getopt(argc, argv, "e:ih")) != -1) {
		switch (opt) {
		case 'e':
			errno = 0;
			entries = strtoul(optarg, &end, 0);
			if (errno || *end || !entries ||
			    entries > 0xffffffffUL) {
				fprintf(stderr,
					"rxring-info: bad entries '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'i':
			flags |= RXRING_CREATE_INDIRECT;
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

	memset(&p, 0, sizeof(p));
	p.sq_entries = (__u32)entries;
	p.flags = flags;
	ret = rxring_queue_init_params(&ring, &p);
	if (ret < 0) {
		fprintf(stderr, "rxring-info: cannot create a ring on %s: %s\n",
			LIBRXRING_DEVICE, rxring_strerr(ret));
		return 1;
	}

	printf("module version: %u.%u.%u (library built for %u.%u.%u)\n",
	       p.version_major, p.version_minor, p.version_patch,
	       RXRING_VERSION_MAJOR, RXRING_VERSION_MINOR,
	       RXRING_VERSION_PATCH);
	printf("features:       0x%llx (", (unsigned long long)p.features);
	rxring_print_features(stdout, p.features);
	printf(")\n");
	printf("mode:           %s\n",
	       flags & RXRING_CREATE_INDIRECT ? "indirect" : "direct");
	printf("sq entries:     %u\n", ring.sq.entries);
	printf("cq entries:     %u\n", ring.cq.entries);
	printf("regions:\n");
	print_region("sq header", RXRING_OFF_SQ_HEADER, p.sq_header_size,
		     ring.sq.hdr);
	print_region("sq entries", RXRING_OFF_SQ_ENTRIES, p.sq_entries_size,
		     ring.sq.sqes);
	print_region("sq array", RXRING_OFF_SQ_ARRAY, p.sq_array_size,
		     ring.sq.array);
	print_region("cq header", RXRING_OFF_CQ_HEADER, p.cq_header_size,
		     ring.cq.hdr);
	print_region("cq entries", RXRING_OFF_CQ_ENTRIES, p.cq_entries_size,
		     ring.cq.cqes);

	ret = rxring_probe(ring.fd, &probe);
	if (ret < 0) {
		fprintf(stderr, "rxring-info: probe failed: %s\n",
			rxring_strerr(ret));
		rxring_queue_exit(&ring);
		return 1;
	}
	printf("flag masks:     sqe 0x%x  create 0x%x  enter 0x%x\n",
	       probe.sqe_flags, probe.create_flags, probe.enter_flags);
	printf("probe features: 0x%llx\n", (unsigned long long)probe.features);
	printf("opcodes:        last_op %u, %u reported\n", probe.last_op,
	       probe.ops_len);
	for (i = 0; i < probe.ops_len && i < 64; i++) {
		const struct rxring_probe_op *op = &probe.ops[i];

		if (op->flags & RXRING_PROBE_OP_SUPPORTED)
			printf("  %3u %-8s supported    syscall_flags 0x%x\n",
			       op->op, rxring_op_name(op->op),
			       op->syscall_flags);
		else
			printf("  %3u %-8s unsupported\n", op->op,
			       rxring_op_name(op->op));
	}

	rxring_queue_exit(&ring);
	return 0;
}
