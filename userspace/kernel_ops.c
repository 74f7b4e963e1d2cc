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
