export { errorCodes, HeraldError, isHeraldError } from './errors.js';
export type { ErrorCode } from './errors.js';
export {
  decodeCloudEvent,
  encodeCloudEvent,
  validateCloudEvent,
  STRUCTURED_CONTENT_TYPE,
} from './cloudevents/cloud-event.js';
export type {
  CloudEvent,
  CloudEventAttribute,
  DecodeResult,
  KafkaRecordLike,
} from './cloudevents/cloud-event.js';
export { channelNames, isChannelName, priorities } from './channels.js';
export type { ChannelName, Priority } from './channels.js';
export {
  topicNames,
  consumerGroups,
  delayTiers,
  delayTierFor,
  deliveryTopicFor,
  priorityLanePriorities,
} from './topics.js';
export type { TopicNames, DelayTier } from './topics.js';
export { addressRef, deterministicId } from './ids.js';
export {
  daysInMonth,
  hasCanonicalTimeShape,
  isRecordTime,
  isUuid,
  isValidCanonicalTime,
} from './text-checks.js';
export { checkAddress, requireAddress } from './addresses/address.js';
export type { AddressCheck } from './addresses/address.js';
export {
  deliveryJobSchema,
  encodeDeliveryJob,
  decodeDeliveryJob,
  deliveryKey,
} from './delivery/delivery-job.js';
export type { DeliveryJob } from './delivery/delivery-job.js';
export { fallbackPlanSchema, fallbackStepSchema } from './delivery/fallback-plan.js';
export type { FallbackPlan, FallbackStep } from './delivery/fallback-plan.js';
export { fallbackJob } from './delivery/fallback-job.js';
export {
  attemptStartOf,
  notificationStates,
  statusEventFor,
  statusEventFromData,
} from './status/status-event.js';
export { statusContentType, statusMessage } from './status/status-message.js';
export type { StatusMessage } from './status/status-message.js';
export type { ConsumedRecord, OutputMessage, RecordHeaders } from './stage/stage-contract.js';
export type {
  NotificationState,
  ProviderResponse,
  StatusData,
  StatusDetails,
  StatusEvent,
} from './status/status-event.js';
export { parseEnv } from './config/parse-env.js';
export type { EnvSource } from './config/parse-env.js';
export {
  kafkaEnv,
  consumerEnv,
  databaseEnv,
  redisEnv,
  logEnv,
  lifecycleEnv,
  millis,
  flag,
  DEFAULT_MAX_RECORD_BYTES,
  DEFAULT_DLQ_RETENTION_MS,
} from './config/env-fragments.js';
export { redisClusterNodes } from './config/redis-url.js';
export type { RedisClusterUrl } from './config/redis-url.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { once, runCleanups, sleep, withTimeout } from './lifecycle.js';
export { deliveryFailureClasses } from './delivery/delivery-provider.js';
export { providerLimits } from './delivery/provider-limits.js';
export type { ProviderLimits } from './delivery/provider-limits.js';
export type {
  DeliveryFailureClass,
  DeliveryOutcome,
  DeliveryProvider,
  RenderedContent,
} from './delivery/delivery-provider.js';
export { Secret } from './secret.js';
