// SPDX-License-Identifier: GPL-2.0
/*
 * net/lock/ipt.c - the lock through iptables-restore and ip6tables-restore (--noflush, -w),
 * with CRIU's rules: per connection one DROP rule at the head of INPUT (from the peer) and
 * one of OUTPUT (to the peer), for TCP packets not marked 0xC114. All the rules of one
 * command go in one transaction; removal deletes the same rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "log.h"

/* One direction of a connection, as CRIU writes it. */
static int rule_text(char *buf, size_t len, char op, const struct netlock_tuple *t, bool in)
{
	return snprintf(buf, len,
			"-%c %s -p tcp -m mark ! --mark " NETLOCK_PASS_MARK
			" --source %s --sport %u --destination %s --dport %u -j DROP\n",
			op, in ? "INPUT" : "OUTPUT", in ? t->peer : t->local,
			in ? t->pport : t->lport, in ? t->local : t->peer,
			in ? t->lport : t->pport);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The rules for these connections of one family into a memfd, rewound; or -errno. */
static int rules_file(char op, const struct netlock_tuple *t, size_t nr, bool v6)
{
	char line[512];
	size_t i;
	int fd, n, ret = 0;

	fd = memfd_create("criu-netlock", MFD_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't create a memfd for the iptables rules");
		return -errno;
	}
	ret = write_all(fd, "*filter\n", 8);
	for (i = 0; !ret && i < nr; i++) {
		if (t[i].v6 != v6)
			continue;
		n = rule_text(line, sizeof(line), op, &t[i], true);
		ret = write_all(fd, line, n);
		n = rule_text(line, sizeof(line), op, &t[i], false);
		ret = ret ?: write_all(fd, line, n);
	}
	ret = ret ?: write_all(fd, "COMMIT\n", 7);
	if (!ret && lseek(fd, 0, SEEK_SET))
		ret = -EIO;
	if (ret) {
		pr_perror("Can't write the iptables rules");
		close(fd);
		return ret;
	}
	return fd;
}

static void log_tool_output(int fd, const char *tool, bool as_error)
{
	char buf[1024];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET))
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = 0;
	if (as_error)
		pr_err("%s: %s", tool, buf);
	else
		pr_info("%s: %s", tool, buf);
}

static void __attribute__((noreturn)) exec_tool(const char *tool, int in, int out)
{
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		_exit(126);
	execlp(tool, tool, "-w", "--noflush", (char *)NULL);
	dprintf(STDERR_FILENO, "can't run it: %m (install iptables)\n");
	_exit(127);
}

/* Run {ip,ip6}tables-restore on the rules in fd: 0, or -EIO with its words logged. */
static int run_restore(bool v6, int rules, bool quiet)
{
	const char *tool = v6 ? "ip6tables-restore" : "iptables-restore";
	int out, status;
	pid_t pid;

	out = memfd_create("criu-netlock-out", MFD_CLOEXEC);
	if (out < 0) {
		pr_perror("Can't create a memfd for %s's output", tool);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		pr_perror("Can't fork for %s", tool);
		close(out);
		return -EIO;
	}
	if (pid == 0)
		exec_tool(tool, rules, out);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			pr_perror("Can't wait for %s", tool);
			close(out);
			return -EIO;
		}
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		close(out);
		return 0;
	}
	log_tool_output(out, tool, !quiet);
	if (!quiet)
		pr_err("%s failed (status %#x): the network lock's rules were not changed\n", tool,
		       status);
	close(out);
	return -EIO;
}

static int apply(char op, const struct netlock_tuple *t, size_t nr, bool v6, bool quiet)
{
	int fd, ret;

	fd = rules_file(op, t, nr, v6);
	if (fd < 0)
		return fd;
	ret = run_restore(v6, fd, quiet);
	close(fd);
	return ret;
}

int ipt_lock_conns(const struct netlock_tuple *t, size_t nr)
{
	bool has[2] = { false, false };
	size_t i;
	int v6;

	for (i = 0; i < nr; i++)
		has[t[i].v6] = true;
	for (v6 = 0; v6 < 2; v6++) {
		if (!has[v6] || !apply('I', t, nr, v6, false))
			continue;
		if (v6 && has[0])
			apply('D', t, nr, false, false); /* all or nothing */
		for (i = 0; i < nr; i++)
			if (t[i].v6 == v6)
				pr_err("Can't lock the connection %s:%u - %s:%u with iptables\n",
				       t[i].local, t[i].lport, t[i].peer, t[i].pport);
		return -EIO;
	}
	for (i = 0; i < nr; i++)
		pr_debug("Locked %s:%u - %s:%u\n", t[i].local, t[i].lport, t[i].peer, t[i].pport);
	return 0;
}

/* After a failed batch: each connection alone, so that one missing rule spares no other. */
static int unlock_one_by_one(const struct netlock_tuple *t, size_t nr, bool v6, bool missing_ok)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		if (t[i].v6 != v6 || !apply('D', &t[i], 1, v6, true))
			continue;
		if (missing_ok) {
			pr_info("No lock rules of %s:%u - %s:%u to remove\n", t[i].local,
				t[i].lport, t[i].peer, t[i].pport);
			continue;
		}
		pr_err("Can't remove the lock rules of %s:%u - %s:%u: remove them with iptables "
		       "-D\n",
		       t[i].local, t[i].lport, t[i].peer, t[i].pport);
		ret = -EIO;
	}
	return ret;
}

int ipt_unlock_conns(const struct netlock_tuple *t, size_t nr, bool missing_ok)
{
	bool has[2] = { false, false };
	size_t i;
	int v6, ret = 0;

	for (i = 0; i < nr; i++)
		has[t[i].v6] = true;
	for (v6 = 0; v6 < 2; v6++) {
		if (!has[v6] || !apply('D', t, nr, v6, true))
			continue;
		ret = unlock_one_by_one(t, nr, v6, missing_ok) ?: ret;
	}
	return ret;
}
