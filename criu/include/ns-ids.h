/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns-ids.h - namespace ids in the images, numbered as CRIU numbers them: criu's own
 * namespaces are met first, in CRIU's order (pid, net, ipc, uts, time, mnt, user, cgroup),
 * and get 1 to 8; a namespace met later gets the next free number. inventory.root_ids holds
 * criu's own, ids-PID.img each task's: equal ids mean the same namespace.
 * May call: libc, log.
 */
#ifndef CRIU_NS_IDS_H
#define CRIU_NS_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.pb-c.h"

#define NS_IDS_KINDS 8
#define NS_IDS_MAX   64
struct userns_maps;
struct userns_nested_dump;

struct dump_pid_map;

struct ns_ids {
	struct {
		unsigned int kind; /* index in CRIU's order */
		ino_t ino;
	} seen[NS_IDS_MAX]; /* seen[i] has id i + 1 */
	size_t nr;
	/* ns/ns-dump.c: the root task's ids, and which of its kinds are not criu's */
	uint32_t root[NS_IDS_KINDS];
	unsigned int root_own; /* NS_BIT(kind) */
	bool in_tree_ipc;      /* criu entered the tree's ipc namespace; criu_ipc_fd is its own */
	int criu_ipc_fd;
	struct dump_pid_map *pids; /* ns/pid-dump.c: a pid namespace of its own, or NULL */
	struct userns_maps *user;  /* ns/userns-dump.c: the root's own user namespace, or NULL */
	struct userns_nested_dump *nested; /* ns/userns-nested-dump.c: those below it, or NULL */
};

/* Kinds, in CRIU's order (the index of ns_ids.seen[].kind and root[]) */
enum { NS_PID, NS_NET, NS_IPC, NS_UTS, NS_TIME, NS_MNT, NS_USER, NS_CGROUP };
#define NS_BIT(kind) (1u << (kind))

/* Number criu's own namespaces (1 to 8). Returns 0 or -errno. */
int ns_ids_init(struct ns_ids *n);
/* The namespace ids of task pid (getpid() for criu's own). Returns 0 or -errno. */
int ns_ids_fill(struct ns_ids *n, pid_t pid, TaskKobjIdsEntry *ids);

#endif /* CRIU_NS_IDS_H */
