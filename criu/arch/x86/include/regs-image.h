/* SPDX-License-Identifier: GPL-2.0 */
/* regs-image.h - struct user_regs_struct <-> UserX86RegsEntry. */
#ifndef CRIU_X86_REGS_IMAGE_H
#define CRIU_X86_REGS_IMAGE_H

#include <sys/user.h>

#include "core-x86.pb-c.h"

/*
 * Copy the registers of a task stopped at dump into the image, rewinding an interrupted
 * syscall the way the kernel would on return to user space, so restore can put the
 * registers back verbatim.
 */
void regs_to_image(UserX86RegsEntry *r, const struct user_regs_struct *u);

#endif /* CRIU_X86_REGS_IMAGE_H */
