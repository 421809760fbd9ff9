import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorCodes, isHeraldError, type ErrorCode, type Logger } from '@herald/core';

/** One field's problem: where (a JSON pointer, a header, `source:line:column`) and what. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** An RFC 9457 problem details body, with Herald's error code and each field's problem. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly errors?: readonly FieldProblem[];
  /** POST /v1/events when no event was accepted: each event's verdict with its code. */
  readonly results?: readonly unknown[];
}

/** The JSON schema of a problem body, for every route's error responses. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json)',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'Herald error code (docs/errors.md) or an HTTP one' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    results: {
      type: 'array',
      description: "POST /v1/events when no event was accepted: each event's verdict",
      items: { type: 'object', additionalProperties: true },
    },
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
} as const;

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** HTTP status per Herald error code; codes not listed are input problems (400). */
const statusOf: Partial<Record<ErrorCode, number>> = {
  HERALD_ERR_API_UNAUTHORIZED: 401,
  HERALD_ERR_API_FORBIDDEN: 403,
  HERALD_ERR_RULES_CONFLICT: 409,
  HERALD_ERR_RULES_VERSION_NOT_FOUND: 404,
  HERALD_ERR_IDEMPOTENCY_KEY_REUSED: 422,
  HERALD_ERR_KAFKA_RECORD_TOO_LARGE: 413,
  HERALD_ERR_TEMPLATE_NOT_FOUND: 404,
  HERALD_ERR_TEMPLATE_VERSION_NOT_FOUND: 404,
  HERALD_ERR_TEST_SEND_CHANNEL: 409,
  // Another tenant's silence is not found either (apps/api/src/v1/silences-routes.ts).
  HERALD_ERR_SILENCE_NOT_FOUND: 404,
  // console2: another tenant's topic or policy is not found either.
  HERALD_ERR_TOPIC_NOT_FOUND: 404,
  HERALD_ERR_RATE_LIMIT_NOT_FOUND: 404,
};

export function problem(
  status: number,
  code: string,
  detail: string,
  errors?: readonly FieldProblem[],
): Problem {
  return {
    type: code.startsWith('HERALD_ERR_') ? `urn:herald:error:${code}` : 'about:blank',
    title: titles[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply
    .code(body.status)
    .type('application/problem+json')
    .send({ ...body, instance: reply.request.url.split('?')[0] });
}

/** A 404 that says nothing about whether the thing exists for someone else. */
export function notFound(reply: FastifyReply, what: string): FastifyReply {
  return sendProblem(reply, problem(404, 'not_found', `no ${what} here for this key`));
}

/** Fastify's validation errors → one field problem each, the JSON pointer as field. */
function validationProblems(err: FastifyError): FieldProblem[] {
  const context = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const params = v.params as { additionalProperty?: string; missingProperty?: string };
    const base = `${context}${v.instancePath}`;
    if (params.additionalProperty !== undefined)
      return {
        field: `${base}/${params.additionalProperty}`,
        message: 'unknown field: remove it (see /v1/openapi.json for the fields this route takes)',
      };
    if (params.missingProperty !== undefined)
      return { field: `${base}/${params.missingProperty}`, message: 'required: add it' };
    return { field: base, message: v.message ?? 'invalid' };
  });
}

/**
 * The /v1 error handler: everything leaves as application/problem+json. Input
 * problems name the field and the fix; a dependency that is down is a 503 with
 * Retry-After; anything else a 500 whose detail reveals nothing internal.
 */
export function problemHandler(log: Logger) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err.validation) {
      const errors = validationProblems(err);
      return sendProblem(
        reply,
        problem(
          400,
          'validation_failed',
          `the request does not match the schema: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
          errors,
        ),
      );
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return sendProblem(
        reply,
        problem(
          413,
          'body_too_large',
          `${err.message}: send less per request (e.g. smaller batches)`,
        ),
      );
    if (
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      err instanceof SyntaxError
    )
      return sendProblem(
        reply,
        problem(400, 'malformed_json', `the body is not valid JSON: ${err.message}`, [
          { field: 'body', message: 'send one JSON document (Content-Type: application/json)' },
        ]),
      );
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return sendProblem(
        reply,
        problem(415, 'unsupported_media_type', 'send the body as application/json'),
      );
    if (isHeraldError(err)) {
      const status = statusOf[err.code] ?? (err.retriable ? 503 : 400);
      const problems = (
        err as { problems?: readonly { line: number; column: number; message: string }[] }
      ).problems;
      // Errors that name their fields (a silence request) keep them; rules files give positions.
      const fields = (err as { fields?: readonly FieldProblem[] }).fields;
      const errors =
        fields ??
        problems?.map((p) => ({
          field: `source:${p.line}:${p.column}`,
          message: p.message,
        }));
      if (status === 503) void reply.header('retry-after', '5');
      return sendProblem(
        reply,
        problem(status, err.code, `${err.message} (fix: ${errorCodes[err.code].fix})`, errors),
      );
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)
      return sendProblem(reply, problem(err.statusCode, err.code ?? 'bad_request', err.message));
    // Logged without the request: headers carry the key.
    log.error({ err, route: req.routeOptions.url, method: req.method }, 'api request failed');
    return sendProblem(
      reply.header('retry-after', '5'),
      problem(
        503,
        'unavailable',
        'a dependency (Kafka, Postgres, Redis) did not answer; retry later',
      ),
    );
  };
}
