#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# runc checkpoint --pre-dump, then a final checkpoint with --parent-path, then restore.
exec python3 "$(dirname "$0")/runc-predump.py"
