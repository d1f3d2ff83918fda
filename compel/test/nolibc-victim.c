/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nolibc-victim.c - a task without a C library, so without the rt_sigreturn instruction
 * compel borrows from it: compel must bring its own (the tail page). It spins in user
 * space (so that its registers can be compared) and writes one byte to fd 1 now and then,
 * which shows that it runs.
 */
static long sys3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

void _start(void);

void _start(void)
{
	volatile unsigned long spin;

	/* SSE in use with a value of its own, for the xsave comparison */
	asm volatile("movq %0, %%xmm3" : : "r"(0x1234567890abcdeful));
	for (;;) {
		for (spin = 0; spin < 1000000; spin++)
			;
		sys3(1, 1, (long)"x", 1); /* write */
	}
}
