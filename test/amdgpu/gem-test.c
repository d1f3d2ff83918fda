/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gem-test.c - render node files holding GEM BOs (what Mesa leaves): a simulated program
 * makes BOs on its render node with the GEM ioctls, maps them at GPU VAs and writes them
 * through its CPU mapping; the plugin dumps and restores the file through its hooks, and
 * every handle, size, placement, flag, VA and byte is compared (gem-model.c), with and
 * without GEM_CHANGE_HANDLE, the task's CPU mapping moved to the BO's new offset; and the
 * refusals: an imported BO, a CPU-invisible one, a kernel without LIST_HANDLES.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "amdgpu-gem.h"
#include "amdgpu-test.h"
#include "criu-amdgpu.pb-c.h"
#include "gem-model.h"
#include "kfd-model.h"

#define VRAM_CPU_ACCESS 0x1ull /* AMDGPU_GEM_CREATE_CPU_ACCESS_REQUIRED */
#define NO_CPU_ACCESS	0x2ull
#define VM_ALWAYS_VALID 0x40ull
#define VA_BASE		0x800000000ull

static uint32_t create(int fd, uint64_t size, uint32_t domains, uint64_t flags)
{
	union gem_create_args c = { .in = { size, 0, domains, flags } };

	return kfd_model_seam.ioctl(fd, GEM_IOC_CREATE, &c) ? 0 : c.out.handle;
}

static int map_va(int fd, uint32_t h, uint64_t va, uint64_t off, uint64_t size, uint32_t fl)
{
	struct gem_va_args a = { .handle = h,
				 .operation = GEM_VA_OP_MAP,
				 .flags = fl,
				 .va_address = va,
				 .offset_in_bo = off,
				 .map_size = size };

	return kfd_model_seam.ioctl(fd, GEM_IOC_VA, &a);
}

static uint64_t mmap_offset(int fd, uint32_t h)
{
	union gem_mmap_args m = { .in.handle = h };

	return kfd_model_seam.ioctl(fd, GEM_IOC_MMAP, &m) ? 0 : m.out.offset;
}

/* The program writes the BO through its CPU mapping. */
static int scribble(int fd, uint32_t h, uint64_t size, unsigned int seed)
{
	uint8_t *buf = malloc(size);
	int ret = -1;

	if (buf) {
		fill_random(buf, size, seed);
		ret = kfd_model_seam.map_copy(fd, mmap_offset(fd, h), buf, size, true);
	}
	free(buf);
	return ret;
}

/*
 * Process 300's render node renderD128 as a GL program leaves it: a VRAM BO, a GTT BO mapped
 * twice, a BO closed (its handle 2 free), an executable one, a GDS BO closed too, a per-VM BO
 * (which can't be exported); *bo3 is the GTT one.
 */
static int mesa_process(int *fd, uint32_t *bo3)
{
	const uint32_t rw = GEM_VM_READABLE | GEM_VM_WRITEABLE;
	struct gem_close_args c = { .handle = 2 };
	uint32_t h1, h4;

	model_set_current(300);
	*fd = kfd_model_seam.open("/dev/dri/renderD128", O_RDWR);
	h1 = create(*fd, 3 * PAGE, GEM_DOMAIN_VRAM, VRAM_CPU_ACCESS);
	if (*fd < 0 || h1 != 1 || create(*fd, PAGE, GEM_DOMAIN_GTT, 0) != 2)
		return -1;
	*bo3 = create(*fd, 4 * PAGE, GEM_DOMAIN_GTT, 0);
	h4 = create(*fd, 2 * PAGE, GEM_DOMAIN_VRAM | GEM_DOMAIN_GTT, 0);
	if (*bo3 != 3 || h4 != 4 || kfd_model_seam.ioctl(*fd, GEM_IOC_CLOSE, &c) ||
	    create(*fd, PAGE, GEM_DOMAIN_GDS, 0) != 2 ||
	    kfd_model_seam.ioctl(*fd, GEM_IOC_CLOSE, &c))
		return -1;
	if (map_va(*fd, h1, VA_BASE, 0, 3 * PAGE, rw) ||
	    map_va(*fd, *bo3, VA_BASE + 0x100000, 0, 2 * PAGE, GEM_VM_READABLE) ||
	    map_va(*fd, *bo3, VA_BASE + 0x200000, 2 * PAGE, 2 * PAGE, rw | GEM_VM_NOALLOC) ||
	    map_va(*fd, h4, VA_BASE + 0x300000, 0, 2 * PAGE, GEM_VM_READABLE | GEM_VM_EXECUTABLE))
		return -1;
	if (create(*fd, PAGE, GEM_DOMAIN_GTT, VM_ALWAYS_VALID) != 2 ||
	    map_va(*fd, 2, VA_BASE + 0x400000, 0, PAGE, GEM_VM_READABLE))
		return -1;
	return scribble(*fd, h1, 3 * PAGE, 11) || scribble(*fd, *bo3, 4 * PAGE, 13) ||
	       scribble(*fd, h4, 2 * PAGE, 17) || scribble(*fd, 2, PAGE, 19);
}

