import type { FastifyReply } from 'fastify';
import { isHeraldError, type Logger } from '@herald/core';
import type { ReceiptOutcome } from '../api-telemetry.js';

/** The receipt outcome an error stands for. */
export function outcomeOf(err: unknown): ReceiptOutcome {
  if (!isHeraldError(err)) return 'unavailable';
  if (err.code === 'HERALD_ERR_RECEIPT_SIGNATURE') return 'signature_invalid';
  if (err.code === 'HERALD_ERR_RECEIPT_INVALID') return 'invalid';
  if (err.code === 'HERALD_ERR_RECEIPT_UNMATCHED') return 'unmatched';
  return 'unavailable';
}

/** HTTP status per error code; anything else (Kafka, Postgres down) is a 503. */
export function answer(reply: FastifyReply, err: unknown, log: Logger): FastifyReply {
  if (isHeraldError(err)) {
    const status =
      err.code === 'HERALD_ERR_RECEIPT_SIGNATURE'
        ? 401
        : err.code === 'HERALD_ERR_RECEIPT_INVALID'
          ? 400
          : err.code === 'HERALD_ERR_RECEIPT_UNMATCHED'
            ? 503
            : // Its status would never fit a record: asking again cannot help.
              err.code === 'HERALD_ERR_KAFKA_RECORD_TOO_LARGE'
              ? 413
              : 500;
    log.warn({ code: err.code, err }, 'receipt refused');
    if (status === 503) void reply.header('retry-after', '30');
    return reply.code(status).send({ code: err.code, message: err.message });
  }
  log.error({ err }, 'receipt failed');
  return reply
    .code(503)
    .header('retry-after', '10')
    .send({ code: 'unavailable', message: 'a dependency is down; retry later' });
}
