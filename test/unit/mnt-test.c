/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mnt-test.c - what the dump and the restore of a mount namespace decide alike
 * (criu/ns/mnt-common.c): which mount another is a bind of, the part of a path below a
 * mount's root, the per-mount flags of mountinfo's options; and the mount options of the
 * command line (criu/ns/mnt-opts.c): --external mnt[A]:B, --ext-mount-map, --skip-mnt.
 */
#include <string.h>

#include "opts.h"
#include "../../criu/ns/mnt.h"
#include "unit-check.h"

#define DEV_A 0x0fe00000
#define DEV_B 0x00000033

static void test_bind_source(void)
{
	const struct mnt_key k[] = {
		{ DEV_A, "/" },	     /* 0: the root's file system */
		{ DEV_B, "/" },	     /* 1: a proc */
		{ DEV_A, "/srv/a" }, /* 2: a bind of a directory of the root's */
		{ DEV_A, "/srv/a" }, /* 3: the same again */
		{ DEV_B, "/sys" },   /* 4: a bind of part of the proc */
		{ 0x99, "/x" },	     /* 5: a file system alone */
		{ DEV_A, "/srv/ab" } /* 6: a sibling path, not inside /srv/a */
	};
	const size_t nr = sizeof(k) / sizeof(k[0]);

	CHECK(mnt_bind_source(k, nr, 0) == -1, "the root has no source: %d",
	      mnt_bind_source(k, nr, 0));
	CHECK(mnt_bind_source(k, nr, 1) == -1, "the proc has no source");
	CHECK(mnt_bind_source(k, nr, 2) == 0, "a bind of the root's fs comes from the root");
	CHECK(mnt_bind_source(k, nr, 3) == 0, "the shortest root wins over an equal one");
	CHECK(mnt_bind_source(k, nr, 4) == 1, "part of the proc comes from the proc");
	CHECK(mnt_bind_source(k, nr, 5) == -1, "another device: no source");
	CHECK(mnt_bind_source(k, nr, 6) == 0, "/srv/ab is not inside /srv/a");
	/* two mounts of the same root and nothing shorter: the earlier is the source */
	CHECK(mnt_bind_source(k + 2, 2, 1) == 0 && mnt_bind_source(k + 2, 2, 0) == -1,
	      "equal roots: only the earlier one is a source (no cycle)");
}

static void test_paths_and_flags(void)
{
	CHECK(!strcmp(mnt_path_below("/a/b/c", "/a"), "b/c"), "below /a");
	CHECK(!strcmp(mnt_path_below("/a/b", "/"), "a/b"), "below /");
	CHECK(!strcmp(mnt_path_below("/a", "/a"), ""), "the dir itself");
	CHECK(mnt_path_inside("/a/b", "/a") && mnt_path_inside("/a", "/a") &&
		      !mnt_path_inside("/ab", "/a") && mnt_path_inside("/x", "/"),
	      "inside");
	CHECK(mnt_flags_of("ro,nosuid,nodev,noexec,noatime") ==
		      (MNT_F_RDONLY | MNT_F_NOSUID | MNT_F_NODEV | MNT_F_NOEXEC | MNT_F_NOATIME),
	      "flags %#x", mnt_flags_of("ro,nosuid,nodev,noexec,noatime"));
	CHECK(mnt_flags_of("rw,relatime") == MNT_F_RELATIME, "rw,relatime");
	CHECK(mnt_flags_of("rw,nosuidx,xro") == 0, "only whole words count");
}

static void test_opts(void)
{
	struct mnt_opts m = {};

	CHECK(!opts_mnt_external(&m, "mnt[/etc/hosts]:hosts") && m.nr_ext == 1 &&
		      !strncmp(m.ext_a[0], "/etc/hosts", m.ext_a_len[0]) &&
		      m.ext_a_len[0] == strlen("/etc/hosts") && !strcmp(m.ext_b[0], "hosts"),
	      "--external mnt[A]:B");
	CHECK(!opts_mnt_external(&m, "mnt[k]:/a:b") && !strcmp(m.ext_b[1], "/a:b"),
	      "a path with a colon");
	CHECK(!opts_mnt_map(&m, "/etc/resolv.conf:rc") && mnt_ext_lookup(&m, "/etc/resolv.conf") &&
		      !strcmp(m.ext_b[2], "rc"),
	      "--ext-mount-map A:B");
	CHECK(!strcmp(mnt_ext_lookup(&m, "/etc/hosts"), "hosts") && !mnt_ext_lookup(&m, "/etc"),
	      "lookup");
	CHECK(!opts_mnt_map(&m, "auto") && m.ext_auto && m.nr_ext == 3, "auto");
	CHECK(opts_mnt_external(&m, "veth[a]:b") && opts_mnt_external(&m, "mnt[a]") &&
		      opts_mnt_external(&m, "mnt[]:b") && opts_mnt_map(&m, "nocolon") &&
		      opts_mnt_map(&m, "a:") && m.nr_ext == 3,
	      "bad forms refused, nothing added");
	CHECK(!opts_mnt_skip(&m, "/mnt") && mnt_skipped(&m, "/mnt") && mnt_skipped(&m, "/mnt/x") &&
		      !mnt_skipped(&m, "/mntx"),
	      "--skip-mnt");
}

int main(void)
{
	test_bind_source();
	test_paths_and_flags();
	test_opts();
	UNIT_REPORT();
}
