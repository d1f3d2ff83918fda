/* SPDX-License-Identifier: GPL-2.0 */
/*
 * explore.c - `crit x DIR ps|fds|mems|rss`: tables about a whole images directory (the
 * process tree, each task's fds, its memory map, its resident pages), in the layout of
 * upstream crit. Every reference between images (a file id, a VMA for a pagemap entry)
 * is looked up and checked; what is missing prints as unknown instead of crashing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crit.h"
#include "pagemap-flags.h"
#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"

#define X_PAGE_SHIFT 12

struct entries {
	ProtobufCMessage **m;
	size_t n;
};

struct xctx {
	const char *dir;
	struct entries pstree, files;
};

static void free_entries(struct entries *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		protobuf_c_message_free_unpacked(e->m[i], NULL);
	free(e->m);
	e->m = NULL;
	e->n = 0;
}

/* Every entry of DIR/name; the first one may be of another type (pagemap's head). */
static int load(const struct xctx *x, const char *name, const ProtobufCMessageDescriptor *first,
		const ProtobufCMessageDescriptor *rest, struct entries *e)
{
	char path[4096];
	uint8_t *buf;
	size_t len, off = 8;
	int ret = -1;

	e->m = NULL;
	e->n = 0;
	snprintf(path, sizeof(path), "%s/%s", x->dir, name);
	if (crit_read_file(path, &buf, &len))
		return -1;
	if (len >= 4 && crit_magic_by_value(*(uint32_t *)buf) &&
	    !strcmp(crit_magic_by_value(*(uint32_t *)buf)->name, "INVENTORY"))
		off = 4;
	while (off < len) {
		const ProtobufCMessageDescriptor *d = e->n ? rest : first;
		ProtobufCMessage *msg, **tmp;
		uint32_t sz;

		if (len - off < 4 || (memcpy(&sz, buf + off, 4), sz > len - off - 4)) {
			crit_err("%s: entry %zu is truncated", path, e->n);
			goto out;
		}
		msg = protobuf_c_message_unpack(d, NULL, sz, buf + off + 4);
		tmp = msg ? realloc(e->m, (e->n + 1) * sizeof(*tmp)) : NULL;
		if (!tmp) {
			if (msg)
				protobuf_c_message_free_unpacked(msg, NULL);
			crit_err("%s: entry %zu is not a valid %s", path, e->n, d->name);
			goto out;
		}
		e->m = tmp;
		e->m[e->n++] = msg;
		off += 4 + sz;
	}
	ret = 0;
out:
	free(buf);
	if (ret)
		free_entries(e);
	return ret;
}

static ProtobufCMessage *load_one(const struct xctx *x, const char *fmt, unsigned long id,
				  const ProtobufCMessageDescriptor *d)
{
	struct entries e;
	ProtobufCMessage *m;
	char name[64];

	snprintf(name, sizeof(name), fmt, id);
	if (load(x, name, d, d, &e))
		return NULL;
	if (!e.n) {
		crit_err("%s/%s: no entry in it", x->dir, name);
		return NULL;
	}
	m = e.m[0];
	while (e.n > 1)
		protobuf_c_message_free_unpacked(e.m[--e.n], NULL);
	free(e.m);
	return m;
}

/* A zombie is dumped as its core alone: no ids, fds or memory to show. */
static bool is_zombie(const struct xctx *x, uint32_t pid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/ids-%u.img", x->dir, pid);
	return access(path, F_OK) != 0 && errno == ENOENT;
}

static const FileEntry *find_file(const struct xctx *x, uint32_t id)
{
	size_t i;

	for (i = 0; i < x->files.n; i++)
		if (((FileEntry *)x->files.m[i])->id == id)
			return (FileEntry *)x->files.m[i];
	return NULL;
}

