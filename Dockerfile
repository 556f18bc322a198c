# Relais in one image: the sync server (HTTP + WebSocket, PORT) and the PeerJS signalling server
# (PEER_PORT), as `npm start` runs them, with the client built by vite. docs/ops/compose.yaml puts
# it behind a TLS reverse proxy beside coturn; README «Production» says when to pick this or the
# systemd unit (docs/ops/relais.service).
#
#   docker build -t relais .
#   docker run -d -v relais-data:/data -p 127.0.0.1:8080:8080 -p 127.0.0.1:9000:9000 \
#     -e PUBLIC_URL=https://relais.example.fr relais
#
# The data (LMDB store, documents) and the keys live in the volume /data: back it up with
# `npm run admin -- backup` (docs/ops/BACKUP.md), and keep the master key (/data/keys/blob.key, or
# RELAIS_MASTER_KEY) apart: without it every record is unreadable.

# Node 20, as the code is tested on: the uWebSockets.js build in package.json ships binaries for
# Node 16, 18 and 20 only (ABI 93, 108, 115), none for Node 22.

# --- build: the client (vite needs the dev dependencies) ---------------------------------------
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json vite.config.ts ./
COPY schema schema
COPY client client
RUN npx vite build --logLevel warn

# --- runtime: production dependencies only (tsx, which runs the TypeScript sources, is one) -----
FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    PEER_PORT=9000 \
    RELAIS_DATA_DIR=/data \
    RELAIS_CLIENT_DIR=/app/dist/client \
    RELAIS_SKIP_BUILD=1
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY schema schema
COPY sync-server sync-server
COPY peer-server peer-server
COPY scripts scripts
COPY --from=build /app/dist/client dist/client
# A system account of its own; /data is its, and only its (the server keeps it 0700).
RUN groupadd --system --gid 10001 relais \
    && useradd --system --uid 10001 --gid relais --home-dir /data --no-create-home --shell /usr/sbin/nologin relais \
    && mkdir -p /data \
    && chown relais:relais /data \
    && chmod 700 /data
USER relais
VOLUME ["/data"]
# 8080: HTTP, /api and the /sync WebSockets; 9000: PeerJS signalling (/peerjs). Plain HTTP: TLS is
# the reverse proxy's (docs/ops/compose.yaml), or set TLS_CERT/TLS_KEY and change the check below.
EXPOSE 8080 9000
# /api/health answers once the server listens. (/api/health/ready, from the metrics work of #14,
# may replace it once merged: it also says whether the store is writable.) No --start-period: the
# server listens within seconds, and dockerfilelint 1.8.0 misreads that option (its regex stops at
# the dash and reports «Invalid Argument Format»).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm start` without npm: Node receives the stop signal itself (SIGTERM closes the store cleanly).
CMD ["node", "--max-semi-space-size=8", "--import", "tsx", "scripts/start.ts"]
