// SPDX-License-Identifier: MIT
/*
 * librxring: creating, mapping and tearing down an rxring instance.
 *
 * See docs/abi.md, "Instance life cycle" and "Mapping".
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "rxring.h"

/* Indices into struct rxring.sizes[]. */
enum {
	RXRING_REGION_SQ_HEADER,
	RXRING_REGION_SQ_ENTRIES,
	RXRING_REGION_SQ_ARRAY,
	RXRING_REGION_CQ_HEADER,
	RXRING_REGION_CQ_ENTRIES,
	RXRING_NR_REGIONS
};

static void *rxring_map_region(int fd, __u64 offset, __u64 len, int *err)
{
	void *p;

	p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, fd, (off_t)offset);
	if (p == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	return p;
}

static void rxring_unmap(void *p, size_t len)
{
	if (p && len)
		munmap(p, len);
}

static bool rxring_is_pow2(__u32 v)
{
	return v && !(v & (v - 1));
}

/*
 * Check that what the kernel wrote back describes rings we can use safely:
 * power-of-two counts and regions big enough to hold them.
 */
static int rxring_check_create(const struct rxring_create *p)
{
	if (!rxring_is_pow2(p->sq_entries) || !rxring_is_pow2(p->cq_entries))
		return -EPROTO;
	if (p->sq_header_size < sizeof(struct rxring_ring_header) ||
	    p->cq_header_size < sizeof(struct rxring_ring_header))
		return -EPROTO;
	if (p->sq_entries_size / sizeof(struct rxring_sqe) < p->sq_entries)
		return -EPROTO;
	if (p->cq_entries_size / sizeof(struct rxring_cqe) < p->cq_entries)
		return -EPROTO;
	if ((p->flags & RXRING_CREATE_INDIRECT) &&
	    p->sq_array_size / sizeof(__u32) < p->sq_entries)
		return -EPROTO;
	return 0;
}

static void rxring_reset(struct rxring *ring)
{
	memset(ring, 0, sizeof(*ring));
	ring->fd = -1;
}

void rxring_queue_exit(struct rxring *ring)
{
	rxring_unmap(ring->sq.hdr, ring->sizes[RXRING_REGION_SQ_HEADER]);
	rxring_unmap(ring->sq.sqes, ring->sizes[RXRING_REGION_SQ_ENTRIES]);
	rxring_unmap(ring->sq.array, ring->sizes[RXRING_REGION_SQ_ARRAY]);
	rxring_unmap(ring->cq.hdr, ring->sizes[RXRING_REGION_CQ_HEADER]);
	rxring_unmap(ring->cq.cqes, ring->sizes[RXRING_REGION_CQ_ENTRIES]);
	if (ring->fd >= 0)
		close(ring->fd);
	rxring_reset(ring);
}

int rxring_queue_init_params(struct rxring *ring, struct rxring_create *p)
{
	int fd, err = 0;
	void *m;

	rxring_reset(ring);

	p->version_major = RXRING_VERSION_MAJOR;
	p->size = sizeof(*p);

	fd = open(LIBRXRING_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ring->fd = fd;

	if (ioctl(fd, RXRING_IOC_CREATE, p) < 0) {
		err = -errno;
		goto fail;
	}
	err = rxring_check_create(p);
	if (err)
		goto fail;

	ring->flags = p->flags;
	ring->features = p->features;

	m = rxring_map_region(fd, RXRING_OFF_SQ_HEADER, p->sq_header_size,
			      &err);
	if (!m)
		goto fail;
	ring->sq.hdr = m;
	ring->sizes[RXRING_REGION_SQ_HEADER] = p->sq_header_size;

	m = rxring_map_region(fd, RXRING_OFF_SQ_ENTRIES, p->sq_entries_size,
			      &err);
	if (!m)
		goto fail;
	ring->sq.sqes = m;
	ring->sizes[RXRING_REGION_SQ_ENTRIES] = p->sq_entries_size;

	if (p->flags & RXRING_CREATE_INDIRECT) {
		m = rxring_map_region(fd, RXRING_OFF_SQ_ARRAY,
				      p->sq_array_size, &err);
		if (!m)
			goto fail;
		ring->sq.array = m;
		ring->sizes[RXRING_REGION_SQ_ARRAY] = p->sq_array_size;
	}

	m = rxring_map_region(fd, RXRING_OFF_CQ_HEADER, p->cq_header_size,
			      &err);
	if (!m)
		goto fail;
	ring->cq.hdr = m;
	ring->sizes[RXRING_REGION_CQ_HEADER] = p->cq_header_size;

	m = rxring_map_region(fd, RXRING_OFF_CQ_ENTRIES, p->cq_entries_size,
			      &err);
	if (!m)
		goto fail;
	ring->cq.cqes = m;
	ring->sizes[RXRING_REGION_CQ_ENTRIES] = p->cq_entries_size;

	ring->sq.entries = p->sq_entries;
	ring->sq.mask = p->sq_entries - 1;
	ring->cq.entries = p->cq_entries;
	ring->cq.mask = p->cq_entries - 1;

	/*
	 * A fresh instance starts with all indices at zero, but take what
	 * the kernel shows so a library bug can't desynchronise us.
	 */
	ring->sq.sqe_tail = __atomic_load_n(&ring->sq.hdr->tail,
					    __ATOMIC_RELAXED);
	ring->sq.published = ring->sq.sqe_tail;
	return 0;

fail:
	rxring_queue_exit(ring);
	return err;
}

int rxring_queue_init(unsigned int entries, struct rxring *ring,
		      unsigned int flags)
{
	struct rxring_create p;

	memset(&p, 0, sizeof(p));
	p.sq_entries = entries;
	p.cq_entries = 0;
	p.flags = flags;
	return rxring_queue_init_params(ring, &p);
}

int rxring_probe(int fd, struct rxring_probe *probe)
{
	memset(probe, 0, sizeof(*probe));
	if (ioctl(fd, RXRING_IOC_PROBE, probe) < 0)
		return -errno;
	return 0;
}

bool rxring_opcode_supported(const struct rxring_probe *probe, unsigned int op)
{
	unsigned int i, n = probe->ops_len;

	if (n > sizeof(probe->ops) / sizeof(probe->ops[0]))
		n = sizeof(probe->ops) / sizeof(probe->ops[0]);
	for (i = 0; i < n; i++) {
		if (probe->ops[i].op == op)
			return probe->ops[i].flags & RXRING_PROBE_OP_SUPPORTED;
	}
	return false;
}
