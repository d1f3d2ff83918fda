/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compel.c - the compel command, as CRIU installs one: what a program that carries its own
 * parasite needs to build it against the installed libcompel. The paths are those of the
 * install (PREFIX, INCLUDEDIR, LIBDIR: install-paths.h, made by make).
 *
 *   compel includes | cflags | ldflags | plugins [std] | [--static] libs
 *   compel hgen -f BLOB.elf -o HEADER [-p NAME] [-l N]
 *
 * cflags compile a parasite's objects, ldflags link them (with ld) and the plugins' runtime
 * at address 0, hgen makes the header the host program includes (compel-hgen does it), and
 * includes and libs build the host program.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "install-paths.h"

#define VERSION "4.2"

static const char blob_cflags[] =
	"-fpie -nostdlib -ffreestanding -fno-stack-protector -fno-builtin -mno-red-zone "
	"-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-jump-tables "
	"-fvisibility=hidden -fno-tree-loop-distribute-patterns -fcf-protection=none "
	"-mgeneral-regs-only -fno-plt -include compel/rt/compiler.h";

static const char blob_ldflags[] =
	"-pie -z norelro -z noexecstack -z noseparate-code --no-dynamic-linker "
	"--no-warn-rwx-segments --build-id=none --hash-style=gnu -e 0 -nostdlib";

static void usage(FILE *f)
{
	fprintf(f, "Usage:\n"
		   "  compel includes | cflags | ldflags | plugins [std]\n"
		   "  compel [--static] libs\n"
		   "  compel hgen -f BLOB.elf -o HEADER [-p NAME] [-l N]\n"
		   "  compel -h|--help, compel -V|--version\n"
		   "\n"
		   "  -f, --file FILE       the parasite, linked with ld $(compel ldflags)\n"
		   "  -o, --output FILE     the header to write\n"
		   "  -p, --prefix NAME     the prefix of its names (default: parasite)\n"
		   "  -l, --log-level N     accepted for CRIU's users; hgen logs nothing\n"
		   "  --static              libs: the archive's path instead of -lcompel\n");
}

/* The compiler searches these itself: no -I or -L for them, as CRIU's compel. */
static bool standard_dir(const char *dir)
{
	return !strcmp(dir, "/usr/include") || !strcmp(dir, "/usr/local/include") ||
	       !strcmp(dir, "/usr/lib") || !strcmp(dir, "/usr/local/lib");
}

static void print_includes(void)
{
	if (!standard_dir(COMPEL_INCLUDEDIR))
		printf("-I %s\n", COMPEL_INCLUDEDIR);
}

static int print_plugins(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		/* std carries fd passing too: CRIU's fds plugin is part of it */
		if (strcmp(argv[i], "std") && strcmp(argv[i], "fds")) {
			fprintf(stderr,
				"compel: plugin '%s' is not supported (std and fds are one "
				"runtime here)\n",
				argv[i]);
			return 1;
		}
	}
	printf("%s/compel/std.lib.o\n", COMPEL_LIBDIR);
	return 0;
}

static int print_libs(bool static_lib)
{
	if (static_lib)
		printf("%s/libcompel.a\n", COMPEL_LIBDIR);
	else if (standard_dir(COMPEL_LIBDIR))
		printf("-lcompel\n");
	else
		printf("-L %s -lcompel\n", COMPEL_LIBDIR);
	return 0;
}

/* compel-hgen lives next to this program, installed or in the build tree. */
static int run_hgen(const char *in, const char *out, const char *prefix)
{
	char self[PATH_MAX], hgen[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (!in || !out) {
		fprintf(stderr, "compel hgen needs -f BLOB.elf and -o HEADER\n");
		return 1;
	}
	if (n < 0) {
		perror("compel: can't read /proc/self/exe to find compel-hgen");
		return 1;
	}
	self[n] = '\0';
	snprintf(hgen, sizeof(hgen), "%s/compel-hgen", dirname(self));
	execl(hgen, hgen, "-n", prefix, "-i", in, "-o", out, (char *)NULL);
	fprintf(stderr, "compel: can't run %s: %m\n", hgen);
	return 1;
}

static const struct option long_opts[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "prefix", required_argument, NULL, 'p' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "static", no_argument, NULL, 's' },
	{ "compat", no_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *prefix = "parasite", *cmd;
	bool static_lib = false;
	int c;

	while ((c = getopt_long(argc, argv, "f:o:p:l:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			in = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'l':
			break;
		case 's':
			static_lib = true;
			break;
		case 'c':
			fprintf(stderr, "compel: --compat (32-bit parasites) is not supported\n");
			return 1;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("Version: %s\n", VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	cmd = argv[optind++];
	if (!strcmp(cmd, "plugins"))
		return print_plugins(argc - optind, argv + optind);
	if (optind < argc) {
		fprintf(stderr, "compel %s: unexpected argument '%s'\n", cmd, argv[optind]);
		return 1;
	}
	if (!strcmp(cmd, "includes")) {
		print_includes();
	} else if (!strcmp(cmd, "cflags")) {
		printf("%s", blob_cflags);
		if (!standard_dir(COMPEL_INCLUDEDIR))
			printf(" -I %s", COMPEL_INCLUDEDIR);
		printf("\n");
	} else if (!strcmp(cmd, "ldflags")) {
		printf("%s -T %s/compel/blob.lds\n", blob_ldflags, COMPEL_LIBDIR);
	} else if (!strcmp(cmd, "libs")) {
		return print_libs(static_lib);
	} else if (!strcmp(cmd, "hgen")) {
		return run_hgen(in, out, prefix);
	} else {
		fprintf(stderr, "compel: unknown command '%s'\n", cmd);
		usage(stderr);
		return 1;
	}
	return 0;
}
