# syntax=docker/dockerfile:1
# One image for every ml-connector process; the command picks which one runs:
#   node --import tsx services/extractor/src/main.ts
#   node --import tsx services/loader/src/main.ts
#   node --import tsx services/admin-api/src/main.ts        (the default CMD)
#   node --import tsx packages/simulators/src/cloudsuite/main.ts --port 8091
#   node --import tsx packages/simulators/src/zendesk/main.ts --port 8092
ARG NODE_IMAGE=node:24-slim

# ---- deps: the production dependency tree, installed exactly from the lockfile ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# npm ci needs every workspace's package.json to link the @mlc/* workspaces; one line per workspace
# (tests/deploy checks that this list matches packages/* and services/*).
COPY package.json package-lock.json ./
COPY packages/common/package.json packages/common/
COPY packages/simulators/package.json packages/simulators/
COPY packages/cli/package.json packages/cli/
COPY services/extractor/package.json services/extractor/
COPY services/loader/package.json services/loader/
COPY services/admin-api/package.json services/admin-api/
# The services run TypeScript through tsx (`node --import tsx`), which the lockfile lists as a
# devDependency. So: install everything, promote tsx to a runtime dependency in this throw-away copy
# of package.json, then prune the other devDependencies (typescript, biome, the npm `node` binary, …).
# The lockfile stays the single source of versions; nothing is resolved anew.
# --ignore-scripts: no runtime package needs an install script (esbuild finds its platform binary
# through its optional @esbuild/* dependency), and it keeps the npm `node` package from fetching a
# second Node binary: the image's own Node 24 is the one that runs.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund \
 && npm pkg set "dependencies.tsx=$(npm pkg get devDependencies.tsx | tr -d '"')" \
 && npm pkg delete devDependencies.tsx \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && test -f node_modules/tsx/package.json

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="ml-connector" \
      org.opencontainers.image.description="Moves ERP context from Infor CloudSuite into Zendesk over Kafka (extractor, loader, admin-api, simulators)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root and read-only for the process user: the code cannot be rewritten at run time.
# tsx caches compiled modules under the OS temp dir, so /tmp is the only place that must be writable
# (compose and Kubernetes mount a tmpfs/emptyDir there when the root filesystem is read-only).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY packages ./packages
COPY services ./services
# The workspace symlinks in node_modules/@mlc point at ../../packages and ../../services, copied above.
RUN test -L node_modules/@mlc/common
# The `node` user (uid 1000) of the official image; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080 9464
# No HEALTHCHECK here: the port to probe differs per service (admin-api answers on ADMIN_API_PORT,
# extractor and loader on METRICS_PORT), so compose and Kubernetes declare the probe per service.
CMD ["node", "--import", "tsx", "services/admin-api/src/main.ts"]
