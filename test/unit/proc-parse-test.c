/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-parse-test.c - the parsers of /proc/PID/stat, maps and smaps, timers, children,
 * sysvipc/shm, net/raw and raw6 and one-number files, and the shared tokenizer (numbers at their
 * limits, the kernel's octal escapes): on fixed texts, tricky ones included (comm with spaces and
 * ')', deleted files, bad lines), on text captured from a live kernel (proc-samples.h), and on our
 * own task.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../criu/proc/internal.h"
#include "log.h"
#include "proc-net.h"
#include "proc-parse.h"
#include "proc-samples.h"
#include "unit-check.h"

static const char stat_text[] =
	"4242 (we ird) (name)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 "
	"1000000 100 18446744073709551615 94000000 94100000 140730000000000 0 0 0 0 0 0 0 0 0 "
	"17 1 0 0 0 0 0 94200000 94300000 94400000 140730000001000 140730000002000 "
	"140730000002000 140730000003000 0\n";

static const char raw_text[] =
	"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode ref pointer drops\n"
	"   1: 0100007F:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0    "
	"    0 5001 2 0000000000000000 0\n"
	"  253: 0100007F:00FD 0100007F:0000 01 00000000:00000200 00:00000000 00000000     0  "
	"      0 5002 2 0000000000000000 0\n";

static const char raw6_text[] =
	"  sl  local_address                         remote_address                        st "
	"tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	"   58: 00000000000000000000000001000000:003A 00000000000000000000000000000000:0000 07 "
	"00000000:00000000 00:00000000 00000000     0        0 6001 2 0000000000000000 0\n";

static void test_net_raw(void)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 }, lo6[16] = { [15] = 1 };
	struct proc_raw_sk r;

	CHECK(parse_net_raw_buf(raw_text, "raw", AF_INET, 5001, &r) == 0, "raw 5001 found");
	CHECK(!memcmp(r.src, lo, 4) && r.proto == 1 && r.state == 7, "raw 5001 fields");
	CHECK(parse_net_raw_buf(raw_text, "raw", AF_INET, 5002, &r) == 0, "raw 5002 found");
	CHECK(!memcmp(r.dst, lo, 4) && r.state == 1 && r.rxq == 0x200 && r.proto == 253,
	      "raw 5002: connected, 512 bytes queued");
	CHECK(parse_net_raw_buf(raw_text, "raw", AF_INET, 5003, &r) == -ENOENT, "unknown inode");
	CHECK(parse_net_raw_buf(raw6_text, "raw6", AF_INET6, 6001, &r) == 0, "raw6 found");
	CHECK(!memcmp(r.src, lo6, 16) && r.proto == 58, "raw6 ::1, ICMPv6");
	CHECK(parse_net_raw_buf("header\n   1: 0100007F:0001 zz\n", "raw", AF_INET, 1, &r) ==
		      -EINVAL,
	      "a bad line is refused");
}

static const char igmp_text[] = "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n"
				"1\tlo        :     2      V3\n"
				"\t\t\t\t030201EF     1 0:00000000\t\t0\n"
				"\t\t\t\t010000E0     1 0:00000000\t\t0\n"
				"4\teth0      :     1      V3\n"
				"\t\t\t\t010000E0     1 0:00000000\t\t0\n";

static const char igmp6_text[] =
	"1    lo              ff1500000000000000000000000000a1     1 00000004 0\n"
	"2    eth0            ff020000000000000000000000000001     1 0000000C 0\n";

