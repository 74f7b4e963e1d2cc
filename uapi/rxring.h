/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * rxring: Redox-style I/O rings for Linux.
 *
 * This header is the whole user/kernel ABI of /dev/rxring. It is usable
 * unchanged from the kernel, from C and from C++. docs/abi.md describes the
 * behaviour behind every field.
 *
 * An instance is created by opening /dev/rxring and issuing
 * RXRING_IOC_CREATE. Its rings are then mapped with mmap() at the fixed
 * RXRING_OFF_* offsets. Each ring is a single-producer single-consumer
 * queue with free-running 64-bit head and tail indices: the submission queue
 * (SQ) is produced by the user (who writes sq.tail) and consumed by the
 * kernel (who writes sq.head); the completion queue (CQ) the other way
 * round. Entry counts are powers of two; slot = index & (entries - 1).
 */
#ifndef _UAPI_RXRING_H
#define _UAPI_RXRING_H

#include <linux/types.h>
#include <linux/ioctl.h>
#ifdef __KERNEL__
#include <linux/build_bug.h>
#elif !defined(__cplusplus)
#include <assert.h>		/* static_assert */
#endif

#define RXRING_VERSION_MAJOR	1
#define RXRING_VERSION_MINOR	0
#define RXRING_VERSION_PATCH	0

/* Limits on the entry counts given to RXRING_IOC_CREATE. */
#define RXRING_MAX_SQ_ENTRIES	32768
#define RXRING_MAX_CQ_ENTRIES	65536

/*
 * Submission entry: Redox's SqEntry64, field for field. 64 bytes.
 * Fields an opcode does not use must be zero (EINVAL otherwise).
 */
struct rxring_sqe {
	__u8	opcode;		/* enum rxring_op */
	__u8	flags;		/* RXRING_SQE_* */
	__u16	priority;	/* advisory; greater means more urgent */
	__u32	syscall_flags;	/* operation-specific flags */
	__u64	fd;		/* file descriptor, or pid for WAITPID */
	__u64	len;		/* length or count */
	__u64	user_data;	/* copied into the completion */
	__u64	addr;		/* user address */
	__u64	offset;		/* file offset or value */
	__u64	additional1;	/* extra argument, zero when unused */
	__u64	additional2;	/* extra argument, zero when unused */
};

/* SQE flags (rxring_sqe.flags). Bits not listed are rejected (EINVAL). */
#define RXRING_SQE_CHAIN	0x01U /* next SQE starts after this succeeds */
#define RXRING_SQE_DRAIN	0x02U /* start after all earlier completed */

/*
 * Completion entry, 16 bytes. status is the result value on success and
 * -errno on failure. A result that does not fit in a __s32 is completed as
 * an extended pair instead (RXRING_CQE_EXTENDED).
 */
struct rxring_cqe {
	__u64	user_data;	/* from the SQE */
	__s32	status;		/* value or -errno */
	__u32	flags;		/* RXRING_CQE_* */
};

/* CQE flags (rxring_cqe.flags). */
#define RXRING_CQE_EXTENDED	0x01U /* the next slot belongs to this one */
#define RXRING_CQE_ZOMBIE	0x02U /* WAITPID: reap child `status` */

/*
 * Extended completion: two consecutive CQ slots, published together with
 * one tail update (a reader never sees half of one). The second slot may be
 * slot 0 when the first is the last slot of the ring, so read it slot by
 * slot:
 *
 *	first slot:  user_data (64), flags_hi (32), flags (32, EXTENDED set)
 *	second slot: status (64), extra (64)
 *
 * The pair carries the 64-bit user_data, status, flags and extra of Redox's
 * CqEntry64: the 64-bit flags are flags_hi << 32 | flags. The meaning of
 * extra depends on the opcode (WAITPID: the wait status; NOP: additional1).
 */
struct rxring_cqe_ext_hi {
	__u64	user_data;
	__u32	flags_hi;	/* upper half of the 64-bit flags */
	__u32	flags;		/* lower half; RXRING_CQE_EXTENDED set */
};

