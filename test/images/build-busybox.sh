#!/usr/bin/env bash
# Builds the local test image `vigil-test/busybox:latest` from Debian's
# busybox-static: no registry is reachable from CI, so integration tests
# cannot pull images. The rootfs holds /bin/busybox and one link per applet.
set -euo pipefail
image=${1:-vigil-test/busybox:latest}
if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
. "$(dirname "$0")/rootfs.sh"
make_busybox_rootfs "$root"
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
echo "built $image"
