#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# redis-server and memcached hold a client connection across dump --tcp-established and
# restore (see tcp-servers.py). $1 is not used.
exec python3 "$(dirname "$0")/tcp-servers.py"
