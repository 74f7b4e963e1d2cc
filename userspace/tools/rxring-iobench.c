// SPDX-License-Identifier: MIT
/*
 * rxring-iobench: fio's t/io_uring, for rxring. The same workload, the same
 * loop and the same output, so the two can be run side by side on one
 * kernel (scripts/bench.sh, docs/performance.md).
 *
 *   rxring-iobench [-d DEPTH] [-s BATCH_SUBMIT] [-c BATCH_COMPLETE]
 *                  [-b BS] [-B 0|1] [-F 0|1] [-N 0|1] [-O 0|1] [-R 0|1]
 *                  [-V 0|1] [-r SECS] [-p 0|1] [-P 0|1] DEV
 *
 * Options and defaults are t/io_uring's (fio 3.33): depth 128, submit and
 * complete batches of 32, 4 KiB blocks, random offsets, O_DIRECT, fixed
 * buffers (-B) and registered files (-F) on; -N1 submits NOPs instead of
 * reads; -r the run time in seconds (0: until SIGINT). -V0 uses READ for
 * plain buffers instead of a one-element READV (t/io_uring always uses
 * READV). -p1 is polled I/O, as t/io_uring's: the ring is created with
 * RXRING_CREATE_IOPOLL (the device needs poll queues, nvme.poll_queues=).
 * -P1 creates it with RXRING_CREATE_SQPOLL (t/io_uring's sq_thread_poll,
 * a compile-time switch there): a kernel thread submits, an ENTER is made
 * only to wake it (RXRING_RING_NEED_WAKEUP), and completions are awaited
 * by spinning on the CQ, as t/io_uring does; it needs registered files
 * (-F1). IOS/call then counts rounds of the loop, not system calls.
 *
 * The loop is t/io_uring's submitter_uring_fn(): keep DEPTH requests in
 * flight, prepare them BATCH_SUBMIT at a time, and when the ring is full
 * submit and wait for BATCH_COMPLETE completions in the same ENTER; reap
 * everything there is after each ENTER. Offsets are (rand % (blocks - 1))
 * * BS over the whole device. Each second it prints
 *
 *   IOPS=N, BW=NMiB/s, IOS/call=S/R
 *
 * like t/io_uring (IOPS counts submissions, S submissions and R reaps per
 * ENTER), but with exact numbers. Unlike t/io_uring it submits from the
 * main thread and looks at the clock after every 8th ENTER instead of
 * sampling from a second thread: a second thread would share the fd table
 * and make every ioctl() take a file reference, which t/io_uring avoids
 * with its registered ring fd (-X1, its default).
 *
 * Build: cc -O2 rxring-iobench.c $(pkg-config --cflags --libs librxring)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "common.h"

static unsigned int depth = 128, batch_submit = 32, batch_complete = 32;
static unsigned int bs = 4096;
static int fixedbufs = 1, register_files = 1, do_nop, buffered, random_io = 1;
static int vectored = 1, polled, sqpoll;
static unsigned int runtime;
static volatile sig_atomic_t finish;

struct submitter {
	struct rxring ring;
	int real_fd;		/* the device */
	__u64 max_blocks;	/* of bs bytes, minus one, as t/io_uring */
	__u64 cur_off;
	__u64 rand_state[5];
	struct iovec *iovecs;	/* one buffer per SQ slot */
	unsigned int sq_mask;
	unsigned long inflight;
	unsigned long done, calls, reaps;
};

