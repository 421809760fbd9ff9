export { stackEnv, uniquePrefix } from './stack-env.js';
export type { StackEnv } from './stack-env.js';
export { createTestDatabase } from './test-database.js';
export type { TestDatabase } from './test-database.js';
export { startReceiver } from './receiver.js';
export type { Receiver, ReceivedRequest } from './receiver.js';
export { waitFor } from './wait-for.js';
export { expectValidStatusEvent, statusEventSchemaPath } from './status-schema.js';
