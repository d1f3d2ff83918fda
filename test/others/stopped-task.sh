#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A task dumped in group stop is restored stopped (see stopped-task.py). $1 is not used.
exec python3 "$(dirname "$0")/stopped-task.py"