/* fio's lib/rand.c taus258 generator (__init_rand64, __rand64). */
static __u64 rand64(struct submitter *s)
{
	__u64 *st = s->rand_state, x;

	x = ((st[0] << 1) ^ st[0]) >> 53;
	st[0] = ((st[0] & 18446744073709551614ULL) << 10) ^ x;
	x = ((st[1] << 24) ^ st[1]) >> 50;
	st[1] = ((st[1] & 18446744073709551104ULL) << 5) ^ x;
	x = ((st[2] << 3) ^ st[2]) >> 23;
	st[2] = ((st[2] & 18446744073709547520ULL) << 29) ^ x;
	x = ((st[3] << 5) ^ st[3]) >> 24;
	st[3] = ((st[3] & 18446744073709420544ULL) << 23) ^ x;
	x = ((st[4] << 3) ^ st[4]) >> 33;
	st[4] = ((st[4] & 18446744073701163008ULL) << 8) ^ x;
	return st[0] ^ st[1] ^ st[2] ^ st[3] ^ st[4];
}

static __u64 rand_seed(__u64 x, __u64 m)
{
	return x < m ? x + m : x;
}

static void rand_init(struct submitter *s, __u64 seed)
{
	static const __u64 m[5] = { 1, 7, 15, 33, 49 };
	/* fio writes (2^31) + (2^17) + (2^7): XORs, 29 + 19 + 5. */
	__u64 x = (2 ^ 31) + (2 ^ 17) + (2 ^ 7);
	int i;

	for (i = 0; i < 5; i++) {
		x = rand_seed(x * 6906969069ULL ^ seed, m[i]);
		s->rand_state[i] = x;
	}
	for (i = 0; i < 6; i++)
		rand64(s);
}

static __u64 get_offset(struct submitter *s)
{
	__u64 off;

	if (random_io)
		return (rand64(s) % (s->max_blocks - 1)) * bs;
	off = s->cur_off;
	s->cur_off += bs;
	if (s->cur_off + bs > (s->max_blocks + 1) * bs)
		s->cur_off = 0;
	return off;
}

static void init_io(struct submitter *s, struct rxring_sqe *sqe,
		    unsigned int index)
{
	if (do_nop) {
		/*
		 * As t/io_uring: only the opcode. The SQ slots start zeroed
		 * and nothing else is ever written to them in a NOP run.
		 */
		sqe->opcode = RXRING_OP_NOP;
		return;
	}
	if (fixedbufs)
		rxring_prep_read_fixed(sqe, 0, s->iovecs[index].iov_base, bs,
				       0, index);
	else if (!vectored)
		rxring_prep_read(sqe, 0, s->iovecs[index].iov_base, bs, 0);
	else
		rxring_prep_readv(sqe, 0, &s->iovecs[index], 1, 0);
	if (register_files)
		rxring_sqe_fixed_file(sqe, 0);
	else
		sqe->fd = (__u64)s->real_fd;
	sqe->offset = get_offset(s);
	sqe->user_data = 0;
}

/*
 * The rings are used directly, as t/io_uring does with io_uring's: SQEs
 * are written in place and the tail published once per batch, CQEs are
 * read in place and the head moved once per reap. librxring's own
 * bookkeeping (sqe_tail, published) is kept in step.
 */
