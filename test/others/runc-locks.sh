#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# runc checkpoint --file-locks and restore of a container holding flock, POSIX and OFD
# locks (see runc-locks.py).
exec python3 "$(dirname "$0")/runc-locks.py"
