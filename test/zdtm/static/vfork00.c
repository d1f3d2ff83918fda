/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfork00: a task in vfork() (its child C runs on its memory and the parent waits, killable
 * only, until C exits or execs) can't be brought to a ptrace stop, nor can a process
 * sharing another's memory be restored. The dump must fail within its --timeout, naming
 * the task in vfork() (vfork00.desc), and leave the tree as it was: afterwards C, told to
 * go on, writes through the shared memory and exits, and its parent sees the write, with
 * the value it had set before the vfork still on its stack.
 * With $ZDTM_CLONE_VM (clone_vm00) the child is made by clone(CLONE_VM) without
 * CLONE_THREAD instead and runs alongside its parent: the dump must refuse the shared
 * memory, naming both tasks, and afterwards the child's writes still show in the parent.
 */
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static int go[2];
static volatile int shared_word;
static char clone_stack[65536] __attribute__((aligned(16)));

/* The vfork()ed child: waits for the word to go on, then writes through the parent's memory. */
static void vfork_child(void)
{
	char c;

	if (read(go[0], &c, 1) != 1)
		_exit(2);
	shared_word = 4242;
	_exit(0);
}

/* The middle task: its stack and memory must be intact once its vfork() returns. */
static int middle_vfork(void)
{
	volatile long on_stack = 0x5eed;
	pid_t kid;
	int status;

	kid = vfork();
	if (kid == 0)
		vfork_child();
	if (kid < 0 || waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 3;
	return shared_word == 4242 && on_stack == 0x5eed ? 0 : 4;
}

static int clone_vm_child(void *arg)
{
	char c;

	(void)arg;
	if (read(go[0], &c, 1) != 1)
		return 2;
	shared_word = 4343;
	return 0;
}

/* The middle task with a clone(CLONE_VM) child instead: both run. */
static int middle_clone_vm(void)
{
	int status, i;
	pid_t kid;

	kid = clone(clone_vm_child, clone_stack + sizeof(clone_stack), CLONE_VM | SIGCHLD, NULL);
	if (kid < 0)
		return 5;
	for (i = 0; i < 5000 && shared_word != 4343; i++)
		usleep(1000);
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 6;
	return shared_word == 4343 ? 0 : 7;
}

int main(int argc, char **argv)
{
	int clone_vm, status;
	pid_t middle;

	test_init(argc, argv);
	clone_vm = getenv("ZDTM_CLONE_VM") != NULL;
	if (pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	middle = fork();
	if (middle == 0)
		_exit(clone_vm ? middle_clone_vm() : middle_vfork());
	if (middle < 0) {
		fail_perror("fork");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (write(go[1], "g", 1) != 1) {
		fail_perror("can't tell the child to go on");
		return 1;
	}
	if (waitpid(middle, &status, 0) != middle || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("the middle task's memory is not as it was (status %#x)", status);
		return 1;
	}
	pass();
	return 0;
}
