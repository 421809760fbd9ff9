import type { FastifyInstance } from 'fastify';
import { channelNames, checkAddress, errorCodes, type ChannelName } from '@herald/core';
import { testSend } from '@herald/operations';
import { problemResponses, type V1Context } from './context.js';
import { problem, sendProblem } from './problem.js';

interface TestSendBody {
  channel: ChannelName;
  to: string;
  template?: string;
  content?: Record<string, unknown>;
  data?: unknown;
  locale?: string;
  timezone?: string;
}

/**
 * POST /v1/test-send: one message rendered and sent through the channel's real
 * provider (the api's channel settings, as the worker's), answered with what the
 * provider said. Admin scope: it reaches real addresses. Nothing is published.
 */
export function testSendRoutes(server: FastifyInstance, ctx: V1Context): void {
  server.post<{ Body: TestSendBody }>(
    '/test-send',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['test send'],
        summary:
          'Render one message (a template of the tenant, or inline parts) and send it through the channel’s real provider to one address',
        description:
          'Answers 200 with the provider’s answer whether it accepted the message or not (`status` sent or failed, with `failureClass` and `reason`); 409 when the api has no provider settings for the channel (the problem names the HERALD_* settings to set).',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['channel', 'to'],
          properties: {
            channel: { enum: [...channelNames] },
            to: {
              type: 'string',
              minLength: 1,
              maxLength: 2048,
              description: 'e-mail, E.164 phone number, URL, device token… as the channel expects',
            },
            template: {
              type: 'string',
              minLength: 1,
              description: 'a template id of the tenant, or id@version',
            },
            content: {
              type: 'object',
              additionalProperties: true,
              description:
                'inline template parts instead of a stored template (docs/templates.md): strings, or a structured part such as a webhook body',
            },
            data: { description: 'the sample event data to render with (default {})' },
            locale: { type: 'string', minLength: 1 },
            timezone: { type: 'string', minLength: 1 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              status: { enum: ['sent', 'failed'] },
              provider: { type: 'string' },
              providerMessageId: { type: 'string' },
              providerStatus: { type: 'integer' },
              failureClass: { type: 'string' },
              permanent: { type: 'boolean' },
              reason: { type: 'string' },
              template: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  version: { type: 'integer' },
                  locale: { type: 'string' },
                },
              },
              content: { type: 'object', additionalProperties: true },
            },
          },
          ...problemResponses,
          409: { $ref: 'Problem#' },
        },
      },
    },
    async (req, reply) => {
      const body = req.body;
      if (body.template !== undefined && body.content !== undefined)
        return sendProblem(
          reply,
          problem(400, 'validation_failed', 'give either template or content, not both', [
            { field: 'body/content', message: 'leave it out when template is given' },
          ]),
        );
      const address = checkAddress(body.channel, body.to);
      if (!address.ok)
        return sendProblem(
          reply,
          problem(
            400,
            'HERALD_ERR_ADDRESS_INVALID',
            `${address.error.message} (fix: ${errorCodes.HERALD_ERR_ADDRESS_INVALID.fix})`,
            [{ field: 'body/to', message: address.problem }],
          ),
        );
      return testSend(
        { db: ctx.db, router: ctx.channelRouter, now: ctx.now },
        {
          tenant: req.apiKey.tenant,
          channel: body.channel,
          to: body.to,
          template: body.template,
          content: body.content,
          data: body.data,
          locale: body.locale,
          timezone: body.timezone,
        },
      );
    },
  );
}
