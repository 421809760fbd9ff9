import type { FastifyInstance } from 'fastify';
import {
  cancelByKey,
  createSilence,
  expireSilence,
  listSilences,
  SilenceRequestError,
} from '@herald/operations';
import type { StoredSilence } from '@herald/store';
import { actorOf, problemResponses, type V1Context } from './context.js';

const silenceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    matchers: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          op: { type: 'string', enum: ['=', '!=', '=~', '!~'] },
          value: { type: 'string' },
        },
      },
    },
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    comment: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    expiredAt: { type: ['string', 'null'], format: 'date-time' },
    expiredBy: { type: ['string', 'null'] },
  },
} as const;

/** The request's names for the fields `checkSilenceRequest` refuses (it speaks the CLI's). */
const bodyField: Record<string, string> = {
  matchers: 'body/matchers',
  starts: 'body/startsAt',
  ends: 'body/endsAt',
  createdBy: 'body/createdBy',
  comment: 'body/comment',
};

const view = (s: StoredSilence) => ({
  ...s,
  startsAt: s.startsAt.toISOString(),
  endsAt: s.endsAt.toISOString(),
  createdAt: s.createdAt.toISOString(),
  expiredAt: s.expiredAt?.toISOString() ?? null,
});

interface SilenceBody {
  matchers: string[];
  startsAt?: string;
  endsAt?: string;
  createdBy?: string;
  comment: string;
}

/**
 * Silences and cancellation of the key's tenant (docs/api.md), the same operations as
 * `herald silences` and `herald cancel` (packages/operations). A silence made here
 * carries `tenant=<key's tenant>`, which is also how the list and expire find the
 * tenant's own: a CLI-made silence without it is not the tenant's to see or end.
 */
export function silencesRoutes(server: FastifyInstance, ctx: V1Context): void {
  server.get<{ Querystring: { all?: boolean } }>(
    '/silences',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['silences'],
        summary:
          "The tenant's silences not ended yet (active or pending); all=true for ended ones too",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { all: { type: 'boolean', default: false } },
        },
        response: {
          200: {
            type: 'object',
            properties: { silences: { type: 'array', items: silenceSchema } },
          },
          ...problemResponses,
        },
      },
    },
    async (req) => ({
      silences: (
        await listSilences(ctx.db, ctx.now(), {
          all: req.query.all === true,
          tenant: req.apiKey.tenant,
        })
      ).map(view),
    }),
  );

  server.post<{ Body: SilenceBody }>(
    '/silences',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['silences'],
        summary:
          "Silence the tenant's notifications matching labels until endsAt (tenant=<key's tenant> is added)",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['matchers', 'comment'],
          properties: {
            matchers: {
              type: 'array',
              minItems: 1,
              items: { type: 'string' },
              description: 'name=value, name!=value, name=~regex, name!~regex',
            },
            startsAt: { type: 'string', description: 'an ISO time; default now' },
            endsAt: {
              type: 'string',
              description: 'required: an ISO time or a duration from the start, e.g. 2h',
            },
            createdBy: { type: 'string', description: "who asks; default the key's name" },
            comment: { type: 'string', description: 'why, e.g. a ticket' },
          },
        },
        response: { 201: silenceSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const who = actorOf(req.apiKey);
      try {
        const stored = await createSilence(
          ctx.db,
          {
            matchers: req.body.matchers,
            ...(req.body.endsAt === undefined ? {} : { ends: req.body.endsAt }),
            ...(req.body.startsAt === undefined ? {} : { starts: req.body.startsAt }),
            createdBy: req.body.createdBy ?? who.actor,
            comment: req.body.comment,
          },
          ctx.now(),
          who,
        );
        return await reply.code(201).send(view(stored));
      } catch (err) {
        if (err instanceof SilenceRequestError)
          // The problem handler answers 400 with these fields, named as in the body.
          throw Object.assign(err, {
            fields: err.fields.map((f) => ({ ...f, field: bodyField[f.field] ?? f.field })),
          });
        throw err;
      }
    },
  );

  server.delete<{ Params: { id: string } }>(
    '/silences/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['silences'],
        summary: "End one of the tenant's silences now",
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: silenceSchema, ...problemResponses },
      },
    },
    async (req) => {
      const who = actorOf(req.apiKey);
      return view(await expireSilence(ctx.db, req.params.id, who.actor, ctx.now(), who.by));
    },
  );

  server.post<{ Body: { key: string; id?: string } }>(
    '/cancellations',
    {
      config: { scope: 'publish' },
      schema: {
        tags: ['cancellations'],
        summary:
          "Cancel the tenant's pending notifications with a cancellation key (rules: cancel.key)",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['key'],
          properties: {
            key: { type: 'string', minLength: 1, description: 'the key, as the rule computes it' },
            id: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              description: 'recorded as the cancelling event; default api:<uuid>',
            },
          },
        },
        response: {
          202: {
            type: 'object',
            properties: {
              tenant: { type: 'string' },
              key: { type: 'string' },
              eventId: { type: 'string' },
              cancelledAt: { type: 'string', format: 'date-time' },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const mark = await cancelByKey(
        ctx.db,
        {
          tenant: req.apiKey.tenant,
          key: req.body.key,
          ...(req.body.id === undefined ? {} : { id: req.body.id }),
        },
        ctx.now(),
        'api',
      );
      return reply.code(202).send(mark);
    },
  );
}
