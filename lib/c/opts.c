/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opts.c - criu_local_init_opts() and the criu_local_set_* and criu_local_add_* setters:
 * each fills its criu_opts field (rpc.proto) as the name says; criu decides at the request
 * whether it supports what was asked, and says so naming the field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int criu_local_init_opts(criu_opts **o)
{
	criu_opts *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->rpc = malloc(sizeof(*n->rpc));
	n->service_binary = strdup(CRIU_DEFAULT_BINARY);
	if (!n->rpc || !n->service_binary) {
		free(n->rpc);
		free(n->service_binary);
		free(n);
		return -ENOMEM;
	}
	criu_opts__init(n->rpc);
	n->rpc->images_dir_fd = -1;
	n->rpc->has_log_level = true;
	n->rpc->log_level = CRIU_LOG_WARN;
	n->comm = CRIU_COMM_BIN;
	n->service_fd = -1;
	if (*o)
		criu_local_free_opts(*o);
	*o = n;
	return 0;
}

void criu_local_free_opts(criu_opts *o)
{
	if (!o)
		return;
	protobuf_c_message_free_unpacked(&o->rpc->base, NULL);
	free(o->service_address);
	free(o->service_binary);
	free(o);
}

/* Replace a string field with a copy of s (NULL clears it). */
static int set_string(char **field, const char *s)
{
	char *copy = NULL;

	if (s) {
		copy = strdup(s);
		if (!copy)
			return -ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

/* Append one element to a repeated field: *arr grows by one pointer. */
static int append(void ***arr, size_t *n, void *elem)
{
	void **grown = realloc(*arr, (*n + 1) * sizeof(void *));

	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = elem;
	*arr = grown;
	return 0;
}

static int append_string(char ***arr, size_t *n, const char *s)
{
	char *copy = strdup(s ? s : "");

	if (!copy)
		return -ENOMEM;
	if (append((void ***)arr, n, copy)) {
		free(copy);
		return -ENOMEM;
	}
	return 0;
}

int criu_local_set_service_address(criu_opts *o, const char *path)
{
	o->comm = CRIU_COMM_SK;
	return set_string(&o->service_address, path ? path : CRIU_DEFAULT_ADDRESS);
}

void criu_local_set_service_fd(criu_opts *o, int fd)
{
	o->comm = CRIU_COMM_FD;
	o->service_fd = fd;
}

int criu_local_set_service_binary(criu_opts *o, const char *path)
{
	o->comm = CRIU_COMM_BIN;
	return set_string(&o->service_binary, path ? path : CRIU_DEFAULT_BINARY);
}

/* The plain fields: one setter each. */
#define SET_SCALAR(fn, field, type)                      \
	void criu_local_set_##fn(criu_opts *o, type val) \
	{                                                \
		o->rpc->has_##field = true;              \
		o->rpc->field = val;                     \
	}
#define SET_STRING(fn, field)                                  \
	int criu_local_set_##fn(criu_opts *o, const char *val) \
	{                                                      \
		return set_string(&o->rpc->field, val);        \
	}
#define ADD_STRING(fn, field)                                                  \
	int criu_local_add_##fn(criu_opts *o, const char *val)                 \
	{                                                                      \
		return append_string(&o->rpc->field, &o->rpc->n_##field, val); \
	}

SET_SCALAR(pid, pid, int)
SET_SCALAR(work_dir_fd, work_dir_fd, int)
SET_SCALAR(leave_running, leave_running, bool)
SET_SCALAR(leave_stopped, leave_stopped, bool)
SET_SCALAR(ext_unix_sk, ext_unix_sk, bool)
SET_SCALAR(tcp_established, tcp_established, bool)
SET_SCALAR(tcp_skip_in_flight, tcp_skip_in_flight, bool)
SET_SCALAR(tcp_close, tcp_close, bool)
SET_SCALAR(weak_sysctls, weak_sysctls, bool)
SET_SCALAR(evasive_devices, evasive_devices, bool)
SET_SCALAR(shell_job, shell_job, bool)
SET_SCALAR(skip_file_rwx_check, skip_file_rwx_check, bool)
SET_SCALAR(unprivileged, unprivileged, bool)
SET_SCALAR(orphan_pts_master, orphan_pts_master, bool)
SET_SCALAR(file_locks, file_locks, bool)
SET_SCALAR(track_mem, track_mem, bool)
SET_SCALAR(auto_dedup, auto_dedup, bool)
SET_SCALAR(force_irmap, force_irmap, bool)
SET_SCALAR(link_remap, link_remap, bool)
SET_SCALAR(log_level, log_level, int)
SET_SCALAR(log_to_stderr, log_to_stderr, bool)
SET_SCALAR(display_stats, display_stats, bool)
SET_SCALAR(cpu_cap, cpu_cap, unsigned int)
SET_SCALAR(manage_cgroups, manage_cgroups, bool)
SET_SCALAR(timeout, timeout, unsigned int)
SET_SCALAR(auto_ext_mnt, auto_ext_mnt, bool)
SET_SCALAR(ext_sharing, ext_sharing, bool)
SET_SCALAR(ext_masters, ext_masters, bool)
SET_SCALAR(ghost_limit, ghost_limit, unsigned int)
SET_SCALAR(pidfd_store_sk, pidfd_store_sk, int)
SET_SCALAR(mntns_compat_mode, mntns_compat_mode, bool)

SET_STRING(parent_images, parent_img)
SET_STRING(root, root)
SET_STRING(freeze_cgroup, freeze_cgroup)
SET_STRING(lsm_profile, lsm_profile)
SET_STRING(lsm_mount_context, lsm_mount_context)
SET_STRING(config_file, config_file)

ADD_STRING(enable_fs, enable_fs)
ADD_STRING(skip_mnt, skip_mnt)
ADD_STRING(irmap_path, irmap_scan_paths)
ADD_STRING(external, external)
ADD_STRING(cg_dump_controller, cgroup_dump_controller)

void criu_local_set_images_dir_fd(criu_opts *o, int fd)
{
	o->rpc->images_dir_fd = fd;
}

int criu_local_set_log_file(criu_opts *o, const char *log_file)
{
	return set_string(&o->rpc->log_file, log_file);
}

void criu_local_set_manage_cgroups_mode(criu_opts *o, enum criu_cg_mode mode)
{
	o->rpc->has_manage_cgroups_mode = true;
	o->rpc->manage_cgroups_mode = (CriuCgMode)mode;
}

void criu_local_set_empty_ns(criu_opts *o, int namespaces)
{
	o->rpc->has_empty_ns = true;
	o->rpc->empty_ns = namespaces;
}

int criu_local_add_cg_props(criu_opts *o, const char *stream)
{
	return set_string(&o->rpc->cgroup_props, stream);
}

int criu_local_add_cg_props_file(criu_opts *o, const char *path)
{
	return set_string(&o->rpc->cgroup_props_file, path);
}

int criu_local_add_cg_yard(criu_opts *o, const char *path)
{
	return set_string(&o->rpc->cgroup_yard, path);
}

int criu_local_set_exec_cmd(criu_opts *o, int argc, char *argv[])
{
	int i;

	for (i = 0; i < argc; i++)
		if (append_string(&o->rpc->exec_cmd, &o->rpc->n_exec_cmd, argv[i]))
			return -ENOMEM;
	return 0;
}

int criu_local_set_pre_dump_mode(criu_opts *o, enum criu_pre_dump_mode mode)
{
	if (mode != CRIU_PRE_DUMP_SPLICE && mode != CRIU_PRE_DUMP_READ)
		return -EINVAL;
	o->rpc->has_pre_dump_mode = true;
	o->rpc->pre_dump_mode = mode == CRIU_PRE_DUMP_SPLICE ? CRIU_PRE_DUMP_MODE__SPLICE
							     : CRIU_PRE_DUMP_MODE__VM_READ;
	return 0;
}

int criu_local_set_network_lock(criu_opts *o, enum criu_network_lock_method method)
{
	if (method < CRIU_NETWORK_LOCK_IPTABLES || method > CRIU_NETWORK_LOCK_SKIP)
		return -EINVAL;
	o->rpc->has_network_lock = true;
	o->rpc->network_lock = (CriuNetworkLockMethod)method;
	return 0;
}

int criu_local_set_page_server_address_port(criu_opts *o, const char *address, int port)
{
	CriuPageServerInfo *ps = o->rpc->ps;

	if (!ps) {
		ps = malloc(sizeof(*ps));
		if (!ps)
			return -ENOMEM;
		criu_page_server_info__init(ps);
		o->rpc->ps = ps;
	}
	ps->has_port = true;
	ps->port = port;
	return set_string(&ps->address, address);
}

void criu_local_set_notify_cb(criu_opts *o, int (*cb)(char *action, criu_notify_arg_t na))
{
	o->notify = cb;
	o->rpc->has_notify_scripts = true;
	o->rpc->notify_scripts = cb != NULL;
}
