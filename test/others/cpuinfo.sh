#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# criu cpuinfo dump/check and dump/restore --cpu-cap (see cpuinfo.py). $1 is not used.
exec python3 "$(dirname "$0")/cpuinfo.py"
