import type { FastifyInstance } from 'fastify';
import { channelNames, isChannelName, type ChannelName } from '@herald/core';
import { renderTemplate, rollbackTemplate, templateStore } from '@herald/operations';
import { recordConfigChange, TemplateStore, type TemplateInput } from '@herald/store';
import { actorOf, problemResponses, type V1Context } from './context.js';
import { notFound, problem, sendProblem } from './problem.js';

/*
 * Templates are installation-wide in Postgres, as rules are; a tenant's are those whose
 * id starts with "<tenant>." (the same convention as rules), and the API saves only
 * those. Partials and layouts stay installation-wide (applied with the CLI).
 */
const owns = (tenant: string, id: string) => id.startsWith(`${tenant}.`);

const templateInput = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'channel', 'parts'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    channel: { enum: [...channelNames] },
    locale: { type: 'string', minLength: 1, default: 'default' },
    parts: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'docs/templates.md: subject, html, text, body…',
    },
    sample: { description: 'sample data the template is checked with when saved' },
  },
} as const;

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1 } },
  required: ['id'],
} as const;

/** What an apply (or a rollback, which adds `rollbackOf`) answers: dry run or not, the revision, the changes. */
const applyResult = {
  type: 'object',
  properties: {
    applied: { type: 'boolean' },
    revision: { type: 'string' },
    changes: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

/** Templates of the key's tenant: list, get, versions, apply (dry run), rollback, render preview. */
export function templatesRoutes(server: FastifyInstance, ctx: V1Context): void {
  const store = new TemplateStore(ctx.db);

  server.get(
    '/templates',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['templates'],
        summary: 'The latest version of each of the tenant’s templates',
        response: {
          200: {
            type: 'object',
            properties: {
              templates: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req) => ({
      templates: (await store.list()).filter((t) => owns(req.apiKey.tenant, t.id)),
    }),
  );

  const versionsOf = async (tenant: string, id: string) =>
    owns(tenant, id) ? (await store.load()).templates.filter((t) => t.id === id) : [];

  server.get<{ Params: { id: string } }>(
    '/templates/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['templates'],
        summary: 'The latest version of a template per channel and locale, with its parts',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              variants: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const all = await versionsOf(req.apiKey.tenant, req.params.id);
      if (all.length === 0) return notFound(reply, `template "${req.params.id}"`);
      const latest = new Map<string, (typeof all)[number]>();
      for (const t of all) latest.set(`${t.channel}\u0000${t.locale}`, t); // ordered by version
      return { id: req.params.id, variants: [...latest.values()] };
    },
  );

  server.get<{ Params: { id: string } }>(
    '/templates/:id/versions',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['templates'],
        summary: 'Every saved version of a template',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              versions: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const all = await versionsOf(req.apiKey.tenant, req.params.id);
      return all.length === 0 ? notFound(reply, `template "${req.params.id}"`) : { versions: all };
    },
  );

  server.post<{
    Body: {
      templates: (Omit<TemplateInput, 'sampleData'> & { sample?: unknown })[];
      dryRun?: boolean;
    };
  }>(
    '/templates',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['templates'],
        summary:
          'Validate templates and save the changed ones as new versions, atomically (dryRun: validate only)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['templates'],
          properties: {
            templates: { type: 'array', minItems: 1, maxItems: 200, items: templateInput },
            dryRun: { type: 'boolean', default: false },
          },
        },
        response: {
          200: applyResult,
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const tenant = req.apiKey.tenant;
      const foreign = req.body.templates.findIndex((t) => !owns(tenant, t.id));
      if (foreign >= 0)
        return sendProblem(
          reply,
          problem(
            400,
            'validation_failed',
            `template ids of tenant ${tenant} start with "${tenant}."`,
            [{ field: `body/templates/${foreign}/id`, message: `start it with "${tenant}."` }],
          ),
        );
      const { actor, by } = actorOf(req.apiKey);
      const result = await templateStore(ctx.db).apply(
        {
          templates: req.body.templates.map(({ sample, ...t }) => ({
            ...t,
            locale: t.locale ?? 'default',
            ...(sample === undefined ? {} : { sampleData: sample }),
          })),
        },
        { actor, dryRun: req.body.dryRun === true },
      );
      if (result.applied)
        await recordConfigChange(ctx.db, {
          actor,
          by,
          action: 'templates.apply',
          entityType: 'template',
          entityId: req.body.templates.map((t) => t.id).join(','),
          details: { revision: result.revision, changes: result.changes },
        });
      return result;
    },
  );

  server.post<{
    Params: { id: string };
    Body: {
      channel: ChannelName;
      locale?: string;
      data?: unknown;
      timezone?: string;
      version?: number;
    };
  }>(
    '/templates/:id/render',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['templates'],
        summary: 'Render a template with sample data, as a worker would (nothing is sent)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['channel'],
          properties: {
            channel: { enum: [...channelNames] },
            locale: { type: 'string' },
            data: { description: 'the event data to render with (default {})' },
            timezone: { type: 'string', description: 'recipient time zone, e.g. Europe/Paris' },
            version: { type: 'integer', minimum: 1 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              version: { type: 'integer' },
              locale: { type: 'string' },
              content: { type: 'object', additionalProperties: true },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      if (!owns(req.apiKey.tenant, req.params.id) || !isChannelName(req.body.channel))
        return notFound(reply, `template "${req.params.id}"`);
      const ref =
        req.body.version === undefined ? req.params.id : `${req.params.id}@${req.body.version}`;
      return renderTemplate(await store.load(), ref, req.body.channel, {
        locale: req.body.locale,
        data: req.body.data ?? {},
        now: ctx.now(),
        timezone: req.body.timezone,
      });
    },
  );

  server.post<{ Params: { id: string }; Body: { version: number; dryRun?: boolean } }>(
    '/templates/:id/rollback',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['templates'],
        summary:
          'Save a template as it was at an old version (each channel and locale of that version) as a new version',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['version'],
          properties: {
            version: { type: 'integer', minimum: 1 },
            dryRun: { type: 'boolean', default: false },
          },
        },
        response: {
          200: {
            ...applyResult,
            properties: { ...applyResult.properties, rollbackOf: { type: 'integer' } },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      // Another tenant's template answers as a missing one would.
      if (!owns(req.apiKey.tenant, req.params.id))
        return notFound(reply, `template "${req.params.id}"`);
      return rollbackTemplate(ctx.db, {
        id: req.params.id,
        version: req.body.version,
        dryRun: req.body.dryRun === true,
        ...actorOf(req.apiKey),
      });
    },
  );
}
