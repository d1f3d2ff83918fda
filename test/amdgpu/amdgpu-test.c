/* SPDX-License-Identifier: GPL-2.0 */
/*
 * amdgpu-test.c - the AMDGPU plugin (plugins/amdgpu, its real code, called through its
 * CR_PLUGIN_DESC hooks as criu calls them) against the KFD model (kfd-model.c): simulated
 * ROCm processes are dumped and restored, and every byte of their GPU state (BO contents,
 * queues with MQDs and control stacks, events) is compared. Also: several GPUs mapped to
 * others, KFD_DESTINATION_GPUS, /dev/kfd open with no GPU work, no GPU on the machine,
 * incompatible GPUs, a dmabuf shared by two processes (and one of no dumped process), a
 * failing CHECKPOINT, damaged images.
 * Prints "N passed, N failed" last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kfd_ioctl.h>

#include "criu-amdgpu.pb-c.h"
#include "criu-plugin.h"
#include "fdstore.h"
#include "kfd-model.h"
#include "kfd-plugin.h"
#include "amdgpu-test.h"

/* KFD_IOC_ALLOC_MEM_FLAGS_WRITABLE, which the header writes (1 << 31): an int overflow */
#define BO_WRITABLE 0x80000000u

static int passed, failed;
int images_dfd = -1;
static char images_dir[64];
char log_text[65536];

int criu_get_image_dir(void)
{
	return images_dfd;
}

void print_on_level(unsigned int level, const char *fmt, ...)
{
	size_t n = strlen(log_text);
	va_list ap;

	va_start(ap, fmt);
	if (n < sizeof(log_text) - 1)
		vsnprintf(log_text + n, sizeof(log_text) - n, fmt, ap);
	va_end(ap);
	if (getenv("AMDGPU_TEST_VERBOSE")) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
}

/*
 * criu's fd store (criu/plugin/fdstore.c) passes real fds between tasks; the model's fds live
 * in this process: the store keeps a model dup of each, as criu's keeps the open file.
 */
#define STORE_MAX 16
static int store[STORE_MAX], nr_store;

int fdstore_add(int fd)
{
	int copy = kfd_model_seam.dup(fd);

	if (copy < 0 || nr_store == STORE_MAX)
		return -1;
	store[nr_store] = copy;
	return nr_store++;
}

int fdstore_get(int id)
{
	return id >= 0 && id < nr_store ? kfd_model_seam.dup(store[id]) : -1;
}

void store_empty(void)
{
	while (nr_store)
		kfd_model_seam.close(store[--nr_store]);
}

void check(int ok, const char *what)
{
	if (ok) {
		passed++;
		printf("ok - %s\n", what);
	} else {
		failed++;
		printf("not ok - %s\n", what);
		if (log_text[0])
			printf("  log: %s", log_text);
	}
}

bool logged(const char *s)
{
	return strstr(log_text, s) != NULL;
}

static void gpu(uint32_t id, uint32_t minor, uint32_t device, uint32_t fw)
{
	struct model_gpu_props p = { id, minor, device, fw, 240, 16ull << 30 };

	model_add_gpu(&p);
}

/* A machine of two GPUs alike (ids a and b), with a CPU node first. */
void machine(uint32_t a, uint32_t ma, uint32_t b, uint32_t mb)
{
	model_reset();
	model_add_cpu();
	gpu(a, ma, 0x66af, 100);
	gpu(b, mb, 0x66af, 100);
}

void fill_random(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	srand(seed);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rand();
}

static uint8_t *bo(uint32_t gpu_id, uint64_t addr, uint64_t size, uint32_t flags)
{
	uint8_t *d = model_alloc_bo(gpu_id, addr, size, flags);

	if (d)
		fill_random(d, size, (unsigned int)addr);
	return d;
}