static CriuRenderNode *read_render(int id)
{
	CriuRenderNode *e = NULL;
	uint8_t buf[8192];
	char name[64];
	uint64_t size;
	int fd;

	snprintf(name, sizeof(name), "amdgpu-renderD-%d.img", id);
	fd = openat(images_dfd, name, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (read(fd, &size, 8) == 8 && size <= sizeof(buf) && read(fd, buf, size) == (ssize_t)size)
		e = criu_render_node__unpack(NULL, size, buf);
	close(fd);
	return e;
}

static void check_image(void)
{
	CriuRenderNode *e = read_render(20);

	check(e && e->num_of_bos == 4 && e->n_bo_entries == 4 && e->bo_entries[0]->handle == 1 &&
		      e->bo_entries[1]->handle == 2 && e->bo_entries[2]->handle == 3 &&
		      e->bo_entries[3]->handle == 4 && e->bo_entries[2]->num_of_vms == 2 &&
		      e->bo_entries[2]->vm_entries[1]->offset == 2 * PAGE &&
		      e->bo_entries[0]->preferred_domains == GEM_DOMAIN_VRAM &&
		      e->bo_entries[0]->alloc_flags == VRAM_CPU_ACCESS &&
		      !e->bo_entries[0]->is_import,
	      "amdgpu-renderD-20.img: 4 BOs with handles, placement, flags, VAs");
	if (e)
		criu_render_node__free_unpacked(e, NULL);
	check(image_0600("amdgpu-drm-pages-20-128-0002.img") && image_0600("amdgpu-renderD-20.img"),
	      "each BO's bytes in amdgpu-drm-pages-ID-MINOR-INDEX.img (0600)");
}

/* Restore file 20 in process 300 and compare with s (if what); the new fd or -errno. */
static int restore_compare(const struct gem_snapshot *s, const char *what)
{
	int fd;

	model_set_current(300);
	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__RESTORE);
	fd = restore_file(20);
	if (what)
		check(fd >= 0 && s && !gem_model_compare(s, model_render_file(fd)), what);
	return fd;
}

/* The task's CPU mapping of the GTT BO's second half, moved to the BO's new offset. */
static void check_cpu_mapping(int fd, uint64_t old_offset, const uint8_t *want)
{
	uint8_t got[2 * PAGE];
	uint64_t new_off = 0;
	int pfd = -1;

	check(!HOOK(UPDATE_VMA_MAP)("/dev/dri/renderD128", 0x7f1234560000, old_offset + 2 * PAGE,
				    &new_off, &pfd) &&
		      pfd >= 0 && model_render_file(pfd) == model_render_file(fd) &&
		      new_off != old_offset + 2 * PAGE &&
		      !kfd_model_seam.map_copy(pfd, new_off, got, sizeof(got), false) &&
		      !memcmp(got, want, sizeof(got)),
	      "UPDATE_VMA_MAP: a CPU mapping of a BO is its new offset on the restored file, "
	      "with its bytes");
	if (pfd >= 0)
		kfd_model_seam.close(pfd);
}

static void test_gem_dump_restore(void)
{
	static uint8_t half[2 * PAGE];
	struct gem_snapshot *s;
	uint64_t old_offset;
	uint32_t bo3;
	int fd;

	new_images_dir();
	machine(GPU_A, 128, GPU_B, 129);
	check(!mesa_process(&fd, &bo3),
	      "a program with GEM BOs on renderD128 (handles 1-4, 5 free)");
	s = gem_model_snapshot(model_render_file(fd));
	old_offset = mmap_offset(fd, bo3);
	check(!kfd_model_seam.map_copy(fd, old_offset + 2 * PAGE, half, sizeof(half), false),
	      "its GTT BO's second half read");
	check(dump_file(fd, 20) == 0, "DUMP_EXT_FILE of the render node with GEM BOs");
	check(!gem_model_compare(s, model_render_file(fd)), "the dump changed nothing of it");
	check_image();
	model_kill(300);
	check(gem_model_nr_objects() == 0, "the program is gone, with its BOs");

	fd = restore_compare(s,
			     "RESTORE_EXT_FILE: every handle, placement, flag, VA and byte back");
	check_cpu_mapping(fd, old_offset, half);
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__RESTORE, 0);
	check(gem_model_nr_objects() == 4, "no BO beyond the program's (the fillers are closed)");
	model_kill(300);

	gem_model_set_uapi(true, false);
	fd = restore_compare(s, "without GEM_CHANGE_HANDLE too: the free handle is kept free");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__RESTORE, 0);
	model_kill(300);
	gem_model_set_uapi(true, true);
	gem_model_snapshot_free(s);
}

