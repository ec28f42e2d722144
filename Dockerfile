# syntax=docker/dockerfile:1
# vigil agent image. Build:  docker build -t vigil:0.1.0 .
# Run on a host (outside Kubernetes):
#   docker run --rm --pid=host --net=host --privileged \
#     -v /proc:/host/proc:ro -v /sys/fs/cgroup:/host/sys/fs/cgroup:ro \
#     -v /:/host/root:ro -v /etc:/host/etc:ro -v /var/run/docker.sock:/var/run/docker.sock \
#     vigil:0.1.0

# --- build: all dependencies, compile TypeScript -------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the `prepare` hook would build before the sources are
# copied, and native modules ship prebuilds (netlink) or are optional.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY core ./core
COPY agent ./agent
COPY collectors ./collectors
COPY rules ./rules
COPY proto ./proto
COPY bench ./bench
RUN npm run build

# --- runtime: production dependencies only ---------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    VIGIL_HOST_PROC=/host/proc \
    VIGIL_HOST_CGROUP=/host/sys/fs/cgroup \
    VIGIL_HOST_ROOT=/host/root \
    VIGIL_HOST_ETC=/host/etc
WORKDIR /opt/vigil
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
# The built-in rules (the default of --rules); a ConfigMap usually replaces them.
COPY rules/library ./rules/library
COPY proto ./proto
# Reading every process's /proc entries and the netlink proc connector need
# root (with CAP_SYS_PTRACE / CAP_NET_ADMIN granted by the pod spec).
USER root
EXPOSE 9867 9868
# node is PID 1: vigil handles SIGTERM/SIGINT itself (clean stop within 2 s).
# A 1 MB young generation: the agent allocates little per scan, and V8's
# default semi-spaces cost ~45 MB of RSS at 5,000 processes for no CPU gain.
ENTRYPOINT ["node", "--max-semi-space-size=1", "/opt/vigil/dist/agent/main.js"]
CMD ["agent"]
