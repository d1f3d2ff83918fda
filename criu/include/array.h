/* SPDX-License-Identifier: GPL-2.0 */
/*
 * array.h - growth of malloc'ed arrays, for every list criu builds as it goes.
 *
 * An array grown only through array_reserve() needs no capacity field: its capacity is a
 * function of its length (0 when empty, else the next power of two, at least 8), so the
 * caller keeps just the pointer and the count, and appending n elements costs O(n) copies
 * in all. An array that is ever shrunk or allocated another way must not be grown with it.
 * Free it with free().
 */
#ifndef CRIU_ARRAY_H
#define CRIU_ARRAY_H

#include <stddef.h>

/*
 * Make room for nr + more elements of size elem in the array *arrp (a pointer to the array
 * pointer) that holds nr now. 0, or -ENOMEM with the array unchanged.
 */
int array_reserve(void *arrp, size_t nr, size_t more, size_t elem);

/* Room for one more element at arr[nr]: if (ARRAY_ADD_ROOM(v, nr)) fail; v[nr++] = x; */
#define ARRAY_ADD_ROOM(arr, nr) array_reserve(&(arr), (nr), 1, sizeof(*(arr)))
/* Room for more elements after arr[nr - 1]. */
#define ARRAY_RESERVE(arr, nr, more) array_reserve(&(arr), (nr), (more), sizeof(*(arr)))

#endif /* CRIU_ARRAY_H */
