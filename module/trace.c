// SPDX-License-Identifier: GPL-2.0
/*
 * The rxring tracepoints: trace.h declares them, this file creates them.
 */
#include "rxring.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
