/* SPDX-License-Identifier: GPL-2.0 */
/* fault.h - named fault-injection points for tests (see criu/fault.c). */
#ifndef CRIU_FAULT_H
#define CRIU_FAULT_H

/* True (and logs an error) when CRIU_FAULT names this point. */
int fault_injected(const char *name);

#endif /* CRIU_FAULT_H */
