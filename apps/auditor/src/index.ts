export { buildAuditor } from './auditor.js';
export type { AuditorOptions } from './auditor.js';
export type { Auditor } from './auditor.js';
export { parseAuditorEnv } from './env.js';
export type { AuditorEnv } from './env.js';
export { decodeStatusEvent } from './status-decoder.js';
export type { StatusDecodeResult } from './status-decoder.js';
