/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-parse-test.c - the /proc/PID/stat and /proc/PID/maps parsers on fixed texts, tricky
 * ones included (comm with spaces and ')', deleted files, bad lines), and on our own task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "proc-parse.h"

static int passed, failed;

#define CHECK(cond, ...)                                               \
	do {                                                           \
		if (cond) {                                            \
			passed++;                                      \
		} else {                                               \
			failed++;                                      \
			printf("not ok: %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                           \
			printf("\n");                                  \
		}                                                      \
	} while (0)

static const char stat_text[] =
	"4242 (we ird) (name)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 "
	"1000000 100 18446744073709551615 94000000 94100000 140730000000000 0 0 0 0 0 0 0 0 0 "
	"17 1 0 0 0 0 0 94200000 94300000 94400000 140730000001000 140730000002000 "
	"140730000002000 140730000003000 0\n";

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
	test_stat();
	test_maps();
	test_self();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
