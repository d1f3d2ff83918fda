#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A restore whose thread id is taken fails clearly (see threads-tid-taken.py). $1 unused.
exec python3 "$(dirname "$0")/threads-tid-taken.py"
