#!/bin/bash
# Install (or with --check, only verify) the Debian packages the build and tests need.
set -e
PKGS="build-essential pkg-config python3 protobuf-c-compiler libprotobuf-c-dev libprotobuf-dev libnl-3-dev libnl-nf-3-dev
      libnl-route-3-dev libcap-dev libbsd-dev libnftables-dev libdrm-dev clang libclang-rt-14-dev clang-format criu
      python3-protobuf libxxhash-dev libjson-c-dev postgresql iptables nftables iproute2 redis-server
      memcached asciidoctor golang-go golang-github-checkpoint-restore-go-criu-dev tar gzip
      libgnutls28-dev gnutls-bin zlib1g-dev runc busybox-static man-db nginx-light nodejs
      openjdk-17-jdk-headless tmux haproxy openssh-server openssh-client"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

if [ "$1" = "--check" ]; then
	[ -z "$missing" ] && exit 0
	echo "missing packages:$missing" >&2
	exit 1
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "Error: packages missing:$missing; run as root (sudo make) to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