struct rxring_cqe_ext_lo {
	__s64	status;		/* value or -errno */
	__u64	extra;		/* opcode-specific second result */
};

/*
 * Ring header, one per ring, at RXRING_OFF_SQ_HEADER and
 * RXRING_OFF_CQ_HEADER. head and tail are free-running 64-bit counters,
 * each on its own 128-byte line, so a futex can wait on either. The
 * consumer owns head, the producer owns tail; the kernel keeps its own copy
 * of the index it owns and never reads it back.
 */
struct rxring_ring_header {
	__u64	head;			/* consumer's index */
	__u8	__pad0[120];
	__u64	tail;			/* producer's index */
	__u8	__pad1[120];
	__u32	status;			/* RXRING_RING_*; written by the kernel */
	__u32	__resv0;		/* zero */
	__u64	dropped;		/* SQ only: indirect slots out of range */
	__u8	__pad2[112];
};

/* Ring header status bits. */
#define RXRING_RING_DROP	0x01U /* the instance is being torn down */
/*
 * SQ header only, RXRING_CREATE_SQPOLL: the kernel thread went to sleep
 * after its idle time. It takes no SQE until woken: any RXRING_IOC_ENTER
 * on the instance wakes it. Check it after publishing the SQ tail, with a
 * full memory barrier between the tail store and the load of status.
 */
#define RXRING_RING_NEED_WAKEUP	0x02U

/* mmap() offsets of the regions of an instance. */
#define RXRING_OFF_SQ_HEADER	0x00000000ULL
#define RXRING_OFF_SQ_ENTRIES	0x00200000ULL
#define RXRING_OFF_SQ_ARRAY	0x40000000ULL	/* RXRING_CREATE_INDIRECT only */
#define RXRING_OFF_CQ_HEADER	0x80000000ULL
#define RXRING_OFF_CQ_ENTRIES	0x80200000ULL

/*
 * Create flags (rxring_create.flags).
 * INDIRECT: the SQ has an index array of sq_entries __u32 at
 * RXRING_OFF_SQ_ARRAY; the kernel takes the SQE at sqes[array[head & mask]].
 * An index >= sq_entries is skipped and counted in the SQ header's dropped.
 */
#define RXRING_CREATE_INDIRECT	0x01U
/*
 * SQPOLL: a kernel thread of the instance takes the SQEs as the user
 * publishes them, without ENTER. It acts for the creator of the instance
 * (its address space and credentials), has no file table, and runs only
 * NOP, FUTEX, TIMEOUT, CANCEL, and READ, WRITE, READV, WRITEV and FSYNC on
 * registered files (RXRING_RW_FIXED_FILE): the same operations on an fd
 * complete with -EBADF, every other opcode with -EOPNOTSUPP; once the
 * creator's address space is gone (it exited), every SQE completes with
 * -EOWNERDEAD. After sq_thread_idle ms without work the thread sleeps and
 * sets RXRING_RING_NEED_WAKEUP in the SQ header's status; ENTER wakes it.
 * SQ_AFF: the thread runs only on CPU sq_thread_cpu.
 */
#define RXRING_CREATE_SQPOLL	0x02U
#define RXRING_CREATE_SQ_AFF	0x04U
/*
 * IOPOLL: reads and writes on block devices opened O_DIRECT are submitted
 * as polled I/O (the device's poll queues, no interrupt) and reaped by
 * polling: by ENTER (which polls instead of sleeping while polled I/O is
 * in flight) or, with SQPOLL, by the kernel thread. READ, WRITE, READV and
 * WRITEV on anything else, or on a device without poll queues, complete
 * with -EOPNOTSUPP. See docs/abi.md.
 */
#define RXRING_CREATE_IOPOLL	0x08U

/* Limits of the SQPOLL fields of struct rxring_create. */
#define RXRING_SQ_THREAD_IDLE_DEFAULT	1000	/* ms, for sq_thread_idle 0 */
#define RXRING_SQ_THREAD_IDLE_MAX	10000	/* ms */

/* Limit of rxring_create.max_workers (0 there picks a default). */
#define RXRING_MAX_WORKERS		256

