/* SPDX-License-Identifier: GPL-2.0 */
/* config.h - configuration files turned into argv words ahead of the command line's. */
#ifndef CRIU_CONFIG_H
#define CRIU_CONFIG_H

#include <stdbool.h>

/* New argv: argv[0], the config files' options, then argv[1..]. 0 or -errno. */
int config_build_argv(int argc, char **argv, int *out_argc, char ***out_argv);

#endif /* CRIU_CONFIG_H */
