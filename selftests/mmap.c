// SPDX-License-Identifier: GPL-2.0
/*
 * mmap: mapping the regions of an instance.
 *  - each region maps at its offset with its full length and with shorter
 *    lengths; fresh ring memory reads as zero; a region mapped twice is
 *    the same memory, two instances are different memory;
 *  - EINVAL: any other offset (0x1000, 0x100000, region + page, region +
 *    length, ...), a length past the region's end, the array region
 *    without INDIRECT, MAP_PRIVATE; EPERM: PROT_EXEC; ENXIO: before CREATE;
 *  - mremap cannot grow a mapping; the mappings are VM_DONTDUMP and
 *    VM_DONTEXPAND (/proc/self/smaps "dd" and "de");
 *  - the pages stay readable, with the values the kernel wrote, after
 *    close(fd) while mapped; the SQ/CQ header status has no DROP before
 *    teardown; munmap + close in either order does not crash;
 *  - a fork child sees the same headers and its writes reach the parent;
 *  - after madvise(MADV_DONTNEED) the regions fault back in as the same
 *    pages.
 */
#include <stdio.h>
#include <sys/wait.h>

#include "harness.h"
#include "common.h"

struct region {
	const char *name;
	__u64 off;
	size_t size;
};

FIXTURE(map) {
	int fd;
	struct rxring_create cr;
	struct region reg[5];
	int nreg;
};

FIXTURE_VARIANT(map) {
	__u32 flags;
	__u32 sq;
};

FIXTURE_VARIANT_ADD(map, direct) {
	.flags = 0,
	.sq = 4096,
};

FIXTURE_VARIANT_ADD(map, indirect) {
	.flags = RXRING_CREATE_INDIRECT,
	.sq = 4096,
};

FIXTURE_VARIANT_ADD(map, tiny) {
	.flags = RXRING_CREATE_INDIRECT,
	.sq = 1,
};

FIXTURE_SETUP(map)
{
	struct region *g = self->reg;

	rx_raise_memlock();
	self->fd = rx_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", RX_DEV,
				      strerror(-self->fd));
	rx_create_init(&self->cr, variant->sq, 0, variant->flags);
	ASSERT_EQ(0, rx_create(self->fd, &self->cr));

	g[0] = (struct region){ "sq header", RXRING_OFF_SQ_HEADER,
				self->cr.sq_header_size };
	g[1] = (struct region){ "sq entries", RXRING_OFF_SQ_ENTRIES,
				self->cr.sq_entries_size };
	g[2] = (struct region){ "cq header", RXRING_OFF_CQ_HEADER,
				self->cr.cq_header_size };
	g[3] = (struct region){ "cq entries", RXRING_OFF_CQ_ENTRIES,
				self->cr.cq_entries_size };
	self->nreg = 4;
	if (variant->flags & RXRING_CREATE_INDIRECT)
		g[self->nreg++] = (struct region){ "sq array",
			RXRING_OFF_SQ_ARRAY, self->cr.sq_array_size };
}

FIXTURE_TEARDOWN(map)
{
	if (self->fd >= 0)
		close(self->fd);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

TEST_F(map, each_region_full_length)
{
	int i;

	for (i = 0; i < self->nreg; i++) {
		const struct region *g = &self->reg[i];
		char *p = rx_mmap(self->fd, g->off, g->size, RX_RW);

		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s: %s", g->name,
						 strerror(errno));
		/* Fresh ring memory is zero: nothing leaks from the kernel. */
		EXPECT_TRUE(all_zero(p, g->size)) TH_LOG("%s", g->name);
		EXPECT_EQ(0, munmap(p, g->size));
	}
}

