#!/bin/sh
# make-disk.sh: build the full guest's root file system, a small ext4 image.
#
# No downloads: the image holds two libc-free programs (scripts/guest/
# disk-init.c) and the directories the kernel mounts on, written with
# `mke2fs -d` from a staging directory.
#
# Usage: scripts/make-disk.sh IMAGE [SIZE_MIB]   (default 32 MiB)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 IMAGE [SIZE_MIB]" >&2; exit 2; }
image=$1
size=${2:-32}
case $size in ''|*[!0-9]*) echo "make-disk: SIZE_MIB must be a number, not '$size'" >&2; exit 2 ;; esac
command -v mke2fs >/dev/null || { echo "make-disk: mke2fs missing (apt install e2fsprogs)" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage" "$image.tmp"' EXIT INT TERM
mkdir -p "$stage/sbin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/tmp"
cflags="-Os -s -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie
	-Wl,--build-id=none -Wall -Wextra -Werror -I$here/guest"
# shellcheck disable=SC2086
${CC:-gcc} $cflags -o "$stage/sbin/init" "$here/guest/disk-init.c"
# shellcheck disable=SC2086
${CC:-gcc} $cflags -DPATTERN -o "$stage/sbin/pattern" "$here/guest/disk-init.c"
rm -f "$image.tmp"
truncate -s "${size}M" "$image.tmp"
mke2fs -q -t ext4 -L mvm-root -d "$stage" "$image.tmp"
mv "$image.tmp" "$image"
echo "make-disk: $image (${size} MiB ext4)" >&2
