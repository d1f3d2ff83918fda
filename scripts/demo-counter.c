/* SPDX-License-Identifier: GPL-2.0 */
/* demo-counter.c - counts up, one line every 200 ms, on stdout: the demo's patient. */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec tick = { 0, 200 * 1000 * 1000 };
	unsigned long n = 0;

	/* Hold only stdin/out/err, whatever the shell that started us leaked. */
	close_range(3, ~0u, 0);
	setvbuf(stdout, NULL, _IONBF, 0);
	for (;;) {
		printf("%lu\n", n++);
		while (nanosleep(&tick, &tick))
			; /* interrupted (by the checkpoint): sleep the rest */
		tick.tv_nsec = 200 * 1000 * 1000;
	}
}
