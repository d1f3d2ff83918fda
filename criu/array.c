/* SPDX-License-Identifier: GPL-2.0 */
/*
 * array.c - see array.h: a capacity that follows from the length, so arrays carry none.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

#define ARRAY_MIN_CAP 8

/* The capacity an array of nr elements has: 0, or the next power of two (at least 8). */
static size_t array_cap(size_t nr)
{
	size_t cap = ARRAY_MIN_CAP;

	if (!nr)
		return 0;
	while (cap < nr) {
		if (cap > SIZE_MAX / 2)
			return SIZE_MAX;
		cap *= 2;
	}
	return cap;
}

int array_reserve(void *arrp, size_t nr, size_t more, size_t elem)
{
	size_t need, cap;
	void *arr, *grown;

	if (more > SIZE_MAX - nr)
		return -ENOMEM;
	need = nr + more;
	if (need <= array_cap(nr))
		return 0;
	cap = array_cap(need);
	if (!elem || cap > SIZE_MAX / elem)
		return -ENOMEM;
	/* arrp points at a T *, whatever T is: move the pointer's bytes, not a void *. */
	memcpy(&arr, arrp, sizeof(arr));
	grown = realloc(arr, cap * elem);
	if (!grown)
		return -ENOMEM;
	memcpy(arrp, &grown, sizeof(grown));
	return 0;
}
