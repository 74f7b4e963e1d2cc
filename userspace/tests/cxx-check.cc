// SPDX-License-Identifier: MIT
// Proves that <rxring.h> (and <linux/rxring.h>) compile as C++ without
// warnings and that the library links from C++ (extern "C" names).
#include <rxring.h>

int main(int argc, char **argv)
{
	struct rxring ring;
	struct rxring_completion c;
	struct rxring_sqe sqe;

	(void)argv;
	rxring_prep_nop(&sqe);
	rxring_prep_nop_result(&sqe, -1);
	rxring_prep_nop_extended(&sqe, 1, 2);
	static __u32 word, word2;
	static __u64 word64;

	rxring_prep_futex_wait(&sqe, &word, 0, 0, RXRING_FUTEX_ABSTIME);
	rxring_prep_futex_wait64(&sqe, &word64, 0, 1000, 0);
	rxring_prep_futex_wake(&sqe, &word, 1);
	rxring_prep_futex_requeue(&sqe, &word, 1, 2, &word2);
	rxring_prep_waitpid(&sqe, -1, RXRING_WAITPID_WNOHANG);
	rxring_prep_timeout(&sqe, 1000, 1, RXRING_TIMEOUT_ABS);
	rxring_prep_cancel(&sqe, 7);
	rxring_sqe_set_data(&sqe, 3);
	rxring_sqe_set_flags(&sqe, 0);
	/* Never run with arguments: only referenced, to test linking. */
	if (argc > 100) {
		if (rxring_queue_init(8, &ring, 0) == 0) {
			rxring_submit(&ring);
			rxring_wait_completion(&ring, &c);
			rxring_queue_exit(&ring);
			rxring_futex(-1, RXRING_FUTEX_WAKE, &word, 1, 0, NULL,
				     0);
		}
	}
	return sqe.user_data == 3 ? 0 : 1;
}
