#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pstree.img of a pid namespace as CRIU writes it, and our older form (see pidns-images.py).
exec /usr/bin/python3 "$(dirname "$0")/pidns-images.py"
