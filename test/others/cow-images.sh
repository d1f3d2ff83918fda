#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pages a child shares with its parent (PE_PARENT) in bad images are refused (cow-images.py).
exec python3 "$(dirname "$0")/cow-images.py"
