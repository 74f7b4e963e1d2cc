// SPDX-License-Identifier: GPL-2.0
/*
 * abi: the binary layout of <linux/rxring.h>, checked at run time against
 * numbers written down here independently of the header's own static
 * asserts: the size of every struct, the offset and size of every field,
 * the signedness of the signed fields, every constant (versions, limits,
 * flags, opcodes, mmap offsets), the ioctl numbers and their encoded
 * direction/type/nr/size; then what the module reports through
 * RXRING_IOC_PROBE (and CREATE's features) against docs/abi.md, including
 * PROBE's own error cases (non-zero input record -> EINVAL, bad pointer ->
 * EFAULT).
 */
#include <stddef.h>
#include <sys/ioctl.h>

#include "harness.h"
#include "common.h"

struct field {
	const char *name;
	size_t off, want_off;
	size_t size, want_size;
};

#define FIELD(type, f, o, s) \
	{ #type "." #f, offsetof(struct type, f), (o), \
	  sizeof(((struct type *)0)->f), (s) }

static int check_fields(struct __test_metadata *_metadata,
			const struct field *f, size_t n)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (f[i].off != f[i].want_off || f[i].size != f[i].want_size) {
			TH_LOG("%s: offset %zu size %zu, want offset %zu size %zu",
			       f[i].name, f[i].off, f[i].size, f[i].want_off,
			       f[i].want_size);
			bad++;
		}
	}
	return bad;
}

/* The field has exactly this type (and so this signedness). */
#define TYPE_IS(expr, type) \
	__builtin_types_compatible_p(__typeof__(expr), type)

TEST(sqe_layout)
{
	static const struct field f[] = {
		FIELD(rxring_sqe, opcode, 0, 1),
		FIELD(rxring_sqe, flags, 1, 1),
		FIELD(rxring_sqe, priority, 2, 2),
		FIELD(rxring_sqe, syscall_flags, 4, 4),
		FIELD(rxring_sqe, fd, 8, 8),
		FIELD(rxring_sqe, len, 16, 8),
		FIELD(rxring_sqe, user_data, 24, 8),
		FIELD(rxring_sqe, addr, 32, 8),
		FIELD(rxring_sqe, offset, 40, 8),
		FIELD(rxring_sqe, additional1, 48, 8),
		FIELD(rxring_sqe, additional2, 56, 8),
	};
	struct rxring_sqe s;

	EXPECT_EQ(64UL, sizeof(struct rxring_sqe));
	EXPECT_EQ(0, check_fields(_metadata, f, ARRAY_SIZE(f)));
	EXPECT_TRUE(TYPE_IS(s.fd, __u64));
	EXPECT_TRUE(TYPE_IS(s.offset, __u64));
	EXPECT_TRUE(TYPE_IS(s.user_data, __u64));
}

TEST(cqe_layout)
{
	static const struct field f[] = {
		FIELD(rxring_cqe, user_data, 0, 8),
		FIELD(rxring_cqe, status, 8, 4),
		FIELD(rxring_cqe, flags, 12, 4),
		FIELD(rxring_cqe_ext_hi, user_data, 0, 8),
		FIELD(rxring_cqe_ext_hi, flags_hi, 8, 4),
		FIELD(rxring_cqe_ext_hi, flags, 12, 4),
		FIELD(rxring_cqe_ext_lo, status, 0, 8),
		FIELD(rxring_cqe_ext_lo, extra, 8, 8),
	};
	struct rxring_cqe c;
	struct rxring_cqe_ext_hi hi;
	struct rxring_cqe_ext_lo lo;

	EXPECT_EQ(16UL, sizeof(struct rxring_cqe));
	EXPECT_EQ(16UL, sizeof(struct rxring_cqe_ext_hi));
	EXPECT_EQ(16UL, sizeof(struct rxring_cqe_ext_lo));
	EXPECT_EQ(0, check_fields(_metadata, f, ARRAY_SIZE(f)));
	/* A reader tells the two kinds apart by the flags word at 12. */
	EXPECT_EQ(offsetof(struct rxring_cqe, flags),
		  offsetof(struct rxring_cqe_ext_hi, flags));
	EXPECT_TRUE(TYPE_IS(c.status, __s32));
	EXPECT_TRUE(TYPE_IS(lo.status, __s64));
	EXPECT_TRUE(TYPE_IS(lo.extra, __u64));
	EXPECT_TRUE(TYPE_IS(c.flags, __u32));
	EXPECT_TRUE(TYPE_IS(hi.flags_hi, __u32));
	EXPECT_TRUE(TYPE_IS(hi.flags, __u32));
}

