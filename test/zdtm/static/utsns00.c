/* SPDX-License-Identifier: GPL-2.0 */
/*
 * utsns00: the host and domain names of the tree's own uts namespace (pidns flavour) come
 * back. The names are made up per run, so an old value can't pass; a child forked before
 * the dump checks them too, from the same namespace.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static char host[64], domain[64];
static int go[2];
static pid_t kid;

static int names_are_ours(void)
{
	struct utsname u;

	if (uname(&u))
		return -1;
	return strcmp(u.nodename, host) || strcmp(u.domainname, domain) ? 1 : 0;
}

static int setup(void)
{
	char c;

	snprintf(host, sizeof(host), "zdtm-uts-%ld", (long)time(NULL) % 100000);
	snprintf(domain, sizeof(domain), "dom-%ld.zdtm", (long)time(NULL) % 7919);
	if (sethostname(host, strlen(host)) || setdomainname(domain, strlen(domain))) {
		fail_perror("sethostname or setdomainname");
		return -1;
	}
	if (pipe(go)) {
		fail_perror("pipe");
		return -1;
	}
	kid = fork();
	if (kid < 0) {
		fail_perror("fork");
		return -1;
	}
	if (kid == 0)
		_exit(read(go[0], &c, 1) == 1 ? names_are_ours() : 2);
	return 0;
}

static void check(void)
{
	static int after_restore;
	struct utsname u;
	int status;

	if (names_are_ours()) {
		uname(&u);
		fail("names are '%s' and '%s', set '%s' and '%s'", u.nodename, u.domainname, host,
		     domain);
	}
	if (!after_restore++)
		return;
	if (write(go[1], "g", 1) != 1 || waitpid(kid, &status, 0) != kid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("the child saw other names after the restore");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