TEST_F(map, headers_fresh_state)
{
	struct rxring_ring_header *sqh, *cqh;

	sqh = rx_mmap(self->fd, RXRING_OFF_SQ_HEADER, self->cr.sq_header_size,
		      RX_RW);
	cqh = rx_mmap(self->fd, RXRING_OFF_CQ_HEADER, self->cr.cq_header_size,
		      RX_RW);
	ASSERT_NE(MAP_FAILED, sqh);
	ASSERT_NE(MAP_FAILED, cqh);
	EXPECT_EQ(0ULL, sqh->head);
	EXPECT_EQ(0ULL, sqh->tail);
	EXPECT_EQ(0U, sqh->status & RXRING_RING_DROP);
	EXPECT_EQ(0ULL, sqh->dropped);
	EXPECT_EQ(0ULL, cqh->head);
	EXPECT_EQ(0ULL, cqh->tail);
	EXPECT_EQ(0U, cqh->status & RXRING_RING_DROP);
	/* The two headers are different pages. */
	sqh->tail = 5;
	EXPECT_EQ(0ULL, cqh->tail);
	sqh->tail = 0;
	munmap(sqh, self->cr.sq_header_size);
	munmap(cqh, self->cr.cq_header_size);
}

TEST_F(map, shorter_lengths)
{
	size_t page = rx_page();
	int i;

	for (i = 0; i < self->nreg; i++) {
		const struct region *g = &self->reg[i];

		EXPECT_EQ(0, rx_try_mmap(self->fd, g->off, 1, RX_RW,
					 MAP_SHARED)) TH_LOG("%s", g->name);
		EXPECT_EQ(0, rx_try_mmap(self->fd, g->off, page, PROT_READ,
					 MAP_SHARED)) TH_LOG("%s", g->name);
		if (g->size > page) {
			EXPECT_EQ(0, rx_try_mmap(self->fd, g->off,
						 g->size - page, RX_RW,
						 MAP_SHARED))
				TH_LOG("%s", g->name);
		}
	}
}

TEST_F(map, same_region_twice_is_same_memory)
{
	size_t len = self->cr.sq_entries_size;
	unsigned char *a, *b;

	a = rx_mmap(self->fd, RXRING_OFF_SQ_ENTRIES, len, RX_RW);
	b = rx_mmap(self->fd, RXRING_OFF_SQ_ENTRIES, len, RX_RW);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_NE(a, b);
	a[0] = 0x5a;
	a[len - 1] = 0xa5;
	EXPECT_EQ(0x5a, b[0]);
	EXPECT_EQ(0xa5, b[len - 1]);
	munmap(a, len);
	/* b still works after a is gone. */
	EXPECT_EQ(0x5a, b[0]);
	munmap(b, len);
}

TEST_F(map, other_instance_is_other_memory)
{
	struct rx other;
	struct rxring_ring_header *sqh;

	ASSERT_EQ(0, rx_setup(&other, 4, 0, 0));
	sqh = rx_mmap(self->fd, RXRING_OFF_SQ_HEADER, self->cr.sq_header_size,
		      RX_RW);
	ASSERT_NE(MAP_FAILED, sqh);
	sqh->tail = 3;
	EXPECT_EQ(0ULL, other.sqh->tail);
	other.sqh->tail = 1;
	EXPECT_EQ(3ULL, sqh->tail);
	sqh->tail = 0;
	other.sqh->tail = 0;
	munmap(sqh, self->cr.sq_header_size);
	rx_teardown(&other);
}

TEST_F(map, wrong_offsets_einval)
{
	size_t page = rx_page();
	const __u64 fixed[] = {
		0x1000, 0x2000, 0x100000, 0x1ff000, 0x201000, 0x300000,
		0x3ff00000, 0x3ffff000, 0x40001000, 0x7ffff000,
		0x80001000, 0x80100000, 0x801ff000, 0x80201000, 0xc0000000,
		0xfffff000ULL, 0x100000000ULL, 0x180000000ULL,
		0x7ffffffff000ULL,
	};
	size_t i;
	int j;

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		if (fixed[i] % page)
			continue;
		EXPECT_EQ(-EINVAL, rx_try_mmap(self->fd, fixed[i], page,
					       PROT_READ, MAP_SHARED))
			TH_LOG("offset 0x%llx", (unsigned long long)fixed[i]);
	}
	for (j = 0; j < self->nreg; j++) {
		const struct region *g = &self->reg[j];

		/* A page into the region (inside it if it is long)... */
		EXPECT_EQ(-EINVAL, rx_try_mmap(self->fd, g->off + page, page,
					       PROT_READ, MAP_SHARED))
			TH_LOG("%s + page", g->name);
		/* ... its last page ... */
		if (g->size > page) {
			EXPECT_EQ(-EINVAL,
				  rx_try_mmap(self->fd, g->off + g->size - page,
					      page, PROT_READ, MAP_SHARED))
				TH_LOG("%s last page", g->name);
		}
		/* ... and just past its end. */
		EXPECT_EQ(-EINVAL, rx_try_mmap(self->fd, g->off + g->size,
					       page, PROT_READ, MAP_SHARED))
			TH_LOG("%s + size", g->name);
	}
}

