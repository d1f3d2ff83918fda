/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refuse_task00: task state criu does not save yet must fail the dump, naming the task and
 * the limitation, and leave the task as it was. REFUSE_CASE picks the state (one .desc
 * each, with the expected message): a NUMA policy of the task (mempolicy) or of a mapping
 * (mbind), memory-deny-write-execute (mdwe), THP disabled except where advised
 * (thp_advised), KSM for the whole process (ksm_any), PR_SET_IO_FLUSHER (io_flusher), speculation
 * controls (ssb, ib), tagged addresses (lam), a droppable mapping (droppable), the listener fd of a
 * seccomp user notifier (seccomp_notify), a mapping registered with a userfaultfd held outside the
 * tree (uffd_vma). A case the host can't set up is skipped with the reason. After the refused dump,
 * the test checks that the state is still in place.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MPOL_PREFERRED		      1
#define MPOL_BIND		      2
#define PR_SET_MDWE		      65
#define PR_GET_MDWE		      66
#define PR_THP_DISABLE_EXCEPT_ADVISED (1 << 1)
#define PR_SET_MEMORY_MERGE	      67
#define PR_GET_MEMORY_MERGE	      68
#define ARCH_ENABLE_TAGGED_ADDR	      0x4002
#define ARCH_GET_UNTAG_MASK	      0x4001
#define MAP_DROPPABLE_TYPE	      0x08

static const char *which;
static void *area;
static size_t len;

static int is(const char *name)
{
	return !strcmp(which, name);
}

/* A process outside the tree keeps the userfaultfd (and so the registration) alive. */
static int hand_out(int fd)
{
	pid_t me = getpid(), kid;
	int sk[2], got;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &got, sizeof(got) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sk))
		return -1;
	kid = fork();
	if (kid == 0) {
		if (fork())
			_exit(0);
		setsid();
		close(sk[0]);
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if (recvmsg(sk[1], &mh, 0) < 0)
			_exit(1);
		close(sk[1]);
		while (!kill(me, 0)) /* until the test is gone */
			usleep(100000);
		_exit(0);
	}
	if (test_wait_child(kid, "the helper's parent") || test_send_fds(sk[0], "u", &fd, 1))
		return -1;
	close(sk[0]);
	close(sk[1]);
	return close(fd);
}

static int setup_uffd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api))
		test_skip("no userfaultfd for this user: %s", strerror(errno));
	reg.range.start = (unsigned long)area;
	reg.range.len = len;
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		return -1;
	return hand_out(fd);
}

static int setup_seccomp(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_acct, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(insns) / sizeof(insns[0]), insns };
	int fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			 &prog);

	/* the listener stays open: a supervisor could answer through it */
	return fd < 0 ? -1 : 0;
}

static int setup_prctl(void)
{
	unsigned long node0 = 1;

	if (is("mempolicy"))
		return syscall(SYS_set_mempolicy, MPOL_BIND, &node0, 64);
	if (is("mbind"))
		return syscall(SYS_mbind, area, len, MPOL_PREFERRED, &node0, 64, 0);
	if (is("mdwe"))
		return prctl(PR_SET_MDWE, 1, 0, 0, 0) ? (test_skip("no PR_SET_MDWE"), -1) : 0;
	if (is("thp_advised"))
		return prctl(PR_SET_THP_DISABLE, 1, PR_THP_DISABLE_EXCEPT_ADVISED, 0, 0)
			       ? (test_skip("no PR_THP_DISABLE_EXCEPT_ADVISED: %m"), -1)
			       : 0;
	if (is("ksm_any"))
		return prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0)
			       ? (test_skip("no PR_SET_MEMORY_MERGE: %m"), -1)
			       : 0;
	if (is("io_flusher"))
		return prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0)
			       ? (test_skip("PR_SET_IO_FLUSHER needs CAP_SYS_RESOURCE: %m"), -1)
			       : 0;
	if (is("ssb") || is("ib"))
		return prctl(PR_SET_SPECULATION_CTRL,
			     is("ssb") ? PR_SPEC_STORE_BYPASS : PR_SPEC_INDIRECT_BRANCH,
			     PR_SPEC_DISABLE, 0, 0)
			       ? (test_skip("this CPU or kernel has no per-task control: %m"), -1)
			       : 0;
	if (is("lam"))
		return syscall(SYS_arch_prctl, ARCH_ENABLE_TAGGED_ADDR, 6)
			       ? (test_skip("no linear address masking here: %m"), -1)
			       : 0;
	errno = EINVAL;
	return -1;
}

static int setup(void)
{
	len = 4 * sysconf(_SC_PAGESIZE);
	area = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    is("droppable") ? MAP_DROPPABLE_TYPE | MAP_ANONYMOUS
				    : MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (area == MAP_FAILED) {
		if (is("droppable"))
			test_skip("no MAP_DROPPABLE: %m");
		return -1;
	}
	memset(area, 'z', is("uffd_vma") ? 0 : len);
	if (is("droppable"))
		return 0;
	if (is("uffd_vma"))
		return setup_uffd();
	if (is("seccomp_notify"))
		return setup_seccomp();
	return setup_prctl();
}

/* The state is still there after the refused dump (where the test can ask for it). */
static void check(void)
{
	int mode = -1;

	if (is("mempolicy") &&
	    (syscall(SYS_get_mempolicy, &mode, NULL, 0, 0, 0) || mode != MPOL_BIND))
		fail("the task's memory policy is %d, not MPOL_BIND", mode);
	if (is("mbind") && (syscall(SYS_get_mempolicy, &mode, NULL, 0, area, 2 /* MPOL_F_ADDR */) ||
			    mode != MPOL_PREFERRED))
		fail("the mapping's memory policy is %d, not MPOL_PREFERRED", mode);
	if (is("mdwe") && prctl(PR_GET_MDWE, 0, 0, 0, 0) != 1)
		fail("MDWE is off");
	if (is("thp_advised") && prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 3)
		fail("THP disable is %d", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
	if (!is("uffd_vma") && !is("droppable") && ((char *)area)[len - 1] != 'z')
		fail("the area lost its contents");
}

int main(int argc, char **argv)
{
	which = getenv("REFUSE_CASE") ?: "none";
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
