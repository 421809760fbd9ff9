import type { Cluster, Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from '@herald/core';
import type { KafkaClient, MessagePublisher } from '@herald/kafka';
import type { BuildChannelRouter } from '@herald/operations';
import type { ApiKeyInfo, AuditActor, HeraldDatabase } from '@herald/store';

/** What /v1 route modules need, built once by the api. */
export interface V1Context {
  readonly db: Kysely<HeraldDatabase>;
  readonly publisher: MessagePublisher;
  /** For reading herald.dlq and consumer groups (dead letters, status). */
  readonly kafka: KafkaClient;
  readonly redis?: Redis | Cluster;
  readonly topicPrefix: string;
  readonly maxRecordBytes: number;
  readonly maxBatch: number;
  readonly log: Logger;
  readonly now: () => Date;
  /** The channels' providers from the api's channel settings, built per test send. */
  readonly channelRouter: BuildChannelRouter;
}

/** The audit trail's view of a key: readable actor, tenant and key id. */
export function actorOf(key: ApiKeyInfo): { actor: string; by: AuditActor } {
  return {
    actor: `${key.prefix} (${key.name})`,
    by: { tenant: key.tenant, apiKeyId: key.id },
  };
}

export const problemResponses = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
  429: { $ref: 'Problem#' },
} as const;
