// SPDX-License-Identifier: GPL-2.0
/* The tracepoints of zcring_trace.h are defined here, once. */
#define CREATE_TRACE_POINTS
#include "zcring_trace.h"
