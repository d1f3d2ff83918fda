/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refuse_bpf00: a BPF map cannot be saved yet; the dump must fail naming the fd and its
 * kind (refuse_bpf00.desc), and the map must keep the value stored before the dump.
 */
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static int bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int map_elem(int cmd, int fd, uint32_t key, uint64_t *val)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)val;
	return bpf(cmd, &a);
}

int main(int argc, char **argv)
{
	uint64_t v = 0x5eed1234abcdULL;
	union bpf_attr a;
	int fd;

	test_init(argc, argv);
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 4;
	fd = bpf(BPF_MAP_CREATE, &a);
	if (fd < 0 || map_elem(BPF_MAP_UPDATE_ELEM, fd, 2, &v)) {
		fail_perror("can't create and fill a BPF array map");
		return 1;
	}

	test_daemon();
	test_waitsig();

	v = 0;
	if (map_elem(BPF_MAP_LOOKUP_ELEM, fd, 2, &v) || v != 0x5eed1234abcdULL) {
		fail("map element 2 is %llx after the refused dump", (unsigned long long)v);
		return 1;
	}
	pass();
	return 0;
}