/* What a HIP program leaves behind on two GPUs: BOs of each kind, queues and events. */
static int rocm_process(pid_t pid, int *kfd, int *render)
{
	const uint32_t vram = KFD_IOC_ALLOC_MEM_FLAGS_VRAM | BO_WRITABLE;
	struct model_queue q = { .gpu_id = GPU_A, .type = KFD_IOC_QUEUE_TYPE_COMPUTE_AQL };
	struct model_event ev = { 7, 0, 1 };

	model_set_current(pid);
	*kfd = kfd_model_seam.open(KFD_DEV_PATH, O_RDWR);
	*render = kfd_model_seam.open("/dev/dri/renderD129", O_RDWR);
	if (*kfd < 0 || *render < 0 || !bo(GPU_A, 0x7f0000000000, 3 * PAGE, vram) ||
	    !bo(GPU_A, 0x7f0000100000, 2 * PAGE, KFD_IOC_ALLOC_MEM_FLAGS_GTT) ||
	    !model_alloc_bo(GPU_A, 0x7f0000200000, PAGE, KFD_IOC_ALLOC_MEM_FLAGS_USERPTR) ||
	    !model_alloc_bo(GPU_A, 0x7f0000300000, PAGE, KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL) ||
	    !bo(GPU_B, 0x7f0001000000, 5 * PAGE, vram))
		return -1;
	q.ring_addr = 0x7f0000000000;
	q.ring_size = PAGE;
	fill_random(q.mqd, sizeof(q.mqd), 1);
	fill_random(q.ctl_stack, sizeof(q.ctl_stack), 2);
	if (model_add_queue(&q))
		return -1;
	q.gpu_id = GPU_B;
	q.type = KFD_IOC_QUEUE_TYPE_SDMA;
	q.ring_addr = 0x7f0001000000;
	fill_random(q.mqd, sizeof(q.mqd), 3);
	if (model_add_queue(&q) || model_add_event(&ev))
		return -1;
	ev.id = 8;
	ev.signaled = 0;
	return model_add_event(&ev);
}

void new_images_dir(void)
{
	if (images_dfd >= 0) {
		char cmd[128];

		close(images_dfd);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", images_dir);
		if (system(cmd))
			fprintf(stderr, "can't remove %s\n", images_dir);
	}
	strcpy(images_dir, "/tmp/amdgpu-test-XXXXXX");
	if (!mkdtemp(images_dir))
		exit(2);
	images_dfd = open(images_dir, O_RDONLY | O_DIRECTORY);
}

bool image_0600(const char *name)
{
	struct stat st;

	return !fstatat(images_dfd, name, &st, 0) && (st.st_mode & 0777) == 0600;
}

int dump_file(int fd, int id)
{
	int ret;

	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__DUMP);
	ret = HOOK(DUMP_EXT_FILE)(fd, id);
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__DUMP, ret);
	return ret;
}

int restore_file(int id)
{
	bool retry = true;

	return HOOK(RESTORE_EXT_FILE)(id, &retry);
}

