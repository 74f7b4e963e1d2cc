// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: random and mutated SQEs, ENTER arguments and ring indices.
 *
 *  - sqes: rings of random sizes (direct and INDIRECT) get batches of SQEs
 *    over every opcode (and invalid ones), every SQE flag and every field,
 *    each built from a sensible template and then mutated (random values,
 *    boundary values, bit flips), with random ENTER arguments, random
 *    CANCELs of recent user_data, TIMEOUTs, out-of-range INDIRECT indices,
 *    garbage SQ tails and CQ heads now and then, and a second thread that
 *    polls the instance, wakes futexes and calls ENTER ONLY_NOTIFY.
 *    Checked throughout: every SQE the kernel consumes completes exactly
 *    once (a CQE or one extended pair; user_data -> count), an index the
 *    kernel drops never completes and is counted in `dropped`, completions
 *    carry only defined flags and real errno values, NOPs complete as the
 *    NOP rules say, ENTER fails only cleanly and never takes SQEs when it
 *    fails, and nothing stalls.
 *  - hostile_indices: a second thread writes garbage into the SQ tail, the
 *    CQ head, the index array and the SQEs while the main thread enters;
 *    the kernel must neither crash nor hang, and after the indices are
 *    restored the ring works exactly.
 *
 * Safety of the guest and of the fuzzer itself: a mutated SQE is made safe
 * before it is submitted, per opcode, so it can only touch a sandbox:
 *  - fds: sandbox descriptors (numbers FZ_SB_FD..; files in a tmpfs
 *    directory, pipes, a socket pair, an eventfd, a memfd, /dev/null,
 *    /dev/zero, a spare rxring instance, a memory-backed null_blk device
 *    made through configfs for this test, a file on ext4 on another one
 *    whose I/O takes 100 us, buffered and O_DIRECT), numbers that cannot be open
 *    (>= 1024 and > INT_MAX) -- never the ring, stdio or the fuzzer's
 *    own descriptors. CLOSEd sandbox fds are restored after each batch from
 *    masters that no SQE names; fds OPEN and DUP return are closed.
 *  - memory the kernel writes (READ buffers, FSTAT records) and MMAP
 *    MAP_FIXED / MUNMAP ranges: a data zone between PROT_NONE guards,
 *    remapped after each batch that changed it; addresses that can never be
 *    mapped (NULL page, kernel and non-canonical addresses) as bad ones.
 *    The sandbox sits at a fixed address no mapping of the fuzzer's own
 *    can be placed at, holes or not (sb_reserve()).
 *    Paths and iovec arrays live in a control zone no operation writes.
 *  - OPEN: only the sandbox directory tree (plus /dev/null, /dev/zero and
 *    /dev/rxring); WRITE: only sandbox files (the ext4 one too), pipes,
 *    sockets and the null_blk device; file sizes are trimmed after each batch.
 *  - operations that wait get bounded waits so CHAIN and DRAIN can never
 *    hold the ring for long: FUTEX waits time out within 20 ms, TIMEOUTs
 *    expire within 20 ms, pipes and sockets are pumped, and while a WAITPID
 *    is outstanding the fuzzer keeps short-lived children around.
 *
 * Seeded and reproducible: the seed is printed; RXRING_FUZZ_SEED=N replays
 * the same SQE stream (timing-dependent outcomes may differ).
 * RXRING_FUZZ_SQES=N sets how many SQEs the sqes test consumes (default
 * 500000, 30000 under the debug kernel, RXRING_LANE=debug), shared among
 * RXRING_FUZZ_JOBS forked workers (default one per CPU, at most 4; worker
 * i uses seed + i); RXRING_FUZZ_SECS caps its time (default 230, debug
 * 700). Totals are printed as TAP comments.
 */
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "harness.h"
#include "rwutil.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef O_TMPFILE
#define O_TMPFILE		(020000000 | O_DIRECTORY)
#endif

/* ---- random numbers: xoshiro256**, seeded by splitmix64 ---------------- */

static __u64 rng[4];

static __u64 splitmix(__u64 *x)
{
	__u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rnd_seed(__u64 seed)
{
	int i;

	for (i = 0; i < 4; i++)
		rng[i] = splitmix(&seed);
}

static inline __u64 rotl(__u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static __u64 rnd(void)
{
	__u64 r = rotl(rng[1] * 5, 7) * 9, t = rng[1] << 17;

	rng[2] ^= rng[0];
	rng[3] ^= rng[1];
	rng[1] ^= rng[2];
	rng[0] ^= rng[3];
	rng[2] ^= t;
	rng[3] = rotl(rng[3], 45);
	return r;
}

/* 0 .. n - 1 (n > 0) */
static __u64 below(__u64 n)
{
	return n ? rnd() % n : 0;
}

/* true with probability pm / 1000 */
static bool chance(unsigned int pm)
{
	return below(1000) < pm;
}

static __u64 env_u64(const char *name, __u64 dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static bool debug_lane(void)
{
	const char *v = getenv("RXRING_LANE");

	return v && !strcmp(v, "debug");
}

static __u64 base_seed(void)
{
	const char *v = getenv("RXRING_FUZZ_SEED");
	__u64 s;

	if (v && *v)
		return strtoull(v, NULL, 0);
	s = (__u64)rx_now_ns() ^ ((__u64)getpid() << 32);
	return splitmix(&s);
}

/* ---- the address-space log ---------------------------------------------- */

/*
 * The last FZ_ASLOG events that changed, or could have changed, this
 * worker's mappings: MMAP and MUNMAP SQEs as queued and as completed, the
 * fuzzer's own munmaps and data zone resets, each ring's mappings, and
 * teardowns that abandoned operations. A failing or faulting worker prints
 * them beside its ring's addresses and /proc/self/maps.
 */
enum { AS_QUEUED, AS_DONE, AS_OWN_UNMAP, AS_RESET, AS_RING, AS_ABANDON };

struct as_event {
	unsigned long long seq;
	__u64 addr, len, ud;
	__s64 res;
	__u32 flags;
	__u8 kind, op;
};

#define FZ_ASLOG	256

static struct as_event as_log[FZ_ASLOG];
static unsigned long long as_seq;
static const struct rx *as_ring;	/* the worker's ring, for a dump */

static void as_note(__u8 kind, __u8 op, __u64 addr, __u64 len, __u32 flags,
		    __s64 res, __u64 ud)
{
	as_log[as_seq % FZ_ASLOG] = (struct as_event){
		.seq = as_seq, .addr = addr, .len = len, .ud = ud, .res = res,
		.flags = flags, .kind = kind, .op = op,
	};
	as_seq++;
}

/* ---- the sandbox --------------------------------------------------------- */

#define FZ_SB_FD	600	/* sandbox fds: FZ_SB_FD + i */
#define FZ_MASTER_FD	900	/* their masters: FZ_MASTER_FD + i */
#define FZ_NSB		24

#define FZ_GUARD	(1UL << 20)
#define FZ_DATA		(8UL << 20)
#define FZ_CTL		(256UL << 10)

#define FZ_NPATH	24
#define FZ_PATH_SLOT	256
#define FZ_LONG_PATH	(64UL << 10)	/* offset in the control zone */
#define FZ_IOV		(128UL << 10)	/* offset in the control zone */
#define FZ_NIOV		1100

enum { SB_REG, SB_DIR, SB_PIPE_R, SB_PIPE_W, SB_SOCK, SB_EVENT, SB_DEV,
       SB_RXRING, SB_BLK, SB_OTHER };

struct sandbox {
	char dir[64];			/* /tmp/rxfuzz.XXXXXX */
	struct rw_nullb nullb;		/* ours, through configfs */
	struct rw_nullb ext4_nb;	/* under the ext4 file system */
	char ext4_dir[64];		/* its mount point, or "" */
	int nsb;
	int kind[FZ_NSB];
	int pump_rd[4], pump_wr[4];	/* other ends of pipes and sockets */
	int npump_rd, npump_wr;
	int evfd;			/* master eventfd number */
	char *mem;			/* the whole reservation */
	size_t mem_len;
	char *data, *data_end;		/* the data zone */
	char *ctl;			/* the control zone */
	char *ro_page;			/* read-only page (ENTER record) */
	unsigned int npaths;
	unsigned int path_len[FZ_NPATH];
	bool blk;			/* a null_blk device is in the sandbox */
	bool ext4;			/* so is a file on ext4 */
	bool pollgate;			/* pipes/sockets made O_NONBLOCK */
};

static struct sandbox sb;

static int sb_fd(int i)
{
	return FZ_SB_FD + i;
}

/* Move fd to master slot i and sandbox slot i. */
static int sb_add(int fd, int kind)
{
	int i = sb.nsb;

	if (fd < 0 || i >= FZ_NSB)
		return -1;
	if (dup2(fd, FZ_MASTER_FD + i) < 0 || dup2(fd, sb_fd(i)) < 0)
		return -1;
	close(fd);
	sb.kind[i] = kind;
	sb.nsb++;
	return 0;
}

/* A memory-backed null_blk device of our own, through configfs. */
static void sb_nullb(void)
{
	char name[32];

	snprintf(name, sizeof(name), "rxfuzz%d", getpid());
	/* Timer completions after 100 us: bios are in flight for a while. */
	if (rw_nullb_create(&sb.nullb, name, 16, 512, 2, 100000, true, NULL))
		return;
	if (sb_add(open(sb.nullb.dev, O_RDWR | O_DIRECT), SB_BLK) ||
	    sb_add(open(sb.nullb.dev, O_RDWR), SB_BLK))
		return;
	sb.blk = true;
}

/*
 * A file on ext4 on a memory-backed null_blk whose I/O takes 100 us, open
 * buffered and O_DIRECT: its reads wait for pages, its writes and FSYNCs
 * for workers, its O_DIRECT I/O goes through the file system's kiocbs.
 */
static void sb_ext4(void)
{
	static const char data[4096] = "rxring fuzz ext4";
	char name[32], cmd[160];
	int fd, i;

	if (access("/usr/sbin/mkfs.ext4", X_OK) &&
	    access("/sbin/mkfs.ext4", X_OK))
		return;
	snprintf(name, sizeof(name), "rxfz4%d", getpid());
	if (rw_nullb_create(&sb.ext4_nb, name, 32, 512, 2, 100000, true, NULL))
		return;
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1",
		 sb.ext4_nb.dev);
	snprintf(sb.ext4_dir, sizeof(sb.ext4_dir), "/tmp/rxfz4.%d", getpid());
	if (rw_system(cmd) || mkdir(sb.ext4_dir, 0700) ||
	    mount(sb.ext4_nb.dev, sb.ext4_dir, "ext4", 0, NULL)) {
		rmdir(sb.ext4_dir);
		sb.ext4_dir[0] = 0;
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/e", sb.ext4_dir);
	fd = open(cmd, O_RDWR | O_CREAT, 0644);
	for (i = 0; fd >= 0 && i < 16; i++)
		if (write(fd, data, sizeof(data)) != sizeof(data))
			break;
	if (fd < 0 || i < 16 || fsync(fd))
		return;
	close(fd);
	if (sb_add(open(cmd, O_RDWR), SB_REG) ||
	    sb_add(open(cmd, O_RDWR | O_DIRECT), SB_REG))
		return;
	sb.ext4 = true;
}

/* Close what is still open on the ext4 file system, unmount it. */
static void sb_ext4_fini(void)
{
	char link[128], path[300];
	struct dirent *e;
	size_t n;
	DIR *d;

	if (!sb.ext4_dir[0])
		goto out;
	/* fds of abandoned OPENs and DUPs: nobody knows their numbers. */
	n = strlen(sb.ext4_dir);
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (!strncmp(link, sb.ext4_dir, n) && link[n] == '/')
			close(atoi(e->d_name));
	}
	if (d)
		closedir(d);
	if (umount(sb.ext4_dir))
		umount2(sb.ext4_dir, MNT_DETACH);
	rmdir(sb.ext4_dir);
	sb.ext4_dir[0] = 0;
out:
	rw_nullb_destroy(&sb.ext4_nb);
}

/*
 * Does the file take RWF_NOWAIT (FMODE_NOWAIT)? 6.1's pipes and sockets do
 * not; rxring then waits for them with poll() and does blocking I/O once
 * poll() says ready (RXRING_RW_POLLGATE in module/rw.c), which can block
 * ENTER or the deferred worker for good (a write larger than the room
 * poll() promised, or a racing reader). Until that is fixed such files go
 * into the sandbox as O_NONBLOCK (they never wait then).
 */
static bool nowait_ok(int fd)
{
	char c;
	struct iovec iov = { &c, 1 };

	return !(preadv2(fd, &iov, 1, -1, RWF_NOWAIT) < 0 &&
		 errno == EOPNOTSUPP);
}

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/*
 * The pump's own end of a sandbox pipe: a new open file description of the
 * same pipe (opened through /proc, as a FIFO is), O_NONBLOCK without
 * making the sandbox's end non-blocking.
 */
static int reopen_nonblock(int fd, int mode)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, mode | O_NONBLOCK | O_CLOEXEC);
}

