# The Opus server image, in three stages so each layer stays cached while its inputs do:
#   deps   production dependencies only (npm ci --omit=dev), from package.json + package-lock.json
#   build  every dependency and the TypeScript compiler, to compile src/ into dist/src
#   final  the base, the production node_modules, dist/src, bin and config; runs as uid 1000
# The base needs node 22 or 24 (the LTS lines) and git (the server runs git at run time). The default,
# node:24-bookworm-slim, has no git, so it is installed with apt; any image with both works:
#   docker build --network host --build-arg BASE=opus-server-base:local .   (scripts/server-base-image.sh)
# Run: docker run -p 8080:8080 -v opus-data:/data -e OPUS_CONFIG=<git URL> <image>
# Secrets: OPUS_API_TOKEN, OPUS_WEBHOOK_SECRET (and GIT_PASSWORD for the credential helper a
# Kubernetes install sets up) from the environment, or from mounted files named by
# OPUS_API_TOKEN_FILE / OPUS_WEBHOOK_SECRET_FILE (e.g. /run/secrets/…).
# The root filesystem may be read-only: the server writes only to /data and /tmp.
ARG BASE=node:24-bookworm-slim

FROM ${BASE} AS deps
LABEL org.opus.build=server-image
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${BASE} AS build
LABEL org.opus.build=server-image
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM ${BASE}
RUN if ! command -v git >/dev/null; then apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*; fi \
 && git --version
RUN mkdir -p /data && chown 1000:1000 /data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY config ./config
COPY --from=build /app/dist/src ./dist/src
ENV NODE_ENV=production OPUS_DATA_DIR=/data PORT=8080 OPUS_HOST=0.0.0.0 HOME=/tmp GIT_TERMINAL_PROMPT=0
VOLUME /data
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/run.js"]
CMD ["server", "--log-format", "json"]
