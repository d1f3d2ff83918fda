#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Mounts of a tree that share a peer group with criu's namespace, or are slaves of one
# (--enable-external-sharing, --enable-external-masters; see mntns-extprop.py). $1 unused.
exec python3 "$(dirname "$0")/mntns-extprop.py"
