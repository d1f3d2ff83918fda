/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gem-model.c - amdgpu's GEM interface on render node files, modelled (gem-model.h).
 *
 * What it holds to, from the uapi: GEM_CREATE takes a size, domains within the mask and
 * settable flags, and gives the lowest free handle from 1; GEM_MMAP gives the BO's mmap
 * offset, EPERM for a CPU-invisible BO; GEM_VA maps page-aligned ranges inside the BO at
 * free VAs with known flags, and GET_MAPPING_INFO reports them as PTE bits; LIST_HANDLES
 * lists a file's handles in order (the count if the room is short); GEM_CHANGE_HANDLE moves a
 * handle to a free one; GEM_WAIT_IDLE says whether the GPU still works on a BO; GEM_CLOSE
 * drops a handle and its mappings; a CPU map of the file at an offset reaches only a BO the
 * file holds a handle of. Unknown driver ioctls are EINVAL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "amdgpu-gem.h"
#include "gem-model.h"

#define MAX_OBJS      128
#define MAX_FILES     32
#define MAX_HANDLES   256
#define MAX_VAS	      64
#define NO_CPU_ACCESS (1ull << 1)
/* AMDGPU_GEM_CREATE_*: bits 0-3, 5-7, 9-16 (8 is the kernel's own, 4 unused) */
#define SETTABLE_FLAGS 0x1feefull
#define VA_FLAGS                                                                        \
	(GEM_VM_DELAY_UPDATE | GEM_VM_READABLE | GEM_VM_WRITEABLE | GEM_VM_EXECUTABLE | \
	 GEM_VM_PRT | GEM_VM_MTYPE_MASK | GEM_VM_NOALLOC)

struct obj {
	int refs; /* handles of it in all files; 0: free */
	uint64_t size, domains, flags, align, offset;
	bool imported;
	uint8_t *data;
	uint64_t alias_ino; /* a KFD BO imported: that buffer's dmabuf inode */
	bool busy;	    /* the GPU works on it for ever (a hung job) */
};

struct va {
	uint32_t obj;
	struct gem_vm_entry e;
};

struct file {
	int refs;
	uint32_t handle_obj[MAX_HANDLES]; /* obj index + 1, 0: free */
	struct va vas[MAX_VAS];
	unsigned int nr_vas;
};

static struct obj objs[MAX_OBJS];
static struct file files[MAX_FILES + 1];
static uint64_t next_offset = 0x40000000;
static bool has_list = true, has_change = true;

void gem_model_set_uapi(bool list_handles, bool change_handle)
{
	has_list = list_handles;
	has_change = change_handle;
}

static void obj_put(uint32_t o)
{
	if (--objs[o].refs)
		return;
	free(objs[o].data);
	memset(&objs[o], 0, sizeof(objs[o]));
}

static int new_obj(uint64_t size, uint64_t domains, uint64_t flags, uint64_t align)
{
	uint32_t o;

	for (o = 0; o < MAX_OBJS && objs[o].refs; o++)
		;
	if (o == MAX_OBJS)
		return -ENOMEM;
	objs[o].data = calloc(1, size);
	if (!objs[o].data)
		return -ENOMEM;
	objs[o] = (struct obj){ .size = size,
				.domains = domains,
				.flags = flags,
				.align = align,
				.offset = next_offset,
				.data = objs[o].data };
	next_offset += (size + 4095) & ~4095ull;
	return (int)o;
}

/* The lowest free handle from 1 holds obj o (a reference taken). */
static int add_handle(struct file *f, uint32_t o)
{
	uint32_t h;

	for (h = 1; h < MAX_HANDLES && f->handle_obj[h]; h++)
		;
	if (h == MAX_HANDLES)
		return -ENOSPC;
	f->handle_obj[h] = o + 1;
	objs[o].refs++;
	return (int)h;
}

static void drop_handle(struct file *f, uint32_t h)
{
	uint32_t o = f->handle_obj[h] - 1, i, k;

	f->handle_obj[h] = 0;
	for (i = 1; i < MAX_HANDLES && f->handle_obj[i] != o + 1; i++)
		;
	/* the file's last handle of it: its mappings in the file's VM go */
	if (i == MAX_HANDLES) {
		for (i = 0, k = 0; i < f->nr_vas; i++)
			if (f->vas[i].obj != o)
				f->vas[k++] = f->vas[i];
		f->nr_vas = k;
	}
	obj_put(o);
}