static void file_str(const struct xctx *x, int type, uint32_t id, char *buf, size_t len)
{
	const FileEntry *f = find_file(x, id);
	const ProtobufCEnumValue *ev;

	if (type == FD_TYPES__REG) {
		snprintf(buf, len, "%s", f && f->reg ? f->reg->name : "unknown path");
	} else if (type == FD_TYPES__PIPE && f && f->pipe) {
		snprintf(buf, len, "pipe[%u]", f->pipe->pipe_id);
	} else if (type == FD_TYPES__UNIXSK && f && f->usk) {
		struct json_object *n = crit_qp_encode(f->usk->name.data, f->usk->name.len);

		bool named = n && json_object_get_string_len(n);

		snprintf(buf, len, "unix[%u (%u)%s%s]", f->usk->ino, f->usk->peer, named ? " " : "",
			 named ? json_object_get_string(n) : "");
		json_object_put(n);
	} else {
		ev = protobuf_c_enum_descriptor_get_value(&fd_types__descriptor, type);
		snprintf(buf, len, "%s.%u", ev ? ev->name : "?", id);
	}
}

static PstreeEntry *pst(const struct xctx *x, size_t i)
{
	return (PstreeEntry *)x->pstree.m[i];
}

static void show_ps(const struct xctx *x, size_t i, int depth)
{
	PstreeEntry *p = pst(x, i);
	CoreEntry *core;
	size_t k;

	if (depth > 64)
		return;
	core = (CoreEntry *)load_one(x, "core-%lu.img", p->pid, &core_entry__descriptor);
	printf("%7u%7u%7u   %*s%s\n", p->pid, p->pgid, p->sid, 4 * depth, "",
	       core && core->tc ? core->tc->comm : "?");
	if (core)
		protobuf_c_message_free_unpacked(&core->base, NULL);
	for (k = 0; k < x->pstree.n; k++)
		if (k != i && pst(x, k)->ppid == p->pid)
			show_ps(x, k, depth + 1);
}

static int explore_ps(const struct xctx *x)
{
	size_t i;

	printf("%7s%7s%7s   %s\n", "PID", "PGID", "SID", "COMM");
	for (i = 0; i < x->pstree.n; i++)
		if (pst(x, i)->ppid == 0)
			show_ps(x, i, 0);
	return 0;
}

static int explore_fds(const struct xctx *x)
{
	char s[4096];
	size_t i, k;

	for (i = 0; i < x->pstree.n; i++) {
		uint32_t pid = pst(x, i)->pid;
		TaskKobjIdsEntry *ids;
		struct entries fds;
		FsEntry *fs;

		if (is_zombie(x, pid))
			continue;
		ids = (TaskKobjIdsEntry *)load_one(x, "ids-%lu.img", pid,
						   &task_kobj_ids_entry__descriptor);
		if (!ids)
			return -1;
		snprintf(s, sizeof(s), "fdinfo-%u.img", ids->files_id);
		protobuf_c_message_free_unpacked(&ids->base, NULL);
		if (load(x, s, &fdinfo_entry__descriptor, &fdinfo_entry__descriptor, &fds))
			return -1;
		printf("%u\n", pid);
		for (k = 0; k < fds.n; k++) {
			FdinfoEntry *fd = (FdinfoEntry *)fds.m[k];

			file_str(x, fd->type, fd->id, s, sizeof(s));
			printf("\t%7u: %s\n", fd->fd, s);
		}
		free_entries(&fds);
		fs = (FsEntry *)load_one(x, "fs-%lu.img", pid, &fs_entry__descriptor);
		if (!fs)
			return -1;
		file_str(x, FD_TYPES__REG, fs->cwd_id, s, sizeof(s));
		printf("\t%7s: %s\n", "cwd", s);
		file_str(x, FD_TYPES__REG, fs->root_id, s, sizeof(s));
		printf("\t%7s: %s\n", "root", s);
		protobuf_c_message_free_unpacked(&fs->base, NULL);
	}
	return 0;
}

