#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A tree whose root is an overlayfs (see mntns-overlay.py). $1 is not used.
exec python3 "$(dirname "$0")/mntns-overlay.py"
