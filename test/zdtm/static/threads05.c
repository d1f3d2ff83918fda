/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threads05: a thread with seccomp filters of its own (threads04 with OWN_FILTER): threads
 * whose filters differ are not supported, so the dump must be refused with a message that
 * names the thread, leaving the task running as it was (see threads05.desc).
 */
#define OWN_FILTER 1
#include "threads04.c"
