# The service's one image: the worker (default command), the codec server and the CLI
# (`node dist/client/cli.js …`). Built with the dev dependencies (TypeScript), shipped without them;
# the build context holds the product alone (.dockerignore), so the demo, the simulators, the
# benchmark and the tests are neither compiled nor shipped.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# MALLOC_ARENA_MAX: glibc's per-thread malloc arenas cost the worker's native threads ~20 MB of RSS.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    SYNC_FILES_DIR=/var/lib/pingone-torii-sync/files
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Staged Torii files and dry-run files live on a volume; the worker runs unprivileged.
RUN mkdir -p /var/lib/pingone-torii-sync/files && chown -R node:node /var/lib/pingone-torii-sync
USER node
EXPOSE 9464 8888
# A small heap makes V8 collect early: the worker holds pages and batches, never the directory.
# These flags and MALLOC_ARENA_MAX are worker/node-process.ts's (test/deployment.test.ts holds them together).
CMD ["node", "--max-old-space-size=96", "--max-semi-space-size=2", "dist/worker/main.js"]
