export { connectAdmin, createKafkaClient, kafkaSecurity } from './kafka-client.js';
export type { KafkaClientConfig, KafkaSecurity, KafkaSecuritySettings } from './kafka-client.js';
export { kafkaAdmin, withKafkaAdmin } from './kafka-admin.js';
export type {
  AppAdmin,
  GroupSummary,
  GroupTopicOffsets,
  KafkaAdmin,
  KafkaClient,
  PartitionEnds,
} from './kafka-admin.js';
export { readTopic } from './topic-reader.js';
export type { ReadTopicOptions, TopicRecord } from './topic-reader.js';
export { ensureTopics, deleteTopics, deleteTopicsWithPrefix } from './ensure-topics.js';
export type { TopicSpec } from './ensure-topics.js';
export { StageConsumer } from './stage-consumer.js';
export type {
  ConsumedRecord,
  StageConsumerConfig,
  StageHandler,
  StagePhase,
} from './stage-consumer.js';
export type { OutputMessage } from './output-message.js';
export type { Compression } from './send-outputs.js';
export { MessagePublisher } from './producer.js';
export {
  heraldTopicSpecs,
  heraldTopicSpec,
  heraldTopicConfig,
  defaultMinInsyncReplicas,
  heraldTopicOptions,
  deliveryLaneTopics,
  deliveryLaneTopicSpecs,
} from './herald-topics.js';
export type { HeraldTopicOptions } from './herald-topics.js';
export {
  checkRecordSize,
  fitOrReference,
  recordBytes,
  recordTooLarge,
  RECORD_BATCH_OVERHEAD,
} from './record-size.js';