TEST(ring_header_layout)
{
	static const struct field f[] = {
		FIELD(rxring_ring_header, head, 0, 8),
		FIELD(rxring_ring_header, __pad0, 8, 120),
		FIELD(rxring_ring_header, tail, 128, 8),
		FIELD(rxring_ring_header, __pad1, 136, 120),
		FIELD(rxring_ring_header, status, 256, 4),
		FIELD(rxring_ring_header, __resv0, 260, 4),
		FIELD(rxring_ring_header, dropped, 264, 8),
		FIELD(rxring_ring_header, __pad2, 272, 112),
	};

	EXPECT_EQ(384UL, sizeof(struct rxring_ring_header));
	EXPECT_EQ(0, check_fields(_metadata, f, ARRAY_SIZE(f)));
	/* head and tail on separate 128-byte lines. */
	EXPECT_EQ(0UL, offsetof(struct rxring_ring_header, head) % 128);
	EXPECT_EQ(0UL, offsetof(struct rxring_ring_header, tail) % 128);
	EXPECT_LE(sizeof(struct rxring_ring_header), rx_page());
}

TEST(create_layout)
{
	static const struct field f[] = {
		FIELD(rxring_create, version_major, 0, 1),
		FIELD(rxring_create, version_minor, 1, 1),
		FIELD(rxring_create, version_patch, 2, 1),
		FIELD(rxring_create, __resv0, 3, 1),
		FIELD(rxring_create, flags, 4, 4),
		FIELD(rxring_create, size, 8, 4),
		FIELD(rxring_create, sq_entries, 12, 4),
		FIELD(rxring_create, cq_entries, 16, 4),
		FIELD(rxring_create, __resv1, 20, 4),
		FIELD(rxring_create, sq_thread_idle, 20, 4),
		FIELD(rxring_create, features, 24, 8),
		FIELD(rxring_create, sq_header_size, 32, 8),
		FIELD(rxring_create, sq_entries_size, 40, 8),
		FIELD(rxring_create, sq_array_size, 48, 8),
		FIELD(rxring_create, cq_header_size, 56, 8),
		FIELD(rxring_create, cq_entries_size, 64, 8),
		FIELD(rxring_create, __resv2, 72, 16),
		FIELD(rxring_create, sq_thread_cpu, 72, 4),
	};

	EXPECT_EQ(88UL, sizeof(struct rxring_create));
	EXPECT_EQ(0, check_fields(_metadata, f, ARRAY_SIZE(f)));
}

TEST(enter_layout)
{
	static const struct field f[] = {
		FIELD(rxring_enter, to_submit, 0, 4),
		FIELD(rxring_enter, min_complete, 4, 4),
		FIELD(rxring_enter, flags, 8, 4),
		FIELD(rxring_enter, __resv0, 12, 4),
		FIELD(rxring_enter, timeout_ns, 16, 8),
		FIELD(rxring_enter, submitted, 24, 4),
		FIELD(rxring_enter, __resv1, 28, 4),
		FIELD(rxring_enter, __resv2, 32, 16),
	};
	struct rxring_enter e;

	EXPECT_EQ(48UL, sizeof(struct rxring_enter));
	EXPECT_EQ(0, check_fields(_metadata, f, ARRAY_SIZE(f)));
	EXPECT_TRUE(TYPE_IS(e.timeout_ns, __s64));
}

TEST(probe_layout)
{
	static const struct field f[] = {
		FIELD(rxring_probe_op, op, 0, 1),
		FIELD(rxring_probe_op, __resv0, 1, 1),
		FIELD(rxring_probe_op, flags, 2, 2),
		FIELD(rxring_probe_op, syscall_flags, 4, 4),
		FIELD(rxring_probe, last_op, 0, 1),
		FIELD(rxring_probe, ops_len, 1, 1),
		FIELD(rxring_probe, sqe_flags, 2, 1),
		FIELD(rxring_probe, __resv0, 3, 1),
		FIELD(rxring_probe, create_flags, 4, 4),
		FIELD(rxring_probe, enter_flags, 8, 4),
		FIELD(rxring_probe, __resv1, 12, 4),
		FIELD(rxring_probe, features, 16, 8),
		FIELD(rxring_probe, __resv2, 24, 16),
		FIELD(rxring_probe, ops, 40, 512),
	};

	EXPECT_EQ(8UL, sizeof(struct rxring_probe_op));
	EXPECT_EQ(552UL, sizeof(struct rxring_probe));
	EXPECT_EQ(0, check_fields(_metadata, f, ARRAY_SIZE(f)));
	EXPECT_EQ(64UL, ARRAY_SIZE(((struct rxring_probe *)0)->ops));
}

