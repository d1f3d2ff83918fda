/* SPDX-License-Identifier: GPL-2.0 */
/*
 * string.c - memory and string helpers for freestanding blobs. Built with
 * -fno-tree-loop-distribute-patterns (see COMPEL_BLOB_CFLAGS) so that the loops below are
 * not turned back into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>

#include "compel/rt/string.h"

void *std_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Word copies when both sides are aligned alike: blobs copy whole pages of state. */
	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *std_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return std_memcpy(dst, src, n);
	/* Overlap with dst above src: copy backwards. */
	while (n--)
		d[n] = s[n];
	return dst;
}

void *std_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t w = (unsigned char)c;

	w |= w << 8;
	w |= w << 16;
	w |= w << 32;
	while (n && ((uintptr_t)d & 7)) {
		*d++ = (unsigned char)c;
		n--;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(uint64_t *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int std_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

size_t std_strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

int std_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int std_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	}
	return 0;
}

size_t std_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = std_strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		std_memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}

/* The symbols the compiler calls on its own. */
void *memcpy(void *dst, const void *src, size_t n)
{
	return std_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
	return std_memmove(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
	return std_memset(dst, c, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
	return std_memcmp(a, b, n);
}
