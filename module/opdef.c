// SPDX-License-Identifier: GPL-2.0
/*
 * The operation table: one entry per opcode, indexed by opcode.
 * An entry without issue() is defined by the ABI but not built into this
 * module; its SQEs complete with -EOPNOTSUPP and PROBE reports it as such.
 */
#include <linux/bug.h>
#include <linux/kernel.h>

#include "rxring.h"

const struct rxring_op_def rxring_ops[RXRING_OP_LAST] = {
	[RXRING_OP_NOP] = {
		.name		= "NOP",
		.syscall_flags	= RXRING_NOP_RESULT | RXRING_NOP_EXTENDED,
		.prep		= rxring_nop_prep,
		.issue		= rxring_nop_issue,
	},
	[RXRING_OP_READ] = {
		.name		= "READ",
		.syscall_flags	= RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF,
		.prep		= rxring_rw_prep,
		.issue		= rxring_rw_issue,
		.resume		= rxring_rw_resume,
	},
	[RXRING_OP_WRITE] = {
		.name		= "WRITE",
		.syscall_flags	= RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF,
		.prep		= rxring_rw_prep,
		.issue		= rxring_rw_issue,
		.resume		= rxring_rw_resume,
	},
	[RXRING_OP_READV] = {
		.name		= "READV",
		.syscall_flags	= RXRING_RW_FIXED_FILE,
		.prep		= rxring_rw_prep,
		.issue		= rxring_rw_issue,
		.resume		= rxring_rw_resume,
	},
	[RXRING_OP_WRITEV] = {
		.name		= "WRITEV",
		.syscall_flags	= RXRING_RW_FIXED_FILE,
		.prep		= rxring_rw_prep,
		.issue		= rxring_rw_issue,
		.resume		= rxring_rw_resume,
	},
	[RXRING_OP_FSYNC] = {
		.name		= "FSYNC",
		.syscall_flags	= RXRING_FSYNC_DATASYNC | RXRING_RW_FIXED_FILE,
		.prep		= rxring_fsync_prep,
		.issue		= rxring_fsync_issue,
		.resume		= rxring_fsync_resume,
	},
	[RXRING_OP_OPEN] = {
		.name		= "OPEN",
		.syscall_flags	= RXRING_OPEN_FLAGS,
		.prep		= rxring_open_prep,
		.issue		= rxring_open_issue,
	},
	[RXRING_OP_CLOSE] = {
		.name		= "CLOSE",
		.prep		= rxring_close_prep,
		.issue		= rxring_close_issue,
	},
	[RXRING_OP_DUP] = {
		.name		= "DUP",
		.syscall_flags	= RXRING_DUP_FLAGS,
		.prep		= rxring_dup_prep,
		.issue		= rxring_dup_issue,
	},
	[RXRING_OP_SEEK] = {
		.name		= "SEEK",
		.prep		= rxring_seek_prep,
		.issue		= rxring_seek_issue,
		.resume		= rxring_seek_resume,
	},
	[RXRING_OP_FSTAT] = {
		.name		= "FSTAT",
		.prep		= rxring_fstat_prep,
		.issue		= rxring_fstat_issue,
		.resume		= rxring_fstat_resume,
	},
	[RXRING_OP_MMAP] = {
		.name		= "MMAP",
		.syscall_flags	= RXRING_MMAP_FLAGS,
		.prep		= rxring_mmap_prep,
		.issue		= rxring_mmap_issue,
	},
	[RXRING_OP_MUNMAP] = {
		.name		= "MUNMAP",
		.prep		= rxring_munmap_prep,
		.issue		= rxring_munmap_issue,
	},
	[RXRING_OP_WAITPID] = {
		.name		= "WAITPID",
		.syscall_flags	= RXRING_WAITPID_WNOHANG,
		.prep		= rxring_waitpid_prep,
		.issue		= rxring_waitpid_issue,
	},
	[RXRING_OP_FUTEX] = {
		.name		= "FUTEX",
		.syscall_flags	= RXRING_FUTEX_ABSTIME,
		.prep		= rxring_futex_prep,
		.issue		= rxring_futex_issue,
	},
	[RXRING_OP_TIMEOUT] = {
		.name		= "TIMEOUT",
		.syscall_flags	= RXRING_TIMEOUT_ABS,
		.prep		= rxring_timeout_prep,
		.issue		= rxring_timeout_issue,
	},
	[RXRING_OP_CANCEL] = {
		.name		= "CANCEL",
		.prep		= rxring_cancel_prep,
		.issue		= rxring_cancel_issue,
	},
};

bool rxring_op_supported(unsigned int op)
{
	return op < RXRING_OP_LAST && rxring_ops[op].issue;
}

/* Every opcode has a name, and an implemented one has prep() too. */
int rxring_ops_check(void)
{
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(rxring_ops) != RXRING_OP_LAST);
	for (i = 0; i < RXRING_OP_LAST; i++) {
		const struct rxring_op_def *def = &rxring_ops[i];

		if (WARN_ON_ONCE(!def->name || (def->issue && !def->prep)))
			return -EINVAL;
	}
	return 0;
}
