/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-samples.h - /proc text captured on Linux 6.18 (x86_64) from a live process holding an
 * eventfd, timerfd, signalfd, epoll, inotify (on a tmpfs mounted at "/tmp/a b"), fanotify
 * (an inode and a mount mark), a pidfd, a pty, flock and POSIX locks, three POSIX timers and
 * a SysV segment, with a mount whose path holds a space, tab, newline and backslash. Only
 * smaps is cut (its first three mappings). Data for the unit tests of criu/proc/.
 */
#ifndef PROC_SAMPLES_H
#define PROC_SAMPLES_H

static const char sample_status[] =
	"Name:\tcap\n"
	"Umask:\t0022\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t29176\n"
	"Ngid:\t0\n"
	"Pid:\t29176\n"
	"PPid:\t29156\n"
	"TracerPid:\t0\n"
	"Uid:\t0\t0\t0\t0\n"
	"Gid:\t0\t0\t0\t0\n"
	"FDSize:\t256\n"
	"Groups:\t \n"
	"NStgid:\t29176\n"
	"NSpid:\t29176\n"
	"NSpgid:\t29156\n"
	"NSsid:\t23412\n"
	"Kthread:\t0\n"
	"VmPeak:\t    2388 kB\n"
	"VmSize:\t    2352 kB\n"
	"VmLck:\t       0 kB\n"
	"VmPin:\t       0 kB\n"
	"VmHWM:\t    1388 kB\n"
	"VmRSS:\t    1388 kB\n"
	"RssAnon:\t      92 kB\n"
	"RssFile:\t    1296 kB\n"
	"RssShmem:\t       0 kB\n"
	"VmData:\t      92 kB\n"
	"VmStk:\t     132 kB\n"
	"VmExe:\t       4 kB\n"
	"VmLib:\t    1528 kB\n"
	"VmPTE:\t      40 kB\n"
	"VmSwap:\t       0 kB\n"
	"HugetlbPages:\t       0 kB\n"
	"CoreDumping:\t0\n"
	"THP_enabled:\t1\n"
	"untag_mask:\t0xffffffffffffffff\n"
	"Threads:\t1\n"
	"SigQ:\t4/96367\n"
	"SigPnd:\t0000000000000000\n"
	"ShdPnd:\t0000000000000000\n"
	"SigBlk:\t0000000000010000\n"
	"SigIgn:\t0000000000000006\n"
	"SigCgt:\t0000000000000000\n"
	"CapInh:\t0000000000000000\n"
	"CapPrm:\t000001fffeffffff\n"
	"CapEff:\t000001fffeffffff\n"
	"CapBnd:\t000001fffeffffff\n"
	"CapAmb:\t0000000000000000\n"
	"NoNewPrivs:\t0\n"
	"Seccomp:\t0\n"
	"Seccomp_filters:\t0\n"
	"Speculation_Store_Bypass:\tvulnerable\n"
	"SpeculationIndirectBranch:\talways enabled\n"
	"Cpus_allowed:\t3\n"
	"Cpus_allowed_list:\t0-1\n"
	"Mems_allowed:\t00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001\n"
	"Mems_allowed_list:\t0\n"
	"voluntary_ctxt_switches:\t28\n"
	"nonvoluntary_ctxt_switches:\t1\n";

static const char sample_stat[] =
	"29176 (cap) S 29156 29156 23412 0 -1 4194560 108 1991 0 0 0 0 2 0 20 0 1 0 156626 2408448 324 18446744073709551615 93928673468416 93928673471301 140727606422544 0 0 0 65536 6 0 1 0 0 17 0 0 0 0 0 0 93928673480144 93928673480984 93928702541824 140727606426260 140727606426266 140727606426266 140727606427634 0\n";

static const char sample_maps[] =
	"556d79375000-556d79376000 r--p 00000000 fe:00 10954099                   /tmp/parsers-capture/cap\n"
	"556d79376000-556d79377000 r-xp 00001000 fe:00 10954099                   /tmp/parsers-capture/cap\n"
	"556d79377000-556d79378000 r--p 00002000 fe:00 10954099                   /tmp/parsers-capture/cap\n"
	"556d79378000-556d79379000 r--p 00002000 fe:00 10954099                   /tmp/parsers-capture/cap\n"
	"556d79379000-556d7937a000 rw-p 00003000 fe:00 10954099                   /tmp/parsers-capture/cap\n"
	"7f13dcb0d000-7f13dcb10000 rw-p 00000000 00:00 0 \n"
	"7f13dcb10000-7f13dcb36000 r--p 00000000 fe:00 332835                     /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f13dcb36000-7f13dcc8c000 r-xp 00026000 fe:00 332835                     /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f13dcc8c000-7f13dccdf000 r--p 0017c000 fe:00 332835                     /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f13dccdf000-7f13dcce3000 r--p 001cf000 fe:00 332835                     /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f13dcce3000-7f13dcce5000 rw-p 001d3000 fe:00 332835                     /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f13dcce5000-7f13dccf2000 rw-p 00000000 00:00 0 \n"
	"7f13dccfb000-7f13dccfd000 rw-s 00000000 00:01 24                         /SYSV00000000 (deleted)\n"
	"7f13dccfd000-7f13dccff000 rw-p 00000000 00:00 0 \n"
	"7f13dccff000-7f13dcd03000 r--p 00000000 00:00 0                          [vvar]\n"
	"7f13dcd03000-7f13dcd05000 r--p 00000000 00:00 0                          [vvar_vclock]\n"
	"7f13dcd05000-7f13dcd07000 r-xp 00000000 00:00 0                          [vdso]\n"
	"7f13dcd07000-7f13dcd08000 r--p 00000000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
	"7f13dcd08000-7f13dcd2e000 r-xp 00001000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
	"7f13dcd2e000-7f13dcd38000 r--p 00027000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
	"7f13dcd38000-7f13dcd3a000 r--p 00031000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
	"7f13dcd3a000-7f13dcd3c000 rw-p 00033000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
	"7ffdb2fbb000-7ffdb2fdc000 rw-p 00000000 00:00 0                          [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static const char sample_smaps[] =
	"556d79375000-556d79376000 r--p 00000000 fe:00 10954099                   /tmp/parsers-capture/cap\n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   4 kB\n"
	"Pss:                   2 kB\n"
	"Pss_Dirty:             2 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd mr mw me \n"
	"556d79376000-556d79377000 r-xp 00001000 fe:00 10954099                   /tmp/parsers-capture/cap\n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   4 kB\n"
	"Pss:                   2 kB\n"
	"Pss_Dirty:             2 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd ex mr mw me \n"
	"556d79377000-556d79378000 r--p 00002000 fe:00 10954099                   /tmp/parsers-capture/cap\n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   4 kB\n"
	"Pss:                   4 kB\n"
	"Pss_Dirty:             4 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:             0 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd mr mw me \n";

