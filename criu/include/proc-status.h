/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-status.h - the one parser of /proc/PID/status and /proc/PID/task/TID/status (proc/
 * status.c). The caller names the fields it reads (PS_F()); each of them must be there, once
 * and well formed, or the parse fails with an error naming the file and the field, so that a
 * missing "Uid:" can never read as root. Two fields are optional, by a stated rule: CapAmb
 * (Linux 4.3+) and Seccomp_filters (5.9+) read as 0 when absent, their bit of .have unset.
 * Lines criu does not read are skipped, whole or cut short.
 */
#ifndef CRIU_PROC_STATUS_H
#define CRIU_PROC_STATUS_H

#include <stdint.h>
#include <sys/types.h>

#define PROC_STATUS_MAX_GROUPS 256 /* more supplementary groups are refused */

enum proc_status_field {
	PS_PPID,
	PS_TRACER_PID,
	PS_UID,
	PS_GID,
	PS_GROUPS,
	PS_CAP_INH,
	PS_CAP_PRM,
	PS_CAP_EFF,
	PS_CAP_BND,
	PS_CAP_AMB, /* optional */
	PS_NO_NEW_PRIVS,
	PS_SECCOMP,
	PS_SECCOMP_FILTERS, /* optional */
	PS_NR_FIELDS,
};

#define PS_F(f)	    (1u << (f))
#define PS_OPTIONAL (PS_F(PS_CAP_AMB) | PS_F(PS_SECCOMP_FILTERS))
/* ids, groups and capability sets: what a thread's credentials are made of */
#define PS_CREDS                                                                               \
	(PS_F(PS_UID) | PS_F(PS_GID) | PS_F(PS_GROUPS) | PS_F(PS_CAP_INH) | PS_F(PS_CAP_PRM) | \
	 PS_F(PS_CAP_EFF) | PS_F(PS_CAP_BND) | PS_F(PS_CAP_AMB))

struct proc_status {
	unsigned int have; /* PS_F() of every field found */
	pid_t ppid, tracer_pid;
	uint32_t uid[4], gid[4]; /* real, effective, saved, fs */
	uint32_t groups[PROC_STATUS_MAX_GROUPS];
	uint32_t nr_groups;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t no_new_privs;
	uint32_t seccomp, seccomp_filters;
};

/*
 * Parse the fields of mask (PS_F() bits) from status text; name (the file) is for messages.
 * 0, -EINVAL (missing or malformed field, logged), -EOPNOTSUPP (too many groups, logged).
 */
int parse_proc_status_buf(const char *buf, const char *name, unsigned int mask,
			  struct proc_status *st);
/* The same on /proc/PID/status, or /proc/PID/task/TID/status if tid is not 0. */
int parse_proc_status(pid_t pid, pid_t tid, unsigned int mask, struct proc_status *st);

/*
 * The "NSpid:" line: the pid in each pid namespace from the reader's down to the task's
 * (at most max levels). Returns how many, or -EINVAL (logged) if missing or malformed.
 */
int parse_proc_nspid_buf(const char *buf, const char *name, pid_t *pids, int max);
/* The same on /proc/PID/task/TID/status (tid 0: the leader). */
int parse_proc_nspid(pid_t pid, pid_t tid, pid_t *pids, int max);

#endif /* CRIU_PROC_STATUS_H */
