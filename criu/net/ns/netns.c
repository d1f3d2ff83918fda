/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/netns.c - the tree's own network namespace (netns.h). At dump criu itself moves
 * into the tree's namespace after the seize: sock_diag, /proc/self/net, the network lock and
 * the tools then all see the tree's, not criu's. It leaves for the inventory (whose root ids
 * are criu's own) and comes back for the lock's end. At restore the root is cloned with
 * CLONE_NEWNET; criu fills the new namespace from outside (it enters it, the root waits)
 * before the root goes on, so that the tools it runs are its own children, not the tree's.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "net-lock.h"
#include "netns.h"
#include "internal.h"

static struct {
	int tree_fd; /* the tree's network namespace */
	int criu_fd; /* criu's own */
	bool inside;
	uint32_t id;
	uint32_t cur; /* inside: the id of the tree's namespace criu is in (others.c) */
} dump = { -1, -1, false, 0, 0 };

static int switch_to(int fd, const char *whose)
{
	if (setns(fd, CLONE_NEWNET)) {
		pr_perror("Can't enter %s network namespace", whose);
		return -errno;
	}
	/* libnftables' context talks to the namespace it was made in */
	netlock_netns_changed();
	return 0;
}

int netns_switch(int fd, const char *whose)
{
	return switch_to(fd, whose);
}

int netns_dump_enter(pid_t root, uint32_t id)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", root);
	dump.tree_fd = open(path, O_RDONLY | O_CLOEXEC);
	dump.criu_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (dump.tree_fd < 0 || dump.criu_fd < 0) {
		pr_perror("Can't open the network namespaces of task %d and criu", root);
		netns_dump_done();
		return -EPERM;
	}
	dump.id = id;
	return netns_dump_reenter();
}

int netns_dump_reenter(void)
{
	int ret;

	if (dump.tree_fd < 0 || (dump.inside && dump.cur == dump.id))
		return 0;
	ret = switch_to(dump.tree_fd, "the tree's");
	dump.inside = !ret;
	dump.cur = ret ? 0 : dump.id;
	return ret;
}

void netns_dump_leave(void)
{
	if (!dump.inside)
		return;
	if (!switch_to(dump.criu_fd, "criu's own"))
		dump.inside = false;
}

bool netns_dump_is_other(pid_t pid)
{
	struct stat criu, tree, its;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (dump.tree_fd < 0 || fstat(dump.criu_fd, &criu) || fstat(dump.tree_fd, &tree) ||
	    stat(path, &its))
		return false;
	return its.st_ino != criu.st_ino && its.st_ino != tree.st_ino;
}

int netns_dump_task(pid_t pid, uint32_t id)
{
	int fd, ret;

	if (dump.tree_fd < 0 || (dump.inside && dump.cur == id))
		return 0;
	if (id == dump.id)
		return netns_dump_reenter();
	fd = others_dump_fd(pid, id);
	if (fd < 0)
		return fd;
	ret = switch_to(fd, "a task's");
	dump.inside = !ret;
	dump.cur = ret ? 0 : id;
	return ret;
}

void netns_dump_done(void)
{
	netns_dump_leave();
	others_dump_free();
	if (dump.tree_fd >= 0)
		close(dump.tree_fd);
	if (dump.criu_fd >= 0)
		close(dump.criu_fd);
	dump.tree_fd = dump.criu_fd = -1;
}

/* KEY of --external net[INODE]:KEY for the tree's namespace, or NULL */
static const char *external_key(const char *const *ext, int nr)
{
	struct stat st;
	char want[48];
	int i;

	if (fstat(dump.tree_fd, &st))
		return NULL;
	snprintf(want, sizeof(want), "net[%lu]:", (unsigned long)st.st_ino);
	for (i = 0; i < nr; i++)
		if (!strncmp(ext[i], want, strlen(want)) && ext[i][strlen(want)])
			return ext[i] + strlen(want);
	return NULL;
}

