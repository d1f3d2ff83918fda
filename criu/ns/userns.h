/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/userns.h - the tree root's user namespace, one level below criu's (userns-map.c,
 * userns-dump.c, userns-restore.c). Its uid and gid maps go to userns-ID.img (CRIU's),
 * whether setgroups(2) is allowed in it to userns-extra-ID.img (ours). The creds of the core
 * images are the ids as the task sees them inside (CRIU's convention): the dump translates
 * /proc/PID/status, which shows criu's view, with the maps. Private to ns/.
 */
#ifndef CRIU_NS_USERNS_H
#define CRIU_NS_USERNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* criu's pid namespace and the tree's: the levels whose ns_last_pid criu sets for a thread */
#define USERNS_THREAD_LEVELS 2

/* the kernel's limit of lines in a map */
#define USERNS_MAX_EXTENTS 340

struct userns_extent {
	uint32_t first; /* the first id inside */
	uint32_t lower; /* its id in the parent namespace (criu's) */
	uint32_t count;
};

struct userns_map {
	struct userns_extent e[USERNS_MAX_EXTENTS];
	size_t nr;
};

struct userns_maps {
	struct userns_map uid, gid;
	bool setgroups; /* "allow" */
	/* a nested namespace's (userns-nested-*.c): its parent's id in the images, 0 for the
	 * root's own; its owner's uid as criu sees it */
	uint32_t parent;
	bool has_owner;
	uint32_t owner;
};

/* user namespaces below the tree root's, each with a task of the tree in it */
#define USERNS_MAX_NESTED 16

/* userns-map.c */
/* Parse the text of a uid_map or gid_map file ("first lower count" lines); 0 or -EINVAL. */
int userns_map_parse(const char *text, struct userns_map *m);
/* Read /proc/PID/{uid,gid}_map and setgroups, as criu sees them. 0 or -errno, logged. */
int userns_maps_read(pid_t pid, struct userns_maps *m);
/* An id of the parent namespace inside, and back; false when the map has no such id. */
bool userns_id_inside(const struct userns_map *m, uint32_t outside, uint32_t *inside);
bool userns_id_outside(const struct userns_map *m, uint32_t inside, uint32_t *outside);
/* The map as a uid_map file wants it into buf; the length, or -ENOSPC. */
int userns_map_format(const struct userns_map *m, char *buf, size_t len);
/*
 * m, whose lower ids are criu's view, with them in its parent's view instead (pm: the
 * parent's map, lower ids criu's view), an extent split where it spans two of pm's; 0, or
 * -EINVAL when an id is not in pm or there are too many extents.
 */
int userns_map_to_parent(const struct userns_map *m, const struct userns_map *pm,
			 struct userns_map *out);

/* userns-unmapped.c: an id the map lacks (criu's view) as the overflow id the task sees, or
 * -EOPNOTSUPP (logged) when that can't be restored; and back: true, with the id the task
 * keeps, when an image's id stands for an unmapped one. */
int userns_unmapped_dump(const struct userns_map *m, bool gid, pid_t pid, const char *what,
			 uint32_t *id);
bool userns_unmapped_rst(const struct userns_map *m, bool gid, uint32_t id, uint32_t *kept);

/* userns-restore.c: userns-ID.img and userns-extra-ID.img into m; setgroups, uid_map and
 * gid_map of pid's user namespace written (as criu, or from the namespace's parent). 0 or
 * -errno, logged. */
int userns_read_maps(int dfd, uint32_t id, struct userns_maps *m);
int userns_write_maps(pid_t pid, const struct userns_maps *m);

/* userns-nested-rst.c, in criu: the namespaces below the root's (id), read from the images,
 * then made in order below it (root_fd, its maps in criu's view; -1 and NULL: criu's), each
 * opened above fd_top. any: are there such namespaces? */
struct rst_ctx;
int userns_nested_rst_prepare(const struct rst_ctx *ctx, uint32_t root_id);
bool userns_nested_rst_any(void);
int userns_nested_rst_make(int root_fd, const struct userns_maps *root_maps, int fd_top);
/* A task's fd of nested namespace id and its maps; -1 for one that is not nested. */
int rst_ns_nested_user_fd(uint32_t id, const struct userns_maps **maps);
/* The maps of nested namespace id, NULL for one that is not nested. */
const struct userns_maps *userns_nested_rst_maps(uint32_t id);
/* the fds closed (once the task is in), copied at min or above (a shared fd table) */
void userns_nested_rst_close_fds(void);
int userns_nested_rst_own_fds(int min);
/* the helpers killed once the tree is in place; all freed */
void userns_nested_rst_drop(void);
void userns_nested_rst_free(void);

/* userns-restore.c, in the child that clones the root inside: the root's groups, as criu
 * sees them (the user namespace may deny setgroups). 0 or -errno, logged. */
struct rst_task;
int userns_rst_set_groups(const struct rst_ctx *ctx, const struct rst_task *t);

/* userns-inside.c: the ns_last_pid of the caller's active pid namespace, read (0 if it
 * can't be) and written (0 or -errno, quietly) */
pid_t ns_last_pid_read(void);
int ns_last_pid_write(pid_t last);

#endif /* CRIU_NS_USERNS_H */
