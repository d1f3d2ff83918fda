#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# runc containers with pipe stdio or a terminal (--console-socket), checkpointed and restored.
exec python3 "$(dirname "$0")/runc-io.py"