static void test_net_igmp(void)
{
	static const uint8_t g1[4] = { 239, 1, 2, 3 }, all[4] = { 224, 0, 0, 1 };
	static const uint8_t g6[16] = { 0xff, 0x15, [15] = 0xa1 };
	struct proc_mc_group *v = NULL;
	size_t nr = 0;

	CHECK(parse_net_igmp_buf(igmp_text, "igmp", &v, &nr) == 0 && nr == 3, "igmp: 3 groups");
	CHECK(nr == 3 && v[0].family == AF_INET && v[0].ifindex == 1 && !memcmp(v[0].addr, g1, 4),
	      "igmp: 239.1.2.3 on 1");
	CHECK(nr == 3 && v[2].ifindex == 4 && !memcmp(v[2].addr, all, 4), "igmp: 224.0.0.1 on 4");
	CHECK(parse_net_igmp6_buf(igmp6_text, "igmp6", &v, &nr) == 0 && nr == 5,
	      "igmp6: 2 more groups");
	CHECK(nr == 5 && v[3].family == AF_INET6 && v[3].ifindex == 1 && !memcmp(v[3].addr, g6, 16),
	      "igmp6: ff15::a1 on 1");
	free(v);
	v = NULL;
	nr = 0;
	CHECK(parse_net_igmp_buf("hdr\n\t\t010000E0 1\n", "igmp", &v, &nr) == -EINVAL,
	      "igmp: a group before any interface is refused");
	CHECK(parse_net_igmp6_buf("1 lo ff02zz 1 0 0\n", "igmp6", &v, &nr) == -EINVAL,
	      "igmp6: a bad address is refused");
	free(v);
}

static void test_stat(void)
{
	struct proc_stat st;

	CHECK(parse_proc_stat_buf(stat_text, "stat", &st) == 0, "stat parses");
	CHECK(st.pid == 4242, "pid %d", st.pid);
	CHECK(!strcmp(st.comm, "we ird) (name)"), "comm '%s'", st.comm);
	CHECK(st.state == 'S', "state %c", st.state);
	CHECK(st.ppid == 1 && st.pgid == 4242 && st.sid == 4242, "ppid/pgid/sid");
	CHECK(st.flags == 4194560, "flags %u", st.flags);
	CHECK(st.num_threads == 1, "threads %d", st.num_threads);
	CHECK(st.start_code == 94000000 && st.end_code == 94100000, "code bounds");
	CHECK(st.start_stack == 140730000000000ul, "start_stack");
	CHECK(st.start_data == 94200000 && st.end_data == 94300000, "data bounds");
	CHECK(st.start_brk == 94400000, "start_brk %lu", st.start_brk);
	CHECK(st.env_end == 140730000003000ul, "env_end");
	CHECK(parse_proc_stat_buf("12 (x) S 1 2", "stat", &st) != 0, "short stat is refused");
	CHECK(parse_proc_stat_buf("garbage", "stat", &st) != 0, "garbage stat is refused");
}

static const char maps_text[] =
	"55d0c0000000-55d0c0002000 r--p 00000000 fd:01 1234    /usr/bin/cat\n"
	"55d0c0002000-55d0c0006000 r-xp 00002000 fd:01 1234    /usr/bin/cat\n"
	"55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0       [heap]\n"
	"7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
	"7f0000001000-7f0000002000 rw-s 00001000 08:02 99      /tmp/a file (deleted)\n"
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0       [stack]\n"
	"7ffd00100000-7ffd00104000 r--p 00000000 00:00 0       [vvar]\n"
	"7ffd00104000-7ffd00106000 r-xp 00000000 00:00 0       [vdso]\n";

static void test_maps(void)
{
	struct proc_vma_list l;
	struct proc_vma v;

	CHECK(parse_proc_maps_buf(maps_text, &l) == 0, "maps parse");
	CHECK(l.nr == 8, "8 vmas, got %zu", l.nr);
	CHECK(l.vmas[0].start == 0x55d0c0000000ull && l.vmas[0].end == 0x55d0c0002000ull,
	      "first range");
	CHECK(l.vmas[1].prot == (PROT_READ | PROT_EXEC) && l.vmas[1].pgoff == 0x2000, "r-x pgoff");
	CHECK(l.vmas[1].dev_major == 0xfd && l.vmas[1].dev_minor == 1 && l.vmas[1].ino == 1234,
	      "dev/ino");
	CHECK(!strcmp(l.vmas[2].path, "[heap]"), "heap path");
	CHECK(l.vmas[3].path == NULL && l.vmas[3].prot == 0, "anon PROT_NONE");
	CHECK(l.vmas[4].shared && l.vmas[4].deleted && !strcmp(l.vmas[4].path, "/tmp/a file"),
	      "deleted shared file with a space: '%s'", l.vmas[4].path);
	CHECK(!strcmp(l.vmas[7].path, "[vdso]"), "vdso");
	free_proc_vma_list(&l);

	CHECK(parse_maps_line("zzzz-1000 rw-p 0 0:0 0\n", &v) != 0, "bad range refused");
	CHECK(parse_maps_line("2000-1000 rw-p 00000000 00:00 0\n", &v) != 0, "start > end refused");
	CHECK(parse_maps_line("1000-2000 rw-x 00000000 00:00 0\n", &v) != 0, "bad flag refused");
	CHECK(parse_proc_maps_buf("2000-3000 rw-p 0 0:0 0\n1000-2000 rw-p 0 0:0 0\n", &l) != 0,
	      "unsorted maps refused");
}

