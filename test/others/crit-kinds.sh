#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# crit over one image of every kind CRIU 4.2 writes (see crit-kinds.py). $1 is not used.
exec /usr/bin/python3 "$(dirname "$0")/crit-kinds.py"
