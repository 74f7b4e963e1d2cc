// SPDX-License-Identifier: GPL-2.0
/*
 * fio_engine: fio with the rxring external engine (userspace/fio), built
 * from Debian's fio source by scripts/build-fio-engine.sh and copied next
 * to the selftests as ./fio-bundle (run-fio runs fio with its own
 * libraries):
 *  - random 4 KiB writes with iodepth 16 on /dev/nvme0n1 (O_DIRECT, so
 *    bios), then fio reads everything back and checks crc32c (verify);
 *  - sequential 128 KiB writes, iodepth 32, verified with md5, and a mixed
 *    random read/write job with verification on a buffered file in /tmp;
 *  - the same 4 KiB random-read job with the rxring engine and fio's
 *    io_uring engine, in the same boot: both must finish without errors;
 *    their IOPS are logged (emulated hardware: compare, don't judge);
 *  - files on ext4 and on xfs (made on a memory-backed null_blk whose
 *    requests take 20 us, rwutil.h): random writes, O_DIRECT (4 KiB at
 *    iodepth 32, and 512 bytes to 64 KiB) and buffered (8 KiB with an
 *    fsync every 64 writes, and 1 KiB to 64 KiB), each verified by fio
 *    reading everything back (crc32c, md5). A variant skips without
 *    mkfs.ext4/mkfs.xfs or the file system.
 * Without the bundle (scripts/build-fio-engine.sh not run) they SKIP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "harness.h"
#include "rwutil.h"

#define B	"./fio-bundle/"
#define FIO	B "run-fio --thread --ioengine=external:" B "rxring-engine.so "
#define DISK	"/dev/nvme0n1"

static int sh(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void show(struct __test_metadata *_metadata, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		TH_LOG("%s", strtok(line, "\n") ?: "");
	if (f)
		fclose(f);
}

FIXTURE(fio) {
	int unused;
};

FIXTURE_SETUP(fio)
{
	if (access(B "run-fio", X_OK))
		SKIP(return, "no fio bundle (scripts/build-fio-engine.sh)");
	if (access(DISK, W_OK))
		SKIP(return, DISK " missing");
}

FIXTURE_TEARDOWN(fio)
{
}

TEST_F(fio, verify_randwrite_nvme)
{
	int rc = sh(FIO "--name=randwrite-verify --filename=" DISK
		    " --direct=1 --rw=randwrite --bs=4k --size=32M"
		    " --iodepth=16 --verify=crc32c --do_verify=1"
		    " --verify_fatal=1 > /tmp/fio1.out 2>&1");

	show(_metadata, "/tmp/fio1.out");
	ASSERT_EQ(0, rc);
}

TEST_F(fio, verify_seqwrite_and_file)
{
	int rc = sh(FIO "--name=seq-verify --filename=" DISK
		    " --direct=1 --rw=write --bs=128k --size=64M"
		    " --iodepth=32 --verify=md5 --do_verify=1"
		    " --verify_fatal=1 > /tmp/fio2.out 2>&1");

	show(_metadata, "/tmp/fio2.out");
	ASSERT_EQ(0, rc);
	rc = sh(FIO "--name=file-verify --filename=/tmp/fio.file --size=16M"
		" --rw=randwrite --bs=8k --iodepth=8 --verify=crc32c"
		" --do_verify=1 --verify_fatal=1 --fsync=16"
		" > /tmp/fio3.out 2>&1");
	show(_metadata, "/tmp/fio3.out");
	unlink("/tmp/fio.file");
	ASSERT_EQ(0, rc);
}

/* Read IOPS of a terse (v3) result line: field 8. */
static double terse_iops(const char *path, int *err)
{
	char line[8192], *f;
	double iops = -1;
	FILE *fp = fopen(path, "r");
	int i;

	*err = -1;
	while (fp && fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "3;", 2))
			continue;
		f = strtok(line, ";");
		for (i = 1; f && i < 8; i++) {
			if (i == 5)
				*err = atoi(f);
			f = strtok(NULL, ";");
		}
		if (f)
			iops = atof(f);
	}
	if (fp)
		fclose(fp);
	return iops;
}

