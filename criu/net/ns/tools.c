/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/tools.c - what CRIU saves with the network tools, saved the same way so that
 * image sets cross between the two: iptables rules are iptables-save's text (iptables-ID.img,
 * ip6tables-ID.img), which iptables-restore reads back; addresses, routes and rules are
 * iproute2's binary "ip ... save" streams (ifaddr-ID.img, route-ID.img, route6-ID.img,
 * rule-ID.img, rule6-ID.img), made and read by ip-stream.c without iproute2, and made fit for a
 * new namespace here; the nftables ruleset is firewall.c's. The tools run in criu's current
 * network namespace, their output going through a memfd into the image (so that it is summed
 * like any other). Tool messages go to criu's log.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "image.h"
#include "log.h"
#include "internal.h"

extern char **environ;

struct tool_img {
	enum img_type type;
	const char *const argv[5];
	/* the x_tables tables of the namespace (iptables-legacy's), listed by the kernel */
	const char *legacy_names;
	bool ip6; /* iptables-nft's tables are nftables tables of family ip, or ip6 */
};

/* addresses, routes and rules: ip-stream.c, in iproute2's format */
static const struct tool_img tool_imgs[] = {
	{ CR_FD_IPTABLES, { "iptables-save", NULL }, "/proc/net/ip_tables_names", false },
	{ CR_FD_IP6TABLES, { "ip6tables-save", NULL }, "/proc/net/ip6_tables_names", true },
};

static const char *const restore_argv[][5] = {
	[CR_FD_IPTABLES] = { "iptables-restore", NULL },
	[CR_FD_IP6TABLES] = { "ip6tables-restore", NULL },
};

/* Run argv with stdin in_fd and stdout out_fd (-1: /dev/null); its exit status, or -errno. */
int run_tool(const char *const *argv, int in_fd, int out_fd)
{
	posix_spawn_file_actions_t fa;
	int status, ret, log_fd = log_get_fd();
	pid_t pid;

	pr_info("Running %s %s %s %s\n", argv[0], argv[1] ?: "", argv[1] && argv[2] ? argv[2] : "",
		argv[1] && argv[2] && argv[3] ? argv[3] : "");
	/* posix_spawn's vfork-like clone is not traced by a PTRACE_O_TRACEFORK tracer */
	posix_spawn_file_actions_init(&fa);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (log_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, log_fd, 2);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int memfd_to_image(int mfd, int dfd, enum img_type type, uint32_t id)
{
	struct stat st;
	struct cr_img *img;
	void *p = NULL;
	int ret;

	if (fstat(mfd, &st))
		return -errno;
	if (st.st_size) {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, mfd, 0);
		if (p == MAP_FAILED)
			return -errno;
	}
	img = open_image_at(dfd, type, O_DUMP, id);
	/* an empty output (no rules) is an empty image: no buffer to write */
	ret = !img ? -EIO : st.st_size ? img_write_buf(img, p, st.st_size) : 0;
	if (img)
		ret = close_image(img) ?: ret;
	if (p)
		munmap(p, st.st_size);
	return ret;
}

/*
 * Has the namespace any table the tool would list? Without one its output is empty, and
 * the tool is not run (about 5 ms each).
 */
