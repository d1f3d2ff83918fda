#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libcriu as a user gets it: make install into a temporary DESTDIR, then a C program built
# with the installed criu.h and criu.pc (pkg-config) against the installed libcriu.so.2,
# run with the installed criu (libcriu/libcriu-test.c), and libcriu called in crun's sequence
# on a small container (libcriu/crun-sequence.c). $1 (a dump dir) is not used.
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
for prog in libcriu-test crun-sequence; do
	cc -Wall -Werror -o "$tmp/$prog" "$root/test/others/libcriu/$prog.c" $flags \
		-Wl,-rpath,"$dest/usr/lib"
done
# the programs must run on the installed library, found by its soname
ldd "$tmp/libcriu-test" | grep -q "libcriu.so.2 => $dest/usr/lib/libcriu.so.2" ||
	{ echo "FAIL - not linked to the installed libcriu.so.2"; echo "0 passed, 1 failed"; exit 1; }
passed=0
failed=0
for prog in libcriu-test crun-sequence; do
	mkdir -p "$tmp/work-$prog"
	ok=1
	"$tmp/$prog" "$dest/usr/sbin/criu" "$tmp/work-$prog" >"$tmp/$prog.out" || ok=0
	cat "$tmp/$prog.out"
	[ $ok = 1 ] || tail -n 20 "$tmp/work-$prog"/*/*.log || true
	set -- $(tail -n 1 "$tmp/$prog.out")
	[ "$2" = passed, ] || set -- 0 passed, 1 failed
	passed=$((passed + $1))
	failed=$((failed + $3))
done
# uninstall takes back every file install wrote
make -s -C "$root" uninstall ASAN=$asan DESTDIR="$dest" PREFIX=/usr >"$tmp/uninstall.log" 2>&1
left=$(find "$dest" ! -type d)
[ -z "$left" ] || { echo "FAIL - make uninstall left: $left"; echo "0 passed, 1 failed"; exit 1; }
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