static CriuKfd *read_kfd(int id)
{
	char name[64];
	uint64_t size;
	uint8_t buf[8192];
	CriuKfd *e = NULL;
	int fd;

	snprintf(name, sizeof(name), "amdgpu-kfd-%d.img", id);
	fd = openat(images_dfd, name, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (read(fd, &size, 8) == 8 && size <= sizeof(buf) && read(fd, buf, size) == (ssize_t)size)
		e = criu_kfd__unpack(NULL, size, buf);
	close(fd);
	return e;
}

static void test_dump_image(void)
{
	struct stat st;
	CriuKfd *e = read_kfd(5);

	check(e && e->pid == 100 && e->num_of_gpus == 2 && e->n_device_entries == 2 &&
		      e->num_of_cpus == 1 && e->num_of_bos == 5 && e->num_of_objects == 4,
	      "amdgpu-kfd-5.img: pid, 2 GPUs, 1 CPU, 5 BOs, 4 objects");
	check(e && e->device_entries[0]->gpu_id == GPU_A &&
		      e->device_entries[0]->device_id == 0x66af &&
		      e->device_entries[0]->drm_render_minor == 128 &&
		      e->device_entries[0]->vram_size == 16ull << 30 &&
		      e->bo_entries[1]->addr == 0x7f0000100000 &&
		      e->bo_entries[1]->alloc_flags == KFD_IOC_ALLOC_MEM_FLAGS_GTT,
	      "its GPUs carry their topology, its BOs their buckets");
	if (e)
		criu_kfd__free_unpacked(e, NULL);
	check(!fstatat(images_dfd, "amdgpu-pages-5-1111.img", &st, 0) &&
		      st.st_size == 8 + 5 * PAGE &&
		      !fstatat(images_dfd, "amdgpu-pages-5-2222.img", &st, 0) &&
		      st.st_size == 8 + 5 * PAGE,
	      "one pages image per GPU, with its VRAM and GTT BOs (not userptr, doorbell)");
	check(image_0600("amdgpu-kfd-5.img") && image_0600("amdgpu-renderD-6.img") &&
		      image_0600("amdgpu-pages-5-1111.img"),
	      "the images are 0600");
}

static void test_several_gpus(void)
{
	const uint32_t from[] = { GPU_A, GPU_B }, to[] = { GPU_C, GPU_D };
	struct model_snapshot *s;
	struct kfd_fd_info info;
	uint64_t off, new_off;
	int kfd, render, fd, pfd;
	struct stat st = {};

	new_images_dir();
	machine(GPU_A, 128, GPU_B, 129);
	check(!rocm_process(100, &kfd, &render), "a process with BOs, queues, events on 2 GPUs");
	s = model_snapshot(100);
	check(HOOK(HANDLE_DEVICE_VMA)(kfd, &st) == 0 && HOOK(HANDLE_DEVICE_VMA)(0, &st) == -ENOTSUP,
	      "HANDLE_DEVICE_VMA takes /dev/kfd mappings and nothing else");
	check(dump_file(kfd, 5) == 0, "DUMP_EXT_FILE of /dev/kfd");
	check(dump_file(render, 6) == 0, "DUMP_EXT_FILE of the render node");
	check(dump_file(0, 7) == -ENOTSUP, "DUMP_EXT_FILE leaves other files to others");
	check(!model_paused(100), "the dumped process is unpaused (it may run on)");
	check(model_open_fds() == 2, "the dump closed every dmabuf KFD gave it");
	test_dump_image();

	model_kill(100);
	machine(GPU_C, 130, GPU_D, 131);
	model_set_current(100);
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__RESTORE);
	log_text[0] = 0;
	fd = restore_file(5);
	check(fd >= 0 && kfd_model_seam.fd_info(fd, &info) == 0 && info.kind == KFD_FD_KFD,
	      "RESTORE_EXT_FILE of /dev/kfd on other GPUs alike");
	render = restore_file(6);
	check(render >= 0 && !kfd_model_seam.fd_info(render, &info) && info.render_minor == 131,
	      "the render node of GPU B is now GPU D's (renderD131)");
	off = (0x3ull << 62) | ((uint64_t)GPU_B << KFD_MMAP_GPU_ID_SHIFT);
	check(!HOOK(UPDATE_VMA_MAP)("/dev/kfd", 0x7f0000300000, off, &new_off, &pfd) &&
		      new_off == ((0x3ull << 62) | ((uint64_t)GPU_D << KFD_MMAP_GPU_ID_SHIFT)) &&
		      pfd >= 0,
	      "UPDATE_VMA_MAP: a doorbell mapping's offset names the new GPU");
	check(!HOOK(UPDATE_VMA_MAP)("/dev/dri/renderD128", 0x7f0000000000, 0x100000, &new_off,
				    &pfd) &&
		      new_off != 0x100000 && !kfd_model_seam.fd_info(pfd, &info) &&
		      info.render_minor == 130,
	      "UPDATE_VMA_MAP: a BO mapping gets its restored offset on GPU C's render node");
	check(!model_resumed(100) && HOOK(RESUME_DEVICES_LATE)(100) == 0 && model_resumed(100),
	      "RESUME_DEVICES_LATE resumes the restored process");
	check(HOOK(RESUME_DEVICES_LATE)(999) == -ENOTSUP, "and leaves a task without KFD alone");
	check(s && !model_compare(s, 100, from, to, 2),
	      "every byte of BOs, queues (MQD, control stack) and events is back");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__RESTORE, 0);
	model_snapshot_free(s);
}

/* Dump pid 100's rocm_process on GPUs A and B into a new images directory. */
static struct model_snapshot *dumped_process(void)
{
	struct model_snapshot *s;
	int kfd, render;

