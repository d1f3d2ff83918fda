/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_path00: unix sockets bound to a path, a stream listener and a datagram socket.
 * UNIX_PATH_CASE says what happened to the path since (unix_path01-03.desc):
 *   rel      bound to a relative name from the test's cwd (the name stays relative);
 *   removed  the socket files were unlinked;
 *   replaced the socket files were unlinked and regular files now have their names;
 *   rmdir    the socket files and their directory were removed;
 *   moved    bound to a relative name, then the test left that directory: the name leads
 *            to the sockets from neither its cwd nor its root, and the dump must refuse
 *            it (unix_path04.desc).
 * A client connected to the listener before that is not accepted yet. After restore each
 * socket keeps its name (getsockname) and type, the listener still listens and accepts
 * the client, and the paths are as they were: reachable (rel: a client connects and a
 * datagram arrives), gone, or the replacing files with their content.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char stuff[] = "a regular file took the socket's name";
static char dir[PATH_MAX - 200];
static const char *which;
static int lsk, dsk, cli;

static bool relative(void)
{
	return !strcmp(which, "rel") || !strcmp(which, "moved");
}

static void name_of(struct sockaddr_un *a, socklen_t *len, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (relative())
		snprintf(a->sun_path, sizeof(a->sun_path), "%s", name);
	else
		snprintf(a->sun_path, sizeof(a->sun_path), "%.80s/%.16s", dir, name);
	*len = offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

static int bind_one(int type, const char *name)
{
	struct sockaddr_un a;
	socklen_t len;
	int sk = socket(AF_UNIX, type, 0);

	name_of(&a, &len, name);
	if (sk < 0 || bind(sk, (struct sockaddr *)&a, len))
		return -1;
	return sk;
}

static int replace(const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path))
		return -1;
	if (strcmp(which, "replaced"))
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, stuff, sizeof(stuff)) != sizeof(stuff))
		return -1;
	return close(fd);
}

static int setup(void)
{
	struct sockaddr_un a;
	socklen_t len;

	snprintf(dir, sizeof(dir), "%s", test_path("dir"));
	if (mkdir(dir, 0700) || chdir(dir))
		return -1;
	lsk = bind_one(SOCK_STREAM, "listener");
	dsk = bind_one(SOCK_DGRAM, "dgram");
	name_of(&a, &len, "listener");
	if (lsk < 0 || dsk < 0 || listen(lsk, 4))
		return -1;
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&a, len))
		return -1;
	if (!strcmp(which, "rel"))
		return 0;
	if (!strcmp(which, "moved"))
		return chdir("/");
	if (replace("listener") || replace("dgram"))
		return -1;
	if (!strcmp(which, "rmdir"))
		return chdir("/") || rmdir(dir);
	return 0;
}

static int same_name(int sk, const char *name)
{
	struct sockaddr_un a, want;
	socklen_t len = sizeof(a), wlen;

	name_of(&want, &wlen, name);
	if (getsockname(sk, (struct sockaddr *)&a, &len))
		return 0;
	return len == wlen && !strcmp(a.sun_path, want.sun_path);
}

static int path_as_left(const char *name)
{
	char path[PATH_MAX], buf[sizeof(stuff)];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (relative())
		return !stat(path, &st) && S_ISSOCK(st.st_mode);
	if (strcmp(which, "replaced"))
		return lstat(path, &st) && errno == ENOENT;
	fd = open(path, O_RDONLY);
	return fd >= 0 && read(fd, buf, sizeof(buf)) == sizeof(buf) &&
	       !memcmp(buf, stuff, sizeof(stuff)) && !close(fd);
}

/* rel: the paths lead to these very sockets */
static int reachable(void)
{
	struct sockaddr_un a;
	socklen_t len;
	int c = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_DGRAM, 0), s;
	char buf[4];

	name_of(&a, &len, "listener");
	if (c < 0 || d < 0 || connect(c, (struct sockaddr *)&a, len))
		return 0;
	s = accept(lsk, NULL, NULL);
	name_of(&a, &len, "dgram");
	if (s < 0 || sendto(d, "dg", 3, 0, (struct sockaddr *)&a, len) != 3 ||
	    recv(dsk, buf, sizeof(buf), MSG_DONTWAIT) != 3)
		return 0;
	close(s);
	close(c);
	close(d);
	return 1;
}

/* the client waits on the listener's queue: accept it (once, after restore), talk */
static int pending_client(void)
{
	static int s = -1;
	char buf[4];

	if (!test_sig_received)
		return 1;
	if (s < 0)
		s = accept(lsk, NULL, NULL);
	return s >= 0 && write(cli, "hi", 3) == 3 && read(s, buf, sizeof(buf)) == 3 &&
	       !memcmp(buf, "hi", 3);
}

static void check(void)
{
	int acc = 0, type = 0;
	socklen_t len = sizeof(acc);

	if (!same_name(lsk, "listener") || !same_name(dsk, "dgram")) {
		fail("a socket lost its name");
		return;
	}
	if (getsockopt(lsk, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) || !acc ||
	    getsockopt(dsk, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_DGRAM) {
		fail("the listener does not listen or the datagram socket changed type");
		return;
	}
	if (!path_as_left("listener") || !path_as_left("dgram")) {
		fail("the socket paths are not as they were left (%s)", which);
		return;
	}
	if (!strcmp(which, "rmdir") && access(dir, F_OK) == 0) {
		fail("the removed directory %s exists again", dir);
		return;
	}
	if (!pending_client())
		fail_perror("the client the listener had not accepted yet is not there");
	/* after restore only, and after the pending client: reachable() accepts too */
	if (!strcmp(which, "rel") && test_sig_received && !reachable())
		fail_perror("the relative paths do not lead to the sockets");
}

int main(int argc, char **argv)
{
	int ret;

	which = getenv("UNIX_PATH_CASE") ?: "rel";
	test_init(argc, argv);
	ret = test_check_across_dump(setup, check);
	if (strcmp(which, "rmdir")) {
		chdir("/");
		unlink(test_path("dir/listener"));
		unlink(test_path("dir/dgram"));
		rmdir(test_path("dir"));
	}
	return ret;
}
