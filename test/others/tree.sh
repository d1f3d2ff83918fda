#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Process trees outside ZDTM: the setsid test.sh demo and a pid taken at restore (tree.py).
exec python3 "$(dirname "$0")/tree.py"
