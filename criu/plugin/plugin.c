/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plugin/plugin.c - loading plugins (every *.so of --libdir, in name order), their init and
 * exit around a run, and what run_plugins() needs to walk them (plugin.h).
 *
 * A plugin is refused at load, naming its file, when it has no CR_PLUGIN_DESC, no name, or
 * a version older than the descriptor API (CRIU_PLUGIN_VERSION_OLD).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdstore.h"
#include "log.h"
#include "plugin.h"

static struct cr_plugin *plugins;
static unsigned int nr_plugins;
static int plugin_images_dfd = -1;

static const char *const hook_names[CR_PLUGIN_HOOK__MAX] = {
	[CR_PLUGIN_HOOK__DUMP_UNIX_SK] = "DUMP_UNIX_SK",
	[CR_PLUGIN_HOOK__RESTORE_UNIX_SK] = "RESTORE_UNIX_SK",
	[CR_PLUGIN_HOOK__DUMP_EXT_FILE] = "DUMP_EXT_FILE",
	[CR_PLUGIN_HOOK__RESTORE_EXT_FILE] = "RESTORE_EXT_FILE",
	[CR_PLUGIN_HOOK__DUMP_EXT_MOUNT] = "DUMP_EXT_MOUNT",
	[CR_PLUGIN_HOOK__RESTORE_EXT_MOUNT] = "RESTORE_EXT_MOUNT",
	[CR_PLUGIN_HOOK__DUMP_EXT_LINK] = "DUMP_EXT_LINK",
	[CR_PLUGIN_HOOK__HANDLE_DEVICE_VMA] = "HANDLE_DEVICE_VMA",
	[CR_PLUGIN_HOOK__UPDATE_VMA_MAP] = "UPDATE_VMA_MAP",
	[CR_PLUGIN_HOOK__RESUME_DEVICES_LATE] = "RESUME_DEVICES_LATE",
	[CR_PLUGIN_HOOK__PAUSE_DEVICES] = "PAUSE_DEVICES",
	[CR_PLUGIN_HOOK__CHECKPOINT_DEVICES] = "CHECKPOINT_DEVICES",
	[CR_PLUGIN_HOOK__POST_FORKING] = "POST_FORKING",
	[CR_PLUGIN_HOOK__RESTORE_INIT] = "RESTORE_INIT",
	[CR_PLUGIN_HOOK__DUMP_DEVICES_LATE] = "DUMP_DEVICES_LATE",
	[CR_PLUGIN_HOOK__UPDATE_INETSK] = "UPDATE_INETSK",
	[CR_PLUGIN_HOOK__DUMP_FINISH] = "DUMP_FINISH",
};

int criu_get_image_dir(void)
{
	return plugin_images_dfd;
}

void cr_plugin_set_image_dir(int dfd)
{
	plugin_images_dfd = dfd;
}

void print_on_level(unsigned int loglevel, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	log_vprint(loglevel > LOG_DEBUG ? LOG_DEBUG : (int)loglevel, "plugin", 0, format, ap);
	va_end(ap);
}

static bool is_plugin_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 3 && !strcmp(d->d_name + n - 3, ".so");
}

static int plugin_filter(const struct dirent *d)
{
	return is_plugin_file(d);
}

/* The descriptor of a loaded object, checked; NULL (logged) if it is no plugin of ours. */
static cr_plugin_desc_t *plugin_desc(void *handle, const char *path)
{
	cr_plugin_desc_t *d = dlsym(handle, "CR_PLUGIN_DESC");

	if (!d) {
		pr_err("%s is no criu plugin (no CR_PLUGIN_DESC): remove it from the plugin "
		       "directory\n",
		       path);
		return NULL;
	}
	if (!d->name || d->version <= CRIU_PLUGIN_VERSION_OLD) {
		pr_err("Plugin %s has %s: rebuild it against criu-plugin.h\n", path,
		       d->name ? "a pre-descriptor version" : "no name");
		return NULL;
	}
	return d;
}

