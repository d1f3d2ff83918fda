#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Upstream crit decodes (and re-encodes to the same bytes) the images of every ZDTM dump the
# suite kept under build/test/dumps/. $1 is not used.
cd "$(dirname "$0")/../.." || exit 1
command -v crit >/dev/null || { echo "SKIP: crit not installed"; exit 77; }
n=0
bad=0
for d in build/test/dumps/*/; do
	[ -f "$d/inventory.img" ] || continue
	n=$((n + 1))
	if ! bash test/others/crit-decode.sh --roundtrip "$d" >/tmp/crit-all.$$ 2>&1; then
		echo "not ok - $d"
		tail -5 /tmp/crit-all.$$
		bad=$((bad + 1))
	else
		echo "ok - $d"
	fi
done
rm -f /tmp/crit-all.$$
[ "$n" -gt 0 ] || { echo "SKIP: no dumps kept; run the zdtm suite first"; exit 77; }
echo "$((n - bad)) passed, $bad failed"
[ "$bad" = 0 ]
