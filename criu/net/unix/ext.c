/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/unix/ext.c - unix sockets connected to a peer outside the dumped tree
 * (--ext-unix-sk, -x).
 *
 * Such a peer can't be made again, but a datagram socket connected to a peer bound to a
 * name can connect() to that name again at restore, as long as the peer still lives there.
 * Dump writes the peer to files.img as a unix socket entry of its own, as CRIU does: type
 * SOCK_DGRAM, state LISTEN, its name, uflags USK_EXTERN, no peer, and no fd refers to it;
 * the socket's own entry names it in peer and its queue is saved as usual. A stream or
 * seqpacket connection can't be joined again that way (the peer would have to accept), and
 * an unnamed peer can't be reached: both stay refused, with the option or without.
 *
 * Restore (net/unix/restore.c) connects the socket to the peer's name; the option must be
 * given again, and is checked here before anything is made.
 *
 * Before all that, as CRIU does, each plugin with DUMP_UNIX_SK is offered the socket (criu's
 * copy of it and its inode): one that takes it (0) makes it again at restore
 * (RESTORE_UNIX_SK, net/unix/restore.c); its entry says so (USK_CALLBACK) and the peer gets
 * no entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "internal.h"
#include "files.h"
#include "log.h"
#include "plugin.h"
#include "restore-ctx.h"

#define NAME_STR_LEN (NAME_MAX_LEN + 2)

const char *unix_name_str(const uint8_t *name, size_t len, char *buf, size_t size)
{
	size_t i, n = 0;

	if (!len) {
		snprintf(buf, size, "(no name)");
		return buf;
	}
	for (i = 0; i < len && n + 1 < size; i++) {
		uint8_t c = name[i];

		if (!c && name[0]) /* a path ends at its first NUL */
			break;
		if (!i && !c)
			c = '@';
		else if (c < 0x20 || c > 0x7e)
			c = '?';
		buf[n++] = c;
	}
	buf[n] = 0;
	return buf;
}

static const char *conn_kind(uint32_t type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_SEQPACKET:
		return "seqpacket";
	}
	return "non-datagram";
}

/* The peer's path must still lead to the peer, or restore would connect elsewhere. */
static int check_peer_path(const struct usk_unpaired *u, const struct usk_diag *peer)
{
	char path[NAME_MAX_LEN + 1];
	struct stat st;

	memcpy(path, peer->name, peer->namelen);
	path[peer->namelen] = 0;
	if (path[0] != '/') {
		pr_err("unix socket ino %u: its peer outside the tree (socket:[%u]) is bound to "
		       "the relative path %s, which restore can't resolve: not supported yet "
		       "(fd %d of task %d)\n",
		       u->ino, u->peer, path, u->fd, u->pid);
		return -EOPNOTSUPP;
	}
	if (stat(path, &st) || !S_ISSOCK(st.st_mode) || !peer->has_vfs ||
	    st.st_ino != peer->vfs_ino) {
		pr_err("unix socket ino %u: its peer outside the tree (socket:[%u]) is bound to "
		       "%s, which was removed or replaced since: restore couldn't reach it "
		       "(fd %d of task %d)\n",
		       u->ino, u->peer, path, u->fd, u->pid);
		return -EOPNOTSUPP;
	}
	return 0;
}

static bool has_ext_entry(const struct dump_tree *dt, uint32_t ino)
{
	size_t i;

	for (i = 0; i < dt->files.nr; i++) {
		const FileEntry *fe = dt->files.files[i];

		if (fe->type == FD_TYPES__UNIXSK && fe->usk && fe->usk->ino == ino &&
		    usk_is_external(fe->usk))
			return true;
	}
	return false;
}

/* The peer's own entry: what restore needs to reach it, and nothing of its state. */
static int add_ext_entry(struct dump_tree *dt, const struct usk_diag *peer)
{
	FileEntry *fe = files_new(&dt->files, FD_TYPES__UNIXSK);
	UnixSkEntry *ue;

	if (!fe)
		return -ENOMEM;
	ue = fe->usk = malloc(sizeof(*ue));
	if (!ue)
		return -ENOMEM;
	unix_sk_entry__init(ue);
	ue->id = fe->id;
	ue->ino = peer->ino;
	ue->type = SOCK_DGRAM;
	ue->state = SK_LISTEN;
	ue->uflags = USK_EXTERN;
	ue->fown = malloc(sizeof(*ue->fown));
	ue->opts = malloc(sizeof(*ue->opts));
	ue->name.data = malloc(peer->namelen);
	if (!ue->fown || !ue->opts || !ue->name.data)
		return -ENOMEM;
	fown_entry__init(ue->fown);
	sk_opts_entry__init(ue->opts);
	memcpy(ue->name.data, peer->name, peer->namelen);
	ue->name.len = peer->namelen;
	return 0;
}

