export { createLogger, redactedPaths } from './create-logger.js';
export type { LoggerConfig } from './create-logger.js';
