# vigil agent image (multi-stage). Build:
#   docker build -t vigil:0.1.0 .
# BASE_IMAGE is any Debian-based Node.js 20 image laid out like the official
# one (node and npm under /usr/local). CI, which reaches no registry, builds
# from a local stand-in (test/images/build-node-base.sh). Behind a TLS-
# intercepting proxy, put the CA certificates npm needs in npm-ca/*.pem
# (gitignored; test/images/build-agent-image.sh does it): only the
# dependency and build stages read them; the runtime image never holds them.
# Written for the classic builder as well as BuildKit (no RUN --mount, no
# `# syntax=` line): Debian 12's docker.io has no buildx.
ARG BASE_IMAGE=node:20.20.2-bookworm-slim

# --- deps: production dependencies only ----------------------------------------
FROM ${BASE_IMAGE} AS deps
WORKDIR /opt/vigil
# npm-ca/ is in the repository (its README), so this COPY never lacks a
# source; its *.pem, if any, become one bundle both npm stages use.
COPY npm-ca/ /tmp/npm-ca/
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` hook would build without sources, and the
# one native module (netlink) ships prebuilds. This layer stays cached while
# the lockfile is unchanged, so CI rebuilds skip the download.
RUN for f in /tmp/npm-ca/*.pem; do if [ -f "$f" ]; then cat "$f"; fi; done > /tmp/npm-ca.bundle; \
    if [ -s /tmp/npm-ca.bundle ]; then export npm_config_cafile=/tmp/npm-ca.bundle NODE_EXTRA_CA_CERTS=/tmp/npm-ca.bundle; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=warn --update-notifier=false \
    && npm cache clean --force \
    && rm -rf node_modules/pino/test node_modules/pino/benchmarks node_modules/pino/docs
# (pino 9.3.0 publishes 400 MB of test binaries; nothing requires them.)

# --- runtime-deps: what the agent loads of them ------------------------------
# Type declarations and source maps are for the compiler (the build stage
# below still reads them) and debuggers, never loaded at run time:
# @kubernetes/client-node alone ships 34 MB of them.
FROM deps AS runtime-deps
RUN find node_modules \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -type f -exec rm -f {} +

# --- build: all dependencies, compile what runs ---------------------------------
FROM deps AS build
# The compiler and Node's types only, at the lockfile's versions, beside the
# production tree: the rest of devDependencies (vitest, vite, esbuild...) is
# for tests and would triple this stage.
RUN if [ -s /tmp/npm-ca.bundle ]; then export npm_config_cafile=/tmp/npm-ca.bundle NODE_EXTRA_CA_CERTS=/tmp/npm-ca.bundle; fi; \
    locked() { node -p "require('./package-lock.json').packages['node_modules/$1'].version"; }; \
    npm install --prefix /opt/tools --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
      --loglevel=warn --update-notifier=false "typescript@$(locked typescript)" "@types/node@$(locked @types/node)" \
    && mkdir -p node_modules/@types && ln -s /opt/tools/node_modules/@types/node node_modules/@types/node
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY agent ./agent
COPY collectors ./collectors
COPY rules ./rules
COPY proto ./proto
RUN node /opt/tools/node_modules/typescript/bin/tsc -p tsconfig.build.json

# --- runtime: node, production node_modules, dist, rule library, proto ----------
FROM ${BASE_IMAGE}
ARG BASE_IMAGE
# No build tools at run time: npm, npx, corepack and yarn go (the layer only
# hides them, the base layers keep their bytes).
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
    /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
ENV NODE_ENV=production \
    VIGIL_HOST_PROC=/host/proc \
    VIGIL_HOST_CGROUP=/host/sys/fs/cgroup \
    VIGIL_HOST_ROOT=/host/root \
    VIGIL_HOST_ETC=/host/etc
WORKDIR /opt/vigil
COPY package.json ./
COPY --from=runtime-deps /opt/vigil/node_modules ./node_modules
COPY --from=build /opt/vigil/dist ./dist
# The built-in rules (the default of --rules); the DaemonSet mounts a ConfigMap instead.
COPY rules/library ./rules/library
COPY proto ./proto
# uid 0 with every capability dropped but three (see README, Capabilities):
# Kubernetes cannot grant a non-root user ambient capabilities.
USER 0:0
EXPOSE 9867 9868
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://github.com/vigil-sensor/vigil
LABEL org.opencontainers.image.title="vigil" \
      org.opencontainers.image.description="Runtime security sensor for Kubernetes nodes" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
# node is PID 1: vigil handles SIGTERM/SIGINT itself (clean stop within 2 s).
# A 1 MB young generation: see README (agent RSS).
ENTRYPOINT ["node", "--max-semi-space-size=1", "/opt/vigil/dist/agent/main.js"]
CMD ["agent"]