static void test_numbers(void)
{
	const char *p;
	uint64_t u;
	int64_t v;

	p = "18446744073709551615 ";
	CHECK(proc_get_u64(&p, 10, UINT64_MAX, &u) == 0 && u == UINT64_MAX && *p == ' ', "u64 max");
	p = "18446744073709551616";
	CHECK(proc_get_u64(&p, 10, UINT64_MAX, &u) == -ERANGE, "u64 max + 1 overflows");
	p = "ffffffffffffffff";
	CHECK(proc_get_u64(&p, 16, UINT64_MAX, &u) == 0 && u == UINT64_MAX, "hex max");
	p = "1ffffffffffffffff";
	CHECK(proc_get_u64(&p, 16, UINT64_MAX, &u) == -ERANGE, "hex overflow");
	p = "256";
	CHECK(proc_get_u64(&p, 10, 255, &u) == -ERANGE, "above max");
	p = "7";
	CHECK(proc_get_u64(&p, 10, 5, &u) == -ERANGE, "one digit above max");
	p = "-1";
	CHECK(proc_get_u64(&p, 10, UINT64_MAX, &u) == -EINVAL, "no sign for unsigned");
	p = " 1";
	CHECK(proc_get_u64(&p, 10, UINT64_MAX, &u) == -EINVAL, "no leading blank");
	p = "12ab";
	CHECK(proc_get_u64(&p, 10, UINT64_MAX, &u) == -EINVAL, "a number running into letters");
	p = "08";
	CHECK(proc_get_u64(&p, 8, UINT64_MAX, &u) == -EINVAL, "8 is no octal digit");
	p = "";
	CHECK(proc_get_u64(&p, 10, UINT64_MAX, &u) == -EINVAL, "nothing");
	p = "-9223372036854775808";
	CHECK(proc_get_s64(&p, INT64_MIN, INT64_MAX, &v) == 0 && v == INT64_MIN, "s64 min");
	p = "-9223372036854775809";
	CHECK(proc_get_s64(&p, INT64_MIN, INT64_MAX, &v) == -ERANGE, "s64 min - 1");
	p = "9223372036854775807";
	CHECK(proc_get_s64(&p, INT64_MIN, INT64_MAX, &v) == 0 && v == INT64_MAX, "s64 max");
	p = "9223372036854775808";
	CHECK(proc_get_s64(&p, INT64_MIN, INT64_MAX, &v) == -ERANGE, "s64 max + 1");
	p = "-";
	CHECK(proc_get_s64(&p, INT64_MIN, INT64_MAX, &v) == -EINVAL, "a lone sign");
	p = "-5";
	CHECK(proc_get_s64(&p, -4, 4, &v) == -ERANGE, "below min");
}

static void test_unescape(void)
{
	char a[] = "/a\\040b\\011c\\012d\\134e", b[] = "plain", c[] = "x\\04", d[] = "x\\000",
	     e[] = "x\\400", f[] = "x\\";

	CHECK(proc_unescape(a) == 0 && !strcmp(a, "/a b\tc\nd\\e"), "the four escapes: '%s'", a);
	CHECK(proc_unescape(b) == 0 && !strcmp(b, "plain"), "no escape");
	CHECK(proc_unescape(c) == -EINVAL, "a short escape is refused");
	CHECK(proc_unescape(d) == -EINVAL, "an escaped NUL is refused");
	CHECK(proc_unescape(e) == -EINVAL, "an escape above 255 is refused");
	CHECK(proc_unescape(f) == -EINVAL, "a lone backslash is refused");
}

