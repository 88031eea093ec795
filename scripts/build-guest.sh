#!/bin/sh
# build-guest.sh: build the benchmark guest (kernel + uncompressed initramfs).
#
# The kernel comes from Debian's linux-source-6.1 tarball, configured as
# tinyconfig plus a project fragment, with the boot-marker patch applied
# unless MVM_MARKER_PATCH=0.  Builds are cached under ~/.cache/mvm keyed by
# source version, fragment, patch and this script, so a second run is instant.
#
# Usage: scripts/build-guest.sh [-c FRAGMENT] [-o OUTDIR]
#   -c FRAGMENT  config fragment (default scripts/guest/mvm-bench.config);
#                may be given several times, applied in order
#   -o OUTDIR    where to link vmlinux, bzImage, System.map, config and
#                initramfs.cpio (default build/guest)
# Environment: MVM_CACHE (default ~/.cache/mvm), MVM_MARKER_PATCH (1|0),
#              MVM_LINUX_TARBALL (default /usr/src/linux-source-6.1.tar.xz)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cache=${MVM_CACHE:-$HOME/.cache/mvm}
tarball=${MVM_LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
patch_on=${MVM_MARKER_PATCH:-1}
patch=$here/guest/0001-boot-markers.patch
outdir=$top/build/guest
fragments=""

while getopts c:o: opt; do
	case $opt in
	c) fragments="$fragments $(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG")" ;;
	o) outdir=$OPTARG ;;
	*) echo "usage: $0 [-c FRAGMENT]... [-o OUTDIR]" >&2; exit 2 ;;
	esac
done
[ -n "$fragments" ] || fragments=$here/guest/mvm-bench.config
case $patch_on in 0|1) ;; *) echo "build-guest: MVM_MARKER_PATCH must be 0 or 1" >&2; exit 2 ;; esac
for f in $fragments; do
	[ -r "$f" ] || { echo "build-guest: cannot read fragment $f" >&2; exit 2; }
done
[ -r "$tarball" ] || { echo "build-guest: missing $tarball (apt install linux-source-6.1)" >&2; exit 2; }

log() { printf '[guest %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Cache key: everything that changes the kernel binary.
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %s-%Y "$tarball")
key=$( {
	echo "src $srcver"
	for f in $fragments; do cat "$f"; done
	if [ "$patch_on" = 1 ]; then cat "$patch"; else echo nopatch; fi
	sed -n '/^build_kernel()/,/^}/p' "$0"
	gcc --version | head -1
} | sha256sum | cut -c1-16)
kdir=$cache/kernel/$key

build_kernel() {
	tmp=$cache/kernel/.tmp-$key-$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	trap 'rm -rf "$tmp"' EXIT INT TERM
	log "extracting $(basename "$tarball") ($srcver)"
	tar -C "$tmp" -xf "$tarball"
	src=$tmp/linux-source-6.1
	if [ "$patch_on" = 1 ]; then
		log "applying $(basename "$patch")"
		patch -s -d "$src" -p1 < "$patch"
	fi
	log "configuring: tinyconfig +$(for f in $fragments; do printf ' %s' "$(basename "$f")"; done)"
	make -s -C "$src" tinyconfig >/dev/null
	# shellcheck disable=SC2086
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config $fragments >/dev/null)
	make -s -C "$src" olddefconfig >/dev/null
	check_config "$src/.config"
	jobs=$(nproc)
	log "compiling with $jobs jobs (about 3 minutes on 2 cores)"
	start=$(date +%s)
	make -C "$src" -j"$jobs" vmlinux bzImage 2>&1 | progress "$start"
	gcc -O2 -o "$tmp/gen_init_cpio" "$src/usr/gen_init_cpio.c"
	cp "$src/vmlinux" "$src/arch/x86/boot/bzImage" "$src/System.map" "$tmp/"
	cp "$src/.config" "$tmp/config"
	rm -rf "$src"
	rm -rf "$kdir"
	mv "$tmp" "$kdir"
	trap - EXIT INT TERM
	log "kernel cached in $kdir ($(($(date +%s) - start)) s)"
}

# Every option a fragment asks for must survive olddefconfig: a silently
# dropped option (unmet dependency) is how a trimmed guest gets slow again.
check_config() {
	bad=0
	# Later fragments override earlier ones: check each option's last value.
	# shellcheck disable=SC2086
	grep -hE '^CONFIG_[A-Za-z0-9_]+=' $fragments | awk -F= '{ v[$1] = $0 } END { for (k in v) print v[k] }' |
	while IFS='=' read -r name want; do
		got=$(grep -E "^$name=" "$1" | cut -d= -f2- || true)
		[ -n "$got" ] || got=n
		if [ "$got" != "$want" ]; then
			echo "build-guest: $name=$want requested but the config has $got" >&2
			echo x
		fi
	done | grep -q x && bad=1
	[ $bad = 0 ] || { echo "build-guest: fragment not honoured" >&2; exit 1; }
}

# Turn make's output into a progress line per 100 objects (errors pass through).
progress() {
	n=0
	while IFS= read -r line; do
		case $line in
		*" CC "*|*" AS "*|*" LD "*|*" AR "*) n=$((n + 1))
			[ $((n % 100)) -ne 0 ] || log "  $n objects, $(($(date +%s) - $1)) s" ;;
		*error*|*Error*|*warning:*) echo "$line" >&2 ;;
		esac
	done
}

mkdir -p "$cache/kernel" "$outdir"
if [ -f "$kdir/vmlinux" ]; then
	log "kernel $key: cached"
else
	build_kernel
fi

# The initramfs: /init, /dev/console, nothing else, uncompressed.
cc=${CC:-gcc}
ibuild=$outdir/initramfs.d
mkdir -p "$ibuild"
$cc -Os -s -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie \
	-Wl,--build-id=none -Wall -Wextra -Werror -o "$ibuild/init" "$here/guest/init.c"
cat > "$ibuild/list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
file /init $ibuild/init 0755 0 0
EOF
"$kdir/gen_init_cpio" "$ibuild/list" > "$outdir/initramfs.cpio.tmp"
mv "$outdir/initramfs.cpio.tmp" "$outdir/initramfs.cpio"

for f in vmlinux bzImage System.map config; do
	ln -sf "$kdir/$f" "$outdir/$f"
done
echo "$key" > "$outdir/kernel.key"
log "guest ready in $outdir: vmlinux bzImage initramfs.cpio ($(stat -c %s "$outdir/initramfs.cpio") bytes)"
