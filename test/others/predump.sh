#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pre-dump chains: only changed pages in the final dump, restore through the chain, dedup,
# the fallbacks and refusals (see predump.py). $1 is not used.
exec python3 "$(dirname "$0")/predump.py"
