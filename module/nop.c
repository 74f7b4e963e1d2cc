// SPDX-License-Identifier: GPL-2.0
/*
 * NOP: completes at once, optionally with a chosen 64-bit status and as an
 * extended pair, so every completion shape can be exercised.
 */
#include "rxring.h"

int rxring_nop_prep(const struct rxring_sqe *sqe)
{
	if (sqe->fd || sqe->len || sqe->addr || sqe->additional2)
		return -EINVAL;
	if (!(sqe->syscall_flags & RXRING_NOP_RESULT) && sqe->offset)
		return -EINVAL;
	if (!(sqe->syscall_flags & RXRING_NOP_EXTENDED) && sqe->additional1)
		return -EINVAL;
	return 0;
}

int rxring_nop_issue(struct rxring_ctx *ctx, const struct rxring_sqe *sqe,
		     struct rxring_result *res)
{
	if (sqe->syscall_flags & RXRING_NOP_RESULT)
		res->status = (s64)sqe->offset;
	if (sqe->syscall_flags & RXRING_NOP_EXTENDED) {
		res->extended = true;
		res->extra = sqe->additional1;
	}
	return 0;
}
