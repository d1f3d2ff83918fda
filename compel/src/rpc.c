/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rpc.c - the control channel to the parasite: an abstract SOCK_SEQPACKET socket that criu
 * listens on and the parasite connects to, fixed-size command/answer messages, and fd
 * passing. Every wait watches the task too, so a dead or crashed parasite turns into an
 * error (-ECONNRESET) and a silent one into -ETIMEDOUT, never a hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

#define POLL_SLICE_MS 20

void compel_report_crash(struct compel_ctl *ctl, int sig)
{
	struct user_regs_struct regs;
	siginfo_t si = { 0 };

	ptrace(PTRACE_GETSIGINFO, ctl->pid, NULL, &si);
	if (arch_get_regs(ctl->pid, &regs))
		memset(&regs, 0, sizeof(regs));
	pr_err("Parasite in task %d crashed: signal %d (code %d, address %p) at ip %#llx "
	       "(parasite loaded at %#lx)\n",
	       ctl->pid, sig, si.si_code, si.si_addr, (unsigned long long)regs.rip,
	       ctl->remote_base);
}

int compel_check_parasite(struct compel_ctl *ctl)
{
	int status, ret, sig = 0;

	if (!ctl->parasite_running)
		return 1;
	ret = compel_wait(ctl, &status, WNOHANG);
	if (ret <= 0) {
		if (ret < 0)
			ctl->parasite_running = false;
		return ret;
	}
	/* A stop request or group stop: go on (it holds when we let the task go). */
	compel_note_event_stop(ctl, status);
	if ((status >> 16) == 0) {
		sig = compel_parasite_signal(ctl, WSTOPSIG(status));
		if (sig < 0) {
			ctl->parasite_running = false;
			ctl->parasite_stopped = true;
			return 2; /* a crash, reported already */
		}
	}
	if (ptrace(PTRACE_CONT, ctl->pid, NULL, (void *)(long)sig)) {
		pr_perror("Can't resume the parasite in task %d", ctl->pid);
		return -errno;
	}
	return 0;
}

int compel_wait_readable(struct compel_ctl *ctl, int fd, const char *what)
{
	long deadline = compel_now_ms() + ctl->timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n, ret;

	for (;;) {
		n = poll(&pfd, 1, POLL_SLICE_MS);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			pr_perror("poll on the control socket failed");
			return -errno;
		}
		ret = compel_check_parasite(ctl);
		if (ret < 0)
			return -ECONNRESET;
		if (ret > 0) {
			/* Its last words may be queued already. */
			if (poll(&pfd, 1, 0) > 0)
				return 0;
			if (ret == 1) /* 2: a crash, its report says it all */
				pr_err("Parasite in task %d stopped before it could %s\n", ctl->pid,
				       what);
			return -ECONNRESET;
		}
		if (compel_now_ms() >= deadline) {
			pr_err("Parasite in task %d did not %s within %d ms\n", ctl->pid, what,
			       ctl->timeout_ms);
			return -ETIMEDOUT;
		}
	}
}

/* Send one message, with up to COMPEL_FDS_PER_MSG fds. */
static int send_msg(struct compel_ctl *ctl, uint32_t cmd, int32_t val, const int *fds, int nr)
{
	char cbuf[CMSG_SPACE(COMPEL_FDS_PER_MSG * sizeof(int))] __attribute__((aligned(8)));
	struct compel_ctl_msg m = { .cmd = cmd, .ret = val };
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *ch;
	ssize_t n;

	if (nr > 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nr * sizeof(int));
		ch = CMSG_FIRSTHDR(&mh);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(nr * sizeof(int));
		memcpy(CMSG_DATA(ch), fds, nr * sizeof(int));
	}
	n = sendmsg(ctl->sock, &mh, MSG_NOSIGNAL);
	if (n != sizeof(m)) {
		pr_perror("Can't send command %u to the parasite in task %d", cmd, ctl->pid);
		return n < 0 && errno != EPIPE ? -errno : -ECONNRESET;
	}
	return 0;
}

