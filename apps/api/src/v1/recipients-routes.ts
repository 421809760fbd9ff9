import type { FastifyInstance } from 'fastify';
import { channelNames } from '@herald/core';
import { RecipientStore, recordConfigChange, type StoredRecipient } from '@herald/store';
import { actorOf, problemResponses, type V1Context } from './context.js';
import { notFound } from './problem.js';

const recipientBody = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    addresses: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        channelNames.map((c) => [c, { type: 'string', minLength: 1, maxLength: 4096 }]),
      ),
    },
    locale: { type: 'string', minLength: 1, maxLength: 35 },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    attributes: { type: 'object', additionalProperties: true },
    preferences: {
      type: 'object',
      additionalProperties: true,
      description: 'docs/rules.md "Preferences"',
    },
  },
} as const;

type RecipientBody = Omit<StoredRecipient, 'tenant' | 'addresses'> & {
  addresses?: StoredRecipient['addresses'];
};

const recipientOut = { ...recipientBody, additionalProperties: true } as const;

/** Recipients (addresses, preferences) of the key's tenant; their topics are topics-routes.ts. */
export function recipientsRoutes(server: FastifyInstance, ctx: V1Context): void {
  const recipients = new RecipientStore(ctx.db);

  server.put<{ Body: { recipients: RecipientBody[] } }>(
    '/recipients',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['recipients'],
        summary: 'Create or replace recipients (bulk), each with exactly the addresses given',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['recipients'],
          properties: {
            recipients: { type: 'array', minItems: 1, maxItems: 1000, items: recipientBody },
          },
        },
        response: {
          200: { type: 'object', properties: { upserted: { type: 'integer' } } },
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const tenant = req.apiKey.tenant;
      // All validated first: a bad recipient anywhere stores none of them.
      const rows = req.body.recipients.map((r) => ({ ...r, tenant, addresses: r.addresses ?? {} }));
      for (const r of rows) await recipients.upsert(r);
      await recordConfigChange(ctx.db, {
        ...actorOf(req.apiKey),
        action: 'recipients.upsert',
        entityType: 'recipient',
        entityId: rows.length === 1 ? rows[0]!.id : `${rows.length} recipients`,
        details: { ids: rows.map((r) => r.id) },
      });
      return { upserted: rows.length };
    },
  );

  server.get<{ Params: { id: string } }>(
    '/recipients/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['recipients'],
        summary: 'One recipient with addresses and preferences',
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: recipientOut, ...problemResponses },
      },
    },
    async (req, reply) => {
      const found = (await recipients.getMany(req.apiKey.tenant, [req.params.id])).get(
        req.params.id,
      );
      if (!found) return notFound(reply, `recipient "${req.params.id}"`);
      const { tenant: _tenant, ...rest } = found;
      return rest;
    },
  );

  server.delete<{ Params: { id: string } }>(
    '/recipients/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['recipients'],
        summary: 'Delete a recipient (its addresses and topic subscriptions go with it)',
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 204: { type: 'null' }, ...problemResponses },
      },
    },
    async (req, reply) => {
      if (!(await recipients.delete(req.apiKey.tenant, req.params.id)))
        return notFound(reply, `recipient "${req.params.id}"`);
      await recordConfigChange(ctx.db, {
        ...actorOf(req.apiKey),
        action: 'recipients.delete',
        entityType: 'recipient',
        entityId: req.params.id,
      });
      return reply.code(204).send();
    },
  );
}
