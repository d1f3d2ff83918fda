/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plugin/ext-file.c - files no handler of criu takes, offered to the plugins
 * (DUMP_EXT_FILE, RESTORE_EXT_FILE). The handler comes last in the table and matches only
 * while a plugin has the dump hook; the plugin saves what it needs in images of its own, the
 * FileEntry (EXT) keeps the id and the owner.
 */
#include <stdlib.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "plugin.h"

static bool ext_file_match(const struct fd_parms *p)
{
	return cr_plugin_has_hook(CR_PLUGIN_HOOK__DUMP_EXT_FILE);
}

static int ext_file_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	ExtFileEntry *e = malloc(sizeof(*e));
	int fd, ret;

	if (!e)
		return -ENOMEM;
	ext_file_entry__init(e);
	fe->ext = e;
	e->id = fe->id;
	e->fown = p->fown;
	/* the plugin gets criu's copy of the open file, as CRIU gives it */
	fd = p->in_flight ? dup(p->fd) : task_fd_take(p->pid, p->fd);
	if (fd < 0)
		return fd;
	ret = run_plugins(DUMP_EXT_FILE, fd, (int)fe->id);
	close(fd);
	if (ret == -ENOTSUP) {
		pr_err("fd %d of task %d is %s: no criu handler nor plugin (DUMP_EXT_FILE) takes "
		       "this kind of file\n",
		       p->fd, p->pid, p->link);
		return -EOPNOTSUPP;
	}
	if (ret < 0)
		pr_err("fd %d of task %d (%s): its plugin could not dump it\n", p->fd, p->pid,
		       p->link);
	return ret < 0 ? ret : 0;
}

static int ext_file_check(const FileEntry *fe)
{
	if (!fe->ext || fe->ext->id != fe->id) {
		pr_err("files.img: file id %u has a bad external file entry\n", fe->id);
		return -EINVAL;
	}
	if (!cr_plugin_has_hook(CR_PLUGIN_HOOK__RESTORE_EXT_FILE)) {
		pr_err("File id %u was saved by a plugin, and no plugin loaded restores it: give "
		       "the plugin's directory with --libdir\n",
		       fe->id);
		return -ENOENT;
	}
	return 0;
}

/*
 * CRIU's retry: a plugin that sets *retry_needed and answers no error is asked again once
 * the task's other files are made, then until the file it waits for exists (another task may
 * make it; files/restore.c waits). What it answered with the retry is no fd.
 */
static int ext_file_open(struct rst_fds *rf, const FileEntry *fe)
{
	bool retry = false;
	int fd;

	fd = run_plugins(RESTORE_EXT_FILE, (int)fe->id, &retry);
	if (fd == -ENOTSUP)
		pr_err("No plugin restores file id %u (RESTORE_EXT_FILE)\n", fe->id);
	else if (fd >= 0 && retry) {
		pr_debug("plugin file id %u: the plugin asks to be called again\n", fe->id);
		return -EAGAIN;
	}
	return fd;
}

static FownEntry *ext_file_fown(const FileEntry *fe)
{
	return fe->ext ? fe->ext->fown : NULL;
}

const struct fd_handler ext_file_handler = {
	.type = FD_TYPES__EXT,
	.name = "plugin file",
	.match = ext_file_match,
	.dump = ext_file_dump,
	.check = ext_file_check,
	.open = ext_file_open,
	.fown = ext_file_fown,
};