static void test_stat_sample(void)
{
	struct proc_stat st;

	CHECK(parse_proc_stat_buf(sample_stat, "stat", &st) == 0, "captured stat parses");
	CHECK(st.pid == 29176 && !strcmp(st.comm, "cap") && st.state == 'S' && st.ppid == 29156 &&
		      st.sid == 23412 && st.tty_nr == 0,
	      "pid, comm, state, ppid, sid");
	CHECK(st.nice == 0 && st.num_threads == 1 && st.rt_priority == 0 && st.policy == 0,
	      "nice %d threads %d rt %u policy %u", st.nice, st.num_threads, st.rt_priority,
	      st.policy);
	CHECK(st.start_code == 93928673468416ul && st.env_end == 140727606427634ul &&
		      st.exit_code == 0,
	      "mm bounds");
	CHECK(parse_proc_stat_buf("1 (x) S 0 1 1 0 -1 4194560 108 1991 0 0 0 0 2 0 20 -20 1 0 1 "
				  "2 3 4 5 6 7 0 0 0 0 0 0 0 0 0 17 0 99 1 0 0 0 8 9 10 11 12 13 "
				  "14 0\n",
				  "stat", &st) == 0 &&
		      st.nice == -20 && st.rt_priority == 99 && st.policy == 1,
	      "a negative nice, rt priority 99, SCHED_FIFO");
	CHECK(parse_proc_stat_buf("1 (x) S 0 1 1 0 -1 4 1 1 0 0 0 0 2 0 20 0 99999999999 0 1 2 3 "
				  "4 5 6 7 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 8 9 10 11 12 13 14 0\n",
				  "stat", &st) == -EINVAL,
	      "a thread count above int is refused");
	CHECK(parse_proc_stat_buf("1 (a\nb) R 0 1 1 0 -1 4 1 1 0 0 0 0 2 0 20 0 1 0 1 2 3 4 5 6 7 "
				  "0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 8 9 10 11 12 13 14 0\n",
				  "stat", &st) == 0 &&
		      !strcmp(st.comm, "a\nb") && st.state == 'R',
	      "a newline in the comm");
}

static void test_maps_sample(void)
{
	struct proc_vma_list l;

	CHECK(parse_proc_maps_buf(sample_maps, &l) == 0 && l.nr == 24, "captured maps: %zu", l.nr);
	CHECK(l.nr == 24 && l.vmas[5].path == NULL && l.vmas[5].prot == (PROT_READ | PROT_WRITE),
	      "an anonymous mapping");
	CHECK(l.nr == 24 && l.vmas[12].shared && l.vmas[12].deleted &&
		      !strcmp(l.vmas[12].path, "/SYSV00000000") && l.vmas[12].dev_minor == 1,
	      "a SysV segment");
	CHECK(l.nr == 24 && !strcmp(l.vmas[15].path, "[vvar_vclock]"), "vvar_vclock");
	CHECK(l.nr == 24 && l.vmas[23].start == 0xffffffffff600000ull &&
		      l.vmas[23].prot == PROT_EXEC && !strcmp(l.vmas[23].path, "[vsyscall]"),
	      "vsyscall");
	free_proc_vma_list(&l);
}

/* What most mappings show: permissions, may-permissions, accounting, soft-dirty. */
#define ORDINARY_VMF                                                                           \
	(PROC_VMF_READ | PROC_VMF_WRITE | PROC_VMF_EXEC | PROC_VMF_SHARED | PROC_VMF_MAYREAD | \
	 PROC_VMF_MAYWRITE | PROC_VMF_MAYEXEC | PROC_VMF_MAYSHARE | PROC_VMF_ACCOUNT |         \
	 PROC_VMF_SOFTDIRTY | PROC_VMF_DONTEXPAND)