/* Feature bits reported by RXRING_IOC_CREATE (rxring_create.features). */
#define RXRING_FEAT_EXTENDED_CQE	0x01ULL
#define RXRING_FEAT_INDIRECT		0x02ULL
#define RXRING_FEAT_PROBE		0x04ULL
#define RXRING_FEAT_FIXED		0x08ULL	/* REGISTER_FILES/_BUFFERS */
#define RXRING_FEAT_SQPOLL		0x10ULL	/* RXRING_CREATE_SQPOLL, SQ_AFF */
#define RXRING_FEAT_IOPOLL		0x20ULL	/* RXRING_CREATE_IOPOLL */
#define RXRING_FEAT_WORKERS		0x40ULL	/* rxring_create.max_workers */

/*
 * RXRING_IOC_CREATE record. The caller fills the inputs and zeroes the rest;
 * the kernel writes the outputs. size must be sizeof(struct rxring_create).
 */
struct rxring_create {
	__u8	version_major;	/* in: RXRING_VERSION_MAJOR */
	__u8	version_minor;	/* in: any; out: the module's */
	__u8	version_patch;	/* in: any; out: the module's */
	__u8	__resv0;	/* zero */
	__u32	flags;		/* in: RXRING_CREATE_* */
	__u32	size;		/* in: sizeof(struct rxring_create) */
	__u32	sq_entries;	/* in: power of two, 1..RXRING_MAX_SQ_ENTRIES */
	__u32	cq_entries;	/* in: power of two, 2..RXRING_MAX_CQ_ENTRIES,
				 * or 0 for 2 * sq_entries; out: the count
				 */
	union {
		__u32	__resv1;	/* zero without SQPOLL */
		/*
		 * in, SQPOLL: ms without work before the thread sleeps,
		 * at most RXRING_SQ_THREAD_IDLE_MAX; 0 for the default;
		 * out: the value used
		 */
		__u32	sq_thread_idle;
	};
	__u64	features;	/* out: RXRING_FEAT_* */
	__u64	sq_header_size;	/* out: mmap lengths of the regions */
	__u64	sq_entries_size;
	__u64	sq_array_size;	/* 0 unless RXRING_CREATE_INDIRECT */
	__u64	cq_header_size;
	__u64	cq_entries_size;
	union {
		__u64	__resv2[2];	/* zero, but for the fields below */
		struct {
			/*
			 * in, SQ_AFF: the CPU the SQPOLL thread runs on;
			 * else 0
			 */
			__u32	sq_thread_cpu;
			__u32	__resv3;	/* zero */
			/*
			 * in: the most file operations of this instance that
			 * block in workers at once (RXRING_FEAT_WORKERS),
			 * 1..RXRING_MAX_WORKERS, or 0 for the default;
			 * out: the value used
			 */
			__u32	max_workers;
			__u32	__resv4;	/* zero */
		};
	};
};

/* Enter flags (rxring_enter.flags). */
#define RXRING_ENTER_ONLY_NOTIFY	0x01U /* only wake waiters */
#define RXRING_ENTER_WAKEUP_ON_SQ_AVAIL	0x02U /* wait until SQ has room */
#define RXRING_ENTER_TIMEOUT		0x04U /* timeout_ns is valid */

/*
 * RXRING_IOC_ENTER record: submit up to to_submit SQEs, then wait until at
 * least min_complete CQ slots are filled (or the timeout, or a signal).
 * The ioctl returns the number of filled CQ slots; submitted says how many
 * SQ entries were consumed, including any dropped ones.
 * SQPOLL instances: ENTER takes no SQE (submitted is 0); it wakes the
 * kernel thread, and WAKEUP_ON_SQ_AVAIL waits until the thread took every
 * SQE published before the call. IOPOLL instances: ENTER polls for polled
 * I/O (while it waits, and once when it waits for nothing).
 */
