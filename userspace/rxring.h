/* SPDX-License-Identifier: MIT */
/*
 * librxring: the userspace side of /dev/rxring.
 *
 * Every function returns 0 (or a count) on success and -errno on failure;
 * none of them sets errno. A struct rxring is used by one thread at a time
 * (like the rings it wraps: one producer, one consumer).
 *
 * Build: cc prog.c $(pkg-config --cflags --libs librxring)
 */
#ifndef LIBRXRING_H
#define LIBRXRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>		/* pid_t, mode_t */
#include <sys/uio.h>		/* struct iovec */
#include <linux/rxring.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBRXRING_DEVICE	"/dev/rxring"

struct rxring_sq {
	struct rxring_ring_header *hdr;	/* mapped SQ header */
	struct rxring_sqe *sqes;	/* mapped SQ entries */
	__u32 *array;			/* mapped index array, or NULL */
	__u64 sqe_tail;			/* next local slot to hand out */
	__u64 published;		/* tail last written to hdr->tail */
	__u32 entries;
	__u32 mask;
};

struct rxring_cq {
	struct rxring_ring_header *hdr;	/* mapped CQ header */
	struct rxring_cqe *cqes;	/* mapped CQ entries */
	__u32 entries;
	__u32 mask;
};

struct rxring {
	int fd;
	__u32 flags;			/* RXRING_CREATE_* given at creation */
	__u64 features;			/* RXRING_FEAT_* from the kernel */
	struct rxring_sq sq;
	struct rxring_cq cq;
	size_t sizes[5];		/* mapped lengths, for teardown */
};

/* One completion, normal or extended, read from the CQ. */
struct rxring_completion {
	__u64 user_data;
	__s64 status;			/* value or -errno, 64 bits */
	__u64 flags;			/* 64-bit flags (EXTENDED included) */
	__u64 extra;			/* second result; 0 for a normal CQE */
};

/* Setup and teardown (setup.c). */
int rxring_queue_init(unsigned int entries, struct rxring *ring,
		      unsigned int flags);
int rxring_queue_init_params(struct rxring *ring, struct rxring_create *p);
void rxring_queue_exit(struct rxring *ring);
int rxring_probe(int fd, struct rxring_probe *probe);
bool rxring_opcode_supported(const struct rxring_probe *probe, unsigned int op);

/* Submission (queue.c). */
struct rxring_sqe *rxring_get_sqe(struct rxring *ring);
unsigned int rxring_sq_space_left(const struct rxring *ring);
int rxring_submit(struct rxring *ring);
int rxring_submit_and_wait(struct rxring *ring, unsigned int wait_nr);
int rxring_enter(int fd, struct rxring_enter *arg);

/*
 * Completion (queue.c).
 *
 * rxring_peek_completion() (and the wait functions built on it) consume one
 * completion, normal or extended, and return it as one record.
 *
 * WAITPID: the kernel reports an exited child but cannot reap it; it sets
 * RXRING_CQE_ZOMBIE on that completion and leaves the child a zombie. The
 * library reaps it for you before the completion is returned: it calls
 * waitpid(status, &st, WNOHANG) and, when that reaps the child, stores st
 * in extra. So a WAITPID behaves like waitpid(2): status is the child's pid,
 * extra its wait status (WIFEXITED(extra), WEXITSTATUS(extra),
 * WIFSIGNALED(extra), WTERMSIG(extra), ...), and the child is gone once you
 * see the completion (a later waitpid() for it fails with ECHILD). The
 * ZOMBIE flag stays set in flags to tell these completions apart. (If the
 * child was reaped by someone else in between, or the caller has SIGCHLD
 * ignored, the completion is returned unchanged.) errno is preserved.
 */
unsigned int rxring_cq_ready(const struct rxring *ring);
int rxring_peek_completion(struct rxring *ring, struct rxring_completion *c);
/*
 * Up to max completions at once into c[0..n-1], with one update of the CQ
 * head: n (0 when there is none), or -EIO for a CQ no kernel could have
 * written.
 */
int rxring_peek_batch(struct rxring *ring, struct rxring_completion *c,
		      unsigned int max);
int rxring_wait_completion(struct rxring *ring, struct rxring_completion *c);
int rxring_wait_completion_timeout(struct rxring *ring,
				   struct rxring_completion *c,
				   __s64 timeout_ns);