TEST_F(map, too_long_einval)
{
	size_t page = rx_page();
	int i;

	for (i = 0; i < self->nreg; i++) {
		const struct region *g = &self->reg[i];

		EXPECT_EQ(-EINVAL, rx_try_mmap(self->fd, g->off,
					       g->size + page, RX_RW,
					       MAP_SHARED))
			TH_LOG("%s + page", g->name);
		EXPECT_EQ(-EINVAL, rx_try_mmap(self->fd, g->off, 2 * g->size,
					       RX_RW, MAP_SHARED))
			TH_LOG("%s twice", g->name);
		EXPECT_EQ(-EINVAL, rx_try_mmap(self->fd, g->off, 64 << 20,
					       PROT_READ, MAP_SHARED))
			TH_LOG("%s 64 MiB", g->name);
	}
}

TEST_F(map, array_only_with_indirect)
{
	size_t page = rx_page();
	int ret = rx_try_mmap(self->fd, RXRING_OFF_SQ_ARRAY, page, RX_RW,
			      MAP_SHARED);

	if (variant->flags & RXRING_CREATE_INDIRECT) {
		EXPECT_EQ(0, ret);
	} else {
		EXPECT_EQ(-EINVAL, ret);
	}
}

TEST_F(map, map_private_einval)
{
	int i;

	for (i = 0; i < self->nreg; i++) {
		const struct region *g = &self->reg[i];

		EXPECT_EQ(-EINVAL, rx_try_mmap(self->fd, g->off, g->size,
					       RX_RW, MAP_PRIVATE))
			TH_LOG("%s", g->name);
		EXPECT_EQ(-EINVAL, rx_try_mmap(self->fd, g->off, g->size,
					       PROT_READ, MAP_PRIVATE))
			TH_LOG("%s read-only", g->name);
	}
}

TEST_F(map, prot_exec_eperm)
{
	int i;

	for (i = 0; i < self->nreg; i++) {
		const struct region *g = &self->reg[i];

		EXPECT_EQ(-EPERM, rx_try_mmap(self->fd, g->off, g->size,
					      PROT_READ | PROT_EXEC,
					      MAP_SHARED))
			TH_LOG("%s", g->name);
		EXPECT_EQ(-EPERM, rx_try_mmap(self->fd, g->off, g->size,
					      RX_RW | PROT_EXEC, MAP_SHARED))
			TH_LOG("%s rwx", g->name);
	}
}

TEST_F(map, mremap_cannot_grow)
{
	size_t page = rx_page();
	int i;

	for (i = 0; i < self->nreg; i++) {
		const struct region *g = &self->reg[i];
		void *p, *q;

		/* A one-page mapping, grown within the region or past it. */
		p = rx_mmap(self->fd, g->off, page, RX_RW);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", g->name);
		q = mremap(p, page, 2 * page, MREMAP_MAYMOVE);
		EXPECT_EQ(MAP_FAILED, q) TH_LOG("%s", g->name);
		if (q != MAP_FAILED)
			p = q;
		munmap(p, q == MAP_FAILED ? page : 2 * page);

		p = rx_mmap(self->fd, g->off, g->size, RX_RW);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", g->name);
		q = mremap(p, g->size, g->size + page, 0);
		EXPECT_EQ(MAP_FAILED, q) TH_LOG("%s in place", g->name);
		q = mremap(p, g->size, g->size + page, MREMAP_MAYMOVE);
		EXPECT_EQ(MAP_FAILED, q) TH_LOG("%s may move", g->name);
		if (q != MAP_FAILED)
			munmap(q, g->size + page);
		else
			munmap(p, g->size);
	}
}

