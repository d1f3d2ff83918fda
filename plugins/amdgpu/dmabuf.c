/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf.c - dmabuf fds of KFD buffers held by tasks of the tree: a buffer a process exported
 * and handed to others (or kept) as a file. CRIU's plugin does it so:
 *
 * Dump: each BO whose contents a /dev/kfd dump read came with the dmabuf KFD exported for it;
 * the kernel keeps one dmabuf per buffer, so its inode names the BO. A task's dmabuf fd is
 * matched to a BO by that inode, at once if its process was dumped already, else at
 * DUMP_DEVICES_LATE (CRIU's later try); one that matches no BO of the tree refuses the dump.
 *
 * Restore: RESTORE_INIT reads every amdgpu-dmabuf image into a table shared by the restored
 * tasks (a shared mapping made before criu forks them). The process that owns the BO puts the
 * dmabuf KFD RESTORE gave it into criu's fd store (fdstore_add) and notes its number in the
 * table; a task that needs the dmabuf before that asks criu to retry (RESTORE_EXT_FILE's
 * *retry_needed), then takes a copy from the store (fdstore_get).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kfd_ioctl.h>

#include "criu-amdgpu.pb-c.h"
#include "fdstore.h"
#include "kfd-image.h"
#include "kfd-plugin.h"
#include "kfd-seam.h"
#include "plugin-log.h"

/* ---- dump ---- */

struct dumped_bo {
	uint64_t ino;
	uint32_t kfd_id, index;
};

struct waiting_dmabuf {
	int id;
	uint64_t ino;
};

static struct {
	struct dumped_bo *bos;
	unsigned int nr_bos;
	struct waiting_dmabuf *waiting;
	unsigned int nr_waiting;
} dump;

static int grow(void **array, unsigned int nr, size_t size)
{
	void *p;

	if (nr & (nr - 1) && nr > 8)
		return 0;
	p = realloc(*array, (nr < 8 ? 8 : nr * 2) * size);
	if (!p)
		return -ENOMEM;
	*array = p;
	return 0;
}

int amdgpu_dmabuf_note_bo(int kfd_id, uint32_t index, int dmabuf_fd)
{
	struct kfd_fd_info info;
	int ret = kfd_seam->fd_info(dmabuf_fd, &info);

	if (ret)
		return ret;
	if (grow((void **)&dump.bos, dump.nr_bos, sizeof(*dump.bos)))
		return -ENOMEM;
	dump.bos[dump.nr_bos++] = (struct dumped_bo){ info.ino, (uint32_t)kfd_id, index };
	return 0;
}

static const struct dumped_bo *bo_of_ino(uint64_t ino)
{
	unsigned int i;

	for (i = 0; i < dump.nr_bos; i++)
		if (dump.bos[i].ino == ino)
			return &dump.bos[i];
	return NULL;
}

bool amdgpu_dmabuf_is_kfd_bo(uint64_t ino, uint32_t *kfd_id)
{
	const struct dumped_bo *b = bo_of_ino(ino);

	if (b)
		*kfd_id = b->kfd_id;
	return b != NULL;
}

static int write_dmabuf_image(int id, const struct dumped_bo *b)
{
	CriuDmabufNode e = CRIU_DMABUF_NODE__INIT;
	uint8_t buf[32];
	char name[64];

	e.gem_handle = b->index;
	e.has_kfd_file_id = true;
	e.kfd_file_id = b->kfd_id;
	criu_dmabuf_node__pack(&e, buf);
	snprintf(name, sizeof(name), IMG_DMABUF_FILE, id);
	pr_info("dmabuf file id %d is BO %u of the KFD process of file id %u\n", id, b->index,
		b->kfd_id);
	return kfd_image_write(name, buf, criu_dmabuf_node__get_packed_size(&e));
}

int amdgpu_dump_dmabuf(int fd, int id)
{
	const struct dumped_bo *b;
	struct kfd_fd_info info;
	int ret = kfd_seam->fd_info(fd, &info);

	if (ret)
		return ret;
	b = bo_of_ino(info.ino);
	if (b)
		return write_dmabuf_image(id, b);
	/* its process may come later in the tree */
	if (grow((void **)&dump.waiting, dump.nr_waiting, sizeof(*dump.waiting)))
		return -ENOMEM;
	dump.waiting[dump.nr_waiting++] = (struct waiting_dmabuf){ id, info.ino };
	return 0;
}

int amdgpu_dmabuf_dump_late(void)
{
	const struct dumped_bo *b;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < dump.nr_waiting; i++) {
		b = bo_of_ino(dump.waiting[i].ino);
		if (b) {
			ret = write_dmabuf_image(dump.waiting[i].id, b);
			continue;
		}
		pr_err("dmabuf file id %d (inode %llu) exports no GPU buffer of a /dev/kfd of the "
		       "dumped processes (a buffer of a process outside the tree, or of another "
		       "driver): not supported\n",
		       dump.waiting[i].id, (unsigned long long)dump.waiting[i].ino);
		ret = -EOPNOTSUPP;
	}
	dump.nr_waiting = 0;
	return ret;
}

/* ---- restore ---- */

