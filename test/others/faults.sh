#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Failure paths of dump and restore (see faults.py). $1 (a dump dir) is not used.
exec python3 "$(dirname "$0")/faults.py"
