#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# criu restore --lazy-pages and criu lazy-pages (see lazy-pages.py). $1 (a dump dir) is not used.
exec python3 "$(dirname "$0")/lazy-pages.py"
