/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fd-pass.h - one file descriptor passed with a message over a unix socket (SCM_RIGHTS):
 * RPC answers, the fd store of plugins, pty masters, the image streamer's pipes, the
 * lazy-pages hello.
 */
#ifndef CRIU_FD_PASS_H
#define CRIU_FD_PASS_H

#include <sys/types.h>

/* sendmsg() of buf with fd attached (none if fd < 0): its result, errno set on -1 */
ssize_t fd_pass_send(int sk, const void *buf, size_t len, int fd, int flags);
/*
 * recvmsg() into buf: its result, errno set on -1; *fd is the descriptor that came with the
 * message, -1 if none did.
 */
ssize_t fd_pass_recv(int sk, void *buf, size_t len, int *fd, int flags);

#endif /* CRIU_FD_PASS_H */