static int load_one(const char *dir, const char *name)
{
	struct cr_plugin *p, *grown;
	char path[PATH_MAX];
	int ret = -ENOMEM;
	void *handle;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		pr_err("Plugin path %s/%s is too long\n", dir, name);
		return -ENAMETOOLONG;
	}
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		pr_err("Can't load plugin %s: %s\n", path, dlerror());
		return -ENOEXEC;
	}
	grown = realloc(plugins, (nr_plugins + 1) * sizeof(*plugins));
	if (!grown)
		goto out_close;
	plugins = grown;
	p = &plugins[nr_plugins];
	p->handle = handle;
	p->inited = false;
	p->desc = plugin_desc(handle, path);
	if (!p->desc) {
		ret = -ENOEXEC;
		goto out_close;
	}
	p->path = strdup(path);
	if (!p->path)
		goto out_close;
	nr_plugins++;
	pr_info("Loaded plugin %s (%s, version %#x, %u hooks)\n", p->desc->name, path,
		p->desc->version, p->desc->max_hooks);
	return 0;
out_close:
	dlclose(handle);
	return ret;
}

int cr_plugins_load(const char *dir)
{
	const char *d = dir ? dir : CR_PLUGIN_DEFAULT_DIR;
	struct dirent **names;
	int i, n, ret = 0;

	if (nr_plugins)
		return 0;
	n = scandir(d, &names, plugin_filter, alphasort);
	if (n < 0) {
		if (!dir && errno == ENOENT)
			return 0;
		pr_perror("Can't read the plugin directory %s (--libdir)", d);
		return -errno;
	}
	for (i = 0; i < n; i++) {
		if (!ret)
			ret = load_one(d, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	if (ret)
		cr_plugins_fini(CR_PLUGIN_STAGE_MAX, ret);
	return ret;
}

int cr_plugins_init(const char *dir, int stage, int images_dfd)
{
	unsigned int i;
	int ret;

	plugin_images_dfd = images_dfd;
	ret = cr_plugins_load(dir);
	for (i = 0; !ret && i < nr_plugins; i++) {
		struct cr_plugin *p = &plugins[i];

		ret = p->desc->init ? p->desc->init(stage) : 0;
		if (ret) {
			pr_err("Plugin %s (%s) failed to start: %d\n", p->desc->name, p->path, ret);
			ret = ret < 0 ? ret : -EIO;
			break;
		}
		p->inited = true;
	}
	if (ret)
		cr_plugins_fini(stage, ret);
	return ret;
}

void cr_plugins_fini(int stage, int ret)
{
	unsigned int i;

	for (i = nr_plugins; i-- > 0;) {
		struct cr_plugin *p = &plugins[i];

		if (p->inited && p->desc->exit)
			p->desc->exit(stage, ret);
		dlclose(p->handle);
		free(p->path);
	}
	free(plugins);
	plugins = NULL;
	fdstore_close();
	nr_plugins = 0;
	plugin_images_dfd = -1;
}

const struct cr_plugin *cr_plugins_list(unsigned int *nr)
{
	*nr = nr_plugins;
	return plugins;
}

const struct cr_plugin *cr_plugin_next(const struct cr_plugin *prev, int hook)
{
	unsigned int i = prev ? (unsigned int)(prev - plugins) + 1 : 0;

	for (; i < nr_plugins; i++)
		if ((unsigned int)hook < plugins[i].desc->max_hooks &&
		    (unsigned int)hook < CR_PLUGIN_HOOK__MAX && plugins[i].desc->hooks[hook])
			return &plugins[i];
	return NULL;
}

bool cr_plugin_has_hook(int hook)
{
	return nr_plugins && cr_plugin_next(NULL, hook);
}

int cr_plugin_failed(const struct cr_plugin *p, int hook, int ret)
{
	pr_err("Plugin %s (%s) failed in %s: %d (%s)\n", p->desc->name, p->path, hook_names[hook],
	       ret, strerror(ret < 0 ? -ret : ret));
	return ret;
}

int cr_plugins_report(const char *dir)
{
	unsigned int i;
	int ret;

	ret = cr_plugins_load(dir);
	if (ret)
		return ret;
	/* CRIU's check prints nothing of plugins: scripts compare its output without any */
	if (nr_plugins)
		pr_msg("Plugins loaded: %u\n", nr_plugins);
	for (i = 0; i < nr_plugins; i++)
		pr_msg("  %s (%s)\n", plugins[i].desc->name, plugins[i].path);
	cr_plugins_fini(CR_PLUGIN_STAGE_MAX, 0);
	return 0;
}

int plugins_restore_init(void)
{
	/* CRIU's plugins may store files from RESTORE_INIT on */
	int ret = fdstore_init() ?: run_plugins(RESTORE_INIT);

	return ret == -ENOTSUP ? 0 : ret;
}
