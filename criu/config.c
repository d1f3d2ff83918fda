/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.c - configuration files, as CRIU reads them: /etc/criu/default.conf,
 * $HOME/.criu/default.conf (unless --no-default-config or --config FILE), $CRIU_CONFIG_FILE,
 * then --config FILE, then the command line, later ones overriding earlier ones. A file holds one
 * option per line without the leading "--", its argument after whitespace, optionally in double
 * quotes (with
 * \" inside); '#' starts a comment. The files become argv words ahead of the command line's, so
 * the one option table and parser handle both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "config.h"
#include "log.h"

struct argv_buf {
	char **v;
	size_t n;
};

static int push(struct argv_buf *a, char *word)
{
	/* one more for the NULL that ends argv */
	if (ARRAY_RESERVE(a->v, a->n, 2))
		return -ENOMEM;
	a->v[a->n++] = word;
	a->v[a->n] = NULL;
	return 0;
}

/* Next word of a line: bare, or in double quotes with \" for a quote. NULL at the end. */
static char *next_word(char **pos, const char *path, int lineno, int *err)
{
	char *p = *pos + strspn(*pos, " \t"), *out, *w;

	if (!*p || *p == '#' || *p == '\n')
		return NULL;
	if (*p != '"') {
		size_t len = strcspn(p, " \t#\n");

		*pos = p + len;
		return strndup(p, len);
	}
	w = out = malloc(strlen(p) + 1);
	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	for (p++; *p && *p != '"'; p++) {
		if (p[0] == '\\' && p[1] == '"')
			p++;
		*out++ = *p;
	}
	if (*p != '"') {
		pr_err("%s:%d: unterminated quote\n", path, lineno);
		free(w);
		*err = -EINVAL;
		return NULL;
	}
	*out = 0;
	*pos = p + 1;
	return w;
}

static int parse_line(struct argv_buf *a, char *line, const char *path, int lineno)
{
	char *pos = line, *opt, *arg, *extra, *dashed;
	int err = 0;

	opt = next_word(&pos, path, lineno, &err);
	if (!opt)
		return err;
	arg = next_word(&pos, path, lineno, &err);
	extra = err ? NULL : next_word(&pos, path, lineno, &err);
	if (err || extra || opt[0] == '-') {
		if (!err)
			pr_err("%s:%d: expected 'option [argument]' without leading dashes\n", path,
			       lineno);
		free(opt);
		free(arg);
		free(extra);
		return err ?: -EINVAL;
	}
	/* one word "--opt=arg": getopt takes optional arguments only in that form */
	if (asprintf(&dashed, arg ? "--%s=%s" : "--%s", opt, arg) < 0)
		dashed = NULL;
	free(opt);
	free(arg);
	if (!dashed || push(a, dashed))
		return -ENOMEM;
	return 0;
}

static int parse_file(struct argv_buf *a, const char *path, bool must_exist)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, ret = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		pr_perror("Can't read configuration file %s", path);
		return -errno;
	}
	while (!ret && getline(&line, &cap, f) >= 0)
		ret = parse_line(a, line, path, ++lineno);
	free(line);
	fclose(f);
	return ret;
}

/*
 * --no-default-config and --config FILE are looked for before anything is parsed; as in
 * CRIU, --config FILE replaces the default files.
 */
static void scan_cli(int argc, char **argv, bool *no_default, const char **config)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-default-config"))
			*no_default = true;
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			*config = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			*config = argv[i] + 9;
	}
	if (*config)
		*no_default = true;
}

/* The parsed options point into the built argv: it lives as long as criu. */
static char **built_argv __attribute__((used));

int config_build_argv(int argc, char **argv, int *out_argc, char ***out_argv)
{
	struct argv_buf a = { 0 };
	const char *config = NULL, *env = getenv("CRIU_CONFIG_FILE"), *home = getenv("HOME");
	bool no_default = false;
	char path[4096];
	int i, ret = 0;

	scan_cli(argc, argv, &no_default, &config);
	ret = push(&a, argv[0]);
	if (!ret && !no_default) {
		ret = parse_file(&a, "/etc/criu/default.conf", false);
		if (!ret && home &&
		    snprintf(path, sizeof(path), "%s/.criu/default.conf", home) < (int)sizeof(path))
			ret = parse_file(&a, path, false);
	}
	if (!ret && env)
		ret = parse_file(&a, env, true);
	if (!ret && config)
		ret = parse_file(&a, config, true);
	for (i = 1; !ret && i < argc; i++)
		ret = push(&a, argv[i]);
	if (ret) {
		free(a.v); /* the words are small and criu exits on this error */
		return ret;
	}
	built_argv = a.v;
	*out_argc = a.n;
	*out_argv = a.v;
	return 0;
}
