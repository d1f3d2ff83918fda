#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The cgroup fields of criu_opts, as runc sends them (see rpc-cgroup.py).
exec python3 "$(dirname "$0")/rpc-cgroup.py"
