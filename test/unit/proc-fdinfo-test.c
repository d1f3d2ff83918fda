/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-fdinfo-test.c - the parsers of /proc/PID/fdinfo/N, one per kind of file, on fdinfo
 * captured from a live kernel (proc-samples.h), on lines cut or garbled, and on fdinfo of
 * files this test opens itself.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc-fdinfo.h"
#include "proc-parse.h"
#include "proc-samples.h"
#include "unit-check.h"

static void test_common(void)
{
	struct fdinfo_common c;

	CHECK(parse_fdinfo_common(sample_flock, "f", &c) == 0 && c.pos == 5 && c.flags == 0100002 &&
		      c.mnt_id == 27,
	      "pos, flags (octal) and mnt_id");
	CHECK(parse_fdinfo_common(sample_pidfd, "f", &c) == 0 && c.flags == 02000002,
	      "O_CLOEXEC stays in flags: %o", c.flags);
	CHECK(parse_fdinfo_common("pos:\t0\nflags:\t09\nmnt_id:\t1\n", "f", &c) == -EINVAL,
	      "a 9 in octal flags is refused");
	CHECK(parse_fdinfo_common("pos:\t0\nflags:\t02\n", "f", &c) == -EINVAL,
	      "no mnt_id is refused");
	CHECK(parse_fdinfo_common("pos:\t0\nflags:\t02\nmnt_id:\t1", "f", &c) == -EINVAL,
	      "a last line without its newline is refused");
	CHECK(parse_fdinfo_common("pos:\t99999999999999999999\nflags:\t02\nmnt_id:\t1\n", "f",
				  &c) == -EINVAL,
	      "a pos above 63 bits is refused");
}

static void test_eventfd_signalfd_timerfd(void)
{
	struct fdinfo_eventfd e;
	struct fdinfo_timerfd t;
	uint64_t mask;

	CHECK(parse_fdinfo_eventfd(sample_eventfd, "f", &e) == 0 && e.count == 5 && e.semaphore,
	      "eventfd: count %llu, semaphore", (unsigned long long)e.count);
	CHECK(parse_fdinfo_eventfd("eventfd-count: ffffffffffffffff\n", "f", &e) == 0 &&
		      e.count == UINT64_MAX && !e.semaphore,
	      "eventfd: the count is hex; no semaphore line (before 6.8) reads as 0");
	CHECK(parse_fdinfo_eventfd("eventfd-count: 1\neventfd-semaphore: 2\n", "f", &e) == -EINVAL,
	      "eventfd-semaphore is 0 or 1");
	CHECK(parse_fdinfo_signalfd(sample_signalfd, "f", &mask) == 0 &&
		      mask == ((1ull << (SIGUSR1 - 1)) | (1ull << (SIGTERM - 1))),
	      "signalfd: SIGUSR1 and SIGTERM, got %#llx", (unsigned long long)mask);
	CHECK(parse_fdinfo_timerfd(sample_timerfd, "f", &t) == 0 && t.clockid == 1 &&
		      t.ticks == 0 && t.settime_flags == 0 && t.value_sec == 999 &&
		      t.value_nsec == 996173381 && t.interval_sec == 2 && t.interval_nsec == 500,
	      "timerfd: clock, ticks, value and interval");
	CHECK(parse_fdinfo_timerfd("clockid: 1\nticks: 0\nsettime flags: 00\n"
				   "it_value: (1, 1000000000)\nit_interval: (0, 0)\n",
				   "f", &t) == -EINVAL,
	      "timerfd: nanoseconds of a whole second are refused");
	CHECK(parse_fdinfo_timerfd("clockid: 1\nticks: 0\nsettime flags: 00\n"
				   "it_value: (1, 2\nit_interval: (0, 0)\n",
				   "f", &t) == -EINVAL,
	      "timerfd: a cut pair is refused");
}

static void test_epoll(void)
{
	struct fdinfo_epoll_tfd *t;
	size_t nr;

	CHECK(parse_fdinfo_epoll(sample_epoll, "f", &t, &nr) == 0 && nr == 2, "two watches");
	CHECK(nr == 2 && t[0].tfd == 4 && t[0].events == 0x80000019 && t[0].data == 7 &&
		      t[0].pos == 0 && t[0].ino == 0x40e && t[0].sdev == 0x10,
	      "the first watch");
	CHECK(nr == 2 && t[1].tfd == 3 && t[1].data == 0x1234abcd, "the second watch's data");
	free(t);
	CHECK(parse_fdinfo_epoll("tfd:        4 events: 19 data: 7  pos:0 ino:40e\n", "f", &t,
				 &nr) == -EINVAL &&
		      !t && !nr,
	      "a watch without sdev is refused");
	CHECK(parse_fdinfo_epoll("pos:\t0\n", "f", &t, &nr) == 0 && !nr, "no watches");
	free(t);
}

