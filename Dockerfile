# Single-container image of the gateway on the official Bun image.
# Build: docker build -t llm-gateway .   Run: docker run -p 3000:3000 -e LLM_API_KEY=... llm-gateway
FROM oven/bun:1.4.5 AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
# Production dependencies exactly as locked; no install script downloads anything.
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN bun install --frozen-lockfile --production

FROM oven/bun:1.4.5
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/.data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bun.lock bunfig.toml tsconfig.json ./
COPY src ./src
COPY db ./db
COPY embeddings ./embeddings
RUN mkdir -p /app/.data /app/embeddings/models && chown -R bun:bun /app/.data /app/embeddings/models
USER bun
EXPOSE 3000
# Liveness only: the ping route does no I/O. Readiness is /api/v1/performance/health.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD bun -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health/ping').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Migrations run at start (idempotent, advisory-locked), then the server listens.
CMD ["bun", "run", "src/main.ts"]