static void test_smaps(void)
{
	static const char gd[] = "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0   [stack]\n"
				 "Size:                132 kB\n"
				 "VmFlags: rd wr mr mw me gd ac dc dd hg wf mg \n"
				 "7ffd00100000-7ffd00104000 r--p 00000000 00:00 0    [vvar]\n"
				 "VmFlags: rd mr pf io de dd sd nh \n";
	struct proc_vma_list l;

	CHECK(parse_proc_smaps_buf(sample_smaps, &l) == 0 && l.nr == 3, "captured smaps: %zu",
	      l.nr);
	CHECK(l.nr == 3 && !(l.vmas[0].vmflags & ~ORDINARY_VMF) && !l.vmas[0].unknown_vmflag[0] &&
		      l.vmas[1].prot == (PROT_READ | PROT_EXEC),
	      "only the ordinary flags");
	free_proc_vma_list(&l);
	CHECK(parse_proc_smaps_buf(gd, &l) == 0 && l.nr == 2, "two mappings");
	CHECK(l.nr == 2 && l.vmas[0].vmflags ==
				   (PROC_VMF_READ | PROC_VMF_WRITE | PROC_VMF_MAYREAD |
				    PROC_VMF_MAYWRITE | PROC_VMF_MAYEXEC | PROC_VMF_ACCOUNT |
				    PROC_VMF_GROWSDOWN | PROC_VMF_DONTFORK | PROC_VMF_DONTDUMP |
				    PROC_VMF_HUGEPAGE | PROC_VMF_WIPEONFORK | PROC_VMF_MERGEABLE),
	      "rd wr mr mw me gd ac dc dd hg wf mg: %#llx",
	      l.nr ? (unsigned long long)l.vmas[0].vmflags : 0);
	CHECK(l.nr == 2 &&
		      l.vmas[1].vmflags == (PROC_VMF_READ | PROC_VMF_MAYREAD | PROC_VMF_PFNMAP |
					    PROC_VMF_IO | PROC_VMF_DONTEXPAND | PROC_VMF_DONTDUMP |
					    PROC_VMF_SOFTDIRTY | PROC_VMF_NOHUGEPAGE),
	      "rd mr pf io de dd sd nh");
	free_proc_vma_list(&l);
	CHECK(parse_proc_smaps_buf("1000-2000 rw-p 0 0:0 0\nVmFlags: rd zz wr q9 \n", &l) == 0 &&
		      l.nr == 1 && !strcmp(l.vmas[0].unknown_vmflag, "zz") &&
		      l.vmas[0].vmflags == (PROC_VMF_READ | PROC_VMF_WRITE),
	      "an unknown code is kept (the first one), the known ones read");
	free_proc_vma_list(&l);
	CHECK(parse_proc_smaps_buf("1000-2000 rw-p 0 0:0 0\nSize: 4 kB\n", &l) == -EINVAL,
	      "a mapping without VmFlags is refused");
	CHECK(parse_proc_smaps_buf("1000-2000 rw-p 0 0:0 0\nVmFlags: rd w\n", &l) == -EINVAL,
	      "a one-letter flag is refused");
	CHECK(parse_proc_smaps_buf("1000-2000 rw-p 0 0:0 0\nVmFlags: rd\nVmFlags: rd\n", &l) ==
		      -EINVAL,
	      "VmFlags twice is refused");
	CHECK(parse_proc_smaps_buf("Size: 4 kB\n", &l) == -EINVAL, "a field before any mapping");
}

