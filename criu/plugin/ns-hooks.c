/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plugin/ns-hooks.c - the plugins' say on what criu can't save of the tree's namespaces, as
 * CRIU asks them: a mount (DUMP_EXT_MOUNT, then RESTORE_EXT_MOUNT makes it) and a network
 * link of a kind criu doesn't know (DUMP_EXT_LINK: only its parameters are saved, on a link
 * someone else makes before the restore fills the namespace, as CRIU has it).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugin.h"

/* The hooks take char * (CRIU's signatures): each gets a copy it may change. */
static char *hook_copy(const char *s)
{
	char *copy = strdup(s ? s : "");

	if (!copy)
		pr_err("No memory for a plugin hook's argument\n");
	return copy;
}

int plugin_dump_ext_mount(const char *mountpoint, int mnt_id)
{
	char *mp;
	int ret;

	if (!cr_plugin_has_hook(CR_PLUGIN_HOOK__DUMP_EXT_MOUNT))
		return 0;
	mp = hook_copy(mountpoint);
	if (!mp)
		return -ENOMEM;
	ret = run_plugins(DUMP_EXT_MOUNT, mp, mnt_id);
	free(mp);
	if (ret == -ENOTSUP)
		return 0;
	if (!ret)
		pr_info("mount %d at %s: a plugin saved it (DUMP_EXT_MOUNT)\n", mnt_id, mountpoint);
	return ret < 0 ? ret : 1;
}

int plugin_ext_mount_check(int mnt_id, const char *mountpoint)
{
	if (cr_plugin_has_hook(CR_PLUGIN_HOOK__RESTORE_EXT_MOUNT))
		return 0;
	pr_err("Mount %d at %s was saved by a plugin, and no plugin loaded restores it "
	       "(RESTORE_EXT_MOUNT): give the plugin's directory with --libdir\n",
	       mnt_id, mountpoint);
	return -ENOENT;
}

int plugin_restore_ext_mount(int mnt_id, const char *mountpoint, const char *path)
{
	char *mp = hook_copy(path), *old_root = hook_copy("/");
	int is_file = 0, ret = -ENOMEM;

	if (mp && old_root)
		ret = run_plugins(RESTORE_EXT_MOUNT, mnt_id, mp, old_root, &is_file);
	free(mp);
	free(old_root);
	if (ret == -ENOTSUP)
		pr_err("No plugin restores mount %d at %s (RESTORE_EXT_MOUNT)\n", mnt_id,
		       mountpoint);
	else if (ret > 0)
		ret = -EINVAL; /* a plugin's answer is 0 or an error */
	return ret;
}

int plugin_dump_ext_link(int ifindex, int type, const char *kind)
{
	char *k;
	int ret;

	if (!cr_plugin_has_hook(CR_PLUGIN_HOOK__DUMP_EXT_LINK))
		return 0;
	k = hook_copy(kind);
	if (!k)
		return -ENOMEM;
	ret = run_plugins(DUMP_EXT_LINK, ifindex, type, k);
	free(k);
	if (ret == -ENOTSUP)
		return 0;
	return ret < 0 ? ret : 1;
}