static void add_path(const char *s)
{
	size_t n = strlen(s);

	if (sb.npaths >= FZ_NPATH || n >= FZ_PATH_SLOT)
		return;
	memcpy(sb.ctl + sb.npaths * FZ_PATH_SLOT, s, n);
	sb.path_len[sb.npaths++] = n;
}

/* Everything the fuzzer may touch. Returns NULL or what failed. */
/*
 * Where the sandbox's memory lives, and why nothing of the fuzzer's own is
 * ever mapped inside it.
 *
 * Fuzzed MUNMAPs and MAP_FIXED MMAPs punch holes in the data zone, and a
 * hole stays open until the next reset: for good when the MUNMAP's
 * completion was abandoned with its ring, so that nothing knew of it. The
 * kernel puts a mapping made without an address hint into the highest free
 * gap below mmap_base that fits (the usual top-down layout), or the lowest
 * one above it (the legacy layout, taken when RLIMIT_STACK is unlimited).
 * A sandbox reserved by mmap(NULL) sits just below the libraries, so a hole
 * in it was the highest gap: the next ring's SQ header was mapped into it,
 * and the next reset (zero pages, MAP_FIXED) or a fuzzed MUNMAP took it
 * away under the fuzzer. That was issue 19's "SQ head 0 outside [168, 176]"
 * and the SIGSEGVs reading the SQ header; the kernel kept its own pages
 * and was right throughout.
 *
 * So the sandbox is reserved at a fixed address (MAP_FIXED_NOREPLACE)
 * between 16 and 24 TiB: above the 4 GiB that MAP_32BIT allocates from,
 * below the legacy layout's mmap_base (TASK_SIZE / 3, about 42 TiB on
 * x86-64) and with some 100 TiB of free space between it and the
 * libraries. A mapping without a hint never reaches it in either layout,
 * whatever holes it has; only a mapping asked for at an address inside it
 * can land there, and the only such are fuzzed MMAPs, whose results there
 * the next reset covers. ring_setup() checks it all the same.
 */
#define FZ_SB_BASE	(16ULL << 40)

static char *sb_reserve(size_t len)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		void *want = (void *)(uintptr_t)(FZ_SB_BASE + ((__u64)i << 40));
		void *p = mmap(want, len, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			       MAP_FIXED_NOREPLACE, -1, 0);

		if (p == want)
			return p;
		if (p != MAP_FAILED)	/* a kernel without NOREPLACE */
			munmap(p, len);
	}
	return MAP_FAILED;
}

static const char *sb_init(void)
{
	static const char data[4096] = "rxring fuzz";
	char path[128];
	int fds[2], fd, i;
	struct rxring_create cr;

	memset(&sb, 0, sizeof(sb));
	sb.evfd = -1;
	snprintf(sb.dir, sizeof(sb.dir), "/tmp/rxfuzz.XXXXXX");
	if (!mkdtemp(sb.dir))
		return "mkdtemp";
	snprintf(path, sizeof(path), "%s/d1", sb.dir);
	if (mkdir(path, 0755))
		return "mkdir d1";
	snprintf(path, sizeof(path), "%s/d1/d2", sb.dir);
	if (mkdir(path, 0755) || chdir(path))
		return "mkdir d2";
	if (mkdir("sub", 0755))
		return "mkdir sub";
	fd = open("a", O_RDWR | O_CREAT, 0644);
	if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data))
		return "file a";
	close(fd);

	/* Memory: guard, data, guard, control, guard, read-only page. */
	sb.mem_len = 3 * FZ_GUARD + FZ_DATA + FZ_CTL + rx_page();
	sb.mem = sb_reserve(sb.mem_len);
	if (sb.mem == MAP_FAILED)
		return "mmap";
	sb.data = sb.mem + FZ_GUARD;
	sb.data_end = sb.data + FZ_DATA;
	sb.ctl = sb.data_end + FZ_GUARD;
	sb.ro_page = sb.ctl + FZ_CTL + FZ_GUARD;
	if (mprotect(sb.data, FZ_DATA, RX_RW) ||
	    mprotect(sb.ctl, FZ_CTL, RX_RW) ||
	    mprotect(sb.ro_page, rx_page(), RX_RW))
		return "mprotect";
	/* An ENTER record that can be read but not written back. */
	((struct rxring_enter *)(void *)sb.ro_page)->to_submit = 0xffffffffU;
	if (mprotect(sb.ro_page, rx_page(), PROT_READ))
		return "mprotect";

	/* Paths, relative to the sandbox cwd (d1/d2) or absolute in it. */
	add_path("a");
	add_path("b");
	add_path("c");
	add_path("sub");
	add_path("sub/x");
	add_path(".");
	add_path("..");
	add_path("../a");
	add_path("../d2/a");
	add_path("nonexistent/x");
	add_path("a/");
	snprintf(path, sizeof(path), "%s/d1/d2/a", sb.dir);
	add_path(path);
	snprintf(path, sizeof(path), "%s/d1/new", sb.dir);
	add_path(path);
	snprintf(path, sizeof(path), "%s/d1", sb.dir);
	add_path(path);
	add_path("/dev/null");
	add_path("/dev/zero");
	add_path("/dev/rxring");
	/* A NUL inside (EINVAL). */
	memcpy(sb.ctl + sb.npaths * FZ_PATH_SLOT, "a\0b", 3);
	sb.path_len[sb.npaths++] = 3;
	memset(sb.ctl + FZ_LONG_PATH, 'x', 5000);

	/* The sandbox descriptors. */
	if (sb_add(open("a", O_RDWR), SB_REG) ||
	    sb_add(open("a", O_RDONLY), SB_REG) ||
	    sb_add(open("b", O_WRONLY | O_CREAT | O_APPEND, 0644), SB_REG) ||
	    sb_add(open(".", O_RDONLY | O_DIRECTORY), SB_DIR) ||
	    sb_add(open("a", O_PATH), SB_OTHER) ||
	    sb_add(open("/dev/null", O_RDWR), SB_DEV) ||
	    sb_add(open("/dev/zero", O_RDONLY), SB_DEV) ||
	    sb_add(memfd_create("rxfuzz", 0), SB_REG))
		return "sandbox files";
	for (i = 0; i < 2; i++) {
		if (pipe(fds))
			return "pipe";
		if (!nowait_ok(fds[0])) {
			nonblock(fds[0]);
			nonblock(fds[1]);
			sb.pollgate = true;
		}
		if (i)
			fcntl(fds[1], F_SETPIPE_SZ, 4096);
		sb.pump_rd[sb.npump_rd++] = reopen_nonblock(fds[0], O_RDONLY);
		sb.pump_wr[sb.npump_wr++] = reopen_nonblock(fds[1], O_WRONLY);
		if (sb.pump_rd[sb.npump_rd - 1] < 0 ||
		    sb.pump_wr[sb.npump_wr - 1] < 0)
			return "reopen pipe";
		if (i)
			fcntl(fds[0], F_SETFL, O_NONBLOCK);
		if (sb_add(fds[0], SB_PIPE_R) || sb_add(fds[1], SB_PIPE_W))
			return "pipe fds";
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
		return "socketpair";
	if (!nowait_ok(fds[0])) {
		nonblock(fds[0]);
		sb.pollgate = true;
	}
	/* The pump's end is the pump's alone: non-blocking. */
	nonblock(fds[1]);
	sb.pump_rd[sb.npump_rd++] = dup(fds[1]);
	sb.pump_wr[sb.npump_wr++] = dup(fds[1]);
	close(fds[1]);
	if (sb_add(fds[0], SB_SOCK))
		return "socket fd";
	fd = eventfd(0, 0);
	sb.evfd = dup(fd);
	if (sb_add(fd, SB_EVENT))
		return "eventfd";

	/* A spare instance with rings, and one without. */
	fd = rx_open();
	rx_create_init(&cr, 4, 0, RXRING_CREATE_INDIRECT);
	if (fd < 0 || rx_create(fd, &cr) || sb_add(fd, SB_RXRING))
		return "spare rxring";
	if (sb_add(rx_open(), SB_RXRING))
		return "spare rxring 2";
	sb_nullb();
	sb_ext4();
	return NULL;
}

/*
 * Put back the sandbox fds in mask (bit i: slot i) that a CLOSE took away
 * or an OPEN/DUP result took over (closed by now).
 */
static void sb_restore_fds(__u32 mask)
{
	int i;

	for (i = 0; i < sb.nsb; i++)
		if (mask & (1U << i))
			dup2(FZ_MASTER_FD + i, sb_fd(i));
}

/* The sandbox slot of fd, or -1. */
static int sb_slot(__u64 fd)
{
	return fd >= FZ_SB_FD && fd < (__u64)FZ_SB_FD + sb.nsb ?
	       (int)(fd - FZ_SB_FD) : -1;
}

static void sb_reset_data(void)
{
	as_note(AS_RESET, 0, (__u64)sb.data, FZ_DATA, 0, 0, 0);
	mmap(sb.data, FZ_DATA, RX_RW, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
	     -1, 0);
}

/* Keep the sandbox files small. */
static void sb_trim_files(void)
{
	int i;

	for (i = 0; i < sb.nsb; i++) {
		struct stat st;

		if (sb.kind[i] != SB_REG || fstat(FZ_MASTER_FD + i, &st))
			continue;
		if (st.st_size > (4 << 20))
			ftruncate(FZ_MASTER_FD + i, 4096);
	}
}

static bool ready(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };

	return poll(&p, 1, 0) == 1 && (p.revents & ev);
}

/*
 * Feed and drain pipes, sockets and the eventfd without ever blocking.
 * poll() saying ready is not enough: the module's worker retries parked
 * READs and WRITEs of the same pipes and eventfd concurrently (module/
 * poll.c) and can fill or drain them between the poll() and the pump's
 * read or write, and nothing would then wake the fuzzer. So the pump's
 * pipe ends are O_NONBLOCK open file descriptions of their own
 * (reopen_nonblock()), its socket end is O_NONBLOCK, and the eventfd,
 * which the sandbox shares, is read with RWF_NOWAIT. The eventfd is
 * written by nobody else (it has no write_iter on 6.1 and 6.12: rxring's
 * WRITE is EINVAL on it), so a write after poll() cannot block; where it
 * does take RWF_NOWAIT that is used too.
 */
static void sb_pump(void)
{
	static char buf[8192];
	__u64 one = 1;
	struct iovec iov = { &one, sizeof(one) };
	int i;

	for (i = 0; i < sb.npump_rd; i++)
		if (ready(sb.pump_rd[i], POLLIN))
			read(sb.pump_rd[i], buf, sizeof(buf));
	for (i = 0; i < sb.npump_wr; i++)
		if (ready(sb.pump_wr[i], POLLOUT))
			write(sb.pump_wr[i], buf, 1 + below(512));
	if (ready(sb.evfd, POLLIN))
		preadv2(sb.evfd, &iov, 1, -1, RWF_NOWAIT);
	one = 1;
	if (chance(500) && ready(sb.evfd, POLLOUT) &&
	    pwritev2(sb.evfd, &iov, 1, -1, RWF_NOWAIT) < 0 &&
	    errno == EOPNOTSUPP)
		write(sb.evfd, &one, sizeof(one));
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[512];

	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
			rm_tree(p);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void sb_fini(void)
{
	int i;

	for (i = 0; i < sb.nsb; i++) {
		close(sb_fd(i));
		close(FZ_MASTER_FD + i);
	}
	for (i = 0; i < sb.npump_rd; i++)
		close(sb.pump_rd[i]);
	for (i = 0; i < sb.npump_wr; i++)
		close(sb.pump_wr[i]);
	if (sb.evfd >= 0)
		close(sb.evfd);
	rw_nullb_destroy(&sb.nullb);
	if (sb.mem && sb.mem != MAP_FAILED)
		munmap(sb.mem, sb.mem_len);
	sb_ext4_fini();
	if (chdir("/tmp") == 0 && sb.dir[0])
		rm_tree(sb.dir);
	sb.nsb = 0;
}

/* ---- children for WAITPID ------------------------------------------------ */

static int nr_children;

static void spawn_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec ts = { 0, (long)below(2 * RX_MSEC) };

		nanosleep(&ts, NULL);
		_exit((int)below(256));
	}
	if (pid > 0)
		nr_children++;
}

