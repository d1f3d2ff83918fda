#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A mount namespace whose mounts changed since the dump (see mntns-changed.py). $1 is not used.
exec python3 "$(dirname "$0")/mntns-changed.py"
