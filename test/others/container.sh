#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hand-built busybox container dumped and restored (see container.py). $1 is not used.
exec /usr/bin/python3 "$(dirname "$0")/container.py"
