// SPDX-License-Identifier: MIT
/*
 * rxring-top: live statistics of the rxring instances, from
 * /sys/kernel/debug/rxring/<id>/stats (module debugfs), refreshed every
 * second.
 *
 * Usage: rxring-top [-n COUNT] [-d SECONDS] [-p DIR]
 *   -n COUNT    refresh COUNT times, then exit (-n 1: one snapshot)
 *   -d SECONDS  refresh interval (default 1; fractions allowed)
 *   -p DIR      the debugfs directory (default /sys/kernel/debug/rxring)
 *
 * The per-second rates (SQE/s, CQE/s) are computed between two refreshes
 * and shown from the second one on. Reading debugfs needs root.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_RINGS	4096

struct ring_stats {
	unsigned long id;
	long pid;
	char comm[32];
	char rings[16];
	long long sq_entries, cq_entries, sq_head, sq_pending, sq_dropped;
	long long cq_filled, completions, in_flight;
	long long parked_futex, parked_waitpid, parked_timeout;
	long long bio, file, page, wq_queued, wq_running, max_workers;
};

struct snapshot {
	struct ring_stats r[MAX_RINGS];
	unsigned int n;
	double t;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void parse_line(struct ring_stats *s, const char *key, const char *val)
{
	static const struct {
		const char *key;
		size_t off;
	} nums[] = {
#define F(k, f) { k, offsetof(struct ring_stats, f) }
		F("sq_entries", sq_entries), F("cq_entries", cq_entries),
		F("sq_head", sq_head), F("sq_pending", sq_pending),
		F("sq_dropped", sq_dropped), F("cq_filled", cq_filled),
		F("completions", completions), F("in_flight", in_flight),
		F("parked_futex", parked_futex),
		F("parked_waitpid", parked_waitpid),
		F("parked_timeout", parked_timeout),
		F("bio_in_flight", bio), F("waiting_for_file", file),
		F("waiting_for_page", page), F("worker_queued", wq_queued),
		F("worker_running", wq_running),
		F("max_workers", max_workers),
#undef F
	};
	unsigned int i;

	if (!strcmp(key, "pid")) {
		s->pid = strtol(val, NULL, 10);
	} else if (!strcmp(key, "comm")) {
		snprintf(s->comm, sizeof(s->comm), "%s", val);
	} else if (!strcmp(key, "rings")) {
		snprintf(s->rings, sizeof(s->rings), "%s", val);
	} else {
		for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			if (!strcmp(key, nums[i].key)) {
				*(long long *)((char *)s + nums[i].off) =
					strtoll(val, NULL, 10);
				return;
			}
		}
	}
}

static int read_stats(const char *dir, unsigned long id, struct ring_stats *s)
{
	char path[512], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%lu/stats", dir, id);
	f = fopen(path, "r");
	if (!f)
		return -errno;	/* the instance went away meanwhile */
	memset(s, 0, sizeof(*s));
	s->id = id;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *val;

		if (!colon)
			continue;
		*colon = 0;
		val = colon + 1;
		val += strspn(val, " ");
		val[strcspn(val, "\n")] = 0;
		parse_line(s, line, val);
	}
	fclose(f);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct ring_stats *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int take(const char *dir, struct snapshot *snap)
{
	struct dirent *d;
	DIR *dd;

	dd = opendir(dir);
	if (!dd)
		return -errno;
	snap->n = 0;
	snap->t = now_s();
	while ((d = readdir(dd)) && snap->n < MAX_RINGS) {
		char *end;
		unsigned long id = strtoul(d->d_name, &end, 10);

		if (*end || end == d->d_name)
			continue;
		if (!read_stats(dir, id, &snap->r[snap->n]))
			snap->n++;
	}
	closedir(dd);
	qsort(snap->r, snap->n, sizeof(snap->r[0]), cmp_id);
	return 0;
}

static const struct ring_stats *find(const struct snapshot *s, unsigned long id)
{
	unsigned int i;

	for (i = 0; s && i < s->n; i++)
		if (s->r[i].id == id)
			return &s->r[i];
	return NULL;
}