struct rxring_enter {
	__u32	to_submit;	/* in */
	__u32	min_complete;	/* in: CQ slots to wait for */
	__u32	flags;		/* in: RXRING_ENTER_* */
	__u32	__resv0;	/* zero */
	__s64	timeout_ns;	/* in: relative, >= 0, with ENTER_TIMEOUT */
	__u32	submitted;	/* out */
	__u32	__resv1;	/* zero */
	__u64	__resv2[2];	/* zero */
};

/* Opcodes. 0..127 standard, 128..255 free for user-to-user ring pairs. */
enum rxring_op {
	RXRING_OP_NOP = 0,
	RXRING_OP_READ,
	RXRING_OP_WRITE,
	RXRING_OP_READV,
	RXRING_OP_WRITEV,
	RXRING_OP_FSYNC,
	RXRING_OP_OPEN,
	RXRING_OP_CLOSE,
	RXRING_OP_DUP,
	RXRING_OP_SEEK,
	RXRING_OP_FSTAT,
	RXRING_OP_MMAP,
	RXRING_OP_MUNMAP,
	RXRING_OP_WAITPID,
	RXRING_OP_FUTEX,
	RXRING_OP_TIMEOUT,
	RXRING_OP_CANCEL,

	RXRING_OP_LAST
};

#define RXRING_OP_USER_FIRST	128	/* first opcode of user-to-user rings */

/*
 * READ, WRITE (pread(2), pwrite(2)) and READV, WRITEV (preadv(2),
 * pwritev(2)):
 *	fd:	the file descriptor, open for reading (READ*) or writing
 *		(WRITE*), else -EBADF
 *	addr:	READ/WRITE: the buffer; READV/WRITEV: an array of struct
 *		iovec (as the calling process's ABI lays it out), read once
 *		at submission
 *	len:	READ/WRITE: the byte count (at most 0x7ffff000 bytes are
 *		transferred, like read(2)); READV/WRITEV: the iovec count,
 *		at most 1024 (UIO_MAXIOV), -EINVAL above
 *	offset:	the file offset (at most 2^63 - 1), or RXRING_POS_CURRENT
 *		to use and advance the file position; an explicit offset on
 *		a file without one (pipe, socket) is -ESPIPE
 *	syscall_flags, additional1, additional2: zero
 * Completes with the bytes transferred (short transfers are reported as
 * such, 0 at end of file) or -errno. A block device opened with O_DIRECT
 * needs offset, len and every buffer address and length aligned to its
 * logical block size (-EINVAL). docs/abi.md says how operations that
 * would block (an empty pipe) wait without stalling the ring.
 *
 * FSYNC (fsync(2), fdatasync(2)): fd; syscall_flags RXRING_FSYNC_DATASYNC;
 * addr, len, offset, additional1, additional2 zero. Completes with 0.
 */
#define RXRING_POS_CURRENT	((__u64)-1)

#define RXRING_FSYNC_DATASYNC	0x01U

/*
 * syscall_flags of READ, WRITE, READV, WRITEV and FSYNC (registered
 * resources, RXRING_FEAT_FIXED):
 *	FIXED_FILE: fd is an index into the table given to
 *		RXRING_IOC_REGISTER_FILES, not a file descriptor (-EBADF for
 *		an index past the table or an empty slot).
 *	FIXED_BUF (READ and WRITE only): the buffer [addr, addr + len) lies
 *		inside registered buffer number additional1 (given to
 *		RXRING_IOC_REGISTER_BUFFERS, its pages pinned once there):
 *		-EINVAL for an index past the table, -EFAULT for a range
 *		outside the buffer.
 */
#define RXRING_RW_FIXED_FILE	0x0100U
#define RXRING_RW_FIXED_BUF	0x0200U

/*
 * NOP syscall_flags. Without flags a NOP completes with status 0 and every
 * other field must be zero.
 *	RESULT: complete with status = (__s64)offset; a value outside the
 *		__s32 range comes back as an extended pair.
 *	EXTENDED: always complete as an extended pair, extra = additional1.
 */
#define RXRING_NOP_RESULT	0x01U
#define RXRING_NOP_EXTENDED	0x02U

