#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Corked UDP datagrams kept by dumps that leave the task running (see udp-cork.py).
exec python3 "$(dirname "$0")/udp-cork.py"
