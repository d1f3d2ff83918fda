#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# podman (Debian's 4.3, --runtime runc) checkpoints and restores busybox containers with our
# criu first in PATH: in place, --print-stats, --leave-running, --export/--import,
# --pre-checkpoint, --tcp-established (see podman.py). $1 (a dump dir) is not used.
exec python3 "$(dirname "$0")/podman.py"
