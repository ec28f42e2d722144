#!/usr/bin/env bash
# Builds the local test image `vigil-test/busybox:latest` from Debian's
# busybox-static: no registry is reachable from CI, so integration tests
# cannot pull images. The rootfs holds /bin/busybox and one link per applet.
set -euo pipefail
image=${1:-vigil-test/busybox:latest}
if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
bb=$(command -v busybox)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/root"
cp "$bb" "$root/bin/busybox"
for applet in $("$bb" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
echo "built $image"
