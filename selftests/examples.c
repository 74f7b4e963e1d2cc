// SPDX-License-Identifier: GPL-2.0
/*
 * examples: the example programs of userspace/examples, run as a user
 * would run them (through /bin/sh), their output checked:
 *  - rxring-cat copies a file, several files, and a pipe (reads that wait
 *    for their pipe) to its standard output byte for byte;
 *  - rxring-cp copies files of 0 bytes, an odd size and several blocks with
 *    several queue depths, content and permission bits intact;
 *  - rxring-futex-pingpong completes its round trips between two processes
 *    and the shared word ends at 2 * rounds;
 *  - rxring-supervise runs its command RESTARTS + 1 times, reports each
 *    exit status (and a kill by a signal) and exits with the last one;
 *  - rxring-iobench (the benchmark's tool, /bin in the guest) runs its
 *    loop to the end with and without SQPOLL, on NOPs and on null_blk.
 * The programs are in ./example-programs (copied next to the selftests
 * by selftests/Makefile); without them the tests SKIP.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"

#define EX	"./example-programs/"
#define TMP	"/tmp/rxring-examples"

static int have_examples(void)
{
	return access(EX "rxring-cat", X_OK) == 0;
}

/* Run a shell command; its exit status, or -1. */
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* A file of size bytes of a deterministic pattern. */
static int make_file(const char *path, size_t size, unsigned int seed)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		return -1;
	for (i = 0; i < size; i++) {
		seed = seed * 1103515245 + 12345;
		fputc((int)(seed >> 16), f);
	}
	return fclose(f);
}

/* 1 when the two files have the same content. */
static int same(const char *a, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	int ca, cb, ok = 0;

	if (fa && fb) {
		do {
			ca = fgetc(fa);
			cb = fgetc(fb);
		} while (ca == cb && ca != EOF);
		ok = ca == cb;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return ok;
}

/* Lines of a file that contain needle. */
static int count_lines(const char *path, const char *needle)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

FIXTURE(ex) {
	int unused;
};

FIXTURE_SETUP(ex)
{
	if (!have_examples())
		SKIP(return, "no example programs in " EX);
	ASSERT_EQ(0, sh("rm -rf " TMP " && mkdir -p " TMP));
}

FIXTURE_TEARDOWN(ex)
{
	sh("rm -rf " TMP);
}

TEST_F(ex, cat_files)
{
	ASSERT_EQ(0, make_file(TMP "/a", 3 * 65536 + 17, 1));
	ASSERT_EQ(0, make_file(TMP "/b", 100, 2));
	ASSERT_EQ(0, sh(EX "rxring-cat " TMP "/a > " TMP "/out"));
	ASSERT_TRUE(same(TMP "/a", TMP "/out"));
	ASSERT_EQ(0, sh("cat " TMP "/a " TMP "/b > " TMP "/ab"));
	ASSERT_EQ(0, sh(EX "rxring-cat " TMP "/a " TMP "/b > " TMP "/out"));
	ASSERT_TRUE(same(TMP "/ab", TMP "/out"));
	/* A missing file: an error message and status 1, the rest copied. */
	ASSERT_EQ(1, sh(EX "rxring-cat " TMP "/nope " TMP "/b > " TMP
			"/out 2>/dev/null"));
	ASSERT_TRUE(same(TMP "/b", TMP "/out"));
}

TEST_F(ex, cat_pipe)
{
	ASSERT_EQ(0, make_file(TMP "/a", 300000, 3));
	/* Both ends are pipes: reads wait for the writer, a slow one too. */
	ASSERT_EQ(0, sh("cat " TMP "/a | " EX "rxring-cat | cat > " TMP
			"/out"));
	ASSERT_TRUE(same(TMP "/a", TMP "/out"));
	ASSERT_EQ(0, sh("(echo one; sleep 1; echo two) | " EX
			"rxring-cat > " TMP "/out"));
	ASSERT_EQ(1, count_lines(TMP "/out", "one"));
	ASSERT_EQ(1, count_lines(TMP "/out", "two"));
}

TEST_F(ex, cp)
{
	static const struct {
		size_t size;
		const char *opts;
	} cases[] = {
		{ 0, "" },
		{ 1, "-q 1" },
		{ 4096 * 3 + 5, "-q 2 -b 4" },
		{ 2 * 1024 * 1024 + 123, "" },
		{ 2 * 1024 * 1024 + 123, "-q 1 -b 64" },
		{ 1024 * 1024, "-q 64 -b 1" },
	};
	struct stat st;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, make_file(TMP "/src", cases[i].size, i + 10));
		ASSERT_EQ(0, chmod(TMP "/src", 0640));
		unlink(TMP "/dst");
		ASSERT_EQ(0, sh(EX "rxring-cp %s " TMP "/src " TMP "/dst",
				cases[i].opts)) TH_LOG("case %u", i);
		ASSERT_TRUE(same(TMP "/src", TMP "/dst")) TH_LOG("case %u", i);
		ASSERT_EQ(0, stat(TMP "/dst", &st));
		ASSERT_EQ(0640, (int)(st.st_mode & 07777));
		ASSERT_EQ((off_t)cases[i].size, st.st_size);
	}
	/* Over an existing, longer file: truncated. */
	ASSERT_EQ(0, make_file(TMP "/src", 1000, 5));
	ASSERT_EQ(0, make_file(TMP "/dst", 5000, 6));
	ASSERT_EQ(0, sh(EX "rxring-cp " TMP "/src " TMP "/dst"));
	ASSERT_TRUE(same(TMP "/src", TMP "/dst"));
	/* A missing source: an error, status 1. */
	ASSERT_EQ(1, sh(EX "rxring-cp " TMP "/nope " TMP "/dst 2>/dev/null"));
}

