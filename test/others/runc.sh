#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# runc (Debian's) checkpoints and restores a busybox container through criu swrk (see runc.py).
exec python3 "$(dirname "$0")/runc.py"
