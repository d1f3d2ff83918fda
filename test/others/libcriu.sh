#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libcriu as a user gets it: make install into a temporary DESTDIR, then a C program built
# with the installed criu.h and criu.pc (pkg-config) against the installed libcriu.so.2,
# run with the installed criu (libcriu/libcriu-test.c). $1 (a dump dir) is not used.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/libcriu-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
# install what is built, as it is built (ASan or not), without rebuilding it another way
asan=0
grep -q fsanitize "$root/build/.host-flags" 2>/dev/null && asan=1
make -s -C "$root" install ASAN=$asan DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "0 passed, 1 failed"; exit 1; }
for f in usr/lib/libcriu.so.2.0 usr/include/criu/criu.h usr/lib/pkgconfig/criu.pc \
	usr/share/man/man8/criu.8; do
	[ -e "$dest/$f" ] || { echo "FAIL - $f not installed"; echo "0 passed, 1 failed"; exit 1; }
done
[ "$(readlink "$dest/usr/lib/libcriu.so.2")" = libcriu.so.2.0 ] ||
	{ echo "FAIL - soname link"; echo "0 passed, 1 failed"; exit 1; }
flags=$(PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig \
	pkg-config --cflags --libs criu)
cc -Wall -Werror -o "$tmp/libcriu-test" "$root/test/others/libcriu/libcriu-test.c" $flags \
	-Wl,-rpath,"$dest/usr/lib"
# the program must run on the installed library, found by its soname
ldd "$tmp/libcriu-test" | grep -q "libcriu.so.2 => $dest/usr/lib/libcriu.so.2" ||
	{ echo "FAIL - not linked to the installed libcriu.so.2"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$tmp/work"
"$tmp/libcriu-test" "$dest/usr/sbin/criu" "$tmp/work" || { tail -n 20 "$tmp/work/images/"*.log; exit 1; }
# uninstall takes back every file install wrote
make -s -C "$root" uninstall ASAN=$asan DESTDIR="$dest" PREFIX=/usr >"$tmp/uninstall.log" 2>&1
left=$(find "$dest" ! -type d)
[ -z "$left" ] || { echo "FAIL - make uninstall left: $left"; echo "0 passed, 1 failed"; exit 1; }
