#!/bin/sh
# setup.sh: install the Debian packages mvm needs, only those missing.
# Run as root (or with sudo available); does nothing when all are present.
set -eu

PACKAGES="gcc make binutils libc6-dev pkg-config libfdt-dev libtracefs-dev libtraceevent-dev
gnuplot-nox python3 cpio linux-source-6.1 bc bison flex libelf-dev libssl-dev xz-utils lz4
qemu-system-data seabios qemu-system-x86 e2fsprogs iproute2 iputils-ping clang strace"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $status in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -n "$missing" ] || exit 0

echo "setup: installing:$missing" >&2
if [ "$(id -u)" = 0 ]; then
	sudo=""
elif command -v sudo >/dev/null; then
	sudo=sudo
else
	echo "setup: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "setup: done" >&2
