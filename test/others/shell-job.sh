#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# CRIU's shell-job demo: `sleep 1000 &` from a shell, dumped and restored with --shell-job
# (see shell-job.py). $1 (a dump dir) is not used.
exec python3 "$(dirname "$0")/shell-job.py"