/*
 * FUTEX: Redox's futex as a ring operation.
 *	len:		the futex operation, RXRING_FUTEX_*
 *	addr:		the futex word (4-byte aligned; 8 for WAIT64)
 *	offset:		WAIT/WAIT64: the expected value; WAKE/REQUEUE: how many
 *			waiters to wake
 *	additional1:	WAIT/WAIT64: timeout in ns (0: none); REQUEUE: how many
 *			further waiters to move to additional2
 *	additional2:	REQUEUE: the second futex word (4-byte aligned)
 *	syscall_flags:	RXRING_FUTEX_ABSTIME: the timeout is an absolute
 *			CLOCK_MONOTONIC time
 * WAIT completes with 0 when woken, -EAGAIN when the value differs,
 * -ETIMEDOUT, or -ECANCELED. WAKE completes with the number woken, REQUEUE
 * with the number woken plus the number moved. Waiters are keyed by the
 * physical address of the word, as in Redox, so they meet across processes
 * on shared memory.
 */
#define RXRING_FUTEX_WAIT	0
#define RXRING_FUTEX_WAKE	1
#define RXRING_FUTEX_REQUEUE	2
#define RXRING_FUTEX_WAIT64	3

#define RXRING_FUTEX_ABSTIME	0x01U

/*
 * WAITPID: fd is the pid as a signed 64-bit value: > 0 that child, -1 any
 * child, 0 any child in the caller's process group, < -1 any child in
 * process group -fd. syscall_flags: RXRING_WAITPID_WNOHANG.
 * Completes with an extended pair: status = pid, extra = wait status (as
 * waitpid(2) stores it); with WNOHANG and no exited child, a normal CQE with
 * status 0; -ECHILD when there is no such child. The child is left a zombie:
 * the caller (librxring does it for you) reaps it with waitpid(pid, WNOHANG).
 */
#define RXRING_WAITPID_WNOHANG	0x01U

/*
 * TIMEOUT: offset is the timeout in ns (relative, or absolute
 * CLOCK_MONOTONIC with RXRING_TIMEOUT_ABS); len, when not 0, is a count of
 * other completions after which it completes early with status 0.
 * Completes with -ETIME when the time is up.
 */
#define RXRING_TIMEOUT_ABS	0x01U

/*
 * CANCEL: addr is the user_data of the operation to cancel. The target
 * completes with -ECANCELED and CANCEL with 0; -ENOENT when nothing pending
 * has that user_data; -EALREADY when it is already running and cannot be
 * stopped.
 */

/*
 * File and memory operations: OPEN, CLOSE, DUP, SEEK, FSTAT, MMAP, MUNMAP.
 * Each runs inside ENTER as the task that calls ENTER (its credentials, fd
 * table, root, cwd, umask and address space), never as the creator of the
 * instance, and behaves like its system call twin (docs/abi.md lists the
 * exceptions). Fields an opcode does not name must be zero. fd numbers
 * above INT_MAX are -EBADF.
 *
 * OPEN (openat(2)): fd = directory fd or RXRING_AT_FDCWD; addr, len = the
 *	path, not NUL-terminated (len 0: -ENOENT, >= PATH_MAX: -ENAMETOOLONG,
 *	a NUL inside: -EINVAL); syscall_flags = O_* open flags; offset = mode,
 *	only with O_CREAT or O_TMPFILE, at most 07777. Result: the new fd.
 * CLOSE (close(2)): fd. Result: 0.
 * DUP (dup(2)): fd; syscall_flags = 0 or O_CLOEXEC. Result: the new fd.
 * SEEK (lseek(2)): fd; offset = the offset (as __s64); len = whence
 *	(SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE). Result: the
 *	new 64-bit position.
 * FSTAT (fstat(2)): fd; addr = a struct rxring_stat; len = its size.
 *	Result: 0.
 * MMAP (mmap(2)): fd = the file, or RXRING_FD_NONE with MAP_ANONYMOUS;
 *	addr = hint (or the address with MAP_FIXED*); len; offset = file
 *	offset (0 for MAP_ANONYMOUS); syscall_flags = MAP_* flags;
 *	additional1 = PROT_* bits. Result: the 64-bit address.
 * MUNMAP (munmap(2)): addr, len. Result: 0.
 */
