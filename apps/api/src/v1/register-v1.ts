import swagger from '@fastify/swagger';
import apiReference from '@scalar/fastify-api-reference';
import type { FastifyInstance } from 'fastify';
import { createChannelRouter } from '@herald/channels';
import { ApiKeyStore } from '@herald/store';
import { addAuth } from './auth.js';
import type { ApiEnv } from '../env.js';
import type { V1Context } from './context.js';
import { deadLettersRoutes } from './dead-letters-routes.js';
import { eventsRoutes } from './events-routes.js';
import { notificationsRoutes } from './notifications-routes.js';
import { policiesRoutes } from './policies-routes.js';
import { problem, problemHandler, problemSchema, sendProblem } from './problem.js';
import { recipientsRoutes } from './recipients-routes.js';
import { rulesRoutes } from './rules-routes.js';
import { silencesRoutes } from './silences-routes.js';
import { statusRoutes, type StatusSettings } from './status-routes.js';
import { templatesRoutes } from './templates-routes.js';
import { testSendRoutes } from './test-send-routes.js';
import { topicsRoutes } from './topics-routes.js';

/** What /v1 needs from the api: its clients, built once. */
export type V1Clients = Pick<V1Context, 'db' | 'publisher' | 'kafka' | 'redis' | 'log'>;

/**
 * The management API under /v1: OpenAPI 3.1 generated from the route schemas
 * (@fastify/swagger) at /v1/openapi.json, an API reference page at /v1/docs (Scalar's
 * fastify plugin: one bundled script served by the api itself, so the page works
 * without reaching any CDN, with a request console to try calls with a key; unlike
 * @fastify/swagger-ui it needs no @fastify/static, whose CommonJS require of an ESM-only
 * dependency fails under the test runner), and every route behind an API key.
 */
export async function registerV1(
  server: FastifyInstance,
  clients: V1Clients,
  env: ApiEnv,
): Promise<void> {
  const ctx: V1Context = {
    ...clients,
    topicPrefix: env.HERALD_TOPIC_PREFIX,
    maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
    maxBatch: env.HERALD_API_EVENTS_MAX_BATCH,
    now: () => new Date(),
    channelRouter: (channels) => createChannelRouter(env, channels, { logger: clients.log }),
  };
  const status: StatusSettings = {
    kafkaBrokers: env.KAFKA_BROKERS,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
  };
  server.addSchema(problemSchema);
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Herald management API',
        version: '1',
        description:
          'Publish events, manage rules, recipients, topics and rate limits, and look up notifications. Every route needs `Authorization: Bearer hk_<id>_<secret>` (herald keys create); errors are application/problem+json (RFC 9457). docs/api.md has curl examples.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    // Receipts and health have no tags: they are provider-facing, not part of this API.
    hideUntagged: true,
  });
  if (env.HERALD_API_DOCS)
    await server.register(apiReference, {
      routePrefix: '/v1/docs',
      configuration: { url: '/v1/openapi.json' },
      logLevel: 'silent',
    });
  server.get('/v1/openapi.json', { schema: { hide: true } }, () => server.swagger());

  await server.register(
    async (v1) => {
      v1.setErrorHandler(problemHandler(ctx.log));
      v1.setNotFoundHandler((req, reply) =>
        sendProblem(
          reply,
          problem(
            404,
            'not_found',
            `no route ${req.method} ${req.url.split('?')[0]}: see /v1/openapi.json`,
          ),
        ),
      );
      addAuth(v1, {
        keys: new ApiKeyStore(ctx.db),
        cacheMs: env.HERALD_API_KEY_CACHE_MS,
        ...(ctx.redis ? { redis: ctx.redis } : {}),
        keyPrefix: ctx.topicPrefix,
        limit: env.HERALD_API_RATE_LIMIT,
        periodMs: env.HERALD_API_RATE_PERIOD_MS,
        log: ctx.log,
      });
      // One line per request, naming the key by its prefix: never headers (they hold the key).
      v1.addHook('onResponse', (req, reply, done) => {
        ctx.log.debug(
          {
            method: req.method,
            route: req.routeOptions.url ?? 'unmatched',
            status: reply.statusCode,
            ...(req.apiKey ? { key: req.apiKey.prefix, tenant: req.apiKey.tenant } : {}),
          },
          'api request',
        );
        done();
      });
      eventsRoutes(v1, ctx);
      rulesRoutes(v1, ctx);
      recipientsRoutes(v1, ctx);
      topicsRoutes(v1, ctx);
      notificationsRoutes(v1, ctx);
      policiesRoutes(v1, ctx);
      templatesRoutes(v1, ctx);
      deadLettersRoutes(v1, ctx);
      testSendRoutes(v1, ctx);
      silencesRoutes(v1, ctx);
      statusRoutes(v1, ctx, status);
    },
    { prefix: '/v1' },
  );
}
