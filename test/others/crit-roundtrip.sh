#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our crit against every image of every kept dump (see crit-roundtrip.py). $1 is not used.
exec python3 "$(dirname "$0")/crit-roundtrip.py"
