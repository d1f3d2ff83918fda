/* SPDX-License-Identifier: GPL-2.0 */
/*
 * service.c - criu service: a unix SOCK_SEQPACKET socket at --address (CRIU's default
 * ./criu_service.socket), --daemon to detach, --pidfile for the (daemon's) pid. Each
 * accepted connection is served by a child of its own, so that a client, good or bad,
 * leaves nothing in the listening process; the children are reaped by the kernel
 * (SIGCHLD ignored), and each puts SIGCHLD back for the workers it waits for.
 */
#define LOG_PREFIX "rpc: "

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"
#include "log.h"
#include "rpc.h"

#define SERVICE_DEFAULT_ADDRESS "./criu_service.socket"

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sk;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		pr_err("--address %s: longer than a unix socket path can be\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		pr_perror("Can't create the service socket");
		return -1;
	}
	unlink(path);
	if (bind(sk, (struct sockaddr *)&addr, sizeof(addr)) || listen(sk, 64)) {
		pr_perror("Can't listen on %s", path);
		close(sk);
		return -1;
	}
	pr_info("The service listens on %s\n", path);
	return sk;
}

static int write_service_pidfile(const char *path)
{
	char buf[16];
	int fd, len;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_perror("Can't create --pidfile %s", path);
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%d", getpid());
	if (write(fd, buf, len) != len) {
		pr_perror("Can't write --pidfile %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void serve_child(int lsk, int csk, const struct cr_options *o)
{
	close(lsk);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	_exit(rpc_serve_accepted(csk, o) ? 1 : 0);
}

static int accept_loop(int lsk, const struct cr_options *o)
{
	int csk;
	pid_t pid;

	for (;;) {
		csk = accept4(lsk, NULL, NULL, SOCK_CLOEXEC);
		if (csk < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			pr_perror("Can't accept a client");
			/* out of fds or memory for now: serve again once some are back */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				usleep(100000);
				continue;
			}
			return -1;
		}
		pid = fork();
		if (pid == 0)
			serve_child(lsk, csk, o);
		if (pid < 0)
			pr_perror("Can't fork for a client; closing its connection");
		close(csk);
	}
}

int rpc_service(const struct cr_options *o)
{
	const char *path = o->address ?: SERVICE_DEFAULT_ADDRESS;
	int lsk, ret;

	if (!o->address)
		pr_warn("No --address: listening on %s in the current directory\n", path);
	lsk = listen_on(path);
	if (lsk < 0)
		return -1;
	if (o->restore_detached && daemon(1, 0)) {
		pr_perror("Can't become a daemon (--daemon)");
		goto out_close;
	}
	if (o->pidfile && write_service_pidfile(o->pidfile))
		goto out_close;
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	ret = accept_loop(lsk, o);
	close(lsk);
	return ret;
out_close:
	close(lsk);
	return -1;
}