static void test_gem_damaged(void)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/amdgpu-drm-pages-20-128-0002.img",
		 images_dfd);
	check(!truncate(path, 8 + PAGE) && (fd = restore_compare(NULL, NULL)) < 0 &&
		      logged("amdgpu-drm-pages-20-128-0002.img") && gem_model_nr_objects() == 0,
	      "a truncated BO image fails the restore, naming it; no BO is left");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__RESTORE, -1);
}

static void test_gem_refusals(void)
{
	uint32_t bo3;
	int fd, h;

	new_images_dir();
	machine(GPU_A, 128, GPU_B, 129);
	mesa_process(&fd, &bo3);
	h = gem_model_import_foreign(model_render_file(fd), PAGE);
	check(h == 5 && dump_file(fd, 21) == -EOPNOTSUPP && logged("renderD128") &&
		      logged("handle 5") && logged("imported"),
	      "a BO imported from a dmabuf refuses the dump, naming node, file and handle");
	model_kill(300);

	mesa_process(&fd, &bo3);
	gem_model_set_busy(model_render_file(fd), bo3);
	check(dump_file(fd, 21) == -EBUSY && logged("still busy on the GPU"),
	      "a BO the GPU never finishes with refuses the dump (its bytes are not final)");
	model_kill(300);

	mesa_process(&fd, &bo3);
	check(create(fd, PAGE, GEM_DOMAIN_VRAM, NO_CPU_ACCESS) == 5 &&
		      dump_file(fd, 21) == -EOPNOTSUPP && logged("CPU-invisible"),
	      "a CPU-invisible VRAM BO refuses the dump (its bytes need SDMA)");
	{
		struct gem_close_args c = { .handle = 5 };

		kfd_model_seam.ioctl(fd, GEM_IOC_CLOSE, &c);
	}
	check(create(fd, PAGE, GEM_DOMAIN_VRAM, 1ull << 10 /* ENCRYPTED */) == 5 &&
		      dump_file(fd, 21) == -EOPNOTSUPP && logged("encrypted (TMZ)"),
	      "so does an encrypted (TMZ) one");
	gem_model_set_uapi(false, false);
	check(dump_file(fd, 21) == -EOPNOTSUPP && logged("LIST_HANDLES") && logged("handle 1"),
	      "a kernel without LIST_HANDLES: a file with BOs is refused, naming one");
	model_kill(300);
	model_set_current(300);
	fd = kfd_model_seam.open("/dev/dri/renderD129", O_RDWR);
	check(dump_file(fd, 22) == 0 && logged("taken as none"),
	      "and a file without BOs dumps, saying what was probed");
	model_kill(300);
	gem_model_set_uapi(true, true);
}

static int prime_import(int render, int dmabuf)
{
	struct gem_prime_args p = { .fd = dmabuf };

	return kfd_model_seam.ioctl(render, GEM_IOC_PRIME_TO_HANDLE, &p) ?: (int)p.handle;
}

/* ROCm's process 400: a VRAM BO of KFD, its dmabuf imported into its render node file. */
static int kfd_bo_in_render(int *kfd, int *render)
{
	int dmabuf, h;

	new_images_dir();
	machine(GPU_A, 128, GPU_B, 129);
	model_set_current(400);
	*kfd = kfd_model_seam.open("/dev/kfd", O_RDWR);
	*render = kfd_model_seam.open("/dev/dri/renderD128", O_RDWR);
	if (!model_alloc_bo(GPU_A, 0x7f0000000000, 2 * PAGE, 0x1 /* VRAM */))
		return -1;
	dmabuf = model_export_dmabuf(0x7f0000000000);
	h = prime_import(*render, dmabuf);
	kfd_model_seam.close(dmabuf);
	return h == 1 ? 0 : -1;
}

