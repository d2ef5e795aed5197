# mm-bot image: the bot exactly as `npm run bot` runs it (node --import tsx src/cli/bot.ts), as a
# non-root user, with production dependencies only. tsx is a runtime dependency, so
# `npm ci --omit=dev` keeps it and there is no build step.
#
#   docker build -t mm-bot .
#   docker compose up -d          # bot, prometheus, grafana, postgres: see docs/operations.md

ARG NODE_VERSION=20

# Stage 1: production dependencies from the lockfile, nothing else.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# Stage 2: the runtime: sources, defaults and the dependencies; no compiler, no dev tools.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json package-lock.json ./
COPY --chown=root:root src ./src
COPY --chown=root:root config ./config
# The only place the bot writes (recordings, the embedded journal, logs); owned by the node user.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
# uid 1000: docker-compose.yml gives the bot's secret files to this uid.
USER node

# monitoring.metrics_port: /metrics, /healthz, /readyz, /status and the status page.
EXPOSE 8000
# /healthz says the process answers; /readyz (not used here) says whether it can trade.
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM starts the orderly shutdown (cancel and verify every order, close, exit 0 within 40 s):
# give `docker stop` that long (docker-compose.yml sets stop_grace_period: 45s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--import", "tsx", "src/cli/bot.ts"]
CMD []
