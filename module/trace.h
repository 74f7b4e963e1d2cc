/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxring tracepoints (events/rxring/ in tracefs):
 *   rxring_submit        an SQE taken from the SQ
 *   rxring_issue         its operation started: done, queued, or an error
 *   rxring_complete      a completion posted to the CQ
 *   rxring_futex_wait    a FUTEX WAIT or WAIT64: parked, or why not
 *   rxring_futex_wake    a FUTEX WAKE or REQUEUE and how many it woke
 * ring is the instance's number, as in /sys/kernel/debug/rxring/<ring>/; 0
 * for the synchronous RXRING_IOC_FUTEX. trace.c creates the events.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rxring

#if !defined(RXRING_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define RXRING_TRACE_H

#include <linux/tracepoint.h>

#include "../uapi/rxring.h"

#define rxring_show_op(op)						\
	__print_symbolic(op,						\
		{ RXRING_OP_NOP, "NOP" }, { RXRING_OP_READ, "READ" },	\
		{ RXRING_OP_WRITE, "WRITE" },				\
		{ RXRING_OP_READV, "READV" },				\
		{ RXRING_OP_WRITEV, "WRITEV" },				\
		{ RXRING_OP_FSYNC, "FSYNC" }, { RXRING_OP_OPEN, "OPEN" }, \
		{ RXRING_OP_CLOSE, "CLOSE" }, { RXRING_OP_DUP, "DUP" },	\
		{ RXRING_OP_SEEK, "SEEK" }, { RXRING_OP_FSTAT, "FSTAT" }, \
		{ RXRING_OP_MMAP, "MMAP" },				\
		{ RXRING_OP_MUNMAP, "MUNMAP" },				\
		{ RXRING_OP_WAITPID, "WAITPID" },			\
		{ RXRING_OP_FUTEX, "FUTEX" },				\
		{ RXRING_OP_TIMEOUT, "TIMEOUT" },			\
		{ RXRING_OP_CANCEL, "CANCEL" })

TRACE_EVENT(rxring_submit,
	    TP_PROTO(u32 ring, const struct rxring_sqe *sqe),
	    TP_ARGS(ring, sqe),
	    TP_STRUCT__entry(__field(u32, ring)
			     __field(u8, opcode)
			     __field(u8, flags)
			     __field(u32, syscall_flags)
			     __field(u64, fd)
			     __field(u64, len)
			     __field(u64, user_data)),
	    TP_fast_assign(__entry->ring = ring;
			   __entry->opcode = sqe->opcode;
			   __entry->flags = sqe->flags;
			   __entry->syscall_flags = sqe->syscall_flags;
			   __entry->fd = sqe->fd;
			   __entry->len = sqe->len;
			   __entry->user_data = sqe->user_data;),
	    TP_printk("ring=%u op=%s flags=0x%x syscall_flags=0x%x fd=%lld len=%llu user_data=0x%llx",
		      __entry->ring, rxring_show_op(__entry->opcode),
		      __entry->flags, __entry->syscall_flags, (s64)__entry->fd,
		      __entry->len, __entry->user_data)
);

TRACE_EVENT(rxring_issue,
	    TP_PROTO(u32 ring, u8 opcode, u64 user_data, int ret),
	    TP_ARGS(ring, opcode, user_data, ret),
	    TP_STRUCT__entry(__field(u32, ring)
			     __field(u8, opcode)
			     __field(u64, user_data)
			     __field(int, ret)),
	    TP_fast_assign(__entry->ring = ring;
			   __entry->opcode = opcode;
			   __entry->user_data = user_data;
			   __entry->ret = ret;),
	    TP_printk("ring=%u op=%s user_data=0x%llx %s %d", __entry->ring,
		      rxring_show_op(__entry->opcode), __entry->user_data,
		      __entry->ret > 0 ? "queued" :
		      __entry->ret == 0 ? "done" : "error", __entry->ret)
);

TRACE_EVENT(rxring_complete,
	    TP_PROTO(u32 ring, u64 user_data, s64 status, u64 extra, u64 flags,
		     bool extended),
	    TP_ARGS(ring, user_data, status, extra, flags, extended),
	    TP_STRUCT__entry(__field(u32, ring)
			     __field(u64, user_data)
			     __field(s64, status)
			     __field(u64, extra)
			     __field(u64, flags)
			     __field(bool, extended)),
	    TP_fast_assign(__entry->ring = ring;
			   __entry->user_data = user_data;
			   __entry->status = status;
			   __entry->extra = extra;
			   __entry->flags = flags;
			   __entry->extended = extended;),
	    TP_printk("ring=%u user_data=0x%llx status=%lld flags=0x%llx%s extra=0x%llx",
		      __entry->ring, __entry->user_data, __entry->status,
		      __entry->flags, __entry->extended ? " extended" : "",
		      __entry->extra)
);

TRACE_EVENT(rxring_futex_wait,
	    TP_PROTO(u32 ring, u64 uaddr, u64 expected, bool is64, int ret),
	    TP_ARGS(ring, uaddr, expected, is64, ret),
	    TP_STRUCT__entry(__field(u32, ring)
			     __field(u64, uaddr)
			     __field(u64, expected)
			     __field(bool, is64)
			     __field(int, ret)),
	    TP_fast_assign(__entry->ring = ring;
			   __entry->uaddr = uaddr;
			   __entry->expected = expected;
			   __entry->is64 = is64;
			   __entry->ret = ret;),
	    TP_printk("ring=%u uaddr=0x%llx expected=%llu%s %s %d",
		      __entry->ring, __entry->uaddr, __entry->expected,
		      __entry->is64 ? " (64-bit)" : "",
		      __entry->ret > 0 ? "parked" :
		      __entry->ret == 0 ? "woken" : "error", __entry->ret)
);

TRACE_EVENT(rxring_futex_wake,
	    TP_PROTO(u32 ring, u64 uaddr, u64 op, u64 nr, long ret),
	    TP_ARGS(ring, uaddr, op, nr, ret),
	    TP_STRUCT__entry(__field(u32, ring)
			     __field(u64, uaddr)
			     __field(u64, op)
			     __field(u64, nr)
			     __field(long, ret)),
	    TP_fast_assign(__entry->ring = ring;
			   __entry->uaddr = uaddr;
			   __entry->op = op;
			   __entry->nr = nr;
			   __entry->ret = ret;),
	    TP_printk("ring=%u uaddr=0x%llx %s nr=%llu woken=%ld",
		      __entry->ring, __entry->uaddr,
		      __entry->op == RXRING_FUTEX_REQUEUE ? "REQUEUE" : "WAKE",
		      __entry->nr, __entry->ret)
);

#endif /* RXRING_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I (see Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
