#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nginx, node and a JVM hold a client connection across dump --tcp-established and restore
# (see apps.py). $1 is not used.
exec python3 "$(dirname "$0")/apps.py"