TEST_F(fio, compare_io_uring)
{
	static const char job[] = " --name=randread --filename=" DISK
		" --direct=1 --rw=randread --bs=4k --size=128M --iodepth=32"
		" --runtime=5 --time_based --output-format=terse"
		" --terse-version=3";
	char cmd[1024];
	double rx, ur;
	int err;

	snprintf(cmd, sizeof(cmd), "%s%s > /tmp/fio-rx.out 2>&1", FIO, job);
	ASSERT_EQ(0, sh(cmd));
	rx = terse_iops("/tmp/fio-rx.out", &err);
	ASSERT_EQ(0, err);
	snprintf(cmd, sizeof(cmd),
		 B "run-fio --thread --ioengine=io_uring%s > /tmp/fio-ur.out 2>&1",
		 job);
	ASSERT_EQ(0, sh(cmd)) show(_metadata, "/tmp/fio-ur.out");
	ur = terse_iops("/tmp/fio-ur.out", &err);
	ASSERT_EQ(0, err);
	TH_LOG("4k random read, iodepth 32, 5 s: rxring %.0f IOPS, io_uring %.0f IOPS",
	       rx, ur);
	ASSERT_LT(0, rx);
	ASSERT_LT(0, ur);
}

/* ---- files on ext4 and xfs ---------------------------------------------- */

FIXTURE(fiofs) {
	struct rw_fs fs;
	char out[64];
};

FIXTURE_VARIANT(fiofs) {
	const char *type;
	unsigned int size_mb;
	const char *mkfs_opts;
};

/* mkfs.ext4's defaults: 1 KiB blocks for a file system this small. */
FIXTURE_VARIANT_ADD(fiofs, ext4) { "ext4", 160, "-q -F" };
/* mkfs.xfs refuses a file system of 300 MiB or less. */
FIXTURE_VARIANT_ADD(fiofs, xfs) { "xfs", 320, "-q -f -K" };

FIXTURE_SETUP(fiofs)
{
	char name[32];
	int ret;

	if (access(B "run-fio", X_OK))
		SKIP(return, "no fio bundle (scripts/build-fio-engine.sh)");
	snprintf(name, sizeof(name), "rxfio%s%d", variant->type, getpid());
	ret = rw_fs_up(&self->fs, variant->type, name, variant->size_mb,
		       20000, variant->mkfs_opts);
	if (ret == 1)
		SKIP(return, "%s", rx_why);
	ASSERT_EQ(0, ret) TH_LOG("%s", rx_why);
	snprintf(self->out, sizeof(self->out), "/tmp/%s.out", name);
}

FIXTURE_TEARDOWN(fiofs)
{
	unlink(self->out);
	rw_fs_down(&self->fs);
}

/* Run one fio job on a file in the file system; fio's exit status. */
static int fio_fs_job(struct __test_metadata *_metadata, const char *dir,
		      const char *out, const char *file, const char *job)
{
	char cmd[1024];
	int rc;

	snprintf(cmd, sizeof(cmd),
		 FIO "--name=%s --filename=%s/%s %s --do_verify=1 --verify_fatal=1 > %s 2>&1",
		 file, dir, file, job, out);
	rc = sh(cmd);
	if (rc)
		show(_metadata, out);
	return rc;
}

/*
 * The jobs: random writes over the whole file, then fio reads it back
 * (buffered is fio's default, --direct=0).
 */
static const char job_direct4k[] =
	"--size=32M --direct=1 --rw=randwrite --bs=4k --iodepth=32 --verify=crc32c";
static const char job_directmix[] =
	"--size=16M --direct=1 --rw=randwrite --bsrange=512-64k --iodepth=16 --verify=md5";
static const char job_buffered8k[] =
	"--size=32M --rw=randwrite --bs=8k --iodepth=16 --fsync=64 --verify=crc32c";
static const char job_bufferedmix[] =
	"--size=16M --rw=randwrite --bsrange=1k-64k --iodepth=8 --end_fsync=1 --verify=md5";

TEST_F_TIMEOUT(fiofs, randwrite_verify_direct, 300)
{
	EXPECT_EQ(0, fio_fs_job(_metadata, self->fs.dir, self->out, "direct4k",
				job_direct4k));
	EXPECT_EQ(0, fio_fs_job(_metadata, self->fs.dir, self->out,
				"directmix", job_directmix));
}

TEST_F_TIMEOUT(fiofs, randwrite_verify_buffered, 300)
{
	EXPECT_EQ(0, fio_fs_job(_metadata, self->fs.dir, self->out,
				"buffered8k", job_buffered8k));
	EXPECT_EQ(0, fio_fs_job(_metadata, self->fs.dir, self->out,
				"bufferedmix", job_bufferedmix));
}

TEST_HARNESS_MAIN
