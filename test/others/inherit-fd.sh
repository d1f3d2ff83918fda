#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --inherit-fd and RPC inherit_fd: a restored task takes a pipe and a file it is given.
exec python3 "$(dirname "$0")/inherit-fd.py"
