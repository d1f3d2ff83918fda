#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A pid and mount namespace made by unshare(1) from a shell, dumped and restored as a shell
# job (see unshare-job.py). $1 is not used.
exec python3 "$(dirname "$0")/unshare-job.py"