#define RXRING_AT_FDCWD		((__u64)-100)	/* OPEN: the caller's cwd */
#define RXRING_FD_NONE		((__u64)-1)	/* MMAP: anonymous memory */

/*
 * FSTAT record: struct stat with fixed-size fields. dev and rdev are
 * encoded as stat(2) encodes them (major() and minor() decode them); uid
 * and gid are in the caller's user namespace (unmapped ids read as the
 * overflow id, 65534); times are seconds and nanoseconds since the epoch.
 */
struct rxring_stat {
	__u64	dev;
	__u64	ino;
	__u32	mode;		/* file type and permission bits */
	__u32	nlink;
	__u32	uid;
	__u32	gid;
	__u64	rdev;
	__s64	size;
	__u64	blksize;
	__u64	blocks;		/* 512-byte units */
	__s64	atime_sec;
	__s64	mtime_sec;
	__s64	ctime_sec;
	__u32	atime_nsec;
	__u32	mtime_nsec;
	__u32	ctime_nsec;
	__u32	__resv0;	/* written as zero */
};

/* RXRING_IOC_FUTEX: the FUTEX operation, synchronously (rings not needed). */
struct rxring_futex {
	__u32	op;		/* RXRING_FUTEX_* */
	__u32	flags;		/* RXRING_FUTEX_ABSTIME */
	__u64	addr;		/* futex word */
	__u64	val;		/* as offset in the SQE */
	__u64	val2;		/* as additional1 */
	__u64	addr2;		/* as additional2 */
	__u64	__resv[2];	/* zero */
};

/*
 * RXRING_IOC_REGISTER_FILES, RXRING_IOC_REGISTER_BUFFERS: register a table
 * of files (addr: nr __s32 file descriptors, -1 for an empty slot) or of
 * buffers (addr: nr struct iovec) that READ/WRITE name by index with
 * RXRING_RW_FIXED_FILE / RXRING_RW_FIXED_BUF. One table of each kind per
 * instance (EBUSY while one exists); addr 0 with nr 0 removes it, which
 * fails with EBUSY while any operation is in flight.
 */
struct rxring_register {
	__u64	addr;		/* in: the array */
	__u32	nr;		/* in: its length */
	__u32	flags;		/* zero */
	__u64	__resv[2];	/* zero */
};

#define RXRING_MAX_FIXED_FILES		32768
#define RXRING_MAX_FIXED_BUFFERS	16384
#define RXRING_MAX_FIXED_BUF_SIZE	0x40000000U	/* 1 GiB each */

/* RXRING_IOC_PROBE: which opcodes and flags this module supports. */
#define RXRING_PROBE_OP_SUPPORTED	0x01U

struct rxring_probe_op {
	__u8	op;		/* out: opcode */
	__u8	__resv0;
	__u16	flags;		/* out: RXRING_PROBE_OP_* */
	__u32	syscall_flags;	/* out: syscall_flags bits accepted */
};

struct rxring_probe {
	__u8	last_op;	/* out: RXRING_OP_LAST of the module */
	__u8	ops_len;	/* out: entries filled in ops[] */
	__u8	sqe_flags;	/* out: RXRING_SQE_* bits accepted */
	__u8	__resv0;	/* zero */
	__u32	create_flags;	/* out: RXRING_CREATE_* bits accepted */
	__u32	enter_flags;	/* out: RXRING_ENTER_* bits accepted */
	union {
		__u32	__resv1;	/* zero without SQPOLL */
		/*
		 * in, SQPOLL: ms without work before the thread sleeps,
		 * at most RXRING_SQ_THREAD_IDLE_MAX; 0 for the default;
		 * out: the value used
		 */
		__u32	sq_thread_idle;
	};
	__u64	features;	/* out: RXRING_FEAT_* */
	__u64	__resv2[2];	/* zero */
	struct rxring_probe_op ops[64];
};

