// SPDX-License-Identifier: MIT
/*
 * librxring: kernel operations outside the rings (RXRING_IOC_FUTEX).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "rxring.h"

int rxring_futex(int fd, unsigned int op, void *addr, uint64_t val,
		 uint64_t val2, void *addr2, unsigned int flags)
{
	struct rxring_futex f;
	int saved = errno, ret;

	memset(&f, 0, sizeof(f));
	f.op = op;
	f.flags = flags;
	f.addr = (__u64)(uintptr_t)addr;
	f.val = val;
	f.val2 = val2;
	f.addr2 = (__u64)(uintptr_t)addr2;
	ret = ioctl(fd, RXRING_IOC_FUTEX, &f);
	if (ret < 0)
		ret = -errno;
	errno = saved;
	return ret;
}

/* RXRING_IOC_REGISTER_FILES / _BUFFERS with (addr, nr). */
static int rxring_register(int fd, unsigned long cmd, const void *addr,
			   unsigned int nr)
{
	struct rxring_register r;
	int saved = errno, ret;

	memset(&r, 0, sizeof(r));
	r.addr = (__u64)(uintptr_t)addr;
	r.nr = nr;
	ret = ioctl(fd, cmd, &r);
	if (ret < 0)
		ret = -errno;
	errno = saved;
	return ret;
}

int rxring_register_files(struct rxring *ring, const int *fds,
			  unsigned int nr)
{
	return rxring_register(ring->fd, RXRING_IOC_REGISTER_FILES, fds, nr);
}

int rxring_unregister_files(struct rxring *ring)
{
	return rxring_register(ring->fd, RXRING_IOC_REGISTER_FILES, NULL, 0);
}

int rxring_register_buffers(struct rxring *ring, const struct iovec *iovs,
			    unsigned int nr)
{
	return rxring_register(ring->fd, RXRING_IOC_REGISTER_BUFFERS, iovs,
			       nr);
}

int rxring_unregister_buffers(struct rxring *ring)
{
	return rxring_register(ring->fd, RXRING_IOC_REGISTER_BUFFERS, NULL, 0);
}
