/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plugin.h - criu's side of the plugin API (criu/plugin/): loading the plugins of --libdir,
 * their init and exit around a dump or restore, and the calls of their hooks.
 *
 * Without a plugin loaded every call here returns at once (one test of a counter): the hot
 * paths pay nothing. A hook that fails is logged here, naming the plugin and the hook; the
 * caller only passes the code up.
 */
#ifndef CRIU_PLUGIN_INTERNAL_H
#define CRIU_PLUGIN_INTERNAL_H

#include <errno.h>
#include <stdbool.h>

#include "criu-plugin.h"
#include "mm.pb-c.h"

/* Where plugins are looked for without --libdir; a missing default directory is no error. */
#ifndef CR_PLUGIN_DEFAULT_DIR
#define CR_PLUGIN_DEFAULT_DIR "/usr/lib/criu"
#endif

struct cr_plugin {
	cr_plugin_desc_t *desc;
	void *handle;
	char *path;
	bool inited;
};

/* dlopen every *.so of dir (NULL: the default), in name order; 0 or -errno (logged). */
int cr_plugins_load(const char *dir);
/* Load, then init(stage) each; images_dfd is what criu_get_image_dir() answers. */
int cr_plugins_init(const char *dir, int stage, int images_dfd);
/* A restored task's own fd of the images directory, answered by criu_get_image_dir(). */
void cr_plugin_set_image_dir(int dfd);
/* exit(stage, ret) of each plugin whose init ran, then unload them all. */
void cr_plugins_fini(int stage, int ret);
/* Is a plugin loaded that has this hook? */
bool cr_plugin_has_hook(int hook);
/* `criu check`: load the plugins, print their names, unload them; 0 or -errno. */
int cr_plugins_report(const char *dir);
/* The loaded plugins, in load order, for `criu check`; *nr is their count. */
const struct cr_plugin *cr_plugins_list(unsigned int *nr);

/* plugin/dump-hooks.c: the dump's device hooks (0 when no plugin took them) */
struct dump_tree;
/* PAUSE_DEVICES, then CHECKPOINT_DEVICES, for each live task of the seized tree */
int plugins_dump_devices(struct dump_tree *dt);
/* DUMP_DEVICES_LATE(root pid), every task dumped */
int plugins_dump_devices_late(struct dump_tree *dt);
/* DUMP_FINISH(failed), before the tree is released */
int plugins_dump_finish(int failed);

/*
 * plugin/vma.c. Dump: does a plugin take the mapping of this character device
 * (HANDLE_DEVICE_VMA)? 1 yes (the VMA gets VMA_EXT_PLUGIN), 0 no, -errno (logged).
 */
int plugin_claim_device_vma(const char *map_link, const char *path, const struct stat *st);
/*
 * Restore: the fd to map a VMA_EXT_PLUGIN mapping from, at *pgoff (UPDATE_VMA_MAP may give
 * both; else the device's path at the dumped offset). Refused when no plugin is loaded.
 */
struct rst_ctx;
int plugin_device_vma_fd(const struct rst_ctx *ctx, const VmaEntry *v, int flags, uint64_t *pgoff,
			 const char *what);

/*
 * plugin/ns-hooks.c. Dump: does a plugin take a mount criu can't save (DUMP_EXT_MOUNT), or a
 * link of a kind criu doesn't know (DUMP_EXT_LINK)? 1 yes, 0 no, -errno (logged).
 */
int plugin_dump_ext_mount(const char *mountpoint, int mnt_id);
int plugin_dump_ext_link(int ifindex, int type, const char *kind);
/* Restore: is a plugin loaded that restores mounts? 0, or -ENOENT (logged, saying --libdir) */
int plugin_ext_mount_check(int mnt_id, const char *mountpoint);
/* RESTORE_EXT_MOUNT: the plugin makes mount mnt_id (dumped at mountpoint) at path; 0/-errno */
int plugin_restore_ext_mount(int mnt_id, const char *mountpoint, const char *path);

/* RESTORE_INIT, once the images are read (0 when no plugin has it) */
int plugins_restore_init(void);

/* The next plugin after prev (NULL: the first) that has the hook, or NULL. */
const struct cr_plugin *cr_plugin_next(const struct cr_plugin *prev, int hook);
/* Logs a hook's failure, naming the plugin; returns ret. */
int cr_plugin_failed(const struct cr_plugin *p, int hook, int ret);

/*
 * run_plugins(HOOK, args...): asks each plugin with CR_PLUGIN_HOOK__HOOK in turn until one
 * answers other than -ENOTSUP, and returns that answer; -ENOTSUP if none took it (or none
 * has the hook). A negative answer is logged as the plugin's failure.
 */
#define run_plugins(__hook, ...)                                                                   \
	({                                                                                         \
		const struct cr_plugin *__p = NULL;                                                \
		int __ret = -ENOTSUP;                                                              \
		while ((__p = cr_plugin_next(__p, CR_PLUGIN_HOOK__##__hook))) {                    \
			__ret = ((CR_PLUGIN_HOOK__##__hook##_t *)                                  \
					 __p->desc->hooks[CR_PLUGIN_HOOK__##__hook])(__VA_ARGS__); \
			if (__ret == -ENOTSUP)                                                     \
				continue;                                                          \
			if (__ret < 0)                                                             \
				cr_plugin_failed(__p, CR_PLUGIN_HOOK__##__hook, __ret);            \
			break;                                                                     \
		}                                                                                  \
		__ret;                                                                             \
	})

#endif /* CRIU_PLUGIN_INTERNAL_H */
