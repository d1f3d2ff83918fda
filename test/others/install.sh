#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install as a package would run it, every folder moved (SBINDIR, BINDIR, LIBDIR,
# INCLUDEDIR, MANDIR, BASHCOMPDIR) under a temporary DESTDIR: each file lands where its
# variable says, criu.pc names the moved folders, the man pages are troff that man renders
# (criu.8 naming the options this session's runtimes use), the bash completions complete
# criu's commands and options, the installed criu runs, the installed compel's flags build a
# parasite and its host that run (compel-tool/); make uninstall removes all of it.
# $1 (a dump dir) is not used.
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/install-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
passed=0
failed=0
check() { # CONDITION-STATUS WHAT
	if [ "$1" = 0 ]; then
		echo "ok - $2"
		passed=$((passed + 1))
	else
		echo "FAIL - $2"
		failed=$((failed + 1))
	fi
}
asan=0
grep -q fsanitize "$root/build/.host-flags" 2>/dev/null && asan=1
vars=(PREFIX=/opt/cr SBINDIR=/opt/cr/s BINDIR=/opt/cr/b LIBDIR=/opt/cr/l64
	INCLUDEDIR=/opt/cr/inc MANDIR=/opt/cr/m BASHCOMPDIR=/opt/cr/bc)
make -s -C "$root" install ASAN=$asan DESTDIR="$dest" "${vars[@]}" >"$tmp/install.log" 2>&1
check $? "make install with every folder moved"
missing=
for f in s/criu b/crit b/compel b/compel-hgen l64/compel/blob.lds l64/compel/std.lib.o \
	inc/compel/rt/syscall.h inc/compel/rt/syscall-table.h l64/libcriu.so.2.0 \
	l64/pkgconfig/criu.pc inc/criu/criu.h inc/criu/rpc.proto m/man8/criu.8 m/man1/crit.1 m/man1/compel.1 bc/criu bc/crit; do
	[ -f "$dest/opt/cr/$f" ] || missing="$missing $f"
done
check "${missing:+1}${missing:-0}" "each file is where its variable says${missing:+ (missing:$missing)}"
[ "$(readlink "$dest/opt/cr/l64/libcriu.so.2")" = libcriu.so.2.0 ] &&
	[ "$(readlink "$dest/opt/cr/l64/libcriu.so")" = libcriu.so.2 ]
check $? "libcriu's soname links"
grep -qx "libdir=/opt/cr/l64" "$dest/opt/cr/l64/pkgconfig/criu.pc" &&
	grep -qx "includedir=/opt/cr/inc" "$dest/opt/cr/l64/pkgconfig/criu.pc"
check $? "criu.pc names the moved LIBDIR and INCLUDEDIR"
"$dest/opt/cr/s/criu" --version | grep -q "Version: 4\.2"
check $? "the installed criu runs and says version 4.2"
for page in man8/criu.8 man1/crit.1 man1/compel.1; do
	LC_ALL=C MANWIDTH=100 man -l "$dest/opt/cr/m/$page" 2>/dev/null >"$tmp/page.txt"
	[ -s "$tmp/page.txt" ] && grep -q "^NAME" "$tmp/page.txt"
	check $? "man renders $page"
done
LC_ALL=C MANWIDTH=200 man -l "$dest/opt/cr/m/man8/criu.8" 2>/dev/null |
	grep -q -- "--tcp-established" &&
	LC_ALL=C MANWIDTH=200 man -l "$dest/opt/cr/m/man8/criu.8" 2>/dev/null | grep -q -- "--join-ns" &&
	LC_ALL=C MANWIDTH=200 man -l "$dest/opt/cr/m/man8/criu.8" 2>/dev/null | grep -q -- "--file-locks"
check $? "criu.8 documents --tcp-established, --file-locks and --join-ns"
# the completion calls criu --help: the installed one, first in PATH
got=$(PATH="$dest/opt/cr/s:$PATH" bash -c '
	source "$1/opt/cr/bc/criu"
	COMP_WORDS=(criu rest); COMP_CWORD=1; _criu; echo "${COMPREPLY[*]}"
	COMP_WORDS=(criu restore --tcp-est); COMP_CWORD=2; _criu; echo "${COMPREPLY[*]}"
	complete -p criu' _ "$dest")
echo "$got" | grep -qx "restore" && echo "$got" | grep -qx -- "--tcp-established" &&
	echo "$got" | grep -q "complete -F _criu criu"
check $? "the bash completion completes criu's commands and options"
PATH="$dest/opt/cr/b:$PATH" bash -c 'source "$1/opt/cr/bc/crit"; complete -p crit' _ "$dest" \
	>/dev/null 2>&1
check $? "the bash completion of crit is registered"
# the compel command, as a program carrying its own parasite uses it
c=$dest/opt/cr/b/compel
src=$root/test/others/compel-tool
[ "$($c includes)" = "-I /opt/cr/inc" ] && [ "$($c libs)" = "-L /opt/cr/l64 -lcompel" ] &&
	[ "$($c --static libs)" = "/opt/cr/l64/libcompel.a" ] &&
	[ "$($c plugins)" = "/opt/cr/l64/compel/std.lib.o" ] &&
	$c ldflags | grep -q -- "-T /opt/cr/l64/compel/blob.lds" &&
	$c cflags | grep -q -- "-fpie .*-I /opt/cr/inc"
check $? "compel includes, libs, plugins, ldflags and cflags name the install's folders"
# the printed paths are the install's; under DESTDIR they are found below it
if [ $asan = 1 ]; then
	echo "ok - (a parasite built with compel: skipped in the sanitizer build)"
else
	mkdir "$tmp/p" && cd "$tmp/p" &&
		cc $($c cflags | sed "s|-I /opt/cr|-I $dest/opt/cr|") -I "$src" -c \
			"$src/tiny-parasite.c" -o p.o &&
		ld $($c ldflags | sed "s|/opt/cr|$dest/opt/cr|") -o p.elf p.o \
			$($c plugins | sed "s|/opt/cr|$dest/opt/cr|") &&
		$c hgen -f p.elf -o tiny-blob.h -p tiny -l 4 &&
		cc $($c includes | sed "s|/opt/cr|$dest/opt/cr|") -I "$src" -I . \
			"$src/tiny-host.c" -o host $($c libs | sed "s|/opt/cr|$dest/opt/cr|") &&
		./host >"$tmp/host.log" 2>&1
	check $? "a parasite and its host built with compel's flags run: $(tail -1 "$tmp/host.log")"
	cd "$root"
fi
$c frob >/dev/null 2>&1
[ $? = 1 ] && ! $c --compat cflags >/dev/null 2>&1
check $? "compel refuses an unknown command and --compat"
make -s -C "$root" uninstall ASAN=$asan DESTDIR="$dest" "${vars[@]}" >"$tmp/uninstall.log" 2>&1
left=$(find "$dest" ! -type d)
[ -z "$left" ]
check $? "make uninstall removes every file install wrote${left:+ (left: $left)}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
