/* SPDX-License-Identifier: GPL-2.0 */
/*
 * string.h - memory and string helpers for blobs. The runtime also defines real memcpy,
 * memset, memmove and memcmp symbols because the compiler emits calls to them for struct
 * copies and zeroing even with -fno-builtin.
 */
#ifndef COMPEL_RT_STRING_H
#define COMPEL_RT_STRING_H

#include <stddef.h>

void *std_memcpy(void *dst, const void *src, size_t n);
void *std_memmove(void *dst, const void *src, size_t n);
void *std_memset(void *dst, int c, size_t n);
int std_memcmp(const void *a, const void *b, size_t n);
size_t std_strlen(const char *s);
int std_strcmp(const char *a, const char *b);
int std_strncmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always terminates (size > 0); returns strlen(src). */
size_t std_strlcpy(char *dst, const char *src, size_t size);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif /* COMPEL_RT_STRING_H */
