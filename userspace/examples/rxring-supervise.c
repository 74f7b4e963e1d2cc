// SPDX-License-Identifier: MIT
/*
 * rxring-supervise: run a command and restart it each time it exits, N
 * times. The exits are waited for with the ring's WAITPID operation and the
 * pause between two runs is a ring TIMEOUT, so the supervisor sleeps in a
 * single place: waiting for the ring's next completion.
 *
 * Usage: rxring-supervise [-n RESTARTS] [-d DELAY_MS] COMMAND [ARG...]
 *        (default: 3 restarts, no delay; the command runs RESTARTS + 1
 *        times). Exits with the last run's exit status (128 + the signal
 *        number when it was killed).
 *
 * Build: cc -O2 -o rxring-supervise rxring-supervise.c $(pkg-config --cflags --libs librxring)
 *
 * librxring reaps the child when it returns the WAITPID completion, so
 * the completion carries the pid (status) and the wait status (extra) as
 * waitpid(2) would return them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <rxring.h>

enum { UD_CHILD = 1, UD_DELAY = 2 };

static const char *prog = "rxring-supervise";

static pid_t start(char **cmd)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: %s: %s\n", prog, cmd[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-err));
	exit(1);
}

int main(int argc, char **argv)
{
	unsigned long restarts = 3, delay_ms = 0, run;
	struct rxring_completion c;
	struct rxring_probe probe;
	struct rxring_sqe *sqe;
	struct rxring ring;
	int opt, ret, st, code = 0;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+n:d:")) != -1) {
		switch (opt) {
		case 'n':
			restarts = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			delay_ms = strtoul(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;

	ret = rxring_queue_init(4, &ring, 0);
	if (ret < 0)
		die("rxring_queue_init", ret);
	ret = rxring_probe(ring.fd, &probe);
	if (ret < 0)
		die("rxring_probe", ret);
	if (!rxring_opcode_supported(&probe, RXRING_OP_WAITPID) ||
	    !rxring_opcode_supported(&probe, RXRING_OP_TIMEOUT)) {
		fprintf(stderr, "%s: this rxring module has no WAITPID/TIMEOUT\n",
			prog);
		return 1;
	}

	for (run = 1; run <= restarts + 1; run++) {
		pid = start(argv + optind);
		if (pid < 0)
			die("fork", -errno);
		printf("%s: run %lu: pid %d started\n", prog, run, (int)pid);

		sqe = rxring_get_sqe(&ring);
		rxring_prep_waitpid(sqe, pid, 0);
		rxring_sqe_set_data(sqe, UD_CHILD);
		ret = rxring_submit_and_wait(&ring, 1);
		if (ret < 0)
			die("submit", ret);
		do {
			ret = rxring_wait_completion(&ring, &c);
		} while (ret == -EINTR);
		if (ret < 0)
			die("wait", ret);
		if (c.user_data != UD_CHILD || c.status != pid) {
			fprintf(stderr, "%s: WAITPID: status %lld\n", prog,
				(long long)c.status);
			return 1;
		}
		st = (int)c.extra;
		if (WIFEXITED(st)) {
			code = WEXITSTATUS(st);
			printf("%s: run %lu: pid %d exited with status %d\n",
			       prog, run, (int)pid, code);
		} else {
			code = 128 + WTERMSIG(st);
			printf("%s: run %lu: pid %d killed by signal %d\n",
			       prog, run, (int)pid, WTERMSIG(st));
		}
		if (run == restarts + 1 || !delay_ms)
			continue;

		/* Pause before the restart: a TIMEOUT completes with -ETIME. */
		sqe = rxring_get_sqe(&ring);
		rxring_prep_timeout(sqe, delay_ms * 1000000ULL, 0, 0);
		rxring_sqe_set_data(sqe, UD_DELAY);
		ret = rxring_submit_and_wait(&ring, 1);
		if (ret >= 0)
			ret = rxring_wait_completion(&ring, &c);
		if (ret < 0)
			die("delay", ret);
		if (c.status != -ETIME)
			die("TIMEOUT", (int)c.status);
	}
	printf("%s: %lu restarts done, last exit status %d\n", prog, restarts,
	       code);
	rxring_queue_exit(&ring);
	return code;

usage:
	fprintf(stderr, "usage: %s [-n RESTARTS] [-d DELAY_MS] COMMAND [ARG...]\n",
		prog);
	return 2;
}