int netns_dump_write(int dfd, const char *const *externals, int nr_externals, bool empty)
{
	const char *key = external_key(externals, nr_externals);
	int ret;

	if (!dump.inside) {
		pr_err("The tree's network namespace is dumped from outside it\n");
		return -EINVAL;
	}
	if (key) {
		pr_info("Network namespace %u is external (%s): its content is not saved\n",
			dump.id, key);
		return netns_conf_dump_external(dfd, dump.id, key)
			       ?: others_dump_write(dfd, empty, dump.tree_fd);
	}
	/* the caller makes the namespace's content anew at restore (--empty-ns net there too) */
	if (empty) {
		pr_info("Network namespace %u: --empty-ns net, its links, addresses, routes and "
			"rules are not saved\n",
			dump.id);
		return netns_conf_dump(dfd, dump.id, false)
			       ?: others_dump_write(dfd, true, dump.tree_fd);
	}
	ret = netns_content_dump(dfd, dump.id);
	/* the others' (each entered and left for the tree's again) */
	return ret ?: others_dump_write(dfd, empty, dump.tree_fd);
}

int netns_content_dump(int dfd, uint32_t id)
{
	int ret = links_dump(dfd, id);

	ret = ret ?: netns_conf_dump(dfd, id, true);
	ret = ret ?: tools_dump(dfd, id);
	ret = ret ?: neigh_dump(dfd, id);
	ret = ret ?: tc_dump(dfd, id);
	ret = ret ?: conntrack_dump(dfd, id);
	if (!ret)
		pr_info("Network namespace %u saved\n", id);
	return ret;
}

int netns_dump_lock_end(bool keep)
{
	int ret = others_dump_lock_end(keep, dump.tree_fd);

	return ret ?: netns_dump_reenter();
}

static struct {
	const struct netns_rst_opts *o;
	uint32_t id;
	int dfd;
	int criu_fd;
	int join_fd; /* --join-ns net:...: the namespace the root is cloned in */
} rst = { NULL, 0, -1, -1, -1 };

/* --join-ns net:PID or net:PATH (a file of nsfs, e.g. /run/netns/NAME) */
static int open_join(const char *what)
{
	char path[64];
	const char *p = what;
	char *end;
	long pid = strtol(what, &end, 10);
	int fd;

	if (*what && !*end && pid > 0) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		p = path;
	}
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("--join-ns net:%s: can't open %s", what, p);
		return -errno;
	}
	return fd;
}

