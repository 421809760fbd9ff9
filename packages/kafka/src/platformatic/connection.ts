import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { BaseOptions, SASLOptions } from '@platformatic/kafka';
import type { KafkaConfig } from 'kafkajs';
import { HeraldError, type Logger } from '@herald/core';

/** The client library a Herald stage runs on (`HERALD_KAFKA_CLIENT`). */
export type KafkaClientKind = 'kafkajs' | 'platformatic';

/** What a @platformatic/kafka client needs, taken from the same settings as the kafkajs one. */
export interface PlatformaticConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly security: Pick<KafkaConfig, 'sasl' | 'ssl'>;
  readonly logger: Logger;
}

/**
 * The kafkajs handle (`KafkaClient`) stays the one thing apps hold and pass back; a
 * handle made with `client: 'platformatic'` is remembered here with its connection, so
 * StageConsumer and MessagePublisher pick the client without any app changing types.
 */
const links = new WeakMap<object, PlatformaticConnection>();

export function attachPlatformatic(kafka: object, connection: PlatformaticConnection): void {
  links.set(kafka, connection);
}

/** The platformatic connection of a handle, or undefined when it runs on kafkajs. */
export function platformaticOf(kafka: object): PlatformaticConnection | undefined {
  return links.get(kafka);
}

const mechanisms = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

/**
 * kafkajs' `sasl` / `ssl` (as `kafkaSecurity` builds them) in @platformatic/kafka's
 * terms: the same mechanisms and credentials, TLS on with the CA bundle if one was given.
 */
export function platformaticSecurity(
  security: Pick<KafkaConfig, 'sasl' | 'ssl'>,
): Pick<BaseOptions, 'sasl' | 'tls'> {
  const out: { sasl?: SASLOptions; tls?: TlsOptions } = {};
  const sasl = security.sasl as
    { mechanism: string; username?: string; password?: string } | undefined;
  if (sasl) {
    const mechanism = mechanisms[sasl.mechanism as keyof typeof mechanisms];
    if (mechanism === undefined) {
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
        `HERALD_KAFKA_SASL_MECHANISM ${sasl.mechanism} is not supported with HERALD_KAFKA_CLIENT=platformatic: use plain, scram-sha-256 or scram-sha-512`,
      ]);
    }
    out.sasl = {
      mechanism,
      ...(sasl.username === undefined ? {} : { username: sasl.username }),
      ...(sasl.password === undefined ? {} : { password: sasl.password }),
    };
  }
  if (security.ssl === true) out.tls = {};
  else if (security.ssl) out.tls = { ...(security.ssl as TlsOptions) };
  return out;
}

/** Options every platformatic client of this connection shares (retries as kafkajs': 8, capped backoff). */
export function platformaticBase(connection: PlatformaticConnection, role: string): BaseOptions {
  return {
    clientId: `${connection.clientId}-${role}`,
    bootstrapBrokers: [...connection.brokers],
    ...platformaticSecurity(connection.security),
    retries: 8,
    retryDelay: (_client, _operation, attempt) => Math.min(5_000, 200 * 2 ** (attempt - 1)),
    autocreateTopics: false,
  };
}
