# One image for every Herald app; the command picks the app:
#   docker run herald router | worker --channel webhook | auditor | api | gateway
FROM node:26-bookworm-slim AS build
WORKDIR /herald
COPY package.json package-lock.json turbo.json tsconfig.json ./
# patches/ is applied by the root postinstall (patch-package) during npm ci
COPY patches ./patches
COPY tooling ./tooling
COPY packages ./packages
COPY apps ./apps
COPY e2e/package.json ./e2e/package.json
COPY examples/demo/package.json ./examples/demo/package.json
RUN npm ci --no-audit --no-fund
RUN npx turbo run build --filter='./apps/*' && npm prune --omit=dev

FROM node:26-bookworm-slim
ENV NODE_ENV=production
WORKDIR /herald
COPY --from=build /herald/node_modules ./node_modules
COPY --from=build /herald/packages ./packages
COPY --from=build /herald/apps ./apps
COPY migrations ./migrations
COPY docker-entrypoint.sh /usr/local/bin/herald
USER node
ENTRYPOINT ["herald"]
CMD ["router"]
