#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A tree in its own network namespace: a taken veth name, --empty-ns net (see netns-veth.py).
# $1 is not used.
exec python3 "$(dirname "$0")/netns-veth.py"