/* VMA status bits of the image format. */
#define XVMA_REGULAR	 (1u << 0)
#define XVMA_STACK	 (1u << 1)
#define XVMA_VSYSCALL	 (1u << 2)
#define XVMA_VDSO	 (1u << 3)
#define XVMA_FILE_PRIV	 (1u << 6)
#define XVMA_FILE_SHARED (1u << 7)
#define XVMA_ANON_SHARED (1u << 8)
#define XVMA_SYSVIPC	 (1u << 10)
#define XVMA_SOCKET	 (1u << 11)

/* Shared objects are shown by their order of appearance (1, 2, ...), not their ids. */
struct vma_ids {
	uint64_t ids[256];
	size_t nr;
};

static unsigned long vma_id(struct vma_ids *vi, uint64_t shmid)
{
	size_t i;

	for (i = 0; i < vi->nr; i++)
		if (vi->ids[i] == shmid)
			return i + 1;
	if (vi->nr == sizeof(vi->ids) / sizeof(vi->ids[0]))
		return 0;
	vi->ids[vi->nr++] = shmid;
	return vi->nr;
}

static void vma_str(const struct xctx *x, struct vma_ids *vi, const VmaEntry *v, char *fn,
		    size_t len)
{
	char f[4096];
	uint32_t st = v->status;

	if (st & XVMA_SYSVIPC) {
		snprintf(fn, len, " ips[%lx]", vma_id(vi, v->shmid));
	} else if (st & XVMA_ANON_SHARED) {
		snprintf(fn, len, " shmem[%lx]", vma_id(vi, v->shmid));
	} else if (st & XVMA_SOCKET) {
		snprintf(fn, len, " packet[%lx]", vma_id(vi, v->shmid));
	} else if (st & (XVMA_FILE_PRIV | XVMA_FILE_SHARED)) {
		file_str(x, FD_TYPES__REG, v->shmid, f, sizeof(f));
		snprintf(fn, len, " %.3000s%s", f, st & XVMA_FILE_SHARED ? " (s)" : "");
		if (v->pgoff)
			snprintf(fn, len, " %.3000s + %#lx%s", f, (unsigned long)v->pgoff,
				 st & XVMA_FILE_SHARED ? " (s)" : "");
	} else if (st & XVMA_STACK) {
		snprintf(fn, len, " [stack]");
	} else if (st & XVMA_VSYSCALL) {
		snprintf(fn, len, " [vsyscall]");
	} else if (st & XVMA_VDSO) {
		snprintf(fn, len, " [vdso]");
	} else if (v->flags & 0x100) { /* MAP_GROWSDOWN */
		snprintf(fn, len, " [stack?]");
	} else {
		fn[0] = '\0';
	}
	if (!(st & XVMA_REGULAR))
		strncat(fn, " *", len - strlen(fn) - 1);
}

static int explore_mems(const struct xctx *x)
{
	char s[4096], fn[4200], a[64];
	struct vma_ids vi = { .nr = 0 };
	size_t i, k;

	for (i = 0; i < x->pstree.n; i++) {
		uint32_t pid = pst(x, i)->pid;
		MmEntry *mm;

		if (is_zombie(x, pid))
			continue;
		mm = (MmEntry *)load_one(x, "mm-%lu.img", pid, &mm_entry__descriptor);
		if (!mm)
			return -1;
		printf("%u\n", pid);
		file_str(x, FD_TYPES__REG, mm->exe_file_id, s, sizeof(s));
		printf("\t%-36s    %s\n", "exe", s);
		for (k = 0; k < mm->n_vmas; k++) {
			const VmaEntry *v = mm->vmas[k];

			vma_str(x, &vi, v, fn, sizeof(fn));
			snprintf(a, sizeof(a), "%08lx-%08lx", (unsigned long)v->start,
				 (unsigned long)v->end);
			printf("\t%-36s%c%c%c%s\n", a, v->prot & 1 ? 'r' : '-',
			       v->prot & 2 ? 'w' : '-', v->prot & 4 ? 'x' : '-', fn);
		}
		protobuf_c_message_free_unpacked(&mm->base, NULL);
	}
	return 0;
}

