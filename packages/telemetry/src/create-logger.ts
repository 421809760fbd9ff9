import { pino } from 'pino';
import type { Logger } from '@herald/core';

export interface LoggerConfig {
  /** The app: router, worker, auditor, api, cli. */
  readonly app: string;
  readonly level: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
}

/**
 * Paths redacted from every log line. Secrets reach logs through error objects and
 * request options far more often than through a direct log call, so the list is broad.
 */
export const redactedPaths = [
  'password',
  'secret',
  'token',
  'authorization',
  'apiKey',
  '*.password',
  '*.secret',
  '*.secrets',
  '*.token',
  '*.authorization',
  '*.apiKey',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'config.sasl',
];

/**
 * The apps' logger: JSON lines to stdout, constant messages with structured fields,
 * secrets redacted. Packages receive it (or a child) through the `Logger` port.
 */
export function createLogger(config: LoggerConfig): Logger {
  const options = {
    name: `herald-${config.app}`,
    level: config.level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: { app: config.app },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}
