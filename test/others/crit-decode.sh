#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Decode every image in a directory with upstream crit, to prove our images are CRIU's format.
#
#   test/others/crit-decode.sh [--roundtrip] DIR
#
# Runs `crit decode --pretty` on each *.img, stats-dump and stats-restore (pages-*.img are
# raw memory and are skipped, and checksums.img and task-extra-*.img are ours, kinds CRIU
# does not know: crit verify checks the sums) and checks that the magic crit reports is the
# one the file name calls for. With --roundtrip, also decodes to JSON and encodes back with
# crit, and
# requires the same bytes as the original: our encoder writes what CRIU's would.
# Exit 0 if all pass, 1 if any fails or there is nothing to decode, 77 if crit is missing
# (a skip, not a pass). CRIT=/path/to/crit picks another crit.

CRIT=${CRIT:-/usr/bin/crit}

roundtrip=0
if [ "$1" = "--roundtrip" ]; then
	roundtrip=1
	shift
fi
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 [--roundtrip] IMAGES_DIR" >&2
	exit 1
fi
dir=$1
if [ ! -x "$CRIT" ]; then
	echo "SKIP: $CRIT not found (Debian package criu provides it)"
	exit 77
fi

# The magic crit must report for a file, from its name; empty: any.
expected_magic() {
	case "$1" in
	inventory.img)		echo INVENTORY ;;
	pstree.img)		echo PSTREE ;;
	core-*.img)		echo CORE ;;
	ids-*.img)		echo IDS ;;
	mm-*.img)		echo MM ;;
	pagemap-*.img)		echo PAGEMAP ;;
	fs-*.img)		echo FS ;;
	fdinfo-*.img)		echo FDINFO ;;
	files.img)		echo FILES ;;
	stats-dump|stats-restore) echo STATS ;;
	pipes-data.img)		echo PIPES_DATA ;;
	fifo-data.img)		echo FIFO_DATA ;;
	memfd.img)		echo MEMFD_INODE ;;
	esac
}

# Fields newer than this crit are dropped by its round trip; all it knows must be the same.
known_fields_same() {
	/usr/bin/python3 "$(dirname "$0")/crit-unknown.py" "$1" "$2"
}

out=$(mktemp) || exit 1
json=$(mktemp) || exit 1
again=$(mktemp) || exit 1
trap 'rm -f "$out" "$json" "$again"' EXIT
nr_ok=0
nr_fail=0
shopt -s nullglob
for path in "$dir"/*.img "$dir"/stats-dump "$dir"/stats-restore; do
	[ -f "$path" ] || continue
	name=${path##*/}
	case "$name" in pages-*.img | checksums.img | task-extra-*.img) continue ;; esac

	if ! "$CRIT" decode --pretty -i "$path" >"$out" 2>&1; then
		echo "FAIL: $name: crit decode failed: $(tail -n 1 "$out")"
		nr_fail=$((nr_fail + 1))
		continue
	fi
	want=$(expected_magic "$name")
	if [ -n "$want" ] && ! grep -q "^    \"magic\": \"$want\"," "$out"; then
		echo "FAIL: $name: crit reports $(grep -m1 '"magic"' "$out"), expected $want"
		nr_fail=$((nr_fail + 1))
		continue
	fi
	if [ $roundtrip = 1 ] && ! { "$CRIT" decode -i "$path" -o "$json" &&
		"$CRIT" encode -i "$json" -o "$again" &&
		{ cmp -s "$path" "$again" || known_fields_same "$path" "$again"; }; } >"$out" 2>&1; then
		echo "FAIL: $name: crit decode + encode does not give back the same bytes"
		nr_fail=$((nr_fail + 1))
		continue
	fi
	echo "ok: $name"
	nr_ok=$((nr_ok + 1))
done

if [ $((nr_ok + nr_fail)) -eq 0 ]; then
	echo "FAIL: no images to decode in $dir"
	exit 1
fi
echo "$nr_ok passed, $nr_fail failed"
[ "$nr_fail" -eq 0 ]
