#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --manage-cgroups modes, their refusals and clean-up, --cgroup-props and
# --cgroup-dump-controller, and --freeze-cgroup (see cgroups.py).
exec python3 "$(dirname "$0")/cgroups.py"
