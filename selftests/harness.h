/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Include the Linux 6.1 kselftest harness. Its TEST() wrappers and SIGALRM
 * handler have parameters they never use, which -Wextra -Werror rejects;
 * -Wunused-parameter is switched off for the test programs for that reason
 * only (every other -Wall -Wextra warning stays an error).
 */
#ifndef RXRING_SELFTEST_HARNESS_H
#define RXRING_SELFTEST_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#endif /* RXRING_SELFTEST_HARNESS_H */
