// SPDX-License-Identifier: GPL-2.0
/*
 * rxring-engine: an external fio I/O engine that does its reads, writes
 * and syncs through an rxring (READ, WRITE, FSYNC ring operations).
 *
 *   fio --ioengine=external:/path/to/rxring-engine.so --direct=1 ...
 *
 * Built against the headers of the fio it is loaded into (same version:
 * struct thread_data and struct io_u are fio's internals) by
 * scripts/build-fio-engine.sh. GPL-2.0 like fio, whose headers it uses.
 *
 * One ring per fio job (thread), with at least iodepth SQ entries and
 * twice as many CQ entries. ->queue() fills an SQE, ->commit() submits
 * them, ->getevents() reaps completions (and submits whatever the kernel
 * did not take yet), waiting in RXRING_IOC_ENTER for the minimum fio asks
 * for. TRIM is not supported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fio.h"
#include "optgroup.h"

#include <rxring.h>

struct rxring_fio {
	struct rxring ring;
	struct io_u **events;	/* reaped io_us, for ->event() */
	struct io_u **fifo;	/* queued io_us, in SQ order */
	unsigned int fifo_mask;
	unsigned long long fifo_head;	/* oldest not taken by the kernel */
	unsigned long long fifo_tail;
	unsigned int depth;
};

static unsigned int pow2_at_least(unsigned int v)
{
	unsigned int p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static int rxring_fio_init(struct thread_data *td)
{
	static const unsigned int need[] = {
		RXRING_OP_READ, RXRING_OP_WRITE, RXRING_OP_FSYNC,
	};
	struct rxring_probe probe;
	struct rxring_fio *rf;
	unsigned int i, entries;
	int ret;

	rf = calloc(1, sizeof(*rf));
	if (!rf)
		return 1;
	rf->depth = td->o.iodepth ? td->o.iodepth : 1;
	entries = pow2_at_least(rf->depth);
	rf->events = calloc(rf->depth, sizeof(*rf->events));
	rf->fifo = calloc(entries, sizeof(*rf->fifo));
	rf->fifo_mask = entries - 1;
	if (!rf->events || !rf->fifo)
		goto fail;

	ret = rxring_queue_init(entries, &rf->ring, 0);
	if (ret < 0) {
		td_verror(td, -ret, "rxring_queue_init");
		goto fail;
	}
	ret = rxring_probe(rf->ring.fd, &probe);
	if (ret < 0) {
		td_verror(td, -ret, "rxring_probe");
		goto fail_ring;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!rxring_opcode_supported(&probe, need[i])) {
			log_err("rxring: the module does not support opcode %u\n",
				need[i]);
			goto fail_ring;
		}
	}
	td->io_ops_data = rf;
	return 0;

fail_ring:
	rxring_queue_exit(&rf->ring);
fail:
	free(rf->events);
	free(rf->fifo);
	free(rf);
	return 1;
}

static void rxring_fio_cleanup(struct thread_data *td)
{
	struct rxring_fio *rf = td->io_ops_data;

	if (!rf)
		return;
	rxring_queue_exit(&rf->ring);
	free(rf->events);
	free(rf->fifo);
	free(rf);
	td->io_ops_data = NULL;
}

static enum fio_q_status rxring_fio_queue(struct thread_data *td,
					  struct io_u *io_u)
{
	struct rxring_fio *rf = td->io_ops_data;
	int fd = io_u->file->fd;
	struct rxring_sqe *sqe;

	fio_ro_check(td, io_u);