/* Receive one message; fds that come with it go to fds[0..*nr), their count to *nr. */
static int recv_msg(struct compel_ctl *ctl, struct compel_ctl_msg *m, int *fds, int *nr)
{
	char cbuf[CMSG_SPACE(COMPEL_FDS_PER_MSG * sizeof(int))] __attribute__((aligned(8)));
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *ch;
	int got = 0, max = nr ? *nr : 0, i;
	ssize_t n;

	n = compel_wait_readable(ctl, ctl->sock, "answer");
	if (n)
		return (int)n;
	n = recvmsg(ctl->sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0) {
		pr_perror("Can't receive from the parasite in task %d", ctl->pid);
		return -errno;
	}
	for (ch = CMSG_FIRSTHDR(&mh); ch; ch = CMSG_NXTHDR(&mh, ch)) {
		int *in = (int *)CMSG_DATA(ch), k;

		if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
			continue;
		k = (ch->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++, got++) {
			if (got < max)
				fds[got] = in[i];
			else
				close(in[i]); /* unasked-for fds must not leak */
		}
	}
	if (nr)
		*nr = got < max ? got : max;
	if (n == 0) {
		pr_err("Parasite in task %d closed the control socket\n", ctl->pid);
		return -ECONNRESET;
	}
	if (n != sizeof(*m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || got > max) {
		pr_err("Malformed message (%zd bytes, flags %#x, %d fds) from the parasite in task "
		       "%d\n",
		       n, mh.msg_flags, got, ctl->pid);
		for (i = 0; i < got && i < max; i++)
			close(fds[i]);
		return -EBADMSG;
	}
	return 0;
}

/* Open the listening socket in the task's network namespace: abstract names are per netns. */
static int ns_socket(struct compel_ctl *ctl)
{
	char path[64];
	struct stat own, task;
	int self_ns = -1, task_ns = -1, sk, err;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", ctl->pid);
	if (stat("/proc/self/ns/net", &own) || stat(path, &task) || own.st_ino == task.st_ino)
		return socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	task_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (self_ns < 0 || task_ns < 0 || setns(task_ns, CLONE_NEWNET)) {
		sk = -1;
		goto out_close;
	}
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (setns(self_ns, CLONE_NEWNET)) {
		/* criu itself is in the wrong namespace now: say so, nothing else is sure */
		pr_perror("Can't return to criu's network namespace");
		if (sk >= 0)
			close(sk);
		sk = -1;
	}
out_close:
	err = errno;
	if (self_ns >= 0)
		close(self_ns);
	if (task_ns >= 0)
		close(task_ns);
	errno = err;
	return sk;
}

int compel_ctl_listen(struct compel_ctl *ctl, struct compel_ctl_hdr *hdr)
{
	static unsigned int seq;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timespec ts;
	socklen_t len;
	int n;

	ctl->listen_fd = ns_socket(ctl);
	if (ctl->listen_fd < 0) {
		int ret = -errno;

		pr_perror("Can't create the control socket for task %d (in its network namespace)",
			  ctl->pid);
		return ret;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* Abstract name (leading 0), unique per criu process, task and call. */
	n = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "compel-%d-%d-%u-%lx", getpid(),
		     ctl->pid, seq++, (unsigned long)ts.tv_nsec);
	len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
	if (bind(ctl->listen_fd, (struct sockaddr *)&addr, len) || listen(ctl->listen_fd, 1)) {
		pr_perror("Can't bind/listen on the control socket @%s", addr.sun_path + 1);
		return -errno;
	}
	hdr->addr_len = 1 + n;
	memcpy(hdr->sun_addr, addr.sun_path, hdr->addr_len);
	return 0;
}

static int check_peer(struct compel_ctl *ctl)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(ctl->sock, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		pr_perror("Can't get the peer of the control socket");
		return -errno;
	}
	if (cr.pid != ctl->tgid) {
		pr_err("Control socket of task %d was connected by pid %d instead\n", ctl->tgid,
		       cr.pid);
		return -EPERM;
	}
	return 0;
}

