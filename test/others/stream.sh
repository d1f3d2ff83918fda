#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# criu dump --stream and restore --stream through an image streamer (see stream.py). $1 is
# not used.
exec python3 "$(dirname "$0")/stream.py"
