/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/internal.h - what the files of criu/cgroup/ share; private to the folder.
 *
 * A hierarchy is named as /proc/PID/cgroup names it: its controllers joined by commas
 * ("cpu,cpuacct", "name=systemd") or "" for cgroup2. criu reaches it at a mount of its own
 * namespace (mountinfo, the hierarchy's root mounted) or, with --cgroup-yard, in a folder of
 * the yard named by its controllers without "name=" ("cpu,cpuacct", "systemd"; "unified"
 * for cgroup2).
 */
#ifndef CRIU_CGROUP_INTERNAL_H
#define CRIU_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cg_hier {
	char *ctls; /* "" for cgroup2 */
	char *dir;  /* the hierarchy's root in criu's file system */
};

struct cg_hiers {
	struct cg_hier **h; /* each allocated alone: pointers to them stay valid */
	size_t nr;
};

/* The hierarchy of ctls: found in the yard or among the mounts, added to hs. NULL: said. */
const struct cg_hier *cg_hier_get(struct cg_hiers *hs, const char *yard, const char *ctls);
void cg_hiers_free(struct cg_hiers *hs);
/* How a hierarchy is called in messages, --cgroup-root and --cgroup-props */
const char *cg_hier_label(const char *ctls);

/* One line of /proc/PID/cgroup */
struct cg_member {
	char *ctls;
	char *path; /* absolute, in the reader's cgroup namespace */
};

struct cg_members {
	struct cg_member *m;
	size_t nr;
};

/* 0 or -EINVAL (said) for a malformed line, -ENOMEM */
int cg_parse_proc_buf(const char *buf, struct cg_members *out);
/* /proc/PID/task/TID/cgroup; tid 0: /proc/PID/cgroup */
int cg_parse_proc(pid_t pid, pid_t tid, struct cg_members *out);
/* /proc/self/cgroup as the caller sees it */
int cg_parse_self(struct cg_members *out);
void cg_members_free(struct cg_members *ms);

/* The properties saved per controller: CRIU's list, --cgroup-props and its file on top. */
struct cg_prop_list {
	char *ctl;
	char **props;
	size_t nr;
};

struct cg_props {
	struct cg_prop_list *l;
	size_t nr;
};

int cg_props_init(struct cg_props *p, const char *text, const char *file);
/* "" (cgroup2) is "unified" here, as in CRIU's lists */
const struct cg_prop_list *cg_props_of(const struct cg_props *p, const char *ctl);
void cg_props_free(struct cg_props *p);

/* A distinct cgroup set of the dumped tasks */
struct cg_set {
	uint32_t id;
	struct cg_members ms;
};

/*
 * dump-img.c: cgroup.img of the sets, their cgroups and properties; ns_roots (NULL: criu's
 * cgroup namespace) gives each member's cgns_prefix. 0 or -errno (said).
 */
int cg_write_image(int dfd, struct cg_hiers *hs, const struct cg_props *props,
		   const struct cg_set *sets, size_t nr_sets, const struct cg_members *ns_roots);

/* cgns.c: the roots (criu's view) of task root's own cgroup namespace in each hierarchy of
 * full (its cgroups); 0 or -errno (said) */
int cg_cgns_roots(pid_t root, const struct cg_members *full, struct cg_members *roots);

/* file: read whole (at most len - 1 bytes), trailing newline dropped; 0 or -errno (quiet) */
int cg_read_file(const char *path, char *buf, size_t len);
/* write the value; 0 or -errno (quiet) */
int cg_write_file(const char *path, const char *val);
/* the same, path relative to dir_fd (an O_PATH fd does) */
int cg_write_file_at(int dir_fd, const char *path, const char *val);

#endif /* CRIU_CGROUP_INTERNAL_H */
