# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production dependencies only, as a non-root user.

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
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    ADMIN_HOST=0.0.0.0 \
    RANKWAY_DATA_DIR=/var/lib/rankway \
    RANKWAY_CONFIG=/etc/rankway/rankway.yaml
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
RUN mkdir -p /var/lib/rankway /etc/rankway && chown node:node /var/lib/rankway
USER node
EXPOSE 3000 3001
# Readiness of dependencies belongs to the orchestrator's probe; this only asks "is the process serving".
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.ADMIN_PORT||3001)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node as PID 1 receives SIGTERM directly; Rankway drains in-flight requests and exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
