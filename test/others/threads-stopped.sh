#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A multi-threaded task dumped in group stop comes back stopped (threads-stopped.py).
exec python3 "$(dirname "$0")/threads-stopped.py"
