export { createRouting } from './route-chunk.js';
export type { Routing } from './route-chunk.js';
export type {
  DedupeClaims,
  InhibitionPort,
  SilenceSource,
  EventDecoder,
  RecipientDirectory,
  CancelMarks,
  RecordSpan,
  RoutingMetrics,
  RoutingPorts,
  RoutingSettings,
  RoutingTracing,
  RuleSource,
} from './ports.js';
export { eventClaim, matchClaims } from './dedupe-claims.js';
export { ROUTER_SOURCE } from './outputs.js';
export { rejectedRecord } from './rejection.js';
export { RecipientCache, recipientSource } from './recipient-cache.js';
export type { RecipientRow, RecipientRows, RecipientSource } from './recipient-cache.js';