static __u64 load_acquire(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(__u64 *p, __u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* prep_more_ios_uring(): fill up to max_ios SQEs, publish the tail. */
static unsigned int prep_more_ios(struct submitter *s, unsigned int max_ios)
{
	struct rxring_sq *sq = &s->ring.sq;
	__u64 head = load_acquire(&sq->hdr->head), tail = sq->sqe_tail;
	unsigned int prepped = 0;

	while (prepped < max_ios && tail - head < sq->entries) {
		unsigned int index = (unsigned int)(tail & sq->mask);

		/* The slot index doubles as the buffer index, as there. */
		init_io(s, &sq->sqes[index], index);
		tail++;
		prepped++;
	}
	if (prepped) {
		sq->sqe_tail = tail;
		sq->published = tail;
		store_release(&sq->hdr->tail, tail);
	}
	return prepped;
}

/* reap_events_uring(): everything there is, the CQ head moved once. */
static int reap_events(struct submitter *s)
{
	struct rxring_cq *cq = &s->ring.cq;
	__u64 head = cq->hdr->head, tail = load_acquire(&cq->hdr->tail), i;

	if (tail - head > cq->entries) {
		printf("io: bad CQ tail\n");
		return -1;
	}
	for (i = head; i != tail && !do_nop; i++) {
		const struct rxring_cqe *cqe = &cq->cqes[i & cq->mask];

		/* A read completes as one CQE with its byte count. */
		if ((cqe->flags & RXRING_CQE_EXTENDED) ||
		    cqe->status != (__s32)bs) {
			printf("io: unexpected ret=%d flags=%#x\n", cqe->status,
			       cqe->flags);
			return -1;
		}
	}
	if (tail != head)
		store_release(&cq->hdr->head, tail);
	s->inflight -= tail - head;
	return (int)(tail - head);
}

/* io_uring_enter(): submit to_submit published SQEs, wait for to_wait. */
static int do_enter(struct submitter *s, unsigned int to_submit,
		    unsigned int to_wait, unsigned int *submitted)
{
	struct rxring_enter e = {
		.to_submit = to_submit,
		.min_complete = to_wait,
	};

	*submitted = 0;
	if (sqpoll) {
		/*
		 * As t/io_uring with sq_thread_poll: the thread takes what is
		 * published, so all of it counts as submitted; enter only to
		 * wake it (the full barrier orders the tail store before the
		 * status load, as librxring does). run() spins on the CQ for
		 * completions instead of waiting in ENTER.
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		*submitted = to_submit;
		e.min_complete = 0;
		if (!(__atomic_load_n(&s->ring.sq.hdr->status,
				      __ATOMIC_RELAXED) &
		      RXRING_RING_NEED_WAKEUP))
			return 0;
	}
	if (ioctl(s->ring.fd, RXRING_IOC_ENTER, &e) < 0)
		return -errno;
	if (!sqpoll)
		*submitted = e.submitted;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(unsigned long iops, unsigned long calls, unsigned long done,
		   unsigned long reaps)
{
	unsigned long bw = iops / (1048576 / bs);

	printf("IOPS=%lu, ", iops);
	if (!do_nop)
		printf("BW=%luMiB/s, ", bw);
	if (calls)
		printf("IOS/call=%lu/%lu\n", done / calls, reaps / calls);
	else
		printf("IOS/call=-1/-1\n");
	fflush(stdout);
}

/* submitter_uring_fn(), with the per-second report of main() folded in. */
static int run(struct submitter *s)
{
	unsigned long l_done = 0, l_calls = 0, l_reaps = 0;
	unsigned int prepped = 0, seconds = 0, rounds = 0;
	double next = now() + 1;
	int ret;

	do {
		unsigned int to_wait, to_submit, submitted, to_prep;
		int this_reap;

		if (!prepped && s->inflight < depth) {
			to_prep = depth - s->inflight;
			if (to_prep > batch_submit)
				to_prep = batch_submit;
			prepped = prep_more_ios(s, to_prep);
		}
		s->inflight += prepped;
submit_more:
		to_submit = prepped;
submit:
		if (to_submit && s->inflight + to_submit <= depth)
			to_wait = 0;
		else
			to_wait = s->inflight + to_submit < batch_complete ?
				  s->inflight + to_submit : batch_complete;

		ret = do_enter(s, to_submit, to_wait, &submitted);
		s->calls++;

		/* SQPOLL: spin here until to_wait completions came. */
		this_reap = 0;
		do {
			int r = reap_events(s);

			if (r < 0)
				return 1;
			this_reap += r;
		} while (sqpoll && (unsigned int)this_reap < to_wait && !finish);
		s->reaps += this_reap;

		if (ret < 0) {
			if (ret == -EAGAIN || ret == -EINTR) {
				if (finish)
					break;
				to_submit = 0;
				goto submit;
			}
			printf("rxring enter: %s\n", strerror(-ret));
			return 1;
		}
		if (!submitted) {
			to_submit = 0;
			if (s->inflight && !finish)
				goto submit;
		} else if (submitted < to_submit) {
			s->done += submitted;
			prepped -= to_submit - submitted;
			goto submit_more;
		} else {
			s->done += submitted;
			prepped = 0;
		}

		/* The clock is read every 8th round: it costs a syscall's worth. */
		if (!(++rounds & 7) && now() >= next) {
			report(s->done - l_done, s->calls - l_calls,
			       s->done - l_done, s->reaps - l_reaps);
			l_done = s->done;
			l_calls = s->calls;
			l_reaps = s->reaps;
			next += 1;
			if (runtime && ++seconds + 1 >= runtime)
				finish = 1;
		}
	} while (!finish);

	/* Let what is in flight finish before the ring goes. */
	while (s->inflight) {
		unsigned int submitted;

		ret = do_enter(s, 0, 1, &submitted);
		if (ret < 0 && ret != -EINTR)
			return 1;
		if (reap_events(s) < 0)
			return 1;
	}
	return 0;
}

static void sig_int(int sig)
{
	(void)sig;
	finish = 1;
}

static int get_file_size(struct submitter *s, __u64 *size)
{
	struct stat st;

	if (fstat(s->real_fd, &st) < 0)
		return -1;
	if (S_ISBLK(st.st_mode))
		return ioctl(s->real_fd, BLKGETSIZE64, size) ? -1 : 0;
	if (S_ISREG(st.st_mode)) {
		*size = (__u64)st.st_size;
		return 0;
	}
	return -1;
}

static int setup(struct submitter *s, const char *name)
{
	unsigned int entries = 1, i;
	struct rlimit rlim;
	__u64 size;
	int ret;

	while (entries < depth)
		entries <<= 1;
	s->sq_mask = entries - 1;
	s->iovecs = calloc(entries, sizeof(*s->iovecs));
	if (!s->iovecs)
		return -ENOMEM;
	for (i = 0; i < entries; i++) {
		if (posix_memalign(&s->iovecs[i].iov_base, 4096, bs))
			return -ENOMEM;
		s->iovecs[i].iov_len = bs;
	}

	if (!do_nop) {
		s->real_fd = open(name, O_RDONLY | O_NOATIME |
					(buffered ? 0 : O_DIRECT));
		if (s->real_fd < 0) {
			perror("open");
			return -errno;
		}
		if (get_file_size(s, &size) || size / bs <= 1) {
			printf("failed getting size of device/file\n");
			return -EINVAL;
		}
		s->max_blocks = size / bs - 1;
	}
	rand_init(s, (__u64)getpid());

	ret = rxring_queue_init(entries, &s->ring,
				(polled ? RXRING_CREATE_IOPOLL : 0) |
				(sqpoll ? RXRING_CREATE_SQPOLL : 0));
	if (ret) {
		printf("rxring_queue_init: %s\n", strerror(-ret));
		return ret;
	}
	if (do_nop)
		return 0;
	if (fixedbufs) {
		/* As t/io_uring: not needed on newer kernels, errors ignored. */
		rlim.rlim_cur = RLIM_INFINITY;
		rlim.rlim_max = RLIM_INFINITY;
		setrlimit(RLIMIT_MEMLOCK, &rlim);
		ret = rxring_register_buffers(&s->ring, s->iovecs, entries);
		if (ret) {
			printf("rxring_register_buffers: %s\n", strerror(-ret));
			return ret;
		}
	}
	if (register_files) {
		int fds[1] = { s->real_fd };

		ret = rxring_register_files(&s->ring, fds, 1);
		if (ret) {
			printf("rxring_register_files: %s\n", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void usage(const char *argv0, int status)
{
	printf("%s [options] DEV\n"
	       " -d <int>  : IO Depth, default %u\n"
	       " -s <int>  : Batch submit, default %u\n"
	       " -c <int>  : Batch complete, default %u\n"
	       " -b <int>  : Block size, default %u\n"
	       " -B <bool> : Fixed buffers, default %d\n"
	       " -F <bool> : Register files, default %d\n"
	       " -N <bool> : Perform just no-op requests, default %d\n"
	       " -O <bool> : Use O_DIRECT, default %d\n"
	       " -R <bool> : Use random IO, default %d\n"
	       " -V <bool> : READV (1) or READ (0) for plain buffers, default %d\n"
	       " -r <int>  : Runtime in seconds, default unlimited\n"
	       " -p <bool> : Polled IO (RXRING_CREATE_IOPOLL), default %d\n"
	       " -P <bool> : SQ polling thread (RXRING_CREATE_SQPOLL), default %d\n",
	       argv0, depth, batch_submit, batch_complete, bs, fixedbufs,
	       register_files, do_nop, !buffered, random_io, vectored, polled,
	       sqpoll);
	exit(status);
}

int main(int argc, char **argv)
{
	struct submitter s = { .real_fd = -1 };
	int opt;

	while ((opt = getopt(argc, argv, "d:s:c:b:p:B:F:N:O:P:R:V:r:h?")) !=
	       -1) {
		switch (opt) {
		case 'd':
			depth = (unsigned int)atoi(optarg);
			break;
		case 's':
			batch_submit = (unsigned int)atoi(optarg);
			if (!batch_submit)
				batch_submit = 1;
			break;
		case 'c':
			batch_complete = (unsigned int)atoi(optarg);
			if (!batch_complete)
				batch_complete = 1;
			break;
		case 'b':
			bs = (unsigned int)atoi(optarg);
			break;
		case 'p':
			polled = !!atoi(optarg);
			break;
		case 'P':
			sqpoll = !!atoi(optarg);
			break;
		case 'B':
			fixedbufs = !!atoi(optarg);
			break;
		case 'F':
			register_files = !!atoi(optarg);
			break;
		case 'N':
			do_nop = !!atoi(optarg);
			break;
		case 'O':
			buffered = !atoi(optarg);
			break;
		case 'R':
			random_io = !!atoi(optarg);
			break;
		case 'V':
			vectored = !!atoi(optarg);
			break;
		case 'r':
			runtime = (unsigned int)atoi(optarg);
			break;
		default:
			usage(argv[0], opt == 'h' ? 0 : 1);
		}
	}
	if (!depth || depth > RXRING_MAX_SQ_ENTRIES || !bs || bs > 1048576)
		usage(argv[0], 1);
	if (batch_complete > depth)
		batch_complete = depth;
	if (batch_submit > depth)
		batch_submit = depth;
	if (!do_nop && optind + 1 != argc)
		usage(argv[0], 1);
	if (sqpoll && !do_nop && !register_files) {
		printf("-P1 needs registered files (-F1): the SQPOLL thread has no file table\n");
		return 1;
	}
	if (polled && (do_nop || buffered)) {
		printf("-p1 polls block I/O: it needs O_DIRECT reads (-O1, -N0)\n");
		return 1;
	}

	signal(SIGINT, sig_int);
	if (setup(&s, do_nop ? NULL : argv[optind]))
		return 1;
	printf("rxring-iobench: %s, bs=%u, QD=%u, batch=%u/%u, fixedbufs=%d, "
	       "register_files=%d, polled=%d, sqpoll=%d, %s\n",
	       do_nop ? "nop" : argv[optind], bs, depth, batch_submit,
	       batch_complete, !do_nop && fixedbufs, !do_nop && register_files,
	       polled, sqpoll, do_nop ? "NOP" : fixedbufs ? "READ fixed" :
	       vectored ? "READV" : "READ");
	fflush(stdout);
	opt = run(&s);
	rxring_queue_exit(&s.ring);
	if (s.real_fd >= 0)
		close(s.real_fd);
	return opt;
}