int gem_file_open(void)
{
	int i;

	for (i = 1; i <= MAX_FILES; i++)
		if (!files[i].refs) {
			memset(&files[i], 0, sizeof(files[i]));
			files[i].refs = 1;
			return i;
		}
	return -EMFILE;
}

void gem_file_get(int file)
{
	files[file].refs++;
}

void gem_file_put(int file)
{
	uint32_t h;

	if (--files[file].refs)
		return;
	for (h = 1; h < MAX_HANDLES; h++)
		if (files[file].handle_obj[h])
			drop_handle(&files[file], h);
}

void gem_model_reset(void)
{
	uint32_t o;

	for (o = 0; o < MAX_OBJS; o++)
		free(objs[o].data);
	memset(objs, 0, sizeof(objs));
	memset(files, 0, sizeof(files));
	has_list = has_change = true;
}

unsigned int gem_model_nr_objects(void)
{
	unsigned int o, n = 0;

	for (o = 0; o < MAX_OBJS; o++)
		n += objs[o].refs > 0;
	return n;
}

static struct obj *lookup(struct file *f, uint32_t h, uint32_t *o)
{
	if (!h || h >= MAX_HANDLES || !f->handle_obj[h])
		return NULL;
	*o = f->handle_obj[h] - 1;
	return &objs[*o];
}

static int gem_create(struct file *f, union gem_create_args *a)
{
	struct gem_create_in in = a->in;
	int o, h;

	if (!in.bo_size || !in.domains || (in.domains & ~(uint64_t)GEM_DOMAIN_MASK) ||
	    (in.domain_flags & ~SETTABLE_FLAGS))
		return -EINVAL;
	o = new_obj(in.bo_size, in.domains, in.domain_flags, in.alignment);
	if (o < 0)
		return o;
	h = add_handle(f, (uint32_t)o);
	if (h < 0) {
		objs[o].refs = 1;
		obj_put((uint32_t)o);
		return h;
	}
	memset(a, 0, sizeof(*a));
	a->out.handle = (uint32_t)h;
	return 0;
}

static int gem_mmap(struct file *f, union gem_mmap_args *a)
{
	uint32_t o;
	struct obj *b = lookup(f, a->in.handle, &o);

	if (!b)
		return -ENOENT;
	if (b->flags & NO_CPU_ACCESS)
		return -EPERM;
	a->out.offset = b->offset;
	return 0;
}

static bool va_overlaps(const struct file *f, uint64_t addr, uint64_t size)
{
	unsigned int i;

	for (i = 0; i < f->nr_vas; i++)
		if (addr < f->vas[i].e.addr + f->vas[i].e.size && f->vas[i].e.addr < addr + size)
			return true;
	return false;
}

static uint64_t pte_bits(uint32_t flags)
{
	return (flags & GEM_VM_READABLE ? GEM_PTE_READABLE : 0) |
	       (flags & GEM_VM_WRITEABLE ? GEM_PTE_WRITEABLE : 0) |
	       (flags & GEM_VM_EXECUTABLE ? GEM_PTE_EXECUTABLE : 0) |
	       (flags & GEM_VM_NOALLOC ? GEM_PTE_NOALLOC : 0);
}

static int gem_va(struct file *f, struct gem_va_args *a)
{
	uint32_t o;
	struct obj *b = lookup(f, a->handle, &o);

	if (a->operation != GEM_VA_OP_MAP || (a->flags & ~VA_FLAGS))
		return -EINVAL;
	if (!b)
		return -ENOENT;
	if ((a->va_address | a->offset_in_bo | a->map_size) % GEM_PAGE_SIZE || !a->map_size ||
	    a->offset_in_bo + a->map_size > ((b->size + 4095) & ~4095ull) ||
	    va_overlaps(f, a->va_address, a->map_size) || f->nr_vas == MAX_VAS)
		return -EINVAL;
	f->vas[f->nr_vas++] =
		(struct va){ o,
			     { a->va_address, a->map_size, a->offset_in_bo, pte_bits(a->flags) } };
	return 0;
}

static int mapping_info(struct file *f, uint32_t o, struct gem_op_args *a)
{
	struct gem_vm_entry *out = (void *)(uintptr_t)a->value;
	uint32_t n = 0, i;

	for (i = 0; i < f->nr_vas; i++)
		n += f->vas[i].obj == o;
	if (n && n <= a->num_entries)
		for (i = 0, n = 0; i < f->nr_vas; i++)
			if (f->vas[i].obj == o)
				out[n++] = f->vas[i].e;
	a->num_entries = n;
	return 0;
}

