#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# criu page-server and dump --page-server (see page-server.py). $1 (a dump dir) is not used.
exec python3 "$(dirname "$0")/page-server.py"
