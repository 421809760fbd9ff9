import type { FastifyInstance } from 'fastify';
import { topicNames } from '@herald/core';
import {
  commitReplay,
  deadLetterFilterProblems,
  deadLetterSummary,
  isReplayed,
  matchesDeadLetter,
  planReplay,
  readDeadLetters,
  type DeadLetterFilter,
  type DeadLetterSource,
} from '@herald/operations';
import { recordConfigChange } from '@herald/store';
import { actorOf, problemResponses, type V1Context } from './context.js';
import { notFound, problem, sendProblem } from './problem.js';

const filterProperties = {
  id: { type: 'string', description: 'notification id' },
  channel: { type: 'string' },
  since: { type: 'string', description: 'dead-lettered at or after (ISO time)' },
  until: { type: 'string', description: 'dead-lettered before (ISO time)' },
  reason: { type: 'string', description: 'reason contains (case-insensitive)' },
  kind: { enum: ['permanent', 'exhausted', 'malformed', 'poison'] },
} as const;

const summary = {
  type: 'object',
  properties: {
    offset: { type: 'string' },
    deadLetteredAt: { type: 'string' },
    notificationId: { type: ['string', 'null'] },
    channel: { type: ['string', 'null'] },
    kind: { type: 'string' },
    attempts: { type: 'integer' },
    reason: { type: 'string' },
    replayed: { type: 'boolean' },
  },
} as const;

/**
 * Dead letters of the key's tenant (herald.dlq read through `@herald/operations`, as
 * `herald dlq` reads it): list with filters, show, replay (one, a filter, dry run).
 * Letters without a tenant (malformed records) belong to no tenant and are never shown.
 */
export function deadLettersRoutes(server: FastifyInstance, ctx: V1Context): void {
  const topics = topicNames(ctx.topicPrefix);
  const source: DeadLetterSource = {
    kafka: ctx.kafka,
    topics,
    topicPrefix: ctx.topicPrefix,
    ...(ctx.redis ? { withRedis: (body) => body(ctx.redis!) } : {}),
    logger: ctx.log,
  };
  const checked = (f: DeadLetterFilter) =>
    deadLetterFilterProblems(f).map((p) => ({
      field: `querystring/${p.field}`,
      message: p.message,
    }));

  server.get<{ Querystring: DeadLetterFilter }>(
    '/dead-letters',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dead letters'],
        summary: 'Dead letters of the tenant, oldest first, with filters',
        querystring: { type: 'object', additionalProperties: false, properties: filterProperties },
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: summary } } },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const problems = checked(req.query);
      if (problems.length > 0)
        return sendProblem(
          reply,
          problem(400, 'validation_failed', problems[0]!.message, problems),
        );
      const filter = { ...req.query, tenant: req.apiKey.tenant };
      const contents = await readDeadLetters(source);
      return {
        items: contents.records
          .filter((r) => matchesDeadLetter(r, filter))
          .map((r) => deadLetterSummary(contents, r)),
      };
    },
  );

  server.get<{ Params: { id: string } }>(
    '/dead-letters/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dead letters'],
        summary: "A notification's dead letter(s): job, attempts, reason",
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: {
          200: {
            type: 'object',
            properties: {
              letters: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const contents = await readDeadLetters(source);
      const found = contents.records.filter(
        (r) => r.letter.notificationId === req.params.id && r.letter.tenant === req.apiKey.tenant,
      );
      if (found.length === 0)
        return notFound(reply, `dead letter for notification "${req.params.id}"`);
      return {
        letters: found.map((r) => ({
          offset: `${r.partition}:${r.offset}`,
          replayed: isReplayed(contents, r),
          ...r.letter,
        })),
      };
    },
  );

  server.post<{ Body: DeadLetterFilter & { all?: boolean; again?: boolean; dryRun?: boolean } }>(
    '/dead-letters/replay',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['dead letters'],
        summary: 'Replay matching dead letters (a filter, or all: true); dryRun lists them only',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterProperties,
            all: {
              type: 'boolean',
              description: 'every dead letter of the tenant not replayed yet',
            },
            again: { type: 'boolean', description: 'also dead letters already replayed' },
            dryRun: { type: 'boolean' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              dryRun: { type: 'boolean' },
              replayed: { type: 'integer' },
              notifications: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    notificationId: { type: 'string' },
                    attempt: { type: 'integer' },
                    topic: { type: 'string' },
                  },
                },
              },
              skippedWithoutJob: { type: 'integer' },
              refused: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const { all, again, dryRun, ...filter } = req.body;
      const problems = deadLetterFilterProblems(filter).map((p) => ({
        field: `body/${p.field}`,
        message: p.message,
      }));
      if (problems.length > 0)
        return sendProblem(
          reply,
          problem(400, 'validation_failed', problems[0]!.message, problems),
        );
      if (!all && Object.keys(filter).length === 0)
        return sendProblem(
          reply,
          problem(
            400,
            'validation_failed',
            'give a filter (id, channel, since, until, reason, kind) or all: true',
            [{ field: 'body', message: 'a filter or all: true' }],
          ),
        );
      const contents = await readDeadLetters(source);
      const plan = planReplay(
        contents,
        { ...filter, tenant: req.apiKey.tenant },
        {
          ...(again === undefined ? {} : { again }),
          now: ctx.now(),
          source: 'herald/api',
          topics,
        },
      );
      if (!dryRun) {
        if (plan.messages.length > 0) await ctx.publisher.send(plan.messages);
        await commitReplay(source, contents, plan);
        await recordConfigChange(ctx.db, {
          ...actorOf(req.apiKey),
          action: 'dead_letters.replay',
          entityType: 'dead_letter',
          entityId: filter.id ?? 'filter',
          details: { filter, replayed: plan.planned.map((p) => p.notificationId) },
        });
      }
      return {
        dryRun: dryRun === true,
        replayed: plan.planned.length,
        notifications: plan.planned,
        skippedWithoutJob: plan.skipped,
        refused: plan.refused,
      };
    },
  );
}
