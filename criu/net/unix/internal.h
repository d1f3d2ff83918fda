/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/unix/internal.h - what the unix socket files share among themselves: net/unix/unix.c (dump),
 * net/unix/restore.c, net/unix/ext.c (peers outside the dumped tree),
 * net/unix/backlog.c (connections not accepted yet) and net/unix/group.c. Not for other
 * modules: they see unix sockets through unix_handler and files.h only.
 * May call: log.h, files.h, dump.h.
 */
#ifndef CRIU_FILES_UNIX_H
#define CRIU_FILES_UNIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "fdinfo.pb-c.h"
#include "sk-unix.pb-c.h"

struct dump_tree;
struct fd_parms;
struct rst_fds;
struct files_dump_state;

/* Socket states as unix_diag reports them (the TCP names the kernel reuses). */
#define SK_ESTABLISHED 1
#define SK_CLOSE       7
#define SK_LISTEN      10

#define NAME_MAX_LEN (sizeof(((struct sockaddr_un *)0)->sun_path))

/*
 * UnixSkEntry.uflags, as CRIU numbers them: the peer lives outside the dumped tree; a
 * plugin took the socket (DUMP_UNIX_SK) and makes it again (RESTORE_UNIX_SK); the socket
 * itself is the user's, given back with --inherit-fd (--external unix[]).
 */
#define USK_EXTERN   (1 << 0)
#define USK_CALLBACK (1 << 2)
#define USK_INHERIT  (1 << 3)

/* What unix_diag tells of one socket. */
struct usk_diag {
	uint32_t ino, type, state, peer, shutdown;
	uint32_t rqlen, wqlen, nr_icons;
	uint32_t vfs_ino;
	bool has_vfs;
	const uint32_t *icons; /* pending clients, in the reply buffer: copy them */
	uint8_t name[NAME_MAX_LEN];
	size_t namelen;
};

/* Ask unix_diag about socket:[ino]; quiet: log nothing if it is unknown (closed). */
int unix_diag_query(uint32_t ino, struct usk_diag *d, bool quiet);

/* Is socket:[ino] an fd of some task of the tree? (Read once: the tree is frozen.) */
bool unix_tree_has_socket(struct dump_tree *dt, uint32_t ino);
/* Is socket:[ino] one of the files criu holds because they were queued in flight? */
bool unix_inflight_has_socket(const struct files_dump_state *fs, uint32_t ino);

/* A socket whose peer no task of the tree holds: checked once every task is dumped. */
struct usk_unpaired {
	uint32_t ino, peer, type;
	pid_t pid;
	int fd;
};

struct usk_unpaired_set {
	struct usk_unpaired *v;
	size_t nr;
};

/*
 * net/unix/ext.c. Dump: u's peer is outside the tree: a plugin may take u (DUMP_UNIX_SK:
 * u's entry gets USK_CALLBACK); else refuse it with the reason, or (--ext-unix-sk, a named
 * datagram peer) add the peer's USK_EXTERN entry to files.img.
 */
int unix_dump_ext_peer(struct dump_tree *dt, const struct usk_unpaired *u);
/* A unix name for messages: a path as it is, an abstract one as @name; in buf. */
const char *unix_name_str(const uint8_t *name, size_t len, char *buf, size_t size);

static inline bool usk_is_external(const UnixSkEntry *ue)
{
	return ue->uflags & USK_EXTERN;
}

/* Restore: a USK_EXTERN entry is sane (a named datagram socket, no peer of its own). */
int unix_check_ext_entry(const UnixSkEntry *ue, uint32_t file_id);

/*
 * net/unix/backlog.c: connections not accepted yet, dump side. During the walk, note a
 * listener's pending clients (inodes in queue order, copied) and every connected socket
 * without a peer inode; unix_check_backlog() matches them once all tasks are seen: the
 * client's peer becomes the listener, and files.img lists a listener's clients in queue
 * order. What can't be restored is refused there, naming the socket.
 */
int unix_note_listener(struct files_dump_state *fs, const struct fd_parms *p, uint32_t ino,
		       const uint32_t *clients, size_t nr);
int unix_note_unpeered(struct files_dump_state *fs, const struct fd_parms *p, FileEntry *fe,
		       uint32_t type, uint32_t unsent);
int unix_check_backlog(struct dump_tree *dt);

/*
 * net/unix/names.c. Dump: the name's relative directory (name_dir), or "deleted", and the
 * socket file's owner and mode. Restore: unix_name_enter() enters name_dir for a bind,
 * connect or send to a relative name (unix_name_leave() goes back); a deleted name is made
 * bindable by unix_name_prepare() (*undo: what to undo, or NULL), given its new inode by
 * unix_name_bound(), and removed again by unix_names_done() once the task's fds are made.
 */
struct name_undo;
int unix_dump_name(const struct fd_parms *p, const struct usk_diag *d, UnixSkEntry *ue);
int unix_name_enter(const UnixSkEntry *ue, int *saved);
void unix_name_leave(int saved);
int unix_name_prepare(struct rst_fds *rf, const UnixSkEntry *ue, struct name_undo **undo);
int unix_name_bound(struct name_undo *u);

#endif /* CRIU_FILES_UNIX_H */
