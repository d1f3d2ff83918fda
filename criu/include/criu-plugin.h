/* SPDX-License-Identifier: GPL-2.0 */
/*
 * criu-plugin.h - what a criu plugin sees of criu; installed as <criu/criu-plugin.h>.
 *
 * A plugin is a shared object in the plugin directory (--libdir, -L) that defines one
 * cr_plugin_desc_t named CR_PLUGIN_DESC (CR_PLUGIN_REGISTER) and fills its hooks table from
 * constructors (CR_PLUGIN_REGISTER_HOOK). Names, numbers and call signatures are CRIU's, so a
 * plugin written for CRIU builds against this header unchanged.
 *
 * Every hook returns -ENOTSUP for "not mine": criu then asks the next plugin. Any other
 * negative value fails the dump or restore, naming the plugin. Documentation/plugins.md says
 * where criu calls each hook.
 */
#ifndef CRIU_PLUGIN_H
#define CRIU_PLUGIN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#define CRIU_PLUGIN_GEN_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))
#define CRIU_PLUGIN_VERSION_MAJOR	 0
#define CRIU_PLUGIN_VERSION_MINOR	 2
#define CRIU_PLUGIN_VERSION_SUBLEVEL	 0
/* The first descriptor-less plugins (exported cr_plugin_init & co): refused. */
#define CRIU_PLUGIN_VERSION_OLD CRIU_PLUGIN_GEN_VERSION(0, 1, 0)
#define CRIU_PLUGIN_VERSION                                                           \
	CRIU_PLUGIN_GEN_VERSION(CRIU_PLUGIN_VERSION_MAJOR, CRIU_PLUGIN_VERSION_MINOR, \
				CRIU_PLUGIN_VERSION_SUBLEVEL)

/* The hook points; the numbers index cr_plugin_desc_t.hooks and never change. */
enum {
	CR_PLUGIN_HOOK__DUMP_UNIX_SK = 0,
	CR_PLUGIN_HOOK__RESTORE_UNIX_SK = 1,
	CR_PLUGIN_HOOK__DUMP_EXT_FILE = 2,
	CR_PLUGIN_HOOK__RESTORE_EXT_FILE = 3,
	CR_PLUGIN_HOOK__DUMP_EXT_MOUNT = 4,
	CR_PLUGIN_HOOK__RESTORE_EXT_MOUNT = 5,
	CR_PLUGIN_HOOK__DUMP_EXT_LINK = 6,
	CR_PLUGIN_HOOK__HANDLE_DEVICE_VMA = 7,
	CR_PLUGIN_HOOK__UPDATE_VMA_MAP = 8,
	CR_PLUGIN_HOOK__RESUME_DEVICES_LATE = 9,
	CR_PLUGIN_HOOK__PAUSE_DEVICES = 10,
	CR_PLUGIN_HOOK__CHECKPOINT_DEVICES = 11,
	CR_PLUGIN_HOOK__POST_FORKING = 12,
	CR_PLUGIN_HOOK__RESTORE_INIT = 13,
	CR_PLUGIN_HOOK__DUMP_DEVICES_LATE = 14,
	CR_PLUGIN_HOOK__UPDATE_INETSK = 15,
	CR_PLUGIN_HOOK__DUMP_FINISH = 16,

	CR_PLUGIN_HOOK__MAX
};

/* HOOK_t is the type of the function registered for CR_PLUGIN_HOOK__HOOK. */
#define DECLARE_PLUGIN_HOOK_ARGS(__hook, ...) typedef int(__hook##_t)(__VA_ARGS__)

/* fd: criu's copy of the task's socket or file; id: its id in the images. */
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__DUMP_UNIX_SK, int fd, int id);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__RESTORE_UNIX_SK, int id);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__DUMP_EXT_FILE, int fd, int id);
/* Returns the new fd; *retry_needed asks to be called again once other files exist. */
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__RESTORE_EXT_FILE, int id, bool *retry_needed);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__DUMP_EXT_MOUNT, char *mountpoint, int id);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__RESTORE_EXT_MOUNT, int id, char *mountpoint,
			 char *old_root, int *is_file);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__DUMP_EXT_LINK, int index, int type, char *kind);
/* fd: criu's fd on the mapped device; 0 claims the mapping (its pages are the plugin's). */
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__HANDLE_DEVICE_VMA, int fd, const struct stat *stat);
/* A claimed mapping at restore: the plugin may give another offset and an fd to map. */
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__UPDATE_VMA_MAP, const char *path, const uint64_t addr,
			 const uint64_t old_pgoff, uint64_t *new_pgoff, int *plugin_fd);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__RESUME_DEVICES_LATE, int pid);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__PAUSE_DEVICES, int pid);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__CHECKPOINT_DEVICES, int pid);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__POST_FORKING, void);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__RESTORE_INIT, void);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__DUMP_DEVICES_LATE, int id);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__UPDATE_INETSK, uint32_t family, uint32_t state,
			 uint32_t *src_ip, uint32_t *dst_ip);
DECLARE_PLUGIN_HOOK_ARGS(CR_PLUGIN_HOOK__DUMP_FINISH, int ret);

/* What init() and exit() are told criu is doing. */
enum {
	CR_PLUGIN_STAGE__DUMP,
	CR_PLUGIN_STAGE__PRE_DUMP,
	CR_PLUGIN_STAGE__RESTORE,

	CR_PLUGIN_STAGE_MAX
};

typedef struct {
	const char *name;
	int (*init)(int stage);		  /* 0, or the run fails */
	void (*exit)(int stage, int ret); /* ret: the run's result, 0 if it succeeded */
	unsigned int version;		  /* CRIU_PLUGIN_VERSION the plugin was built with */
	unsigned int max_hooks;		  /* entries of hooks[] the plugin knows */
	void *hooks[CR_PLUGIN_HOOK__MAX];
} cr_plugin_desc_t;

/* exported even from a plugin built with -fvisibility=hidden: criu looks it up */
extern cr_plugin_desc_t CR_PLUGIN_DESC __attribute__((visibility("default")));

#define CR_PLUGIN_REGISTER(___name, ___init, ___exit) \
	cr_plugin_desc_t CR_PLUGIN_DESC = {           \
		.name = ___name,                      \
		.init = ___init,                      \
		.exit = ___exit,                      \
		.version = CRIU_PLUGIN_VERSION,       \
		.max_hooks = CR_PLUGIN_HOOK__MAX,     \
	};

static inline int cr_plugin_dummy_init(int stage)
{
	return 0;
}

static inline void cr_plugin_dummy_exit(int stage, int ret)
{
}

#define CR_PLUGIN_REGISTER_DUMMY(___name) \
	CR_PLUGIN_REGISTER(___name, cr_plugin_dummy_init, cr_plugin_dummy_exit)

/* Fills the hook's slot when the object is loaded, before criu reads the descriptor. */
#define CR_PLUGIN_REGISTER_HOOK(__hook, __func)                                         \
	static void __attribute__((constructor)) cr_plugin_register_hook_##__func(void) \
	{                                                                               \
		CR_PLUGIN_DESC.hooks[__hook] = (void *)__func;                          \
	}

/* criu's functions a plugin may call. */
/* The images directory, open: plugins write their own images there (mode 0600). */
extern int criu_get_image_dir(void);
/* criu's log, CRIU's levels: 0 message, 1 error, 2 warning, 3 info, 4 debug. */
extern void print_on_level(unsigned int loglevel, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* CRIU_PLUGIN_H */
