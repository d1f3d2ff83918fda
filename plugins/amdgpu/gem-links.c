/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gem-links.c - GEM BOs two render node files of the tree share (one imported the other's
 * buffer through a dmabuf): the file dumped first owns it, the other's entry names the owner
 * (drm_bo_entry fields 101 and 102, ours). At restore the owner, its BOs made, exports each
 * such BO and hands the dmabuf to criu's fd store; the other file waits (criu's retry) until
 * it is there, then imports it: both files hold one buffer again. RESTORE_INIT reads the
 * links of every render node image into a table the restored tasks share (a shared mapping
 * made before criu forks them), as dmabuf.c does for dmabuf fds.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "amdgpu-gem.h"
#include "criu-amdgpu.pb-c.h"
#include "fdstore.h"
#include "kfd-image.h"
#include "kfd-plugin.h"
#include "kfd-seam.h"
#include "plugin-log.h"

struct gem_link {
	uint32_t owner_id, handle;
	int store_id; /* in criu's fd store; -1 until the owner published it */
};

static struct {
	struct gem_link *links;
	unsigned int nr, cap;
	size_t map_size;
} lk;

static struct gem_link *link_of(uint32_t owner_id, uint32_t handle)
{
	unsigned int i;

	for (i = 0; i < lk.nr; i++)
		if (lk.links[i].owner_id == owner_id && lk.links[i].handle == handle)
			return &lk.links[i];
	return NULL;
}

/* The links of one render node image; with links NULL, only counted into lk.cap. */
static int read_image_links(int id)
{
	CriuRenderNode *e;
	char name[64];
	size_t len, i;
	void *buf;
	int ret;

	snprintf(name, sizeof(name), IMG_RENDERD_FILE, id);
	ret = kfd_image_read(name, &buf, &len);
	if (ret)
		return ret;
	e = criu_render_node__unpack(NULL, len, buf);
	free(buf);
	if (!e) {
		pr_err("%s: not a criu_render_node message\n", name);
		return -EINVAL;
	}
	for (i = 0; i < e->n_bo_entries; i++) {
		const DrmBoEntry *b = e->bo_entries[i];

		if (!b->has_owner_file_id || !b->has_owner_handle)
			continue;
		if (!lk.links)
			lk.cap++;
		else if (!link_of(b->owner_file_id, b->owner_handle) && lk.nr < lk.cap)
			lk.links[lk.nr++] =
				(struct gem_link){ b->owner_file_id, b->owner_handle, -1 };
	}
	criu_render_node__free_unpacked(e, NULL);
	return 0;
}

static int scan_images(DIR *d)
{
	struct dirent *de;
	char name[64];
	int ret = 0, id;

	rewinddir(d);
	while (!ret && (de = readdir(d))) {
		if (sscanf(de->d_name, IMG_RENDERD_FILE, &id) != 1)
			continue;
		snprintf(name, sizeof(name), IMG_RENDERD_FILE, id);
		if (!strcmp(name, de->d_name))
			ret = read_image_links(id);
	}
	return ret;
}

int amdgpu_gem_links_init(void)
{
	int dfd = dup(criu_get_image_dir()), ret;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

	if (!d) {
		ret = -errno;
		pr_err("Can't list the images directory for render node images: %s\n",
		       strerror(-ret));
		if (dfd >= 0)
			close(dfd);
		return ret;
	}
	ret = scan_images(d);
	if (!ret && lk.cap) {
		lk.map_size = lk.cap * sizeof(*lk.links);
		lk.links = mmap(NULL, lk.map_size, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (lk.links == MAP_FAILED) {
			lk.links = NULL;
			ret = -errno;
			pr_err("Can't map the table of shared GEM BOs: %s\n", strerror(-ret));
		}
		ret = ret ?: scan_images(d);
	}
	closedir(d);
	if (ret)
		amdgpu_gem_links_reset();
	return ret;
}

int amdgpu_gem_link_get(uint32_t owner_id, uint32_t handle)
{
	struct gem_link *l = link_of(owner_id, handle);
	int sid, fd;

	if (!l) {
		pr_err("GEM BO %u of render node file id %u was not read at RESTORE_INIT\n", handle,
		       owner_id);
		return -ENOENT;
	}
	sid = __atomic_load_n(&l->store_id, __ATOMIC_ACQUIRE);
	if (sid < 0)
		return -EAGAIN;
	fd = fdstore_get(sid);
	if (fd < 0) {
		pr_err("Can't take GEM BO %u of render node file id %u from criu's fd store\n",
		       handle, owner_id);
		return -EIO;
	}
	return fd;
}

int amdgpu_gem_link_ready(uint32_t owner_id, uint32_t handle)
{
	struct gem_link *l = link_of(owner_id, handle);

	if (!l)
		return -ENOENT;
	return __atomic_load_n(&l->store_id, __ATOMIC_ACQUIRE) >= 0;
}

int amdgpu_gem_links_publish(int fd, uint32_t id)
{
	unsigned int i;
	int sid;

	for (i = 0; i < lk.nr; i++) {
		struct gem_link *l = &lk.links[i];
		struct gem_prime_args p = { .handle = l->handle, .flags = GEM_PRIME_CLOEXEC };
		int ret;

		if (l->owner_id != id || l->store_id >= 0)
			continue;
		ret = kfd_seam->ioctl(fd, GEM_IOC_PRIME_TO_FD, &p);
		if (ret) {
			pr_err("Can't export GEM BO %u of render node file id %u for the files "
			       "that "
			       "share it: %s\n",
			       l->handle, id, strerror(-ret));
			return ret;
		}
		sid = fdstore_add(p.fd);
		kfd_seam->close(p.fd);
		if (sid < 0) {
			pr_err("Can't hand GEM BO %u on to the files that share it\n", l->handle);
			return -EIO;
		}
		/* the others read it once it is set: the store holds the file by then */
		__atomic_store_n(&l->store_id, sid, __ATOMIC_RELEASE);
	}
	return 0;
}

void amdgpu_gem_links_reset(void)
{
	if (lk.links)
		munmap(lk.links, lk.map_size);
	memset(&lk, 0, sizeof(lk));
}
