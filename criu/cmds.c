/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmds.c - the commands of CRIU 4.2, as CRIU parses them: one word, except "cpuinfo dump",
 * "cpuinfo check" and "swrk FD"; any other word after the command is refused. Those criu
 * does not implement yet (none now) are refused naming them (exit status 1); "exec" and
 * "show", which CRIU itself dropped, get CRIU's answer.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "opts.h"

enum cmd_state { CMD_DONE, CMD_LATER, CMD_REMOVED };

struct cmd_desc {
	const char *name;
	enum cr_command command;
	enum cmd_state state;
	const char *help;
};

static const struct cmd_desc cmd_table[] = {
	{ "dump", CMD_DUMP, CMD_DONE, "checkpoint the process tree rooted at PID (-t)" },
	{ "pre-dump", CMD_PRE_DUMP, CMD_DONE, "pre-dump task(s) minimizing their frozen time" },
	{ "restore", CMD_RESTORE, CMD_DONE, "restore a process tree from image files" },
	{ "lazy-pages", CMD_LAZY_PAGES, CMD_DONE, "serve pages to a --lazy-pages restore" },
	{ "check", CMD_CHECK, CMD_DONE, "check whether the kernel supports what criu needs" },
	{ "page-server", CMD_PAGE_SERVER, CMD_DONE, "receive a dump's pages (--address, --port)" },
	{ "service", CMD_SERVICE, CMD_DONE, "serve RPC clients on --address (rpc.proto)" },
	{ "swrk", CMD_SWRK, CMD_DONE, "serve one RPC client on socket FD (libcriu)" },
	{ "dedup", CMD_DEDUP, CMD_DONE, "remove duplicates in memory dump" },
	{ "cpuinfo", CMD_NONE, CMD_DONE, "dump: write this CPU to cpuinfo.img; check: compare" },
	{ "exec", CMD_NONE, CMD_REMOVED, NULL },
	{ "show", CMD_NONE, CMD_REMOVED, NULL },
};

#define NR_CMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))

static const struct cmd_desc *find_command(const char *word)
{
	size_t i;

	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(word, cmd_table[i].name))
			return &cmd_table[i];
	return NULL;
}

/* "cpuinfo" takes "dump" or "check" after it. */
static enum parse_result parse_cpuinfo(int argc, char **argv, int first, struct cr_options *o)
{
	const char *sub = first + 1 < argc ? argv[first + 1] : NULL;

	if (!sub) {
		pr_err("cpuinfo requires an action: dump or check\n");
		return PARSE_USAGE;
	}
	if (strcmp(sub, "dump") && strcmp(sub, "check")) {
		pr_err("unknown cpuinfo sub-command: %s\n", sub);
		return PARSE_USAGE;
	}
	if (first + 2 < argc) {
		pr_err("Unexpected argument '%s' after cpuinfo %s\n", argv[first + 2], sub);
		return PARSE_USAGE;
	}
	o->command = strcmp(sub, "dump") ? CMD_CPUINFO_CHECK : CMD_CPUINFO_DUMP;
	o->action = strcmp(sub, "dump") ? "cpuinfo check" : "cpuinfo dump";
	return PARSE_OK;
}

/* "swrk FD": the socket the client passed, a number as CRIU reads it */
static enum parse_result parse_swrk(const char *word, struct cr_options *o)
{
	char *end;
	long fd;

	errno = 0;
	fd = strtol(word, &end, 10);
	if (errno || end == word || *end || fd < 0 || fd > INT_MAX) {
		pr_err("swrk needs the number of an open socket, got '%s'\n", word);
		return PARSE_ERROR;
	}
	o->swrk_fd = fd;
	return PARSE_OK;
}

static enum parse_result refuse_removed(const struct cmd_desc *c)
{
	if (!strcmp(c->name, "exec")) {
		pr_err("The \"exec\" action is deprecated by the Compel library.\n");
	} else {
		pr_err("The \"show\" action is deprecated by the CRIT utility.\n");
		pr_err("To view an image use the \"crit decode -i $name --pretty\" command.\n");
	}
	return PARSE_REMOVED;
}

enum parse_result parse_command(int argc, char **argv, int first, struct cr_options *o)
{
	const struct cmd_desc *c = find_command(argv[first]);

	if (!c) {
		pr_err("Unknown command '%s'\n", argv[first]);
		return PARSE_USAGE;
	}
	if (!strcmp(c->name, "cpuinfo"))
		return parse_cpuinfo(argc, argv, first, o);
	if (!strcmp(c->name, "swrk")) {
		if (argc != first + 2) {
			fprintf(stderr, "Usage: criu swrk <fd>\n");
			return PARSE_ERROR;
		}
		if (parse_swrk(argv[first + 1], o) != PARSE_OK)
			return PARSE_ERROR;
	} else if (first + 1 < argc) {
		pr_err("Unexpected argument '%s' after command %s\n", argv[first + 1], c->name);
		return PARSE_USAGE;
	}
	if (c->state == CMD_REMOVED)
		return refuse_removed(c);
	if (c->state == CMD_LATER) {
		pr_err("Command '%s' is not supported yet\n", c->name);
		return PARSE_ERROR;
	}
	o->action = c->name;
	o->command = c->command;
	return PARSE_OK;
}

void print_commands(void)
{
	bool later = false;
	size_t i;

	for (i = 0; i < NR_CMDS; i++) {
		const struct cmd_desc *c = &cmd_table[i];

		if (c->state == CMD_DONE)
			printf("  %-14s %s\n",
			       strcmp(c->name, "cpuinfo") ? c->name : "cpuinfo dump|check",
			       c->help);
		later |= c->state == CMD_LATER;
	}
	if (!later)
		return;
	printf("  not supported yet (refused):\n   ");
	for (i = 0; i < NR_CMDS; i++)
		if (cmd_table[i].state == CMD_LATER)
			printf(" %s", cmd_table[i].name);
	printf("\n");
}