static int gem_op(struct file *f, struct gem_op_args *a)
{
	uint32_t o;
	struct obj *b = lookup(f, a->handle, &o);

	if (!b)
		return -ENOENT;
	if (a->op == GEM_OP_GET_CREATE_INFO) {
		*(struct gem_create_in *)(uintptr_t)a->value =
			(struct gem_create_in){ b->size, b->align, b->domains, b->flags };
		return 0;
	}
	if (a->op == GEM_OP_GET_MAPPING_INFO && has_list)
		return mapping_info(f, o, a);
	return -EINVAL;
}

static int list_handles(struct file *f, struct gem_list_args *a)
{
	struct gem_list_entry *out = (void *)(uintptr_t)a->entries;
	uint32_t n = 0, h;

	if (!has_list)
		return -EINVAL;
	for (h = 1; h < MAX_HANDLES; h++)
		n += f->handle_obj[h] != 0;
	if (a->num_entries < n) {
		a->num_entries = n;
		return 0;
	}
	for (h = 1, n = 0; h < MAX_HANDLES; h++) {
		const struct obj *b = f->handle_obj[h] ? &objs[f->handle_obj[h] - 1] : NULL;

		if (b)
			out[n++] = (struct gem_list_entry){
				h,	  b->imported ? GEM_LIST_IS_IMPORT : 0,
				b->size,  b->domains,
				b->flags, b->align
			};
	}
	a->num_entries = n;
	return 0;
}

static int change_handle(struct file *f, struct gem_change_handle_args *a)
{
	uint32_t o;

	if (!has_change || !a->new_handle || a->new_handle >= MAX_HANDLES)
		return -EINVAL;
	if (!lookup(f, a->handle, &o))
		return -ENOENT;
	if (a->new_handle == a->handle)
		return 0;
	if (f->handle_obj[a->new_handle])
		return -EBUSY;
	f->handle_obj[a->new_handle] = f->handle_obj[a->handle];
	f->handle_obj[a->handle] = 0;
	return 0;
}

static int wait_idle(struct file *f, union gem_wait_idle_args *a)
{
	uint32_t o;
	struct obj *b = lookup(f, a->in.handle, &o);

	if (!b)
		return -ENOENT;
	a->out.status = b->busy;
	a->out.domain = (uint32_t)b->domains;
	return 0;
}

void gem_model_set_busy(int file, uint32_t handle)
{
	uint32_t o;
	struct obj *b = lookup(&files[file], handle, &o);

	if (b)
		b->busy = true;
}

int gem_model_ioctl(int file, unsigned long request, void *arg)
{
	struct file *f = &files[file];
	struct gem_close_args *c = arg;
	uint32_t o;

	switch (request) {
	case GEM_IOC_CREATE:
		return gem_create(f, arg);
	case GEM_IOC_MMAP:
		return gem_mmap(f, arg);
	case GEM_IOC_VA:
		return gem_va(f, arg);
	case GEM_IOC_OP:
		return gem_op(f, arg);
	case GEM_IOC_LIST_HANDLES:
		return list_handles(f, arg);
	case GEM_IOC_CHANGE_HANDLE:
		return change_handle(f, arg);
	case GEM_IOC_WAIT_IDLE:
		return wait_idle(f, arg);
	case GEM_IOC_CLOSE:
		if (!lookup(f, c->handle, &o))
			return -EINVAL;
		drop_handle(f, c->handle);
		return 0;
	}
	return -EINVAL;
}

int gem_model_map_copy(int file, uint64_t offset, void *buf, uint64_t size, bool to_bo)
{
	struct file *f = &files[file];
	uint32_t h, o;

	for (h = 1; h < MAX_HANDLES; h++) {
		struct obj *b = lookup(f, h, &o);

		if (!b || offset < b->offset || offset - b->offset >= b->size)
			continue;
		if (b->flags & NO_CPU_ACCESS || offset - b->offset + size > b->size)
			return -EINVAL;
		if (to_bo)
			memcpy(b->data + (offset - b->offset), buf, size);
		else
			memcpy(buf, b->data + (offset - b->offset), size);
		return 0;
	}
	/* no BO of this file there: the kernel refuses the mmap */
	return -EACCES;
}

int gem_model_import_foreign(int file, uint64_t size)
{
	int o = new_obj(size, GEM_DOMAIN_GTT, 0, 0), h;

	if (o < 0)
		return o;
	objs[o].imported = true;
	h = add_handle(&files[file], (uint32_t)o);
	if (h < 0)
		obj_put((uint32_t)o);
	return h;
}