static void reap_children(void)
{
	while (nr_children > 0 && waitpid(-1, NULL, WNOHANG) > 0)
		nr_children--;
}

static void kill_children(void)
{
	while (nr_children > 0 && waitpid(-1, NULL, 0) > 0)
		nr_children--;
	nr_children = 0;
}

/* ---- the watchdog --------------------------------------------------------- */

/*
 * If the fuzzer stops making progress (a syscall that never returns), say
 * what it was doing, show the last batch and every thread's kernel stack,
 * and abort.
 */
static const char *volatile wd_action = "setup";
static long long wd_progress;
static struct rxring_sqe wd_batch[256];
static unsigned int wd_batch_n;
static long long wd_limit_ns;

static void wd_set(const char *action)
{
	wd_action = action;
	__atomic_store_n(&wd_progress, rx_now_ns(), __ATOMIC_RELEASE);
}

static void dump_file(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	fprintf(stderr, "# %s:\n", path);
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		fprintf(stderr, "%s", buf);
	}
	close(fd);
}

/* The last batch of SQEs the worker queued, for a report. */
static void wd_dump_batch(void)
{
	unsigned int i;

	for (i = 0; i < wd_batch_n; i++) {
		const struct rxring_sqe *q = &wd_batch[i];

		fprintf(stderr, "#  sqe %u: op %u flags 0x%x sf 0x%x fd %lld len 0x%llx addr 0x%llx off 0x%llx a1 0x%llx a2 0x%llx ud %llu\n",
			i, q->opcode, q->flags, q->syscall_flags,
			(long long)q->fd, (unsigned long long)q->len,
			(unsigned long long)q->addr,
			(unsigned long long)q->offset,
			(unsigned long long)q->additional1,
			(unsigned long long)q->additional2,
			(unsigned long long)q->user_data);
	}
}

static void as_dump(void)
{
	static const char *const kinds[] = {
		"queued", "done", "own munmap", "data reset", "ring map",
		"abandoned",
	};
	const struct rx *r = as_ring;
	unsigned long long i = as_seq > FZ_ASLOG ? as_seq - FZ_ASLOG : 0;

	fprintf(stderr, "# sandbox %p-%p, data zone %p-%p\n", (void *)sb.mem,
		(void *)(sb.mem + sb.mem_len), (void *)sb.data,
		(void *)sb.data_end);
	if (r && r->fd >= 0) {
		fprintf(stderr, "# ring fd %d: SQ header %p SQEs %p array %p\n",
			r->fd, (void *)r->sqh, (void *)r->sqes,
			(void *)r->array);
		fprintf(stderr, "# ring fd %d: CQ header %p CQEs %p\n", r->fd,
			(void *)r->cqh, (void *)r->cqes);
	}
	fprintf(stderr, "# the last %llu address-space events:\n", as_seq - i);
	for (; i < as_seq; i++) {
		const struct as_event *e = &as_log[i % FZ_ASLOG];

		fprintf(stderr, "#  %llu %s op %u 0x%llx+0x%llx",
			e->seq, kinds[e->kind], e->op,
			(unsigned long long)e->addr,
			(unsigned long long)e->len);
		fprintf(stderr, " flags 0x%x res %lld ud %llu\n", e->flags,
			(long long)e->res, (unsigned long long)e->ud);
	}
	dump_file("/proc/self/maps");
}

/*
 * A worker that faults says where and while doing what, with the last
 * batch of SQEs and its mappings, before it dies (the parent then reports
 * it as dead): the fuzzer's own memory must never be touched by what it
 * submits, so this is a bug of the fuzzer or of the module.
 */
static void segv_fn(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fprintf(stderr, "# fuzz worker: signal %d at %p while: %s (sandbox %p-%p)\n",
		sig, si->si_addr, wd_action, (void *)sb.mem,
		(void *)(sb.mem + sb.mem_len));
	wd_dump_batch();
	as_dump();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void segv_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv_fn;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static void *watchdog_fn(void *arg)
{
	(void)arg;
	for (;;) {
		DIR *d;
		struct dirent *e;

		sleep(1);
		if (rx_now_ns() - __atomic_load_n(&wd_progress, __ATOMIC_ACQUIRE) <
		    wd_limit_ns)
			continue;
		fprintf(stderr, "# fuzz watchdog: no progress for %lld s while: %s\n",
			wd_limit_ns / RX_NSEC, wd_action);
		wd_dump_batch();
		d = opendir("/proc/self/task");
		while (d && (e = readdir(d))) {
			char p[320];

			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "/proc/self/task/%s/stat", e->d_name);
			dump_file(p);
			snprintf(p, sizeof(p), "/proc/self/task/%s/stack", e->d_name);
			dump_file(p);
		}
		if (d)
			closedir(d);
		fflush(stderr);
		abort();
	}
	return NULL;
}

/* ---- value generators ---------------------------------------------------- */

static const __u64 boundary[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 63, 64, 100, 511, 512, 4095, 4096, 4097,
	65535, 65536, 0x7fffffffULL, 0x80000000ULL, 0xffffffffULL,
	0x100000000ULL, 0x7ffff000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xfffffffffffff000ULL, 0xffffffffffffff9cULL,
	0xfffffffffffffffeULL, 0xffffffffffffffffULL, 1024, 1025, 07777, 010000,
};

static __u64 rnd_boundary(void)
{
	__u64 v = boundary[below(sizeof(boundary) / sizeof(boundary[0]))];

	return chance(200) ? v + below(3) - 1 : v;
}

/* A random value of mixed kinds for a mutated field. */
static __u64 rnd_value(void)
{
	switch (below(6)) {
	case 0:
		return rnd();
	case 1:
		return below(16);
	case 2:
		return rnd() & 0xffffffffULL;
	case 3:
		return 1ULL << below(64);
	default:
		return rnd_boundary();
	}
}

/* An address that is never mapped in this process. */
static __u64 bad_addr(void)
{
	switch (below(7)) {
	case 0:
		return 0;
	case 1:
		return below(65536);
	case 2:		/* the guards */
		return (__u64)(sb.data - FZ_GUARD) + below(FZ_GUARD);
	case 3:
		return (__u64)sb.data_end + below(FZ_GUARD);
	case 4:		/* kernel */
		return 0xffff800000000000ULL + (rnd() & 0x7fffffffffffULL);
	case 5:		/* non-canonical */
		return 0x0000800000000000ULL + (rnd() & 0x7fffffffffffULL);
	default:
		return 0xffffffffffffffffULL - below(8192);
	}
}

static __u64 data_addr(void)
{
	__u64 off = below(FZ_DATA);

	if (chance(300))
		off &= ~4095ULL;
	else if (chance(300))
		off &= ~511ULL;
	else if (chance(200))
		off = FZ_DATA - below(65536);
	return (__u64)sb.data + off;
}

/* A buffer the kernel may write: the data zone, or a bad address. */
static __u64 rnd_buf(void)
{
	return chance(850) ? data_addr() : bad_addr();
}

/*
 * May the kernel write at addr (sequentially, as far as it gets)? The data
 * zone, which the guard behind it ends, or a page that is never mapped.
 */
static bool safe_write_addr(__u64 a)
{
	return (a >= (__u64)sb.data - FZ_GUARD &&
		a < (__u64)sb.data_end + FZ_GUARD) ||
	       a < 65536 - 4096 || a >= 0x0000800000000000ULL;
}

/* Bytes up to the end of the data zone from addr (0 outside it). */
static __u64 room(__u64 addr)
{
	if (addr < (__u64)sb.data || addr >= (__u64)sb.data_end)
		return 0;
	return (__u64)sb.data_end - addr;
}

static __u64 rnd_len(void)
{
	switch (below(6)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(64);
	case 2:
		return 512 * (1 + below(16));
	case 3:
		return 4096 * (1 + below(4));
	case 4:
		return below(65536);
	default:
		return rnd_boundary();
	}
}

/* A file descriptor field. */
static __u64 rnd_fd(void)
{
	unsigned int p = (unsigned int)below(100);

	if (p < 80 && sb.nsb)
		return (__u64)sb_fd((int)below(sb.nsb));
	if (p < 86)
		return 1024 + below(100000);	/* cannot be open */
	if (p < 92)
		return 0x7fffffffULL + below(3);
	if (p < 96)
		return RXRING_AT_FDCWD;
	return rnd() | 0x100000000ULL;
}

static bool fd_field_safe(__u64 fd)
{
	/* With RXRING_RW_FIXED_FILE fd indexes the table of sandbox files. */
	if (fd >= FZ_SB_FD && fd < (__u64)FZ_SB_FD + sb.nsb)
		return true;
	return fd >= 1024;	/* includes > INT_MAX and negative */
}

/*
 * The iovecs in the control zone, each safe for reads and writes: all of
 * them (all), or 48 random ones.
 */
static void gen_iovecs(bool all)
{
	struct iovec *iov = (struct iovec *)(sb.ctl + FZ_IOV);
	unsigned int i, n = all ? FZ_NIOV : 48;

	for (i = 0; i < n; i++) {
		unsigned int k = all ? i : (unsigned int)below(FZ_NIOV);
		__u64 a = rnd_buf(), r = room(a);
		__u64 len = rnd_len();

		/* A long segment only where the guard stops it soon. */
		if (r && len > 8192 && r > 65536)
			len = below(8192);
		if (!r && chance(500))
			len = below(4096);
		iov[k].iov_base = (void *)(uintptr_t)a;
		iov[k].iov_len = (size_t)len;
	}
}

/* ---- SQE generation ------------------------------------------------------ */

static const __u32 ms20 = 20 * RX_MSEC;

/* How long a wait may be: mostly under 2 ms, now and then up to 20 ms. */
static __u64 short_wait(void)
{
	return below(chance(900) ? 2 * RX_MSEC : ms20);
}

/* What the current ring has registered (register_fixed()). */
static unsigned int fz_nfiles, fz_nbufs;
static struct iovec fz_bufs[4];

/* Which opcode: every one, weighted, and now and then an invalid one. */
static __u8 rnd_opcode(void)
{
	static const __u8 w[RXRING_OP_LAST] = {
		/*
		 * The ring machinery (validation, CHAIN/DRAIN, completion,
		 * cancellation) is cheap to exercise and gets most of the
		 * SQEs; the file and memory operations cost far more each.
		 */
		[RXRING_OP_NOP] = 40, [RXRING_OP_READ] = 4,
		[RXRING_OP_WRITE] = 4, [RXRING_OP_READV] = 2,
		[RXRING_OP_WRITEV] = 2, [RXRING_OP_FSYNC] = 1,
		[RXRING_OP_OPEN] = 2, [RXRING_OP_CLOSE] = 2,
		[RXRING_OP_DUP] = 2, [RXRING_OP_SEEK] = 4,
		[RXRING_OP_FSTAT] = 4, [RXRING_OP_MMAP] = 2,
		[RXRING_OP_MUNMAP] = 2, [RXRING_OP_WAITPID] = 1,
		[RXRING_OP_FUTEX] = 10, [RXRING_OP_TIMEOUT] = 8,
		[RXRING_OP_CANCEL] = 10,
	};
	unsigned int total = 0, i, pick;

	if (chance(30))
		return (__u8)(RXRING_OP_LAST + below(256 - RXRING_OP_LAST));
	for (i = 0; i < RXRING_OP_LAST; i++)
		total += w[i];
	pick = (unsigned int)below(total);
	for (i = 0; i < RXRING_OP_LAST; i++) {
		if (pick < w[i])
			return (__u8)i;
		pick -= w[i];
	}
	return RXRING_OP_NOP;
}

struct fuzz;
static __u64 recent_user_data(struct fuzz *f);