/*
 * Synchronous FUTEX (kernel_ops.c): RXRING_IOC_FUTEX on fd, any open
 * /dev/rxring (rings not needed). op is RXRING_FUTEX_*; val, val2 and
 * addr2 are the SQE's offset, additional1 and additional2 (see
 * <linux/rxring.h>): WAIT/WAIT64 (addr, expected, timeout_ns, NULL),
 * WAKE (addr, nr, 0, NULL), REQUEUE (addr, nr_wake, nr_move, addr2).
 * flags: RXRING_FUTEX_ABSTIME. Returns the count for WAKE and REQUEUE, 0
 * when a WAIT was woken, or -errno (-EAGAIN, -ETIMEDOUT, -EINTR, ...).
 */
int rxring_futex(int fd, unsigned int op, void *addr, uint64_t val,
		 uint64_t val2, void *addr2, unsigned int flags);

/*
 * Registered files and buffers (kernel_ops.c, RXRING_FEAT_FIXED). A READ,
 * WRITE, READV, WRITEV or FSYNC with RXRING_RW_FIXED_FILE in syscall_flags
 * takes fd as an index into the file table (fds[i]; -1 leaves slot i
 * empty): no file lookup and no reference per operation. A READ or WRITE
 * with RXRING_RW_FIXED_BUF uses registered buffer number additional1 (the
 * buffer at addr must lie inside it): its pages are pinned once, at
 * registration, and charged to RLIMIT_MEMLOCK. One table of each kind;
 * unregistering fails with -EBUSY while operations are in flight. See
 * rxring_sqe_fixed_file() and rxring_prep_read_fixed().
 */
int rxring_register_files(struct rxring *ring, const int *fds,
			  unsigned int nr);
int rxring_unregister_files(struct rxring *ring);
int rxring_register_buffers(struct rxring *ring, const struct iovec *iovs,
			    unsigned int nr);
int rxring_unregister_buffers(struct rxring *ring);

/* Prep helpers: all funnel into rxring_prep_rw(). */
static inline void rxring_prep_rw(struct rxring_sqe *sqe, __u8 op, __u64 fd,
				  __u64 addr, __u64 len, __u64 offset)
{
	sqe->opcode = op;
	sqe->flags = 0;
	sqe->priority = 0;
	sqe->syscall_flags = 0;
	sqe->fd = fd;
	sqe->len = len;
	sqe->user_data = 0;
	sqe->addr = addr;
	sqe->offset = offset;
	sqe->additional1 = 0;
	sqe->additional2 = 0;
}

static inline void rxring_prep_nop(struct rxring_sqe *sqe)
{
	rxring_prep_rw(sqe, RXRING_OP_NOP, 0, 0, 0, 0);
}

/* A NOP that completes with status = value (extended if it needs 64 bits). */
static inline void rxring_prep_nop_result(struct rxring_sqe *sqe, __s64 value)
{
	rxring_prep_rw(sqe, RXRING_OP_NOP, 0, 0, 0, (__u64)value);
	sqe->syscall_flags = RXRING_NOP_RESULT;
}

/* A NOP that always completes as an extended pair carrying extra. */
static inline void rxring_prep_nop_extended(struct rxring_sqe *sqe,
					    __s64 value, __u64 extra)
{
	rxring_prep_rw(sqe, RXRING_OP_NOP, 0, 0, 0, (__u64)value);
	sqe->syscall_flags = RXRING_NOP_RESULT | RXRING_NOP_EXTENDED;
	sqe->additional1 = extra;
}

/*
 * FUTEX (RXRING_OP_FUTEX). Waiters are keyed by the physical address of the
 * word, so a ring WAIT meets a WAKE from any process mapping the same
 * memory, from any ring or from rxring_futex(). A WAIT completes with 0
 * when woken, -EAGAIN when *uaddr != expected at submission, -ETIMEDOUT
 * after timeout_ns (0: no timeout; relative, or an absolute CLOCK_MONOTONIC
 * time with RXRING_FUTEX_ABSTIME in flags), -ECANCELED when cancelled.
 * WAKE completes with the number of waiters woken, REQUEUE with woken +
 * moved.
 */
static inline void rxring_prep_futex_wait(struct rxring_sqe *sqe,
					  __u32 *uaddr, __u32 expected,
					  __u64 timeout_ns, unsigned int flags)
{
	rxring_prep_rw(sqe, RXRING_OP_FUTEX, 0, (__u64)(uintptr_t)uaddr,
		       RXRING_FUTEX_WAIT, expected);
	sqe->syscall_flags = flags;
	sqe->additional1 = timeout_ns;
}

/* WAIT64: a 64-bit word (8-byte aligned), compared in full. */
static inline void rxring_prep_futex_wait64(struct rxring_sqe *sqe,
					    __u64 *uaddr, __u64 expected,
					    __u64 timeout_ns,
					    unsigned int flags)
{
	rxring_prep_rw(sqe, RXRING_OP_FUTEX, 0, (__u64)(uintptr_t)uaddr,
		       RXRING_FUTEX_WAIT64, expected);
	sqe->syscall_flags = flags;
	sqe->additional1 = timeout_ns;
}

