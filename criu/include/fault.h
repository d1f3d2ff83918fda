/* SPDX-License-Identifier: GPL-2.0 */
/* fault.h - named fault-injection points for tests (see criu/fault.c). */
#ifndef CRIU_FAULT_H
#define CRIU_FAULT_H

/* True (and logs an error) when CRIU_FAULT names this point. */
int fault_injected(const char *name);
/*
 * An instant where criu may die: CRIU_FAULT=die-NAME makes criu SIGKILL itself there,
 * stop-NAME SIGSTOP itself (tests then check that no task is lost).
 */
void fault_point(const char *name);

#endif /* CRIU_FAULT_H */