static UnixSkEntry *own_entry(const struct dump_tree *dt, uint32_t ino)
{
	size_t i;

	for (i = 0; i < dt->files.nr; i++) {
		FileEntry *fe = dt->files.files[i];

		if (fe->type == FD_TYPES__UNIXSK && fe->usk && fe->usk->ino == ino &&
		    !usk_is_external(fe->usk))
			return fe->usk;
	}
	return NULL;
}

/* DUMP_UNIX_SK: 0 a plugin took u, -ENOTSUP none did, or its error (logged, naming it). */
static int offer_to_plugins(struct dump_tree *dt, const struct usk_unpaired *u)
{
	UnixSkEntry *ue;
	int fd, ret;

	if (!cr_plugin_has_hook(CR_PLUGIN_HOOK__DUMP_UNIX_SK))
		return -ENOTSUP;
	fd = task_fd_take(u->pid, u->fd);
	if (fd < 0)
		return fd;
	ret = run_plugins(DUMP_UNIX_SK, fd, u->ino);
	close(fd);
	if (ret)
		return ret;
	ue = own_entry(dt, u->ino);
	if (!ue) {
		pr_err("unix socket ino %u (fd %d of task %d), taken by a plugin, has no entry in "
		       "files.img\n",
		       u->ino, u->fd, u->pid);
		return -ENOENT;
	}
	ue->uflags |= USK_CALLBACK;
	pr_info("unix socket ino %u: its peer socket:[%u] is outside the tree; a plugin took "
		"it\n",
		u->ino, u->peer);
	return 0;
}

/* --external unix[INO] names the socket: the user's to give back at restore. */
static bool named_external(const struct dump_tree *dt, uint32_t ino)
{
	char want[32];
	int i;

	snprintf(want, sizeof(want), "unix[%u]", ino);
	for (i = 0; i < dt->opts->nr_externals; i++)
		if (!strcmp(dt->opts->externals[i], want))
			return true;
	return false;
}

/*
 * A socket named external: saved without its peer, marked USK_INHERIT as CRIU does; the
 * restore takes it from --inherit-fd fd[N]:socket:[INO] (files/inherit.c), as it is then.
 */
static int mark_inherited(struct dump_tree *dt, const struct usk_unpaired *u)
{
	UnixSkEntry *ue = own_entry(dt, u->ino);

	if (!ue) {
		pr_err("unix socket ino %u: no entry of it to mark external\n", u->ino);
		return -ENOENT;
	}
	ue->uflags |= USK_INHERIT;
	ue->peer = 0;
	pr_info("unix socket ino %u is external (--external unix[%u]): the restore needs "
		"--inherit-fd fd[N]:socket:[%u]\n",
		u->ino, u->ino, u->ino);
	return 0;
}

