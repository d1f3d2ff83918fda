/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parasite-daemon.c - the parasite head's C half: connect to criu's control socket, take
 * the log fd, then serve commands until the socket ends (criu closes it after
 * COMPEL_CMD_FINI, or criu died) or criu says nothing for the timeout. Then close every fd
 * the parasite opened and return to the entry stub, which unmaps the area and returns to
 * the task (see compel/ctl-proto.h). Also moves fds over the socket.
 * Runs inside the task with every signal blocked, on compel's stack.
 */
#include <stdbool.h>
#include <stdint.h>
#include <linux/errno.h>

#include "compel/ctl-proto.h"
#include "compel/rt/log.h"
#include "compel/rt/parasite.h"
#include "compel/rt/string.h"
#include "compel/rt/syscall.h"

#define RT_AF_UNIX	  1
#define RT_SOCK_SEQPACKET 5
#define RT_SOCK_CLOEXEC	  02000000
#define RT_SOL_SOCKET	  1
#define RT_SCM_RIGHTS	  1
#define RT_MSG_CTRUNC	  0x8
#define RT_MSG_NOSIGNAL	  0x4000
#define RT_SO_RCVTIMEO	  20
#define RT_SO_SNDTIMEO	  21
#define RT_SIGPIPE	  13
#define RT_SIGXFSZ	  25
#define RT_SIGBIT(sig)	  (1ull << ((sig)-1))
/* Signals our own syscalls may raise (a write to a closed pipe, a log over RLIMIT_FSIZE). */
#define RT_OWN_SIGNALS (RT_SIGBIT(RT_SIGPIPE) | RT_SIGBIT(RT_SIGXFSZ))

struct rt_iovec {
	void *base;
	unsigned long len;
};

struct rt_msghdr {
	void *name;
	int namelen;
	struct rt_iovec *iov;
	unsigned long iovlen;
	void *control;
	unsigned long controllen;
	unsigned int flags;
};

struct rt_cmsghdr {
	unsigned long len;
	int level;
	int type;
};

struct rt_timeval {
	long sec;
	long usec;
};

struct rt_timespec {
	long sec;
	long nsec;
};

struct rt_sockaddr_un {
	uint16_t family;
	char path[COMPEL_SUN_PATH_MAX];
};

/* Room for one batch of fds: the cmsg header plus the int array, 8-byte aligned. */
#define RT_CMSG_SPACE (sizeof(struct rt_cmsghdr) + ((COMPEL_FDS_PER_MSG * sizeof(int) + 7) & ~7ul))

static int ctl_sock = -1;
static uint64_t pending_at_start; /* the task's own pending signals when we came */

int parasite_head_main(struct compel_ctl_hdr *hdr);

int parasite_ctl_sock(void)
{
	return ctl_sock;
}

/* Send one control message with up to COMPEL_FDS_PER_MSG fds attached (nr may be 0). */
static int send_msg(uint32_t cmd, int32_t ret, const int *fds, int nr)
{
	uint64_t cbuf[RT_CMSG_SPACE / 8];
	struct compel_ctl_msg m = { .cmd = cmd, .ret = ret };
	struct rt_iovec iov = { &m, sizeof(m) };
	struct rt_msghdr mh = { .iov = &iov, .iovlen = 1 };
	struct rt_cmsghdr *ch = (struct rt_cmsghdr *)cbuf;
	long r;

	if (nr > 0) {
		ch->len = sizeof(*ch) + nr * sizeof(int);
		ch->level = RT_SOL_SOCKET;
		ch->type = RT_SCM_RIGHTS;
		std_memcpy(ch + 1, fds, nr * sizeof(int));
		mh.control = cbuf;
		mh.controllen = sizeof(*ch) + ((nr * sizeof(int) + 7) & ~7ul);
	}
	/* criu may be gone: a SIGPIPE would be left pending for the task to die of */
	do
		r = sys_sendmsg(ctl_sock, &mh, RT_MSG_NOSIGNAL);
	while (r == -EINTR);
	if (r < 0)
		return (int)r;
	return r == sizeof(m) ? 0 : -EPROTO;
}

