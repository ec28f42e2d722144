#!/usr/bin/env bash
# Builds `vigil-test/tools:latest`: busybox plus the real programs reverse
# shells are made of (bash for /dev/tcp, ncat, socat, perl with its base
# modules), copied from this Debian host with the shared libraries ldd names.
# No registry is reachable from CI, so test images are assembled locally.
set -euo pipefail
image=${1:-vigil-test/tools:latest}
if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
. "$(dirname "$0")/rootfs.sh"
make_busybox_rootfs "$root"
printf 'tcp 6 TCP\nudp 17 UDP\n' > "$root/etc/protocols"

copy_with_libs() {
  local bin=$1 dest=$2
  cp -L "$bin" "$root$dest"
  ldd "$bin" | grep -oE '/[^ ]+' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
copy_with_libs /bin/bash /bin/bash
copy_with_libs /usr/bin/ncat /usr/bin/ncat
copy_with_libs /usr/bin/socat /usr/bin/socat
copy_with_libs /usr/bin/perl /usr/bin/perl
mkdir -p "$root/usr/lib/x86_64-linux-gnu"
cp -a /usr/lib/x86_64-linux-gnu/perl-base "$root/usr/lib/x86_64-linux-gnu/"
# The loader for the copied dynamic binaries.
mkdir -p "$root/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"

tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/bin:/bin' -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
echo "built $image"