TEST_F(ex, futex_pingpong)
{
	ASSERT_EQ(0, sh(EX "rxring-futex-pingpong -n 2000 > " TMP "/out"));
	ASSERT_EQ(1, count_lines(TMP "/out", "2000 round trips"));
	ASSERT_EQ(1, count_lines(TMP "/out", "word 4000"));
	ASSERT_EQ(0, sh(EX "rxring-futex-pingpong -n 1 > " TMP "/out"));
	ASSERT_EQ(1, count_lines(TMP "/out", "word 2"));
}

TEST_F(ex, supervise)
{
	ASSERT_EQ(7, sh(EX "rxring-supervise -n 3 -d 20 /bin/sh -c "
			"'echo child-ran; exit 7' > " TMP "/out"));
	ASSERT_EQ(4, count_lines(TMP "/out", "child-ran"));
	ASSERT_EQ(4, count_lines(TMP "/out", "exited with status 7"));
	ASSERT_EQ(1, count_lines(TMP "/out", "3 restarts done"));
	/* A child killed by a signal; no restarts. */
	ASSERT_EQ(128 + 9, sh(EX "rxring-supervise -n 0 /bin/sh -c "
			      "'kill -9 $$' > " TMP "/out"));
	ASSERT_EQ(1, count_lines(TMP "/out", "killed by signal 9"));
}

/*
 * rxring-iobench -rSECS prints SECS - 1 reports and exits 0; under SQPOLL
 * (-P1) it counts what it publishes as submitted and spins on the CQ.
 */
TEST_F_TIMEOUT(ex, iobench, 120)
{
	static const char *const runs[] = {
		"-N1 -d32 -s8 -c8 -r3",
		"-N1 -P1 -d32 -s8 -c8 -r3",
		"-P1 -B1 -F1 -d32 -s8 -c8 -r3 /dev/nullb0",
		"-P1 -B1 -F1 -d128 -s32 -c32 -r3 /dev/nullb0",
		"-P1 -B0 -F1 -d1 -s1 -c1 -r3 /dev/nullb0",
	};
	unsigned int i;

	if (access("/bin/rxring-iobench", X_OK))
		SKIP(return, "no /bin/rxring-iobench");
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		if (strstr(runs[i], "nullb0") && access("/dev/nullb0", R_OK))
			continue;
		EXPECT_EQ(0, sh("timeout 60 /bin/rxring-iobench %s >" TMP
				"/iobench.out 2>&1", runs[i]))
			TH_LOG("rxring-iobench %s", runs[i]);
		EXPECT_EQ(2, count_lines(TMP "/iobench.out", "IOPS="))
			TH_LOG("rxring-iobench %s", runs[i]);
	}
}

TEST_HARNESS_MAIN