/* A plausible SQE for the opcode: the template the mutations start from. */
static void template_sqe(struct fuzz *f, struct rxring_sqe *s)
{
	unsigned int pi;

	switch (s->opcode) {
	case RXRING_OP_NOP:
		s->syscall_flags = (__u32)below(4);
		if (s->syscall_flags & RXRING_NOP_RESULT)
			s->offset = chance(500) ? below(100) : rnd();
		if (s->syscall_flags & RXRING_NOP_EXTENDED)
			s->additional1 = rnd();
		break;
	case RXRING_OP_READ:
	case RXRING_OP_WRITE:
		s->fd = rnd_fd();
		s->addr = rnd_buf();
		s->len = rnd_len();
		s->offset = chance(300) ? RXRING_POS_CURRENT :
			    chance(500) ? 512 * below(64) : below(1 << 20);
#ifdef RXRING_IOC_REGISTER_FILES
		if (fz_nfiles && chance(200)) {
			s->syscall_flags |= RXRING_RW_FIXED_FILE;
			s->fd = below(fz_nfiles + 2);
		}
		if (fz_nbufs && chance(200)) {
			const struct iovec *b =
				&fz_bufs[below(fz_nbufs)];

			s->syscall_flags |= RXRING_RW_FIXED_BUF;
			s->additional1 = below(fz_nbufs + 1);
			s->addr = (__u64)(uintptr_t)b->iov_base +
				  below(b->iov_len + 64);
			s->len = below(b->iov_len + 64);
		}
#endif
		break;
	case RXRING_OP_READV:
	case RXRING_OP_WRITEV:
		s->fd = rnd_fd();
		s->addr = (__u64)(sb.ctl + FZ_IOV) + 16 * below(64);
		s->len = chance(900) ? 1 + below(8) : rnd_boundary();
		s->offset = chance(300) ? RXRING_POS_CURRENT : 512 * below(64);
		break;
	case RXRING_OP_FSYNC:
		s->fd = rnd_fd();
		s->syscall_flags = (__u32)below(2);
#ifdef RXRING_IOC_REGISTER_FILES
		if (fz_nfiles && chance(200)) {
			s->syscall_flags |= RXRING_RW_FIXED_FILE;
			s->fd = below(fz_nfiles + 2);
		}
#endif
		break;
	case RXRING_OP_OPEN:
		s->fd = chance(500) ? RXRING_AT_FDCWD : rnd_fd();
		pi = (unsigned int)below(sb.npaths + 1);
		if (pi == sb.npaths) {
			s->addr = (__u64)(sb.ctl + FZ_LONG_PATH);
			s->len = chance(500) ? 4096 : 4095;
		} else {
			s->addr = (__u64)(sb.ctl + pi * FZ_PATH_SLOT);
			s->len = sb.path_len[pi];
		}
		s->syscall_flags = (__u32)below(3) |
			(chance(300) ? O_CREAT : 0) |
			(chance(100) ? O_EXCL : 0) | (chance(100) ? O_TRUNC : 0) |
			(chance(200) ? O_CLOEXEC : 0) |
			(chance(100) ? O_DIRECTORY : 0) |
			(chance(100) ? O_NONBLOCK : 0) |
			(chance(50) ? O_PATH : 0) |
			(chance(50) ? O_TMPFILE : 0) |
			(chance(50) ? O_APPEND : 0) |
			(chance(50) ? O_NOFOLLOW : 0) |
			(chance(30) ? O_DIRECT : 0);
		if (s->syscall_flags & (O_CREAT | O_TMPFILE))
			s->offset = below(01000);
		break;
	case RXRING_OP_CLOSE:
	case RXRING_OP_DUP:
		s->fd = rnd_fd();
		if (s->opcode == RXRING_OP_DUP && chance(300))
			s->syscall_flags = O_CLOEXEC;
		break;
	case RXRING_OP_SEEK:
		s->fd = rnd_fd();
		s->len = below(6);
		s->offset = chance(500) ? below(65536) : rnd_value();
		break;
	case RXRING_OP_FSTAT:
		s->fd = rnd_fd();
		s->addr = rnd_buf();
		s->len = chance(900) ? sizeof(struct rxring_stat) : rnd_len();
		break;
	case RXRING_OP_MMAP:
		s->fd = chance(400) ? RXRING_FD_NONE : rnd_fd();
		s->syscall_flags = (chance(500) ? MAP_PRIVATE : MAP_SHARED) |
			(s->fd == RXRING_FD_NONE ? MAP_ANONYMOUS : 0) |
			(chance(300) ? MAP_FIXED : 0) |
			(chance(50) ? MAP_FIXED_NOREPLACE : 0) |
			(chance(50) ? MAP_POPULATE : 0) |
			(chance(30) ? MAP_LOCKED : 0) |
			(chance(30) ? MAP_NORESERVE : 0) |
			(chance(30) ? MAP_GROWSDOWN : 0) |
			(chance(30) ? MAP_32BIT : 0) |
			(chance(30) ? MAP_STACK : 0);
		s->additional1 = below(8);
		s->addr = data_addr() & ~4095ULL;
		s->len = 4096 * (1 + below(16));
		if (s->fd != RXRING_FD_NONE)
			s->offset = chance(700) ? 0 : 4096 * below(4);
		break;
	case RXRING_OP_MUNMAP:
		s->addr = data_addr() & ~4095ULL;
		s->len = 4096 * (1 + below(16));
		break;
	case RXRING_OP_WAITPID:
		switch (below(6)) {
		case 0:
			s->fd = (__u64)-1LL;
			break;
		case 1:
			s->fd = 0;
			break;
		case 2:
			s->fd = (__u64)-(__s64)getpgrp();
			break;
		case 3:
			s->fd = 1 + below(100000);
			break;
		default:
			s->fd = (__u64)-1LL;
			s->syscall_flags = RXRING_WAITPID_WNOHANG;
			break;
		}
		break;
	case RXRING_OP_FUTEX:
		s->len = below(4);
		s->addr = chance(900) ? ((__u64)sb.data + 4 * below(256)) :
			  bad_addr();
		s->offset = chance(500) ? 0 : below(3);
		if (s->len == RXRING_FUTEX_REQUEUE) {
			s->additional1 = below(4);
			s->additional2 = (__u64)sb.data + 4 * below(256);
		}
		break;
	case RXRING_OP_TIMEOUT:
		s->offset = short_wait();
		s->len = chance(500) ? 0 : below(8);
		break;
	case RXRING_OP_CANCEL:
		s->addr = chance(800) ? recent_user_data(f) : rnd();
		break;
	default:
		break;
	}
}

/* Change a few fields of the template. */
static void mutate_sqe(struct rxring_sqe *s)
{
	unsigned int n = (unsigned int)below(4), i;
	__u64 *w = (__u64 *)s;

	if (chance(400))
		return;
	for (i = 0; i < n; i++) {
		unsigned int field = (unsigned int)below(10);

		switch (field) {
		case 0:
			s->syscall_flags = chance(500) ? (__u32)rnd() :
				s->syscall_flags ^ (1U << below(32));
			break;
		case 1:
			s->priority = (__u16)rnd();
			break;
		case 2:	/* fd, len, addr, offset, additional1/2 */
		case 3:
		case 4:
		case 5:
		case 6:
		case 7: {
			static const unsigned int word[] = { 1, 2, 4, 5, 6, 7 };
			unsigned int k = word[field - 2];

			w[k] = chance(300) ? w[k] ^ (1ULL << below(64)) :
			       rnd_value();
			break;
		}
		case 8:
			s->flags = (__u8)rnd();
			break;
		default:
			s->opcode = (__u8)below(RXRING_OP_LAST + 2);
			break;
		}
	}
}

/*
 * The opcodes and syscall_flags bits this fuzzer knows how to keep safe.
 * The module's PROBE may list more (added after this file was written):
 * those opcodes become NOPs and those bits are cleared.
 */
#define FZ_KNOWN_OPS	(RXRING_OP_CANCEL + 1)

static struct rxring_probe probe;

static __u32 known_flags(__u8 op)
{
	switch (op) {
	case RXRING_OP_NOP:
		return RXRING_NOP_RESULT | RXRING_NOP_EXTENDED;
#ifdef RXRING_IOC_REGISTER_FILES
	case RXRING_OP_READ:
	case RXRING_OP_WRITE:
		return RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF;
	case RXRING_OP_READV:
	case RXRING_OP_WRITEV:
		return RXRING_RW_FIXED_FILE | RXRING_RW_FIXED_BUF;
	case RXRING_OP_FSYNC:
		return RXRING_FSYNC_DATASYNC | RXRING_RW_FIXED_FILE |
		       RXRING_RW_FIXED_BUF;
#else
	case RXRING_OP_FSYNC:
		return RXRING_FSYNC_DATASYNC;
#endif
	case RXRING_OP_OPEN:
		return 0x7fffc3;	/* VALID_OPEN_FLAGS on x86-64 */
	case RXRING_OP_DUP:
		return O_CLOEXEC;
	case RXRING_OP_MMAP:
		return ~0U;	/* sanitize_sqe() keeps MMAP in the sandbox */
	case RXRING_OP_WAITPID:
		return RXRING_WAITPID_WNOHANG;
	case RXRING_OP_FUTEX:
		return RXRING_FUTEX_ABSTIME;
	case RXRING_OP_TIMEOUT:
		return RXRING_TIMEOUT_ABS;
	default:
		return 0;
	}
}

static void sanitize_unknown(struct rxring_sqe *s)
{
	__u8 op = s->opcode;

	if (op >= FZ_KNOWN_OPS && rx_probe_supported(&probe, op)) {
		s->opcode = RXRING_OP_NOP;
		return;
	}
	if (op < FZ_KNOWN_OPS && op < RX_MAX_OPS)
		s->syscall_flags &= ~(probe.ops[op].syscall_flags &
				      ~known_flags(op));
}

/* READ/WRITE/READV/WRITEV/FSYNC naming a registered file by index. */
static bool fixed_file(const struct rxring_sqe *s)
{
#ifdef RXRING_IOC_REGISTER_FILES
	return s->syscall_flags & RXRING_RW_FIXED_FILE;
#else
	return false;
#endif
}

/*
 * Make an SQE safe to run, whatever the mutations did. Only the fields the
 * opcode's execution acts on are changed; see the file comment.
 */
static void sanitize_sqe(struct rxring_sqe *s)
{
	__u64 r;

	sanitize_unknown(s);

	switch (s->opcode) {
	case RXRING_OP_READ:
	case RXRING_OP_WRITE:
		if (!fd_field_safe(s->fd) && !fixed_file(s))
			s->fd = rnd_fd();
		/* The kernel writes (READ) at most up to the guard. */
		if (!safe_write_addr(s->addr))
			s->addr = rnd_buf();
		/* WRITE: a long one only close to the guard. */
		r = room(s->addr);
		if (r > 65536 && s->len > 65536)
			s->len = below(65536);
		break;
	case RXRING_OP_READV:
	case RXRING_OP_WRITEV:
		if (!fd_field_safe(s->fd) && !fixed_file(s))
			s->fd = rnd_fd();
		/* The iovec array: ours (control zone) or unmapped. */
		if (s->addr < (__u64)(sb.ctl + FZ_IOV) ||
		    s->addr >= (__u64)(sb.ctl + FZ_CTL)) {
			if (!(s->addr < 65536 ||
			      s->addr >= 0x0000800000000000ULL))
				s->addr = (__u64)(sb.ctl + FZ_IOV) +
					  16 * below(64);
		}
		break;
	case RXRING_OP_FSYNC:
		if (!fd_field_safe(s->fd) && !fixed_file(s))
			s->fd = rnd_fd();
		break;
	case RXRING_OP_SEEK:
	case RXRING_OP_DUP:
	case RXRING_OP_CLOSE:
		if (!fd_field_safe(s->fd))
			s->fd = rnd_fd();
		break;
	case RXRING_OP_FSTAT:
		if (!fd_field_safe(s->fd))
			s->fd = rnd_fd();
		if (!safe_write_addr(s->addr))
			s->addr = rnd_buf();
		break;
	case RXRING_OP_OPEN:
		if (!fd_field_safe(s->fd) && s->fd != RXRING_AT_FDCWD)
			s->fd = RXRING_AT_FDCWD;
		/* The path: one of ours (any length: what follows is 0). */
		if (s->addr < (__u64)sb.ctl ||
		    s->addr >= (__u64)(sb.ctl + FZ_IOV)) {
			if (!(s->addr < 65536 ||
			      s->addr >= 0x0000800000000000ULL))
				s->addr = (__u64)sb.ctl;
		} else if ((s->addr - (__u64)sb.ctl) % FZ_PATH_SLOT &&
			   s->addr < (__u64)sb.ctl + FZ_LONG_PATH) {
			/* Mid-path: a suffix of a path might leave it. */
			s->addr -= (s->addr - (__u64)sb.ctl) % FZ_PATH_SLOT;
		}
		break;
	case RXRING_OP_MMAP: {
		bool fixed = s->syscall_flags &
			     (MAP_FIXED | MAP_FIXED_NOREPLACE);

		if (!fd_field_safe(s->fd) && s->fd != RXRING_FD_NONE)
			s->fd = RXRING_FD_NONE;
		if (fixed) {
			__u64 a = s->addr & ~4095ULL;
			__u64 len = (s->len + 4095) & ~4095ULL;

			if (room(a) == 0 || len > room(a) || len < s->len) {
				s->addr = data_addr() & ~4095ULL;
				if (s->len > room(s->addr) || !s->len)
					s->len = 4096 * (1 + below(
						room(s->addr) / 4096));
			}
		} else if ((s->syscall_flags & (MAP_POPULATE | MAP_LOCKED)) &&
			   s->len > (4 << 20) && s->len < (1ULL << 47)) {
			s->len = below(4 << 20);
		} else if (s->len > (1ULL << 30) && s->len < (1ULL << 47)) {
			s->len = below(1ULL << 30);
		}
		break;
	}
	case RXRING_OP_MUNMAP: {
		__u64 len = (s->len + 4095) & ~4095ULL;

		/* Unaligned, empty or not user space: EINVAL, harmless. */
		if ((s->addr & 4095) || !s->len || len < s->len ||
		    s->addr >= 0x00007ffffffff000ULL ||
		    s->addr + len < s->addr)
			break;
		if (s->addr + len <= 65536)
			break;
		if (room(s->addr) < len) {
			s->addr = data_addr() & ~4095ULL;
			s->len = 4096 * (1 + below(room(s->addr) / 4096));
		}
		break;
	}
	case RXRING_OP_FUTEX:
		/* A wait ends within 20 ms (or fails before waiting). */
		if (s->len == RXRING_FUTEX_WAIT ||
		    s->len == RXRING_FUTEX_WAIT64) {
			if (s->syscall_flags & RXRING_FUTEX_ABSTIME)
				s->additional1 = (__u64)rx_now_ns() +
						 short_wait();
			else
				s->additional1 = 1 + short_wait();
		}
		break;
	case RXRING_OP_TIMEOUT:
		if (s->syscall_flags & RXRING_TIMEOUT_ABS) {
			__u64 now = (__u64)rx_now_ns();

			if (s->offset > now + ms20)
				s->offset = now + short_wait();
		} else if (s->offset > ms20) {
			s->offset = short_wait();
		}
		break;
	default:
		break;
	}
}

