/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parasite.h - the contract between compel's parasite head and a parasite blob.
 *
 * The blob defines parasite_daemon_cmd(); the head (COMPEL_PARASITE_HEAD_OBJS) owns the
 * entry point, connects to criu's control socket, receives the log fd and then loops:
 * receive a command, call parasite_daemon_cmd(cmd, args), send its return value back,
 * until COMPEL_CMD_FINI. `args` is the shared args area (criu sees the same bytes through
 * compel_parasite_args()). Handlers return 0 or -errno.
 *
 * The blob also defines parasite_daemon_cleanup(args): it runs once when the parasite
 * leaves, whether criu said FINI, died, or went silent for the timeout, and must close
 * every fd and undo every change the blob's commands left in the task. After it the task
 * runs its own code again, with nobody to ask.
 */
#ifndef COMPEL_RT_PARASITE_H
#define COMPEL_RT_PARASITE_H

int parasite_daemon_cmd(unsigned int cmd, void *args);
void parasite_daemon_cleanup(void *args);

/* Move fds over the control socket; pair with compel_recv_fds()/compel_send_fds(). */
int parasite_send_fds(const int *fds, int nr);
int parasite_recv_fds(int *fds, int nr);

/* The task's fd of the control socket (e.g. to skip it when listing fds). */
int parasite_ctl_sock(void);

#endif /* COMPEL_RT_PARASITE_H */
