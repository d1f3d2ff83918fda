#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# CRIU's Python demo, dumped with --shell-job -R and restored twice (see python-demo.py).
# $1 (a dump dir) is not used.
exec python3 "$(dirname "$0")/python-demo.py"