/* KernelPageSize: a hugetlb mapping's huge page size (lines as Linux 6.18 prints them) */
static void test_smaps_page_size(void)
{
	static const char ht[] = "7f37ee200000-7f37ee600000 rw-s 00000000 00:11 7197046         "
				 "             /anon_hugepage (deleted)\n"
				 "Size:               4096 kB\n"
				 "KernelPageSize:     2048 kB\n"
				 "MMUPageSize:        2048 kB\n"
				 "Shared_Hugetlb:        0 kB\n"
				 "Private_Hugetlb:    2048 kB\n"
				 "VmFlags: rd wr sh mr mw me ms de ht \n"
				 "7fae00000000-7fae40000000 rw-p 00000000 00:11 7197040         "
				 "             /anon_hugepage (deleted)\n"
				 "KernelPageSize:  1048576 kB\n"
				 "VmFlags: rd wr mr mw me de ht \n";
	static const char *const bad[] = {
		"KernelPageSize:        3 kB\n",   "KernelPageSize:        2 kB\n",
		"KernelPageSize:     2048 MB\n",   "KernelPageSize:     2048\n",
		"KernelPageSize:     2048 kB x\n", "KernelPageSize: 33554432 kB\n",
		"KernelPageSize:       -4 kB\n",
	};
	struct proc_vma_list l;
	char buf[256];
	size_t i;

	CHECK(parse_proc_smaps_buf(sample_smaps, &l) == 0 && l.nr == 3 &&
		      l.vmas[0].page_size == 4096 && l.vmas[2].page_size == 4096,
	      "ordinary mappings have 4 kB pages");
	free_proc_vma_list(&l);
	CHECK(parse_proc_smaps_buf(ht, &l) == 0 && l.nr == 2, "two hugetlb mappings");
	CHECK(l.nr == 2 && l.vmas[0].page_size == 2ull << 20 && l.vmas[1].page_size == 1ull << 30 &&
		      (l.vmas[0].vmflags & PROC_VMF_HUGETLB) &&
		      (l.vmas[1].vmflags & PROC_VMF_HUGETLB) && l.vmas[0].shared &&
		      l.vmas[0].deleted && !strcmp(l.vmas[0].path, "/anon_hugepage"),
	      "2 MiB and 1 GiB pages, ht, /anon_hugepage (deleted)");
	free_proc_vma_list(&l);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "1000-2000 rw-p 0 0:0 0\n%sVmFlags: rd \n", bad[i]);
		CHECK(parse_proc_smaps_buf(buf, &l) == -EINVAL, "refused: %.*s",
		      (int)strlen(bad[i]) - 1, bad[i]);
	}
	CHECK(parse_proc_smaps_buf("1000-2000 rw-p 0 0:0 0\nVmFlags: rd \nKernelPageSize: 4 kB\n",
				   &l) == -EINVAL,
	      "a page size after the mapping's VmFlags is refused");
}

static void test_maps_prefixes(void)
{
	size_t len = strlen(sample_smaps), n, bad = 0;
	struct proc_vma_list l;

	for (n = 0; n <= len; n++) {
		char *p = malloc(n + 1);
		int ret;

		memcpy(p, sample_smaps, n);
		p[n] = 0;
		ret = parse_proc_smaps_buf(p, &l);
		/* whole: only at the end of a VmFlags line (or empty) */
		bad += ret ? ret != -EINVAL : (n && (p[n - 1] != '\n' || !l.vmas[l.nr - 1].path));
		if (!ret)
			free_proc_vma_list(&l);
		free(p);
	}
	CHECK(!bad, "%zu prefixes of smaps gave an inconsistent result", bad);
}

static void test_timers(void)
{
	struct proc_posix_timer *t;
	size_t nr;

	CHECK(parse_proc_timers_buf(sample_timers, "timers", &t, &nr) == 0 && nr == 3,
	      "three timers");
	CHECK(nr == 3 && t[0].id == 2 && t[0].signo == 34 && t[0].sival == 0xdead &&
		      t[0].notify == 1 /* SIGEV_NONE */ && t[0].clock_id == 7,
	      "SIGEV_NONE on CLOCK_BOOTTIME_ALARM's neighbour (7)");
	CHECK(nr == 3 && t[1].notify == (0 | 4) && t[1].notify_pid == 29176 && t[1].clock_id == 0,
	      "SIGEV_SIGNAL | SIGEV_THREAD_ID");
	CHECK(nr == 3 && t[2].notify == 0 && t[2].signo == 12 && t[2].clock_id == 1,
	      "SIGEV_SIGNAL to the process");
	free(t);
	CHECK(parse_proc_timers_buf("", "timers", &t, &nr) == 0 && !nr, "no timers");
	CHECK(parse_proc_timers_buf("ID: 1\nsignal: 14/0\nnotify: signal/pid.1\n", "timers", &t,
				    &nr) == -EINVAL &&
		      !t,
	      "a timer without ClockID is refused");
	CHECK(parse_proc_timers_buf("ID: 1\nsignal: 14/0\nnotify: mail/pid.1\nClockID: 0\n",
				    "timers", &t, &nr) == -EINVAL,
	      "an unknown notification is refused");
}