/* Wake up to nr waiters on uaddr (32- or 64-bit waiters alike). */
static inline void rxring_prep_futex_wake(struct rxring_sqe *sqe,
					  __u32 *uaddr, __u64 nr)
{
	rxring_prep_rw(sqe, RXRING_OP_FUTEX, 0, (__u64)(uintptr_t)uaddr,
		       RXRING_FUTEX_WAKE, nr);
}

/* Wake up to nr_wake waiters on uaddr, move up to nr_move more to uaddr2. */
static inline void rxring_prep_futex_requeue(struct rxring_sqe *sqe,
					     __u32 *uaddr, __u64 nr_wake,
					     __u64 nr_move, __u32 *uaddr2)
{
	rxring_prep_rw(sqe, RXRING_OP_FUTEX, 0, (__u64)(uintptr_t)uaddr,
		       RXRING_FUTEX_REQUEUE, nr_wake);
	sqe->additional1 = nr_move;
	sqe->additional2 = (__u64)(uintptr_t)uaddr2;
}

/*
 * WAITPID (RXRING_OP_WAITPID): pid > 0 that child, -1 any child, 0 any
 * child in the caller's process group, < -1 any child in process group
 * -pid; flags RXRING_WAITPID_WNOHANG. Completes with status = pid and
 * extra = wait status (the child already reaped, see "Completion" above),
 * status 0 with WNOHANG when no child has exited, or -ECHILD.
 */
static inline void rxring_prep_waitpid(struct rxring_sqe *sqe, pid_t pid,
				       unsigned int flags)
{
	rxring_prep_rw(sqe, RXRING_OP_WAITPID, (__u64)(__s64)pid, 0, 0, 0);
	sqe->syscall_flags = flags;
}

/*
 * TIMEOUT (RXRING_OP_TIMEOUT): completes with -ETIME after ns nanoseconds
 * (relative, or an absolute CLOCK_MONOTONIC time with RXRING_TIMEOUT_ABS),
 * or with 0 once count other completions have been posted (count 0: time
 * only).
 */
static inline void rxring_prep_timeout(struct rxring_sqe *sqe, __u64 ns,
				       __u32 count, unsigned int flags)
{
	rxring_prep_rw(sqe, RXRING_OP_TIMEOUT, 0, 0, count, ns);
	sqe->syscall_flags = flags;
}

/*
 * CANCEL (RXRING_OP_CANCEL): the pending operation whose user_data is
 * user_data completes with -ECANCELED, the CANCEL with 0; -ENOENT when
 * nothing pending has that user_data.
 */
static inline void rxring_prep_cancel(struct rxring_sqe *sqe, __u64 user_data)
{
	rxring_prep_rw(sqe, RXRING_OP_CANCEL, 0, user_data, 0, 0);
}

/*
 * File and memory operations. They run inside the ENTER that submits them
 * and act as the task calling it (its fds, credentials, cwd and memory),
 * whoever created the ring. Results: OPEN and DUP the new fd, SEEK the new
 * offset, MMAP the address (a 64-bit value comes back whole in
 * rxring_completion.status), the others 0; or -errno.
 */

/*
 * OPEN: openat(dirfd, path, flags, mode), with the path given as len bytes
 * (no NUL needed). dirfd may be AT_FDCWD; mode only with O_CREAT/O_TMPFILE.
 */
static inline void rxring_prep_open(struct rxring_sqe *sqe, int dirfd,
				    const char *path, size_t len, int flags,
				    mode_t mode)
{
	rxring_prep_rw(sqe, RXRING_OP_OPEN, (__u64)(__s64)dirfd,
		       (__u64)(uintptr_t)path, len, mode);
	sqe->syscall_flags = (__u32)flags;
}

static inline void rxring_prep_close(struct rxring_sqe *sqe, int fd)
{
	rxring_prep_rw(sqe, RXRING_OP_CLOSE, (__u64)(__s64)fd, 0, 0, 0);
}

/* DUP: dup(fd); flags 0 or O_CLOEXEC. */
static inline void rxring_prep_dup(struct rxring_sqe *sqe, int fd, int flags)
{
	rxring_prep_rw(sqe, RXRING_OP_DUP, (__u64)(__s64)fd, 0, 0, 0);
	sqe->syscall_flags = (__u32)flags;
}

/* SEEK: lseek(fd, offset, whence). */
static inline void rxring_prep_seek(struct rxring_sqe *sqe, int fd,
				    __s64 offset, int whence)
{
	rxring_prep_rw(sqe, RXRING_OP_SEEK, (__u64)(__s64)fd, 0,
		       (__u64)(__s64)whence, (__u64)offset);
}

