import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { topicNames } from '@herald/core';
import { acceptEvents, type EventVerdict } from '@herald/operations';
import type { V1Context } from './context.js';
import { problemResponses } from './context.js';
import { problem, sendProblem } from './problem.js';

const cloudEvent = {
  type: 'object',
  description:
    'A CloudEvent 1.0 in JSON (specversion, id, source, type; optional time, subject, data, extensions such as severity). "tenantid" is set to the key\'s tenant.',
  required: ['specversion', 'id', 'source', 'type'],
  properties: {
    specversion: { const: '1.0' },
    id: { type: 'string', minLength: 1 },
    source: { type: 'string', minLength: 1 },
    type: { type: 'string', minLength: 1 },
  },
  // Extensions are open by the CloudEvents spec; the router's own check names bad ones.
  additionalProperties: true,
} as const;

const verdictSchema = {
  type: 'object',
  properties: {
    index: { type: 'integer' },
    id: { type: 'string' },
    status: { enum: ['accepted', 'rejected'] },
    code: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

const batchResult = {
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    results: { type: 'array', items: verdictSchema },
  },
} as const;

/** Idempotency-Key answers are kept a day, per tenant (a key is the client's own name). */
const IDEMPOTENCY_TTL_S = 86_400;

/**
 * `POST /v1/events`: one CloudEvent or a list, published to herald.events. Each event
 * is checked as the router checks it and answered accepted or rejected with the
 * router's code; accepted ones are produced (acks all) before the answer. 202 when all
 * were accepted, 207 when some were rejected, 400 when none was.
 */
export function eventsRoutes(server: FastifyInstance, ctx: V1Context): void {
  const topic = topicNames(ctx.topicPrefix).events;
  server.post<{ Body: unknown; Headers: { 'idempotency-key'?: string } }>(
    '/events',
    {
      config: { scope: 'publish' },
      schema: {
        tags: ['events'],
        summary: 'Publish one CloudEvent or a batch',
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': {
              type: 'string',
              minLength: 1,
              maxLength: 255,
              description:
                'Repeating a request with the same key and body returns the first answer without publishing again (24 h).',
            },
          },
        },
        body: {
          oneOf: [
            cloudEvent,
            { type: 'array', minItems: 1, maxItems: ctx.maxBatch, items: { type: 'object' } },
          ],
        },
        response: {
          202: batchResult,
          207: batchResult,
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const tenant = req.apiKey.tenant;
      const idemKey = req.headers['idempotency-key'];
      const fingerprint = createHash('sha256').update(JSON.stringify(req.body)).digest('base64');
      const stored =
        idemKey && ctx.redis ? `${ctx.topicPrefix}herald:api:idem:${tenant}:${idemKey}` : undefined;
      if (stored) {
        const previous = await ctx.redis!.get(stored);
        if (previous !== null) {
          const {
            fingerprint: was,
            status,
            body,
          } = JSON.parse(previous) as { fingerprint: string; status: number; body: unknown };
          if (was !== fingerprint)
            return sendProblem(
              reply,
              problem(
                422,
                'HERALD_ERR_IDEMPOTENCY_KEY_REUSED',
                `Idempotency-Key ${JSON.stringify(idemKey)} was used with a different body: use a new key for a different request`,
                [{ field: 'header/idempotency-key', message: 'already used for another body' }],
              ),
            );
          return reply.code(status).header('idempotent-replayed', 'true').send(body);
        }
      }
      const candidates = Array.isArray(req.body) ? req.body : [req.body];
      const { verdicts, records } = acceptEvents(candidates, {
        topic,
        tenant,
        maxRecordBytes: ctx.maxRecordBytes,
        now: ctx.now(),
      });
      if (records.length > 0) await ctx.publisher.send(records);
      const accepted = records.length;
      const body = { accepted, rejected: verdicts.length - accepted, results: verdicts };
      if (accepted === 0) {
        const rejected = verdicts.filter(
          (v): v is Extract<EventVerdict, { status: 'rejected' }> => v.status === 'rejected',
        );
        return sendProblem(reply, {
          ...problem(
            400,
            rejected[0]!.code,
            `no event accepted: ${rejected[0]!.message}`,
            rejected.map((v) => ({
              field: `body/${Array.isArray(req.body) ? v.index : ''}`.replace(/\/$/, ''),
              message: v.message,
            })),
          ),
          // Each event's verdict with its code, as a 202/207 answer lists them.
          results: verdicts,
        });
      }
      const status = accepted === verdicts.length ? 202 : 207;
      // Remembered only once published: a failed publish may be retried with the same key.
      if (stored)
        await ctx.redis!.set(
          stored,
          JSON.stringify({ fingerprint, status, body }),
          'EX',
          IDEMPOTENCY_TTL_S,
        );
      return reply.code(status).send(body);
    },
  );
}
