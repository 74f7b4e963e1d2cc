// SPDX-License-Identifier: MIT
/*
 * A stand-in for /dev/rxring's RXRING_IOC_FUTEX on a host without the
 * module, for running the user-to-user ring code (u2u.c) outside the VM.
 *
 * Linked with -Wl,--wrap=open,--wrap=ioctl: open("/dev/rxring") gives a
 * /dev/null descriptor, and RXRING_IOC_FUTEX on any descriptor becomes a
 * futex(2) call on the low 32 bits of the word (shared futexes, so they
 * work across processes on MAP_SHARED memory). WAIT64 compares the whole
 * 64-bit word first; a change of only the high half while asleep is not
 * noticed, which does not matter for tests. Every other ioctl is passed on.
 * Used by "make -C selftests host-u2u" (the u2u selftest on the host).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/rxring.h>

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

/* Tells the tests that kernel rings are not there (see selftests/u2u.c). */
static void __attribute__((constructor)) shim_init(void)
{
	setenv("RXRING_U2U_HOST", "1", 0);
}

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!strcmp(path, "/dev/rxring"))
		path = "/dev/null";
	return __real_open(path, flags, mode);
}

static long shim_futex(const struct rxring_futex *f)
{
	struct timespec ts, *tp = NULL;
	uint32_t *w = (uint32_t *)(uintptr_t)f->addr;
	long ret;

	switch (f->op) {
	case RXRING_FUTEX_WAKE:
		ret = syscall(SYS_futex, w, FUTEX_WAKE,
			      f->val > INT_MAX ? INT_MAX : (int)f->val,
			      NULL, NULL, 0);
		return ret < 0 ? -errno : ret;
	case RXRING_FUTEX_WAIT:
	case RXRING_FUTEX_WAIT64:
		break;
	default:
		return -EINVAL;
	}
	if (f->op == RXRING_FUTEX_WAIT64 &&
	    __atomic_load_n((uint64_t *)w, __ATOMIC_SEQ_CST) != f->val)
		return -EAGAIN;
	if (f->val2) {
		ts.tv_sec = (time_t)(f->val2 / 1000000000);
		ts.tv_nsec = (long)(f->val2 % 1000000000);
		tp = &ts;
	}
	ret = syscall(SYS_futex, w,
		      (f->flags & RXRING_FUTEX_ABSTIME) ?
		      FUTEX_WAIT_BITSET : FUTEX_WAIT,
		      (uint32_t)f->val, tp, NULL,
		      FUTEX_BITSET_MATCH_ANY);
	if (ret < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	long ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req != RXRING_IOC_FUTEX)
		return __real_ioctl(fd, req, arg);
	ret = shim_futex(arg);
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return (int)ret;
}
