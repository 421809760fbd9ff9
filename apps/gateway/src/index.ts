export { buildGateway } from './gateway.js';
export type { Gateway, GatewayAdapters, OpenAdapters } from './gateway.js';
export { createInboxGateway } from './inbox-gateway.js';
export { inboxAdapters, inboxFanout, inboxFeedStore, StatusBatcher } from './adapters.js';
export { parseGatewayEnv } from './env.js';
export type { GatewayEnv } from './env.js';
export { closeReasons } from './frames.js';
export type { ServerFrame } from './frames.js';
export type * from './ports.js';