	new_images_dir();
	machine(GPU_A, 128, GPU_B, 129);
	if (rocm_process(100, &kfd, &render))
		return NULL;
	s = model_snapshot(100);
	if (dump_file(kfd, 5)) {
		model_snapshot_free(s);
		return NULL;
	}
	model_kill(100);
	return s;
}

/* Restore file 5 in a new process 100 on the current machine; the kfd fd or -errno. */
static int restore_kfd(void)
{
	int fd;

	model_set_current(100);
	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__RESTORE);
	fd = restore_file(5);
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__RESTORE, fd < 0 ? fd : 0);
	return fd;
}

static void test_destination_gpus(void)
{
	const uint32_t from[] = { GPU_A, GPU_B }, to[] = { GPU_D, GPU_C };
	struct model_snapshot *s = dumped_process();

	machine(GPU_C, 130, GPU_D, 131);
	setenv("KFD_DESTINATION_GPUS", "renderD131,0x3333", 1);
	check(s && restore_kfd() >= 0 && !model_compare(s, 100, from, to, 2),
	      "KFD_DESTINATION_GPUS=renderD131,0x3333 swaps the GPUs, every byte back");
	model_kill(100);
	setenv("KFD_DESTINATION_GPUS", "renderD131", 1);
	check(restore_kfd() < 0 && logged("fewer") && model_nr_bos(100) == 0,
	      "a KFD_DESTINATION_GPUS list too short is refused");
	unsetenv("KFD_DESTINATION_GPUS");
	model_snapshot_free(s);
}

static void test_incompatible(void)
{
	struct model_snapshot *s = dumped_process();

	model_reset();
	model_add_cpu();
	gpu(GPU_A, 128, 0x73bf, 100); /* another model */
	gpu(GPU_B, 129, 0x66af, 100);
	check(s && restore_kfd() < 0 && logged("no match") && logged("another GPU model") &&
		      model_nr_bos(100) == 0,
	      "a GPU of another model is refused, saying why, and nothing is made");
	model_reset();
	model_add_cpu();
	gpu(GPU_A, 128, 0x66af, 90); /* older firmware */
	gpu(GPU_B, 129, 0x66af, 100);
	check(restore_kfd() < 0 && logged("KFD_FW_VER_CHECK=0"),
	      "older firmware is refused, naming KFD_FW_VER_CHECK");
	model_kill(100);
	setenv("KFD_FW_VER_CHECK", "0", 1);
	check(restore_kfd() >= 0 && !model_compare(s, 100, NULL, NULL, 0),
	      "KFD_FW_VER_CHECK=0 allows it, every byte back");
	unsetenv("KFD_FW_VER_CHECK");
	model_snapshot_free(s);
}

static void test_no_gpu(void)
{
	struct model_snapshot *s = dumped_process();

	model_reset();
	model_add_cpu(); /* KFD with no GPU */
	check(s && restore_kfd() < 0 && logged("no GPU") && logged("/dev/kfd"),
	      "no GPU on the machine: a clear refusal naming /dev/kfd");
	model_reset(); /* no KFD at all */
	check(restore_kfd() < 0 && logged("/dev/kfd"), "no KFD at all: refused, naming /dev/kfd");
	model_snapshot_free(s);
}

static void test_idle_kfd(void)
{
	struct model_snapshot *s;
	int kfd;

	new_images_dir();
	machine(GPU_A, 128, GPU_B, 129);
	model_set_current(200);
	kfd = kfd_model_seam.open(KFD_DEV_PATH, O_RDWR);
	s = model_snapshot(200);
	check(kfd >= 0 && dump_file(kfd, 9) == 0, "/dev/kfd open with no GPU work dumps");
	model_kill(200);
	model_set_current(200);
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__RESTORE);
	kfd = restore_file(9);
	check(kfd >= 0 && !model_compare(s, 200, NULL, NULL, 0) && model_nr_bos(200) == 0,
	      "and restores with nothing on the GPUs");
	check(HOOK(RESUME_DEVICES_LATE)(200) == 0 && model_resumed(200), "and resumes");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__RESTORE, 0);
	model_snapshot_free(s);
}

