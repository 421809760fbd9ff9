import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { HeraldError, type Logger } from '@herald/core';
import type { AppAdmin, KafkaClient } from './kafka-admin.js';
import { attachPlatformatic, type KafkaClientKind } from './platformatic/connection.js';

/**
 * The SASL and TLS part of a kafkajs configuration, plus the client library the
 * stage loop runs on (`HERALD_KAFKA_CLIENT`): apps pass `kafkaSecurity(env)` as they
 * always did, so the choice reaches `createKafkaClient` without app changes.
 */
export type KafkaSecurity = Pick<KafkaConfig, 'sasl' | 'ssl'> & {
  readonly client?: KafkaClientKind;
};

export interface KafkaClientConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  readonly security?: KafkaSecurity;
  /** Overrides `security.client`; default platformatic (HERALD_KAFKA_CLIENT's default). */
  readonly client?: KafkaClientKind;
}

/** The settings of `kafkaEnv()` that secure the connection. */
export interface KafkaSecuritySettings {
  readonly HERALD_KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  readonly HERALD_KAFKA_SASL_USERNAME?: string | undefined;
  readonly HERALD_KAFKA_SASL_PASSWORD?: string | undefined;
  readonly HERALD_KAFKA_TLS: boolean;
  readonly HERALD_KAFKA_TLS_CA_FILE?: string | undefined;
  readonly HERALD_KAFKA_CLIENT?: KafkaClientKind | undefined;
}

/**
 * Turns the Kafka security settings into kafkajs' `sasl` and `ssl`, reading the CA
 * file once. Called while an app is built, so a missing credential or an unreadable
 * CA file stops start-up with the setting's name.
 *
 * @example
 * createKafkaClient({ brokers: env.KAFKA_BROKERS, clientId, logger, security: kafkaSecurity(env) });
 */
export function kafkaSecurity(
  settings: KafkaSecuritySettings,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): KafkaSecurity {
  const security: {
    sasl?: KafkaConfig['sasl'];
    ssl?: KafkaConfig['ssl'];
    client?: KafkaClientKind;
  } = {};
  if (settings.HERALD_KAFKA_CLIENT !== undefined) security.client = settings.HERALD_KAFKA_CLIENT;
  const mechanism = settings.HERALD_KAFKA_SASL_MECHANISM;
  if (mechanism) {
    const { HERALD_KAFKA_SASL_USERNAME: username, HERALD_KAFKA_SASL_PASSWORD: password } = settings;
    if (!username || !password) {
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
        `HERALD_KAFKA_SASL_MECHANISM is ${mechanism}: set HERALD_KAFKA_SASL_USERNAME and HERALD_KAFKA_SASL_PASSWORD too`,
      ]);
    }
    security.sasl = { mechanism, username, password } as KafkaConfig['sasl'];
  }
  if (settings.HERALD_KAFKA_TLS_CA_FILE !== undefined && !settings.HERALD_KAFKA_TLS) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      'HERALD_KAFKA_TLS_CA_FILE is set but HERALD_KAFKA_TLS is not true: set HERALD_KAFKA_TLS=true or remove the CA file',
    ]);
  }
  if (settings.HERALD_KAFKA_TLS) {
    const file = settings.HERALD_KAFKA_TLS_CA_FILE;
    if (file === undefined) security.ssl = true;
    else {
      try {
        security.ssl = { ca: [readFile(file)] };
      } catch (err) {
        throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
          `HERALD_KAFKA_TLS_CA_FILE: cannot read ${file}: ${(err as Error).message}`,
        ]);
      }
    }
  }
  return security;
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
 * With `client: 'platformatic'` the same handle also carries what StageConsumer and
 * MessagePublisher need to run on @platformatic/kafka instead; admin, topic set-up
 * and readTopic stay on kafkajs (docs/ARCHITECTURE.md, "Kafka client").
 */
export function createKafkaClient(config: KafkaClientConfig): KafkaClient {
  const log = config.logger.child({ component: 'kafkajs' });
  const { client: securityClient, ...security } = config.security ?? {};
  const kind = config.client ?? securityClient ?? 'platformatic';
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ...security,
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
  if (kind === 'platformatic') {
    attachPlatformatic(kafka, {
      brokers: config.brokers,
      clientId: config.clientId,
      security,
      logger: config.logger,
    });
  }
  return kafka;
}

/** A connected admin client (apps hold one for readiness checks and lag metrics). */
export async function connectAdmin(kafka: KafkaClient): Promise<AppAdmin> {
  const admin = kafka.admin();
  await admin.connect();
  return admin;
}