/* The VmFlags line of the /proc/self/smaps entry starting at addr. */
static int vmflags(void *addr, char *out, size_t outlen)
{
	char line[512], want[32];
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want, strlen(want)))
			in = true;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(out, outlen, "%s", line + 8);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}

static bool has_flag(const char *flags, const char *flag)
{
	char buf[512], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", flags);
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, flag))
			return true;
	return false;
}

TEST_F(map, dontdump_dontexpand)
{
	char flags[512];
	int i;

	if (access("/proc/self/smaps", R_OK))
		SKIP(return, "no /proc/self/smaps");
	for (i = 0; i < self->nreg; i++) {
		const struct region *g = &self->reg[i];
		void *p = rx_mmap(self->fd, g->off, g->size, RX_RW);

		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, vmflags(p, flags, sizeof(flags)));
		EXPECT_TRUE(has_flag(flags, "dd")) TH_LOG("%s: %s", g->name,
							  flags);
		EXPECT_TRUE(has_flag(flags, "de")) TH_LOG("%s: %s", g->name,
							  flags);
		EXPECT_FALSE(has_flag(flags, "ex")) TH_LOG("%s: %s", g->name,
							   flags);
		munmap(p, g->size);
	}
}

TEST(mmap_before_create_enxio)
{
	size_t page = rx_page();
	const __u64 offs[] = {
		RXRING_OFF_SQ_HEADER, RXRING_OFF_SQ_ENTRIES,
		RXRING_OFF_SQ_ARRAY, RXRING_OFF_CQ_HEADER,
		RXRING_OFF_CQ_ENTRIES,
	};
	struct rxring_create c;
	int fd = rx_open();
	size_t i;

	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		EXPECT_EQ(-ENXIO, rx_try_mmap(fd, offs[i], page, RX_RW,
					      MAP_SHARED))
			TH_LOG("offset 0x%llx", (unsigned long long)offs[i]);
	}
	/* A failed CREATE does not change that. */
	rx_create_init(&c, 3, 0, 0);
	ASSERT_EQ(-EINVAL, rx_create(fd, &c));
	EXPECT_EQ(-ENXIO, rx_try_mmap(fd, RXRING_OFF_SQ_HEADER, page, RX_RW,
				      MAP_SHARED));
	rx_create_init(&c, 2, 0, 0);
	ASSERT_EQ(0, rx_create(fd, &c));
	EXPECT_EQ(0, rx_try_mmap(fd, RXRING_OFF_SQ_HEADER, page, RX_RW,
				 MAP_SHARED));
	close(fd);
}

/* Pages keep the kernel's values after close(fd) while still mapped. */
TEST(readable_after_close)
{
	struct rx r;
	__u32 sub = 0;
	int fd;

	ASSERT_EQ(0, rx_setup(&r, 4, 0, 0));
	ASSERT_EQ(3, rx_submit_nops(&r, 3, 0xabc0, 3, &sub));
	ASSERT_EQ(3U, sub);
	fd = r.fd;
	ASSERT_EQ(0, close(fd));
	r.fd = -1;

	EXPECT_EQ(3ULL, r.sqh->head);
	EXPECT_EQ(3ULL, r.sqh->tail);
	EXPECT_EQ(3ULL, r.cqh->tail);
	EXPECT_EQ(0U, r.sqh->status & RXRING_RING_DROP);
	EXPECT_EQ(0U, r.cqh->status & RXRING_RING_DROP);
	EXPECT_EQ(0, rx_reap_nops(&r, 0xabc0, 3)) TH_LOG("%s", rx_why);
	/* Still writable, still the same page. */
	EXPECT_EQ(3ULL, r.cqh->head);
	r.sqes[0].user_data = 77;
	EXPECT_EQ(77ULL, r.sqes[0].user_data);
	rx_unmap(&r);
	/* The instance is gone now; a new one works. */
	ASSERT_EQ(0, rx_setup(&r, 4, 0, 0));
	EXPECT_EQ(1, rx_submit_nops(&r, 1, 5, 1, &sub));
	rx_teardown(&r);
}