int compel_ctl_accept(struct compel_ctl *ctl, int log_fd)
{
	struct timeval tv = { ctl->timeout_ms / 1000, (ctl->timeout_ms % 1000) * 1000 };
	struct compel_ctl_msg m;
	int ret;

	ret = compel_wait_readable(ctl, ctl->listen_fd, "connect");
	if (ret)
		return ret;
	ctl->sock = accept4(ctl->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (ctl->sock < 0) {
		pr_perror("Can't accept the parasite's connection");
		return -errno;
	}
	close(ctl->listen_fd);
	ctl->listen_fd = -1;
	ret = check_peer(ctl);
	if (ret)
		return ret;
	/* A safety net under the polling waits. */
	setsockopt(ctl->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = send_msg(ctl, COMPEL_CMD_INIT, log_fd >= 0, &log_fd, log_fd >= 0 ? 1 : 0);
	if (!ret)
		ret = recv_msg(ctl, &m, NULL, NULL);
	if (!ret && (m.cmd != COMPEL_CMD_INIT || m.ret != 0)) {
		pr_err("Parasite in task %d failed to start (answer %u/%d)\n", ctl->pid, m.cmd,
		       m.ret);
		ret = -EPROTO;
	}
	if (!ret)
		ctl->connected = true;
	return ret;
}

void compel_ctl_close(struct compel_ctl *ctl)
{
	if (ctl->sock >= 0)
		close(ctl->sock);
	if (ctl->listen_fd >= 0)
		close(ctl->listen_fd);
	ctl->sock = ctl->listen_fd = -1;
	ctl->connected = false;
}

int compel_rpc_call(struct compel_ctl *ctl, unsigned int cmd)
{
	int ret;

	if (!ctl->connected) {
		pr_err("No parasite is running in task %d\n", ctl->pid);
		return -ENOTCONN;
	}
	ret = send_msg(ctl, cmd, 0, NULL, 0);
	if (ret)
		ctl->connected = false;
	else
		ctl->pending_cmd = cmd;
	return ret;
}

int compel_rpc_sync(struct compel_ctl *ctl)
{
	struct compel_ctl_msg m;
	int ret;

	if (!ctl->connected)
		return -ENOTCONN;
	ret = recv_msg(ctl, &m, NULL, NULL);
	if (!ret && m.cmd != ctl->pending_cmd) {
		pr_err("Parasite in task %d answered command %u, expected %u\n", ctl->pid, m.cmd,
		       ctl->pending_cmd);
		ret = -EPROTO;
	}
	if (ret) {
		ctl->connected = false;
		return ret;
	}
	return m.ret;
}

int compel_rpc_call_sync(struct compel_ctl *ctl, unsigned int cmd)
{
	int ret = compel_rpc_call(ctl, cmd);

	return ret ? ret : compel_rpc_sync(ctl);
}

int compel_send_fds(struct compel_ctl *ctl, const int *fds, int nr)
{
	int done, n, ret;

	if (!ctl->connected)
		return -ENOTCONN;
	for (done = 0; done < nr; done += n) {
		n = nr - done < COMPEL_FDS_PER_MSG ? nr - done : COMPEL_FDS_PER_MSG;
		ret = send_msg(ctl, COMPEL_CMD_FDS, n, fds + done, n);
		if (ret)
			return ret;
	}
	return 0;
}

int compel_recv_fds(struct compel_ctl *ctl, int *fds, int nr)
{
	struct compel_ctl_msg m;
	int done, n, got, ret, i;

	if (!ctl->connected)
		return -ENOTCONN;
	for (done = 0; done < nr; done += n) {
		n = nr - done < COMPEL_FDS_PER_MSG ? nr - done : COMPEL_FDS_PER_MSG;
		got = n;
		ret = recv_msg(ctl, &m, fds + done, &got);
		if (!ret && (m.cmd != COMPEL_CMD_FDS || m.ret != n || got != n)) {
			pr_err("Parasite in task %d sent %d fds (cmd %u), expected %d\n", ctl->pid,
			       got, m.cmd, n);
			for (i = 0; i < got; i++)
				close(fds[done + i]);
			ret = -EBADMSG;
		}
		if (ret) {
			for (i = 0; i < done; i++)
				close(fds[i]);
			return ret;
		}
	}
	return 0;
}

int compel_ctl_fini(struct compel_ctl *ctl)
{
	struct compel_ctl_msg m;
	int ret;

	if (!ctl->connected)
		return -ENOTCONN;
	ret = send_msg(ctl, COMPEL_CMD_FINI, 0, NULL, 0);
	if (!ret)
		ret = recv_msg(ctl, &m, NULL, NULL);
	if (!ret && m.cmd != COMPEL_CMD_FINI)
		ret = -EPROTO;
	ctl->connected = false;
	return ret;
}
