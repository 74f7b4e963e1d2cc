// SPDX-License-Identifier: GPL-2.0
/*
 * perm: who may open /dev/rxring (docs/security.md). The module parameters
 * /sys/module/rxring/parameters/{disabled,allow_group} are changed at run
 * time and always put back:
 *  - defaults: disabled N, allow_group -1;
 *  - disabled=1: open() fails with EPERM for root and for an unprivileged
 *    user; an instance opened before keeps working; back to 0, open works;
 *  - allow_group=G: an unprivileged process outside G gets EPERM; with G
 *    as its primary or a supplementary group it may open; root
 *    (CAP_SYS_ADMIN) may always open; back to -1, everyone may.
 * The unprivileged processes are forked children that drop to uid/gid
 * 65534 (with the groups the case needs). Root only (SKIP otherwise).
 */
#include <grp.h>
#include <sys/wait.h>

#include "harness.h"
#include "common.h"

#define PARAMS		"/sys/module/rxring/parameters/"
#define NOBODY		65534
#define GROUP		4242

static int read_param(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	return 0;
}

static int write_param(const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -errno;
}

/*
 * In a child with uid/gid NOBODY (primary gid: gid) and the given
 * supplementary groups: open /dev/rxring. Returns 0 or the errno.
 */
static int open_as(gid_t gid, const gid_t *groups, int ngroups)
{
	int st, fds[2], err = -1;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int fd;

		close(fds[0]);
		if (setgroups(ngroups, groups) || setgid(gid) ||
		    setuid(NOBODY))
			err = 1000 + errno;
		else if ((fd = open(RX_DEV, O_RDWR)) < 0)
			err = errno;
		else
			err = 0;
		if (write(fds[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &err, sizeof(err)) != sizeof(err))
		err = -1;
	close(fds[0]);
	waitpid(pid, &st, 0);
	return err;
}

static int open_root(void)
{
	int fd = open(RX_DEV, O_RDWR);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

FIXTURE(perm) {
	char disabled[16], group[16];
};

FIXTURE_SETUP(perm)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid())
		SKIP(return, "needs root");
	if (access(PARAMS "disabled", F_OK) ||
	    access(PARAMS "allow_group", F_OK))
		SKIP(return, "this rxring.ko has no disabled/allow_group");
	ASSERT_EQ(0, read_param("disabled", self->disabled,
				sizeof(self->disabled)));
	ASSERT_EQ(0, read_param("allow_group", self->group,
				sizeof(self->group)));
}

FIXTURE_TEARDOWN(perm)
{
	if (self->disabled[0])
		write_param("disabled", self->disabled);
	if (self->group[0])
		write_param("allow_group", self->group);
}

TEST_F(perm, defaults)
{
	EXPECT_STREQ("N", self->disabled);
	EXPECT_STREQ("-1", self->group);
	EXPECT_EQ(0, open_root());
	EXPECT_EQ(0, open_as(NOBODY, NULL, 0));
}

TEST_F(perm, disabled)
{
	struct rx r;
	__u32 sub = 0;

	/* An instance from before stays usable. */
	ASSERT_EQ(0, rx_setup(&r, 4, 0, 0));
	ASSERT_EQ(0, write_param("disabled", "1"));
	EXPECT_EQ(EPERM, open_root());
	EXPECT_EQ(EPERM, open_as(NOBODY, NULL, 0));
	EXPECT_EQ(1, rx_submit_nops(&r, 1, 7, 1, &sub));
	EXPECT_EQ(0, rx_reap_nops(&r, 7, 1)) TH_LOG("%s", rx_why);
	rx_teardown(&r);
	ASSERT_EQ(0, write_param("disabled", "0"));
	EXPECT_EQ(0, open_root());
	EXPECT_EQ(0, open_as(NOBODY, NULL, 0));
}

TEST_F(perm, allow_group)
{
	gid_t g = GROUP;

	ASSERT_EQ(0, write_param("allow_group", "4242"));
	EXPECT_EQ(EPERM, open_as(NOBODY, NULL, 0));
	EXPECT_EQ(0, open_as(GROUP, NULL, 0));
	EXPECT_EQ(0, open_as(NOBODY, &g, 1));
	/* root: CAP_SYS_ADMIN */
	EXPECT_EQ(0, open_root());
	/* disabled wins over everything */
	ASSERT_EQ(0, write_param("disabled", "1"));
	EXPECT_EQ(EPERM, open_as(GROUP, NULL, 0));
	EXPECT_EQ(EPERM, open_root());
	ASSERT_EQ(0, write_param("disabled", "0"));
	ASSERT_EQ(0, write_param("allow_group", "-1"));
	EXPECT_EQ(0, open_as(NOBODY, NULL, 0));
}

TEST_HARNESS_MAIN
