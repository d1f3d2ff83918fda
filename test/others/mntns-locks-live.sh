#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The probe of the mount locks at dump never touches the live namespace (mntns-locks-live.py).
# $1 is not used.
exec /usr/bin/python3 "$(dirname "$0")/mntns-locks-live.py"