static void test_inotify(void)
{
	struct fdinfo_inotify_wd *w;
	size_t nr;

	CHECK(parse_fdinfo_inotify(sample_inotify, "f", &w, &nr) == 0 && nr == 2, "two watches");
	CHECK(nr == 2 && w[0].wd == 2 && w[0].ino == 1 && w[0].sdev == 0x28 && w[0].mask == 2 &&
		      w[0].fh.bytes == 12 && w[0].fh.type == 1 && w[0].fh.handle[0] == 0x2d &&
		      w[0].fh.handle[4] == 0x01 && w[0].fh.handle[11] == 0,
	      "the watch on a tmpfs file, with its 12-byte handle");
	CHECK(nr == 2 && w[1].wd == 1 && w[1].ino == 0x3c51a && w[1].sdev == 0xfe00000 &&
		      w[1].mask == 0x300 && w[1].fh.bytes == 8 && w[1].fh.handle[0] == 0x1a,
	      "the watch on an ext4 directory");
	free(w);
	CHECK(parse_fdinfo_inotify("inotify wd:1 ino:1 sdev:2 mask:2 ignored_mask:0\n", "f", &w,
				   &nr) == 0 &&
		      nr == 1 && w[0].fh.bytes == 0,
	      "a watch the kernel could not make a handle for has none");
	free(w);
	CHECK(parse_fdinfo_inotify("inotify wd:1 ino:1 sdev:2 mask:2 ignored_mask:0 "
				   "fhandle-bytes:8 fhandle-type:1 f_handle:1ac50300\n",
				   "f", &w, &nr) == -EINVAL,
	      "a handle shorter than its byte count is refused");
	CHECK(parse_fdinfo_inotify("inotify wd:1 ino:1 sdev:2 mask:2 ignored_mask:0 "
				   "fhandle-bytes:81 fhandle-type:1 f_handle:00\n",
				   "f", &w, &nr) == -EINVAL,
	      "a handle above MAX_HANDLE_SZ is refused");
}

static void test_fanotify(void)
{
	struct fdinfo_fanotify f;

	CHECK(parse_fdinfo_fanotify(sample_fanotify, "f", &f) == 0 && f.flags == 0 &&
		      f.event_flags == 0x8000 && f.nr == 2,
	      "group flags and two marks");
	CHECK(f.nr == 2 && f.marks[0].kind == FDINFO_FAN_MOUNT && f.marks[0].mnt_id == 0x1b &&
		      f.marks[0].mask == 0x20,
	      "the mount mark");
	CHECK(f.nr == 2 && f.marks[1].kind == FDINFO_FAN_INODE && f.marks[1].ino == 0x35d &&
		      f.marks[1].sdev == 0xfe00000 && f.marks[1].fh.bytes == 8 &&
		      f.marks[1].fh.handle[0] == 0x5d && f.marks[1].fh.handle[1] == 0x03,
	      "the inode mark with its handle");
	free(f.marks);
	CHECK(parse_fdinfo_fanotify("fanotify flags:0 event-flags:0\n"
				    "fanotify sdev:800001 mflags:0 mask:1 ignored_mask:0\n",
				    "f", &f) == 0 &&
		      f.nr == 1 && f.marks[0].kind == FDINFO_FAN_SB && f.marks[0].sdev == 0x800001,
	      "a filesystem mark is reported as one");
	free(f.marks);
	CHECK(parse_fdinfo_fanotify("pos:\t0\n", "f", &f) == -EINVAL, "no flags line is refused");
}

static void test_pidfd_tty(void)
{
	struct fdinfo_pidfd p;
	uint32_t idx;

	CHECK(parse_fdinfo_pidfd(sample_pidfd, "f", &p) == 0 && p.pid == 29156 && p.nspid == 29156,
	      "pidfd: Pid and NSpid");
	CHECK(parse_fdinfo_pidfd("Pid:\t300\nNSpid:\t300\t12\t1\n", "f", &p) == 0 && p.pid == 300 &&
		      p.nspid == 1,
	      "pidfd: the last NSpid is the pid in its own namespace");
	CHECK(parse_fdinfo_pidfd("Pid:\t-1\n", "f", &p) == 0 && p.pid == -1 && p.nspid == -1,
	      "pidfd: an exited process");
	CHECK(parse_fdinfo_pidfd("Pid:\t-2\n", "f", &p) == -EINVAL, "pidfd: -2 is refused");
	CHECK(parse_fdinfo_tty_index(sample_ptmx, "f", &idx) == 0 && idx == 0, "ptmx index");
	CHECK(parse_fdinfo_tty_index(sample_socket, "f", &idx) == -ENOENT, "no tty-index");
}