TEST(constants)
{
	EXPECT_EQ(1, RXRING_VERSION_MAJOR);
	EXPECT_EQ(0, RXRING_VERSION_MINOR);
	EXPECT_EQ(0, RXRING_VERSION_PATCH);
	EXPECT_EQ(32768, RXRING_MAX_SQ_ENTRIES);
	EXPECT_EQ(65536, RXRING_MAX_CQ_ENTRIES);

	EXPECT_EQ(1U, RXRING_SQE_CHAIN);
	EXPECT_EQ(2U, RXRING_SQE_DRAIN);
	EXPECT_EQ(1U, RXRING_CQE_EXTENDED);
	EXPECT_EQ(1U, RXRING_RING_DROP);
	EXPECT_EQ(2U, RXRING_RING_NEED_WAKEUP);
	EXPECT_EQ(1U, RXRING_CREATE_INDIRECT);
	EXPECT_EQ(2U, RXRING_CREATE_SQPOLL);
	EXPECT_EQ(4U, RXRING_CREATE_SQ_AFF);
	EXPECT_EQ(8U, RXRING_CREATE_IOPOLL);
	EXPECT_EQ(1000, RXRING_SQ_THREAD_IDLE_DEFAULT);
	EXPECT_EQ(10000, RXRING_SQ_THREAD_IDLE_MAX);
	EXPECT_EQ(1ULL, RXRING_FEAT_EXTENDED_CQE);
	EXPECT_EQ(2ULL, RXRING_FEAT_INDIRECT);
	EXPECT_EQ(4ULL, RXRING_FEAT_PROBE);
	EXPECT_EQ(0x10ULL, RXRING_FEAT_SQPOLL);
	EXPECT_EQ(0x20ULL, RXRING_FEAT_IOPOLL);
	EXPECT_EQ(1U, RXRING_ENTER_ONLY_NOTIFY);
	EXPECT_EQ(2U, RXRING_ENTER_WAKEUP_ON_SQ_AVAIL);
	EXPECT_EQ(4U, RXRING_ENTER_TIMEOUT);
	EXPECT_EQ(1U, RXRING_NOP_RESULT);
	EXPECT_EQ(2U, RXRING_NOP_EXTENDED);
	EXPECT_EQ(1U, RXRING_PROBE_OP_SUPPORTED);

	EXPECT_EQ(0x00000000ULL, RXRING_OFF_SQ_HEADER);
	EXPECT_EQ(0x00200000ULL, RXRING_OFF_SQ_ENTRIES);
	EXPECT_EQ(0x40000000ULL, RXRING_OFF_SQ_ARRAY);
	EXPECT_EQ(0x80000000ULL, RXRING_OFF_CQ_HEADER);
	EXPECT_EQ(0x80200000ULL, RXRING_OFF_CQ_ENTRIES);
	/* The largest regions fit between their offset and the next one. */
	EXPECT_LE(RXRING_OFF_SQ_ENTRIES + 64ULL * RXRING_MAX_SQ_ENTRIES,
		  RXRING_OFF_SQ_ARRAY);
	EXPECT_LE(RXRING_OFF_SQ_ARRAY + 4ULL * RXRING_MAX_SQ_ENTRIES,
		  RXRING_OFF_CQ_HEADER);
	EXPECT_LE(RXRING_OFF_SQ_HEADER + (__u64)rx_page(),
		  RXRING_OFF_SQ_ENTRIES);
	EXPECT_LE(RXRING_OFF_CQ_HEADER + (__u64)rx_page(),
		  RXRING_OFF_CQ_ENTRIES);
}

