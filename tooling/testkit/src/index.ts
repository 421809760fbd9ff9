export { stackEnv, stackTopicSettings, uniquePrefix } from './stack-env.js';
export type { StackEnv } from './stack-env.js';
export { createTestDatabase } from './test-database.js';
export type { TestDatabase } from './test-database.js';
export { startReceiver } from './receiver.js';
export type { Receiver, ReceivedRequest } from './receiver.js';
export { waitFor } from './wait-for.js';
export { freePort, freePorts } from './free-port.js';
export {
  expectValidStatusEvent,
  expectValidStatusRecord,
  statusEventSchemaPath,
} from './status-schema.js';
export type { StatusRecord } from './status-schema.js';
export { isStatusTopic, readTopics } from './topic-reader.js';
export type { ReadRecord, ReadTopicsOptions, StatusShape, TopicReader } from './topic-reader.js';
export { spanAttributes, spanKinds, startOtlpReceiver } from './otlp-receiver.js';
export type { OtlpReceiver, OtlpSpan, ReceivedExport } from './otlp-receiver.js';
export { testRun } from './test-run.js';
export type { TestRun, Startable, Stoppable } from './test-run.js';
export { chromiumPath, screenshotDir } from './chromium.js';
export { deleteRedisKeys, deleteStackRedisKeys, stackRedis } from './stack-redis.js';
export { spawnApp, spawnHeraldApp, type HeraldApp, type RunningProcess } from './spawn-app.js';
export { auditWorkload } from './audit-workload.js';
export { ownRedis, type OwnRedis } from './own-redis.js';
export { processCpuSeconds } from './process-cpu.js';
export { unflatStrings } from './flat-strings.js';
