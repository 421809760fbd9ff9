import type { FastifyInstance } from 'fastify';
import { channelNames } from '@herald/core';
import {
  deleteRateLimitPolicy,
  getRateLimitPolicy,
  listRateLimitPolicies,
  RATE_LIMIT_ID,
  rateLimitActions,
  rateLimitScopes,
  setRateLimitPolicy,
  type RateLimitPolicyRequest,
} from '@herald/operations';
import { actorOf, problemResponses, type V1Context } from './context.js';

const policyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['scope', 'limit', 'periodMs'],
  properties: {
    scope: { enum: [...rateLimitScopes] },
    channel: { type: ['string', 'null'], enum: [...channelNames, null] },
    provider: { type: ['string', 'null'], minLength: 1 },
    limit: { type: 'integer', minimum: 1 },
    periodMs: { type: 'integer', minimum: 1 },
    burst: { type: 'integer', minimum: 1, default: 1 },
    action: { enum: [...rateLimitActions], default: 'defer' },
    bypassCritical: { type: 'boolean', default: true },
    enabled: { type: 'boolean', default: true },
    description: { type: ['string', 'null'], maxLength: 500 },
  },
} as const;

const policyOut = {
  type: 'object',
  properties: { id: { type: 'string' }, ...policyBody.properties },
} as const;

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: RATE_LIMIT_ID.source } },
  required: ['id'],
} as const;

/**
 * Rate-limit policies of the key's tenant (workers read them; packages/ratelimit runs
 * them). The work is `@herald/operations`, as `herald rate-limits` does it: ids are
 * stored as "<tenant>.<id>" and shown without the prefix; another tenant's policy is a
 * 404 like an unknown one.
 */
export function policiesRoutes(server: FastifyInstance, ctx: V1Context): void {
  server.get(
    '/rate-limit-policies',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['rate limits'],
        summary: "The tenant's rate-limit policies",
        response: {
          200: { type: 'object', properties: { policies: { type: 'array', items: policyOut } } },
          ...problemResponses,
        },
      },
    },
    async (req) => ({ policies: await listRateLimitPolicies(ctx.db, req.apiKey.tenant) }),
  );

  server.get<{ Params: { id: string } }>(
    '/rate-limit-policies/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['rate limits'],
        summary: 'One policy',
        params: idParams,
        response: { 200: policyOut, ...problemResponses },
      },
    },
    async (req) => getRateLimitPolicy(ctx.db, req.apiKey.tenant, req.params.id),
  );

  server.put<{ Params: { id: string }; Body: RateLimitPolicyRequest }>(
    '/rate-limit-policies/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['rate limits'],
        summary: 'Create or replace a policy ("limit per periodMs" per subject of scope)',
        params: idParams,
        body: policyBody,
        response: { 200: policyOut, ...problemResponses },
      },
    },
    async (req) =>
      setRateLimitPolicy(ctx.db, req.apiKey.tenant, req.params.id, req.body, actorOf(req.apiKey)),
  );

  server.delete<{ Params: { id: string } }>(
    '/rate-limit-policies/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['rate limits'],
        summary: 'Delete a policy',
        params: idParams,
        response: { 204: { type: 'null' }, ...problemResponses },
      },
    },
    async (req, reply) => {
      await deleteRateLimitPolicy(ctx.db, req.apiKey.tenant, req.params.id, actorOf(req.apiKey));
      return reply.code(204).send();
    },
  );
}
