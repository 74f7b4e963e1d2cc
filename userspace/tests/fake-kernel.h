/* SPDX-License-Identifier: MIT */
/*
 * A user-space stand-in for the rxring module, for host-only tests.
 *
 * Linked with -Wl,--wrap=open,--wrap=close,--wrap=ioctl,--wrap=mmap,
 * --wrap=munmap, it intercepts those calls on /dev/rxring and implements
 * docs/abi.md on rings in anonymous shared memory: CREATE, PROBE, ENTER
 * (NOP, optionally READ; other defined opcodes fail with -EOPNOTSUPP), the CQ
 * reservation rule, INDIRECT mode and extended pairs. Waiting never blocks:
 * a wait that could not be satisfied fails with ETIME (with a timeout) or
 * aborts the program (without one, the real kernel would hang).
 *
 * Knobs for the programs linked with it come from the environment:
 *	RXRING_FAKE_DEFER=1	NOPs complete only when an ENTER waits
 *	RXRING_FAKE_MAX_TAKE=n	take at most n SQEs per ENTER
 *	RXRING_FAKE_READ=1	implement READ as pread() (and probe says so)
 */
#ifndef RXRING_FAKE_KERNEL_H
#define RXRING_FAKE_KERNEL_H

#include <stdbool.h>
#include <linux/rxring.h>

struct fake_knobs {
	int fail_open;		/* errno for the next open, 0: none */
	int fail_mmap_nth;	/* fail the nth mmap from now (ENOMEM) */
	int eintr_next;		/* next waiting ENTER fails with EINTR */
	bool defer;		/* see RXRING_FAKE_DEFER */
	bool read;		/* see RXRING_FAKE_READ */
	unsigned int max_take;	/* see RXRING_FAKE_MAX_TAKE, 0: no limit */
	__u64 start_index;	/* initial value of all four ring indices */
};

struct fake_stats {
	unsigned int opens, closes, maps, unmaps, enters, creates;
	int last_open_flags;
	int last_mmap_flags;
	int last_mmap_prot;
};

extern struct fake_knobs fake_knobs;
extern struct fake_stats fake_stats;

/* Instances not yet closed, and mappings not yet unmapped, of all time. */
int fake_live_instances(void);
int fake_live_mappings(void);

/* The SQ "dropped" counter and the ring header status of an open fd. */
__u64 fake_dropped(int fd);

#endif /* RXRING_FAKE_KERNEL_H */