#define RXRING_IOC_MAGIC	0xB8
#define RXRING_IOC_CREATE	_IOWR(RXRING_IOC_MAGIC, 1, struct rxring_create)
#define RXRING_IOC_ENTER	_IOWR(RXRING_IOC_MAGIC, 2, struct rxring_enter)
#define RXRING_IOC_PROBE	_IOWR(RXRING_IOC_MAGIC, 3, struct rxring_probe)
#define RXRING_IOC_FUTEX	_IOW(RXRING_IOC_MAGIC, 4, struct rxring_futex)
#define RXRING_IOC_REGISTER_FILES \
	_IOW(RXRING_IOC_MAGIC, 5, struct rxring_register)
#define RXRING_IOC_REGISTER_BUFFERS \
	_IOW(RXRING_IOC_MAGIC, 6, struct rxring_register)

/* Layout checks: every size and offset above is part of the ABI. */
#define RXRING_ABI_ASSERT(cond, msg)	static_assert(cond, msg)
#define RXRING_OFFSETOF(type, field)	__builtin_offsetof(type, field)

RXRING_ABI_ASSERT(sizeof(struct rxring_sqe) == 64, "sqe size");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, opcode) == 0, "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, flags) == 1, "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, priority) == 2, "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, syscall_flags) == 4,
		  "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, fd) == 8, "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, len) == 16, "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, user_data) == 24, "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, addr) == 32, "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, offset) == 40, "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, additional1) == 48,
		  "sqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_sqe, additional2) == 56,
		  "sqe");
RXRING_ABI_ASSERT(sizeof(struct rxring_cqe) == 16, "cqe size");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_cqe, user_data) == 0, "cqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_cqe, status) == 8, "cqe");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_cqe, flags) == 12, "cqe");
RXRING_ABI_ASSERT(sizeof(struct rxring_cqe_ext_hi) == 16, "cqe ext");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_cqe_ext_hi, flags) == 12,
		  "cqe ext");
RXRING_ABI_ASSERT(sizeof(struct rxring_cqe_ext_lo) == 16, "cqe ext");
RXRING_ABI_ASSERT(sizeof(struct rxring_ring_header) == 384, "header size");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_ring_header, tail) == 128,
		  "header");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_ring_header, status) == 256,
		  "header");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_ring_header, dropped) == 264,
		  "header");
RXRING_ABI_ASSERT(sizeof(struct rxring_create) == 88, "create size");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_create, sq_thread_idle) == 20,
		  "create");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_create, sq_thread_cpu) == 72,
		  "create");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_create, max_workers) == 80,
		  "create");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_create, flags) == 4,
		  "create");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_create, size) == 8, "create");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_create, features) == 24,
		  "create");
RXRING_ABI_ASSERT(sizeof(struct rxring_enter) == 48, "enter size");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_enter, timeout_ns) == 16,
		  "enter");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_enter, submitted) == 24,
		  "enter");
RXRING_ABI_ASSERT(sizeof(struct rxring_probe_op) == 8, "probe op size");
RXRING_ABI_ASSERT(sizeof(struct rxring_probe) == 552, "probe size");
RXRING_ABI_ASSERT(sizeof(struct rxring_futex) == 56, "futex size");
RXRING_ABI_ASSERT(sizeof(struct rxring_register) == 32, "register size");
RXRING_ABI_ASSERT(sizeof(struct rxring_stat) == 104, "stat size");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, ino) == 8, "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, mode) == 16, "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, nlink) == 20, "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, uid) == 24, "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, gid) == 28, "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, rdev) == 32, "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, size) == 40, "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, blksize) == 48,
		  "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, blocks) == 56, "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, atime_sec) == 64,
		  "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, mtime_sec) == 72,
		  "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, ctime_sec) == 80,
		  "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, atime_nsec) == 88,
		  "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, mtime_nsec) == 92,
		  "stat");
RXRING_ABI_ASSERT(RXRING_OFFSETOF(struct rxring_stat, ctime_nsec) == 96,
		  "stat");
RXRING_ABI_ASSERT(RXRING_OP_LAST <= 64, "probe has room for every opcode");

#endif /* _UAPI_RXRING_H */
