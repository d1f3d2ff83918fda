#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Replays test/fuzz/regressions/* (inputs that once crashed an image reader, or were made
# to hurt one). With the fuzz target built (make fuzz-build) it runs them under ASan and
# UBSan; without it each input goes through crit decode and crit encode, which must exit
# 0 or 1 and never die by a signal. $1: a dump dir (not used).
cd "$(dirname "$0")/../.." || exit 1
shopt -s nullglob
inputs=(test/fuzz/regressions/*)
[ ${#inputs[@]} -gt 0 ] || { echo "SKIP: no regression inputs"; exit 77; }
fuzz=build/fuzz/fuzz-images
if [ -x "$fuzz" ] && [ -f build/test/dumps/env00/inventory.img ]; then
	if FUZZ_IMAGES=build/test/dumps/env00 "$fuzz" "${inputs[@]}" >/tmp/fuzz-regr.$$ 2>&1; then
		echo "${#inputs[@]} passed, 0 failed"
		rm -f /tmp/fuzz-regr.$$
		exit 0
	fi
	tail -30 /tmp/fuzz-regr.$$
	rm -f /tmp/fuzz-regr.$$
	echo "0 passed, 1 failed"
	exit 1
fi
ok=0 bad=0
for f in "${inputs[@]}"; do
	for cmd in decode encode; do
		tail -c +2 "$f" | crit/crit $cmd >/dev/null 2>&1
		rc=$?
		if [ $rc -gt 1 ]; then
			echo "not ok - crit $cmd on $f: exit $rc"
			bad=$((bad + 1))
		else
			ok=$((ok + 1))
		fi
	done
done
echo "$ok passed, $bad failed"
[ $bad = 0 ]
