/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userns-test.c - uid and gid maps of a user namespace (criu/ns/userns-map.c): the text of
 * /proc/PID/uid_map parsed, an id turned from criu's side to the inside and back, ids no
 * extent covers refused, the text written back as the kernel reads it, a nested namespace's
 * map turned into its parent's view; and the maps of the test's own task read from /proc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../criu/ns/userns.h"
#include "unit-check.h"

static void test_parse(void)
{
	struct userns_map m;

	CHECK(!userns_map_parse("         0     100000      65536\n", &m) && m.nr == 1 &&
		      m.e[0].first == 0 && m.e[0].lower == 100000 && m.e[0].count == 65536,
	      "one extent, as the kernel pads it");
	CHECK(!userns_map_parse("0 0 1\n1000 201000 1000\n", &m) && m.nr == 2 &&
		      m.e[1].first == 1000 && m.e[1].lower == 201000,
	      "two extents");
	CHECK(!userns_map_parse("", &m) && m.nr == 0, "an empty map (none written yet)");
	CHECK(!userns_map_parse("0 0 4294967295\n", &m) && m.nr == 1, "the whole range");
	CHECK(userns_map_parse("0 0\n", &m), "a short line is refused");
	CHECK(userns_map_parse("0 0 0\n", &m), "an empty extent is refused");
	CHECK(userns_map_parse("4294967295 0 2\n", &m), "an extent past 2^32 is refused");
	CHECK(userns_map_parse("0 0 1 x\n", &m), "trailing junk is refused");
}

static void test_translate(void)
{
	struct userns_map m;
	uint32_t id = 7;

	userns_map_parse("0 0 1\n1000 201000 1000\n", &m);
	CHECK(userns_id_inside(&m, 0, &id) && id == 0, "0 stays 0");
	CHECK(userns_id_inside(&m, 201500, &id) && id == 1500, "201500 is 1500 inside: %u", id);
	CHECK(userns_id_inside(&m, 201999, &id) && id == 1999, "the extent's last id");
	CHECK(!userns_id_inside(&m, 202000, &id), "one past the extent has no inside id");
	CHECK(!userns_id_inside(&m, 1000, &id), "an outside id the map skips has none");
	CHECK(userns_id_outside(&m, 1001, &id) && id == 201001, "1001 is 201001 outside");
	CHECK(!userns_id_outside(&m, 5, &id), "an inside id without an extent");
}

static void test_format(void)
{
	struct userns_map m, back;
	char buf[64];
	int len;

	userns_map_parse("   0  100000  65536\n1 2 3\n", &m);
	len = userns_map_format(&m, buf, sizeof(buf));
	CHECK(len > 0 && !strcmp(buf, "0 100000 65536\n1 2 3\n"), "written back: '%s'", buf);
	CHECK(!userns_map_parse(buf, &back) && back.nr == 2 &&
		      !memcmp(&back.e, &m.e, 2 * sizeof(m.e[0])),
	      "and parsed again the same");
	CHECK(userns_map_format(&m, buf, 10) == -ENOSPC, "a short buffer is refused");
}

/* A nested namespace's map, read by criu, as its parent (a namespace of its own) sees it */
static void test_to_parent(void)
{
	struct userns_map m, pm, out;

	userns_map_parse("0 0 1\n1 100001 65535\n", &pm);
	userns_map_parse("0 101000 1000\n", &m);
	CHECK(!userns_map_to_parent(&m, &pm, &out) && out.nr == 1 && out.e[0].first == 0 &&
		      out.e[0].lower == 1000 && out.e[0].count == 1000,
	      "101000 in criu's view is 1000 in the parent's");
	userns_map_parse("0 0 1\n", &m);
	CHECK(!userns_map_to_parent(&m, &pm, &out) && out.nr == 1 && out.e[0].lower == 0,
	      "the parent's 0 is criu's 0");
	userns_map_parse("0 0 8\n8 200 10\n", &pm);
	userns_map_parse("10 5 6\n", &m);
	CHECK(userns_map_to_parent(&m, &pm, &out), "ids past the parent's extent are refused");
	userns_map_parse("0 0 8\n8 8 10\n", &pm);
	CHECK(!userns_map_to_parent(&m, &pm, &out) && out.nr == 2 && out.e[0].first == 10 &&
		      out.e[0].lower == 5 && out.e[0].count == 3 && out.e[1].first == 13 &&
		      out.e[1].lower == 8 && out.e[1].count == 3,
	      "an extent over two of the parent's is split");
	userns_map_parse("0 500000 10\n", &m);
	CHECK(userns_map_to_parent(&m, &pm, &out), "ids the parent has not are refused");
}

static void test_own_task(void)
{
	struct userns_maps *own = malloc(sizeof(*own));

	CHECK(own && !userns_maps_read(getpid(), own) && own->uid.nr >= 1 && own->gid.nr >= 1,
	      "the test's own maps are read");
	free(own);
}

int main(void)
{
	test_parse();
	test_translate();
	test_format();
	test_to_parent();
	test_own_task();
	UNIT_REPORT();
}
