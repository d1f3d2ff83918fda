#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Seed corpus for fuzz-images: every image of a real checkpoint, prefixed with its index
# in the name-sorted list of the directory's *.img (the target's first input byte), plus
# crit's JSON of each image behind a byte (255) that sends it to the JSON reader.
#   test/fuzz/make-corpus.sh IMAGES_DIR CRIT OUT_DIR
set -e
src=$1 crit=$2 out=$3
mkdir -p "$out"
i=0
for f in $(cd "$src" && LC_ALL=C ls *.img | LC_ALL=C sort); do
	{ printf "\\$(printf %o $i)"; cat "$src/$f"; } >"$out/img-$f"
	if "$crit" decode -i "$src/$f" >/tmp/make-corpus.$$ 2>/dev/null; then
		{ printf '\377'; cat /tmp/make-corpus.$$; } >"$out/json-$f"
	fi
	i=$((i + 1))
done
rm -f /tmp/make-corpus.$$