/* FSTAT: fstat(fd) into *st. */
static inline void rxring_prep_fstat(struct rxring_sqe *sqe, int fd,
				     struct rxring_stat *st)
{
	rxring_prep_rw(sqe, RXRING_OP_FSTAT, (__u64)(__s64)fd,
		       (__u64)(uintptr_t)st, sizeof(*st), 0);
}

/* MMAP: mmap(addr, len, prot, flags, fd, offset); fd -1 with MAP_ANONYMOUS. */
static inline void rxring_prep_mmap(struct rxring_sqe *sqe, void *addr,
				    size_t len, int prot, int flags, int fd,
				    __u64 offset)
{
	rxring_prep_rw(sqe, RXRING_OP_MMAP, (__u64)(__s64)fd,
		       (__u64)(uintptr_t)addr, len, offset);
	sqe->syscall_flags = (__u32)flags;
	sqe->additional1 = (__u64)prot;
}

static inline void rxring_prep_munmap(struct rxring_sqe *sqe, void *addr,
				      size_t len)
{
	rxring_prep_rw(sqe, RXRING_OP_MUNMAP, 0, (__u64)(uintptr_t)addr, len,
		       0);
}

/*
 * READ, WRITE (pread/pwrite), READV, WRITEV (preadv/pwritev) and FSYNC.
 * offset RXRING_POS_CURRENT uses and advances the file position. Complete
 * with the bytes moved (short when the file had less) or -errno. The iovec
 * array is read at submission and may be reused right after it.
 */
static inline void rxring_prep_read(struct rxring_sqe *sqe, int fd, void *buf,
				    __u64 len, __u64 offset)
{
	rxring_prep_rw(sqe, RXRING_OP_READ, (__u64)fd, (__u64)(uintptr_t)buf,
		       len, offset);
}

static inline void rxring_prep_write(struct rxring_sqe *sqe, int fd,
				     const void *buf, __u64 len, __u64 offset)
{
	rxring_prep_rw(sqe, RXRING_OP_WRITE, (__u64)fd, (__u64)(uintptr_t)buf,
		       len, offset);
}

static inline void rxring_prep_readv(struct rxring_sqe *sqe, int fd,
				     const struct iovec *iov,
				     unsigned int nr_vecs, __u64 offset)
{
	rxring_prep_rw(sqe, RXRING_OP_READV, (__u64)fd, (__u64)(uintptr_t)iov,
		       nr_vecs, offset);
}

static inline void rxring_prep_writev(struct rxring_sqe *sqe, int fd,
				      const struct iovec *iov,
				      unsigned int nr_vecs, __u64 offset)
{
	rxring_prep_rw(sqe, RXRING_OP_WRITEV, (__u64)fd, (__u64)(uintptr_t)iov,
		       nr_vecs, offset);
}

/* flags: 0, or RXRING_FSYNC_DATASYNC for fdatasync(). */
static inline void rxring_prep_fsync(struct rxring_sqe *sqe, int fd,
				     unsigned int flags)
{
	rxring_prep_rw(sqe, RXRING_OP_FSYNC, (__u64)fd, 0, 0, 0);
	sqe->syscall_flags = flags;
}

/* READ / WRITE into / from registered buffer buf_index (see above). */
static inline void rxring_prep_read_fixed(struct rxring_sqe *sqe, int fd,
					  void *buf, __u64 len, __u64 offset,
					  unsigned int buf_index)
{
	rxring_prep_read(sqe, fd, buf, len, offset);
	sqe->syscall_flags = RXRING_RW_FIXED_BUF;
	sqe->additional1 = buf_index;
}

static inline void rxring_prep_write_fixed(struct rxring_sqe *sqe, int fd,
					   const void *buf, __u64 len,
					   __u64 offset, unsigned int buf_index)
{
	rxring_prep_write(sqe, fd, buf, len, offset);
	sqe->syscall_flags = RXRING_RW_FIXED_BUF;
	sqe->additional1 = buf_index;
}

/* Make the fd of a READ/WRITE/READV/WRITEV/FSYNC SQE a registered index. */
static inline void rxring_sqe_fixed_file(struct rxring_sqe *sqe,
					 unsigned int index)
{
	sqe->fd = index;
	sqe->syscall_flags |= RXRING_RW_FIXED_FILE;
}

static inline void rxring_sqe_set_data(struct rxring_sqe *sqe, __u64 data)
{
	sqe->user_data = data;
}

static inline void rxring_sqe_set_flags(struct rxring_sqe *sqe, __u8 flags)
{
	sqe->flags = flags;
}

#ifdef __cplusplus
}
#endif

#endif /* LIBRXRING_H */
