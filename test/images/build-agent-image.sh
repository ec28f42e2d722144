#!/usr/bin/env bash
# Builds the vigil agent image with the real Docker engine, offline: the base
# is the local Node.js stand-in (build-node-base.sh), and npm inside the build
# reaches the registry with this host's CA configuration (npm's cafile plus
# NODE_EXTRA_CA_CERTS), handed over as npm-ca/host.pem in the build context.
# Usage: build-agent-image.sh [TAG]   (default vigil:dev). Prints the tag.
set -euo pipefail
cd "$(dirname "$0")/../.."
tag=${1:-vigil:dev}
base=$(bash test/images/build-node-base.sh)
ca=npm-ca/host.pem
trap 'rm -f "$ca"' EXIT
: > "$ca"
cafile=$(npm config get cafile 2>/dev/null || true)
for f in "$cafile" "${NODE_EXTRA_CA_CERTS:-}"; do
  if [ -n "$f" ] && [ "$f" != null ] && [ "$f" != undefined ] && [ -s "$f" ]; then cat "$f" >> "$ca"; fi
done
# The legacy builder (Debian 12's docker.io has no buildx). Host network: CI's
# dockerd runs without iptables, so the bridge has no route out.
DOCKER_BUILDKIT=0 docker build -q --network host \
  --build-arg BASE_IMAGE="$base" \
  --build-arg VERSION="$(node -p 'require("./package.json").version')" \
  --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  -t "$tag" . >&2
echo "$tag"
