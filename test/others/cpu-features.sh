#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# FPU state this CPU can't hold is refused at restore (see cpu-features.py). $1 is not used.
exec python3 "$(dirname "$0")/cpu-features.py"
