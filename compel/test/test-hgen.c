/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test-hgen.c - compel-hgen on the test blob: the header it writes describes the blob
 * (exports, entry), and damaged blobs (a foreign relocation type, a GOT, garbage) are
 * refused with a clear error.
 */
#include <elf.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_parasite-blob.h"
#include "victim.h"

static char hgen[PATH_MAX], elf[PATH_MAX];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, *len + 1);
	if (buf && fread(buf, 1, *len, f) != *len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Run hgen on bytes; returns its exit status and its stderr+header text in *out. */
static int run_hgen(const char *bytes, size_t len, char **out)
{
	char in[] = "/tmp/compel-hgen-in-XXXXXX", cmd[4 * PATH_MAX], hdr[PATH_MAX + 8];
	char log[PATH_MAX + 8];
	size_t n;
	int fd, st;

	fd = mkstemp(in);
	if (fd < 0 || write(fd, bytes, len) != (ssize_t)len)
		return -1;
	close(fd);
	snprintf(hdr, sizeof(hdr), "%s.h", in);
	snprintf(log, sizeof(log), "%s.log", in);
	snprintf(cmd, sizeof(cmd), "%s -n t -i %s -o %s 2>%s", hgen, in, hdr, log);
	st = system(cmd);
	*out = slurp(WEXITSTATUS(st) ? log : hdr, &n);
	unlink(in);
	unlink(hdr);
	unlink(log);
	return WEXITSTATUS(st);
}

static Elf64_Shdr *section(char *img, uint32_t type, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + eh->e_shoff);
	const char *names = img + sh[eh->e_shstrndx].sh_offset;
	int i;

	for (i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == type && (!name || !strcmp(names + sh[i].sh_name, name)))
			return &sh[i];
	return NULL;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], *dir, *img, *copy, *out;
	Elf64_Shdr *s;
	size_t len;
	int st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
		return 1;
	self[sizeof(self) - 1] = 0;
	dir = dirname(self);
	snprintf(hgen, sizeof(hgen), "%s/../compel-hgen", dir);
	snprintf(elf, sizeof(elf), "%s/../test-blob/test_parasite.elf", dir);
	img = slurp(elf, &len);
	CHECK(img != NULL, "read %s", elf);
	if (!img)
		return tests_report();

	/* What the build generated. */
	CHECK(test_parasite_sym_test_magic < test_parasite_blob_desc.image_size &&
		      !memcmp(test_parasite_blob_desc.image + test_parasite_sym_test_magic,
			      "\x34\x12\x5a\x5a", 4),
	      "exported symbol offset points at its value");
	CHECK(test_parasite_blob_desc.entry == test_parasite_sym_entry &&
		      test_parasite_blob_desc.nr_relocs >= 4,
	      "entry and relocations described (%zu)", test_parasite_blob_desc.nr_relocs);

	st = run_hgen(img, len, &out);
	CHECK(st == 0 && out && strstr(out, "static const struct compel_blob_desc t_blob_desc") &&
		      strstr(out, "#define t_sym_test_magic "),
	      "good blob -> header");
	free(out);

	copy = malloc(len);
	memcpy(copy, img, len);
	s = section(copy, SHT_RELA, NULL);
	CHECK(s != NULL, "blob has a RELA section");
	if (s)
		((Elf64_Rela *)(copy + s->sh_offset))->r_info = ELF64_R_INFO(0, R_X86_64_64);
	st = run_hgen(copy, len, &out);
	CHECK(st != 0 && out && strstr(out, "Error") && strstr(out, "only R_X86_64_RELATIVE"),
	      "foreign relocation type refused: %s", out ? out : "");
	free(out);

	memcpy(copy, img, len);
	s = section(copy, SHT_PROGBITS, ".data");
	if (s)
		memcpy(copy +
			       ((Elf64_Shdr *)(copy +
					       ((Elf64_Ehdr *)copy)
						       ->e_shoff))[((Elf64_Ehdr *)copy)->e_shstrndx]
				       .sh_offset +
			       s->sh_name,
		       ".got", 5);
	st = run_hgen(copy, len, &out);
	CHECK(s && st != 0 && out && strstr(out, "GOT/PLT"), "a GOT is refused");
	free(out);

	st = run_hgen(img, 100, &out);
	CHECK(st != 0 && out && strstr(out, "Error"), "truncated file refused: %s", out ? out : "");
	free(out);
	free(copy);
	free(img);
	return tests_report();
}