TEST(opcodes)
{
	static const int want[] = {
		RXRING_OP_NOP, RXRING_OP_READ, RXRING_OP_WRITE,
		RXRING_OP_READV, RXRING_OP_WRITEV, RXRING_OP_FSYNC,
		RXRING_OP_OPEN, RXRING_OP_CLOSE, RXRING_OP_DUP,
		RXRING_OP_SEEK, RXRING_OP_FSTAT, RXRING_OP_MMAP,
		RXRING_OP_MUNMAP, RXRING_OP_WAITPID, RXRING_OP_FUTEX,
		RXRING_OP_TIMEOUT, RXRING_OP_CANCEL,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT_EQ((int)i, want[i]) TH_LOG("opcode index %zu", i);
	}
	EXPECT_EQ(17, RXRING_OP_LAST);
	EXPECT_EQ(128, RXRING_OP_USER_FIRST);
	/* Every opcode fits the one-byte sqe.opcode and probe.ops[]. */
	EXPECT_LE(RXRING_OP_LAST, 64);
}

TEST(ioctl_numbers)
{
	/* _IOWR('\xb8', nr, struct): dir 3 << 30 | size << 16 | 0xb8 << 8 | nr */
	EXPECT_EQ(0xC058B801UL, (unsigned long)RXRING_IOC_CREATE);
	EXPECT_EQ(0xC030B802UL, (unsigned long)RXRING_IOC_ENTER);
	EXPECT_EQ(0xC228B803UL, (unsigned long)RXRING_IOC_PROBE);

	EXPECT_EQ(0xB8, RXRING_IOC_MAGIC);
	EXPECT_EQ((unsigned int)(_IOC_READ | _IOC_WRITE),
		  (unsigned int)_IOC_DIR(RXRING_IOC_CREATE));
	EXPECT_EQ((unsigned int)(_IOC_READ | _IOC_WRITE),
		  (unsigned int)_IOC_DIR(RXRING_IOC_ENTER));
	EXPECT_EQ((unsigned int)(_IOC_READ | _IOC_WRITE),
		  (unsigned int)_IOC_DIR(RXRING_IOC_PROBE));
	EXPECT_EQ(0xB8U, (unsigned int)_IOC_TYPE(RXRING_IOC_CREATE));
	EXPECT_EQ(0xB8U, (unsigned int)_IOC_TYPE(RXRING_IOC_ENTER));
	EXPECT_EQ(0xB8U, (unsigned int)_IOC_TYPE(RXRING_IOC_PROBE));
	EXPECT_EQ(1U, (unsigned int)_IOC_NR(RXRING_IOC_CREATE));
	EXPECT_EQ(2U, (unsigned int)_IOC_NR(RXRING_IOC_ENTER));
	EXPECT_EQ(3U, (unsigned int)_IOC_NR(RXRING_IOC_PROBE));
	EXPECT_EQ(88U, (unsigned int)_IOC_SIZE(RXRING_IOC_CREATE));
	EXPECT_EQ(48U, (unsigned int)_IOC_SIZE(RXRING_IOC_ENTER));
	EXPECT_EQ(552U, (unsigned int)_IOC_SIZE(RXRING_IOC_PROBE));
}

/* ---- what the module reports ---------------------------------------- */

FIXTURE(probe) {
	int fd;
};

FIXTURE_SETUP(probe)
{
	self->fd = rx_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", RX_DEV,
				      strerror(-self->fd));
}

FIXTURE_TEARDOWN(probe)
{
	if (self->fd >= 0)
		close(self->fd);
}