static void test_refusals(void)
{
	int kfd, render, dmabuf;

	new_images_dir();
	machine(GPU_A, 128, GPU_B, 129);
	rocm_process(100, &kfd, &render);
	/* a dmabuf of a BO of no dumped process: its KFD file was never dumped */
	dmabuf = model_export_dmabuf(0x7f0000000000);
	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__DUMP);
	check(HOOK(DUMP_EXT_FILE)(dmabuf, 11) == 0 && HOOK(DUMP_DEVICES_LATE)(100) == -EOPNOTSUPP &&
		      logged("dmabuf file id 11"),
	      "a dmabuf of a BO no dumped /dev/kfd has is refused at DUMP_DEVICES_LATE, naming it");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__DUMP, -EOPNOTSUPP);
	kfd_model_seam.close(dmabuf);
	model_fail_next(KFD_CRIU_OP_CHECKPOINT, -EIO);
	check(dump_file(kfd, 5) == -EIO && logged("CHECKPOINT"),
	      "a failing CHECKPOINT fails the dump, naming it");
	check(!model_paused(100), "and the process is unpaused, as before the dump");
	check(model_open_fds() == 2, "and no fd is left behind");
	model_fail_next(KFD_CRIU_OP_PROCESS_INFO, -EPERM);
	check(dump_file(kfd, 5) == -EPERM && !model_paused(100), "a failing PROCESS_INFO too");
}

static int rewrite_image(const char *name, long keep)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", images_dir, name);
	return truncate(path, keep);
}

/* The KFD image with one byte of KFD's private data changed. */
static int damage_priv(void)
{
	CriuKfd *e = read_kfd(5);
	uint8_t buf[8192];
	uint64_t size;
	int fd, ret = -1;

	if (!e)
		return -1;
	e->priv_data.data[0] ^= 0xff;
	size = criu_kfd__pack(e, buf);
	fd = openat(images_dfd, "amdgpu-kfd-5.img", O_WRONLY | O_TRUNC);
	if (fd >= 0 && write(fd, &size, 8) == 8 && write(fd, buf, size) == (ssize_t)size)
		ret = 0;
	close(fd);
	criu_kfd__free_unpacked(e, NULL);
	return ret;
}

static void test_damaged_images(void)
{
	struct model_snapshot *s = dumped_process();

	machine(GPU_A, 128, GPU_B, 129);
	check(s && !rewrite_image("amdgpu-pages-5-2222.img", 8 + PAGE) && restore_kfd() < 0 &&
		      logged("amdgpu-pages-5-2222.img"),
	      "a truncated pages image is an error naming it, not a crash");
	model_kill(100);
	check(!damage_priv() && restore_kfd() < 0 && logged("RESTORE") && model_nr_bos(100) == 0,
	      "private data KFD can't parse: KFD refuses the RESTORE, nothing is made");
	model_kill(100);
	check(!rewrite_image("amdgpu-kfd-5.img", 20) && restore_kfd() < 0,
	      "a truncated KFD image is an error");
	model_snapshot_free(s);
}

#define SHARED_BO 0x7f0001000000ull /* rocm_process's VRAM BO on GPU B */

/* Does dmabuf fd export pid's live BO at SHARED_BO, with want's bytes (5 pages)? */
static bool dmabuf_holds(int fd, pid_t pid, const uint8_t *want)
{
	static uint8_t got[5 * PAGE];
	uint64_t addr;
	pid_t owner;
	bool ok;
	int drm;

	if (model_dmabuf_bo(fd, &owner, &addr) || owner != pid || addr != SHARED_BO)
		return false;
	drm = kfd_model_seam.open("/dev/dri/renderD129", O_RDWR);
	ok = drm >= 0 && !kfd_model_seam.bo_copy(drm, fd, got, sizeof(got), false) &&
	     !memcmp(got, want, sizeof(got));
	kfd_model_seam.close(drm);
	return ok;
}

/*
 * Process 100 exported its VRAM BO on GPU B and keeps the dmabuf (fd 11, below its
 * /dev/kfd); process 200 got it by SCM_RIGHTS (fd 12, another file of criu's). criu dumps 200's
 * dmabuf before 100's /dev/kfd, and restores each dmabuf before the KFD process owning it.
 */