/* ---- bookkeeping ---------------------------------------------------------- */

#define FZ_WINDOW	65536	/* user_data -> record, modulo */

enum { REC_FREE, REC_SUBMITTED, REC_CONSUMED };

struct rec {
	__u64 user_data;
	struct rxring_sqe sqe;
	__u8 state;
	bool after_chain;	/* the SQE consumed before it had CHAIN */
};

struct fuzz {
	struct rx r;
	struct rec *recs;
	__u64 next_ud;		/* user_data of the next SQE */
	__u64 ud_base;		/* first user_data of this ring */
	__u32 *pos_ud;		/* SQ position -> record index + 1, 0: drop */
	__u32 *slot_free;	/* INDIRECT: free SQE slots (a stack) */
	__u32 nfree;
	__u32 *pos_slot;
	__u64 head;		/* our view of the kernel's SQ head */
	__u64 dropped;		/* expected SQ dropped count */
	bool last_chain;	/* the last consumed SQE had CHAIN */
	unsigned int outstanding;
	unsigned int waitpids;	/* WAITPIDs outstanding */
	__u32 restore_fds;	/* sandbox slots to restore */
	bool need_data_reset;
	unsigned long long written;	/* bytes since the last trim */
	__u64 parkable[32];		/* recent FUTEX/TIMEOUT/WAITPID/READ */
	unsigned int nparkable;
	unsigned long long iter;

	/* totals */
	unsigned long long sqes, completions, pairs, drops, enters,
		enter_errors, rings, abandoned, garbage_tails, garbage_heads,
		by_op[RXRING_OP_LAST + 1], errors[RXRING_OP_LAST + 1];
	char why[512];
};

/* A recent user_data, most often of an operation that may be parked. */
static __u64 recent_user_data(struct fuzz *f)
{
	__u64 back = below(64);

	if (chance(700) && f->parkable[back % 32])
		return f->parkable[back % 32];
	return f->next_ud > back ? f->next_ud - 1 - back : 0;
}

static struct rec *rec_of(struct fuzz *f, __u64 ud)
{
	return &f->recs[ud % FZ_WINDOW];
}

#define FAIL(f, ...) ({ snprintf((f)->why, sizeof((f)->why), __VA_ARGS__); \
			false; })

/* Whether [a, end) touches a mapping of ring @r. */
static bool ring_touches(const struct rx *r, __u64 a, __u64 end)
{
	const struct {
		const void *p;
		__u64 len;
	} m[] = {
		{ r->sqh, r->cr.sq_header_size },
		{ r->sqes, r->cr.sq_entries_size },
		{ r->array, r->cr.sq_array_size },
		{ r->cqh, r->cr.cq_header_size },
		{ r->cqes, r->cr.cq_entries_size },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(m); i++) {
		__u64 b = (__u64)(uintptr_t)m[i].p;

		if (m[i].p && m[i].p != MAP_FAILED && a < b + m[i].len &&
		    b < end)
			return true;
	}
	return false;
}

/*
 * Whether [a, a + len) (len rounded up to pages) touches a mapping of ring
 * @r or the sandbox (data zone, guards, control area, read-only page):
 * what the fuzzer must never unmap itself, whatever a completion says.
 */
static bool ring_overlaps(const struct rx *r, __u64 a, __u64 len)
{
	__u64 end = a + ((len + 4095) & ~4095ULL);
	__u64 lo = (__u64)(uintptr_t)sb.mem;

	if (end < a)
		return true;
	return ring_touches(r, a, end) ||
	       (sb.mem != MAP_FAILED && a < lo + sb.mem_len && lo < end);
}

/* Whether a mapping of ring @r lies in the sandbox's reservation. */
static bool ring_in_sandbox(const struct rx *r)
{
	__u64 lo = (__u64)(uintptr_t)sb.mem;

	return ring_touches(r, lo, lo + sb.mem_len);
}

/* The NOP rules (docs/abi.md): what a NOP completes with. */
static bool nop_ok(const struct rxring_sqe *s, const struct rx_cqe *c,
		   bool after_chain)
{
	bool res = s->syscall_flags & RXRING_NOP_RESULT;
	bool ext = s->syscall_flags & RXRING_NOP_EXTENDED;
	__s64 want;

	if (after_chain && c->status == -ECANCELED)
		return c->slots == 1;
	if ((s->flags & ~(RXRING_SQE_CHAIN | RXRING_SQE_DRAIN)) ||
	    s->fd || s->len || s->addr || s->additional2 ||
	    (s->syscall_flags & ~(RXRING_NOP_RESULT | RXRING_NOP_EXTENDED)) ||
	    (!res && s->offset) || (!ext && s->additional1))
		return c->status == -EINVAL && c->slots == 1;
	want = res ? (__s64)s->offset : 0;
	if (c->status != want)
		return false;
	if (ext)
		return c->slots == 2 && c->extra == s->additional1;
	return c->slots == (want == (__s32)want ? 1U : 2U) && !c->extra;
}