/* An external namespace: the one --inherit-fd fd[N]:KEY gives, joined. */
static int open_external(const struct netns_rst_opts *o, const char *key)
{
	size_t klen = strlen(key);
	int i, n, end, fd;

	for (i = 0; i < o->nr_inherit_fds; i++) {
		const char *v = o->inherit_fds[i];

		end = 0;
		if (sscanf(v, "fd[%d]:%n", &n, &end) != 1 || !end || strncmp(v + end, key, klen) ||
		    v[end + klen])
			continue;
		fd = fcntl(n, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			pr_perror("--inherit-fd %s: fd %d is not open", v, n);
		else
			pr_info("The external network namespace %s is fd %d\n", key, n);
		return fd < 0 ? -EBADF : fd;
	}
	pr_err("The tree's network namespace was external (--external net[...]:%s at dump): "
	       "give one with --inherit-fd fd[N]:%s\n",
	       key, key);
	return -ENOENT;
}

/* A dump with --empty-ns net saved no links: the restore can't make them. */
static int check_content_saved(int dfd, uint32_t id)
{
	char name[32];

	snprintf(name, sizeof(name), "netdev-%u.img", id);
	if (!faccessat(dfd, name, F_OK, 0))
		return 0;
	pr_err("The images hold nothing of the network namespace's content (no %s: dumped "
	       "with --empty-ns net): restore with --empty-ns net\n",
	       name);
	return -EINVAL;
}

int netns_rst_prepare(const struct netns_rst_opts *o, int dfd, uint32_t id)
{
	char *key = NULL;
	int ret;

	rst.o = o;
	rst.id = id;
	rst.dfd = dfd;
	rst.criu_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (rst.criu_fd < 0) {
		pr_perror("Can't open criu's own network namespace");
		return -errno;
	}
	if (!o->join) {
		ret = netns_conf_ext_key(dfd, id, &key);
		if (!ret && key)
			rst.join_fd = ret = open_external(o, key);
		else if (!ret && !o->empty)
			ret = check_content_saved(dfd, id);
		free(key);
		return ret < 0 ? ret : 0;
	}
	rst.join_fd = open_join(o->join);
	if (rst.join_fd < 0)
		return rst.join_fd;
	pr_info("The tree joins the network namespace %s: its content is not restored\n", o->join);
	return 0;
}

bool netns_rst_joins(void)
{
	return rst.join_fd >= 0;
}

int netns_rst_before_root(void)
{
	return rst.join_fd < 0 ? 0 : switch_to(rst.join_fd, "the --join-ns");
}

void netns_rst_after_root(void)
{
	if (rst.join_fd >= 0)
		switch_to(rst.criu_fd, "criu's own");
}

static int fill(int dfd, uint32_t id)
{
	int ret;

	if (rst.o->empty)
		return netns_loopback_up();
	ret = netns_conf_restore(dfd, id);
	ret = ret
		      ?: links_restore(dfd, id, rst.criu_fd, rst.o->externals, rst.o->nr_externals,
				       tools_restore_addrs);
	ret = ret ?: tools_restore(dfd, id);
	ret = ret ?: neigh_restore(dfd, id);
	ret = ret ?: tc_restore(dfd, id);
	/* before any task runs: the connections' packets are tracked ones at once */
	return ret ?: conntrack_restore(dfd, id);
}

int netns_rst_fill(int dfd, pid_t root)
{
	int ret;

	if (rst.criu_fd < 0 || rst.join_fd >= 0)
		return 0;
	ret = netns_rst_enter_tree(root);
	if (ret)
		return ret;
	ret = fill(dfd, rst.id);
	if (switch_to(rst.criu_fd, "criu's own"))
		ret = ret ?: -EPERM;
	if (!ret)
		pr_info("Network namespace %u restored\n", rst.id);
	return ret ?: others_rst_fill(dfd, rst.criu_fd, fill);
}

int netns_rst_others(const uint32_t *ids, size_t n)
{
	if (!n)
		return 0;
	if (rst.criu_fd < 0 || rst.join_fd >= 0) {
		pr_err("The images hold tasks in %zu network namespaces besides the root's: they "
		       "are restored only with the root's own (not with --join-ns net or an "
		       "external one)\n",
		       n);
		return -EOPNOTSUPP;
	}
	return others_rst_prepare(rst.dfd, ids, n, rst.criu_fd, rst.o->empty);
}

bool netns_rst_is_root(uint32_t id)
{
	return rst.criu_fd >= 0 && id == rst.id;
}

int netns_rst_unlock_others(int root_pid)
{
	return rst.criu_fd < 0 ? 0 : others_rst_unlock(root_pid, rst.criu_fd);
}

int netns_dump_root_fd(uint32_t *id)
{
	*id = dump.id;
	return dump.tree_fd;
}

/*
 * The ruleset of the images holds the dump's network lock (its table, or its iptables
 * rules): it stands in the new namespace until the lock is removed there.
 */
int netns_rst_enter_tree(pid_t root)
{
	char path[64];
	int fd, ret;

	if (rst.criu_fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", root);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open the network namespace of the restored root %d", root);
		return -errno;
	}
	ret = switch_to(fd, "the restored tree's");
	close(fd);
	return ret;
}

void netns_rst_leave_tree(void)
{
	if (rst.criu_fd >= 0)
		switch_to(rst.criu_fd, "criu's own");
}

void netns_rst_free(void)
{
	others_rst_free();
	if (rst.criu_fd >= 0)
		close(rst.criu_fd);
	if (rst.join_fd >= 0)
		close(rst.join_fd);
	rst.criu_fd = rst.join_fd = -1;
}
