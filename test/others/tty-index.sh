#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A pty must come back with its dumped index (see tty-index.py). $1 is not used.
exec python3 "$(dirname "$0")/tty-index.py"
