# syntax=docker/dockerfile:1

# ---- build: install all deps, compile TypeScript, drop dev deps ----
FROM node:20-bookworm-slim AS build
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci

COPY . .
# sql/ and schemas/ are copied into the runtime image; make sure they exist
# even if one of them is empty (git does not keep empty directories).
RUN mkdir -p sql schemas \
 && npm run build \
 && npm prune --omit=dev

# ---- runtime ----
FROM node:20-bookworm-slim AS runtime
WORKDIR /app

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8069 \
    DATA_DIR=/data

COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/sql ./sql
COPY --from=build /app/schemas ./schemas
# the admin CLI: docker compose exec app1 npx livechat-rpc <command> (runs dist/cli/index.js)
COPY --from=build /app/bin ./bin

# DATA_DIR (embedded PGlite database etc. when DATABASE_URL is unset).
# Mount a volume here to keep data across container re-creation.
RUN mkdir -p /data && chown node:node /data

USER node
EXPOSE 8069

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8069) + '/web/health').then(r => r.json()).then(b => process.exit(b.status === 'pass' ? 0 : 1), () => process.exit(1))"]

CMD ["node", "dist/server.js"]
