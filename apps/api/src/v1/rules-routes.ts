import type { FastifyInstance } from 'fastify';
import {
  applyTenantRules,
  rollbackTenantRules,
  tenantRuleHistory,
  tenantRules,
} from '@herald/operations';
import { actorOf, problemResponses, type V1Context } from './context.js';
import { notFound } from './problem.js';

const diffSchema = {
  type: 'object',
  properties: {
    added: { type: 'array', items: { type: 'string' } },
    changed: { type: 'array', items: { type: 'string' } },
    removed: { type: 'array', items: { type: 'string' } },
  },
} as const;

const applyResult = {
  type: 'object',
  properties: {
    applied: { type: 'boolean' },
    dryRun: { type: 'boolean' },
    previousVersion: { type: 'integer' },
    version: { type: 'integer' },
    ruleCount: { type: 'integer' },
    diff: diffSchema,
  },
} as const;

const ruleSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    revision: { type: 'integer' },
    setVersion: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    definition: { type: 'object', additionalProperties: true },
  },
} as const;

/**
 * Rules of the key's tenant: the rules of the installation's rule set whose id starts
 * with "<tenant>." (packages/operations `applyTenantRules`: the same validation, diff
 * and versioning as `herald rules apply`).
 */
export function rulesRoutes(server: FastifyInstance, ctx: V1Context): void {
  server.get<{ Querystring: { version?: number } }>(
    '/rules',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['rules'],
        summary: "The tenant's rules in the current (or a given) version",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { version: { type: 'integer', minimum: 1 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              version: { type: 'integer' },
              rules: { type: 'array', items: ruleSchema },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req) => tenantRules(ctx.db, req.apiKey.tenant, req.query.version),
  );

  server.get<{ Params: { id: string } }>(
    '/rules/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['rules'],
        summary: 'One rule of the current version',
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: ruleSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const { rules } = await tenantRules(ctx.db, req.apiKey.tenant);
      const rule = rules.find((r) => r.id === req.params.id);
      return rule ?? notFound(reply, `rule "${req.params.id}"`);
    },
  );

  server.post<{ Body: { source: string; sourceName?: string; dryRun?: boolean } }>(
    '/rules',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['rules'],
        summary:
          "Apply the tenant's rules file (YAML or JSON) as a new version; dryRun shows the diff only",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['source'],
          properties: {
            source: {
              type: 'string',
              minLength: 1,
              description: 'the rules file, as for `herald rules apply`',
            },
            sourceName: { type: 'string', maxLength: 200 },
            dryRun: { type: 'boolean', default: false },
          },
        },
        response: { 200: applyResult, ...problemResponses, 409: { $ref: 'Problem#' } },
      },
    },
    async (req) => {
      const result = await applyTenantRules(ctx.db, req.apiKey.tenant, {
        source: req.body.source,
        sourceName: req.body.sourceName ?? 'api',
        dryRun: req.body.dryRun ?? false,
        ...actorOf(req.apiKey),
      });
      return { ...result, dryRun: req.body.dryRun ?? false };
    },
  );

  server.get(
    '/rules/history',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['rules'],
        summary: "Versions that changed the tenant's rules, newest first",
        response: {
          200: {
            type: 'object',
            properties: {
              versions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    version: { type: 'integer' },
                    kind: { type: 'string' },
                    rolledBackFrom: { type: ['integer', 'null'] },
                    appliedBy: { type: 'string' },
                    appliedAt: { type: 'string', format: 'date-time' },
                    diff: diffSchema,
                  },
                },
              },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req) => ({ versions: await tenantRuleHistory(ctx.db, req.apiKey.tenant) }),
  );

  server.post<{ Body: { version: number; dryRun?: boolean } }>(
    '/rules/rollback',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['rules'],
        summary: "Re-apply the tenant's rules of an old version as a new version",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['version'],
          properties: { version: { type: 'integer', minimum: 1 }, dryRun: { type: 'boolean' } },
        },
        response: { 200: applyResult, ...problemResponses, 409: { $ref: 'Problem#' } },
      },
    },
    async (req) => {
      const result = await rollbackTenantRules(ctx.db, req.apiKey.tenant, req.body.version, {
        dryRun: req.body.dryRun ?? false,
        ...actorOf(req.apiKey),
      });
      return { ...result, dryRun: req.body.dryRun ?? false };
    },
  );
}
