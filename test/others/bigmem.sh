#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 1 GiB of random memory through dump and restore (see bigmem.py). $1 is not used.
exec python3 "$(dirname "$0")/bigmem.py"
