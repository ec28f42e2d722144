#!/usr/bin/env bash
# Builds `vigil-build/node-base:<node version>`: the stand-in for the
# official node:20-bookworm-slim image, which CI cannot pull (no registry is
# reachable). It is this Debian host's Node.js and npm laid out as the
# official image lays them out (/usr/local/bin/node, /usr/local/lib/node_modules/npm),
# with the shared libraries ldd names, busybox for RUN's /bin/sh, and the
# passwd/group files. Prints the image name; pass it as --build-arg BASE_IMAGE.
set -euo pipefail
node_bin=$(command -v node)
version=$("$node_bin" -p process.versions.node)
image=${1:-vigil-build/node-base:$version}
if docker image inspect "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
. "$(dirname "$0")/rootfs.sh"
make_busybox_rootfs "$root" >&2

mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules" "$root/lib64"
cp -L "$node_bin" "$root/usr/local/bin/node"
ldd "$node_bin" | grep -oE '/[^ ]+' | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
# npm as the official image ships it (a build tool: the Dockerfile's runtime stage removes it).
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# npm's shebang is #!/usr/bin/env node.
ln -s /bin/busybox "$root/usr/bin/env"
mkdir -p "$root/root" "$root/etc/ssl/certs"
printf 'node:x:1000:1000::/home/node:/bin/sh\n' >> "$root/etc/passwd"
printf 'node:x:1000:\n' >> "$root/etc/group"

tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' -c "ENV NODE_VERSION=$version" -c 'CMD ["node"]' \
  - "$image" >/dev/null
echo "$image"