static void dump_shared_dmabuf(int *kfd, int *own, int *peer, uint8_t *bytes)
{
	int render, drm;

	new_images_dir();
	machine(GPU_A, 128, GPU_B, 129);
	check(!rocm_process(100, kfd, &render), "a process with BOs on 2 GPUs");
	*own = model_export_dmabuf(SHARED_BO);
	*peer = kfd_model_seam.dup(*own);
	drm = kfd_model_seam.open("/dev/dri/renderD129", O_RDWR);
	check(*own >= 0 && *peer >= 0 && drm >= 0 &&
		      !kfd_model_seam.bo_copy(drm, *own, bytes, 5 * PAGE, false),
	      "it exports a VRAM BO as a dmabuf, which another process holds too");
	kfd_model_seam.close(drm);
	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__DUMP);
	model_set_current(200);
	check(HOOK(DUMP_EXT_FILE)(*peer, 12) == 0, "DUMP_EXT_FILE of the other process's dmabuf, "
						   "before its buffer's process is dumped");
	model_set_current(100);
	check(HOOK(DUMP_EXT_FILE)(*own, 11) == 0 && HOOK(DUMP_EXT_FILE)(*kfd, 5) == 0 &&
		      HOOK(DUMP_DEVICES_LATE)(100) == 0,
	      "then the owner's dmabuf and /dev/kfd, and DUMP_DEVICES_LATE");
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__DUMP, 0);
	check(image_0600("amdgpu-dmabuf-11.img") && image_0600("amdgpu-dmabuf-12.img"),
	      "each dmabuf has its image (0600)");
}

static void test_shared_dmabuf(void)
{
	static uint8_t bytes[5 * PAGE], other[5 * PAGE];
	struct model_snapshot *s;
	int kfd, own, peer, fd;
	bool retry = false;

	dump_shared_dmabuf(&kfd, &own, &peer, bytes);
	s = model_snapshot(100);
	model_kill(100);
	kfd_model_seam.close(peer);
	machine(GPU_A, 128, GPU_B, 129);
	log_text[0] = 0;
	CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__RESTORE);
	check(HOOK(RESTORE_INIT)() == 0, "RESTORE_INIT reads the dmabuf images");
	model_set_current(200);
	check(HOOK(RESTORE_EXT_FILE)(12, &retry) >= 0 && retry,
	      "the other process's dmabuf asks criu to retry: its BO's process is not restored");
	model_set_current(100);
	retry = false;
	check(HOOK(RESTORE_EXT_FILE)(11, &retry) >= 0 && retry,
	      "so does the owner's dmabuf, before the owner's /dev/kfd");
	kfd = restore_file(5);
	check(kfd >= 0 && s && !model_compare(s, 100, NULL, NULL, 0),
	      "the owner's /dev/kfd: every byte of its BOs, queues and events is back");
	own = HOOK(RESTORE_EXT_FILE)(11, &retry);
	check(own >= 0 && !retry && dmabuf_holds(own, 100, bytes),
	      "the owner's dmabuf, retried, exports its restored BO, with every byte");
	model_set_current(200);
	peer = HOOK(RESTORE_EXT_FILE)(12, &retry);
	check(peer >= 0 && !retry && dmabuf_holds(peer, 100, bytes),
	      "the other process's dmabuf, retried, exports the same BO of process 100");
	fill_random(other, sizeof(other), 99);
	fd = kfd_model_seam.open("/dev/dri/renderD129", O_RDWR);
	check(fd >= 0 && !kfd_model_seam.bo_copy(fd, peer, other, sizeof(other), true) &&
		      dmabuf_holds(own, 100, other),
	      "they share it: what one writes through its dmabuf the other reads");
	kfd_model_seam.close(fd);
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__RESTORE, 0);
	kfd_model_seam.close(own);
	kfd_model_seam.close(peer);
	store_empty();
	model_kill(100);
	model_snapshot_free(s);
	check(model_open_fds() == 0, "no dmabuf is left open");
}

int main(void)
{
	kfd_seam_set(&kfd_model_seam);
	test_several_gpus();
	test_destination_gpus();
	test_incompatible();
	test_no_gpu();
	test_idle_kfd();
	test_refusals();
	test_shared_dmabuf();
	test_damaged_images();
	run_gem_tests();
	new_images_dir();
	rmdir(images_dir);
	model_reset();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
