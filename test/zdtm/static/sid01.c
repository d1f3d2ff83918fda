/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sid01: a session whose leader is gone. The root is a child subreaper; its child c calls
 * setsid() and forks d (in c's group), f (a group of its own) and g, which leads a group
 * that h joins; d forks e. Then g and c exit: d, f and h go to the root, still in session
 * c, which no task leads now, and h stays in group g, whose leader is gone too. Each of d,
 * e, f, h saves its session, group and parent before the dump and checks them after
 * restore; the root checks that c's and g's pids are free again, that no helper is left to
 * reap and that it got no SIGCHLD from one.
 */
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

enum role { D, E, F, H, NR_MEMBERS };

struct ids {
	int role;
	pid_t pid, sid, pgid, ppid;
};

static volatile sig_atomic_t nr_chld;

static void on_chld(int sig)
{
	(void)sig;
	nr_chld++;
}

static void read_ids(struct ids *id, int role)
{
	id->role = role;
	id->pid = getpid();
	id->sid = getsid(0);
	id->pgid = getpgid(0);
	id->ppid = getppid();
}

struct pipes {
	int snap, ready, go; /* read, write, read ends */
};

/*
 * A member of session c: once the tree is set, save its ids and tell the root; after
 * restore compare. Exit status: 0 fine, 2-4 which id changed, 10 + the child's status.
 */
static void __attribute__((noreturn)) member(const struct pipes *p, int role, pid_t kid)
{
	struct ids saved, now;
	int status;
	char c;

	if (read(p->snap, &c, 1) != 1)
		_exit(1);
	read_ids(&saved, role);
	if (write(p->ready, &saved, sizeof(saved)) != sizeof(saved) || read(p->go, &c, 1) != 1)
		_exit(1);
	read_ids(&now, role);
	if (now.sid != saved.sid)
		_exit(2);
	if (now.pgid != saved.pgid)
		_exit(3);
	if (now.ppid != saved.ppid)
		_exit(4);
	if (kid <= 0)
		_exit(0);
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status))
		_exit(9);
	_exit(WEXITSTATUS(status) ? 10 + WEXITSTATUS(status) : 0);
}

/* g leads a group, h joins it, g exits and c reaps it. */
static int gone_group(const struct pipes *p)
{
	int status;
	pid_t g, h;

	g = fork();
	if (g == 0) {
		pause();
		_exit(0);
	}
	if (g < 0 || setpgid(g, g))
		return -1;
	h = fork();
	if (h == 0) {
		if (setpgid(0, g))
			_exit(1);
		member(p, H, 0);
	}
	/* g goes once h is in its group */
	while (h > 0 && getpgid(h) != g)
		usleep(1000);
	kill(g, SIGKILL);
	return h < 0 || waitpid(g, &status, 0) != g ? -1 : 0;
}

/* c: a session of its own, members in it, then gone. */
static void __attribute__((noreturn)) leader(const struct pipes *p)
{
	pid_t d, f;

	if (setsid() < 0)
		_exit(1);
	d = fork();
	if (d == 0) {
		pid_t e = fork();

		if (e == 0)
			member(p, E, 0);
		member(p, D, e);
	}
	f = fork();
	if (f == 0) {
		if (setpgid(0, 0))
			_exit(1);
		member(p, F, 0);
	}
	_exit(d < 0 || f < 0 || gone_group(p));
}

static void expect(const char *what, pid_t pid, pid_t got, pid_t want)
{
	if (got != want)
		fail("%s of %d is %d, expected %d", what, pid, got, want);
}

static bool is_gone(pid_t pid)
{
	return kill(pid, 0) && errno == ESRCH;
}

