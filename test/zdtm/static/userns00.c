/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userns00: pid 1 of a user namespace with a shifted map (ZDTM_USERNS in the .desc) and
 * setgroups denied, with uts, ipc and time namespaces made in it. After restore: the same
 * uid and gid maps and "deny" (setgroups(2) still fails with EPERM), the uts namespace still
 * owned by the user namespace (sethostname works), the ids inside (a uid and gid of the
 * shifted range) and a reduced capability set as they were, and a file chowned to an inside
 * uid and gid still shows them inside.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BIT(c)	 (1ULL << (c))
#define IN_UID	 1000 /* 201000 outside (the .desc's map) */
#define IN_GID	 1001
#define FILE_UID 1500
#define FILE_GID 1600

static const uint64_t prm = BIT(CAP_CHOWN) | BIT(CAP_SETUID) | BIT(CAP_SYS_ADMIN) | BIT(CAP_KILL);
static const uint64_t eff = BIT(CAP_SYS_ADMIN) | BIT(CAP_KILL);
static char uid_map[512], gid_map[512], setgroups_text[16];
static const char *file;

static void capget3(uint64_t *e, uint64_t *p)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	syscall(SYS_capget, &h, d);
	*e = d[0].effective | (uint64_t)d[1].effective << 32;
	*p = d[0].permitted | (uint64_t)d[1].permitted << 32;
}

static int capset3(uint64_t e, uint64_t p)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { e, p, 0 }, { e >> 32, p >> 32, 0 } };

	return syscall(SYS_capset, &h, d);
}

/* Is the uts namespace owned by our user namespace? */
static int uts_owned_by_userns(void)
{
	struct stat user, owner;
	int fd = open("/proc/self/ns/uts", O_RDONLY), own;

	own = fd < 0 ? -1 : ioctl(fd, NS_GET_USERNS);
	if (fd >= 0)
		close(fd);
	if (own < 0 || fstat(own, &owner) || stat("/proc/self/ns/user", &user))
		return 0;
	close(own);
	return owner.st_ino == user.st_ino;
}

static int setup(void)
{
	int fd;

	if (test_read_text("/proc/self/uid_map", uid_map, sizeof(uid_map)) ||
	    test_read_text("/proc/self/gid_map", gid_map, sizeof(gid_map)) ||
	    test_read_text("/proc/self/setgroups", setgroups_text, sizeof(setgroups_text)))
		return -1;
	file = test_path("owned");
	fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0 || fchown(fd, FILE_UID, FILE_GID)) {
		fail("can't make %s owned by %d:%d inside", file, FILE_UID, FILE_GID);
		return -1;
	}
	close(fd);
	/* a uid of the shifted range, keeping part of the capabilities */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setresgid(IN_GID, IN_GID, IN_GID) ||
	    setresuid(IN_UID, IN_UID, IN_UID) || capset3(eff, prm)) {
		fail("can't take uid %d, gid %d and the capability set", IN_UID, IN_GID);
		return -1;
	}
	return 0;
}

static void check_ids(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	uint64_t ce, cp;

	if (getresuid(&r, &e, &s) || r != IN_UID || e != IN_UID || s != IN_UID ||
	    getresgid(&gr, &ge, &gs) || gr != IN_GID || ge != IN_GID || gs != IN_GID)
		fail("ids inside are %d/%d/%d and %d/%d/%d, want %d and %d", r, e, s, gr, ge, gs,
		     IN_UID, IN_GID);
	capget3(&ce, &cp);
	if (ce != eff || cp != prm)
		fail("capabilities are %#llx/%#llx, want %#llx/%#llx", (unsigned long long)ce,
		     (unsigned long long)cp, (unsigned long long)eff, (unsigned long long)prm);
}

static void check(void)
{
	char now[512];
	struct stat st;

	if (test_read_text("/proc/self/uid_map", now, sizeof(now)) || strcmp(now, uid_map))
		fail("uid_map is now '%s', was '%s'", now, uid_map);
	if (test_read_text("/proc/self/gid_map", now, sizeof(now)) || strcmp(now, gid_map))
		fail("gid_map is now '%s', was '%s'", now, gid_map);
	if (test_read_text("/proc/self/setgroups", now, sizeof(now)) ||
	    strcmp(now, setgroups_text) || strncmp(now, "deny", 4))
		fail("setgroups is now '%s', was '%s'", now, setgroups_text);
	if (setgroups(0, NULL) == 0 || errno != EPERM)
		fail("setgroups() is not refused with EPERM (%m)");
	check_ids();
	if (stat(file, &st) || st.st_uid != FILE_UID || st.st_gid != FILE_GID)
		fail("%s is owned by %d:%d inside, want %d:%d", file, st.st_uid, st.st_gid,
		     FILE_UID, FILE_GID);
	if (!uts_owned_by_userns() || sethostname("userns00", 8))
		fail("the uts namespace is not the user namespace's (%m)");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