/*
 * Receive one control message; fds attached to it land in fds[0..*nr). Returns 0, -ECONNRESET
 * when criu closed the socket, -EAGAIN when it said nothing for the timeout, or -errno.
 */
static int recv_msg(struct compel_ctl_msg *m, int *fds, int *nr)
{
	uint64_t cbuf[RT_CMSG_SPACE / 8];
	struct rt_iovec iov = { m, sizeof(*m) };
	struct rt_msghdr mh = {
		.iov = &iov, .iovlen = 1, .control = cbuf, .controllen = sizeof(cbuf)
	};
	struct rt_cmsghdr *ch = (struct rt_cmsghdr *)cbuf;
	int got = 0;
	long r;

	/* With a receive timeout, criu's PTRACE_INTERRUPT ends the call with EINTR. */
	do
		r = sys_recvmsg(ctl_sock, &mh, 0);
	while (r == -EINTR);
	if (r == 0)
		return -ECONNRESET;
	if (r < 0)
		return (int)r;
	if (mh.controllen >= sizeof(*ch) && ch->level == RT_SOL_SOCKET && ch->type == RT_SCM_RIGHTS)
		got = (ch->len - sizeof(*ch)) / sizeof(int);
	if (got > 0 && (!fds || got > *nr)) {
		/* Unexpected fds must not leak into the task. */
		int i, *in = (int *)(ch + 1);

		for (i = 0; i < got; i++)
			sys_close(in[i]);
		return -EBADMSG;
	}
	if (got > 0)
		std_memcpy(fds, ch + 1, got * sizeof(int));
	if (nr)
		*nr = got;
	if (r != sizeof(*m) || (mh.flags & RT_MSG_CTRUNC))
		return -EBADMSG;
	return 0;
}

int parasite_send_fds(const int *fds, int nr)
{
	int done, n, ret;

	for (done = 0; done < nr; done += n) {
		n = nr - done < COMPEL_FDS_PER_MSG ? nr - done : COMPEL_FDS_PER_MSG;
		ret = send_msg(COMPEL_CMD_FDS, n, fds + done, n);
		if (ret) {
			rt_pr_err("sending %d fds to criu failed: %d\n", n, ret);
			return ret;
		}
	}
	return 0;
}

int parasite_recv_fds(int *fds, int nr)
{
	struct compel_ctl_msg m;
	int done, n, got, ret;

	for (done = 0; done < nr; done += n) {
		n = nr - done < COMPEL_FDS_PER_MSG ? nr - done : COMPEL_FDS_PER_MSG;
		got = n;
		ret = recv_msg(&m, fds + done, &got);
		if (!ret && (m.cmd != COMPEL_CMD_FDS || m.ret != n || got != n))
			ret = -EBADMSG;
		if (ret) {
			rt_pr_err("receiving %d fds from criu failed: %d\n", n, ret);
			return ret;
		}
	}
	return 0;
}

/* A criu stopped (SIGSTOP) for longer than this must not keep the task from running. */
static int set_timeouts(uint32_t ms)
{
	struct rt_timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	long ret;

	if (!ms)
		return 0;
	ret = sys_setsockopt(ctl_sock, RT_SOL_SOCKET, RT_SO_RCVTIMEO, &tv, sizeof(tv));
	if (!ret)
		ret = sys_setsockopt(ctl_sock, RT_SOL_SOCKET, RT_SO_SNDTIMEO, &tv, sizeof(tv));
	return (int)ret;
}

