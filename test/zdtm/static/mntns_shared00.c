/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_shared00 (ns flavour): mount propagation comes back. $ZDTM_PROP_CASE picks:
 * "shared" (default): a shared bind a/, b/ a bind of it (its peer), c/ a bind of a/sub (a
 * peer with a narrower root), p/ a private bind of the same directory. Checked before and
 * after: mountinfo puts a, b and c in one peer group and p in none, and a tmpfs mounted on
 * a/x shows (with its file) at b/x, one on b/x at a/x, one on a/sub/y at c/y, none at p/x.
 * "slave" (mntns_slave00): m/ shared, s/ its slave, ss/ its slave made shared too and ss2/
 * a bind of ss (ss's peer, m's slave). mountinfo: s and ss are slaves of m's group, ss and
 * ss2 peers in another; a mount on m/x shows at s/x, ss/x and ss2/x, one on s/y nowhere
 * else, one on ss/y at ss2/y but not at m/y. Group numbers are not compared, relations are.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static char base[PATH_MAX - 64];
static bool slave_case;

static const char *at(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int n;
	char *p = bufs[n++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", base, rel);
	return p;
}

static int bind(const char *from, const char *to, unsigned long prop)
{
	char src[PATH_MAX];

	snprintf(src, sizeof(src), "%s", at(from));
	if (mount(src, at(to), NULL, MS_BIND, NULL) ||
	    (prop && mount(NULL, at(to), NULL, prop, NULL))) {
		fail("bind %s on %s (propagation %#lx): %s", from, to, prop, strerror(errno));
		return -1;
	}
	return 0;
}

/* shared:N and master:N of the top mount at rel, from /proc/self/mountinfo */
static int prop_of(const char *rel, int *shared, int *master)
{
	char line[4096], mp[PATH_MAX], *dash, *f;
	FILE *fp = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1 || strcmp(mp, at(rel)))
			continue;
		found = 1;
		*shared = *master = 0;
		dash = strstr(line, " - ");
		if (dash)
			*dash = '\0';
		f = strstr(line, " shared:");
		if (f)
			*shared = atoi(f + 8);
		f = strstr(line, " master:");
		if (f)
			*master = atoi(f + 8);
	}
	fclose(fp);
	if (!found)
		fail("%s is not in /proc/self/mountinfo", at(rel));
	return found ? 0 : -1;
}

/* Does a tmpfs mounted on from (with a file) show at to? It is unmounted again. */
static int shows(const char *from, const char *to)
{
	char mark[PATH_MAX + 8];
	int fd, seen;

	if (mount("zdtm_prop", at(from), "tmpfs", 0, "size=64k")) {
		fail("mount a tmpfs on %s: %s", from, strerror(errno));
		return -1;
	}
	snprintf(mark, sizeof(mark), "%s/mark", at(from));
	fd = open(mark, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(mark, sizeof(mark), "%s/mark", at(to));
	seen = access(mark, F_OK) == 0;
	if (umount2(at(from), 0))
		fail("umount %s: %s", from, strerror(errno));
	if (access(mark, F_OK) == 0)
		fail("%s still shows the tmpfs after its umount on %s", to, from);
	return seen;
}

static void expect(const char *from, const char *to, int want)
{
	int got = shows(from, to);

	if (got >= 0 && got != want)
		fail("a mount on %s %s at %s", from, want ? "does not show" : "shows", to);
}

static int make_dirs(void)
{
	static const char *const dirs[] = { "",		 "src", "src/x", "src/y", "src/sub",
					    "src/sub/y", "a",	"b",	 "c",	  "p",
					    "m",	 "s",	"ss",	 "ss2" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(at(dirs[i]), 0755) && errno != EEXIST) {
			fail("mkdir %s: %s", at(dirs[i]), strerror(errno));
			return -1;
		}
	return 0;
}

static int setup(void)
{
	const char *which = getenv("ZDTM_PROP_CASE");

	slave_case = which && !strcmp(which, "slave");
	snprintf(base, sizeof(base), "%s", test_path("mnt"));
	if (make_dirs())
		return -1;
	if (slave_case)
		return bind("src", "m", MS_SHARED) || bind("m", "s", MS_SLAVE) ||
		       bind("m", "ss", MS_SLAVE) || mount(NULL, at("ss"), NULL, MS_SHARED, NULL) ||
		       bind("ss", "ss2", 0);
	return bind("src", "a", MS_SHARED) || bind("a", "b", 0) || bind("a/sub", "c", 0) ||
	       bind("src", "p", 0);
}

static void check_shared(void)
{
	int as, am, bs, bm, cs, cm, ps, pm;

	if (prop_of("a", &as, &am) || prop_of("b", &bs, &bm) || prop_of("c", &cs, &cm) ||
	    prop_of("p", &ps, &pm))
		return;
	if (!as || bs != as || cs != as || ps || am || bm || cm || pm)
		fail("a, b, c should be one peer group, p private: a %d/%d b %d/%d c %d/%d p "
		     "%d/%d (shared/master)",
		     as, am, bs, bm, cs, cm, ps, pm);
	expect("a/x", "b/x", 1);
	expect("b/x", "a/x", 1);
	expect("a/sub/y", "c/y", 1);
	expect("c/y", "a/sub/y", 1);
	expect("a/x", "p/x", 0);
}

static void check_slave(void)
{
	int ms, mm, ss_, sm, sss, ssm, s2s, s2m;

	if (prop_of("m", &ms, &mm) || prop_of("s", &ss_, &sm) || prop_of("ss", &sss, &ssm) ||
	    prop_of("ss2", &s2s, &s2m))
		return;
	if (!ms || mm || ss_ || sm != ms || !sss || sss == ms || ssm != ms || s2s != sss ||
	    s2m != ms)
		fail("want m shared, s its slave, ss and ss2 peers and its slaves: m %d/%d s %d/%d "
		     "ss %d/%d ss2 %d/%d (shared/master)",
		     ms, mm, ss_, sm, sss, ssm, s2s, s2m);
	expect("m/x", "s/x", 1);
	expect("m/x", "ss/x", 1);
	expect("m/x", "ss2/x", 1);
	expect("s/y", "m/y", 0);
	expect("s/y", "ss/y", 0);
	expect("ss/y", "ss2/y", 1);
	expect("ss/y", "m/y", 0);
	expect("ss/y", "s/y", 0);
}

static void check(void)
{
	if (slave_case)
		check_slave();
	else
		check_shared();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