static void test_children_sysvipc(void)
{
	struct proc_sysv_shm *s;
	pid_t *pids;
	size_t nr;

	CHECK(parse_proc_children_buf(sample_children, "c", &pids, &nr) == 0 && nr == 2 &&
		      pids[0] == 29177 && pids[1] == 29214,
	      "two children");
	free(pids);
	CHECK(parse_proc_children_buf("", "c", &pids, &nr) == 0 && !nr, "no children");
	CHECK(parse_proc_children_buf("12 x ", "c", &pids, &nr) == -EINVAL && !pids,
	      "garbage is refused");
	CHECK(parse_proc_children_buf("0 ", "c", &pids, &nr) == -EINVAL, "pid 0 is refused");
	CHECK(parse_proc_sysvipc_shm_buf(sample_sysvipc_shm, &s, &nr) == 0 && nr == 1 &&
		      s[0].key == 0 && s[0].id == 24 && s[0].perms == 0600 && s[0].size == 8192 &&
		      s[0].cpid == 29176 && s[0].nattch == 2,
	      "one SysV segment");
	free(s);
	CHECK(parse_proc_sysvipc_shm_buf("       key      shmid perms\n 1 2 999\n", &s, &nr) ==
		      -EINVAL,
	      "perms not octal are refused");
}

static void test_number_files(void)
{
	int64_t v;

	CHECK(parse_proc_number_buf(sample_cap_last_cap, 0, 63, &v) == 0 && v == 40,
	      "cap_last_cap");
	CHECK(parse_proc_number_buf("-1000\n", -1000, 1000, &v) == 0 && v == -1000,
	      "oom_score_adj");
	CHECK(parse_proc_number_buf("64\n", 0, 63, &v) == -EINVAL, "out of range");
	CHECK(parse_proc_number_buf("4\n5\n", 0, 63, &v) == -EINVAL, "two lines");
	CHECK(parse_proc_number_buf("", 0, 63, &v) == -EINVAL, "empty");
}

static pid_t thread_tid;
static pthread_barrier_t thread_ready;

static void *idle_thread(void *arg)
{
	thread_tid = gettid();
	pthread_barrier_wait(&thread_ready);
	pause();
	return arg;
}

/* A thread's own stat: a nice value set on that thread only, as threads-dump.c reads it. */
static void test_self_thread(void)
{
	struct proc_stat st, leader;
	pthread_t th;

	pthread_barrier_init(&thread_ready, NULL, 2);
	if (pthread_create(&th, NULL, idle_thread, NULL)) {
		CHECK(0, "can't start a thread");
		return;
	}
	pthread_barrier_wait(&thread_ready);
	CHECK(setpriority(PRIO_PROCESS, thread_tid, 7) == 0, "nice 7 for thread %d", thread_tid);
	CHECK(parse_proc_task_stat(getpid(), thread_tid, &st) == 0 && st.pid == thread_tid &&
		      st.nice == 7 && st.num_threads == 2,
	      "the thread's stat: nice %d", st.nice);
	CHECK(parse_proc_task_stat(getpid(), getpid(), &leader) == 0 && leader.nice != 7,
	      "the leader keeps its own nice");
	pthread_cancel(th);
	pthread_join(th, NULL);
}

static void test_self(void)
{
	struct proc_vma_list l;
	struct proc_stat st;
	size_t i, found = 0;
	char *p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(parse_proc_stat(getpid(), &st) == 0 && st.pid == getpid(), "own stat");
	CHECK(parse_proc_maps(getpid(), &l) == 0, "own maps");
	for (i = 0; i < l.nr; i++)
		if (l.vmas[i].start <= (unsigned long)p && l.vmas[i].end >= (unsigned long)p + 8192)
			found++;
	CHECK(found == 1, "our fresh mapping is listed once");
	free_proc_vma_list(&l);
	CHECK(proc_count_threads(getpid()) == 1, "one thread");
	CHECK(proc_has_children(getpid()) == 0, "no children");
}

int main(void)
{
	log_set_level(LOG_MSG); /* the refusals are expected */
	test_numbers();
	test_unescape();
	test_stat();
	test_net_raw();
	test_net_igmp();
	test_stat_sample();
	test_maps();
	test_maps_sample();
	test_smaps();
	test_smaps_page_size();
	test_maps_prefixes();
	test_timers();
	test_children_sysvipc();
	test_number_files();
	test_self();
	test_self_thread();
	UNIT_REPORT();
}
