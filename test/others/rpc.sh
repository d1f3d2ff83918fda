#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# criu swrk and criu service driven over rpc.proto by CRIU's own Python client messages
# (pycriu's rpc_pb2): requests, refusals, bad input, a client gone mid-dump, and 1,000 bad
# clients in a row to one service (see rpc.py). $1 (a dump dir) is not used.
exec python3 "$(dirname "$0")/rpc.py"
