#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Random mutations of an image set (see mutate.py); make mutate runs 1,000. $1 is not used.
exec python3 "$(dirname "$0")/mutate.py"