static bool tool_has_tables(const struct tool_img *t, const struct nft_families *fam)
{
	char buf[16];
	int fd = open(t->legacy_names, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	return n != 0 || (t->ip6 ? fam->ip6 : fam->ip);
}

/*
 * iptables-nft's save lists only nftables tables: for x_tables ones (iptables-legacy's) it
 * warns on stderr, and their rules would be lost. Each x_tables table the kernel lists must
 * be in the output ("*NAME", as iptables-legacy-save writes it), or the dump is refused.
 */
static int legacy_refused(const struct tool_img *t, int mfd, uint32_t id)
{
	char names[256], line[40], *name, *save, *out = NULL;
	int fd = open(t->legacy_names, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t len = fd < 0 ? 0 : read(fd, names, sizeof(names) - 1);
	struct stat st;

	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return 0;
	names[len] = '\0';
	if (!fstat(mfd, &st) && st.st_size) {
		out = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, mfd, 0);
		out = out == MAP_FAILED ? NULL : out;
	}
	for (name = strtok_r(names, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		snprintf(line, sizeof(line), "*%s\n", name);
		if (out && memmem(out, st.st_size, line, strlen(line)))
			continue;
		pr_err("Network namespace %u has the iptables-legacy table %s, whose rules %s "
		       "does not list: not supported; move them to iptables-nft (%s-legacy-save "
		       "| %s-nft-restore) or flush them before the dump\n",
		       id, name, t->argv[0], t->ip6 ? "ip6tables" : "iptables",
		       t->ip6 ? "ip6tables" : "iptables");
		ret = -EOPNOTSUPP;
	}
	if (out)
		munmap(out, st.st_size);
	return ret;
}

static int dump_one_tool(const struct tool_img *t, const struct nft_families *fam, int dfd,
			 uint32_t id)
{
	int mfd = memfd_create("criu-netns", MFD_CLOEXEC), ret = 0;

	if (mfd < 0)
		return -errno;
	if (tool_has_tables(t, fam))
		ret = run_tool(t->argv, -1, mfd);
	if (ret) {
		pr_err("'%s' failed (%d) in the tree's network namespace, which has iptables "
		       "tables: is iptables installed?\n",
		       t->argv[0], ret);
		ret = -EIO;
	} else {
		ret = legacy_refused(t, mfd, id) ?: memfd_to_image(mfd, dfd, t->type, id);
	}
	close(mfd);
	return ret;
}

int tools_dump(int dfd, uint32_t id)
{
	struct nft_families fam = {};
	size_t i;
	int ret;

	ret = ip_stream_dump(dfd, id) ?: nft_dump(dfd, id, &fam);
	for (i = 0; !ret && i < sizeof(tool_imgs) / sizeof(tool_imgs[0]); i++)
		ret = dump_one_tool(&tool_imgs[i], &fam, dfd, id);
	return ret;
}

/* The addresses every new namespace's lo has already: "ip addr restore" would fail on them. */
static bool lo_born_with(const struct nlmsghdr *h)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 }, lo6[16] = { [15] = 1 };
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = IFA_PAYLOAD(h);
	const struct rtattr *rta;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) || ifa->ifa_index != 1)
		return false;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type != IFA_ADDRESS)
			continue;
		if (ifa->ifa_family == AF_INET && ifa->ifa_prefixlen == 8 &&
		    RTA_PAYLOAD(rta) == 4 && !memcmp(RTA_DATA(rta), lo4, 4))
			return true;
		if (ifa->ifa_family == AF_INET6 && ifa->ifa_prefixlen == 128 &&
		    RTA_PAYLOAD(rta) == 16 && !memcmp(RTA_DATA(rta), lo6, 16))
			return true;
	}
	return false;
}

/* The rules every new namespace has: priority 0 local, 32766 main, 32767 default. */
static bool born_rule(const struct nlmsghdr *h)
{
	const struct fib_rule_hdr *frh = NLMSG_DATA(h);
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*frh));
	const struct rtattr *rta;
	uint32_t prio = 0;

	if (len < 0 || frh->src_len || frh->dst_len || frh->tos)
		return false;
	for (rta = (const struct rtattr *)((const char *)frh + NLMSG_ALIGN(sizeof(*frh)));
	     RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		uint32_t v = 0;

		if (RTA_PAYLOAD(rta) == 4)
			memcpy(&v, RTA_DATA(rta), 4);
		if (rta->rta_type == FRA_PRIORITY)
			prio = v;
		else if (rta->rta_type == FRA_SUPPRESS_PREFIXLEN && v != UINT32_MAX)
			return false;
		else if (rta->rta_type != FRA_TABLE && rta->rta_type != FRA_PROTOCOL &&
			 rta->rta_type != FRA_SUPPRESS_PREFIXLEN)
			return false; /* a selector of the user's */
	}
	return (prio == 0 && frh->table == RT_TABLE_LOCAL) ||
	       (prio == 32766 && frh->table == RT_TABLE_MAIN) ||
	       (prio == 32767 && frh->table == RT_TABLE_DEFAULT);
}

static bool is_route(const struct nlmsghdr *h)
{
	return h->nlmsg_type == RTM_NEWROUTE && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg));
}

/* The kernel makes these itself once the links and addresses are back. */
static bool kernel_route(const struct nlmsghdr *h)
{
	return is_route(h) && ((struct rtmsg *)NLMSG_DATA(h))->rtm_protocol == RTPROT_KERNEL;
}

/*
 * iproute2's stream (a u32 magic, then whole netlink messages), made fit for a new
 * namespace: lo's own addresses, the default rules and the kernel's routes left out; a route saved
 * while its link had no carrier carries RTNH_F_LINKDOWN (or DEAD), which the kernel refuses in a
 * request, so the flag (the link's state, not the route's) is dropped. Returns the new length.
 */
