/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hgen.c - compel-hgen: turn a linked blob (an x86_64 PIE linked at 0 with blob.lds) into a
 * C header that criu compiles in: the loadable bytes, the bss size, the offsets that need
 * the load address added, and the offsets of the __export_ symbols.
 *
 * It refuses anything the loader could not handle: relocations other than
 * R_X86_64_RELATIVE, a GOT or PLT, an interpreter, loadable sections outside the one
 * segment at address 0. Usage: compel-hgen -n NAME -i BLOB.elf -o NAME-blob.h
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT_PREFIX "__export_"

struct blob {
	const char *path;
	uint8_t *file;
	size_t file_size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *shstr;
	const Elf64_Phdr *load; /* the segment at address 0 */
	uint8_t *image;		/* copy of its file bytes, addends filled in */
	size_t image_size, mem_size;
	uint32_t *relocs;
	size_t nr_relocs;
};

static int fail(const struct blob *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const struct blob *b, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "compel-hgen: Error (%s): ", b->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* True when [off, off+len) lies inside the file. */
static int in_file(const struct blob *b, uint64_t off, uint64_t len)
{
	return off <= b->file_size && len <= b->file_size - off;
}

static int read_file(struct blob *b)
{
	FILE *f = fopen(b->path, "rb");
	long sz;

	if (!f) {
		fprintf(stderr, "compel-hgen: Error: cannot open %s: %s\n", b->path,
			strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out_err;
	b->file_size = sz;
	b->file = malloc(sz ? sz : 1);
	if (!b->file || fread(b->file, 1, sz, f) != (size_t)sz)
		goto out_err;
	fclose(f);
	return 0;
out_err:
	fprintf(stderr, "compel-hgen: Error: cannot read %s: %s\n", b->path, strerror(errno));
	fclose(f);
	return -1;
}

static int check_header(struct blob *b)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b->file;

	if (b->file_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return fail(b, "not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		return fail(b, "not an x86_64 little-endian ELF64 file");
	if (eh->e_type != ET_DYN)
		return fail(b, "not a PIE (link with -pie --no-dynamic-linker -T blob.lds)");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(b, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)) ||
	    !in_file(b, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return fail(b, "corrupt program or section header table");
	b->eh = eh;
	b->sh = (const Elf64_Shdr *)(b->file + eh->e_shoff);
	if (!in_file(b, b->sh[eh->e_shstrndx].sh_offset, b->sh[eh->e_shstrndx].sh_size))
		return fail(b, "corrupt section name table");
	b->shstr = (const char *)b->file + b->sh[eh->e_shstrndx].sh_offset;
	return 0;
}

static const char *sec_name(const struct blob *b, const Elf64_Shdr *s)
{
	if (s->sh_name >= b->sh[b->eh->e_shstrndx].sh_size)
		return "?";
	return b->shstr + s->sh_name;
}

static int find_segment(struct blob *b)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(b->file + b->eh->e_phoff);
	int i;

	for (i = 0; i < b->eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP)
			return fail(b, "has an interpreter; link with --no-dynamic-linker");
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr == 0 && !b->load)
			b->load = &ph[i];
	}
	if (!b->load)
		return fail(b, "no loadable segment at address 0 (link with -T blob.lds)");
	if (b->load->p_filesz > b->load->p_memsz ||
	    !in_file(b, b->load->p_offset, b->load->p_filesz))
		return fail(b, "corrupt loadable segment");
	b->image_size = b->load->p_filesz;
	b->mem_size = b->load->p_memsz;
	b->image = calloc(1, b->image_size ? b->image_size : 1);
	if (!b->image)
		return fail(b, "out of memory");
	memcpy(b->image, b->file + b->load->p_offset, b->image_size);
	return 0;
}

/* Only dynamic-linking metadata may live outside the blob segment; a GOT or PLT may not exist. */
static int check_sections(const struct blob *b)
{
	int i;

	for (i = 0; i < b->eh->e_shnum; i++) {
		const Elf64_Shdr *s = &b->sh[i];
		const char *name = sec_name(b, s);

		if (!(s->sh_flags & SHF_ALLOC) || s->sh_size == 0)
			continue;
		if (!strncmp(name, ".got", 4) || !strncmp(name, ".plt", 4) ||
		    !strncmp(name, ".igot", 5) || !strncmp(name, ".iplt", 5))
			return fail(
				b,
				"section %s is not empty: the blob needs a GOT/PLT; build its "
				"objects with COMPEL_BLOB_CFLAGS (hidden visibility, -fpie) and do "
				"not reference symbols defined outside the blob",
				name);
		if (s->sh_flags & SHF_TLS)
			return fail(b,
				    "section %s holds thread-local data, which a blob can't have",
				    name);
		switch (s->sh_type) {
		case SHT_DYNAMIC:
		case SHT_RELA:
		case SHT_REL:
		case SHT_DYNSYM:
		case SHT_STRTAB:
		case SHT_HASH:
		case SHT_GNU_HASH:
			continue;
		}
		if (s->sh_addr + s->sh_size > b->mem_size)
			return fail(b,
				    "section %s at 0x%lx lies outside the blob segment; link with "
				    "compel's blob.lds",
				    name, (unsigned long)s->sh_addr);
		if (s->sh_type != SHT_NOBITS && s->sh_addr + s->sh_size > b->image_size)
			return fail(b, "section %s has file contents in the bss part", name);
	}
	return 0;
}

static const char *sym_name_of(const struct blob *b, const Elf64_Shdr *rs, uint32_t idx)
{
	const Elf64_Shdr *ss, *st;
	const Elf64_Sym *sym;

	if (idx == 0)
		return "(none)";
	if (rs->sh_link == 0 || rs->sh_link >= b->eh->e_shnum)
		return "?";
	ss = &b->sh[rs->sh_link];
	if (ss->sh_link >= b->eh->e_shnum || (uint64_t)(idx + 1) * sizeof(*sym) > ss->sh_size)
		return "?";
	st = &b->sh[ss->sh_link];
	sym = (const Elf64_Sym *)(b->file + ss->sh_offset) + idx;
	if (sym->st_name >= st->sh_size)
		return "?";
	return (const char *)b->file + st->sh_offset + sym->st_name;
}

static int add_reloc(struct blob *b, const Elf64_Rela *r)
{
	uint64_t v = r->r_addend;
	uint32_t *n;

	if (r->r_offset > b->image_size || b->image_size - r->r_offset < 8)
		return fail(b, "relocation at 0x%lx outside the image (bss or beyond)",
			    (unsigned long)r->r_offset);
	n = realloc(b->relocs, (b->nr_relocs + 1) * sizeof(*n));
	if (!n)
		return fail(b, "out of memory");
	b->relocs = n;
	b->relocs[b->nr_relocs++] = (uint32_t)r->r_offset;
	/* The loader adds the base to what is stored in place, so store the addend there. */
	memcpy(b->image + r->r_offset, &v, 8);
	return 0;
}

static int collect_relocs(struct blob *b)
{
	int i;

	for (i = 0; i < b->eh->e_shnum; i++) {
		const Elf64_Shdr *s = &b->sh[i];
		const Elf64_Rela *r;
		size_t j, n;

		if (s->sh_type == SHT_REL && (s->sh_flags & SHF_ALLOC))
			return fail(b, "REL (not RELA) relocations in %s", sec_name(b, s));
		if (s->sh_type != SHT_RELA || !(s->sh_flags & SHF_ALLOC))
			continue;
		if (s->sh_entsize != sizeof(*r) || !in_file(b, s->sh_offset, s->sh_size))
			return fail(b, "corrupt relocation section %s", sec_name(b, s));
		r = (const Elf64_Rela *)(b->file + s->sh_offset);
		n = s->sh_size / sizeof(*r);
		for (j = 0; j < n; j++) {
			uint32_t type = ELF64_R_TYPE(r[j].r_info);

			if (type == R_X86_64_NONE)
				continue;
			if (type != R_X86_64_RELATIVE)
				return fail(
					b,
					"relocation type %u at 0x%lx (symbol %s) in %s: only "
					"R_X86_64_RELATIVE can be applied by compel; is the symbol "
					"defined outside the blob?",
					type, (unsigned long)r[j].r_offset,
					sym_name_of(b, s, ELF64_R_SYM(r[j].r_info)),
					sec_name(b, s));
			if (add_reloc(b, &r[j]))
				return -1;
		}
	}
	return 0;
}

static void emit_bytes(FILE *o, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(o, "%s0x%02x,%s", i % 12 ? " " : "\t", p[i], i % 12 == 11 ? "\n" : "");
	if (n % 12)
		fputc('\n', o);
}

/* Print #defines for __export_ symbols; returns the entry offset via *entry. */
static int emit_symbols(const struct blob *b, FILE *o, const char *name, uint64_t *entry)
{
	int i, found_entry = 0;

	*entry = b->eh->e_entry;
	for (i = 0; i < b->eh->e_shnum; i++) {
		const Elf64_Shdr *s = &b->sh[i], *st;
		const Elf64_Sym *sym;
		size_t j, n;

		if (s->sh_type != SHT_SYMTAB)
			continue;
		if (s->sh_link >= b->eh->e_shnum || !in_file(b, s->sh_offset, s->sh_size))
			return fail(b, "corrupt symbol table");
		st = &b->sh[s->sh_link];
		sym = (const Elf64_Sym *)(b->file + s->sh_offset);
		n = s->sh_size / sizeof(*sym);
		for (j = 0; j < n; j++) {
			const char *sn = (const char *)b->file + st->sh_offset + sym[j].st_name;
			int bind = ELF64_ST_BIND(sym[j].st_info);

			if (sym[j].st_name >= st->sh_size || sym[j].st_shndx == SHN_UNDEF)
				continue;
			/* Hidden globals become locals in the link; default ones stay global. */
			if (bind != STB_GLOBAL && bind != STB_WEAK &&
			    ELF64_ST_VISIBILITY(sym[j].st_other) != STV_HIDDEN)
				continue;
			if (strncmp(sn, EXPORT_PREFIX, strlen(EXPORT_PREFIX)))
				continue;
			if (sym[j].st_value > b->mem_size)
				return fail(b, "symbol %s outside the blob", sn);
			sn += strlen(EXPORT_PREFIX);
			fprintf(o, "#define %s_sym_%s 0x%lxul\n", name, sn,
				(unsigned long)sym[j].st_value);
			if (!strcmp(sn, "entry")) {
				*entry = sym[j].st_value;
				found_entry = 1;
			}
		}
	}
	if (!found_entry)
		fprintf(o, "#define %s_sym_entry 0x%lxul\n", name, (unsigned long)*entry);
	return 0;
}

static int emit_header(const struct blob *b, const char *name, const char *out)
{
	char tmp[4096];
	uint64_t entry;
	FILE *o;
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	o = fopen(tmp, "w");
	if (!o) {
		fprintf(stderr, "compel-hgen: Error: cannot create %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	fprintf(o, "/* Generated by compel-hgen from %s: do not edit. */\n", b->path);
	fprintf(o, "#ifndef %s_BLOB_H__\n#define %s_BLOB_H__\n\n", name, name);
	fprintf(o, "#include \"compel/blob.h\"\n\n");
	if (emit_symbols(b, o, name, &entry))
		goto out_close;
	fprintf(o, "#define %s_blob_image_size 0x%lxul\n", name, (unsigned long)b->image_size);
	fprintf(o, "#define %s_blob_bss_size 0x%lxul\n\n", name,
		(unsigned long)(b->mem_size - b->image_size));
	fprintf(o,
		"static const uint8_t %s_blob_image[] __attribute__((unused, aligned(16))) = {\n",
		name);
	emit_bytes(o, b->image, b->image_size);
	fprintf(o, "};\n\nstatic const uint32_t %s_blob_relocs[] __attribute__((unused)) = {\n",
		name);
	for (i = 0; i < b->nr_relocs; i++)
		fprintf(o, "\t0x%x,\n", b->relocs[i]);
	if (!b->nr_relocs)
		fprintf(o, "\t0 /* none */\n");
	fprintf(o,
		"};\n\nstatic const struct compel_blob_desc %s_blob_desc __attribute__((unused)) = "
		"{\n",
		name);
	fprintf(o, "\t.image = %s_blob_image,\n\t.image_size = 0x%lxul,\n", name,
		(unsigned long)b->image_size);
	fprintf(o, "\t.bss_size = 0x%lxul,\n\t.relocs = %s_blob_relocs,\n",
		(unsigned long)(b->mem_size - b->image_size), name);
	fprintf(o, "\t.nr_relocs = %lu,\n\t.entry = 0x%lxul,\n};\n\n#endif\n",
		(unsigned long)b->nr_relocs, (unsigned long)entry);
	if (fclose(o)) {
		fprintf(stderr, "compel-hgen: Error: cannot write %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, out)) {
		fprintf(stderr, "compel-hgen: Error: cannot rename %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
out_close:
	fclose(o);
	unlink(tmp);
	return -1;
}

static int valid_name(const char *n)
{
	if (!*n || isdigit((unsigned char)*n))
		return 0;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '_')
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	const char *name = NULL, *out = NULL;
	struct blob b = { 0 };
	int opt;

	while ((opt = getopt(argc, argv, "n:i:o:")) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'i':
			b.path = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (!name || !b.path || !out || optind != argc)
		goto usage;
	if (!valid_name(name)) {
		fprintf(stderr, "compel-hgen: Error: blob name '%s' is not a C identifier\n", name);
		return 1;
	}
	if (read_file(&b) || check_header(&b) || find_segment(&b) || check_sections(&b) ||
	    collect_relocs(&b) || emit_header(&b, name, out))
		return 1;
	free(b.relocs);
	free(b.image);
	free(b.file);
	return 0;
usage:
	fprintf(stderr, "usage: compel-hgen -n NAME -i BLOB.elf -o NAME-blob.h\n");
	return 2;
}
