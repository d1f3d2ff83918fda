/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_ext02: unix_ext01 with abstract names: a datagram socket connected to an abstract
 * name held by a process outside the tree, dumped and restored with -x (unix_ext02.desc).
 */
#define EXT_ABSTRACT 1
#include "unix_ext01.c"
