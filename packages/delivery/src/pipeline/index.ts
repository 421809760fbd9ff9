export { createDeliveryPipeline } from './create-pipeline.js';
export type { DeliveryPipeline } from './create-pipeline.js';
export { createChunkHandler } from './handle-chunk.js';
export type { ChunkHandlerOptions } from './handle-chunk.js';
export { failureClassOf } from './failure-class.js';
export type { Chunk, Prepared } from './leases.js';
export type {
  AddressMarkInfo,
  AddressStatePort,
  ConsumedRecord,
  DeliveryMetric,
  LeasePort,
  MetricsPort,
  OutputMessage,
  PipelineDeps,
  RateLimitPort,
  RateVerdict,
  RecordSizePort,
  RenderPort,
  WorkflowPort,
  SendPort,
  TracePort,
} from './ports.js';
