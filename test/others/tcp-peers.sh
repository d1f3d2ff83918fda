#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TCP connections with a peer outside the dumped tree, a peer gone meanwhile, and a port
# taken at restore (see tcp-peers.py). $1 is not used.
exec python3 "$(dirname "$0")/tcp-peers.py"
