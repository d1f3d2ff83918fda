#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pages a child shares with its parent (PE_PARENT) in bad images are refused; in CRIU 4.2's
# form they restore shared (cow-images.py).
exec /usr/bin/python3 "$(dirname "$0")/cow-images.py"
