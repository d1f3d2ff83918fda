/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/loopback.c - --empty-ns net leaves the new namespace to the caller (runc sends it
 * with every restore: it "doesn't manage network devices"), but nobody else brings its
 * loopback up again: runc did that itself when it created the container. A loopback left
 * down breaks every connection over 127.0.0.1 or ::1, the restored ones first (their
 * connect() in repair mode finds no route: ENETUNREACH). So the loopback goes up; the
 * kernel gives it 127.0.0.1/8 and ::1 itself.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "internal.h"

int netns_loopback_up(void)
{
	struct ifreq ifr = {};
	int sk, ret = 0;

	sk = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		pr_perror("Can't make a socket to bring the loopback up");
		return -errno;
	}
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(sk, SIOCGIFFLAGS, &ifr)) {
		ret = -errno;
		pr_perror("Can't read the flags of the new namespace's loopback");
		goto out_close;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr)) {
		ret = -errno;
		pr_perror("Can't bring the new namespace's loopback up");
		goto out_close;
	}
	pr_info("--empty-ns net: the loopback of the new namespace is up\n");
out_close:
	close(sk);
	return ret;
}
