#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The plugins' mount and link hooks with the example plugin (see plugin-ns.py). $1 is not used.
exec python3 "$(dirname "$0")/plugin-ns.py"
