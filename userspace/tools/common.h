/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the rxring example programs.
 */
#ifndef RXRING_TOOLS_COMMON_H
#define RXRING_TOOLS_COMMON_H

#include <stdio.h>
#include <string.h>
#include <rxring.h>

static const char *const rxring_op_names[RXRING_OP_LAST] = {
	[RXRING_OP_NOP]		= "NOP",
	[RXRING_OP_READ]	= "READ",
	[RXRING_OP_WRITE]	= "WRITE",
	[RXRING_OP_READV]	= "READV",
	[RXRING_OP_WRITEV]	= "WRITEV",
	[RXRING_OP_FSYNC]	= "FSYNC",
	[RXRING_OP_OPEN]	= "OPEN",
	[RXRING_OP_CLOSE]	= "CLOSE",
	[RXRING_OP_DUP]		= "DUP",
	[RXRING_OP_SEEK]	= "SEEK",
	[RXRING_OP_FSTAT]	= "FSTAT",
	[RXRING_OP_MMAP]	= "MMAP",
	[RXRING_OP_MUNMAP]	= "MUNMAP",
	[RXRING_OP_WAITPID]	= "WAITPID",
	[RXRING_OP_FUTEX]	= "FUTEX",
	[RXRING_OP_TIMEOUT]	= "TIMEOUT",
	[RXRING_OP_CANCEL]	= "CANCEL",
};

static inline const char *rxring_op_name(unsigned int op)
{
	if (op < RXRING_OP_LAST && rxring_op_names[op])
		return rxring_op_names[op];
	return "?";
}

/* Print "flag flag flag" for the RXRING_FEAT_* bits in features. */
static inline void rxring_print_features(FILE *f, __u64 features)
{
	static const struct {
		__u64 bit;
		const char *name;
	} names[] = {
		{ RXRING_FEAT_EXTENDED_CQE, "extended-cqe" },
		{ RXRING_FEAT_INDIRECT, "indirect" },
		{ RXRING_FEAT_PROBE, "probe" },
		{ RXRING_FEAT_FIXED, "fixed" },
		{ RXRING_FEAT_SQPOLL, "sqpoll" },
		{ RXRING_FEAT_IOPOLL, "iopoll" },
	};
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (features & names[i].bit) {
			fprintf(f, "%s%s", sep, names[i].name);
			features &= ~names[i].bit;
			sep = " ";
		}
	}
	if (features)
		fprintf(f, "%sunknown(0x%llx)", sep,
			(unsigned long long)features);
	else if (!*sep)
		fprintf(f, "none");
}

/* strerror() of a -errno value. */
static inline const char *rxring_strerr(long long neg)
{
	return strerror(neg < 0 ? (int)-neg : (int)neg);
}

#endif /* RXRING_TOOLS_COMMON_H */