struct dmabuf_link {
	uint32_t file_id, kfd_id, index;
	int store_id; /* in criu's fd store; -1 until the owner restored the BO */
};

static struct {
	struct dmabuf_link *links; /* shared by the restored tasks */
	unsigned int nr_links;
	size_t map_size;
} shared;

static int read_link(const char *name, struct dmabuf_link *l)
{
	CriuDmabufNode *e;
	size_t len;
	void *buf;
	int ret = kfd_image_read(name, &buf, &len);

	if (ret)
		return ret;
	e = criu_dmabuf_node__unpack(NULL, len, buf);
	free(buf);
	if (!e || !e->has_kfd_file_id) {
		pr_err("%s is damaged, or was written by a plugin that does not say whose BO the "
		       "dmabuf is\n",
		       name);
		if (e)
			criu_dmabuf_node__free_unpacked(e, NULL);
		return -EINVAL;
	}
	l->kfd_id = e->kfd_file_id;
	l->index = e->gem_handle;
	l->store_id = -1;
	criu_dmabuf_node__free_unpacked(e, NULL);
	return 0;
}

static int count_images(DIR *d)
{
	struct dirent *de;
	int nr = 0, id;

	while ((de = readdir(d)))
		nr += sscanf(de->d_name, IMG_DMABUF_FILE, &id) == 1;
	rewinddir(d);
	return nr;
}

static int read_links(DIR *d)
{
	struct dirent *de;
	int ret = 0, id;

	while (!ret && (de = readdir(d)) &&
	       shared.nr_links < shared.map_size / sizeof(*shared.links)) {
		char name[64];

		if (sscanf(de->d_name, IMG_DMABUF_FILE, &id) != 1)
			continue;
		/* only the exact name: a sscanf match may have more after the number */
		snprintf(name, sizeof(name), IMG_DMABUF_FILE, id);
		if (strcmp(name, de->d_name))
			continue;
		shared.links[shared.nr_links].file_id = (uint32_t)id;
		ret = read_link(name, &shared.links[shared.nr_links++]);
	}
	return ret;
}

int amdgpu_dmabuf_restore_init(void)
{
	int dfd = dup(criu_get_image_dir()), nr, ret;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

	if (!d) {
		pr_err("Can't list the images directory for dmabuf images: %s\n", strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -errno;
	}
	nr = count_images(d);
	ret = 0;
	if (nr) {
		shared.map_size = (size_t)nr * sizeof(*shared.links);
		shared.links = mmap(NULL, shared.map_size, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (shared.links == MAP_FAILED) {
			shared.links = NULL;
			ret = -errno;
			pr_err("Can't map the table of dmabufs for the restored tasks: %s\n",
			       strerror(-ret));
		}
	}
	ret = ret ?: read_links(d);
	closedir(d);
	if (ret)
		amdgpu_dmabuf_reset();
	return ret;
}

int amdgpu_dmabuf_publish(int kfd_id, const struct kfd_criu_bo_bucket *bos, uint32_t nr_bos)
{
	struct dmabuf_link *l;
	unsigned int i;
	int sid;

	for (i = 0; i < shared.nr_links; i++) {
		l = &shared.links[i];
		if (l->kfd_id != (uint32_t)kfd_id || l->store_id >= 0)
			continue;
		if (l->index >= nr_bos || KFD_BUCKET_NO_FD(bos[l->index].dmabuf_fd)) {
			pr_err("dmabuf file id %u names BO %u of the KFD process of file id %d, "
			       "which has no such buffer with contents\n",
			       l->file_id, l->index, kfd_id);
			return -EINVAL;
		}
		sid = fdstore_add((int)bos[l->index].dmabuf_fd);
		if (sid < 0) {
			pr_err("Can't hand the dmabuf of BO %u on to the tasks that share it\n",
			       l->index);
			return -EIO;
		}
		/* the others read it once it is set: the store holds the fd by then */
		__atomic_store_n(&l->store_id, sid, __ATOMIC_RELEASE);
	}
	return 0;
}

int amdgpu_restore_dmabuf(int id, bool *retry_needed)
{
	unsigned int i;
	int sid, fd;

	for (i = 0; i < shared.nr_links; i++)
		if (shared.links[i].file_id == (uint32_t)id)
			break;
	if (i == shared.nr_links) {
		pr_err("dmabuf file id %d was not read at RESTORE_INIT\n", id);
		return -ENOENT;
	}
	sid = __atomic_load_n(&shared.links[i].store_id, __ATOMIC_ACQUIRE);
	if (sid < 0) {
		/* the process that owns the buffer has not restored it yet */
		*retry_needed = true;
		return 0;
	}
	fd = fdstore_get(sid);
	if (fd < 0) {
		pr_err("Can't take the dmabuf of file id %d from criu's fd store\n", id);
		return -EIO;
	}
	return fd;
}

void amdgpu_dmabuf_reset(void)
{
	free(dump.bos);
	free(dump.waiting);
	memset(&dump, 0, sizeof(dump));
	if (shared.links)
		munmap(shared.links, shared.map_size);
	memset(&shared, 0, sizeof(shared));
}
