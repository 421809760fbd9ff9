import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isHeraldError } from '@herald/core';
import type { SubscriberIdentity } from '@herald/subscriber-auth';
import { authenticate, tokenOf } from './auth.js';
import type { GatewayContext } from './context.js';
import type { TransportName } from './gateway-telemetry.js';
import { longPoll } from './long-poll.js';
import { badRequestReason, parseDelete, parseFeedQuery, parseMark, parseSeq } from './requests.js';
import { openSse } from './sse.js';

type Handler = (
  req: FastifyRequest,
  reply: FastifyReply,
  who: SubscriberIdentity,
) => Promise<unknown>;

/**
 * The gateway's HTTP routes. Every one is scoped by the token: there is no subscriber
 * or tenant parameter anywhere, so a token for A can only ever name A's inbox.
 */
export function registerHttpRoutes(server: FastifyInstance, ctx: GatewayContext): void {
  function route(transport: TransportName, handler: Handler) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      const auth = await authenticate(ctx.secrets, tokenOf(req.headers, req.url), ctx.now());
      if (!auth.ok) {
        ctx.metrics.refuse(transport, auth.reason);
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="herald-inbox"')
          .send({ code: auth.code, message: auth.message });
      }
      try {
        return await handler(req, reply, auth.identity);
      } catch (err) {
        const bad = badRequestReason(err);
        if (bad !== undefined && isHeraldError(err)) {
          ctx.metrics.refuse(transport, bad);
          return reply.code(400).send({ code: err.code, message: err.message });
        }
        ctx.log.warn({ err }, 'inbox request failed');
        ctx.metrics.refuse(transport, 'unavailable');
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ code: 'unavailable', message: 'the inbox store is unavailable; retry later' });
      }
    };
  }

  server.get(
    '/v1/inbox/messages',
    route('rest', async (req, reply, who) => {
      // The store refuses a cursor it did not issue or one beyond the latest seq (400).
      return reply.send(await ctx.store.list(who, parseFeedQuery(req.query)));
    }),
  );

  server.get(
    '/v1/inbox/counts',
    route('rest', async (_req, reply, who) => reply.send(await ctx.store.counts(who))),
  );

  server.post(
    '/v1/inbox/mark',
    route('rest', async (req, reply, who) => {
      const { action, target } = parseMark(req.body);
      return reply.send(await ctx.service.mark(who, action, target));
    }),
  );

  server.post(
    '/v1/inbox/delete',
    route('rest', async (req, reply, who) =>
      reply.send(await ctx.service.remove(who, parseDelete(req.body))),
    ),
  );

  server.delete<{ Params: { id: string } }>(
    '/v1/inbox/messages/:id',
    route('rest', async (req, reply, who) => {
      const { id } = req.params as { id: string };
      const result = await ctx.service.remove(who, parseDelete({ ids: [id] }));
      // 404 for an id that is not this subscriber's: no hint whether it exists elsewhere.
      return reply.code(result.deleted === 0 ? 404 : 200).send(result);
    }),
  );

  server.get(
    '/v1/inbox/stream',
    route('sse', async (req, reply, who) => {
      if (ctx.hub.size >= ctx.limits.maxConnections) {
        ctx.metrics.refuse('sse', 'connection_limit');
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ code: 'unavailable', message: 'connection limit reached' });
      }
      await openSse(ctx, req, reply, who);
      return reply;
    }),
  );

  server.get(
    '/v1/inbox/poll',
    route('poll', async (req, reply, who) => {
      const query = req.query as Record<string, unknown>;
      const after = parseSeq(query.after, 'after');
      const waitRaw = parseSeq(query.wait, 'wait') ?? ctx.limits.pollMaxWaitSeconds;
      const wait = Math.min(waitRaw, ctx.limits.pollMaxWaitSeconds);
      const abort = new AbortController();
      reply.raw.once('close', () => abort.abort());
      return reply.send(await longPoll(ctx, who, after, wait, abort.signal));
    }),
  );
}
