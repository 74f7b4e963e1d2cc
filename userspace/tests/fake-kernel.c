// SPDX-License-Identifier: MIT
/*
 * A user-space model of the rxring module for host-only tests; see
 * fake-kernel.h. It follows docs/abi.md; where it has to guess it errs on the
 * strict side so that library bugs show up here rather than in the VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "fake-kernel.h"

int __real_open(const char *path, int flags, ...);
int __real_close(int fd);
int __real_ioctl(int fd, unsigned long req, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __real_munmap(void *addr, size_t len);

int __wrap_open(const char *path, int flags, ...);
int __wrap_close(int fd);
int __wrap_ioctl(int fd, unsigned long req, ...);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __wrap_munmap(void *addr, size_t len);

struct fake_knobs fake_knobs;
struct fake_stats fake_stats;

#define FAKE_PAGE	4096UL
#define FAKE_MAX	16
#define NR_REGIONS	5

static const __u64 region_off[NR_REGIONS] = {
	RXRING_OFF_SQ_HEADER, RXRING_OFF_SQ_ENTRIES, RXRING_OFF_SQ_ARRAY,
	RXRING_OFF_CQ_HEADER, RXRING_OFF_CQ_ENTRIES,
};

struct fake_result {
	__u64 user_data;
	__s64 status;
	__u64 extra;
	bool extended;
};

struct fake_inst {
	bool used;		/* slot in use (open or still mapped) */
	bool open;
	int fd;
	bool created;
	struct rxring_create p;
	void *region[NR_REGIONS];
	size_t size[NR_REGIONS];
	int maps[NR_REGIONS];
	struct rxring_ring_header *sqh, *cqh;
	struct rxring_sqe *sqes;
	__u32 *array;
	struct rxring_cqe *cqes;
	__u64 sq_head;		/* kernel copies of the indices it owns */
	__u64 cq_tail;
	struct fake_result *pending;	/* deferred completions */
	unsigned int npending;
};

static struct fake_inst insts[FAKE_MAX];
static bool env_done;

static void fake_env(void)
{
	const char *s;

	if (env_done)
		return;
	env_done = true;
	s = getenv("RXRING_FAKE_DEFER");
	if (s && *s == '1')
		fake_knobs.defer = true;
	s = getenv("RXRING_FAKE_READ");
	if (s && *s == '1')
		fake_knobs.read = true;
	s = getenv("RXRING_FAKE_MAX_TAKE");
	if (s)
		fake_knobs.max_take = (unsigned int)strtoul(s, NULL, 0);
}

static __attribute__((noreturn, format(printf, 1, 2)))
void fake_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fake-kernel: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

static struct fake_inst *fake_find(int fd)
{
	int i;

	for (i = 0; i < FAKE_MAX; i++)
		if (insts[i].used && insts[i].open && insts[i].fd == fd)
			return &insts[i];
	return NULL;
}

int fake_live_instances(void)
{
	int i, n = 0;

	for (i = 0; i < FAKE_MAX; i++)
		n += insts[i].used && insts[i].open;
	return n;
}

int fake_live_mappings(void)
{
	int i, r, n = 0;

	for (i = 0; i < FAKE_MAX; i++)
		for (r = 0; r < NR_REGIONS; r++)
			n += insts[i].maps[r];
	return n;
}

__u64 fake_dropped(int fd)
{
	struct fake_inst *in = fake_find(fd);

	return in && in->created ? in->sqh->dropped : 0;
}

static void fake_release(struct fake_inst *in)
{
	int r;

	if (in->open)
		return;
	for (r = 0; r < NR_REGIONS; r++)
		if (in->maps[r])
			return;
	for (r = 0; r < NR_REGIONS; r++)
		if (in->region[r])
			__real_munmap(in->region[r], in->size[r]);
	free(in->pending);
	memset(in, 0, sizeof(*in));
}

/* ---- open / close ---- */

int __wrap_open(const char *path, int flags, ...)
{
	struct fake_inst *in = NULL;
	mode_t mode = 0;
	int i, fd;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (strcmp(path, "/dev/rxring"))
		return __real_open(path, flags, mode);

	fake_env();
	fake_stats.opens++;
	fake_stats.last_open_flags = flags;
	if (fake_knobs.fail_open) {
		errno = fake_knobs.fail_open;
		fake_knobs.fail_open = 0;
		return -1;
	}
	if ((flags & O_ACCMODE) != O_RDWR)
		fake_die("/dev/rxring opened without O_RDWR\n");
	for (i = 0; i < FAKE_MAX; i++) {
		if (!insts[i].used) {
			in = &insts[i];
			break;
		}
	}
	if (!in) {
		errno = EMFILE;
		return -1;
	}
	fd = __real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC));
	if (fd < 0)
		return -1;
	memset(in, 0, sizeof(*in));
	in->used = true;
	in->open = true;
	in->fd = fd;
	return fd;
}

