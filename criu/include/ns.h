/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns.h - namespaces of the dumped tree. Not saved yet: ns_check_task() refuses a task whose
 * pid, mount, network, uts, ipc, user, cgroup or time namespace (or the pid and time
 * namespaces its children would be made in) is not criu's own, naming the task and the kind.
 */
#ifndef CRIU_NS_H
#define CRIU_NS_H

#include <sys/types.h>

/* 0, or -EOPNOTSUPP with every differing kind logged, or -errno if /proc can't tell. */
int ns_check_task(pid_t pid);

#endif /* CRIU_NS_H */
