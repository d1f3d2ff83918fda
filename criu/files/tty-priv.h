/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/tty-priv.h - what the terminal files share among themselves: files/tty.c (the dump
 * of each fd), files/tty-restore.c, files/tty-queue.c (bytes queued in a pty) and
 * files/tty-node.c (the node of a pty slave; the console and virtual terminals). Other
 * modules see terminals through tty_handler and files.h only.
 *
 * Each terminal has one TtyInfoEntry (tty-info.img), named by an id made from its kind and
 * index as CRIU makes it for a pty (slave 2N, master 2N+1): both sides of a pty have one,
 * with the same state (the slave's). /dev/tty, the console and VTs have ids of their own,
 * above any pty's. The extra state
 * of a pty that CRIU has no field for is one TtyExtraEntry (tty-extra.img, ours).
 * May call: files.h, log.h, image.h.
 */
#ifndef CRIU_FILES_TTY_PRIV_H
#define CRIU_FILES_TTY_PRIV_H

#include <asm/termbits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include "fdinfo.pb-c.h"
#include "tty-extra.pb-c.h"
#include "tty.pb-c.h"

struct dump_ctx;
struct dump_tree;
struct fd_parms;
struct files_dump_state;
struct rst_fds;

#define TTYAUX_MAJOR	5 /* /dev/tty is 5:0, /dev/console 5:1, /dev/ptmx 5:2 */
#define VT_MAJOR	4 /* 4:0 is the current VT (/dev/tty0), 4:1-63 /dev/ttyN */
#define VT_MINOR_LAST	63
#define PTS_MAJOR_FIRST 136 /* Unix98 pty slaves: majors 136..143, 256 minors each */
#define PTS_MAJOR_LAST	143
#define CTTY_INFO_ID	0x7fffffffu /* /dev/tty: its own info, naming the pty it aliases */
#define CONSOLE_INFO_ID 0x7ffffffeu
#define VT_INFO_ID(m)	(0x7fffff00u + (m)) /* one per VT minor */
#define PTY_INDEX_MAX	(1u << 20)

enum tty_kind { TTY_MASTER, TTY_SLAVE, TTY_CTTY, TTY_CONSOLE, TTY_VT };

static inline bool tty_is_pts(dev_t rdev)
{
	return major(rdev) >= PTS_MAJOR_FIRST && major(rdev) <= PTS_MAJOR_LAST;
}

static inline dev_t tty_pts_rdev(unsigned int index)
{
	return makedev(PTS_MAJOR_FIRST + index / 256, index % 256);
}

static inline uint32_t tty_info_id(enum tty_kind kind, unsigned int index)
{
	switch (kind) {
	case TTY_CTTY:
		return CTTY_INFO_ID;
	case TTY_CONSOLE:
		return CONSOLE_INFO_ID;
	case TTY_VT:
		return VT_INFO_ID(index);
	default:
		return index * 2 + (kind == TTY_MASTER); /* CRIU's numbering */
	}
}

/*
 * The dump's record of one pty met in the tree: where its master is, who holds it, and
 * what tty-queue.c took from it. master_pid is 0 for a slave whose master is outside.
 */
struct tty_pty {
	unsigned int index;
	pid_t master_pid;
	int master_fd;
	bool slave_in_tree;
	pid_t *holders; /* tasks with an fd on it (either side, or /dev/tty) */
	size_t nr_holders;
	TtyExtraEntry *extra;
	/* tty-queue.c: criu's copy of the master while the bytes are out, and the bytes */
	int mfd;
	uint8_t *in, *out; /* the slave's input (written on the master) and the master's */
	size_t nr_in, nr_out;
};

/* The dump's: one info per terminal seen, written to tty-info.img after every fd. */
struct tty_dump {
	TtyInfoEntry **infos;
	size_t nr;
	struct tty_pty **ptys;
	size_t nr_ptys;
};

struct tty_dump *tty_dump_find(const struct files_dump_state *fs);

/* tty.c: the dump side of tty_handler (tty-restore.c) */
bool tty_match(const struct fd_parms *p);
int tty_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe);

/* A copy of the task's fd in criu: the same open file, not a new open of its path. */
int tty_grab_task_fd(pid_t pid, int fd);

/* termios <-> TermiosEntry */
TermiosEntry *tty_termios_entry(const struct termios2 *t);
void tty_termios_from(struct termios2 *t, const TermiosEntry *e);

/* ---- tty-node.c ---- */
/* The owner and mode of /dev/pts/index, and whether its slave was closed (mfd: a master). */
TtyExtraEntry *tty_dump_node(unsigned int index, int mfd, pid_t pid);
/* Set them again on the pty made at restore. */
int tty_restore_node(const TtyExtraEntry *x);
/* /dev/console and /dev/ttyN: their info (mode and termios, read through the task's fd). */
bool tty_is_vt_or_console(dev_t rdev);
int tty_dump_vt(const char *link, dev_t rdev, int fd, TtyInfoEntry *ti);
int tty_open_vt(const TtyInfoEntry *ti, uint32_t flags);

/* ---- tty-queue.c ---- */
/*
 * Dump: the bytes queued in each pty of the tree are read once every task is dumped, into
 * tty-data.img, and put back by tty_put_back_queues() (files.h) unless the tree is killed.
 */
int tty_queue_take(struct tty_dump *td, int dfd);
void tty_queue_free(struct tty_pty *pty);
/* Restore: write the bytes tty-data.img holds for pty index into its new master. */
/* tty-restore.c: /dev/ptmx opened until it gives index; the slave's modes through mfd */
int tty_open_ptmx_at(unsigned int index);
int tty_set_modes(int mfd, const TtyInfoEntry *ti);
/* tty-orphan.c: a slave whose master was outside, with orphan_pts_master: a new pty */
int tty_open_orphan(struct rst_fds *rf, const TtyInfoEntry *si, uint32_t flags);

int tty_queue_restore(struct rst_fds *rf, unsigned int index, int mfd, const TtyInfoEntry *si);

#endif /* CRIU_FILES_TTY_PRIV_H */
