/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zdtmtst: the protocol between a ZDTM test program and the runner (test/zdtm.py).
 *
 * A test calls test_init() first; it parses --pidfile/--outfile and, when a pidfile is
 * wanted, forks so that the runner sees the pidfile only once the test is ready. The test
 * then prepares its state, calls test_daemon() ("ready to be checkpointed"), waits for
 * SIGTERM with test_waitsig() (or polls test_sig_received), checks its state and reports
 * with pass() or fail(). Only libc is used: this library knows nothing about criu.
 */
#ifndef ZDTM_ZDTMTST_H
#define ZDTM_ZDTMTST_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

/* Set to 1 by the SIGTERM handler that test_init() installs (without SA_RESTART). */
extern volatile sig_atomic_t test_sig_received;

/* The test's name: the basename of argv[0] at test_init() time. */
extern const char *test_name;

/*
 * Set before test_init() to stay in the runner's session and process group, as a job
 * started from a shell does (dumped and restored with --shell-job); by default the test
 * daemon leads a session of its own.
 */
extern int test_keep_session;

void test_init(int argc, char **argv);
void test_daemon(void);
void test_waitsig(void);

/* Write the verdict to the outfile (stdout without --outfile). The first failure wins. */
void pass(void);
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Before test_daemon(): this host lacks what the test needs (a kernel feature, a device, a
 * privilege). Writes "SKIP: why" as the verdict and exits with TEST_SKIP_STATUS; the runner
 * reports the test as skipped with that reason, never as passed.
 */
#define TEST_SKIP_STATUS 77
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Log a line to outfile.log (stderr without --outfile). */
void test_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A scratch file path private to this test run (next to the outfile, or in /tmp). */
const char *test_path(const char *tag);

/* Did a fail() happen? Lets a test keep checking and still exit non-zero. */
int test_failed(void);

/*
 * The common test body after test_init(): become the daemon, run setup (non-zero: fail),
 * check once so that a broken test is not blamed on criu, wait for the dump and restore,
 * check again, pass. Returns main()'s exit status.
 */
int test_check_across_dump(int (*setup)(void), void (*check)(void));

/*
 * SCM_RIGHTS: send msg with nr (at most TEST_MAX_FDS) files; receive exactly msg (a stream
 * reads its length, other sockets one message of that length) with exactly nr files into
 * fds, fail() otherwise, without waiting. Both return 0 or -1.
 */
#define TEST_MAX_FDS 8
int test_send_fds(int sk, const char *msg, const int *fds, int nr);
int test_recv_fds(int sk, const char *msg, int *fds, int nr);

/*
 * F_SETOWN: make this task the owner of fd with TEST_FOWN_SIG (a real-time signal, so each
 * write queues one, telling si_fd) and O_ASYNC, the signal blocked to be waited for; wait up
 * to 5 s for one about fd (1 if it came); check fd's owner and signal (0, or fail() and -1).
 */
#define TEST_FOWN_SIG (SIGRTMIN + 3)
int test_take_fown(int fd);
int test_got_fown_sig(int fd);
int test_check_fown(int fd, pid_t want, const char *what);

/*
 * What the test changes outside itself and the runner must undo if the test is killed
 * (by a failed dump or restore): one line appended to OUTFILE.leftovers per change,
 * "hugepages SIZE_KB NR" (taken back from the kernel's pool), "sysv-shm ID" (removed),
 * "umount PATH" (lazily), "ping-range LO HI" (net.ipv4.ping_group_range written back),
 * "nft-table FAMILY NAME" (deleted) or "rmdir PATH" (a cgroup, once empty).
 * The test undoes them itself at exit (atexit handlers registered after the first note),
 * and the file is removed once they ran.
 */