static int connect_ctl(struct compel_ctl_hdr *hdr)
{
	struct rt_sockaddr_un addr = { .family = RT_AF_UNIX };
	long sk, ret;

	if (hdr->addr_len == 0 || hdr->addr_len > sizeof(addr.path))
		return -EINVAL;
	std_memcpy(addr.path, hdr->sun_addr, hdr->addr_len);
	sk = sys_socket(RT_AF_UNIX, RT_SOCK_SEQPACKET | RT_SOCK_CLOEXEC, 0);
	if (sk < 0)
		return (int)sk;
	hdr->parasite_sock = (int32_t)sk;
	ret = sys_connect((int)sk, &addr, sizeof(addr.family) + hdr->addr_len);
	if (ret < 0)
		return (int)ret;
	ctl_sock = (int)sk;
	return set_timeouts(hdr->timeout_ms);
}

/* criu's first message carries the log fd (if any); our answer tells criu we are ready. */
static int handshake(struct compel_ctl_hdr *hdr)
{
	struct compel_ctl_msg m;
	int fd = -1, nr = 1, ret;

	ret = recv_msg(&m, &fd, &nr);
	if (ret)
		return ret;
	if (m.cmd != COMPEL_CMD_INIT)
		return -EBADMSG;
	if (nr == 1) {
		hdr->parasite_log_fd = fd;
		rt_log_init(fd, (int)hdr->log_level);
	}
	rt_pr_debug("parasite connected, args at %p\n", (char *)hdr + hdr->args_off);
	return send_msg(COMPEL_CMD_INIT, 0, 0, 0);
}

/* Serve until the socket ends; after FINI criu closes it once it is ready to catch us. */
static void serve(struct compel_ctl_hdr *hdr, void *args)
{
	struct compel_ctl_msg m;
	bool done = false;
	int ret;

	for (;;) {
		ret = recv_msg(&m, 0, 0);
		if (ret == -ECONNRESET && done)
			return;
		if (ret == -EAGAIN) {
			rt_pr_err("criu said nothing for %u ms: leaving the task\n",
				  hdr->timeout_ms);
			return;
		}
		if (ret) {
			rt_pr_err("control channel broken (%d): leaving the task\n", ret);
			return;
		}
		if (m.cmd == COMPEL_CMD_FINI) {
			done = true;
			ret = 0;
		} else {
			ret = parasite_daemon_cmd(m.cmd, args);
		}
		if (send_msg(m.cmd, ret, 0, 0))
			return;
	}
}

static uint64_t pending_signals(void)
{
	uint64_t set = 0;

	sys_rt_sigpending(&set, sizeof(set));
	return set;
}

/* Take back the signals our syscalls raised (they are blocked, so they wait for the task). */
static void drop_own_signals(void)
{
	struct rt_timespec zero = { 0, 0 };
	uint64_t stray = pending_signals() & ~pending_at_start & RT_OWN_SIGNALS;
	int sig;

	for (sig = 1; sig <= 64; sig++) {
		uint64_t one = RT_SIGBIT(sig);

		if (stray & one)
			sys_rt_sigtimedwait(&one, 0, &zero, sizeof(one));
	}
}

int parasite_head_main(struct compel_ctl_hdr *hdr)
{
	int ret;

	pending_at_start = pending_signals();
	hdr->parasite_sock = -1;
	hdr->parasite_log_fd = -1;
	ret = connect_ctl(hdr);
	if (!ret)
		ret = handshake(hdr);
	if (!ret)
		serve(hdr, (char *)hdr + hdr->args_off);
	parasite_daemon_cleanup((char *)hdr + hdr->args_off);

	rt_log_init(-1, 0);
	if (hdr->parasite_log_fd >= 0)
		sys_close(hdr->parasite_log_fd);
	if (hdr->parasite_sock >= 0)
		sys_close(hdr->parasite_sock);
	/* compel reads these to see that nothing was left open in the task. */
	hdr->parasite_log_fd = -1;
	hdr->parasite_sock = -1;
	ctl_sock = -1;
	drop_own_signals();
	hdr->state = COMPEL_PARASITE_CURING;
	return ret;
}
