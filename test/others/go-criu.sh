#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# go-criu, as runc and podman use it: a Go program built in GOPATH mode against Debian's
# golang-github-checkpoint-restore-go-criu-dev (go-criu/main.go) dumps and restores a task
# through criu swrk. Skipped (77) without golang-go or that package. $1 is not used.
root=$(cd "$(dirname "$0")/../.." && pwd)
gopath=/usr/share/gocode
if ! command -v go >/dev/null || [ ! -d "$gopath/src/github.com/checkpoint-restore/go-criu" ]; then
	echo "golang-go or golang-github-checkpoint-restore-go-criu-dev missing: skipped"
	exit 77
fi
tmp=$(mktemp -d /tmp/go-criu-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/gocriutest" "$tmp/images"
cp "$root/test/others/go-criu/main.go" "$tmp/src/gocriutest/"
# GOPATH mode: Debian's tree first, the test's own package second
export GO111MODULE=off GOPATH="$gopath:$tmp"
export GOCACHE=${GOCACHE:-$root/build/go-cache}
(cd "$tmp/src/gocriutest" && go build -o "$tmp/go-criu-test" .) ||
	{ echo "0 passed, 1 failed"; exit 1; }
"$tmp/go-criu-test" "$root/criu/criu" "$tmp/images" ||
	{ tail -n 20 "$tmp/images/"*.log; exit 1; }