/* Act on and check one completion. */
static bool handle_cqe(struct fuzz *f, const struct rx_cqe *c)
{
	struct rec *rc = rec_of(f, c->user_data);
	const struct rxring_sqe *s = &rc->sqe;
	unsigned int op;

	if (c->user_data < f->ud_base || c->user_data >= f->next_ud ||
	    rc->user_data != c->user_data)
		return FAIL(f, "completion with unknown user_data %llu",
			    (unsigned long long)c->user_data);
	if (rc->state != REC_CONSUMED)
		return FAIL(f, "user_data %llu (op %u) completed %s",
			    (unsigned long long)c->user_data, s->opcode,
			    rc->state == REC_FREE ? "twice" :
			    "before the kernel consumed it");
	rc->state = REC_FREE;
	f->outstanding--;
	f->completions++;
	if (c->slots == 2)
		f->pairs++;
	op = s->opcode < RXRING_OP_LAST ? s->opcode : RXRING_OP_LAST;
	f->by_op[op]++;
	if (c->status < 0)
		f->errors[op]++;
	if (s->opcode == RXRING_OP_WAITPID)
		f->waitpids--;

	if (c->flags & ~(__u64)(RXRING_CQE_EXTENDED | RXRING_CQE_ZOMBIE))
		return FAIL(f, "op %u: unknown CQE flags 0x%llx", s->opcode,
			    (unsigned long long)c->flags);
	if ((c->flags & RXRING_CQE_ZOMBIE) && s->opcode != RXRING_OP_WAITPID)
		return FAIL(f, "op %u: ZOMBIE flag", s->opcode);
	if (s->opcode != RXRING_OP_NOP && c->status < 0 &&
	    c->status < -4095)
		return FAIL(f, "op %u: status %lld is no errno", s->opcode,
			    (long long)c->status);
	/* Kernel-internal codes (ERESTARTSYS .. EIOCBQUEUED) must not leak. */
	if (s->opcode != RXRING_OP_NOP && c->status <= -512 &&
	    c->status >= -531)
		return FAIL(f, "op %u: internal error code %lld", s->opcode,
			    (long long)c->status);
	if (s->opcode >= RXRING_OP_LAST &&
	    c->status != -EINVAL && c->status != -ECANCELED)
		return FAIL(f, "opcode %u: status %lld, want EINVAL",
			    s->opcode, (long long)c->status);
	if (s->opcode == RXRING_OP_NOP && !nop_ok(s, c, rc->after_chain))
		return FAIL(f, "NOP sf 0x%x flags 0x%x off 0x%llx a1 0x%llx fd %llu len %llu addr 0x%llx a2 0x%llx: status %lld slots %u extra 0x%llx",
			    s->syscall_flags, s->flags,
			    (unsigned long long)s->offset,
			    (unsigned long long)s->additional1,
			    (unsigned long long)s->fd,
			    (unsigned long long)s->len,
			    (unsigned long long)s->addr,
			    (unsigned long long)s->additional2,
			    (long long)c->status, c->slots,
			    (unsigned long long)c->extra);

	/* Clean up what the operation created. */
	if (c->status >= 0 && (s->opcode == RXRING_OP_OPEN ||
			       s->opcode == RXRING_OP_DUP)) {
		int fd = (int)c->status;

		if (c->status > INT_MAX)
			return FAIL(f, "op %u returned fd %lld", s->opcode,
				    (long long)c->status);
		if (fd == f->r.fd || (fd >= FZ_MASTER_FD &&
				      fd < FZ_MASTER_FD + sb.nsb))
			return FAIL(f, "op %u returned fd %d, which was open",
				    s->opcode, fd);
		close(fd);
		if (sb_slot((__u64)fd) >= 0)
			f->restore_fds |= 1U << sb_slot((__u64)fd);
	}
	if (s->opcode == RXRING_OP_CLOSE && c->status == 0 &&
	    sb_slot(s->fd) >= 0)
		f->restore_fds |= 1U << sb_slot(s->fd);
	if (s->opcode == RXRING_OP_MMAP || s->opcode == RXRING_OP_MUNMAP)
		as_note(AS_DONE, s->opcode, s->addr, s->len, s->syscall_flags,
			c->status, c->user_data);
	if (s->opcode == RXRING_OP_MMAP && c->status > 0) {
		__u64 a = (__u64)c->status;

		if (room(a)) {
			f->need_data_reset = true;
		} else if (!ring_overlaps(&f->r, a, s->len)) {
			as_note(AS_OWN_UNMAP, s->opcode, a, s->len, 0, 0,
				c->user_data);
			munmap((void *)(uintptr_t)a, (size_t)s->len);
		}
	}
	if ((s->opcode == RXRING_OP_WRITE || s->opcode == RXRING_OP_WRITEV) &&
	    c->status > 0)
		f->written += (unsigned long long)c->status;
	if (s->opcode == RXRING_OP_MUNMAP && c->status == 0)
		f->need_data_reset = true;
	if (s->opcode == RXRING_OP_MMAP &&
	    (s->syscall_flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		f->need_data_reset = true;
	return true;
}

/* Reap up to max completions (all with max < 0). */
static bool reap(struct fuzz *f, long max)
{
	struct rx_cqe c;
	int ret;

	while (max < 0 || max-- > 0) {
		ret = rx_reap(&f->r, &c);
		if (ret == 0)
			break;
		if (ret < 0)
			return FAIL(f, "torn extended pair at CQ head %llu",
				    (unsigned long long)f->r.cq_head);
		if (!handle_cqe(f, &c))
			return false;
	}
	return true;
}

/* Account the SQ positions the kernel consumed. */
static bool account_head(struct fuzz *f)
{
	struct rx *r = &f->r;
	__u64 head = rx_sq_head(r), dropped;

	if (head - f->head > r->sq_tail - f->head)
		return FAIL(f, "SQ head %llu outside [%llu, %llu]",
			    (unsigned long long)head,
			    (unsigned long long)f->head,
			    (unsigned long long)r->sq_tail);
	for (; f->head != head; f->head++) {
		__u32 m = (__u32)(f->head & r->sq_mask);
		__u32 idx = f->pos_ud[m];

		if (r->array)
			f->slot_free[f->nfree++] = f->pos_slot[m];
		if (!idx) {
			f->dropped++;
			f->drops++;
			continue;
		}
		f->recs[idx - 1].state = REC_CONSUMED;
		f->recs[idx - 1].after_chain = f->last_chain;
		f->last_chain = f->recs[idx - 1].sqe.flags & RXRING_SQE_CHAIN;
		f->outstanding++;
		f->sqes++;
	}
	dropped = rx_load(&r->sqh->dropped);
	if (dropped != f->dropped)
		return FAIL(f, "SQ dropped %llu, expected %llu",
			    (unsigned long long)dropped,
			    (unsigned long long)f->dropped);
	return true;
}

/* Write n SQEs (or dropped indices) and publish them. */
static bool queue_sqes(struct fuzz *f, unsigned int n)
{
	struct rx *r = &f->r;
	unsigned int i;

	gen_iovecs(false);
	wd_batch_n = 0;
	for (i = 0; i < n; i++) {
		__u32 m = (__u32)(r->sq_tail & r->sq_mask), slot = m;
		struct rxring_sqe s;
		struct rec *rc;

		if (r->array) {
			f->pos_slot[m] = f->slot_free[--f->nfree];
			slot = f->pos_slot[m];
			if (chance(30)) {
				/* An index the kernel must skip. */
				r->array[m] = r->sq_entries +
					(__u32)below(0xffffffffU -
						     r->sq_entries);
				f->pos_ud[m] = 0;
				r->sq_tail++;
				continue;
			}
			r->array[m] = slot;
		}
		memset(&s, 0, sizeof(s));
		s.opcode = rnd_opcode();
		template_sqe(f, &s);
		mutate_sqe(&s);
		if (chance(50))
			s.flags = chance(700) ? RXRING_SQE_CHAIN :
				  chance(700) ? RXRING_SQE_DRAIN : (__u8)rnd();
		sanitize_sqe(&s);
		s.user_data = f->next_ud++;
		rc = rec_of(f, s.user_data);
		if (rc->state != REC_FREE)
			return FAIL(f, "more than %d operations in flight",
				    FZ_WINDOW);
		rc->user_data = s.user_data;
		rc->sqe = s;
		rc->state = REC_SUBMITTED;
		f->pos_ud[m] = (__u32)(s.user_data % FZ_WINDOW) + 1;
		if (s.opcode == RXRING_OP_WAITPID)
			f->waitpids++;
		if (s.opcode == RXRING_OP_WAITPID ||
		    s.opcode == RXRING_OP_FUTEX ||
		    s.opcode == RXRING_OP_TIMEOUT ||
		    s.opcode == RXRING_OP_READ)
			f->parkable[f->nparkable++ % 32] = s.user_data;
		if (s.opcode == RXRING_OP_MMAP || s.opcode == RXRING_OP_MUNMAP)
			as_note(AS_QUEUED, s.opcode, s.addr, s.len,
				s.syscall_flags, 0, s.user_data);
		r->sqes[slot] = s;
		r->sq_tail++;
		if (wd_batch_n < 256)
			wd_batch[wd_batch_n++] = s;
	}
	rx_publish(r);
	return true;
}

static char enter_desc[160];

/* One ENTER with random arguments; checks the outcome. */
static bool fuzz_enter(struct fuzz *f)
{
	struct rx *r = &f->r;
	__u64 before = rx_sq_head(r), pending = r->sq_tail - before;
	struct rxring_enter e, *ep = &e;
	bool check_args = true;
	__u64 after;
	int ret;

	memset(&e, 0, sizeof(e));
	switch (below(10)) {
	case 0:
		e.to_submit = (__u32)below(pending + 1);
		break;
	case 1:
		e.to_submit = (__u32)(pending + below(4));
		break;
	case 2:
		e.to_submit = chance(500) ? 0xffffffffU : 0;
		break;
	default:
		e.to_submit = (__u32)pending;
		break;
	}
	if (chance(100))
		e.min_complete = (__u32)below(r->cq_entries < 8 ?
					      r->cq_entries + 1 : 9);
	else if (chance(20))
		e.min_complete = r->cq_entries + (__u32)below(2);
	if (chance(100))
		e.flags |= RXRING_ENTER_WAKEUP_ON_SQ_AVAIL;
	if (chance(50))
		e.flags = RXRING_ENTER_ONLY_NOTIFY;
	if (chance(20))
		e.flags |= (__u32)rnd();
	if (!(e.flags & ~(RXRING_ENTER_ONLY_NOTIFY |
			  RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
			  RXRING_ENTER_TIMEOUT)) &&
	    !(e.flags & RXRING_ENTER_ONLY_NOTIFY) &&
	    (e.min_complete || (e.flags & RXRING_ENTER_WAKEUP_ON_SQ_AVAIL) ||
	     chance(100))) {
		/* A wait that ends: never more than 2 ms. */
		e.flags |= RXRING_ENTER_TIMEOUT;
		e.timeout_ns = (__s64)below(chance(800) ? 200000 : 2 * RX_MSEC);
	}
	if (chance(10)) {
		e.timeout_ns = -(__s64)below(1000) - 1;
		check_args = false;
	}
	if (chance(10)) {
		switch (below(4)) {
		case 0:
			e.__resv0 = (__u32)rnd() | 1;
			break;
		case 1:
			e.submitted = (__u32)rnd() | 1;
			break;
		case 2:
			e.__resv1 = (__u32)rnd() | 1;
			break;
		default:
			e.__resv2[below(2)] = rnd() | 1;
			break;
		}
		check_args = false;
	}
	if (chance(5)) {
		/* Not writable (EFAULT before taking anything) or unmapped. */
		if (chance(500)) {
			ep = (struct rxring_enter *)(void *)sb.ro_page;
			check_args = false;
		} else {
			ep = (struct rxring_enter *)(uintptr_t)bad_addr();
			check_args = false;
		}
		e.to_submit = (__u32)pending;
	}
	snprintf(enter_desc, sizeof(enter_desc),
		 "ENTER to_submit %u min_complete %u flags 0x%x timeout %lld (%llu pending)",
		 e.to_submit, e.min_complete, e.flags, (long long)e.timeout_ns,
		 (unsigned long long)pending);
	wd_set(enter_desc);
	ret = rx_ioctl(r->fd, RXRING_IOC_ENTER, ep);
	wd_set("after ENTER");
	f->enters++;
	after = rx_sq_head(r);
	if (ret < 0) {
		f->enter_errors++;
		if (ret != -EINVAL && ret != -ETIME && ret != -EINTR &&
		    ret != -EFAULT)
			return FAIL(f, "ENTER(to_submit %u min %u flags 0x%x t %lld) failed: %s",
				    e.to_submit, e.min_complete, e.flags,
				    (long long)e.timeout_ns, strerror(-ret));
		if (after != before && ep == &e)
			return FAIL(f, "ENTER failed (%s) but took %llu SQEs",
				    strerror(-ret),
				    (unsigned long long)(after - before));
		if (ep != &e && after != before)
			return FAIL(f, "ENTER with a bad record took SQEs");
		return true;
	}
	if (ep != &e)
		return FAIL(f, "ENTER with an unusable record returned %d", ret);
	if (!check_args)
		return FAIL(f, "ENTER with invalid arguments returned %d", ret);
	if ((__u32)ret > r->cq_entries)
		return FAIL(f, "ENTER returned %d > cq_entries %u", ret,
			    r->cq_entries);
	if (e.submitted != (__u32)(after - before) && e.to_submit)
		return FAIL(f, "ENTER says submitted %u, head moved %llu",
			    e.submitted, (unsigned long long)(after - before));
	if (after - before > e.to_submit)
		return FAIL(f, "ENTER took %llu SQEs, asked %u",
			    (unsigned long long)(after - before), e.to_submit);
	return true;
}

/* A garbage SQ tail: ENTER fails with EINVAL and takes nothing. */
static bool garbage_tail(struct fuzz *f)
{
	struct rx *r = &f->r;
	__u64 head = rx_sq_head(r), bad;
	__u32 sub = 0;
	int ret;

	bad = chance(500) ? head + r->sq_entries + 1 + below(1000) :
	      head - 1 - below(1000);
	rx_store(&r->sqh->tail, bad);
	ret = rx_enter(r, 1 + (__u32)below(8), 0, 0, 0, &sub);
	rx_publish(r);
	f->garbage_tails++;
	if (ret != -EINVAL || rx_sq_head(r) != head)
		return FAIL(f, "garbage SQ tail: ENTER %d, head %llu -> %llu",
			    ret, (unsigned long long)head,
			    (unsigned long long)rx_sq_head(r));
	return true;
}

/* A garbage CQ head: reads as a full CQ; nothing is written. */
static bool garbage_head(struct fuzz *f)
{
	struct rx *r = &f->r;
	__u64 bad = r->cq_head + r->cq_entries + 1 + below(1 << 20);
	int ret;

	rx_store(&r->cqh->head, chance(500) ? bad : r->cq_head - 1 - below(9));
	ret = rx_enter(r, 0, 1, RXRING_ENTER_TIMEOUT, RX_MSEC, NULL);
	rx_store(&r->cqh->head, r->cq_head);
	f->garbage_heads++;
	if (ret < 0 && ret != -ETIME)
		return FAIL(f, "garbage CQ head: ENTER %s", strerror(-ret));
	return true;
}

/* Everything that keeps outstanding operations moving. */
static void keep_going(struct fuzz *f)
{
	f->iter++;
	wd_set("reaping children");
	reap_children();
	wd_set("spawning a child");
	if (f->waitpids && nr_children < 2)
		spawn_child();
	wd_set("pumping");
	if (f->outstanding && !(f->iter % 4))
		sb_pump();
	wd_set("restoring the sandbox");
	if (f->restore_fds) {
		sb_restore_fds(f->restore_fds);
		f->restore_fds = 0;
	}
	/* Holes in the data zone are harmless: refill it now and then. */
	if (f->need_data_reset && !(f->iter % 16)) {
		sb_reset_data();
		f->need_data_reset = false;
	}
	if (f->written > (2 << 20)) {
		sb_trim_files();
		f->written = 0;
	}
}

/* ---- the poking thread --------------------------------------------------- */

struct poker {
	pthread_mutex_t lock;
	int fd;			/* a dup of the current ring fd, or -1 */
	int stop;
	unsigned long pokes;
};

static void *poke_fn(void *arg)
{
	struct poker *p = arg;
	__u64 s = 0x5eed;

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		struct rxring_futex fx;
		struct pollfd pfd;
		__u64 v = splitmix(&s);

		pthread_mutex_lock(&p->lock);
		if (p->fd >= 0) {
			switch (v % 4) {
			case 0:
				pfd.fd = p->fd;
				pfd.events = POLLIN | POLLOUT;
				poll(&pfd, 1, 0);
				break;
			case 1:
				rx_enter_raw(p->fd, 0, 0,
					     RXRING_ENTER_ONLY_NOTIFY, 0, NULL);
				break;
			case 2:
				memset(&fx, 0, sizeof(fx));
				fx.op = RXRING_FUTEX_WAKE;
				fx.addr = (__u64)sb.data + 4 * ((v >> 8) % 256);
				fx.val = 1 + (v >> 16) % 4;
				ioctl(p->fd, RXRING_IOC_FUTEX, &fx);
				break;
			default:
				rx_enter_raw(p->fd, 0, 0, 0, 0, NULL);
				break;
			}
			p->pokes++;
		}
		pthread_mutex_unlock(&p->lock);
		usleep(1000 + (unsigned int)(v >> 40) % 2000);
	}
	return NULL;
}

static void poker_set(struct poker *p, int fd)
{
	pthread_mutex_lock(&p->lock);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
	pthread_mutex_unlock(&p->lock);
}

/* ---- rings ---------------------------------------------------------------- */

/*
 * Now and then register a table of sandbox files and of data zone buffers
 * (RXRING_IOC_REGISTER_FILES/_BUFFERS, when the module has them), with an
 * invalid request or two first.
 */
static void register_fixed(struct fuzz *f)
{
#ifdef RXRING_IOC_REGISTER_FILES
	struct rxring_register reg;
	__s32 fds[8];
	unsigned int i, n;

	fz_nfiles = fz_nbufs = 0;
	if (!(probe.features & RXRING_FEAT_FIXED))
		return;
	if (chance(300)) {
		n = 1 + (unsigned int)below(8);
		for (i = 0; i < n; i++)
			fds[i] = chance(850) ? sb_fd((int)below(sb.nsb)) : -1;
		memset(&reg, 0, sizeof(reg));
		reg.addr = (__u64)(uintptr_t)fds;
		reg.nr = n;
		if (chance(100))
			reg.flags = 1;	/* EINVAL */
		if (!ioctl(f->r.fd, RXRING_IOC_REGISTER_FILES, &reg))
			fz_nfiles = n;
	}
	if (chance(300)) {
		n = 1 + (unsigned int)below(4);
		for (i = 0; i < n; i++) {
			fz_bufs[i].iov_base =
				(void *)(uintptr_t)(data_addr() & ~4095ULL);
			fz_bufs[i].iov_len = 1 + below(65536);
			if (room((__u64)(uintptr_t)fz_bufs[i].iov_base) <
			    fz_bufs[i].iov_len)
				fz_bufs[i].iov_len = 4096;
		}
		memset(&reg, 0, sizeof(reg));
		reg.addr = (__u64)(uintptr_t)fz_bufs;
		reg.nr = n;
		if (!ioctl(f->r.fd, RXRING_IOC_REGISTER_BUFFERS, &reg))
			fz_nbufs = n;
	}
#else
	(void)f;
#endif
}

static bool ring_setup(struct fuzz *f)
{
	struct rx *r = &f->r;
	__u32 sq = 1U << (chance(150) ? below(3) : 4 + below(5));
	__u32 cq = 0, flags = 0, i;
	int ret;

	/* A CQ smaller than 2 * sq now and then: submission stops early. */
	if (chance(200))
		cq = 1U << (1 + below(10));
	else if (chance(300))
		cq = 2 * sq << below(3);
	if (chance(500))
		flags = RXRING_CREATE_INDIRECT;
	ret = rx_setup(r, sq, cq, flags);
	if (ret)
		return FAIL(f, "CREATE sq %u cq %u flags %u: %s", sq, cq,
			    flags, strerror(-ret));
	as_note(AS_RING, 0, (__u64)(uintptr_t)r->sqh, r->cr.sq_header_size,
		flags, r->fd, 0);
	as_note(AS_RING, 1, (__u64)(uintptr_t)r->sqes, r->cr.sq_entries_size,
		flags, r->fd, 0);
	as_note(AS_RING, 2, (__u64)(uintptr_t)r->array, r->cr.sq_array_size,
		flags, r->fd, 0);
	as_note(AS_RING, 3, (__u64)(uintptr_t)r->cqh, r->cr.cq_header_size,
		flags, r->fd, 0);
	as_note(AS_RING, 4, (__u64)(uintptr_t)r->cqes, r->cr.cq_entries_size,
		flags, r->fd, 0);
	if (ring_in_sandbox(r))
		return FAIL(f, "ring fd %d mapped inside the sandbox %p-%p",
			    r->fd, (void *)sb.mem,
			    (void *)(sb.mem + sb.mem_len));
	f->pos_ud = calloc(sq, sizeof(*f->pos_ud));
	f->pos_slot = calloc(sq, sizeof(*f->pos_slot));
	f->slot_free = calloc(sq, sizeof(*f->slot_free));
	if (!f->pos_ud || !f->pos_slot || !f->slot_free)
		return FAIL(f, "out of memory");
	f->nfree = 0;
	for (i = 0; i < sq; i++)
		f->slot_free[f->nfree++] = sq - 1 - i;
	register_fixed(f);
	f->head = rx_sq_head(r);
	f->dropped = 0;
	f->last_chain = false;
	f->outstanding = 0;
	f->waitpids = 0;
	f->ud_base = f->next_ud;
	f->rings++;
	return true;
}

static void ring_free(struct fuzz *f)
{
	if (f->outstanding || f->head != f->r.sq_tail)
		as_note(AS_ABANDON, 0, 0, f->r.sq_tail - f->head, 0,
			f->outstanding, f->next_ud);
	rx_teardown(&f->r);
	free(f->pos_ud);
	free(f->pos_slot);
	free(f->slot_free);
	f->pos_ud = f->pos_slot = f->slot_free = NULL;
	if (f->next_ud - f->ud_base >= FZ_WINDOW) {
		memset(f->recs, 0, FZ_WINDOW * sizeof(*f->recs));
	} else {
		__u64 ud;

		for (ud = f->ud_base; ud != f->next_ud; ud++)
			rec_of(f, ud)->state = REC_FREE;
	}
	f->outstanding = 0;
	f->waitpids = 0;
}

/* Consume everything published and wait for every completion. */
static bool ring_drain(struct fuzz *f)
{
	struct rx *r = &f->r;
	long long end = rx_now_ns() + 20 * RX_NSEC;

	while (f->head != r->sq_tail || f->outstanding) {
		int ret = rx_enter(r, (__u32)(r->sq_tail - rx_sq_head(r)), 1,
				   RXRING_ENTER_TIMEOUT, 2 * RX_MSEC, NULL);

		if (ret < 0 && ret != -ETIME && ret != -EINTR)
			return FAIL(f, "drain: ENTER %s", strerror(-ret));
		if (!account_head(f) || !reap(f, -1))
			return false;
		keep_going(f);
		if (rx_now_ns() > end)
			return FAIL(f, "drain: %u operations never completed, %llu SQEs never consumed (head %llu tail %llu)",
				    f->outstanding,
				    (unsigned long long)(r->sq_tail - f->head),
				    (unsigned long long)f->head,
				    (unsigned long long)r->sq_tail);
	}
	return true;
}

/* ---- the tests ------------------------------------------------------------ */

/* What a worker reports back. */
struct totals {
	unsigned long long sqes, completions, pairs, drops, enters,
		enter_errors, rings, abandoned, garbage_tails, garbage_heads,
		by_op[RXRING_OP_LAST + 1], errors[RXRING_OP_LAST + 1], pokes;
	bool ok, blk, ext4, pollgate;
	char why[600];
};

static void add_totals(struct totals *t, const struct fuzz *f)
{
	unsigned int i;

	t->sqes += f->sqes;
	t->completions += f->completions;
	t->pairs += f->pairs;
	t->drops += f->drops;
	t->enters += f->enters;
	t->enter_errors += f->enter_errors;
	t->rings += f->rings;
	t->abandoned += f->abandoned;
	t->garbage_tails += f->garbage_tails;
	t->garbage_heads += f->garbage_heads;
	for (i = 0; i <= RXRING_OP_LAST; i++) {
		t->by_op[i] += f->by_op[i];
		t->errors[i] += f->errors[i];
	}
}

static void print_totals(const struct totals *t, __u64 seed, double secs)
{
	static const char *const names[RXRING_OP_LAST + 1] = {
		"NOP", "READ", "WRITE", "READV", "WRITEV", "FSYNC", "OPEN",
		"CLOSE", "DUP", "SEEK", "FSTAT", "MMAP", "MUNMAP", "WAITPID",
		"FUTEX", "TIMEOUT", "CANCEL", "invalid",
	};
	char line[1024];
	size_t n = 0;
	unsigned int i;

	ksft_print_msg("fuzz: seed 0x%llx (RXRING_FUZZ_SEED to replay)\n",
		       (unsigned long long)seed);
	ksft_print_msg("fuzz: %llu SQEs fuzzed, %llu completions (%llu extended pairs), %llu dropped indices, %llu rings, %llu ENTERs (%llu failed), %llu garbage tails, %llu garbage heads, %llu operations abandoned at teardown, %llu pokes, %.1f s (%.0f SQEs/s)\n",
		       t->sqes, t->completions, t->pairs, t->drops, t->rings,
		       t->enters, t->enter_errors, t->garbage_tails,
		       t->garbage_heads, t->abandoned, t->pokes, secs,
		       secs > 0 ? t->sqes / secs : 0.0);
	for (i = 0; i <= RXRING_OP_LAST && n < sizeof(line) - 64; i++)
		n += snprintf(line + n, sizeof(line) - n, " %s %llu/%llu",
			      names[i], t->by_op[i], t->errors[i]);
	ksft_print_msg("fuzz: completions/errors by opcode:%s\n", line);
	/* Added up over the kernels by scripts/check.sh. */
	ksft_print_msg("tally: fuzz_sqes %llu\n", t->sqes);
	fflush(stdout);
}

/* A failed worker's report: what failed, its last batch, its mappings. */
static void fail_dump(const struct fuzz *f, unsigned int idx)
{
	fprintf(stderr, "# fuzz worker %u failed: %s\n", idx, f->why);
	wd_dump_batch();
	as_dump();
	fflush(stderr);
}

/*
 * One fuzzing process: its own sandbox, rings, poking thread and
 * watchdog. Fills *t; t->ok false with t->why on a failure.
 */
static void fuzz_worker(unsigned int idx, __u64 seed, __u64 want,
			long long secs, struct totals *t)
{
	bool debug = debug_lane();
	long long start = rx_now_ns(), end = start + secs * RX_NSEC;
	long long last_progress = start;
	unsigned long long next_report = want / 5;
	struct poker pk = { .fd = -1 };
	pthread_t th, wdt;
	struct fuzz *f;
	const char *err;
	bool ok = true, dumped = false;

	segv_catch();
	memset(t, 0, sizeof(*t));
	f = calloc(1, sizeof(*f));
	if (f)
		f->recs = calloc(FZ_WINDOW, sizeof(*f->recs));
	if (!f || !f->recs) {
		snprintf(t->why, sizeof(t->why), "out of memory");
		return;
	}
	f->r.fd = -1;
	f->next_ud = 1;
	as_ring = &f->r;
	err = sb_init();
	if (err) {
		snprintf(t->why, sizeof(t->why), "sandbox: %s: %s", err,
			 strerror(errno));
		sb_fini();
		return;
	}
	t->blk = sb.blk;
	t->ext4 = sb.ext4;
	t->pollgate = sb.pollgate;
	rnd_seed(seed + idx);
	gen_iovecs(true);
	pthread_mutex_init(&pk.lock, NULL);
	pthread_create(&th, NULL, poke_fn, &pk);
	wd_limit_ns = (debug ? 90 : 30) * RX_NSEC;
	wd_set("starting");
	pthread_create(&wdt, NULL, watchdog_fn, NULL);

	while (ok && f->sqes < want && rx_now_ns() < end) {
		unsigned long long budget = 200 + below(chance(200) ? 20000 : 3000);
		unsigned long long stop = f->sqes + budget;
		bool abrupt = chance(120);

		/*
		 * Refill the data zone's known holes (harmless: the rings
		 * are never mapped there, see sb_reserve()).
		 */
		if (f->need_data_reset) {
			sb_reset_data();
			f->need_data_reset = false;
		}
		wd_set("CREATE");
		ok = ring_setup(f);
		if (!ok)
			break;
		poker_set(&pk, f->r.fd);
		while (ok && f->sqes < stop && f->sqes < want &&
		       rx_now_ns() < end) {
			struct rx *r = &f->r;
			__u64 space = r->sq_entries - (r->sq_tail - f->head);
			unsigned long long before = f->sqes + f->completions;

			if (space && chance(900))
				ok = queue_sqes(f, chance(700) ? (unsigned int)space :
						(unsigned int)(1 + below(space)));
			if (ok && chance(20))
				ok = garbage_tail(f);
			if (ok)
				ok = fuzz_enter(f);
			if (ok)
				ok = account_head(f);
			if (ok && chance(20))
				ok = garbage_head(f);
			if (ok)
				ok = reap(f, chance(700) ? -1 :
					  (long)below(r->cq_entries));
			keep_going(f);
			if (f->sqes >= next_report) {
				ksft_print_msg("fuzz worker %u: %llu SQEs, %llu rings, %.0f s\n",
					       idx, f->sqes, f->rings,
					       (rx_now_ns() - start) / 1e9);
				next_report += want / 5;
			}
			if (f->sqes + f->completions == before && ok) {
				/* Held by a barrier or waiting: sleep, not spin. */
				rx_enter(r, 0, 1, RXRING_ENTER_TIMEOUT,
					 RX_MSEC, NULL);
			}
			if (f->sqes + f->completions != before) {
				last_progress = rx_now_ns();
			} else if (rx_now_ns() - last_progress > 20 * RX_NSEC) {
				ok = FAIL(f, "no progress for 20 s: %u outstanding, %llu unconsumed",
					  f->outstanding,
					  (unsigned long long)(r->sq_tail -
							       f->head));
			}
		}
		if (ok && abrupt) {
			/* Teardown with operations in flight. */
			f->abandoned += f->outstanding;
		} else if (ok) {
			wd_set("draining");
			ok = ring_drain(f);
		}
		if (!ok && !dumped) {
			fail_dump(f, idx);
			dumped = true;
		}
		wd_set("closing the poker's fd");
		poker_set(&pk, -1);
		wd_set("teardown");
		ring_free(f);
		keep_going(f);
	}
	if (!ok && !dumped)
		fail_dump(f, idx);
	wd_set("stopping");
	wd_limit_ns = 600 * RX_NSEC;
	__atomic_store_n(&pk.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	if (pk.fd >= 0)
		close(pk.fd);
	if (f->r.fd >= 0)
		ring_free(f);
	kill_children();
	sb_fini();
	add_totals(t, f);
	t->pokes = pk.pokes;
	t->ok = ok;
	if (!ok)
		snprintf(t->why, sizeof(t->why), "worker %u (seed 0x%llx): %s",
			 idx, (unsigned long long)(seed + idx), f->why);
	free(f->recs);
	free(f);
}

FIXTURE(fuzz) {
	__u64 seed;
};

FIXTURE_SETUP(fuzz)
{
	int pfd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	rx_raise_memlock();
	self->seed = base_seed();
	pfd = rx_open();
	ASSERT_LE(0, pfd);
	ASSERT_EQ(0, rx_probe(pfd, &probe));
	close(pfd);
}

FIXTURE_TEARDOWN(fuzz)
{
}

/*
 * RXRING_FUZZ_JOBS workers (default: one per CPU, at most 4), forked, each
 * with a share of the SQEs and seed + its index.
 */
TEST_F_TIMEOUT(fuzz, sqes, 1800)
{
	bool debug = debug_lane();
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int jobs = (unsigned int)env_u64("RXRING_FUZZ_JOBS",
						  ncpu < 1 ? 1 : ncpu > 4 ? 4 : ncpu);
	__u64 want = env_u64("RXRING_FUZZ_SQES", debug ? 30000 : 500000);
	long long secs = (long long)env_u64("RXRING_FUZZ_SECS",
					    debug ? 700 : 230);
	long long start = rx_now_ns();
	struct totals sum, t;
	unsigned int i, failed = 0;
	pid_t pids[4];
	int fds[4][2];

	if (jobs < 1 || jobs > 4)
		jobs = 1;
	memset(&sum, 0, sizeof(sum));
	ksft_print_msg("fuzz: seed 0x%llx, %llu SQEs, %u workers (seeds 0x%llx + i), at most %lld s\n",
		       (unsigned long long)self->seed,
		       (unsigned long long)want, jobs,
		       (unsigned long long)self->seed, secs);
	for (i = 0; i < jobs; i++) {
		ASSERT_EQ(0, pipe(fds[i]));
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			close(fds[i][0]);
			fuzz_worker(i, self->seed, want / jobs +
				    (i < want % jobs), secs, &t);
			if (write(fds[i][1], &t, sizeof(t)) != sizeof(t))
				_exit(2);
			_exit(0);
		}
		close(fds[i][1]);
	}
	for (i = 0; i < jobs; i++) {
		unsigned int k;
		int st;

		if (read(fds[i][0], &t, sizeof(t)) != sizeof(t)) {
			memset(&t, 0, sizeof(t));
			snprintf(t.why, sizeof(t.why),
				 "worker %u died without a report", i);
		}
		close(fds[i][0]);
		waitpid(pids[i], &st, 0);
		sum.sqes += t.sqes;
		sum.completions += t.completions;
		sum.pairs += t.pairs;
		sum.drops += t.drops;
		sum.enters += t.enters;
		sum.enter_errors += t.enter_errors;
		sum.rings += t.rings;
		sum.abandoned += t.abandoned;
		sum.garbage_tails += t.garbage_tails;
		sum.garbage_heads += t.garbage_heads;
		sum.pokes += t.pokes;
		for (k = 0; k <= RXRING_OP_LAST; k++) {
			sum.by_op[k] += t.by_op[k];
			sum.errors[k] += t.errors[k];
		}
		if (i == 0) {
			sum.blk = t.blk;
			sum.ext4 = t.ext4;
			sum.pollgate = t.pollgate;
		}
		if (!t.ok) {
			failed++;
			TH_LOG("%s", t.why);
		}
	}
	if (!sum.blk)
		ksft_print_msg("fuzz: no null_blk device through configfs: no bios\n");
	if (!sum.ext4)
		ksft_print_msg("fuzz: no ext4 file system (mkfs.ext4, ext4, null_blk)\n");
	if (sum.pollgate)
		ksft_print_msg("fuzz: pipes/sockets without RWF_NOWAIT: their sandbox ends are O_NONBLOCK (docs/security.md, known issues)\n");
	print_totals(&sum, self->seed, (rx_now_ns() - start) / 1e9);
	if (sum.sqes < want)
		ksft_print_msg("fuzz: time cap reached after %llu of %llu SQEs\n",
			       sum.sqes, (unsigned long long)want);
	EXPECT_EQ(0U, failed);
}

/* ---- hostile indices -------------------------------------------------- */

struct scribbler {
	struct rx *r;
	__u64 seed;
	int stop;
	unsigned long writes;
};

/* Opcodes a scribbled SQE may have: all complete at once. */
static __u8 scribble_opcode(__u64 v)
{
	switch (v % 4) {
	case 0:
		return RXRING_OP_CANCEL;
	case 1:
		return (__u8)(RXRING_OP_LAST + (v >> 8) % (256 - RXRING_OP_LAST));
	default:
		return RXRING_OP_NOP;
	}
}

static void *scribble_fn(void *arg)
{
	struct scribbler *s = arg;
	struct rx *r = s->r;
	__u64 st = s->seed;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		__u64 v = splitmix(&st), what = v & 15;

		v >>= 4;
		switch (what) {
		case 0:
			rx_store(&r->sqh->tail, rx_sq_head(r) + v % (2 * r->sq_entries + 2));
			break;
		case 1:
			rx_store(&r->sqh->tail, v);
			break;
		case 2:
			rx_store(&r->cqh->head, rx_cq_tail(r) - v % (2 * r->cq_entries + 2));
			break;
		case 3:
			rx_store(&r->cqh->head, v);
			break;
		case 4:
		case 5:
			if (r->array)
				__atomic_store_n(&r->array[v & r->sq_mask],
						 (v & 0x100) ? (__u32)(v >> 9) :
						 (__u32)((v >> 9) & r->sq_mask),
						 __ATOMIC_RELAXED);
			break;
		case 6:
		case 7:
		case 8: {
			/* Any field; the opcode stays harmless. */
			struct rxring_sqe *e = &r->sqes[v & r->sq_mask];
			__u64 *w = (__u64 *)e;
			unsigned int k = (unsigned int)((v >> 12) % 8);
			__u64 val = splitmix(&st);

			if (k == 0) {
				val = (val & ~0xffULL) | scribble_opcode(val >> 32);
			}
			__atomic_store_n(&w[k], val, __ATOMIC_RELAXED);
			break;
		}
		default:
			sched_yield();
			break;
		}
		s->writes++;
	}
	return NULL;
}

