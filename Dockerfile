# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production dependencies only, as a non-root user.
#
#   docker build -t rankway .
#   docker run -p 3000:3000 -p 3001:3001 rankway                       # embedded default, auth: keys
#   docker run -p 3000:3000 -p 3001:3001 -v "$PWD/rankway.yaml:/etc/rankway/rankway.yaml:ro" rankway

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles a native addon when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# No RANKWAY_CONFIG here: the entrypoint uses a config mounted at /etc/rankway/rankway.yaml when
# there is one, else deploy/docker/container-default.yaml (see that file for why auth: keys).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    ADMIN_HOST=0.0.0.0 \
    RANKWAY_DATA_DIR=/var/lib/rankway \
    RANKWAY_CONFIG_DIR=/etc/rankway
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node deploy/docker ./deploy/docker
RUN mkdir -p /var/lib/rankway /etc/rankway && chown node:node /var/lib/rankway
# The data dir (SQLite, the generated secret key, the usage journal) outlives the container.
VOLUME ["/var/lib/rankway"]
USER node
EXPOSE 3000 3001
# Liveness only ("is the process serving"); dependency health is /healthz's and the orchestrator's business.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.ADMIN_PORT||3001)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The entrypoint execs node, which receives SIGTERM directly; Rankway drains in-flight requests and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/deploy/docker/entrypoint.sh"]
