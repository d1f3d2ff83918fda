/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task-state-image.h - TaskCoreEntry.task_state values; part of the public image format
 * (CRIU's compel task states). Our compel's enum numbers differ: convert, never cast.
 */
#ifndef CRIU_TASK_STATE_IMAGE_H
#define CRIU_TASK_STATE_IMAGE_H

#define TASK_ALIVE   1
#define TASK_DEAD    2
#define TASK_STOPPED 3
#define TASK_ZOMBIE  6

#endif /* CRIU_TASK_STATE_IMAGE_H */
