/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/conf.c - the sysctls of a network namespace: net.ipv4.conf.DEV.* and
 * net.ipv6.conf.DEV.* of each link and of "all" and "default", and net.unix.*. CRIU's
 * images keep them as positional lists (netdev.proto conf4/conf6, netns.proto
 * def_conf4/all_conf4/...): the names below are CRIU's, in CRIU's order, so that images
 * cross between the two. A sysctl this kernel lacks is stored without a value and skipped
 * at restore. /proc/sys/net shows the namespace of the process that opens it.
 */
#include <errno.h>
#include <fcntl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "internal.h"

#include "netns-extra.pb-c.h"

static const char *const conf4_names[] = {
	"accept_local",
	"accept_redirects",
	"accept_source_route",
	"arp_accept",
	"arp_announce",
	"arp_filter",
	"arp_ignore",
	"arp_notify",
	"bootp_relay",
	"disable_policy",
	"disable_xfrm",
	"force_igmp_version",
	"forwarding",
	"igmpv2_unsolicited_report_interval",
	"igmpv3_unsolicited_report_interval",
	"log_martians",
	"medium_id",
	"promote_secondaries",
	"proxy_arp",
	"proxy_arp_pvlan",
	"route_localnet",
	"rp_filter",
	"secure_redirects",
	"send_redirects",
	"shared_media",
	"src_valid_mark",
	"tag",
	"ignore_routes_with_linkdown",
	"drop_gratuitous_arp",
	"drop_unicast_in_l2_multicast",
};

static const char *const conf6_names[] = {
	"accept_dad",
	"accept_ra",
	"accept_ra_defrtr",
	"accept_ra_from_local",
	"accept_ra_min_hop_limit",
	"accept_ra_mtu",
	"accept_ra_pinfo",
	"accept_ra_rt_info_max_plen",
	"accept_ra_rtr_pref",
	"accept_redirects",
	"accept_source_route",
	"autoconf",
	"dad_transmits",
	"disable_ipv6",
	"drop_unicast_in_l2_multicast",
	"drop_unsolicited_na",
	"force_mld_version",
	"force_tllao",
	"forwarding",
	"hop_limit",
	"ignore_routes_with_linkdown",
	"keep_addr_on_down",
	"max_addresses",
	"max_desync_factor",
	"mldv1_unsolicited_report_interval",
	"mldv2_unsolicited_report_interval",
	"mtu",
	"ndisc_notify",
	"optimistic_dad",
	"proxy_ndp",
	"regen_max_retry",
	"router_probe_interval",
	"router_solicitation_delay",
	"router_solicitation_interval",
	"router_solicitations",
	"stable_secret",
	"suppress_frag_ndisc",
	"temp_prefered_lft",
	"temp_valid_lft",
	"use_oif_addrs_only",
	"use_optimistic",
	"use_tempaddr",
};

static const char *const unix_names[] = { "max_dgram_qlen" };
/*
 * net.ipv4's own sysctls of the namespace that programs and containers set. A ping socket
 * can only be made by a group ping_group_range holds, the restore's included. ip_forward
 * comes first at restore: writing it sets every link's forwarding, which the per-link and
 * all/default values written after it put back.
 */
static const char *const ipv4_names[] = { "ip_forward", "ping_group_range", "ip_local_port_range",
					  "ip_unprivileged_port_start" };

#define NR(a)	      (sizeof(a) / sizeof((a)[0]))
#define SYSCTL_MAX    256
#define STABLE_SECRET "stable_secret"

static void names_of(enum conf_family f, const char *const **names, size_t *n)
{
	*names = f == CONF_IPV4 ? conf4_names : conf6_names;
	*n = f == CONF_IPV4 ? NR(conf4_names) : NR(conf6_names);
}

