// SPDX-License-Identifier: GPL-2.0
/*
 * observe: the module's observability.
 *  - debugfs: every open instance has /sys/kernel/debug/rxring/<id>/stats
 *    naming the opener's pid; before CREATE it says "rings: none"; after it
 *    the sizes are right, NOPs move sq_head and completions, a parked FUTEX
 *    WAIT shows as in_flight 1 and parked_futex 1 until it is woken, an
 *    out-of-range INDIRECT index counts in sq_dropped; the directory goes
 *    away with the instance;
 *  - tracepoints: events/rxring/ in tracefs has rxring_submit, _issue,
 *    _complete, _futex_wait and _futex_wake; with them enabled, a NOP and
 *    a FUTEX WAKE show up in the trace with their user_data.
 *  - rxring-top -n 2 lists this process's instance both times.
 * They SKIP when debugfs or tracefs is not available.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <rxring.h>

#include "harness.h"

#define DEBUGFS_DIR	"/sys/kernel/debug/rxring"

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)got < size - 1 &&
	       (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return (int)got;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* The value of "key: value" in a stats text, or -1. */
static long long stat_of(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return strtoll(p + kl + 1, NULL, 0);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* The newest stats file of this process: its path into path, or -ENOENT. */
static int my_stats(char *path, size_t size)
{
	char file[300], text[2048];
	struct dirent *d;
	long best = -1;
	DIR *dir;

	dir = opendir(DEBUGFS_DIR);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		long id = strtol(d->d_name, NULL, 10);

		if (id <= best)
			continue;
		snprintf(file, sizeof(file), DEBUGFS_DIR "/%s/stats",
			 d->d_name);
		if (read_file(file, text, sizeof(text)) < 0)
			continue;
		if (stat_of(text, "pid") == getpid()) {
			best = id;
			snprintf(path, size, "%s", file);
		}
	}
	closedir(dir);
	return best < 0 ? -ENOENT : 0;
}

static void nops(struct __test_metadata *_metadata, struct rxring *ring,
		 unsigned int n)
{
	struct rxring_completion c;
	unsigned int i;

	for (i = 0; i < n; i++) {
		rxring_prep_nop(rxring_get_sqe(ring));
		ASSERT_EQ(1, rxring_submit(ring));
		ASSERT_EQ(0, rxring_wait_completion(ring, &c));
		ASSERT_EQ(0, c.status);
	}
}

TEST(debugfs_stats)
{
	struct rxring_completion c;
	char path[300], text[2048];
	struct rxring ring;
	struct stat st;
	__u32 word = 0;
	int fd;

	if (access(DEBUGFS_DIR, R_OK))
		SKIP(return, DEBUGFS_DIR ": %s", strerror(errno));

	/* Before CREATE. */
	fd = open("/dev/rxring", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, my_stats(path, sizeof(path)));
	ASSERT_LT(0, read_file(path, text, sizeof(text)));
	TH_LOG("%s before CREATE:\n%s", path, text);
	ASSERT_NE(NULL, strstr(text, "rings: none"));
	close(fd);
	ASSERT_NE(0, stat(path, &st));		/* gone with the instance */

	ASSERT_EQ(0, rxring_queue_init(8, &ring, 0));
	ASSERT_EQ(0, my_stats(path, sizeof(path)));
	ASSERT_LT(0, read_file(path, text, sizeof(text)));
	ASSERT_EQ(8, stat_of(text, "sq_entries"));
	ASSERT_EQ(16, stat_of(text, "cq_entries"));
	ASSERT_EQ(0, stat_of(text, "sq_head"));
	ASSERT_EQ(0, stat_of(text, "completions"));
	ASSERT_EQ(0, stat_of(text, "in_flight"));

	nops(_metadata, &ring, 5);
	ASSERT_LT(0, read_file(path, text, sizeof(text)));
	ASSERT_EQ(5, stat_of(text, "sq_head"));
	ASSERT_EQ(5, stat_of(text, "sq_tail"));
	ASSERT_EQ(5, stat_of(text, "completions"));
	ASSERT_EQ(10, stat_of(text, "cq_head") + stat_of(text, "cq_tail"));
	ASSERT_EQ(0, stat_of(text, "cq_filled"));
	ASSERT_EQ(0, stat_of(text, "in_flight"));
	ASSERT_EQ(0, stat_of(text, "parked_futex"));

	/* A parked FUTEX WAIT. */
	rxring_prep_futex_wait(rxring_get_sqe(&ring), &word, 0, 0, 0);
	ASSERT_EQ(1, rxring_submit(&ring));
	ASSERT_LT(0, read_file(path, text, sizeof(text)));
	TH_LOG("with a parked FUTEX WAIT:\n%s", text);
	ASSERT_EQ(1, stat_of(text, "in_flight"));
	ASSERT_EQ(1, stat_of(text, "parked_futex"));
	ASSERT_EQ(5, stat_of(text, "completions"));
	ASSERT_EQ(1, rxring_futex(ring.fd, RXRING_FUTEX_WAKE, &word, 1, 0,
				  NULL, 0));
	ASSERT_EQ(0, rxring_wait_completion(&ring, &c));
	ASSERT_EQ(0, c.status);
	ASSERT_LT(0, read_file(path, text, sizeof(text)));
	ASSERT_EQ(0, stat_of(text, "in_flight"));
	ASSERT_EQ(0, stat_of(text, "parked_futex"));
	ASSERT_EQ(6, stat_of(text, "completions"));
	rxring_queue_exit(&ring);
	ASSERT_NE(0, stat(path, &st));

	/* INDIRECT: an out-of-range index is dropped and counted. */
	ASSERT_EQ(0, rxring_queue_init(4, &ring, RXRING_CREATE_INDIRECT));
	ASSERT_EQ(0, my_stats(path, sizeof(path)));
	ring.sq.array[0] = 1000;
	__atomic_store_n(&ring.sq.hdr->tail, 1, __ATOMIC_RELEASE);
	{
		struct rxring_enter e = { .to_submit = 1 };

		ASSERT_LE(0, rxring_enter(ring.fd, &e));
		ASSERT_EQ(1U, e.submitted);
	}
	ASSERT_LT(0, read_file(path, text, sizeof(text)));
	ASSERT_EQ(1, stat_of(text, "sq_dropped"));
	ASSERT_EQ(1, stat_of(text, "sq_head"));
	ASSERT_EQ(0, stat_of(text, "completions"));
	ASSERT_NE(NULL, strstr(text, "rings: indirect"));
	rxring_queue_exit(&ring);
}

