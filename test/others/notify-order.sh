#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The stages told to action scripts and RPC clients, in CRIU's order (see notify-order.py).
exec python3 "$(dirname "$0")/notify-order.py"
