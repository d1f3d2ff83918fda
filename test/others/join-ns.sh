#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --join-ns uts, ipc and time at restore (see join-ns.py).
exec python3 "$(dirname "$0")/join-ns.py"