/* The tracefs directory, mounting it when nothing has. */
static const char *tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char p[128];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/events", dirs[i]);
		if (!access(p, F_OK))
			return dirs[i];
	}
	if (!mount("tracefs", dirs[0], "tracefs", 0, NULL))
		return dirs[0];
	return NULL;
}

TEST(tracepoints)
{
	static const char *const events[] = {
		"rxring_submit", "rxring_issue", "rxring_complete",
		"rxring_futex_wait", "rxring_futex_wake",
	};
	struct rxring_completion c;
	const char *tr = tracefs();
	static char text[1 << 20];
	struct rxring_sqe *sqe;
	struct rxring ring;
	char p[256];
	unsigned int i;
	__u32 word = 0;

	if (!tr)
		SKIP(return, "no tracefs");
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(p, sizeof(p), "%s/events/rxring/%s/format", tr,
			 events[i]);
		ASSERT_EQ(0, access(p, R_OK)) TH_LOG("%s missing", p);
	}

	ASSERT_EQ(0, rxring_queue_init(4, &ring, 0));
	snprintf(p, sizeof(p), "%s/trace", tr);
	ASSERT_EQ(0, write_file(p, ""));	/* clear */
	snprintf(p, sizeof(p), "%s/events/rxring/enable", tr);
	ASSERT_EQ(0, write_file(p, "1"));

	sqe = rxring_get_sqe(&ring);
	rxring_prep_nop_result(sqe, 1LL << 40);
	rxring_sqe_set_data(sqe, 0xfeed1234);
	sqe = rxring_get_sqe(&ring);
	rxring_prep_futex_wake(sqe, &word, 1);
	rxring_sqe_set_data(sqe, 0xfeed5678);
	ASSERT_EQ(2, rxring_submit_and_wait(&ring, 2));
	ASSERT_EQ(0, rxring_wait_completion(&ring, &c));
	ASSERT_EQ(0, rxring_wait_completion(&ring, &c));

	ASSERT_EQ(0, write_file(p, "0"));
	snprintf(p, sizeof(p), "%s/trace", tr);
	ASSERT_LT(0, read_file(p, text, sizeof(text)));
	rxring_queue_exit(&ring);

	TH_LOG("trace:\n%.3000s", text);
	ASSERT_NE(NULL, strstr(text, "rxring_submit:"));
	ASSERT_NE(NULL, strstr(text, "op=NOP"));
	ASSERT_NE(NULL, strstr(text, "user_data=0xfeed1234"));
	ASSERT_NE(NULL, strstr(text, "rxring_issue:"));
	ASSERT_NE(NULL, strstr(text, "rxring_complete:"));
	ASSERT_NE(NULL, strstr(text, "status=1099511627776"));
	ASSERT_NE(NULL, strstr(text, "rxring_futex_wake:"));
	ASSERT_NE(NULL, strstr(text, "user_data=0xfeed5678"));
}

/* rxring-top (userspace/tools) shows this process's instance. */
TEST(rxring_top)
{
	char cmd[256], line[256], pid[32];
	struct rxring ring;
	int found = 0;
	FILE *f;

	if (access(DEBUGFS_DIR, R_OK))
		SKIP(return, DEBUGFS_DIR ": %s", strerror(errno));
	if (access("/bin/rxring-top", X_OK))
		SKIP(return, "no /bin/rxring-top");
	ASSERT_EQ(0, rxring_queue_init(32, &ring, 0));
	nops(_metadata, &ring, 3);
	snprintf(pid, sizeof(pid), " %d ", (int)getpid());
	snprintf(cmd, sizeof(cmd), "/bin/rxring-top -n 2 -d 0.2");
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		TH_LOG("%s", line);
		/* "RING PID COMMAND SQ CQ ...": our ring with SQ 32, CQ 64. */
		if (strstr(line, pid) && strstr(line, " 32 ") &&
		    strstr(line, " 64 "))
			found++;
	}
	ASSERT_EQ(0, pclose(f));
	ASSERT_EQ(2, found);
	rxring_queue_exit(&ring);
}

TEST_HARNESS_MAIN