static void test_gem_kfd_import(void)
{
	int kfd, render;

	check(!kfd_bo_in_render(&kfd, &render), "a KFD BO imported into the render node file");
	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__DUMP);
	check(HOOK(DUMP_EXT_FILE)(kfd, 40) == 0 && HOOK(DUMP_EXT_FILE)(render, 41) == -EOPNOTSUPP &&
		      logged("handle 1") && logged("KFD process of file id 40"),
	      "the render file dumped after /dev/kfd is refused, naming the KFD BO's process");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__DUMP, -EOPNOTSUPP);
	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__DUMP);
	check(HOOK(DUMP_EXT_FILE)(render, 41) == 0 && HOOK(DUMP_EXT_FILE)(kfd, 40) == 0 &&
		      HOOK(DUMP_DEVICES_LATE)(400) == -EOPNOTSUPP && logged("imported there"),
	      "dumped before it, at DUMP_DEVICES_LATE");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__DUMP, -EOPNOTSUPP);
	model_kill(400);

	model_kill(400);
	check(gem_model_nr_objects() == 0 && model_open_fds() == 0, "no BO nor fd is left");
}

/* Process 500's render file imports process 300's GTT BO (handle 3) as its handle 1. */
static int share_bo(int *fd, int *other, uint32_t *bo3)
{
	struct gem_prime_args p = { .flags = GEM_PRIME_CLOEXEC };
	int ret;

	new_images_dir();
	machine(GPU_A, 128, GPU_B, 129);
	if (mesa_process(fd, bo3))
		return -1;
	p.handle = *bo3;
	model_set_current(500);
	*other = kfd_model_seam.open("/dev/dri/renderD128", O_RDWR);
	if (kfd_model_seam.ioctl(*fd, GEM_IOC_PRIME_TO_FD, &p))
		return -1;
	ret = prime_import(*other, p.fd);
	kfd_model_seam.close(p.fd);
	return ret == 1 && map_va(*other, 1, VA_BASE, PAGE, PAGE, GEM_VM_READABLE) == 0 ? 0 : -1;
}

/* Both files restored: the other's retried until the owner's is there. */
static void restore_shared(int *fd, int *other)
{
	bool retry = false;

	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__RESTORE);
	check(HOOK(RESTORE_INIT)() == 0, "RESTORE_INIT reads the render images' links");
	model_set_current(500);
	check(HOOK(RESTORE_EXT_FILE)(31, &retry) == 0 && retry,
	      "the importing file asks criu to retry while the owner's is not restored");
	model_set_current(300);
	*fd = HOOK(RESTORE_EXT_FILE)(30, &retry);
	model_set_current(500);
	*other = *fd >= 0 ? HOOK(RESTORE_EXT_FILE)(31, &retry) : -1;
	check(*fd >= 0 && *other >= 0 && !retry, "then both files are restored");
}

static void test_gem_shared_files(void)
{
	struct gem_snapshot *s, *t;
	uint8_t page[PAGE], got[PAGE];
	int fd = -1, other = -1;
	uint32_t bo3;

	check(!share_bo(&fd, &other, &bo3), "two processes' render files share a GEM BO");
	s = gem_model_snapshot(model_render_file(fd));
	t = gem_model_snapshot(model_render_file(other));
	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__DUMP);
	check(HOOK(DUMP_EXT_FILE)(fd, 30) == 0 && HOOK(DUMP_EXT_FILE)(other, 31) == 0 &&
		      HOOK(DUMP_DEVICES_LATE)(300) == 0,
	      "both dump: the second file's BO is saved as an import of the first's");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__DUMP, 0);
	model_kill(500);
	model_kill(300);
	restore_shared(&fd, &other);
	check(s && t && !gem_model_compare(s, model_render_file(fd)) &&
		      !gem_model_compare(t, model_render_file(other)) &&
		      gem_model_nr_objects() == 4,
	      "each file has its handles, VAs and bytes back, and the buffer is one");
	fill_random(page, sizeof(page), 23);
	check(!kfd_model_seam.map_copy(fd, mmap_offset(fd, 3) + PAGE, page, PAGE, true) &&
		      !kfd_model_seam.map_copy(other, mmap_offset(other, 1) + PAGE, got, PAGE,
					       false) &&
		      !memcmp(page, got, PAGE),
	      "what one process writes into it the other reads");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__RESTORE, 0);
	store_empty();
	model_kill(500);
	model_kill(300);
	gem_model_snapshot_free(s);
	gem_model_snapshot_free(t);
	check(gem_model_nr_objects() == 0 && model_open_fds() == 0, "no BO nor fd is left");
}

void run_gem_tests(void)
{
	test_gem_dump_restore();
	test_gem_damaged();
	test_gem_refusals();
	test_gem_kfd_import();
	test_gem_shared_files();
}