static void check_probe(struct __test_metadata *_metadata,
			const struct rxring_probe *p)
{
	unsigned int i;

	EXPECT_EQ(RXRING_OP_LAST, p->last_op);
	EXPECT_EQ(RXRING_OP_LAST, p->ops_len);
	EXPECT_EQ(0, p->__resv0);
	EXPECT_EQ(0U, p->__resv1);
	EXPECT_EQ(0ULL, p->__resv2[0]);
	EXPECT_EQ(0ULL, p->__resv2[1]);
	/* CHAIN and DRAIN at most; no undefined SQE flag. */
	EXPECT_EQ(0U, p->sqe_flags & ~(RXRING_SQE_CHAIN | RXRING_SQE_DRAIN));
	EXPECT_EQ(RXRING_CREATE_INDIRECT | RXRING_CREATE_SQPOLL |
		  RXRING_CREATE_SQ_AFF | RXRING_CREATE_IOPOLL, p->create_flags);
	EXPECT_EQ(RXRING_ENTER_ONLY_NOTIFY | RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
		  RXRING_ENTER_TIMEOUT, p->enter_flags);
	EXPECT_EQ(RXRING_FEAT_EXTENDED_CQE | RXRING_FEAT_INDIRECT |
		  RXRING_FEAT_PROBE,
		  p->features & (RXRING_FEAT_EXTENDED_CQE |
				 RXRING_FEAT_INDIRECT | RXRING_FEAT_PROBE));
	for (i = 0; i < RXRING_OP_LAST; i++) {
		EXPECT_EQ(i, p->ops[i].op) TH_LOG("ops[%u]", i);
		EXPECT_EQ(0, p->ops[i].__resv0) TH_LOG("ops[%u]", i);
		EXPECT_EQ(0U, p->ops[i].flags & ~RXRING_PROBE_OP_SUPPORTED)
			TH_LOG("ops[%u]", i);
	}
	EXPECT_EQ(RXRING_PROBE_OP_SUPPORTED,
		  p->ops[RXRING_OP_NOP].flags & RXRING_PROBE_OP_SUPPORTED);
	EXPECT_EQ(RXRING_NOP_RESULT | RXRING_NOP_EXTENDED,
		  p->ops[RXRING_OP_NOP].syscall_flags);
}

TEST_F(probe, before_create)
{
	struct rxring_probe p;

	ASSERT_EQ(0, rx_probe(self->fd, &p));
	check_probe(_metadata, &p);
}

TEST_F(probe, after_create_same_record)
{
	struct rxring_probe before, after;
	struct rxring_create c;

	ASSERT_EQ(0, rx_probe(self->fd, &before));
	rx_create_init(&c, 8, 0, 0);
	ASSERT_EQ(0, rx_create(self->fd, &c));
	ASSERT_EQ(0, rx_probe(self->fd, &after));
	check_probe(_metadata, &after);
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	/* CREATE reports the same features and the module's version. */
	EXPECT_EQ(after.features, c.features);
	EXPECT_EQ(RXRING_VERSION_MINOR, c.version_minor);
	EXPECT_EQ(RXRING_VERSION_PATCH, c.version_patch);
}

TEST_F(probe, same_on_every_instance)
{
	struct rxring_probe a, b;
	int fd2 = rx_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rx_probe(self->fd, &a));
	ASSERT_EQ(0, rx_probe(fd2, &b));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	close(fd2);
}

TEST_F(probe, nonzero_input_einval)
{
	static const size_t offs[] = {
		offsetof(struct rxring_probe, last_op),
		offsetof(struct rxring_probe, ops_len),
		offsetof(struct rxring_probe, sqe_flags),
		offsetof(struct rxring_probe, __resv0),
		offsetof(struct rxring_probe, create_flags),
		offsetof(struct rxring_probe, enter_flags),
		offsetof(struct rxring_probe, __resv1),
		offsetof(struct rxring_probe, features),
		offsetof(struct rxring_probe, __resv2),
		offsetof(struct rxring_probe, __resv2) + 8,
		offsetof(struct rxring_probe, ops),
		offsetof(struct rxring_probe, ops) + 7,
		offsetof(struct rxring_probe, ops[RXRING_OP_LAST]),
		sizeof(struct rxring_probe) - 1,
	};
	struct rxring_probe p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		memset(&p, 0, sizeof(p));
		((unsigned char *)&p)[offs[i]] = 1;
		EXPECT_EQ(-EINVAL, rx_ioctl(self->fd, RXRING_IOC_PROBE, &p))
			TH_LOG("non-zero byte at %zu", offs[i]);
	}
	/* Still fine with a zero record afterwards. */
	EXPECT_EQ(0, rx_probe(self->fd, &p));
}

TEST_F(probe, bad_pointer_efault)
{
	void *hole = rx_unmapped_page();

	EXPECT_EQ(-EFAULT, rx_ioctl(self->fd, RXRING_IOC_PROBE, NULL));
	ASSERT_NE(NULL, hole);
	EXPECT_EQ(-EFAULT, rx_ioctl(self->fd, RXRING_IOC_PROBE, hole));
}

TEST_HARNESS_MAIN