static void show(const struct snapshot *cur, const struct snapshot *prev)
{
	long long in_flight = 0, parked = 0, sqes = 0, cqes = 0;
	double dt = prev ? cur->t - prev->t : 0;
	unsigned int i;

	printf("%6s %7s %-15s %6s %6s %10s %10s %6s %5s %18s %5s %5s %5s %14s %7s\n",
	       "RING", "PID", "COMMAND", "SQ", "CQ", "SQE/s", "CQE/s",
	       "FLIGHT", "CQRDY", "PARKED F/W/T", "BIO", "FILE", "PAGE",
	       "WORKERS R/Q/M", "DROPPED");
	for (i = 0; i < cur->n; i++) {
		const struct ring_stats *r = &cur->r[i];
		const struct ring_stats *p = find(prev, r->id);
		char rs[16] = "-", rc[16] = "-", pk[32], sq[16], cq[16];
		char wk[48];

		if (p && dt > 0) {
			snprintf(rs, sizeof(rs), "%.0f",
				 (r->sq_head - p->sq_head) / dt);
			snprintf(rc, sizeof(rc), "%.0f",
				 (r->completions - p->completions) / dt);
			sqes += r->sq_head - p->sq_head;
			cqes += r->completions - p->completions;
		}
		if (!strcmp(r->rings, "none")) {
			printf("%6lu %7ld %-15s %6s\n", r->id, r->pid, r->comm,
			       "(no rings yet)");
			continue;
		}
		snprintf(sq, sizeof(sq), "%lld", r->sq_entries);
		snprintf(cq, sizeof(cq), "%lld", r->cq_entries);
		snprintf(pk, sizeof(pk), "%lld/%lld/%lld", r->parked_futex,
			 r->parked_waitpid, r->parked_timeout);
		snprintf(wk, sizeof(wk), "%lld/%lld/%lld", r->wq_running,
			 r->wq_queued, r->max_workers);
		printf("%6lu %7ld %-15s %6s %6s %10s %10s %6lld %5lld %18s %5lld %5lld %5lld %14s %7lld\n",
		       r->id, r->pid, r->comm, sq, cq, rs, rc, r->in_flight,
		       r->cq_filled, pk, r->bio, r->file, r->page, wk,
		       r->sq_dropped);
		in_flight += r->in_flight;
		parked += r->parked_futex + r->parked_waitpid +
			  r->parked_timeout;
	}
	printf("%u instance%s, %lld operations in flight, %lld parked",
	       cur->n, cur->n == 1 ? "" : "s", in_flight, parked);
	if (dt > 0)
		printf(", %.0f SQE/s, %.0f CQE/s", sqes / dt, cqes / dt);
	printf("\n");
}

int main(int argc, char **argv)
{
	const char *dir = "/sys/kernel/debug/rxring";
	static struct snapshot snaps[2];
	long count = -1, iter;
	double interval = 1.0;
	int opt, clear, ret;

	while ((opt = getopt(argc, argv, "n:d:p:h")) != -1) {
		switch (opt) {
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'd':
			interval = strtod(optarg, NULL);
			break;
		case 'p':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n COUNT] [-d SECONDS] [-p DIR]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (count == 0 || interval <= 0) {
		fprintf(stderr, "rxring-top: bad -n or -d\n");
		return 2;
	}
	clear = isatty(STDOUT_FILENO) && count != 1;

	for (iter = 0; count < 0 || iter < count; iter++) {
		struct snapshot *cur = &snaps[iter & 1];
		struct snapshot *prev = iter ? &snaps[(iter - 1) & 1] : NULL;
		struct timespec ts;

		if (iter) {
			ts.tv_sec = (time_t)interval;
			ts.tv_nsec = (long)((interval - ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
		ret = take(dir, cur);
		if (ret < 0) {
			fprintf(stderr, "rxring-top: %s: %s%s\n", dir,
				strerror(-ret), ret == -ENOENT ?
				" (rxring.ko not loaded, or debugfs not mounted)" :
				"");
			return 1;
		}
		if (clear)
			printf("\033[H\033[2J");
		show(cur, prev);
		if (count != 1 && !clear && (count < 0 || iter + 1 < count))
			printf("\n");
		fflush(stdout);
	}
	return 0;
}
