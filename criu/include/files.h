/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files.h - one handler per kind of open file (regular file, pipe, eventfd, ...).
 *
 * The dump side (files/dump.c) walks /proc/PID/fd, gives every open file description one
 * id (dup'ed fds share it: kcmp tells), picks the handler whose match() accepts the fd and
 * lets its dump() fill the FileEntry payload. The restore side (files/restore.c) walks the
 * task's fdinfo entries, asks the handler of each file to open() it once, dups it to every
 * fd that shares it, and calls post_open() once all fds are in place (epoll targets, ghost
 * unlink). Handlers log their own errors and return 0 or -errno.
 * May call: image.h, log.h, the dump and restore contexts.
 */
#ifndef CRIU_FILES_H
#define CRIU_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"
#include "sk-packet.pb-c.h"

struct dump_ctx;
struct dump_tree;
struct file_table;
struct rst_ctx;
struct rst_task;
struct cr_img;

/* What the generic walk learnt about one fd of the dumped task. */
struct fd_parms {
	pid_t pid;
	int fd;
	const char *link; /* readlink of /proc/PID/fd/N */
	struct stat st;	  /* stat through that link */
	uint64_t pos;
	uint32_t flags;	      /* file status flags, O_CLOEXEC taken out */
	const char *fdinfo;   /* the whole /proc/PID/fdinfo/N text */
	char fdinfo_path[48]; /* its path, for messages */
	FownEntry *fown;      /* allocated for the file; filled after infection */
	bool in_flight;	      /* criu's own copy of a file queued on a socket (SCM_RIGHTS) */
};

/*
 * The private state of a kind of file (or of a feature of files: locks, remaps, in-flight
 * files), like the kernel's file->private_data: each kind declares a key in its own file,
 * with the size of its state and how to finish it; files_dump_priv() / rst_fds_priv() make
 * the state zeroed on first use and return it (NULL, logged, if out of memory), the _find
 * forms return it or NULL if it was never made. States are finished newest first, when the
 * dump ends (failed: the dump failed, undo what it made) or when the task's fds are in place.
 */
struct files_dump_state;
struct rst_fds;

struct files_dump_key {
	const char *name;
	size_t size;
	/* optional: complete and close the images it keeps open; before the point of no return */
	int (*close)(struct files_dump_state *fs, void *priv);
	void (*fini)(struct files_dump_state *fs, void *priv, bool failed); /* optional */
};

struct rst_fds_key {
	const char *name;
	size_t size;
	void (*fini)(struct rst_fds *rf, void *priv, bool failed); /* optional */
};

struct files_priv {
	const void *key; /* a struct files_dump_key or rst_fds_key */
	void *priv;
};

struct files_priv_set {
	struct files_priv *v;
	size_t nr;
};

/* Per-dump state of the files: what the generic walk keeps, and each kind's own. */
struct files_dump_state {
	struct files_priv_set priv;
	uint32_t next_shmid; /* memfds and shared memory regions share the numbering */
	int *inflight_fds;   /* criu's copies of queued files: kcmp compares with them */
	size_t nr_inflight_fds;
};

/* Per-restore state, in the restoring task: created objects waiting for their other users. */
/* files/task-fd.c: fd of task pid as a new fd of criu's on the same open file, or -errno. */
int task_fd_take(pid_t pid, int fd);

struct rst_fds {
	const struct rst_ctx *ctx;
	const struct rst_task *t;
	int min_held;		  /* fds we keep for later are moved to >= this */
	size_t nr_done;		  /* t->fds[0..nr_done) are in place, but for the pending */
	bool *pending;		  /* t->fds[i] put off: its plugin asked to be called again */
	struct ahead_file *ahead; /* opened before their fd, to be sent on a socket */
	size_t nr_ahead;
	struct files_priv_set priv;
};

void *files_dump_priv(struct files_dump_state *fs, const struct files_dump_key *key);
void *files_dump_priv_find(const struct files_dump_state *fs, const struct files_dump_key *key);
void files_dump_priv_fini(struct files_dump_state *fs, bool failed);
/* Every kind's close(): the images kept open through the dump, errors returned. */
int files_dump_close_images(struct files_dump_state *fs);
void *rst_fds_priv(struct rst_fds *rf, const struct rst_fds_key *key);
void *rst_fds_priv_find(const struct rst_fds *rf, const struct rst_fds_key *key);

struct fd_handler {
	FdTypes type;
	const char *name;
	/* Does this handler dump the fd? Called in table order; the first match wins. */
	bool (*match)(const struct fd_parms *p);
	/* Fill fe's payload (fe->type and fe->id are set). Allocate with malloc: freed as a tree.
	 */
	int (*dump)(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe);
	/* Check the payload of a restored FileEntry before anything is created. */
	int (*check)(const FileEntry *fe);
	/* Open the file; returns an fd (any number, criu moves it into place) or -errno. */
	int (*open)(struct rst_fds *rf, const FileEntry *fe);
	/* Optional: after every fd of the task is in place; fd is one fd of this file. */
	int (*post_open)(struct rst_fds *rf, const FileEntry *fe, int fd);
	/* The payload's fown, or NULL if the kind has none. */
	FownEntry *(*fown)(const FileEntry *fe);
};

extern const struct fd_handler reg_handler;
/* files/reg.c: is the fd a POSIX message queue (not saved yet: no handler takes it)? */
bool fd_is_mqueue(const struct fd_parms *p);
extern const struct fd_handler pipe_handler;
extern const struct fd_handler fifo_handler;
extern const struct fd_handler eventfd_handler;
extern const struct fd_handler signalfd_handler;
extern const struct fd_handler timerfd_handler;
extern const struct fd_handler epoll_handler;
extern const struct fd_handler memfd_handler;
extern const struct fd_handler unix_handler;
extern const struct fd_handler inotify_handler;
extern const struct fd_handler tty_handler;
extern const struct fd_handler pidfd_handler;
/* files/pidfd.c: the pidfs inode of a pidfd of a dead process, else 0 (tree/fork.c's keys) */
uint64_t pidfd_dead_key(const FileEntry *fe);
extern const struct fd_handler fanotify_handler;
extern const struct fd_handler nsfs_handler;
/* net/netlink/dump.c */
extern const struct fd_handler netlink_handler;
/* net/packet/dump.c */
extern const struct fd_handler packet_handler;
/* plugin/ext-file.c: what no handler takes, offered to the plugins */
extern const struct fd_handler ext_file_handler;

/* files/table.c */
const struct fd_handler *fd_handler_of(FdTypes type);
/* The handler that dumps this fd, or NULL if none can. */
const struct fd_handler *fd_handler_pick(const struct fd_parms *p);
void rst_fds_fini(struct rst_fds *rf, bool failed);

/* files/dump.c helpers for handlers */
/* Open the dumped task's fd again through /proc (a new open file on the same object). */
int open_proc_fd(const struct fd_parms *p, int flags);
/* Path of a file as the link shows it, with " (deleted)" cut off; malloc'ed. */
char *link_path(const char *link);
/* Fill the RegFileEntry bits from a path and stat. */
int fill_reg_entry(RegFileEntry *r, uint32_t id, const char *path, uint32_t flags, uint64_t pos,
		   const struct stat *st, FownEntry *fown);
/* The fown entry of the file behind dc->fdt.fds[i], or NULL if its kind has none. */
FownEntry *dump_fd_fown(struct dump_ctx *dc, size_t fdt_index);
/*
 * A file criu itself holds because it was queued in flight on a socket (a peek with
 * SCM_RIGHTS gave criu a copy): its id, the same as the task's if a task has it open too.
 * fd is consumed: kept open until the dump ends (kcmp needs it) or closed at once.
 */
int dump_inflight_file(struct dump_ctx *dc, int fd, uint32_t *id);

/*
 * files/remap.c: deleted files, dirs and FIFOs (ghosts; src is a /proc link to read a
 * regular file's content through) and unlinked files with another link (--link-remap).
 */
int dump_ghost_file(struct dump_ctx *dc, const char *src, const struct stat *st, const char *path,
		    uint32_t file_id);
int dump_link_remap(struct dump_ctx *dc, const struct fd_parms *p, const char *path,
		    uint32_t file_id);
/* Make the path of file reg exist again if it was remapped; rst_remap_done removes it. */
int rst_prepare_remap(struct rst_fds *rf, const RegFileEntry *reg);
int rst_remap_done(struct rst_fds *rf, uint32_t id);
/* An fd of file reg if it is an O_TMPFILE made again by rst_prepare_remap(), else -ENOENT. */
int rst_open_remap_tmpfile(struct rst_fds *rf, const RegFileEntry *reg, int flags);
int rst_open_remapped(const struct rst_ctx *ctx, const RegFileEntry *reg, int flags,
		      const char *what);

/*
 * files/extents.c: the data extents of a file of size bytes (holes skipped), by FIEMAP when
 * fiemap is set and the filesystem has it, else by SEEK_DATA/SEEK_HOLE. file_next_extent()
 * gives the first at or after from (1), none (0) or -errno, logged; file_data_size() adds
 * them up, stopping once past limit.
 */
struct file_extents {
	int fd;
	uint64_t size;
	bool fiemap;
	bool synced;
};
int file_next_extent(struct file_extents *fx, uint64_t from, uint64_t *off, uint64_t *len);
int file_data_size(struct file_extents *fx, uint64_t limit, uint64_t *data);

/*
 * files/memfd.c: the content of a shmem file (memfd, shared anonymous memory) as present
 * pages in pagemap-shmem-SHMID.img and a pages file; shmem_fill() writes it back into fd.
 */
int shmem_dump_content(struct dump_ctx *dc, int fd, uint32_t shmid, uint64_t size);
int shmem_fill(int dfd, int fd, uint32_t shmid, uint64_t size);
/* A memfd the task maps: a memfd FileEntry for the VMA, content read through src. */
int dump_memfd_mapping(struct dump_ctx *dc, const char *src, const char *path,
		       const struct stat *st, uint32_t flags, uint32_t *file_id);
/* restore: an fd of memfd file fe for a mapping, shared with the task's fds of it */
int rst_open_memfd_mapping(const struct rst_ctx *ctx, const FileEntry *fe, int flags,
			   const char *what);
void rst_memfd_maps_fini(void);
/*
 * restore: memfd inodes that two tasks or more use (open or mapped) and whose common
 * ancestor is t, one per call from *pos on; made by rst_memfd_make() (an fd to close).
 */
bool rst_memfd_next_shared(const struct rst_ctx *ctx, const struct rst_task *t, size_t *pos,
			   uint32_t *inode);
int rst_memfd_make(const struct rst_ctx *ctx, uint32_t inode_id);

/* files/fown.c: after infection, read every file's owner (F_GETOWN_EX, F_GETSIG). */
int dump_task_fown(struct dump_ctx *dc);
int rst_set_fown(const struct rst_ctx *ctx, int fd, const FownEntry *fown);

/*
 * files/locks.c: the locks on one open file go to filelocks.img with --file-locks (without
 * it, a task holding one is refused); restore takes them back once every fd is in place.
 */
int dump_fd_locks(struct dump_ctx *dc, const struct fd_parms *p, bool posix_only);
int write_file_locks(struct dump_tree *dt);
int rst_restore_file_locks(const struct rst_ctx *ctx, const struct rst_task *t);
/* the POSIX locks taken above, for the restorer to take again after its last close */
struct rst_task_state;
void rst_posix_locks_fill(struct rst_task_state *ts);

/*
 * files/tty*.c: tty-info.img, written after every fd is seen; freed with the file tables.
 * It takes the bytes queued in the ptys out of them, and tty_put_back_queues() puts them
 * back before the tree is released, unless it is killed after a dump that succeeded.
 */
int tty_write_info(struct dump_tree *dt);
void tty_put_back_queues(struct dump_tree *dt, bool killed);
/* restore: the pty index of a pty master or slave file, else -1 (tree/fork.c's keys) */
int tty_file_pty(const FileEntry *fe);
/* Once the task's fds are in place: locks, exclusive modes, its session's terminal. */
int tty_restore_done(struct rst_fds *rf);
/* Once the task is in its process group: the foreground of its session's terminal. */
int tty_restore_foreground(const struct rst_ctx *ctx, const struct rst_task *t);
/*
 * files/tty-orphan.c. A bind of pty slave NAME of a devpts made again (runc's /dev/console)
 * needs the pty: made through that devpts's ptmx, its master held for the task's fds of it.
 * tty_premade_keep(): the held masters moved to fds >= floor, listed in fds[] (at most max,
 * TTY_PREMADE_MAX), so that the task keeps them when it closes what it inherited.
 */
#define TTY_PREMADE_MAX 4
int tty_premake_pty(int devpts_fd, const char *name);
int tty_premade_keep(int floor, int *fds, int max);
void tty_premade_drop(void); /* in the task once its fds are made: those left unused */

/*
 * files/fsnotify.c, the watched files of inotify and fanotify: a new FhEntry holding the
 * handle of fdinfo (NULL if out of memory); whether an image's handle fits; the file behind
 * a handle on the filesystem of device s_dev, opened O_PATH, or -errno. At dump, check that
 * the restore can find the watched file (what names the watch in the error) and save its
 * path where the handle won't do; at restore, the file (O_PATH) or -errno, logged.
 */
struct fdinfo_fhandle;
struct dump_ctx;
FhEntry *fsnotify_new_handle(const struct fdinfo_fhandle *f);
bool fsnotify_handle_fits(const FhEntry *fh);
int fsnotify_open_handle(pid_t pid, uint32_t s_dev, const FhEntry *f_handle);
int fsnotify_dump_watched(struct dump_ctx *dc, pid_t pid, uint32_t s_dev, FhEntry *fh,
			  const char *what);
int fsnotify_open_watched(uint32_t s_dev, uint64_t i_ino, const FhEntry *fh, const char *what);

/*
 * net/inet/: inet_dump_release() ends the dump of the TCP connections taken into repair
 * mode: they leave it unless the tree was killed (then they close without a packet).
 * inet_rst_repair_off(): at restore, once every task is rebuilt and stopped, before any runs:
 * connections leave repair mode, connects in progress start again.
 */
extern const struct fd_handler inet_handler;
void inet_dump_release(struct dump_tree *dt, bool killed);
int inet_rst_repair_off(const struct rst_ctx *ctx);
/* Before anything is made: established connections need --tcp-established or --tcp-close */
int inet_rst_check_opts(const struct rst_ctx *ctx);

/* net/unix/restore.c: the restore half of unix_handler (net/unix/unix.c) */
int unix_open(struct rst_fds *rf, const FileEntry *fe);
/* net/unix/names.c: once the task's fds are made, the removed names bound again go */
int unix_names_done(struct rst_fds *rf);
/*
 * After every task's fds: each peer not among them must have been met queued in flight, or
 * be a named datagram peer outside the tree that --ext-unix-sk saves (net/unix/ext.c);
 * every connection not accepted yet must be matched with its listener (net/unix/backlog.c).
 */
int unix_check_peers(struct dump_tree *dt);
/* net/unix/ext.c: before anything is made, outside peers in the images need -x again */
int unix_rst_check_ext(const struct rst_ctx *ctx);

/*
 * net/unix/group.c: the unix sockets made together at restore, in one task. A group is a
 * connected pair, or a listener with the pairs it accepted and the connections it has not
 * accepted yet. unix_index_groups() reads files.img once (ctx->usk_groups); then each
 * socket has a role and an anchor, the inode naming its group (0: alone).
 */
enum usk_role {
	USK_ALONE,     /* no peer */
	USK_PEERED,    /* a peer, no listener: a pair or a one-way datagram peer */
	USK_LISTENER,  /* the anchor is itself */
	USK_PENDING,   /* connected, not accepted yet: the anchor is the listener */
	USK_ACCEPTED,  /* the accepted end of a pair of the anchor listener */
	USK_CONNECTOR, /* the other end of such a pair */
};
int unix_index_groups(struct rst_ctx *ctx);
enum usk_role unix_role(const struct rst_ctx *ctx, uint32_t ino, uint32_t *anchor);
uint32_t unix_anchor(const struct rst_ctx *ctx, const UnixSkEntry *ue);

/* net/unix/scm.c: files queued in flight on a unix socket (SCM_RIGHTS) */
struct scm_sk {
	uint32_t ino, peer; /* the socket whose queue is read, and its peer */
	bool in_flight;	    /* the socket is itself a queued file */
};
size_t scm_nr_rights(struct msghdr *mh);
void scm_close_rights(struct msghdr *mh);
/* Dump the files a peek brought (consumed, error or not) into pe->scm. */
int scm_dump_rights(struct dump_ctx *dc, struct msghdr *mh, const struct scm_sk *sk,
		    SkPacketEntry *pe);
void scm_free_entries(SkPacketEntry *pe);
/* restore: the file ids a packet carries, checked against files.img; *ids malloc'ed */
int scm_copy_rights(const struct rst_ctx *ctx, const SkPacketEntry *e, uint32_t **ids,
		    uint32_t *nr);
/* Every (socket, queued file) pair of sk-queues.img into ctx->scm_uses. */
int scm_read_uses(struct rst_ctx *ctx);
/* sendmsg of data with the files ids (opened as needed); bytes sent or -errno */
ssize_t scm_sendto(struct rst_fds *rf, int sender, const char *data, size_t len,
		   const uint32_t *ids, uint32_t nr, const struct sockaddr *to, socklen_t tolen,
		   uint32_t ino);

/* files/restore.c helpers for handlers */
const FileEntry *rst_find_file(const struct rst_ctx *ctx, uint32_t id);
int rst_images_dfd(const struct rst_fds *rf);
/* Move fd to a number >= rf->min_held (close-on-exec): it must survive the fd installs. */
int rst_hold_fd(const struct rst_fds *rf, int fd);
int rst_set_fl(int fd, uint32_t flags, const char *what);
int rst_check_file_entry(const FileEntry *fe);
int rst_open_reg_entry(const struct rst_ctx *ctx, const RegFileEntry *reg, int flags,
		       const char *what);
/*
 * An fd of file id, to send it on a socket: the task's own fd if in place, a transit fd, or
 * a fresh open that the task's fd (if any) takes later. Borrowed: the caller doesn't close it.
 */
int rst_borrow_file(struct rst_fds *rf, uint32_t id);
/* The fd opened ahead for file id, dup'ed (the caller owns it); -ENOENT if there is none,
 * -errno (logged) if the dup fails. */
int rst_take_ahead(struct rst_fds *rf, uint32_t id);
/* Open a file through its handler, with its owner set; returns the fd or -errno. */
int rst_open_file(struct rst_fds *rf, const FileEntry *fe);

/* files/dump.c */
FileEntry *files_new(struct file_table *ft, FdTypes type);
int files_add(struct file_table *ft, const char *path, uint32_t flags, uint64_t pos,
	      const struct stat *st, uint32_t *id);
int collect_task_files(struct dump_ctx *dc);
int write_files_images(struct dump_ctx *dc);
int write_file_entries(struct dump_tree *dt);
void free_file_tables(struct dump_ctx *dc);
void free_tree_files(struct dump_tree *dt);
/*
 * Close and free what the files of the dump hold, and each kind's state; failed: the dump
 * failed, each kind undoes what it made (link_remap files). A second call does nothing.
 */
void files_dump_state_fini(struct files_dump_state *fs, bool failed);

/* files/fdtable-dump.c: tasks sharing an fd table (CLONE_FILES) */
int dump_find_fd_table(struct dump_ctx *dc);
void dump_fd_tables_free(struct dump_tree *dt);

/* files/fown-claims.c */
const FownEntry *rst_file_fown(const FileEntry *fe);
int rst_plan_fown_claims(struct rst_ctx *ctx);
/* The task that sets fe's owner itself, or 0: then whoever opens it sets it. */
pid_t rst_fown_claimer(const struct rst_ctx *ctx, const FileEntry *fe);
/* In the forked task, once its fds and transit fds are there. */
int rst_claim_fowns(const struct rst_ctx *ctx, const struct rst_task *t);

/* files/restore.c: run in the forked task; keep[] are criu's fds to leave alone. */
int rst_close_foreign_fds(const int *keep, int nr_keep);
int rst_restore_fds(const struct rst_ctx *ctx, const struct rst_task *t);
int rst_restore_cwd(const struct rst_ctx *ctx, const struct rst_task *t);
int rst_restore_root(const struct rst_ctx *ctx, const struct rst_task *t);
/* Open a file behind a mapping or the exe; checks it is the dumped file. Returns fd/-errno. */
int rst_open_reg(const struct rst_ctx *ctx, uint32_t id, int flags, const char *what);

#endif /* CRIU_FILES_H */
