import type { FastifyInstance } from 'fastify';
import {
  deleteTopic,
  listTopics,
  subscribeToTopic,
  topicSubscribers,
  unsubscribeFromTopic,
} from '@herald/operations';
import { actorOf, problemResponses, type V1Context } from './context.js';

const topicKey = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' } as const;
const recipientIds = {
  type: 'array',
  minItems: 1,
  maxItems: 1000,
  items: { type: 'string', minLength: 1 },
} as const;
const topicParams = { type: 'object', properties: { key: topicKey }, required: ['key'] } as const;
const subscribersOut = {
  type: 'object',
  properties: {
    topic: { type: 'string' },
    subscribers: { type: 'array', items: { type: 'string' } },
  },
} as const;

/**
 * Topics of the key's tenant: named subscriber groups that rules reach as
 * `recipients: ["topic:<key>"]`. The work is `@herald/operations` (as `herald topics`
 * does it); a topic exists while it has subscribers. Another tenant's topic is a 404
 * like an unknown one.
 */
export function topicsRoutes(server: FastifyInstance, ctx: V1Context): void {
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
    async (req) => ({ topics: await listTopics(ctx.db, req.apiKey.tenant) }),
  );

  server.post<{ Body: { key: string; subscribers: string[] } }>(
    '/topics',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['topics'],
        summary: 'Create a topic with its first subscribers (an existing topic is refused)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['key', 'subscribers'],
          properties: { key: topicKey, subscribers: recipientIds },
        },
        response: { 201: subscribersOut, ...problemResponses },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(
          await subscribeToTopic(
            ctx.db,
            req.apiKey.tenant,
            req.body.key,
            req.body.subscribers,
            actorOf(req.apiKey),
            { create: true },
          ),
        ),
  );

  server.delete<{ Params: { key: string } }>(
    '/topics/:key',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['topics'],
        summary: 'Delete a topic: every subscriber is unsubscribed (the recipients stay)',
        params: topicParams,
        response: { 204: { type: 'null' }, ...problemResponses },
      },
    },
    async (req, reply) => {
      await deleteTopic(ctx.db, req.apiKey.tenant, req.params.key, actorOf(req.apiKey));
      return reply.code(204).send();
    },
  );

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
    async (req) => topicSubscribers(ctx.db, req.apiKey.tenant, req.params.key),
  );

  server.post<{ Params: { key: string }; Body: { recipients: string[] } }>(
    '/topics/:key/subscribers',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['topics'],
        summary:
          'Subscribe recipients to a topic (rules reach them as recipients: ["topic:<key>"]); creates the topic if needed',
        params: topicParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['recipients'],
          properties: { recipients: recipientIds },
        },
        response: { 200: subscribersOut, ...problemResponses },
      },
    },
    async (req) =>
      subscribeToTopic(
        ctx.db,
        req.apiKey.tenant,
        req.params.key,
        req.body.recipients,
        actorOf(req.apiKey),
      ),
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
          properties: { key: topicKey, recipient: { type: 'string' } },
          required: ['key', 'recipient'],
        },
        response: { 204: { type: 'null' }, ...problemResponses },
      },
    },
    async (req, reply) => {
      await unsubscribeFromTopic(
        ctx.db,
        req.apiKey.tenant,
        req.params.key,
        req.params.recipient,
        actorOf(req.apiKey),
      );
      return reply.code(204).send();
    },
  );
}
