export { defaultRetryPolicies, nextRetry, retryDelay, retryPoliciesWith } from './retry-policy.js';
export type { AttemptFacts, RetryDecision, RetryPolicy } from './retry-policy.js';
export {
  BreakerRegistry,
  CircuitBreaker,
  defaultBreakerConfig,
  endpointOf,
} from './circuit-breaker.js';
export type {
  BreakerConfig,
  BreakerSnapshot,
  BreakerState,
  BreakerVerdict,
} from './circuit-breaker.js';
export {
  deadLetterHeaders,
  deadLetterKinds,
  deadLetterSchema,
  encodeDeadLetter,
  readDeadLetter,
  replayJob,
  replayRefusal,
  truncationKinds,
} from './dead-letter.js';
export type {
  AttemptRecord,
  DeadLetter,
  DeadLetterKind,
  DeadLetterRecord,
  TruncationKind,
} from './dead-letter.js';
export { fitDeadLetter } from './dead-letter-fit.js';
export { advanceReplayWatermark, committedOffset, replayMarksKey } from './replay-watermark.js';
export { DependencyError } from './dependency-error.js';
export { IdempotencyStore } from './idempotency-store.js';
export { RedisDedupe } from './event-dedupe.js';
export { RedisInhibition } from './inhibition-marks.js';
export type { DedupeClaim } from './event-dedupe.js';
export { connectRedis, createRedisClient } from './redis-client.js';
export type { RedisClient, RedisClientOptions } from './redis-client.js';
export { MarkScript, MarksRedis } from './marks-redis.js';
export type { MarksRedisOptions } from './marks-redis.js';
export type { AcquireResult, IdempotencyConfig } from './idempotency-store.js';
export {
  breakerIndexKey,
  breakerStateKey,
  publishBreakerStates,
} from './breaker-state-publisher.js';
export type {
  BreakerStateEntry,
  BreakerStatePublisher,
  BreakerStatePublisherConfig,
} from './breaker-state-publisher.js';
export { createChunkHandler, createDeliveryPipeline, failureClassOf } from './pipeline/index.js';
export { cachedAddressStates } from './address-states.js';
export type { AddressStateSource } from './address-states.js';
export type {
  AddressMarkInfo,
  AddressStatePort,
  Chunk,
  ChunkHandlerOptions,
  DeliveryMetric,
  DeliveryPipeline,
  LeasePort,
  MetricsPort,
  PipelineDeps,
  Prepared,
  RateLimitPort,
  RateVerdict,
  RecordSizePort,
  RenderPort,
  WorkflowPort,
  SendPort,
  TracePort,
} from './pipeline/index.js';
// Digests (issue 16): the flusher of due digests and the digest's own job.
export { createDigestFlusher, digestJob } from './digest-flusher.js';
export type {
  DigestFlusher,
  DigestFlusherDeps,
  DigestFlushStore,
  FlushableDigest,
} from './digest-flusher.js';