int __wrap_close(int fd)
{
	struct fake_inst *in = fake_find(fd);

	if (in) {
		fake_stats.closes++;
		if (in->created) {
			in->sqh->status |= RXRING_RING_DROP;
			in->cqh->status |= RXRING_RING_DROP;
		}
		in->open = false;
		fake_release(in);
	}
	return __real_close(fd);
}

/* ---- CREATE ---- */

static bool is_pow2(__u32 v)
{
	return v && !(v & (v - 1));
}

static size_t page_round(size_t n)
{
	return (n + FAKE_PAGE - 1) & ~(FAKE_PAGE - 1);
}

static int fake_create(struct fake_inst *in, struct rxring_create *p)
{
	struct rxring_ring_header *h;
	int r;

	if (in->created)
		return -EBUSY;
	if (p->version_major != RXRING_VERSION_MAJOR || p->__resv0 ||
	    p->__resv1 || p->__resv2[0] || p->__resv2[1] ||
	    (p->flags & ~RXRING_CREATE_INDIRECT) ||
	    p->size != sizeof(*p) || !is_pow2(p->sq_entries) ||
	    p->sq_entries > RXRING_MAX_SQ_ENTRIES)
		return -EINVAL;
	if (p->cq_entries && (!is_pow2(p->cq_entries) || p->cq_entries < 2 ||
			      p->cq_entries > RXRING_MAX_CQ_ENTRIES))
		return -EINVAL;
	if (p->features || p->sq_header_size || p->sq_entries_size ||
	    p->sq_array_size || p->cq_header_size || p->cq_entries_size)
		return -EINVAL;

	if (!p->cq_entries)
		p->cq_entries = 2 * p->sq_entries;
	p->version_minor = RXRING_VERSION_MINOR;
	p->version_patch = RXRING_VERSION_PATCH;
	p->features = RXRING_FEAT_EXTENDED_CQE | RXRING_FEAT_INDIRECT |
		      RXRING_FEAT_PROBE;
	p->sq_header_size = FAKE_PAGE;
	p->sq_entries_size = page_round(p->sq_entries *
					sizeof(struct rxring_sqe));
	p->sq_array_size = (p->flags & RXRING_CREATE_INDIRECT) ?
			   page_round(p->sq_entries * sizeof(__u32)) : 0;
	p->cq_header_size = FAKE_PAGE;
	p->cq_entries_size = page_round(p->cq_entries *
					sizeof(struct rxring_cqe));

	in->size[0] = p->sq_header_size;
	in->size[1] = p->sq_entries_size;
	in->size[2] = p->sq_array_size;
	in->size[3] = p->cq_header_size;
	in->size[4] = p->cq_entries_size;
	for (r = 0; r < NR_REGIONS; r++) {
		if (!in->size[r])
			continue;
		in->region[r] = __real_mmap(NULL, in->size[r],
					    PROT_READ | PROT_WRITE,
					    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (in->region[r] == MAP_FAILED)
			fake_die("out of memory\n");
	}
	in->sqh = in->region[0];
	in->sqes = in->region[1];
	in->array = in->region[2];
	in->cqh = in->region[3];
	in->cqes = in->region[4];
	/* Garbage in the SQEs, so a library that skips a field is caught. */
	memset(in->sqes, 0x5a, in->size[1]);
	memset(in->cqes, 0xa5, in->size[4]);
	if (in->array)
		memset(in->array, 0xff, in->size[2]);

	in->pending = calloc(p->cq_entries, sizeof(*in->pending));
	if (!in->pending)
		fake_die("out of memory\n");

	in->sq_head = in->cq_tail = fake_knobs.start_index;
	h = in->sqh;
	h->head = h->tail = fake_knobs.start_index;
	h = in->cqh;
	h->head = h->tail = fake_knobs.start_index;

	in->p = *p;
	in->created = true;
	fake_stats.creates++;
	return 0;
}

/* ---- PROBE ---- */

static int fake_probe(struct rxring_probe *pr)
{
	const unsigned char *b = (const unsigned char *)pr;
	size_t i;

	for (i = 0; i < sizeof(*pr); i++)
		if (b[i])
			return -EINVAL;
	pr->last_op = RXRING_OP_LAST;
	pr->ops_len = RXRING_OP_LAST;
	pr->sqe_flags = 0;
	pr->create_flags = RXRING_CREATE_INDIRECT;
	pr->enter_flags = RXRING_ENTER_ONLY_NOTIFY |
			  RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
			  RXRING_ENTER_TIMEOUT;
	pr->features = RXRING_FEAT_EXTENDED_CQE | RXRING_FEAT_INDIRECT |
		       RXRING_FEAT_PROBE;
	for (i = 0; i < RXRING_OP_LAST; i++) {
		pr->ops[i].op = (__u8)i;
		if (i == RXRING_OP_NOP) {
			pr->ops[i].flags = RXRING_PROBE_OP_SUPPORTED;
			pr->ops[i].syscall_flags = RXRING_NOP_RESULT |
						   RXRING_NOP_EXTENDED;
		}
		if (i == RXRING_OP_READ && fake_knobs.read)
			pr->ops[i].flags = RXRING_PROBE_OP_SUPPORTED;
	}
	return 0;
}

/* ---- ENTER ---- */

/* CQ slots in use as the kernel sees them; a bogus head means "full". */
static __u64 cq_used(struct fake_inst *in)
{
	__u64 head = __atomic_load_n(&in->cqh->head, __ATOMIC_ACQUIRE);
	__u64 used = in->cq_tail - head;

	return used > in->p.cq_entries ? in->p.cq_entries : used;
}

static void fake_post(struct fake_inst *in, const struct fake_result *res)
{
	__u32 mask = in->p.cq_entries - 1;

	if (!res->extended && res->status >= INT32_MIN &&
	    res->status <= INT32_MAX) {
		struct rxring_cqe *cqe = &in->cqes[in->cq_tail & mask];

		cqe->user_data = res->user_data;
		cqe->status = (__s32)res->status;
		cqe->flags = 0;
		in->cq_tail += 1;
	} else {
		struct rxring_cqe_ext_hi *hi;
		struct rxring_cqe_ext_lo *lo;

		hi = (void *)&in->cqes[in->cq_tail & mask];
		lo = (void *)&in->cqes[(in->cq_tail + 1) & mask];
		hi->user_data = res->user_data;
		hi->flags_hi = 0;
		hi->flags = RXRING_CQE_EXTENDED;
		lo->status = res->status;
		lo->extra = res->extra;
		in->cq_tail += 2;
	}
	if (in->cq_tail - __atomic_load_n(&in->cqh->head, __ATOMIC_RELAXED) >
	    in->p.cq_entries)
		fake_die("CQ overflow: the reservation rule is broken\n");
	__atomic_store_n(&in->cqh->tail, in->cq_tail, __ATOMIC_RELEASE);
}

static void fake_exec(const struct rxring_sqe *sqe, struct fake_result *res)
{
	__u32 sf = sqe->syscall_flags;

	memset(res, 0, sizeof(*res));
	res->user_data = sqe->user_data;
	if (sqe->opcode >= RXRING_OP_LAST || sqe->flags) {
		res->status = -EINVAL;
		return;
	}
	if (sqe->opcode == RXRING_OP_READ && fake_knobs.read) {
		ssize_t n;

		if (sf || sqe->additional1 || sqe->additional2 ||
		    sqe->fd > INT32_MAX) {
			res->status = -EINVAL;
			return;
		}
		n = pread((int)sqe->fd, (void *)(uintptr_t)sqe->addr,
			  (size_t)sqe->len, (off_t)sqe->offset);
		res->status = n < 0 ? -errno : n;
		return;
	}
	if (sqe->opcode != RXRING_OP_NOP) {
		res->status = -EOPNOTSUPP;
		return;
	}
	if (sqe->fd || sqe->len || sqe->addr || sqe->additional2 ||
	    (sf & ~(RXRING_NOP_RESULT | RXRING_NOP_EXTENDED)) ||
	    (!(sf & RXRING_NOP_EXTENDED) && sqe->additional1) ||
	    (!(sf & RXRING_NOP_RESULT) && sqe->offset)) {
		res->status = -EINVAL;
		return;
	}
	res->status = (sf & RXRING_NOP_RESULT) ? (__s64)sqe->offset : 0;
	if (sf & RXRING_NOP_EXTENDED) {
		res->extended = true;
		res->extra = sqe->additional1;
	}
}

static int fake_enter(struct fake_inst *in, struct rxring_enter *e)
{
	const __u32 known = RXRING_ENTER_ONLY_NOTIFY |
			    RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
			    RXRING_ENTER_TIMEOUT;
	__u32 sq_mask = in->p.sq_entries - 1;
	__u64 tail, filled;
	unsigned int taken = 0, i;

	fake_stats.enters++;
	if ((e->flags & ~known) || e->__resv0 || e->__resv1 ||
	    e->__resv2[0] || e->__resv2[1] || e->submitted)
		return -EINVAL;
	if ((e->flags & RXRING_ENTER_TIMEOUT) ? e->timeout_ns < 0 :
						e->timeout_ns != 0)
		return -EINVAL;
	if (e->min_complete > in->p.cq_entries)
		return -EINVAL;
	if (e->flags & RXRING_ENTER_ONLY_NOTIFY) {
		if (e->to_submit || e->min_complete)
			return -EINVAL;
		return (int)cq_used(in);
	}

	tail = __atomic_load_n(&in->sqh->tail, __ATOMIC_ACQUIRE);
	if (tail - in->sq_head > in->p.sq_entries)
		return -EINVAL;

	while (taken < e->to_submit && in->sq_head != tail) {
		struct rxring_sqe sqe;
		struct fake_result res;
		__u32 idx;

		if (fake_knobs.max_take && taken >= fake_knobs.max_take)
			break;
		/* Room for an extended pair beyond what is in flight. */
		if (in->p.cq_entries - cq_used(in) < 2 * in->npending + 2)
			break;
		idx = in->sq_head & sq_mask;
		if (in->array) {
			idx = __atomic_load_n(&in->array[idx],
					      __ATOMIC_RELAXED);
			if (idx >= in->p.sq_entries) {
				in->sqh->dropped++;
				in->sq_head++;
				taken++;
				continue;
			}
		}
		memcpy(&sqe, &in->sqes[idx], sizeof(sqe));
		in->sq_head++;
		taken++;
		fake_exec(&sqe, &res);
		if (fake_knobs.defer)
			in->pending[in->npending++] = res;
		else
			fake_post(in, &res);
	}
	__atomic_store_n(&in->sqh->head, in->sq_head, __ATOMIC_RELEASE);
	e->submitted = taken;

	if (e->min_complete && cq_used(in) < e->min_complete) {
		if (fake_knobs.eintr_next) {
			fake_knobs.eintr_next = 0;
			if (!taken)
				return -EINTR;
			return (int)cq_used(in);
		}
		/* "Time passes": whatever is in flight completes. */
		for (i = 0; i < in->npending; i++)
			fake_post(in, &in->pending[i]);
		in->npending = 0;
	}
	filled = cq_used(in);
	if (filled < e->min_complete) {
		if (taken)
			return (int)filled;
		if (e->flags & RXRING_ENTER_TIMEOUT)
			return -ETIME;
		fake_die("ENTER would wait forever (min_complete %u, "
			 "%llu filled, nothing in flight)\n", e->min_complete,
			 (unsigned long long)filled);
	}
	return (int)filled;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	struct fake_inst *in;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);

	in = fake_find(fd);
	if (!in)
		return __real_ioctl(fd, req, arg);

	switch (req) {
	case RXRING_IOC_CREATE:
		ret = fake_create(in, arg);
		break;
	case RXRING_IOC_PROBE:
		ret = fake_probe(arg);
		break;
	case RXRING_IOC_ENTER:
		ret = in->created ? fake_enter(in, arg) : -ENXIO;
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

/* ---- mmap / munmap ---- */

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	struct fake_inst *in = fake_find(fd);
	int r;

	if (!in || (flags & MAP_ANONYMOUS))
		return __real_mmap(addr, len, prot, flags, fd, off);

	fake_stats.maps++;
	fake_stats.last_mmap_flags = flags;
	fake_stats.last_mmap_prot = prot;
	if (fake_knobs.fail_mmap_nth && !--fake_knobs.fail_mmap_nth) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	if (!in->created) {
		errno = ENXIO;
		return MAP_FAILED;
	}
	if ((flags & MAP_TYPE) != MAP_SHARED) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (prot & PROT_EXEC) {
		errno = EPERM;
		return MAP_FAILED;
	}
	for (r = 0; r < NR_REGIONS; r++) {
		if ((__u64)off != region_off[r])
			continue;
		if (!in->size[r] || !len || len > in->size[r] ||
		    in->maps[r]) {
			errno = EINVAL;
			return MAP_FAILED;
		}
		in->maps[r]++;
		return in->region[r];
	}
	errno = EINVAL;
	return MAP_FAILED;
}

int __wrap_munmap(void *addr, size_t len)
{
	int i, r;

	for (i = 0; i < FAKE_MAX; i++) {
		struct fake_inst *in = &insts[i];

		if (!in->used)
			continue;
		for (r = 0; r < NR_REGIONS; r++) {
			if (in->region[r] != addr || !in->maps[r])
				continue;
			if (len != in->size[r])
				fake_die("munmap of region %d with length %zu,"
					 " mapped %zu\n", r, len, in->size[r]);
			fake_stats.unmaps++;
			in->maps[r]--;
			fake_release(in);
			return 0;
		}
	}
	return __real_munmap(addr, len);
}