TEST_F_TIMEOUT(fuzz, hostile_indices, 600)
{
	bool debug = debug_lane();
	unsigned int rounds = (unsigned int)env_u64("RXRING_FUZZ_HOSTILE_ROUNDS",
						   debug ? 6 : 40);
	unsigned long long enters = 0, errors = 0, writes = 0, recovered = 0;
	unsigned long long consumed = 0;
	struct rx rr = { .fd = -1 }, *r = &rr;
	long long t0 = rx_now_ns();
	unsigned int round;

	rnd_seed(self->seed ^ 0x4057111e);
	ksft_print_msg("hostile: seed 0x%llx, %u rounds\n",
		       (unsigned long long)self->seed, rounds);
	for (round = 0; round < rounds; round++) {
		__u32 sq = 1U << below(8), cq = chance(500) ? 0 : 1U << (1 + below(9));
		__u32 flags = chance(500) ? RXRING_CREATE_INDIRECT : 0, i;
		struct scribbler s = { .r = r, .seed = rnd() };
		struct rx_cqe c;
		long long stop;
		__u64 head0, head, tail;
		pthread_t th;
		__u32 sub;

		ASSERT_EQ(0, rx_setup(r, sq, cq, flags));
		head0 = rx_sq_head(r);
		for (i = 0; i < sq; i++) {
			rx_sqe_fill(&r->sqes[i], RXRING_OP_NOP, 0, 0, 0, i);
			if (r->array)
				r->array[i] = i;
		}
		ASSERT_EQ(0, pthread_create(&th, NULL, scribble_fn, &s));
		stop = rx_now_ns() + (long long)(debug ? 1500 : 500) * RX_MSEC;
		while (rx_now_ns() < stop) {
			__u32 to = (__u32)(chance(100) ? rnd() : below(2 * sq + 4));
			__u32 minc = chance(300) ? (__u32)below(r->cq_entries + 1) : 0;
			__u32 fl = minc || chance(100) ? RXRING_ENTER_TIMEOUT : 0;
			int ret;

			if (chance(100))
				fl |= RXRING_ENTER_WAKEUP_ON_SQ_AVAIL |
				      RXRING_ENTER_TIMEOUT;
			sub = 0;
			ret = rx_enter(r, to, minc, fl,
				       fl & RXRING_ENTER_TIMEOUT ?
				       (__s64)below(2 * RX_MSEC) : 0, &sub);
			enters++;
			if (ret < 0) {
				errors++;
				ASSERT_TRUE(ret == -EINVAL || ret == -ETIME ||
					    ret == -EINTR)
					TH_LOG("ENTER: %s", strerror(-ret));
				ASSERT_EQ(0U, sub);
			} else {
				ASSERT_GE(r->cq_entries, (__u32)ret);
				ASSERT_GE(to, sub);
				consumed += sub;
			}
			if (chance(300)) {
				/* consume like a real user, sometimes */
				__u64 t = rx_cq_tail(r);

				r->cq_head = t;
				rx_store(&r->cqh->head, t);
			}
		}
		__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
		ASSERT_EQ(0, pthread_join(th, NULL));
		writes += s.writes;

		/*
		 * Restore sane indices from the kernel's own copies (the
		 * shared ones may hold garbage: one ENTER publishes them)
		 * and check that the ring works exactly.
		 */
		for (i = 0; i < sq; i++) {
			rx_sqe_fill(&r->sqes[i], RXRING_OP_NOP, 0, 0, 0, i);
			if (r->array)
				r->array[i] = i;
		}
		head = rx_sq_head(r);
		tail = rx_cq_tail(r);
		ASSERT_LE(head0, head);
		r->sq_tail = head;
		rx_publish(r);
		r->cq_head = tail;
		rx_store(&r->cqh->head, tail);
		/*
		 * Everything scribbled completes at once, but a failed CHAIN
		 * may have left the next SQE to be cancelled: a NOP without
		 * CHAIN first (0 or ECANCELED), then NOPs that must complete
		 * exactly, one ENTER each (the SQ may have one entry).
		 */
		rx_push_nop(r, 0xe00);
		rx_publish(r);
		sub = 0;
		ASSERT_LE(1, rx_enter(r, 1, 1, RXRING_ENTER_TIMEOUT,
				      5 * RX_NSEC, &sub));
		ASSERT_EQ(1U, sub);
		ASSERT_EQ(1, rx_reap(r, &c));
		ASSERT_EQ(0xe00ULL, c.user_data);
		ASSERT_TRUE(c.status == 0 || c.status == -ECANCELED);
		for (i = 0; i < 3; i++) {
			rx_push_nop(r, 0xf00 + i);
			rx_publish(r);
			sub = 0;
			ASSERT_EQ(1, rx_enter(r, 1, 1, RXRING_ENTER_TIMEOUT,
					      5 * RX_NSEC, &sub));
			ASSERT_EQ(1U, sub);
			ASSERT_EQ(0, rx_reap_nops(r, 0xf00 + i, 1))
				TH_LOG("%s", rx_why);
		}
		ASSERT_EQ(0, rx_reap(r, &c));
		recovered++;
		rx_teardown(r);
	}
	ksft_print_msg("hostile: %llu rounds recovered, %llu ENTERs (%llu failed), %llu SQEs consumed, %llu scribbles, %.1f s\n",
		       recovered, enters, errors, consumed, writes,
		       (rx_now_ns() - t0) / 1e9);
}

/*
 * The harness's own time limits, within the runner's (selftests/settings,
 * four times longer under the debug kernel): the test time caps plus room.
 */
static void __attribute__((constructor)) fuzz_timeouts(void)
{
	bool debug = debug_lane();

	_fuzz_sqes_object.timeout =
		(int)env_u64("RXRING_FUZZ_SECS", debug ? 700 : 230) + 50;
	_fuzz_hostile_indices_object.timeout = debug ? 300 : 100;
}

TEST_HARNESS_MAIN