static const char sample_timers[] =
	"ID: 2\n"
	"signal: 34/000000000000dead\n"
	"notify: none/pid.29176\n"
	"ClockID: 7\n"
	"ID: 1\n"
	"signal: 34/000000000000dead\n"
	"notify: signal/tid.29176\n"
	"ClockID: 0\n"
	"ID: 0\n"
	"signal: 12/000000000000dead\n"
	"notify: signal/pid.29176\n"
	"ClockID: 1\n";

static const char sample_children[] =
	"29177 29214 ";

static const char sample_mountinfo[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
	"24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334792k,nr_inodes=3083698,mode=755\n"
	"25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683784k\n"
	"26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000\n"
	"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
	"28 27 0:25 / /mnt/sandboxing/model_tools_env/v1/python ro,nosuid,nodev,relatime - tmpfs model_tools_unavailable ro,size=4k,mode=755\n"
	"29 26 0:26 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000\n"
	"30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683784k\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	"45 27 0:40 / /tmp/a\\040b rw,relatime shared:1 - tmpfs x rw\n"
	"46 45 0:41 / /tmp/a\\040b/t\\011n\\012b\\134s rw,relatime - tmpfs src\\040with\\040space rw\n"
	"47 27 0:40 /sub\\040dir /tmp/parsers-capture/bind rw,relatime shared:2 master:1 - tmpfs x rw\n";

static const char sample_sysvipc_shm[] =
	"       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n"
	"         0         24   600                  8192 29176 29176      2     0     0     0     0 1796527327          0 1796527327                     0                     0\n";

static const char sample_cap_last_cap[] =
	"40\n";

static const char sample_eventfd[] =
	"pos:\t0\n"
	"flags:\t02\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"eventfd-count:                5\n"
	"eventfd-id: 1\n"
	"eventfd-semaphore: 1\n";

static const char sample_timerfd[] =
	"pos:\t0\n"
	"flags:\t02\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"clockid: 1\n"
	"ticks: 0\n"
	"settime flags: 00\n"
	"it_value: (999, 996173381)\n"
	"it_interval: (2, 500)\n";

static const char sample_signalfd[] =
	"pos:\t0\n"
	"flags:\t02\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"sigmask:\t0000000000004200\n";

static const char sample_epoll[] =
	"pos:\t0\n"
	"flags:\t02\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"tfd:        4 events: 80000019 data:                7  pos:0 ino:40e sdev:10\n"
	"tfd:        3 events: 80000019 data:         1234abcd  pos:0 ino:40e sdev:10\n";

static const char sample_inotify[] =
	"pos:\t0\n"
	"flags:\t00\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"inotify wd:2 ino:1 sdev:28 mask:2 ignored_mask:0 fhandle-bytes:c fhandle-type:1 f_handle:2daf94050100000000000000\n"
	"inotify wd:1 ino:3c51a sdev:fe00000 mask:300 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:1ac5030000000000\n";

static const char sample_fanotify[] =
	"pos:\t0\n"
	"flags:\t02\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"fanotify flags:0 event-flags:8000\n"
	"fanotify mnt_id:1b mflags:0 mask:20 ignored_mask:0\n"
	"fanotify ino:35d sdev:fe00000 mflags:0 mask:2 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:5d03000000000000\n";

static const char sample_pidfd[] =
	"pos:\t0\n"
	"flags:\t02000002\n"
	"mnt_id:\t4\n"
	"ino:\t485654\n"
	"Pid:\t29156\n"
	"NSpid:\t29156\n";

static const char sample_ptmx[] =
	"pos:\t0\n"
	"flags:\t0100002\n"
	"mnt_id:\t24\n"
	"ino:\t90\n"
	"tty-index:\t0\n";

static const char sample_flock[] =
	"pos:\t5\n"
	"flags:\t0100002\n"
	"mnt_id:\t27\n"
	"ino:\t10954095\n"
	"lock:\t1: FLOCK  ADVISORY  WRITE 29176 fe:00:10954095 0 EOF\n";

static const char sample_posixlock[] =
	"pos:\t0\n"
	"flags:\t0100002\n"
	"mnt_id:\t27\n"
	"ino:\t10954096\n"
	"lock:\t1: POSIX  ADVISORY  WRITE 29176 fe:00:10954096 10 29\n"
	"lock:\t2: POSIX  ADVISORY  READ 29176 fe:00:10954096 100 EOF\n";

static const char sample_socket[] =
	"pos:\t0\n"
	"flags:\t02\n"
	"mnt_id:\t10\n"
	"ino:\t512166\n"
	"scm_fds: 0\n";

#endif /* PROC_SAMPLES_H */
