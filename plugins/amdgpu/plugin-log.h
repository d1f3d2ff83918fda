/* SPDX-License-Identifier: GPL-2.0 */
/* plugin-log.h - the AMDGPU plugin's lines in criu's log, each prefixed "amdgpu: ". */
#ifndef AMDGPU_PLUGIN_LOG_H
#define AMDGPU_PLUGIN_LOG_H

#include "criu-plugin.h"

#define pr_err(fmt, ...)   print_on_level(1, "amdgpu: " fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)  print_on_level(2, "amdgpu: " fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  print_on_level(3, "amdgpu: " fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) print_on_level(4, "amdgpu: " fmt, ##__VA_ARGS__)

#endif /* AMDGPU_PLUGIN_LOG_H */
