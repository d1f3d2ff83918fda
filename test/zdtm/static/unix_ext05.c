/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_ext05: unix_ext01 with an unnamed outside peer (the other end of a datagram
 * socketpair): nothing to connect to again, so the dump is refused even with --ext-unix-sk
 * (unix_ext05.desc), and the task runs on with its connection and queue as they were.
 */
#define EXT_UNNAMED 1
#include "unix_ext01.c"
