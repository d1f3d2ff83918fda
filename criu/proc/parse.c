/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/parse.c - parsers for /proc/PID/stat and /proc/PID/maps, and small /proc helpers.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "proc-parse.h"

#define PROC_FILE_MAX (256u << 20)

char *read_proc_file(const char *path, size_t *len)
{
	size_t cap = 4096, off = 0;
	char *buf = NULL, *nbuf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s", path);
		return NULL;
	}
	for (;;) {
		if (off + 1 >= cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > PROC_FILE_MAX) {
				pr_err("%s is larger than %u bytes\n", path, PROC_FILE_MAX);
				goto out_free;
			}
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				pr_err("Out of memory reading %s\n", path);
				goto out_free;
			}
			buf = nbuf;
		}
		n = read(fd, buf + off, cap - off - 1);
		if (n < 0) {
			pr_perror("Can't read %s", path);
			goto out_free;
		}
		if (n == 0)
			break;
		off += n;
	}
	close(fd);
	buf[off] = 0;
	if (len)
		*len = off;
	return buf;

out_free:
	free(buf);
	close(fd);
	return NULL;
}

/*
 * The comm field may hold spaces and parentheses, so it ends at the LAST ')'.
 * Field numbers below are those of proc(5).
 */
int parse_proc_stat_buf(const char *buf, struct proc_stat *st)
{
	const char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
	unsigned long long f[53] = { 0 };
	const char *p;
	char *end;
	size_t clen;
	int i;

	memset(st, 0, sizeof(*st));
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
		goto bad;
	st->pid = strtol(buf, NULL, 10);
	clen = close_paren - open_paren - 1;
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open_paren + 1, clen);
	st->comm[clen] = 0;
	st->state = close_paren[2];
	if (!st->state || close_paren[3] != ' ')
		goto bad;

	p = close_paren + 4;
	for (i = 4; i <= 52 && *p; i++) {
		f[i] = strtoull(p, &end, 10);
		if (end == p)
			goto bad;
		p = end;
		while (*p == ' ')
			p++;
	}
	if (i <= 51) /* start_data..env_end are required */
		goto bad;

	st->ppid = f[4];
	st->pgid = f[5];
	st->sid = f[6];
	st->tty_nr = f[7];
	st->flags = f[9];
	st->num_threads = f[20];
	st->start_time = f[22];
	st->start_code = f[26];
	st->end_code = f[27];
	st->start_stack = f[28];
	st->start_data = f[45];
	st->end_data = f[46];
	st->start_brk = f[47];
	st->arg_start = f[48];
	st->arg_end = f[49];
	st->env_start = f[50];
	st->env_end = f[51];
	st->exit_code = f[52];
	return 0;
bad:
	pr_err("Malformed /proc/PID/stat: '%.80s'\n", buf);
	return -EINVAL;
}

int parse_proc_stat(pid_t pid, struct proc_stat *st)
{
	char path[64];
	char *buf;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_proc_stat_buf(buf, st);
	free(buf);
	return ret;
}

/* "start-end perms offset major:minor inode   path" */
int parse_maps_line(const char *line, struct proc_vma *v)
{
	char perms[5] = { 0 };
	unsigned long long start, end, pgoff, ino;
	unsigned int maj, min;
	int path_off = 0;
	const char *path;
	size_t len;

	memset(v, 0, sizeof(*v));
	if (sscanf(line, "%llx-%llx %4c %llx %x:%x %llu%n", &start, &end, perms, &pgoff, &maj, &min,
		   &ino, &path_off) < 7 ||
	    !path_off)
		goto bad;
	if (start >= end || (start | end) & 0xfff)
		goto bad;
	v->start = start;
	v->end = end;
	v->pgoff = pgoff;
	v->dev_major = maj;
	v->dev_minor = min;
	v->ino = ino;
	v->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	if (perms[3] != 's' && perms[3] != 'p')
		goto bad;
	v->shared = perms[3] == 's';

	path = line + path_off;
	path += strspn(path, " \t");
	len = strcspn(path, "\n");
	if (!len)
		return 0;
	if (len > 10 && !strncmp(path + len - 10, " (deleted)", 10)) {
		v->deleted = true;
		len -= 10;
	}
	v->path = strndup(path, len);
	return v->path ? 0 : -ENOMEM;
bad:
	pr_err("Malformed /proc/PID/maps line: '%.100s'\n", line);
	return -EINVAL;
}

void free_proc_vma_list(struct proc_vma_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		free(list->vmas[i].path);
	free(list->vmas);
	list->vmas = NULL;
	list->nr = 0;
}

int parse_proc_maps_buf(const char *buf, struct proc_vma_list *list)
{
	const char *line = buf;
	int ret;

	list->vmas = NULL;
	list->nr = 0;
	while (*line) {
		if (ARRAY_ADD_ROOM(list->vmas, list->nr)) {
			ret = -ENOMEM;
			goto out_free;
		}
		ret = parse_maps_line(line, &list->vmas[list->nr]);
		if (ret)
			goto out_free;
		if (list->nr && list->vmas[list->nr].start < list->vmas[list->nr - 1].end) {
			pr_err("/proc/PID/maps is not sorted at %llx\n",
			       (unsigned long long)list->vmas[list->nr].start);
			list->nr++;
			ret = -EINVAL;
			goto out_free;
		}
		list->nr++;
		line = strchr(line, '\n');
		if (!line)
			break;
		line++;
	}
	return 0;
out_free:
	free_proc_vma_list(list);
	return ret;
}

int parse_proc_maps(pid_t pid, struct proc_vma_list *list)
{
	char path[64];
	char *buf;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_proc_maps_buf(buf, list);
	free(buf);
	return ret;
}

int proc_count_threads(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int nr = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			nr++;
	closedir(d);
	return nr;
}

int proc_has_children(pid_t pid)
{
	char path[64];
	char *buf;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = buf[strspn(buf, " \n")] != 0;
	free(buf);
	return ret;
}