/* One pagemap entry and the VMAs it covers. */
static void rss_entry(const struct xctx *x, const MmEntry *mm, const PagemapEntry *pm, size_t *vmi,
		      long *pvmi)
{
	uint64_t pme = pm->vaddr + (pagemap_nr_pages(pm) << X_PAGE_SHIFT);
	char s[4096];

	printf("\t%lx / %-8llu", (unsigned long)pm->vaddr,
	       (unsigned long long)pagemap_nr_pages(pm));
	while (*vmi < mm->n_vmas && mm->vmas[*vmi]->end <= pm->vaddr)
		(*vmi)++;
	while (*vmi < mm->n_vmas && mm->vmas[*vmi]->start < pme) {
		const VmaEntry *v = mm->vmas[*vmi];

		if ((long)*vmi == *pvmi) {
			printf(" ~");
		} else {
			printf(" %08lx / %-8lu", (unsigned long)v->start,
			       (unsigned long)((v->end - v->start) >> X_PAGE_SHIFT));
			if (v->status & (XVMA_FILE_PRIV | XVMA_FILE_SHARED)) {
				file_str(x, FD_TYPES__REG, v->shmid, s, sizeof(s));
				printf(" %s", s);
			}
			*pvmi = *vmi;
		}
		printf("\n\t%23s", "");
		(*vmi)++;
	}
	if (*vmi)
		(*vmi)--;
	printf("\n");
}

static int explore_rss(const struct xctx *x)
{
	size_t i, k;

	for (i = 0; i < x->pstree.n; i++) {
		uint32_t pid = pst(x, i)->pid;
		MmEntry *mm;
		struct entries pms;
		size_t vmi = 0;
		long pvmi = -1;
		char name[64];

		if (is_zombie(x, pid))
			continue;
		mm = (MmEntry *)load_one(x, "mm-%lu.img", pid, &mm_entry__descriptor);

		if (!mm)
			return -1;
		snprintf(name, sizeof(name), "pagemap-%u.img", pid);
		if (load(x, name, &pagemap_head__descriptor, &pagemap_entry__descriptor, &pms)) {
			protobuf_c_message_free_unpacked(&mm->base, NULL);
			return -1;
		}
		printf("%u\n", pid);
		for (k = 1; k < pms.n; k++)
			rss_entry(x, mm, (PagemapEntry *)pms.m[k], &vmi, &pvmi);
		free_entries(&pms);
		protobuf_c_message_free_unpacked(&mm->base, NULL);
	}
	return 0;
}

int crit_explore(const char *dir, const char *what)
{
	static const struct {
		const char *name;
		int (*fn)(const struct xctx *x);
	} explorers[] = {
		{ "ps", explore_ps },
		{ "fds", explore_fds },
		{ "mems", explore_mems },
		{ "rss", explore_rss },
	};
	struct xctx x = { .dir = dir };
	char path[4096];
	size_t i;
	int ret = -1;

	for (i = 0; i < sizeof(explorers) / sizeof(explorers[0]); i++)
		if (!strcmp(explorers[i].name, what))
			break;
	if (i == sizeof(explorers) / sizeof(explorers[0])) {
		crit_err("x: unknown view \"%s\" (ps, fds, mems or rss)", what);
		return -1;
	}
	if (load(&x, "pstree.img", &pstree_entry__descriptor, &pstree_entry__descriptor, &x.pstree))
		return -1;
	/* files.img is optional for the tables: names then print as unknown. */
	snprintf(path, sizeof(path), "%s/files.img", dir);
	if (!access(path, F_OK) &&
	    load(&x, "files.img", &file_entry__descriptor, &file_entry__descriptor, &x.files))
		x.files.n = 0;
	ret = explorers[i].fn(&x);
	free_entries(&x.pstree);
	free_entries(&x.files);
	fflush(stdout);
	return ret;
}
