/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task-audit.h - refuse, at dump time, task state that criu does not save yet (see
 * criu/task/audit-dump.c and Documentation/dump-audit.md).
 */
#ifndef CRIU_TASK_AUDIT_H
#define CRIU_TASK_AUDIT_H

struct dump_ctx;

/* Once compel_prepare() ran, before the parasite: what would stop it from running at all. */
int task_audit_before_parasite(struct dump_ctx *dc);
/* After the parasite answered, before the pages: 0, or -EOPNOTSUPP with the reason logged. */
int task_audit(struct dump_ctx *dc);
struct dump_tree;
/* Once every task is seen: the restore's own fds must fit under RLIMIT_NOFILE. */
int tree_audit_fd_room(const struct dump_tree *dt);

#endif /* CRIU_TASK_AUDIT_H */