TEST(munmap_then_close)
{
	struct rx r;
	__u32 sub = 0;

	ASSERT_EQ(0, rx_setup(&r, 4, 0, RXRING_CREATE_INDIRECT));
	ASSERT_EQ(2, rx_submit_nops(&r, 2, 1, 2, &sub));
	rx_unmap(&r);
	/* The fd alone keeps the instance: ENTER still works. */
	EXPECT_EQ(2, rx_enter_raw(r.fd, 0, 0, 0, 0, NULL));
	/* And the rings can be mapped again, with the same contents. */
	ASSERT_EQ(0, rx_map(&r));
	EXPECT_EQ(2ULL, rx_sq_head(&r));
	EXPECT_EQ(2ULL, rx_cq_tail(&r));
	EXPECT_EQ(0, rx_reap_nops(&r, 1, 2)) TH_LOG("%s", rx_why);
	rx_unmap(&r);
	EXPECT_EQ(0, close(r.fd));
}

/*
 * madvise(MADV_DONTNEED) drops the ring pages from the mapping; the next
 * access gets the same pages back (not zeros, not SIGBUS): the indices
 * the kernel wrote are there, SQEs written afterwards reach the kernel.
 */
TEST(dontneed_keeps_rings)
{
	struct rx r;
	__u32 sub = 0;

	ASSERT_EQ(0, rx_setup(&r, 8, 0, RXRING_CREATE_INDIRECT));
	ASSERT_EQ(3, rx_submit_nops(&r, 3, 10, 3, &sub));
	ASSERT_EQ(0, madvise(r.sqh, r.cr.sq_header_size, MADV_DONTNEED));
	ASSERT_EQ(0, madvise(r.sqes, r.cr.sq_entries_size, MADV_DONTNEED));
	ASSERT_EQ(0, madvise(r.array, r.cr.sq_array_size, MADV_DONTNEED));
	ASSERT_EQ(0, madvise(r.cqh, r.cr.cq_header_size, MADV_DONTNEED));
	ASSERT_EQ(0, madvise(r.cqes, r.cr.cq_entries_size, MADV_DONTNEED));
	EXPECT_EQ(3ULL, rx_sq_head(&r));
	EXPECT_EQ(3ULL, rx_load(&r.sqh->tail));
	EXPECT_EQ(3ULL, rx_cq_tail(&r));
	EXPECT_EQ(0, rx_reap_nops(&r, 10, 3)) TH_LOG("%s", rx_why);
	/* Written after the advice, read by the kernel: the same pages. */
	EXPECT_EQ(2, rx_submit_nops(&r, 2, 20, 2, &sub));
	EXPECT_EQ(2U, sub);
	EXPECT_EQ(0, rx_reap_nops(&r, 20, 2)) TH_LOG("%s", rx_why);
	rx_teardown(&r);
}

TEST(fork_child_sees_same_header)
{
	struct rx r;
	__u32 sub = 0;
	pid_t pid;
	int status;

	ASSERT_EQ(0, rx_setup(&r, 8, 0, 0));
	ASSERT_EQ(3, rx_submit_nops(&r, 3, 100, 3, &sub));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;

		if (rx_load(&r.sqh->head) != 3 || rx_load(&r.cqh->tail) != 3)
			bad |= 1;
		if (r.cqes[0].user_data + r.cqes[1].user_data +
		    r.cqes[2].user_data != 303)
			bad |= 2;
		if (r.sqh->status & RXRING_RING_DROP)
			bad |= 4;
		/* The child's writes land in the parent's pages. */
		rx_store(&r.cqh->head, 2);
		r.sqes[7].user_data = 0xc0ffee;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2ULL, rx_load(&r.cqh->head));
	EXPECT_EQ(0xc0ffeeULL, r.sqes[7].user_data);
	rx_teardown(&r);
}

TEST_HARNESS_MAIN