size_t ip_stream_fit(char *buf, size_t len)
{
	size_t off = sizeof(uint32_t), out = off;

	while (off + sizeof(struct nlmsghdr) <= len) {
		struct nlmsghdr *h = (struct nlmsghdr *)(buf + off);
		size_t step;

		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
			break;
		step = NLMSG_ALIGN(h->nlmsg_len) < len - off ? NLMSG_ALIGN(h->nlmsg_len)
							     : len - off;
		if (h->nlmsg_type == RTM_NEWROUTE &&
		    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg)))
			((struct rtmsg *)NLMSG_DATA(h))->rtm_flags &=
				~(RTNH_F_DEAD | RTNH_F_LINKDOWN);
		if (!(h->nlmsg_type == RTM_NEWADDR && lo_born_with(h)) && !kernel_route(h) &&
		    !(h->nlmsg_type == RTM_NEWRULE && born_rule(h))) {
			memmove(buf + out, h, step);
			out += step;
		}
		off += step;
	}
	/* a tail that is no whole message is passed on: the tool says what is wrong */
	memmove(buf + out, buf + off, len - off);
	return out + len - off;
}

int ip_stream_read(int dfd, enum img_type type, uint32_t id, char **out, size_t *out_len)
{
	struct cr_img *img = open_image_optional(dfd, type, id);
	struct stat st;
	char *buf = NULL;
	size_t len;
	int ret;

	*out = NULL;
	*out_len = 0;
	if (!img)
		return 0; /* CRIU leaves out what its tool could not save */
	ret = fstat(img_raw_fd(img), &st) ? -errno : 0;
	if (!ret) {
		buf = malloc(st.st_size + 1);
		ret = buf ? img_read_buf(img, buf, st.st_size) : -ENOMEM;
	}
	close_image(img);
	if (ret) {
		free(buf);
		return ret;
	}
	len = st.st_size;
	buf[len] = '\0';
	if (type == CR_FD_IFADDR || type == CR_FD_ROUTE || type == CR_FD_ROUTE6 ||
	    type == CR_FD_RULE || type == CR_FD_RULE6)
		len = ip_stream_fit(buf, len);
	*out = buf;
	*out_len = len;
	return 0;
}

/* The whole image into a memfd (the tool's stdin) and, if text is set, a string. */
int image_to_memfd(int dfd, enum img_type type, uint32_t id, int *mfd, char **text)
{
	char *buf;
	size_t len;
	int ret;

	*mfd = -1;
	ret = ip_stream_read(dfd, type, id, &buf, &len);
	if (ret || !buf)
		return ret;
	*mfd = memfd_create("criu-netns", MFD_CLOEXEC);
	if (*mfd < 0 || write(*mfd, buf, len) != (ssize_t)len || lseek(*mfd, 0, SEEK_SET))
		ret = -EIO;
	if (!ret && text)
		*text = buf;
	else
		free(buf);
	return ret;
}

static int restore_one_tool(int dfd, enum img_type type, uint32_t id)
{
	const char *const *argv = restore_argv[type];
	char *text = NULL;
	int mfd, ret;

	ret = image_to_memfd(dfd, type, id, &mfd, &text);
	/* an empty one (no table at dump) gives the tool nothing to do */
	if (ret || mfd < 0 || !text || !*text)
		goto out;
	ret = run_tool(argv, mfd, -1);
	if (ret) {
		pr_err("'%s %s %s' failed (%d) to restore the images' network namespace\n", argv[0],
		       argv[1], argv[2] ?: "", ret);
		ret = -EIO;
	}
out:
	if (mfd >= 0)
		close(mfd);
	free(text);
	return ret;
}

int tools_restore_addrs(int dfd, uint32_t id)
{
	return ip_stream_restore(dfd, CR_FD_IFADDR, id);
}

int tools_restore(int dfd, uint32_t id)
{
	static const enum img_type streams[] = { CR_FD_ROUTE, CR_FD_ROUTE6, CR_FD_RULE,
						 CR_FD_RULE6 };
	static const enum img_type tools[] = { CR_FD_IPTABLES, CR_FD_IP6TABLES };
	size_t i;
	int ret = nft_restore(dfd, id);

	for (i = 0; !ret && i < sizeof(streams) / sizeof(streams[0]); i++)
		ret = ip_stream_restore(dfd, streams[i], id);
	for (i = 0; !ret && i < sizeof(tools) / sizeof(tools[0]); i++)
		ret = restore_one_tool(dfd, tools[i], id);
	return ret;
}
