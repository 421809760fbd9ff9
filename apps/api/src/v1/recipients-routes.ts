import type { FastifyInstance } from 'fastify';
import { channelNames } from '@herald/core';
import { deleteRecipient, getRecipient, upsertRecipients } from '@herald/operations';
import type { StoredRecipient } from '@herald/store';
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
    async (req) => ({
      // All checked first: a bad recipient anywhere stores none of them.
      upserted: await upsertRecipients(
        ctx.db,
        req.apiKey.tenant,
        req.body.recipients,
        actorOf(req.apiKey),
      ),
    }),
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
    async (req, reply) =>
      (await getRecipient(ctx.db, req.apiKey.tenant, req.params.id)) ??
      notFound(reply, `recipient "${req.params.id}"`),
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
    async (req, reply) =>
      (await deleteRecipient(ctx.db, req.apiKey.tenant, req.params.id, actorOf(req.apiKey)))
        ? reply.code(204).send()
        : notFound(reply, `recipient "${req.params.id}"`),
  );
}
