/* SPDX-License-Identifier: GPL-2.0 */
/*
 * version.h - the CRIU release whose RPC protocol and library this criu follows.
 * criu_get_version() asks the binary; these are what the library was built for.
 */
#ifndef CRIU_LIB_VERSION_H
#define CRIU_LIB_VERSION_H

#define CRIU_VERSION	      "4.2"
#define CRIU_VERSION_MAJOR    4
#define CRIU_VERSION_MINOR    2
#define CRIU_VERSION_SUBLEVEL 0

#endif /* CRIU_LIB_VERSION_H */
