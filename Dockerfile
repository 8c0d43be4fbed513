# syntax=docker/dockerfile:1
#
# One image recipe for every Voxmail app. Pick the app with the APP build argument:
#
#   docker build --build-arg APP=api-gateway              -t voxmail/api-gateway .
#   docker build --build-arg APP=mailbox-service          -t voxmail/mailbox-service .
#   docker build --build-arg APP=message-service          -t voxmail/message-service .
#   docker build --build-arg APP=media-storage-service    -t voxmail/media-storage-service .
#   docker build --build-arg APP=broadcast-dialer-service -t voxmail/broadcast-dialer-service .
#
# The manifests, deps and build stages do not depend on APP, so BuildKit builds them once and
# reuses them for all five images; only the small runtime stage differs.
#
# Debian (glibc) on purpose, not alpine: argon2 ships prebuilt glibc binaries (node-gyp-build).

ARG NODE_IMAGE=node:20-bookworm-slim
# The npm that wrote package-lock.json and understands the "allowScripts" policy in package.json.
ARG NPM_VERSION=11.19.1

# --- manifests: package.json, package-lock.json and every libs/*/package.json, nothing else ---
# COPY with a glob flattens directories, so the workspace manifests are gathered here; the stages
# below copy the result, whose cache key only changes when a manifest changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN set -eu; \
    mkdir -p /out; \
    cp package.json package-lock.json /out/; \
    for f in libs/*/package.json libs/*/index.js; do \
      mkdir -p "/out/$(dirname "$f")"; \
      cp "$f" "/out/$f"; \
    done

# --- npm: base image with the project's npm version ---
FROM ${NODE_IMAGE} AS npm
ARG NPM_VERSION
RUN npm install --global --no-audit --no-fund "npm@${NPM_VERSION}" && npm --version
WORKDIR /app

# --- deps: production node_modules (with the @voxmail/* workspace symlinks into libs/) ---
FROM npm AS deps
ENV NODE_ENV=production
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# --- build: full install, then tsc -b tsconfig.build.json into dist/ ---
FROM npm AS build
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY . .
# tsc into dist/, and the web app the gateway serves at /app/ into dist/apps/web
RUN npm run build && node scripts/lib/web-build.js

# --- runtime ---
FROM ${NODE_IMAGE} AS runtime
ARG APP
ENV NODE_ENV=production \
    APP=${APP}
WORKDIR /app
# Files stay owned by root (read-only for the app user); the app writes only to /tmp.
# /app holds package.json, package-lock.json, libs/*/package.json and node_modules.
COPY --from=deps /app/ ./
COPY --from=build /app/dist ./dist
# libs/*/index.js (in the manifests) load the compiled libraries from dist/ at run time.
# media-storage-service transcodes audio with ffmpeg; transcription-service converts with ffmpeg and
# recognizes speech with PocketSphinx; the other apps need neither.
RUN set -eu; \
    if [ "${APP}" = "media-storage-service" ]; then \
      apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*; \
    fi; \
    if [ "${APP}" = "transcription-service" ]; then \
      apt-get update && apt-get install -y --no-install-recommends ffmpeg pocketsphinx pocketsphinx-en-us \
        && rm -rf /var/lib/apt/lists/*; \
    fi; \
    if [ -z "${APP}" ]; then echo "build with --build-arg APP=<app name>" >&2; exit 1; fi; \
    test -f "dist/apps/${APP}/src/main.js" || { echo "no dist/apps/${APP}/src/main.js: unknown APP '${APP}'" >&2; exit 1; }
USER node
# api-gateway listens on PORT (8000); each service serves health and metrics on HEALTH_PORT (8101-8104).
EXPOSE 8000 8101 8102 8103 8104
# exec: node becomes PID 1 and receives SIGTERM itself (the apps drain NATS and finish in-flight work).
CMD ["/bin/sh", "-c", "exec node \"dist/apps/${APP}/src/main.js\""]
