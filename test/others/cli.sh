#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The command line (see cli.py). $1 is not used.
exec python3 "$(dirname "$0")/cli.py"
