/* SPDX-License-Identifier: GPL-2.0 */
/*
 * global.c - the criu_* functions: the criu_local_* ones on one option set of the
 * library's, made by criu_init_opts().
 */
#include <errno.h>

#include "internal.h"

static criu_opts *global_opts;

int criu_init_opts(void)
{
	return criu_local_init_opts(&global_opts);
}

void criu_free_opts(void)
{
	criu_local_free_opts(global_opts);
	global_opts = NULL;
}

#define G_VOID(fn, type)                           \
	void criu_##fn(type val)                   \
	{                                          \
		criu_local_##fn(global_opts, val); \
	}
#define G_INT(fn, type)                                   \
	int criu_##fn(type val)                           \
	{                                                 \
		return criu_local_##fn(global_opts, val); \
	}
#define G_CALL(fn)                                   \
	int criu_##fn(void)                          \
	{                                            \
		return criu_local_##fn(global_opts); \
	}

G_INT(set_service_address, const char *)
G_VOID(set_service_fd, int)
G_INT(set_service_binary, const char *)
G_VOID(set_pid, int)
G_VOID(set_images_dir_fd, int)
G_INT(set_parent_images, const char *)
G_VOID(set_work_dir_fd, int)
G_VOID(set_leave_running, bool)
G_VOID(set_leave_stopped, bool)
G_VOID(set_ext_unix_sk, bool)
G_INT(add_unix_sk, unsigned int)
G_VOID(set_tcp_established, bool)
G_VOID(set_tcp_skip_in_flight, bool)
G_VOID(set_tcp_close, bool)
G_VOID(set_weak_sysctls, bool)
G_VOID(set_evasive_devices, bool)
G_VOID(set_shell_job, bool)
G_VOID(set_skip_file_rwx_check, bool)
G_VOID(set_unprivileged, bool)
G_VOID(set_orphan_pts_master, bool)
G_VOID(set_file_locks, bool)
G_VOID(set_track_mem, bool)
G_VOID(set_auto_dedup, bool)
G_VOID(set_force_irmap, bool)
G_VOID(set_link_remap, bool)
G_VOID(set_log_level, int)
G_INT(set_log_file, const char *)
G_VOID(set_log_to_stderr, bool)
G_VOID(set_display_stats, bool)
G_VOID(set_cpu_cap, unsigned int)
G_INT(set_root, const char *)
G_VOID(set_manage_cgroups, bool)
G_VOID(set_manage_cgroups_mode, enum criu_cg_mode)
G_INT(set_freeze_cgroup, const char *)
G_INT(set_lsm_profile, const char *)
G_INT(set_lsm_mount_context, const char *)
G_VOID(set_timeout, unsigned int)
G_VOID(set_auto_ext_mnt, bool)
G_VOID(set_ext_sharing, bool)
G_VOID(set_ext_masters, bool)
G_INT(add_enable_fs, const char *)
G_INT(add_skip_mnt, const char *)
G_VOID(set_ghost_limit, unsigned int)
G_INT(add_irmap_path, const char *)
G_INT(add_external, const char *)
G_INT(set_pre_dump_mode, enum criu_pre_dump_mode)
G_VOID(set_pidfd_store_sk, int)
G_INT(set_network_lock, enum criu_network_lock_method)
G_VOID(set_mntns_compat_mode, bool)
G_INT(set_config_file, const char *)
G_VOID(set_empty_ns, int)
G_CALL(check)
G_CALL(dump)
G_CALL(pre_dump)
G_CALL(restore)
G_CALL(restore_child)
G_CALL(get_version)

int criu_set_exec_cmd(int argc, char *argv[])
{
	return criu_local_set_exec_cmd(global_opts, argc, argv);
}

int criu_add_ext_mount(const char *key, const char *val)
{
	return criu_local_add_ext_mount(global_opts, key, val);
}

int criu_add_veth_pair(const char *in, const char *out)
{
	return criu_local_add_veth_pair(global_opts, in, out);
}

int criu_add_cg_root(const char *ctrl, const char *path)
{
	return criu_local_add_cg_root(global_opts, ctrl, path);
}

int criu_add_inherit_fd(int fd, const char *key)
{
	return criu_local_add_inherit_fd(global_opts, fd, key);
}

int criu_set_page_server_address_port(const char *address, int port)
{
	return criu_local_set_page_server_address_port(global_opts, address, port);
}

int criu_join_ns_add(const char *ns, const char *ns_file, const char *extra_opt)
{
	return criu_local_join_ns_add(global_opts, ns, ns_file, extra_opt);
}

void criu_set_notify_cb(int (*cb)(char *action, criu_notify_arg_t na))
{
	criu_local_set_notify_cb(global_opts, cb);
}

int criu_dump_iters(int (*more)(criu_predump_info pi))
{
	return criu_local_dump_iters(global_opts, more);
}

int criu_check_version(int minimum)
{
	return criu_local_check_version(global_opts, minimum);
}

int criu_feature_check(struct criu_feature_check *features, size_t size)
{
	return criu_local_feature_check(global_opts, features, size);
}
