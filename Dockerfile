# syntax=docker/dockerfile:1
#
# The web app as a container. Build: `docker build -t kafka-web-demo .`
# Usually started through docker-compose.yml (two instances against Apache Kafka).
#
# Two stages: the build stage has the dev dependencies (TypeScript) and compiles src/ to dist/;
# the runtime stage installs production dependencies only and runs the compiled JavaScript.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Lockfile first so the dependency layer stays cached while only sources change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The app resolves views/ and public/ next to dist/, and reads config/default.json from the
# working directory. .env is never copied (see .dockerignore): secrets come from the environment.
COPY views ./views
COPY public ./public
COPY config ./config
# Only needed with KAFKA_BROKERS=embedded (the in-process broker writes ./data/kafka); the
# rest of /app stays owned by root and read-only for the app user.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# /healthz answers as long as the process serves HTTP; Node 20 has fetch, the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Run node directly (not through npm) so SIGTERM reaches the app, which leaves the consumer group
# and exits within 5 s. It installs its own signal handlers, so it also behaves as PID 1.
# The same node flags as `npm start` (a test holds them equal); docs/benchmarks.md says why the heap ones.
CMD ["node", "--enable-source-maps", "--heap-growing-percent=30", "dist/main.js"]
