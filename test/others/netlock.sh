#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The network lock (--network-lock nftables|iptables|skip) holding real loopback
# connections, in a network namespace of its own so that no other test's packets or rules
# meet it (see netlock.py). $1 (a dump dir) is not used.
for tool in nft iptables-restore ip6tables-restore iptables-save; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
unshare -n true 2>/dev/null || { echo "SKIP: can't create a network namespace"; exit 77; }
exec unshare -n python3 "$(dirname "$0")/netlock.py"
