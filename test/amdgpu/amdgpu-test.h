/* SPDX-License-Identifier: GPL-2.0 */
/* amdgpu-test.h - what amdgpu-test.c shares with the other parts of the plugin's test. */
#ifndef AMDGPU_TEST_H
#define AMDGPU_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "criu-plugin.h"

#define PAGE  4096ull
#define GPU_A 0x1111
#define GPU_B 0x2222
#define GPU_C 0x3333
#define GPU_D 0x4444

#define HOOK(h) ((CR_PLUGIN_HOOK__##h##_t *)CR_PLUGIN_DESC.hooks[CR_PLUGIN_HOOK__##h])

extern int images_dfd;
extern char log_text[65536];

void check(int ok, const char *what);
bool logged(const char *s);
/* A machine of two GPUs alike (ids a and b, render minors ma and mb), a CPU node first. */
void machine(uint32_t a, uint32_t ma, uint32_t b, uint32_t mb);
void fill_random(uint8_t *p, size_t n, unsigned int seed);
void new_images_dir(void);
bool image_0600(const char *name);
/* DUMP_EXT_FILE between the plugin's init and exit; RESTORE_EXT_FILE */
int dump_file(int fd, int id);
int restore_file(int id);

/* Empty the stand-in of criu's fd store (closing what it keeps). */
void store_empty(void);

/* gem-test.c: render node files with GEM BOs */
void run_gem_tests(void);

#endif /* AMDGPU_TEST_H */