	if (io_u->ddir == DDIR_TRIM) {
		io_u->error = EINVAL;
		return FIO_Q_COMPLETED;
	}
	sqe = rxring_get_sqe(&rf->ring);
	if (!sqe)
		return FIO_Q_BUSY;
	switch (io_u->ddir) {
	case DDIR_READ:
		rxring_prep_read(sqe, fd, io_u->xfer_buf, io_u->xfer_buflen,
				 io_u->offset);
		break;
	case DDIR_WRITE:
		rxring_prep_write(sqe, fd, io_u->xfer_buf, io_u->xfer_buflen,
				  io_u->offset);
		break;
	case DDIR_DATASYNC:
		rxring_prep_fsync(sqe, fd, RXRING_FSYNC_DATASYNC);
		break;
	default:	/* DDIR_SYNC, DDIR_SYNC_FILE_RANGE */
		rxring_prep_fsync(sqe, fd, 0);
		break;
	}
	rxring_sqe_set_data(sqe, (__u64)(uintptr_t)io_u);
	rf->fifo[rf->fifo_tail++ & rf->fifo_mask] = io_u;
	return FIO_Q_QUEUED;
}

/* The kernel took n more SQEs: stamp their issue time. */
static void rxring_fio_taken(struct thread_data *td, struct rxring_fio *rf,
			     unsigned int n)
{
	struct timespec now;
	unsigned int i;

	if (!n)
		return;
	if (fio_fill_issue_time(td)) {
		fio_gettime(&now, NULL);
		for (i = 0; i < n; i++) {
			struct io_u *io_u =
				rf->fifo[(rf->fifo_head + i) & rf->fifo_mask];

			memcpy(&io_u->issue_time, &now, sizeof(now));
			io_u_queued(td, io_u);
		}
	}
	rf->fifo_head += n;
	io_u_mark_submit(td, n);
}

static int rxring_fio_commit(struct thread_data *td)
{
	struct rxring_fio *rf = td->io_ops_data;
	int ret;

	if (rf->fifo_head == rf->fifo_tail)
		return 0;
	do {
		ret = rxring_submit(&rf->ring);
	} while (ret == -EINTR);
	if (ret < 0) {
		td_verror(td, -ret, "rxring_submit");
		return ret;
	}
	/* What the kernel did not take (CQ full) goes with getevents. */
	rxring_fio_taken(td, rf, (unsigned int)ret);
	return 0;
}

static void rxring_fio_result(struct io_u *io_u, long long status)
{
	if (status < 0) {
		io_u->error = (int)-status;
	} else if ((unsigned long long)status != io_u->xfer_buflen) {
		if ((unsigned long long)status > io_u->xfer_buflen)
			io_u->error = EIO;
		else
			io_u->resid = io_u->xfer_buflen - status;
	} else {
		io_u->error = 0;
	}
}

static int rxring_fio_getevents(struct thread_data *td, unsigned int min,
				unsigned int max, const struct timespec *t)
{
	struct rxring_fio *rf = td->io_ops_data;
	struct rxring_completion c;
	unsigned int events = 0;
	int ret;

	(void)t;
	for (;;) {
		while (events < max &&
		       rxring_peek_completion(&rf->ring, &c) == 0) {
			struct io_u *io_u = (struct io_u *)(uintptr_t)c.user_data;

			rxring_fio_result(io_u, c.status);
			rf->events[events++] = io_u;
		}
		if (events >= min)
			return (int)events;
		/* Submits what is left in the SQ, then waits. */
		ret = rxring_submit_and_wait(&rf->ring, min - events);
		if (ret == -EINTR || ret == -EAGAIN)
			continue;
		if (ret < 0) {
			td_verror(td, -ret, "rxring_submit_and_wait");
			return ret;
		}
		rxring_fio_taken(td, rf, (unsigned int)ret);
	}
}

static struct io_u *rxring_fio_event(struct thread_data *td, int event)
{
	struct rxring_fio *rf = td->io_ops_data;

	return rf->events[event];
}

/* Found by fio with dlsym(): --ioengine=external:rxring-engine.so */
struct ioengine_ops ioengine = {
	.name		= "rxring",
	.version	= FIO_IOOPS_VERSION,
	.flags		= FIO_NO_OFFLOAD,
	.init		= rxring_fio_init,
	.queue		= rxring_fio_queue,
	.commit		= rxring_fio_commit,
	.getevents	= rxring_fio_getevents,
	.event		= rxring_fio_event,
	.cleanup	= rxring_fio_cleanup,
	.open_file	= generic_open_file,
	.close_file	= generic_close_file,
	.get_file_size	= generic_get_file_size,
};
