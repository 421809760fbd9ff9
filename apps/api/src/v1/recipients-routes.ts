import type { FastifyInstance } from 'fastify';
import { channelNames } from '@herald/core';
import {
  RecipientStore,
  recordConfigChange,
  TopicStore,
  type StoredRecipient,
} from '@herald/store';
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

/** Recipients (addresses, preferences) and topics of the key's tenant. */
export function recipientsRoutes(server: FastifyInstance, ctx: V1Context): void {
  const recipients = new RecipientStore(ctx.db);
  const topics = new TopicStore(ctx.db);

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

  server.get(
    '/topics',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['topics'],
        summary: "The tenant's topics with their subscriber counts",
        response: {
          200: {
            type: 'object',
            properties: {
              topics: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { topic: { type: 'string' }, subscribers: { type: 'integer' } },
                },
              },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req) => ({ topics: await topics.list(req.apiKey.tenant) }),
  );

  const topicParams = {
    type: 'object',
    properties: { key: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' } },
    required: ['key'],
  } as const;
  const subscribersOut = {
    type: 'object',
    properties: {
      topic: { type: 'string' },
      subscribers: { type: 'array', items: { type: 'string' } },
    },
  } as const;

  server.get<{ Params: { key: string } }>(
    '/topics/:key/subscribers',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['topics'],
        summary: 'Subscribers of a topic (recipient ids)',
        params: topicParams,
        response: { 200: subscribersOut, ...problemResponses },
      },
    },
    async (req) => ({
      topic: req.params.key,
      subscribers:
        (await topics.subscribers(req.apiKey.tenant, [req.params.key])).get(req.params.key) ?? [],
    }),
  );

  server.post<{ Params: { key: string }; Body: { recipients: string[] } }>(
    '/topics/:key/subscribers',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['topics'],
        summary:
          'Subscribe recipients to a topic (rules reach them as recipients: ["topic:<key>"])',
        params: topicParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['recipients'],
          properties: {
            recipients: {
              type: 'array',
              minItems: 1,
              maxItems: 1000,
              items: { type: 'string', minLength: 1 },
            },
          },
        },
        response: { 200: subscribersOut, ...problemResponses },
      },
    },
    async (req) => {
      const tenant = req.apiKey.tenant;
      await topics.subscribe(tenant, req.params.key, req.body.recipients);
      await recordConfigChange(ctx.db, {
        ...actorOf(req.apiKey),
        action: 'topics.subscribe',
        entityType: 'topic',
        entityId: req.params.key,
        details: { recipients: req.body.recipients },
      });
      return {
        topic: req.params.key,
        subscribers: (await topics.subscribers(tenant, [req.params.key])).get(req.params.key) ?? [],
      };
    },
  );

  server.delete<{ Params: { key: string; recipient: string } }>(
    '/topics/:key/subscribers/:recipient',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['topics'],
        summary: 'Unsubscribe one recipient',
        params: {
          type: 'object',
          properties: { key: { type: 'string' }, recipient: { type: 'string' } },
          required: ['key', 'recipient'],
        },
        response: { 204: { type: 'null' }, ...problemResponses },
      },
    },
    async (req, reply) => {
      if (!(await topics.unsubscribe(req.apiKey.tenant, req.params.key, req.params.recipient)))
        return notFound(reply, `subscriber "${req.params.recipient}" of topic "${req.params.key}"`);
      await recordConfigChange(ctx.db, {
        ...actorOf(req.apiKey),
        action: 'topics.unsubscribe',
        entityType: 'topic',
        entityId: req.params.key,
        details: { recipient: req.params.recipient },
      });
      return reply.code(204).send();
    },
  );
}
