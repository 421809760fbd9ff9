import type { FastifyInstance } from 'fastify';
import { collectStatus } from '@herald/operations';
import { problemResponses, type V1Context } from './context.js';

export interface StatusSettings {
  readonly kafkaBrokers: readonly string[];
  readonly databaseUrl: string;
  readonly redisUrl?: string | undefined;
}

/**
 * `GET /v1/status`: what `herald status` shows (`collectStatus` in @herald/operations):
 * services, consumer-group lag, the DLQ backlog, circuit breakers. These are the
 * installation's, shared by every tenant, so breakers are shown without their endpoint
 * (a host another tenant sends to); the CLI shows endpoints to operators.
 */
export function statusRoutes(
  server: FastifyInstance,
  ctx: V1Context,
  settings: StatusSettings,
): void {
  server.get(
    '/status',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['status'],
        summary:
          'Services, consumer-group lag, DLQ backlog and circuit breakers (installation-wide)',
        response: {
          200: {
            type: 'object',
            properties: {
              services: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    address: { type: 'string' },
                    up: { type: 'boolean' },
                    error: { type: 'string' },
                  },
                },
              },
              consumerGroups: {},
              dlq: {},
              breakers: {},
            },
          },
          ...problemResponses,
        },
      },
    },
    async () => {
      const report = await collectStatus({
        ...settings,
        topicPrefix: ctx.topicPrefix,
        kafka: () => ctx.kafka,
        ...(ctx.redis ? { withRedis: (body) => body(ctx.redis!) } : {}),
      });
      return {
        ...report,
        breakers: Array.isArray(report.breakers)
          ? report.breakers.map(({ endpoint: _endpoint, ...rest }) => rest)
          : report.breakers,
      };
    },
  );
}