/* The value of path: 0, -ENOENT (no such sysctl here), or -errno. */
static int sysctl_get(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	/* an unset stable_secret reads as EIO: as if it were absent */
	if (n < 0)
		return err == EIO ? -ENOENT : -err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int sysctl_set(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);

	if (fd < 0 || write(fd, val, len) != (ssize_t)len) {
		pr_perror("Can't set sysctl %s to '%s'", path, val);
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int read_one(const char *path, bool str, SysctlEntry *e)
{
	char buf[SYSCTL_MAX];
	int ret = sysctl_get(path, buf, sizeof(buf));

	e->type = str ? SYSCTL_TYPE__CTL_STR : SYSCTL_TYPE__CTL_32;
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		pr_err("Can't read sysctl %s: %s\n", path, strerror(-ret));
		return ret;
	}
	if (str) {
		e->sarg = strdup(buf);
		return e->sarg ? 0 : -ENOMEM;
	}
	e->has_iarg = true;
	e->iarg = atoi(buf);
	return 0;
}

static SysctlEntry **entries_alloc(size_t n)
{
	SysctlEntry **conf = calloc(n, sizeof(*conf));
	size_t i;

	for (i = 0; conf && i < n; i++) {
		conf[i] = malloc(sizeof(**conf));
		if (!conf[i]) {
			conf_free(conf, i);
			return NULL;
		}
		sysctl_entry__init(conf[i]);
	}
	return conf;
}

void conf_free(SysctlEntry **conf, size_t n)
{
	size_t i;

	for (i = 0; conf && i < n; i++) {
		free(conf[i]->sarg);
		free(conf[i]);
	}
	free(conf);
}

int conf_read(enum conf_family f, const char *dev, SysctlEntry ***out, size_t *n)
{
	const char *const *names;
	char path[128];
	SysctlEntry **conf;
	size_t i;
	int ret = 0;

	names_of(f, &names, n);
	conf = entries_alloc(*n);
	if (!conf)
		return -ENOMEM;
	for (i = 0; !ret && i < *n; i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s",
			 f == CONF_IPV4 ? "ipv4" : "ipv6", dev, names[i]);
		ret = read_one(path, !strcmp(names[i], STABLE_SECRET), conf[i]);
	}
	if (ret) {
		conf_free(conf, *n);
		return ret;
	}
	*out = conf;
	return 0;
}

/* Write e to path unless it holds that value already (or e has none, or path is absent). */
static int write_one(const char *path, const SysctlEntry *e)
{
	char now[SYSCTL_MAX], want[SYSCTL_MAX];

	if (e->type == SYSCTL_TYPE__CTL_STR && e->sarg)
		snprintf(want, sizeof(want), "%s", e->sarg);
	else if (e->type == SYSCTL_TYPE__CTL_32 && e->has_iarg)
		snprintf(want, sizeof(want), "%d", e->iarg);
	else
		return 0;
	if (sysctl_get(path, now, sizeof(now)) == -ENOENT) {
		pr_warn("Sysctl %s of the images does not exist here: skipped\n", path);
		return 0;
	}
	return strcmp(now, want) ? sysctl_set(path, want) : 0;
}

int conf_write(enum conf_family f, const char *dev, SysctlEntry **conf, size_t n)
{
	const char *fam = f == CONF_IPV4 ? "ipv4" : "ipv6";
	const char *const *names;
	size_t i, nr, last = (size_t)-1;
	char path[128];
	int ret = 0;

	names_of(f, &names, &nr);
	if (n > nr)
		pr_warn("%zu %s sysctls of %s in the images, %zu known: the rest are skipped\n", n,
			fam, dev, nr);
	for (i = 0; !ret && i < n && i < nr; i++) {
		/* forwarding resets accept_redirects: that one goes last */
		if (!strcmp(names[i], "accept_redirects")) {
			last = i;
			continue;
		}
		snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", fam, dev, names[i]);
		ret = write_one(path, conf[i]);
	}
	if (!ret && last != (size_t)-1) {
		snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", fam, dev, names[last]);
		ret = write_one(path, conf[last]);
	}
	return ret;
}

static int unix_conf_read(NetnsEntry *e)
{
	char path[128];
	size_t i;
	int ret = 0;

	e->unix_conf = entries_alloc(NR(unix_names));
	if (!e->unix_conf)
		return -ENOMEM;
	e->n_unix_conf = NR(unix_names);
	for (i = 0; !ret && i < NR(unix_names); i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/unix/%s", unix_names[i]);
		ret = read_one(path, false, e->unix_conf[i]);
	}
	return ret;
}

/*
 * netns-extra-ID.img: net.ipv4's sysctls, strings as the kernel prints them (ranges are two
 * numbers), and with links how each link's address was given
 */
static int extra_dump(int dfd, uint32_t id, bool links)
{
	NetnsExtraEntry x = NETNS_EXTRA_ENTRY__INIT;
	struct cr_img *img;
	char path[128];
	size_t i;
	int ret = 0;

	x.ipv4_conf = entries_alloc(NR(ipv4_names));
	if (!x.ipv4_conf)
		return -ENOMEM;
	x.n_ipv4_conf = NR(ipv4_names);
	for (i = 0; !ret && i < NR(ipv4_names); i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", ipv4_names[i]);
		ret = read_one(path, true, x.ipv4_conf[i]);
	}
	if (!ret && links)
		ret = link_addr_types_read(&x);
	img = ret ? NULL : open_image_at(dfd, CR_FD_NETNS_EXTRA, O_DUMP, id);
	if (!ret && !img)
		ret = -EIO;
	if (img) {
		ret = pb_write_one(img, &x.base);
		ret = close_image(img) ?: ret;
	}
	conf_free(x.ipv4_conf, x.n_ipv4_conf);
	link_addr_types_free(&x);
	return ret;
}