static void test_locks(void)
{
	struct fdinfo_lock *k;
	size_t nr;

	CHECK(fdinfo_has_locks(sample_flock) && !fdinfo_has_locks(sample_socket), "has locks");
	CHECK(parse_fdinfo_locks(sample_flock, "f", &k, &nr) == 0 && nr == 1 &&
		      k[0].kind == FDINFO_LOCK_FLOCK && k[0].mode == FDINFO_LOCK_ADVISORY &&
		      k[0].type == FDINFO_LOCK_WRITE && k[0].pid == 29176 && k[0].start == 0 &&
		      k[0].end == -1,
	      "a flock");
	free(k);
	CHECK(parse_fdinfo_locks(sample_posixlock, "f", &k, &nr) == 0 && nr == 2, "two POSIX");
	CHECK(nr == 2 && k[0].kind == FDINFO_LOCK_POSIX && k[0].start == 10 && k[0].end == 29 &&
		      k[1].type == FDINFO_LOCK_READ && k[1].start == 100 && k[1].end == -1,
	      "their ranges");
	free(k);
	CHECK(parse_fdinfo_locks("lock:\t1: OFDLCK ADVISORY  WRITE -1 08:02:1234 0 EOF\n"
				 "lock:\t2: LEASE  BREAKING  READ 7 08:02:1234 0 EOF\n"
				 "lock:\t3: DELEG  ACTIVE    READ 7 08:02:1234 0 EOF\n",
				 "f", &k, &nr) == 0 &&
		      nr == 3 && k[0].kind == FDINFO_LOCK_OFD && k[0].pid == -1 &&
		      k[1].kind == FDINFO_LOCK_LEASE && k[1].mode == FDINFO_LOCK_MODE_OTHER &&
		      k[2].kind == FDINFO_LOCK_OTHER,
	      "an OFD lock (pid -1), a lease being broken, a delegation");
	free(k);
	CHECK(parse_fdinfo_locks("lock:\t1: POSIX  ADVISORY  WRITE 1 08:02:1 20 10\n", "f", &k,
				 &nr) == -EINVAL,
	      "an end before the start is refused");
	CHECK(parse_fdinfo_locks("lock:\t1: POSIX  ADVISORY  WRITE 1 08:02:1 20\n", "f", &k, &nr) ==
		      -EINVAL,
	      "a lock without its end is refused");
	CHECK(parse_fdinfo_locks("lock:\t1: POSIXADVISORYWRITEPOSIXADVISORY 1 2 3\n", "f", &k,
				 &nr) == -EINVAL,
	      "an overlong word is refused");
}

/* The parsers against fdinfo of files this test holds, as the dump reads them. */
static void test_live(void)
{
	struct itimerspec its = { .it_value = { .tv_sec = 100 }, .it_interval = { .tv_sec = 3 } };
	int efd = eventfd(42, EFD_SEMAPHORE), tfd = timerfd_create(CLOCK_BOOTTIME, 0);
	char path[64], *buf;
	struct fdinfo_eventfd e;
	struct fdinfo_timerfd t;
	struct fdinfo_common c;

	timerfd_settime(tfd, 0, &its, NULL);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", efd);
	buf = read_proc_file(path, NULL);
	CHECK(buf && parse_fdinfo_common(buf, path, &c) == 0 && (c.flags & O_ACCMODE) == O_RDWR &&
		      parse_fdinfo_eventfd(buf, path, &e) == 0 && e.count == 42 && e.semaphore,
	      "our eventfd");
	free(buf);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", tfd);
	buf = read_proc_file(path, NULL);
	CHECK(buf && parse_fdinfo_timerfd(buf, path, &t) == 0 && t.clockid == CLOCK_BOOTTIME &&
		      t.value_sec <= 100 && t.value_sec >= 90 && t.interval_sec == 3,
	      "our timerfd");
	free(buf);
	close(efd);
	close(tfd);
}

int main(void)
{
	log_set_level(LOG_MSG); /* the refusals are expected */
	test_common();
	test_eventfd_signalfd_timerfd();
	test_epoll();
	test_inotify();
	test_fanotify();
	test_pidfd_tty();
	test_locks();
	test_live();
	UNIT_REPORT();
}
