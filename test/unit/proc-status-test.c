/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-status-test.c - the one parser of /proc/PID/status and the one of mountinfo, on text
 * captured from a live kernel (proc-samples.h): the fields criu reads, the required-field
 * rule (no "Uid:" line is refused, naming the file and the field), the kernel's octal escapes
 * in mount paths, and every prefix of both texts (a read cut short at any byte) giving an
 * error or a consistent partial result, never a crash: each prefix lives in a buffer of its
 * own length, so ASan sees any read past it.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc-mountinfo.h"
#include "proc-parse.h"
#include "proc-samples.h"
#include "proc-status.h"
#include "unit-check.h"

#define ALL_FIELDS ((1u << PS_NR_FIELDS) - 1)

static char log_path[] = "/tmp/proc-status-test.XXXXXX";

/* The text logged since the last call (errors only), in a static buffer. */
static const char *logged(void)
{
	static char buf[4096];
	int fd = open(log_path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	truncate(log_path, 0);
	return buf;
}

static void test_status_sample(void)
{
	struct proc_status st;

	CHECK(parse_proc_status_buf(sample_status, "status", ALL_FIELDS, &st) == 0,
	      "the captured status parses");
	CHECK(st.have == ALL_FIELDS, "every field found: %#x", st.have);
	CHECK(st.ppid == 29156 && st.tracer_pid == 0, "PPid %d TracerPid %d", st.ppid,
	      st.tracer_pid);
	CHECK(st.uid[0] == 0 && st.uid[3] == 0 && st.gid[1] == 0, "ids");
	CHECK(st.nr_groups == 0, "no groups (\"Groups:\\t \"), got %u", st.nr_groups);
	CHECK(st.cap_prm == 0x000001fffeffffffull && st.cap_eff == st.cap_prm &&
		      st.cap_bnd == st.cap_prm && st.cap_inh == 0 && st.cap_amb == 0,
	      "capability sets");
	CHECK(st.no_new_privs == 0 && st.seccomp == 0 && st.seccomp_filters == 0, "seccomp");
}

static void test_status_fields(void)
{
	static const char text[] = "Name:\tx\nPPid:\t7\nTracerPid:\t1234\n"
				   "Uid:\t1000\t1001\t1002\t1003\nGid:\t5\t6\t7\t8\n"
				   "Groups:\t4 24 27 4294967294 \nCapInh:\t0000000000000000\n"
				   "CapPrm:\t00000000000000ff\nCapEff:\t0000000000000001\n"
				   "CapBnd:\t000001ffffffffff\nNoNewPrivs:\t1\nSeccomp:\t2\n"
				   "Seccomp_filters:\t3\n";
	struct proc_status st;

	CHECK(parse_proc_status_buf(text, "status", ALL_FIELDS, &st) == 0, "parses");
	CHECK(st.uid[0] == 1000 && st.uid[1] == 1001 && st.uid[2] == 1002 && st.uid[3] == 1003,
	      "uids");
	CHECK(st.gid[0] == 5 && st.gid[3] == 8, "gids");
	CHECK(st.nr_groups == 4 && st.groups[0] == 4 && st.groups[3] == 4294967294u, "groups");
	CHECK(st.cap_prm == 0xff && st.cap_bnd == 0x1ffffffffffull, "caps");
	CHECK(!(st.have & PS_F(PS_CAP_AMB)) && st.cap_amb == 0,
	      "an absent CapAmb (optional) reads as 0, its bit unset");
	CHECK(st.no_new_privs == 1 && st.seccomp == 2 && st.seccomp_filters == 3, "seccomp");
	CHECK(st.tracer_pid == 1234, "TracerPid %d", st.tracer_pid);
}

static void test_status_required(void)
{
	char *text = strdup(sample_status), *uid = strstr(text, "Uid:");
	struct proc_status st;
	const char *log;

	/* the line becomes "Xid:", which is no field of criu's */
	uid[0] = 'X';
	logged();
	CHECK(parse_proc_status_buf(text, "/proc/42/status", PS_CREDS, &st) == -EINVAL,
	      "a status without a Uid: line is refused");
	log = logged();
	CHECK(strstr(log, "Error") && strstr(log, "/proc/42/status") && strstr(log, "Uid"),
	      "the error names the file and the field: '%s'", log);
	CHECK(parse_proc_status_buf(text, "s", PS_F(PS_TRACER_PID), &st) == 0,
	      "a caller that does not read Uid is not bothered");
	free(text);

	CHECK(parse_proc_status_buf("Uid:\t0\t0\t0\n", "s", PS_F(PS_UID), &st) == -EINVAL,
	      "three ids are refused");
	CHECK(parse_proc_status_buf("Uid:\t0\t0\t0\t0\t0\n", "s", PS_F(PS_UID), &st) == -EINVAL,
	      "five ids are refused");
	CHECK(parse_proc_status_buf("Uid:\t-1\t0\t0\t0\n", "s", PS_F(PS_UID), &st) == -EINVAL,
	      "a negative id is refused");
	CHECK(parse_proc_status_buf("Uid:\t4294967296\t0\t0\t0\n", "s", PS_F(PS_UID), &st) ==
		      -EINVAL,
	      "an id above 32 bits is refused");
	CHECK(parse_proc_status_buf("CapEff:\t10000000000000000\n", "s", PS_F(PS_CAP_EFF), &st) ==
		      -EINVAL,
	      "a capability set above 64 bits is refused");
	CHECK(parse_proc_status_buf("Uid:\t0\t0\t0\t0\nUid:\t1\t1\t1\t1\n", "s", PS_F(PS_UID),
				    &st) == -EINVAL,
	      "a field twice is refused");
	CHECK(parse_proc_status_buf("Seccomp:\t2x\n", "s", PS_F(PS_SECCOMP), &st) == -EINVAL,
	      "a number running into a letter is refused");
	CHECK(parse_proc_status_buf("Uid:\t0\t0\t0\t0", "s", PS_F(PS_UID), &st) == -EINVAL,
	      "a field line without its newline (cut short) is refused");
}

static void test_status_groups_limit(void)
{
	char text[8192] = "Groups:\t";
	struct proc_status st;
	int i;

	for (i = 0; i <= PROC_STATUS_MAX_GROUPS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%d ", i);
	strcat(text, "\n");
	CHECK(parse_proc_status_buf(text, "s", PS_F(PS_GROUPS), &st) == -EOPNOTSUPP,
	      "more than %d groups are refused, not cut", PROC_STATUS_MAX_GROUPS);
}

/* A copy of the first n bytes in a buffer of exactly n + 1 bytes. */
static char *prefix(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static void test_status_prefixes(void)
{
	size_t len = strlen(sample_status), n, ok = 0, bad = 0;
	struct proc_status full, st;

	parse_proc_status_buf(sample_status, "s", ALL_FIELDS, &full);
	log_set_level(LOG_MSG); /* thousands of expected errors */
	for (n = 0; n <= len; n++) {
		char *p = prefix(sample_status, n);
		int ret = parse_proc_status_buf(p, "s", ALL_FIELDS, &st);

		if (ret == 0) {
			/* only the optional fields may be missing, the rest must be right */
			ok += (st.have | PS_OPTIONAL) == ALL_FIELDS &&
			      !memcmp(st.uid, full.uid, sizeof(st.uid)) &&
			      st.cap_bnd == full.cap_bnd && st.seccomp == full.seccomp;
			bad += (st.have | PS_OPTIONAL) != ALL_FIELDS;
		} else if (ret != -EINVAL) {
			bad++;
		}
		free(p);
	}
	log_set_level(LOG_DEBUG);
	CHECK(!bad, "%zu prefixes gave an inconsistent result", bad);
	CHECK(ok > 0, "the prefixes with every required field parse (%zu did)", ok);
}

static void test_mountinfo_sample(void)
{
	const struct proc_mount *m;
	struct proc_mount_list l;

	CHECK(parse_mountinfo_buf(sample_mountinfo, &l) == 0, "the captured mountinfo parses");
	CHECK(l.nr == 23, "23 mounts, got %zu", l.nr);
	m = mountinfo_by_id(&l, 27);
	CHECK(m && m->parent_id == 1 && m->maj == 254 && m->min == 0 && !strcmp(m->root, "/") &&
		      !strcmp(m->mountpoint, "/") && !strcmp(m->fstype, "ext4") &&
		      !strcmp(m->source, "/dev/vda") && !strcmp(m->opts, "rw,relatime") &&
		      !strcmp(m->super_opts, "rw,discard,resv_strict,resuid=65534,resgid=65534") &&
		      !strcmp(m->optional, ""),
	      "the root mount");
	m = mountinfo_by_id(&l, 45);
	CHECK(m && !strcmp(m->mountpoint, "/tmp/a b") && m->shared == 1 && !m->master &&
		      !strcmp(m->optional, "shared:1") && !strcmp(m->source, "x"),
	      "a space in the mount point (\\040) is decoded: '%s'", m ? m->mountpoint : "");
	m = mountinfo_by_id(&l, 46);
	CHECK(m && !strcmp(m->mountpoint, "/tmp/a b/t\tn\nb\\s"),
	      "tab, newline and backslash (\\011 \\012 \\134) are decoded");
	CHECK(m && !strcmp(m->source, "src with space"), "the source is decoded: '%s'",
	      m ? m->source : "");
	m = mountinfo_by_id(&l, 47);
	CHECK(m && !strcmp(m->root, "/sub dir") && m->shared == 2 && m->master == 1 &&
		      !strcmp(m->optional, "shared:2 master:1") && m->maj == 0 && m->min == 40,
	      "a shared slave bind mount of a subdirectory");
	free_mountinfo(&l);
}

static void test_mountinfo_bad(void)
{
	static const char *const bad[] = {
		"36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw",	  /* no newline */
		"36 35 98:0 /mnt1 /mnt2 rw master:1 ext3 /dev/root rw\n", /* no "-" */
		"36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root\n",		  /* no super options */
		"36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw extra\n",
		"36 35 98 /mnt1 /mnt2 rw - ext3 /dev/root rw\n",
		"x 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw\n",
		"36 35 98:0 /a\\04 rw - ext3 /dev/root rw\n",	  /* short escape */
		"36 35 98:0 / /a\\400 rw - ext3 /dev/root rw\n",  /* above 255 */
		"36 35 98:0 / /a\\000b rw - ext3 /dev/root rw\n", /* a NUL */
		"36 35 98:0 / /a\\q rw - ext3 /dev/root rw\n",
		"36 35 98:0 / / rw shared:x - ext3 /dev/root rw\n",
		"99999999999 35 98:0 / / rw - ext3 /dev/root rw\n",
		"\n",
	};
	struct proc_mount_list l;
	size_t i;

	log_set_level(LOG_MSG);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse_mountinfo_buf(bad[i], &l) == -EINVAL && !l.nr && !l.m, "refused: '%s'",
		      bad[i]);
	log_set_level(LOG_DEBUG);
	CHECK(parse_mountinfo_buf("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 propagate_from:7 "
				  "unbindable - ext3 /dev/root rw,errors=continue\n",
				  &l) == 0 &&
		      l.nr == 1 && l.m[0].master == 1 && l.m[0].propagate_from == 7 &&
		      l.m[0].unbindable && !strcmp(l.m[0].root, "/mnt1") &&
		      !strcmp(l.m[0].optional, "master:1 propagate_from:7 unbindable"),
	      "proc(5)'s example, with propagate_from and unbindable");
	free_mountinfo(&l);
	CHECK(parse_mountinfo_buf("1 0 0:1 / / rw - tmpfs  rw\n", &l) == 0 && l.nr == 1 &&
		      !strcmp(l.m[0].source, "") && !strcmp(l.m[0].super_opts, "rw"),
	      "an empty source");
	free_mountinfo(&l);
}

static void test_mountinfo_prefixes(void)
{
	size_t len = strlen(sample_mountinfo), n, bad = 0;
	struct proc_mount_list full, l;

	parse_mountinfo_buf(sample_mountinfo, &full);
	log_set_level(LOG_MSG);
	for (n = 0; n <= len; n++) {
		char *p = prefix(sample_mountinfo, n);
		int ret = parse_mountinfo_buf(p, &l);
		size_t lines = 0, i;

		for (i = 0; i < n; i++)
			lines += p[i] == '\n';
		if (ret == 0) {
			/* only whole lines: the mounts are the first ones of the full text */
			bad += l.nr != lines || (n && p[n - 1] != '\n');
			for (i = 0; i < l.nr && i < full.nr; i++)
				bad += strcmp(l.m[i].mountpoint, full.m[i].mountpoint) ||
				       l.m[i].mnt_id != full.m[i].mnt_id;
		} else {
			bad += ret != -EINVAL || l.nr || (n && p[n - 1] == '\n');
		}
		free_mountinfo(&l);
		free(p);
	}
	log_set_level(LOG_DEBUG);
	CHECK(!bad, "%zu prefixes gave an inconsistent result", bad);
	free_mountinfo(&full);
}

/* NSpid: one pid per level, criu's first; a line missing, cut short, too deep or bad fails. */
static void test_nspid(void)
{
	pid_t p[4];

	CHECK(parse_proc_nspid_buf("Name:\tx\nNSpid:\t4242\t1\nNSpgid:\t4242\t1\n", "t", p, 4) ==
			      2 &&
		      p[0] == 4242 && p[1] == 1,
	      "two levels");
	CHECK(parse_proc_nspid_buf("NSpid:\t7\n", "t", p, 4) == 1 && p[0] == 7, "one level");
	CHECK(parse_proc_nspid_buf("Name:\tx\n", "t", p, 4) == -EINVAL &&
		      strstr(logged(), "no complete NSpid"),
	      "no NSpid line");
	CHECK(parse_proc_nspid_buf("NSpid:\t7\t1", "t", p, 4) == -EINVAL, "cut short");
	CHECK(parse_proc_nspid_buf("NSpid:\t1\t2\t3\n", "t", p, 2) == -EINVAL &&
		      strstr(logged(), "too deep"),
	      "deeper than asked");
	CHECK(parse_proc_nspid_buf("NSpid:\t7\t-1\n", "t", p, 4) == -EINVAL, "not a pid");
	CHECK(parse_proc_nspid_buf("NSpid:\t7x\n", "t", p, 4) == -EINVAL, "garbled");
	CHECK(parse_proc_nspid(getpid(), 0, p, 4) >= 1 && p[0] == getpid(), "our own");
	logged();
}

static void test_self(void)
{
	struct proc_mount_list l;
	struct proc_status st;

	CHECK(parse_proc_status(getpid(), 0, PS_CREDS | PS_F(PS_SECCOMP), &st) == 0 &&
		      st.uid[1] == geteuid(),
	      "own status");
	CHECK(parse_proc_status(getpid(), getpid(), PS_F(PS_PPID), &st) == 0 &&
		      st.ppid == getppid(),
	      "own thread status");
	CHECK(parse_mountinfo(0, &l) == 0 && l.nr > 0, "own mountinfo");
	free_mountinfo(&l);
}

int main(void)
{
	int fd = mkstemp(log_path);

	if (fd < 0 || log_init(AT_FDCWD, log_path, LOG_DEBUG)) {
		perror("log");
		return 1;
	}
	close(fd);
	test_status_sample();
	test_status_fields();
	test_status_required();
	test_status_groups_limit();
	test_status_prefixes();
	test_mountinfo_sample();
	test_mountinfo_bad();
	test_mountinfo_prefixes();
	test_self();
	test_nspid();
	log_fini();
	unlink(log_path);
	UNIT_REPORT();
}