static void netns_entry_free(NetnsEntry *e)
{
	conf_free(e->def_conf4, e->n_def_conf4);
	conf_free(e->all_conf4, e->n_all_conf4);
	conf_free(e->def_conf6, e->n_def_conf6);
	conf_free(e->all_conf6, e->n_all_conf6);
	conf_free(e->unix_conf, e->n_unix_conf);
}

static int netns_entry_write(int dfd, uint32_t id, NetnsEntry *e)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_NETNS, O_DUMP, id);
	int ret;

	if (!img)
		return -EIO;
	ret = pb_write_one(img, &e->base);
	return close_image(img) ?: ret;
}

int netns_conf_dump(int dfd, uint32_t id, bool links)
{
	NetnsEntry e = NETNS_ENTRY__INIT;
	int ret;

	ret = conf_read(CONF_IPV4, "default", &e.def_conf4, &e.n_def_conf4);
	ret = ret ?: conf_read(CONF_IPV4, "all", &e.all_conf4, &e.n_all_conf4);
	ret = ret ?: conf_read(CONF_IPV6, "default", &e.def_conf6, &e.n_def_conf6);
	ret = ret ?: conf_read(CONF_IPV6, "all", &e.all_conf6, &e.n_all_conf6);
	ret = ret ?: unix_conf_read(&e);
	ret = ret ?: netns_entry_write(dfd, id, &e);
	ret = ret ?: extra_dump(dfd, id, links);
	netns_entry_free(&e);
	return ret;
}

static int unix_conf_write(const NetnsEntry *e)
{
	char path[128];
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < e->n_unix_conf && i < NR(unix_names); i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/unix/%s", unix_names[i]);
		ret = write_one(path, e->unix_conf[i]);
	}
	return ret;
}

int netns_extra_read(int dfd, uint32_t id, NetnsExtraEntry **x)
{
	struct cr_img *img = open_image_optional(dfd, CR_FD_NETNS_EXTRA, id);
	int ret;

	*x = NULL;
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	ret = pb_read_one(img, &netns_extra_entry__descriptor, (ProtobufCMessage **)x);
	close_image(img);
	return ret;
}

void netns_extra_free(NetnsExtraEntry *x)
{
	if (x)
		netns_extra_entry__free_unpacked(x, NULL);
}

/* netns-extra-ID.img's sysctls; a set without it (CRIU's) leaves the new namespace's defaults */
static int ipv4_conf_restore(int dfd, uint32_t id)
{
	NetnsExtraEntry *x;
	char path[128];
	size_t i;
	int ret = netns_extra_read(dfd, id, &x);

	if (ret || !x)
		return ret;
	for (i = 0; !ret && i < x->n_ipv4_conf && i < NR(ipv4_names); i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", ipv4_names[i]);
		ret = write_one(path, x->ipv4_conf[i]);
	}
	netns_extra_free(x);
	return ret;
}

static int netns_entry_read(int dfd, uint32_t id, NetnsEntry **e)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_NETNS, O_RSTR, id);
	int ret;

	if (!img)
		return -EIO;
	ret = pb_read_one(img, &netns_entry__descriptor, (ProtobufCMessage **)e);
	close_image(img);
	return ret;
}

int netns_conf_restore(int dfd, uint32_t id)
{
	NetnsEntry *e;
	int ret = netns_entry_read(dfd, id, &e);

	if (ret)
		return ret;
	ret = ipv4_conf_restore(dfd, id);
	/* "default" first: links made after it take its values */
	ret = ret ?: conf_write(CONF_IPV4, "default", e->def_conf4, e->n_def_conf4);
	ret = ret ?: conf_write(CONF_IPV4, "all", e->all_conf4, e->n_all_conf4);
	ret = ret ?: conf_write(CONF_IPV6, "default", e->def_conf6, e->n_def_conf6);
	ret = ret ?: conf_write(CONF_IPV6, "all", e->all_conf6, e->n_all_conf6);
	ret = ret ?: unix_conf_write(e);
	netns_entry__free_unpacked(e, NULL);
	return ret;
}

int netns_conf_dump_external(int dfd, uint32_t id, const char *key)
{
	NetnsEntry e = NETNS_ENTRY__INIT;

	e.ext_key = (char *)key;
	return netns_entry_write(dfd, id, &e);
}

int netns_conf_ext_key(int dfd, uint32_t id, char **key)
{
	NetnsEntry *e;
	int ret = netns_entry_read(dfd, id, &e);

	*key = NULL;
	if (ret)
		return ret;
	if (e->ext_key) {
		*key = strdup(e->ext_key);
		ret = *key ? 0 : -ENOMEM;
	}
	netns_entry__free_unpacked(e, NULL);
	return ret;
}
