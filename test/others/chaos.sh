#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# criu killed (or stopped past --timeout) at random moments of dumps and restores: no task
# may be lost (see chaos.py). `make chaos` runs 1,000 trials. $1 (a dump dir) is not used.
exec python3 "$(dirname "$0")/chaos.py" --trials "${CHAOS_TRIALS:-30}"
