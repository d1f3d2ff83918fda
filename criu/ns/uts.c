/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/uts.c - a uts namespace: its host and domain names, in utsns-ID.img (CRIU's format).
 * Read by uname() inside the namespace (criu enters it for the time of one call) and set
 * by the root right after clone made its new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "internal.h"

#include "utsns.pb-c.h"

int utsns_dump(int dfd, pid_t root, uint32_t id)
{
	UtsnsEntry e = UTSNS_ENTRY__INIT;
	struct utsname u;
	struct cr_img *img;
	int back, ret;

	ret = ns_enter(root, "uts", CLONE_NEWUTS, &back);
	if (ret)
		return ret;
	ret = uname(&u) ? -errno : 0;
	ret = ns_leave(back, CLONE_NEWUTS, "uts") ?: ret;
	if (ret) {
		pr_err("Can't read the host name of task %d's uts namespace: %d\n", root, ret);
		return ret;
	}
	e.nodename = u.nodename;
	e.domainname = u.domainname;
	img = open_image_at(dfd, CR_FD_UTSNS, O_DUMP, id);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &e.base);
	pr_info("uts namespace %u: host name '%s', domain name '%s'\n", id, u.nodename,
		u.domainname);
	return close_image(img) ?: ret;
}

int utsns_restore(int dfd, uint32_t id)
{
	UtsnsEntry *e;
	struct cr_img *img;
	int ret;

	img = open_image_at(dfd, CR_FD_UTSNS, O_RSTR, id);
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &utsns_entry__descriptor, (ProtobufCMessage **)&e);
	close_image(img);
	if (ret)
		return ret;
	if (sethostname(e->nodename, strlen(e->nodename)) ||
	    setdomainname(e->domainname, strlen(e->domainname))) {
		pr_perror("utsns-%u.img: can't set host name '%s' and domain name '%s'", id,
			  e->nodename, e->domainname);
		ret = -errno;
	}
	utsns_entry__free_unpacked(e, NULL);
	return ret;
}
