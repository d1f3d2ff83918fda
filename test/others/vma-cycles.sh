#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A python process checkpointed and restored many times keeps its VMA count (see
# vma-cycles.py; VMA_CYCLES=1000 for the long run). $1 (a dump dir) is not used.
exec python3 "$(dirname "$0")/vma-cycles.py"
