import type { FastifyInstance } from 'fastify';
import { channelNames } from '@herald/core';
import {
  RateLimitPolicyStore,
  recordConfigChange,
  type StoredRateLimitPolicy,
} from '@herald/store';
import { actorOf, problemResponses, type V1Context } from './context.js';
import { notFound } from './problem.js';

/*
 * Policy ids are one namespace in Postgres; a tenant's are stored as "<tenant>.<id>"
 * (tenant ids hold no ".") and shown without the prefix, so tenants never collide or
 * learn each other's ids. Every policy a tenant writes is pinned to its tenant.
 */
const stored = (tenant: string, id: string) => `${tenant}.${id}`;

function view(tenant: string, p: StoredRateLimitPolicy) {
  const { tenant: _t, id, ...rest } = p;
  return { ...rest, id: id.slice(tenant.length + 1) };
}

const policyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['scope', 'limit', 'periodMs'],
  properties: {
    scope: { enum: ['recipient', 'channel', 'provider', 'tenant'] },
    channel: { type: ['string', 'null'], enum: [...channelNames, null] },
    provider: { type: ['string', 'null'], minLength: 1 },
    limit: { type: 'integer', minimum: 1 },
    periodMs: { type: 'integer', minimum: 1 },
    burst: { type: 'integer', minimum: 1, default: 1 },
    action: { enum: ['defer', 'drop'], default: 'defer' },
    bypassCritical: { type: 'boolean', default: true },
    enabled: { type: 'boolean', default: true },
    description: { type: ['string', 'null'], maxLength: 500 },
  },
} as const;

const policyOut = {
  type: 'object',
  properties: { id: { type: 'string' }, ...policyBody.properties },
} as const;

type PolicyBody = Omit<StoredRateLimitPolicy, 'id' | 'tenant' | 'channel' | 'provider'> & {
  channel?: string | null;
  provider?: string | null;
};

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,62}$' } },
  required: ['id'],
} as const;

/** Rate-limit policies of the key's tenant (workers read them; packages/ratelimit runs them). */
export function policiesRoutes(server: FastifyInstance, ctx: V1Context): void {
  const policies = new RateLimitPolicyStore(ctx.db);
  const mine = async (tenant: string) =>
    (await policies.list()).filter((p) => p.tenant === tenant && p.id.startsWith(`${tenant}.`));

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
    async (req) => ({
      policies: (await mine(req.apiKey.tenant)).map((p) => view(req.apiKey.tenant, p)),
    }),
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
    async (req, reply) => {
      const tenant = req.apiKey.tenant;
      const found = (await mine(tenant)).find((p) => p.id === stored(tenant, req.params.id));
      return found ? view(tenant, found) : notFound(reply, `policy "${req.params.id}"`);
    },
  );

  server.put<{ Params: { id: string }; Body: PolicyBody }>(
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
    async (req) => {
      const tenant = req.apiKey.tenant;
      const b = req.body;
      const policy = {
        ...b,
        id: stored(tenant, req.params.id),
        tenant,
        channel: b.channel ?? null,
        provider: b.provider ?? null,
      };
      await policies.upsert(policy);
      await recordConfigChange(ctx.db, {
        ...actorOf(req.apiKey),
        action: 'rate_limit_policies.upsert',
        entityType: 'rate_limit_policy',
        entityId: policy.id,
        details: b,
      });
      return view(tenant, {
        ...policy,
        enabled: policy.enabled ?? true,
        description: policy.description ?? null,
      });
    },
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
      const tenant = req.apiKey.tenant;
      const id = stored(tenant, req.params.id);
      if (!(await mine(tenant)).some((p) => p.id === id) || !(await policies.remove(id)))
        return notFound(reply, `policy "${req.params.id}"`);
      await recordConfigChange(ctx.db, {
        ...actorOf(req.apiKey),
        action: 'rate_limit_policies.delete',
        entityType: 'rate_limit_policy',
        entityId: id,
      });
      return reply.code(204).send();
    },
  );
}
