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
	rxring_sqe_set_data(&sqe, 3);
	rxring_sqe_set_flags(&sqe, 0);
	/* Never run with arguments: only referenced, to test linking. */
	if (argc > 100) {
		if (rxring_queue_init(8, &ring, 0) == 0) {
			rxring_submit(&ring);
			rxring_wait_completion(&ring, &c);
			rxring_queue_exit(&ring);
		}
	}
	return sqe.user_data == 3 ? 0 : 1;
}
