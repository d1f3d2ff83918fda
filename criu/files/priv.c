/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/priv.c - the private state of each kind of file (see files.h): one for the dump of
 * the tree, one for the fd restore of each task. Found by its key, made zeroed on first
 * use, finished newest first.
 */
#include <stdlib.h>

#include "array.h"
#include "files.h"
#include "log.h"

static void *priv_find(const struct files_priv_set *set, const void *key)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		if (set->v[i].key == key)
			return set->v[i].priv;
	return NULL;
}

static void *priv_get(struct files_priv_set *set, const void *key, const char *name, size_t size)
{
	void *priv = priv_find(set, key);

	if (priv)
		return priv;
	priv = calloc(1, size);
	if (!priv || ARRAY_ADD_ROOM(set->v, set->nr)) {
		free(priv);
		pr_err("Out of memory for the state of %s\n", name);
		return NULL;
	}
	set->v[set->nr++] = (struct files_priv){ key, priv };
	return priv;
}

void *files_dump_priv(struct files_dump_state *fs, const struct files_dump_key *key)
{
	return priv_get(&fs->priv, key, key->name, key->size);
}

void *files_dump_priv_find(const struct files_dump_state *fs, const struct files_dump_key *key)
{
	return priv_find(&fs->priv, key);
}

void *rst_fds_priv(struct rst_fds *rf, const struct rst_fds_key *key)
{
	return priv_get(&rf->priv, key, key->name, key->size);
}

void *rst_fds_priv_find(const struct rst_fds *rf, const struct rst_fds_key *key)
{
	return priv_find(&rf->priv, key);
}

int files_dump_close_images(struct files_dump_state *fs)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < fs->priv.nr; i++) {
		const struct files_dump_key *key = fs->priv.v[i].key;

		if (key->close)
			ret = key->close(fs, fs->priv.v[i].priv) ?: ret;
	}
	return ret;
}

void files_dump_priv_fini(struct files_dump_state *fs, bool failed)
{
	struct files_priv_set *set = &fs->priv;

	/* one by one from the end: a fini may still look up the states made before its own */
	while (set->nr) {
		struct files_priv p = set->v[set->nr - 1];
		const struct files_dump_key *key = p.key;

		if (key->fini)
			key->fini(fs, p.priv, failed);
		set->nr--;
		free(p.priv);
	}
	free(set->v);
	set->v = NULL;
}

void rst_fds_fini(struct rst_fds *rf, bool failed)
{
	struct files_priv_set *set = &rf->priv;

	while (set->nr) {
		struct files_priv p = set->v[set->nr - 1];
		const struct rst_fds_key *key = p.key;

		if (key->fini)
			key->fini(rf, p.priv, failed);
		set->nr--;
		free(p.priv);
	}
	free(set->v);
	set->v = NULL;
}
