/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/firewall.c - the nftables ruleset of the tree's network namespace, as "list
 * ruleset" text in nftables-ID.img (CRIU's), listed and replayed through libnftables.
 *
 * iptables-nft (Debian's iptables) keeps its rules in nftables tables ("table ip filter",
 * ...) that the ruleset lists too, in a form only iptables can read back: replayed by
 * nftables they work but iptables calls them incompatible. So the tables that
 * iptables-ID.img or ip6tables-ID.img names, when iptables-nft wrote it, are left out of
 * the replay, and iptables-restore makes them again. Legacy iptables tables are not in the
 * ruleset at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "image.h"
#include "log.h"
#include "internal.h"

static struct nft_ctx *nft_open(void)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!nft || nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		pr_err("Can't set up a libnftables context for the nftables ruleset\n");
		if (nft)
			nft_ctx_free(nft);
		return NULL;
	}
	return nft;
}

/* Is there a line "table FAMILY ..." in the ruleset? */
static bool has_family(const char *rules, const char *family)
{
	char head[32];
	size_t len = snprintf(head, sizeof(head), "table %s ", family);
	const char *p;

	for (p = rules; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, head, len))
			return true;
	return false;
}

int nft_dump(int dfd, uint32_t id, struct nft_families *fam)
{
	struct nft_ctx *nft = nft_open();
	struct cr_img *img;
	const char *out;
	int ret;

	if (!nft)
		return -EIO;
	if (nft_run_cmd_from_buffer(nft, "list ruleset")) {
		pr_err("Can't list the nftables ruleset of the tree's network namespace: %s\n",
		       nft_ctx_get_error_buffer(nft));
		nft_ctx_free(nft);
		return -EIO;
	}
	out = nft_ctx_get_output_buffer(nft);
	fam->ip = has_family(out, "ip");
	fam->ip6 = has_family(out, "ip6");
	img = open_image_at(dfd, CR_FD_NFTABLES, O_DUMP, id);
	ret = img ? img_write_buf(img, out, strlen(out)) : -EIO;
	if (img)
		ret = close_image(img) ?: ret;
	nft_ctx_free(nft);
	return ret;
}

/* Cut the block "table FAMILY NAME {" ... "}" (a line of its own) out of the ruleset. */
static void drop_table(char *rules, const char *family, const char *name)
{
	char head[96];
	char *start, *end;

	snprintf(head, sizeof(head), "table %s %s {\n", family, name);
	for (start = strstr(rules, head); start; start = strstr(start + 1, head))
		if (start == rules || start[-1] == '\n')
			break;
	if (!start)
		return;
	end = strstr(start, "\n}\n");
	end = end ? end + 3 : start + strlen(start);
	pr_info("nftables: table %s %s is iptables-nft's: iptables-restore makes it\n", family,
		name);
	memmove(start, end, strlen(end) + 1);
}

/* The tables ("*filter" lines) of an iptables-nft save, left out of the ruleset. */
static void drop_iptables_nft(char *rules, const char *ipt, const char *family)
{
	const char *line;

	if (!ipt || !strstr(ipt, "(nf_tables)"))
		return;
	for (line = ipt; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char name[64];

		if (*line == '*' && sscanf(line + 1, "%63[^ \n]", name) == 1)
			drop_table(rules, family, name);
	}
}

static int image_text(int dfd, enum img_type type, uint32_t id, char **text)
{
	int mfd, ret = image_to_memfd(dfd, type, id, &mfd, text);

	if (mfd >= 0)
		close(mfd);
	return ret;
}

int nft_restore(int dfd, uint32_t id)
{
	char *rules = NULL, *ipt4 = NULL, *ipt6 = NULL;
	struct nft_ctx *nft;
	int ret;

	ret = image_text(dfd, CR_FD_NFTABLES, id, &rules);
	ret = ret ?: image_text(dfd, CR_FD_IPTABLES, id, &ipt4);
	ret = ret ?: image_text(dfd, CR_FD_IP6TABLES, id, &ipt6);
	if (ret || !rules)
		goto out;
	drop_iptables_nft(rules, ipt4, "ip");
	drop_iptables_nft(rules, ipt6, "ip6");
	if (!rules[strspn(rules, " \t\n")])
		goto out;
	nft = nft_open();
	if (!nft) {
		ret = -EIO;
		goto out;
	}
	if (nft_run_cmd_from_buffer(nft, rules)) {
		pr_err("nftables-%u.img: libnftables can't replay the ruleset: %s\n", id,
		       nft_ctx_get_error_buffer(nft));
		ret = -EIO;
	}
	nft_ctx_free(nft);
out:
	free(rules);
	free(ipt4);
	free(ipt6);
	return ret;
}
