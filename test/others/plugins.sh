#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The plugin API with the example plugin (see plugins.py). $1 is not used.
exec python3 "$(dirname "$0")/plugins.py"