/* ---- dmabufs (PRIME) ---- */

#define VM_ALWAYS_VALID (1ull << 6)

int gem_model_export(int file, uint32_t handle)
{
	uint32_t o;
	struct obj *b = lookup(&files[file], handle, &o);

	if (!b)
		return -ENOENT;
	/* amdgpu exports no per-VM BO */
	if (b->flags & VM_ALWAYS_VALID)
		return -EPERM;
	b->refs++;
	return (int)o;
}

void gem_model_obj_get(uint32_t obj)
{
	objs[obj].refs++;
}

void gem_model_obj_put(uint32_t obj)
{
	obj_put(obj);
}

uint64_t gem_model_ino(uint32_t obj)
{
	return objs[obj].alias_ino ?: (1ull << 62) | obj;
}

/* A file holds one handle per object: an import of one it holds gives that handle. */
static int handle_of(const struct file *f, uint32_t obj)
{
	uint32_t h;

	for (h = 1; h < MAX_HANDLES; h++)
		if (f->handle_obj[h] == obj + 1)
			return (int)h;
	return 0;
}

int gem_model_import_obj(int file, uint32_t obj)
{
	return handle_of(&files[file], obj) ?: add_handle(&files[file], obj);
}

int gem_model_import_kfd(int file, uint64_t ino, uint64_t size)
{
	uint32_t o;
	int n;

	for (o = 0; o < MAX_OBJS; o++)
		if (objs[o].refs && objs[o].alias_ino == ino && handle_of(&files[file], o))
			return handle_of(&files[file], o);
	n = new_obj(size, GEM_DOMAIN_VRAM, 0, 0);
	if (n < 0)
		return n;
	objs[n].alias_ino = ino;
	return add_handle(&files[file], (uint32_t)n);
}

/* ---- snapshots ---- */

struct gem_snapshot {
	struct file f;
	struct obj objs[MAX_HANDLES];
};

struct gem_snapshot *gem_model_snapshot(int file)
{
	struct gem_snapshot *s = calloc(1, sizeof(*s));
	uint32_t h, o;

	if (!s)
		return NULL;
	s->f = files[file];
	for (h = 1; h < MAX_HANDLES; h++) {
		const struct obj *b = lookup(&files[file], h, &o);

		if (!b)
			continue;
		s->objs[h] = *b;
		s->objs[h].data = malloc(b->size);
		if (s->objs[h].data)
			memcpy(s->objs[h].data, b->data, b->size);
	}
	return s;
}

void gem_model_snapshot_free(struct gem_snapshot *s)
{
	uint32_t h;

	for (h = 0; s && h < MAX_HANDLES; h++)
		free(s->objs[h].data);
	free(s);
}

/* The same VAs of the BO at handle h in both files. */
static bool same_vas(const struct gem_snapshot *s, uint32_t h, const struct file *f)
{
	uint32_t so = s->f.handle_obj[h] - 1, fo = f->handle_obj[h] - 1, i, j = 0;

	for (i = 0; i < s->f.nr_vas; i++) {
		if (s->f.vas[i].obj != so)
			continue;
		while (j < f->nr_vas && f->vas[j].obj != fo)
			j++;
		if (j == f->nr_vas || memcmp(&s->f.vas[i].e, &f->vas[j].e, sizeof(f->vas[j].e)))
			return false;
		j++;
	}
	while (j < f->nr_vas && f->vas[j].obj != fo)
		j++;
	return j == f->nr_vas;
}

const char *gem_model_compare(const struct gem_snapshot *s, int file)
{
	const struct file *f = &files[file];
	uint32_t h, o;

	for (h = 1; h < MAX_HANDLES; h++) {
		const struct obj *a = &s->objs[h], *b;

		if (!s->f.handle_obj[h] != !f->handle_obj[h])
			return "a handle is held in one file and not the other";
		if (!f->handle_obj[h])
			continue;
		b = lookup((struct file *)f, h, &o);
		if (a->size != b->size || a->domains != b->domains || a->flags != b->flags ||
		    a->align != b->align)
			return "a BO's size, domains, flags or alignment differ";
		if (!same_vas(s, h, f))
			return "a BO's GPU VA mappings differ";
		if (memcmp(a->data, b->data, a->size))
			return "a BO's contents differ";
	}
	return NULL;
}
