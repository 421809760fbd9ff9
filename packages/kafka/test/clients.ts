/** The Kafka clients every suite of this package runs against (HERALD_KAFKA_CLIENT). */
import { silentLogger } from '@herald/core';
import { createKafkaClient, type KafkaClient } from '@herald/kafka';
import { stackEnv } from '@herald/testkit';

export const clients = ['kafkajs', 'platformatic'] as const;
export type Client = (typeof clients)[number];

/** A client handle on the test stack for `client` (admin and helpers stay kafkajs). */
export function testKafka(client: Client, clientId: string): KafkaClient {
  return createKafkaClient({
    brokers: stackEnv().KAFKA_BROKERS.split(','),
    clientId,
    logger: silentLogger,
    client,
  });
}