/* The tree must be the one this test is about, or a pass would mean nothing. */
static int check_tree(const struct ids *m, pid_t me, pid_t c)
{
	int i;

	for (i = 0; i < NR_MEMBERS; i++)
		expect("sid", m[i].pid, m[i].sid, c);
	expect("pgid", m[D].pid, m[D].pgid, c);
	expect("ppid", m[D].pid, m[D].ppid, me);
	expect("pgid", m[E].pid, m[E].pgid, c);
	expect("ppid", m[E].pid, m[E].ppid, m[D].pid);
	expect("pgid", m[F].pid, m[F].pgid, m[F].pid);
	expect("ppid", m[F].pid, m[F].ppid, me);
	expect("ppid", m[H].pid, m[H].ppid, me);
	if (m[H].pgid == m[H].pid || m[H].pgid == c || !is_gone(m[H].pgid))
		fail("h %d is in group %d, expected a group whose leader is gone", m[H].pid,
		     m[H].pgid);
	return test_failed() ? -1 : 0;
}

static int collect(int fd, struct ids *m)
{
	struct ids id;
	int i, seen = 0;

	/* one record a read: each writer writes one whole record (< PIPE_BUF) */
	for (i = 0; i < NR_MEMBERS; i++) {
		if (read(fd, &id, sizeof(id)) != sizeof(id) || id.role < 0 ||
		    id.role >= NR_MEMBERS || (seen & (1 << id.role))) {
			fail_perror("can't collect the members' ids");
			return -1;
		}
		seen |= 1 << id.role;
		m[id.role] = id;
	}
	return 0;
}

/* Build the tree; m gets each member's ids as it saved them. Returns c's pid or -1. */
static pid_t build_tree(pid_t me, struct ids *m, int go)
{
	char wake[NR_MEMBERS] = {};
	int snap[2], ready[2], status;
	struct pipes p;
	pid_t c;

	if (pipe(snap) || pipe(ready)) {
		fail_perror("pipe");
		return -1;
	}
	p = (struct pipes){ .snap = snap[0], .ready = ready[1], .go = go };
	c = fork();
	if (c == 0)
		leader(&p);
	if (c < 0 || waitpid(c, &status, 0) != c || status) {
		fail("the session leader %d failed (status %#x)", c, status);
		return -1;
	}
	/* c is gone: d, f and h are ours now; let them save what they are */
	if (write(snap[1], wake, sizeof(wake)) != sizeof(wake) || collect(ready[0], m))
		return -1;
	close(snap[0]);
	close(snap[1]);
	close(ready[0]);
	close(ready[1]);
	return check_tree(m, me, c) ? -1 : c;
}

static void reap_member(const struct ids *m)
{
	int status;

	if (waitpid(m->pid, &status, 0) != m->pid)
		fail_perror("member %d is not our child", m->pid);
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("member %d (or its child) found a changed id: status %#x", m->pid, status);
}

int main(int argc, char **argv)
{
	char wake[NR_MEMBERS] = {};
	struct ids m[NR_MEMBERS];
	int go[2], flag = 0, before, i;
	pid_t me, c;

	test_init(argc, argv);
	me = getpid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) || pipe(go)) {
		fail_perror("setup");
		return 1;
	}
	c = build_tree(me, m, go[0]);
	if (c < 0)
		return 1;
	signal(SIGCHLD, on_chld);
	before = nr_chld;
	test_daemon();
	test_waitsig();

	usleep(100000); /* a late SIGCHLD from a helper would be in by now */
	if (nr_chld != before)
		fail("%d SIGCHLD arrived after restore", nr_chld - before);
	if (!is_gone(c) || !is_gone(m[H].pgid))
		fail("pid %d or %d (the gone leaders) exists after restore", c, m[H].pgid);
	if (waitpid(-1, NULL, WNOHANG) != 0)
		fail("an unexpected child was there to reap");
	if (prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0) || flag != 1)
		fail("the root is no longer a child subreaper");
	for (i = 0; i < NR_MEMBERS; i++) {
		expect("sid", m[i].pid, getsid(m[i].pid), m[i].sid);
		expect("pgid", m[i].pid, getpgid(m[i].pid), m[i].pgid);
	}
	if (write(go[1], wake, sizeof(wake)) != sizeof(wake))
		fail_perror("can't wake the members");
	reap_member(&m[D]);
	reap_member(&m[F]);
	reap_member(&m[H]);
	if (!test_failed())
		pass();
	return test_failed();
}
