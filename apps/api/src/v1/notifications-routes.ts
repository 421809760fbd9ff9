import type { FastifyInstance } from 'fastify';
import { AuditQueries, type NotificationRecord } from '@herald/store';
import { problemResponses, type V1Context } from './context.js';
import { notFound, problem, sendProblem } from './problem.js';

/** A notification as the API shows it (camelCase, no internal rank). */
function view(n: NotificationRecord) {
  return {
    id: n.notification_id,
    eventId: n.event_id,
    eventType: n.event_type,
    eventTime: n.event_time,
    ruleId: n.rule_id,
    ruleVersion: n.rule_version,
    channel: n.channel,
    recipient: n.recipient_ref,
    state: n.state,
    reason: n.reason,
    attempt: n.attempt,
    provider: n.provider_name,
    providerStatus: n.provider_status,
    providerMessageId: n.provider_message_id,
    lastStatusAt: n.last_status_at,
  };
}

const notificationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    eventId: { type: 'string' },
    eventType: { type: 'string' },
    eventTime: { type: 'string', format: 'date-time' },
    ruleId: { type: 'string' },
    ruleVersion: { type: 'integer' },
    channel: { type: 'string' },
    recipient: { type: 'string' },
    state: { type: 'string' },
    reason: { type: ['string', 'null'] },
    attempt: { type: 'integer' },
    provider: { type: ['string', 'null'] },
    providerStatus: { type: ['integer', 'null'] },
    providerMessageId: { type: ['string', 'null'] },
    lastStatusAt: { type: 'string', format: 'date-time' },
  },
} as const;

// Notification ids are UUIDs (deterministic v5-style); anything else is a 400, not a query.
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

interface SearchQuery {
  recipient?: string;
  event?: string;
  state?: string;
  channel?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

/** Notifications of the key's tenant: search with cursor pagination, one's timeline. */
export function notificationsRoutes(server: FastifyInstance, ctx: V1Context): void {
  const audit = new AuditQueries(ctx.db);

  server.get<{ Querystring: SearchQuery }>(
    '/notifications',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['notifications'],
        summary: 'Search notifications, newest first; follow nextCursor for the next page',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            recipient: { type: 'string', description: 'recipient ref (id or address)' },
            event: { type: 'string', description: 'event id' },
            state: { type: 'string' },
            channel: { type: 'string' },
            since: { type: 'string', format: 'date-time', description: 'event time ≥ since' },
            until: { type: 'string', format: 'date-time', description: 'event time < until' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: { type: 'string' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: notificationSchema },
              nextCursor: { type: 'string' },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const page = await audit.search({
        tenant: req.apiKey.tenant,
        ...(q.recipient ? { recipient: q.recipient } : {}),
        ...(q.event ? { eventId: q.event } : {}),
        ...(q.state ? { state: q.state } : {}),
        ...(q.channel ? { channel: q.channel } : {}),
        ...(q.since ? { since: new Date(q.since) } : {}),
        ...(q.until ? { until: new Date(q.until) } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      if (!page)
        return sendProblem(
          reply,
          problem(400, 'validation_failed', 'cursor is not one this API gave out', [
            {
              field: 'querystring/cursor',
              message: 'pass nextCursor of the previous page unchanged',
            },
          ]),
        );
      return {
        items: page.items.map(view),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    },
  );

  server.get<{ Params: { id: string } }>(
    '/notifications/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['notifications'],
        summary: 'One notification and its timeline: every status and delivery attempt',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: UUID, description: 'notification id' } },
          required: ['id'],
        },
        response: {
          200: {
            type: 'object',
            properties: {
              notification: notificationSchema,
              timeline: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    at: { type: 'string', format: 'date-time' },
                    state: { type: 'string' },
                    reason: { type: ['string', 'null'] },
                    attempt: { type: 'integer' },
                    providerStatus: { type: ['integer', 'null'] },
                    providerMessage: { type: ['string', 'null'] },
                  },
                },
              },
              attempts: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const history = await audit.notification(req.params.id);
      // Another tenant's notification is as absent as one that never existed.
      if (!history || history.notification.tenant !== req.apiKey.tenant)
        return notFound(reply, `notification "${req.params.id}"`);
      return {
        notification: view(history.notification),
        timeline: history.statuses.map((s) => ({
          at: s.occurred_at,
          state: s.state,
          reason: s.reason,
          attempt: s.attempt,
          providerStatus: s.provider_status,
          providerMessage: s.provider_message,
        })),
        attempts: history.attempts.map(({ tenant: _t, ...a }) => a),
      };
    },
  );
}
