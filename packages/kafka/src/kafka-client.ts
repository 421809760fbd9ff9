import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '@herald/core';

export interface KafkaClientConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Creates a kafkajs client whose logs go to Herald's logger (kafkajs' own INFO is
 * chatty about joins and rebalances, so it is logged at debug). Nothing connects here.
 */
export function createKafkaClient(config: KafkaClientConfig): Kafka {
  const log = config.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    logLevel: logLevel.WARN,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
        const name = levels[level] ?? 'info';
        log[name === 'info' ? 'debug' : name](fields, message);
      },
  });
}
