#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Addresses, routes and rules saved in iproute2's format without it (see ip-stream.py). $1 is not used.
exec python3 "$(dirname "$0")/ip-stream.py"
