/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opts-pairs.c - the criu_local_add_* setters whose elements are small messages of their
 * own (veth pairs, mount maps, cgroup roots, inherited fds, unix sockets, namespaces).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Two strings, both copied, or -ENOMEM with neither. */
static int copy_pair(char **a, const char *sa, char **b, const char *sb)
{
	*a = strdup(sa ? sa : "");
	*b = sb ? strdup(sb) : NULL;
	if (!*a || (sb && !*b)) {
		free(*a);
		free(*b);
		return -ENOMEM;
	}
	return 0;
}

static int push(void ***arr, size_t *n, void *elem)
{
	void **grown = realloc(*arr, (*n + 1) * sizeof(void *));

	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = elem;
	*arr = grown;
	return 0;
}

/* Append a message built by the caller; on failure it is freed whole. */
static int push_msg(void ***arr, size_t *n, ProtobufCMessage *m)
{
	if (push(arr, n, m)) {
		protobuf_c_message_free_unpacked(m, NULL);
		return -ENOMEM;
	}
	return 0;
}

int criu_local_add_veth_pair(criu_opts *o, const char *in, const char *out)
{
	CriuVethPair *p = malloc(sizeof(*p));

	if (!p)
		return -ENOMEM;
	criu_veth_pair__init(p);
	if (copy_pair(&p->if_in, in, &p->if_out, out ? out : "")) {
		free(p);
		return -ENOMEM;
	}
	return push_msg((void ***)&o->rpc->veths, &o->rpc->n_veths, &p->base);
}

int criu_local_add_ext_mount(criu_opts *o, const char *key, const char *val)
{
	ExtMountMap *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	ext_mount_map__init(m);
	if (copy_pair(&m->key, key, &m->val, val ? val : "")) {
		free(m);
		return -ENOMEM;
	}
	return push_msg((void ***)&o->rpc->ext_mnt, &o->rpc->n_ext_mnt, &m->base);
}

int criu_local_add_cg_root(criu_opts *o, const char *ctrl, const char *path)
{
	CgroupRoot *r = malloc(sizeof(*r));

	if (!r)
		return -ENOMEM;
	cgroup_root__init(r);
	if (copy_pair(&r->path, path, &r->ctrl, ctrl)) {
		free(r);
		return -ENOMEM;
	}
	return push_msg((void ***)&o->rpc->cg_root, &o->rpc->n_cg_root, &r->base);
}

int criu_local_add_inherit_fd(criu_opts *o, int fd, const char *key)
{
	InheritFd *f = malloc(sizeof(*f));

	if (!f)
		return -ENOMEM;
	inherit_fd__init(f);
	f->fd = fd;
	f->key = strdup(key ? key : "");
	if (!f->key) {
		free(f);
		return -ENOMEM;
	}
	return push_msg((void ***)&o->rpc->inherit_fd, &o->rpc->n_inherit_fd, &f->base);
}

int criu_local_add_unix_sk(criu_opts *o, unsigned int inode)
{
	UnixSk *u = malloc(sizeof(*u));

	if (!u)
		return -ENOMEM;
	unix_sk__init(u);
	u->inode = inode;
	return push_msg((void ***)&o->rpc->unix_sk_ino, &o->rpc->n_unix_sk_ino, &u->base);
}

int criu_local_join_ns_add(criu_opts *o, const char *ns, const char *ns_file, const char *extra_opt)
{
	JoinNamespace *j = malloc(sizeof(*j));

	if (!j)
		return -ENOMEM;
	join_namespace__init(j);
	if (copy_pair(&j->ns, ns, &j->ns_file, ns_file ? ns_file : "")) {
		free(j);
		return -ENOMEM;
	}
	if (extra_opt) {
		j->extra_opt = strdup(extra_opt);
		if (!j->extra_opt) {
			protobuf_c_message_free_unpacked(&j->base, NULL);
			return -ENOMEM;
		}
	}
	return push_msg((void ***)&o->rpc->join_ns, &o->rpc->n_join_ns, &j->base);
}