void test_note_leftover(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Hugetlb tests, after test_init(): add nr huge pages of size_kb to the kernel's pool for
 * this run (given back at exit), or test_skip() saying why the host can't. Then: is the
 * mapping that holds addr hugetlb (smaps "ht"): 1, 0, or -1 if there is none; page_kb gets
 * its KernelPageSize, path (if not NULL) what maps shows after the inode.
 */
void test_hugetlb_reserve(unsigned long size_kb, unsigned int nr);
int test_hugetlb_vma(const void *addr, unsigned long *page_kb, char *path, size_t path_len);

/*
 * The pid that names pid (a task of the test's namespace) in /proc: in the pidns flavour
 * /proc is the host's, which names a task by its host pid (a thread's tid too). -1 if it is
 * gone.
 */
pid_t test_proc_pid(pid_t pid);

/* Whether the task's namespace of kind link ("net", "mnt") is owned by its user namespace */
bool test_ns_owned_by_own_user(const char *link);

/* The first len - 1 bytes of the file at path into buf, 0-terminated: 0, or -1 (errno). */
int test_read_text(const char *path, char *buf, size_t len);

/* A task's pids as it sees them and its NSpid line (lib/ids.c), for pid namespace tests. */
struct test_ids {
	pid_t pid, ppid;
	char nspid[96];
};
/* The NSpid line of the calling thread's status, as the kernel writes it: 0, or -1. */
int test_read_nspid(char *out, size_t len);
int test_take_ids(struct test_ids *ids);
/* 0 if the calling task's ids are still before's, else 20 + which changed (pid, ppid, NSpid). */
int test_same_ids(const struct test_ids *before);
/*
 * A thread's check across the dump: note its tid and NSpid line, write a byte to ready_fd,
 * wait for one on go_fd (after the restore), compare: 0, 1 (I/O), 2 (tid), 3 (NSpid).
 */
long test_thread_ids_kept(int ready_fd, int go_fd);

/*
 * lib/userns.c: the user namespace of pid (0: the caller) and, unless parent is NULL, its
 * parent's (NS_GET_PARENT: shown only to a task in that parent or above), as inode numbers;
 * and text written to pid's /proc/PID/NAME (a map, setgroups). Both 0, or -1.
 */
int test_userns_of(pid_t pid, ino_t *own, ino_t *parent);
int test_write_proc(pid_t pid, const char *name, const char *text);
/*
 * Fork a kid that unshares a user namespace and, once its maps are written here (setgroups
 * first when deny is not NULL), exits with body(arg). Its pid, or -1 after a fail().
 */
pid_t test_fork_in_userns(int (*body)(void *), void *arg, const char *deny, const char *uid_map,
			  const char *gid_map);

/* The VmFlags codes of the mapping that holds addr (lib/vma.c): 0, or -1 if there is none. */
int test_vmflags(const void *addr, char *buf, size_t size);
/* Does the VmFlags text flags carry code (a whole code, e.g. "lo" and not "lf")? 1 or 0 */
int test_vmflags_has(const char *flags, const char *code);
/* Has the mapping that holds addr the VmFlags code: 1, 0, or -1 if there is no mapping. */
int test_vma_has_flag(const void *addr, const char *code);

/*
 * Cgroups (lib/cgroup.c): the mount point of the first mount of type ("cgroup", "cgroup2")
 * whose options name the controller ctl ("": any), and the path of the hierarchy of ctl
 * ("": cgroup2's) in file, a /proc/.../cgroup: 0, or -1 if there is none.
 */
int test_cgroup_mount(const char *type, const char *ctl, char *out, size_t len);
int test_cgroup_of(const char *file, const char *ctl, char *out, size_t len);
/* Write text to the existing file at path in one write(): 0, or -1 (errno). */
int test_write_text(const char *path, const char *text);

/*
 * lib/tcp.c: sk is a closed TCP socket (state CLOSE, no peer) that polls revents for
 * POLLIN | POLLOUT | POLLRDHUP and is still bound to name: 0, or fail() and -1.
 */
struct sockaddr_storage;
int test_tcp_closed(int sk, const struct sockaddr_storage *name, unsigned int name_len,
		    short revents);

/* Run the shell command made of fmt: 0 if it exited 0, else test_msg() it and -1. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* test_sh() each command of the NULL-ended list in turn: 0, or -1 at the first that fails. */
int test_sh_all(const char *const *cmds);
/* A network namespace of the test's own, then cmds run in it: 0, or fail() and -1. */
int test_own_netns(const char *const *cmds);
/* The output of the shell command cmd in buf (at most len - 1 bytes): 0 if it exited 0, or -1. */
int test_sh_out(const char *cmd, char *buf, size_t len);
/* fail() with the first line of after that differs from before's, and before's line */
void test_fail_diff(const char *what, const char *before, const char *after);

/* Reap the child pid: 0 if it exited 0, else fail() with what and its exit code, and -1. */
int test_wait_child(pid_t pid, const char *what);

/* mount_setattr() of the mount at path: 0, or its errno (mntlock.c) */
int test_mount_setattr(const char *path, unsigned long long set, unsigned long long clr);
/*
 * The kernel's locks of the flags of the mount at path (TEST_*_LOCKED), or -1: each set
 * flag is cleared and the atime setting changed (EPERM when locked), so the mount has its
 * flags changed where they were not locked: for a throwaway copy.
 */
enum {
	TEST_ATIME_LOCKED = 1 << 0,
	TEST_RDONLY_LOCKED = 1 << 1,
	TEST_NOSUID_LOCKED = 1 << 2,
	TEST_NODEV_LOCKED = 1 << 3,
	TEST_NOEXEC_LOCKED = 1 << 4,
};
int test_mount_flag_locks(const char *path);

#define fail_perror(fmt, ...) fail(fmt ": %s", ##__VA_ARGS__, strerror(errno))

#endif /* ZDTM_ZDTMTST_H */
