# One image for the four demo services; docker-compose.yml picks the service with its command
# (node demo/services/<name>.ts). Node 24 runs the TypeScript sources directly (type stripping).
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Runtime dependencies only: the services need the SDK's dependencies, not the test and build tools.
# --ignore-scripts: the package's prepare script builds dist/ for packing, which needs the dev tools;
# the services run the TypeScript sources, not dist/ (no dependency needs an install script).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY protos ./protos
COPY demo ./demo
COPY configs ./configs
USER node
# 8080: api-gateway HTTP; 9001-9003: gRPC services; 9464-9466: Prometheus endpoints of the callers.
EXPOSE 8080 9001 9002 9003 9464 9465 9466
CMD ["node", "demo/services/api-gateway.ts"]
