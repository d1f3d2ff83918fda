#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# --action-script of the cgroup00 flavours: at pre-restore, remove the cgroups the test made
# (its "rmdir" leftovers, deepest first) so that the restore must make them again. criu runs
# it in the test's dump directory, build/test/dumps/NAME; the leftovers are the runner's
# build/test/zdtm-run/NAME/test.out.leftovers.
[ "$CRTOOLS_SCRIPT_ACTION" = pre-restore ] || exit 0
left="../../zdtm-run/$(basename "$PWD")/test.out.leftovers"
tac "$left" | sed -n 's/^rmdir //p' | while read -r dir; do
	[ -d "$dir" ] || continue
	rmdir "$dir" || exit 1
done
