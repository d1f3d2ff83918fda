#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# runc checkpoint/restore --tcp-established of a container holding a loopback TCP
# connection (see runc-tcp.py).
exec python3 "$(dirname "$0")/runc-tcp.py"
