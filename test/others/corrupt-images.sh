#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Damaged images: restore and crit fail cleanly (see corrupt-images.py). $1 is not used.
exec python3 "$(dirname "$0")/corrupt-images.py"
