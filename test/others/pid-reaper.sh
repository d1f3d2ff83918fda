#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A restore started while the dumped task is still an unreaped zombie (see pid-reaper.py).
exec python3 "$(dirname "$0")/pid-reaper.py"
