#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A PostgreSQL server (Debian's) checkpointed and restored as a user would (see postgres.py).
exec python3 "$(dirname "$0")/postgres.py"