int unix_dump_ext_peer(struct dump_tree *dt, const struct usk_unpaired *u)
{
	char name[NAME_STR_LEN];
	struct usk_diag peer;
	int ret = offer_to_plugins(dt, u);

	if (ret != -ENOTSUP)
		return ret;

	if (named_external(dt, u->ino))
		return mark_inherited(dt, u);
	if (u->type != SOCK_DGRAM) {
		pr_err("unix socket ino %u: %s connection to a peer outside the tree can't be "
		       "restored; only named datagram peers with --ext-unix-sk, or the socket "
		       "given "
		       "back at restore (--external unix[%u], then --inherit-fd "
		       "fd[N]:socket:[%u]) (fd %d of task %d, peer socket:[%u])\n",
		       u->ino, conn_kind(u->type), u->ino, u->ino, u->fd, u->pid, u->peer);
		return -EOPNOTSUPP;
	}
	if (unix_diag_query(u->peer, &peer, true)) {
		pr_err("unix socket ino %u: its datagram peer outside the tree (socket:[%u]) is "
		       "closed or out of sight: not supported yet (fd %d of task %d)\n",
		       u->ino, u->peer, u->fd, u->pid);
		return -EOPNOTSUPP;
	}
	if (!peer.namelen) {
		pr_err("unix socket ino %u: its datagram peer outside the tree (socket:[%u]) has "
		       "no name to connect() to again, so it can't be restored, even with "
		       "--ext-unix-sk (fd %d of task %d)\n",
		       u->ino, u->peer, u->fd, u->pid);
		return -EOPNOTSUPP;
	}
	unix_name_str(peer.name, peer.namelen, name, sizeof(name));
	if (!dt->opts->ext_unix_sk) {
		pr_err("unix socket ino %u is connected to %s (socket:[%u]) outside the dumped "
		       "tree: it needs --ext-unix-sk, at dump and at restore (fd %d of task %d)\n",
		       u->ino, name, u->peer, u->fd, u->pid);
		return -EOPNOTSUPP;
	}
	if (peer.name[0] && (ret = check_peer_path(u, &peer)))
		return ret;
	if (has_ext_entry(dt, u->peer))
		return 0;
	ret = add_ext_entry(dt, &peer);
	if (!ret)
		pr_info("unix socket ino %u: its peer %s (socket:[%u]) outside the tree is saved "
			"as external\n",
			u->ino, name, u->peer);
	return ret;
}

/* ---- restore ---- */

int unix_check_ext_entry(const UnixSkEntry *ue, uint32_t file_id)
{
	if (ue->type != SOCK_DGRAM || !ue->name.len || ue->peer) {
		pr_err("files.img: file id %u, a unix socket outside the tree, is not a named "
		       "datagram socket without a peer of its own\n",
		       file_id);
		return -EINVAL;
	}
	return 0;
}

static const UnixSkEntry *find_entry(const struct rst_ctx *ctx, uint32_t ino)
{
	size_t i;

	for (i = 0; i < ctx->nr_files; i++)
		if (ctx->files[i]->type == FD_TYPES__UNIXSK && ctx->files[i]->usk &&
		    ctx->files[i]->usk->ino == ino)
			return ctx->files[i]->usk;
	return NULL;
}

/* Each socket whose peer is outside: the option is given and the socket is a datagram one. */
static int check_ext_user(const struct rst_ctx *ctx, const UnixSkEntry *ue, const UnixSkEntry *peer)
{
	char name[NAME_STR_LEN];

	unix_name_str(peer->name.data, peer->name.len, name, sizeof(name));
	if (ue->type != SOCK_DGRAM) {
		pr_err("files.img: unix socket ino %u is a non-datagram socket connected to %s "
		       "outside the tree: it can't be restored\n",
		       ue->ino, name);
		return -EINVAL;
	}
	if (!ctx->ro->ext_unix_sk) {
		pr_err("unix socket ino %u was connected to %s (socket:[%u]) outside the dumped "
		       "tree: restore it with --ext-unix-sk (that peer must still be bound "
		       "there)\n",
		       ue->ino, name, peer->ino);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* A socket that was the user's (USK_INHERIT) must be given again: --inherit-fd. */
static int check_inherited(const struct rst_ctx *ctx, const UnixSkEntry *ue)
{
	char key[32];

	snprintf(key, sizeof(key), "socket:[%u]", ue->ino);
	if (rst_inherit_given(ctx->ro, key))
		return 0;
	pr_err("unix socket ino %u was external at dump (--external unix[%u]): give it with "
	       "--inherit-fd fd[N]:%s\n",
	       ue->ino, ue->ino, key);
	return -EOPNOTSUPP;
}

int unix_rst_check_ext(const struct rst_ctx *ctx)
{
	const UnixSkEntry *ue, *peer;
	size_t i;
	int ret = 0, err;

	for (i = 0; i < ctx->nr_files; i++) {
		ue = ctx->files[i]->usk;
		if (ctx->files[i]->type == FD_TYPES__UNIXSK && ue && (ue->uflags & USK_INHERIT)) {
			err = check_inherited(ctx, ue);
			ret = ret ?: err;
			continue;
		}
		if (ctx->files[i]->type != FD_TYPES__UNIXSK || !ue || !ue->peer ||
		    usk_is_external(ue) || (ue->uflags & USK_CALLBACK))
			continue;
		peer = find_entry(ctx, ue->peer);
		if (!peer || !usk_is_external(peer))
			continue;
		err = check_ext_user(ctx, ue, peer);
		ret = ret ?: err;
	}
	return ret;
}
